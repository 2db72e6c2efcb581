"""musiclib.rnn_math equals Keras and TensorFlow autodiff to 1e-6 in float64.

Every layer here is built with ``dtype="float64"``, so nothing global is changed.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclib import rnn_math as rm
from musiclib.config import quiet_tensorflow
from musiclib.errors import ConfigError, ShapeError

quiet_tensorflow()
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

ATOL = 1e-6
FAST = settings(max_examples=20, deadline=None)


def _rnn_case(seed, batch, time, n_in, n_hidden, n_out=2, scale=0.8):
    """Random inputs and weights for one case, all float64."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(batch, time, n_in)),
        "W_xh": rng.normal(0, scale, size=(n_hidden, n_in)),
        "W_hh": rng.normal(0, scale / np.sqrt(n_hidden), size=(n_hidden, n_hidden)),
        "b_h": rng.normal(0, 0.3, size=n_hidden),
        "h0": rng.normal(0, 0.5, size=(batch, n_hidden)),
        "W_hy": rng.normal(0, scale, size=(n_out, n_hidden)),
        "b_y": rng.normal(0, 0.3, size=n_out),
    }


def _keras_simple_rnn(case, activation, return_sequences):
    layer = keras.layers.SimpleRNN(
        case["W_hh"].shape[0], activation=activation,
        return_sequences=return_sequences, dtype="float64",
    )
    layer.build((None, None, case["x"].shape[2]))
    layer.set_weights(rm.to_keras_simple_rnn(case["W_xh"], case["W_hh"], case["b_h"]))
    return layer


shapes = st.tuples(
    st.integers(0, 10_000),  # seed
    st.integers(1, 3),  # batch
    st.integers(1, 7),  # time
    st.integers(1, 4),  # n_in
    st.integers(1, 5),  # n_hidden
)


# --------------------------------------------------------------------------- forward = Keras
@FAST
@given(shapes, st.sampled_from(["tanh", "sigmoid"]), st.booleans(), st.booleans())
def test_rnn_forward_equals_keras_simple_rnn(shape, activation, return_sequences, with_h0):
    case = _rnn_case(*shape)
    layer = _keras_simple_rnn(case, activation, return_sequences)
    h0 = case["h0"] if with_h0 else None
    keras_out = layer(case["x"], initial_state=[h0] if with_h0 else None).numpy()
    h = rm.rnn_forward(case["x"], case["W_xh"], case["W_hh"], case["b_h"], h0=h0,
                       activation=activation)
    ours = h if return_sequences else h[:, -1]
    assert ours.shape == keras_out.shape
    assert np.max(np.abs(ours - keras_out)) < ATOL


@FAST
@given(shapes, st.integers(1, 3))
def test_dense_forward_equals_keras_dense_on_every_step(shape, n_out):
    case = _rnn_case(*shape, n_out=n_out)
    h = rm.rnn_forward(case["x"], case["W_xh"], case["W_hh"], case["b_h"])
    dense = keras.layers.Dense(n_out, dtype="float64")
    dense.build((None, None, h.shape[2]))
    dense.set_weights(rm.to_keras_dense(case["W_hy"], case["b_y"]))
    assert np.max(np.abs(rm.dense_forward(h, case["W_hy"], case["b_y"]) - dense(h).numpy())) < ATOL


def test_rnn_step_of_one_unit_by_hand():
    # h_1 = tanh(0.9 * 0 + 0.5 * 1 + 0) = tanh(0.5)
    h1 = rm.rnn_step([1.0], [0.0], W_xh=[[0.5]], W_hh=[[0.9]], b_h=[0.0])
    assert h1 == pytest.approx([np.tanh(0.5)])
    h2 = rm.rnn_step([2.0], h1, W_xh=[[0.5]], W_hh=[[0.9]], b_h=[0.1], activation="sigmoid")
    assert h2 == pytest.approx([1 / (1 + np.exp(-(0.9 * np.tanh(0.5) + 1.0 + 0.1)))])


@settings(max_examples=15, deadline=None)
@given(shapes)
def test_rnn_forward_is_rnn_step_repeated_and_accepts_unbatched_steps(shape):
    case = _rnn_case(*shape)
    h = rm.rnn_forward(case["x"], case["W_xh"], case["W_hh"], case["b_h"], h0=case["h0"])
    h_t = case["h0"]
    for t in range(case["x"].shape[1]):
        h_t = rm.rnn_step(case["x"][:, t], h_t, case["W_xh"], case["W_hh"], case["b_h"])
        np.testing.assert_allclose(h[:, t], h_t, atol=1e-12)
    single = rm.rnn_step(case["x"][0, 0], case["h0"][0], case["W_xh"], case["W_hh"], case["b_h"])
    np.testing.assert_allclose(single, h[0, 0], atol=1e-12)


def test_keras_weight_mapping_is_a_transpose_and_round_trips():
    case = _rnn_case(1, 2, 3, 3, 4)
    layer = _keras_simple_rnn(case, "tanh", True)
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and recurrent.shape == (4, 4)
    np.testing.assert_array_equal(kernel, case["W_xh"].T)
    np.testing.assert_array_equal(recurrent, case["W_hh"].T)
    back = rm.from_keras_simple_rnn(layer)
    for name in ("W_xh", "W_hh", "b_h"):
        np.testing.assert_array_equal(back[name], case[name])
    dense = rm.from_keras_dense(rm.to_keras_dense(case["W_hy"], case["b_y"]))
    np.testing.assert_array_equal(dense["W_hy"], case["W_hy"])
    np.testing.assert_array_equal(dense["b_y"], case["b_y"])


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with np.errstate(over="raise"):
        s = rm.sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1.0])


def test_module_doctests_pass():
    result = doctest.testmod(rm)
    assert result.failed == 0


# --------------------------------------------------------------------------- BPTT = autodiff
@FAST
@given(shapes, st.integers(1, 3), st.sampled_from(["tanh", "sigmoid"]), st.booleans())
def test_bptt_equals_gradient_tape(shape, n_out, activation, return_sequences):
    case = _rnn_case(*shape, n_out=n_out)
    batch, time, _ = case["x"].shape
    rng = np.random.default_rng(shape[0] + 1)
    target = rng.normal(size=(batch, time, n_out) if return_sequences else (batch, n_out))
    layer = _keras_simple_rnn(case, activation, return_sequences)
    dense = keras.layers.Dense(n_out, dtype="float64")
    dense.build((None, case["W_hh"].shape[0]))
    dense.set_weights(rm.to_keras_dense(case["W_hy"], case["b_y"]))
    h0 = tf.Variable(case["h0"])
    with tf.GradientTape() as tape:
        y = dense(layer(case["x"], initial_state=[h0]))
        keras_loss = keras.losses.MeanSquaredError(dtype="float64")(target, y)
    kernel, recurrent, bias, dense_kernel, dense_bias, dh0 = (
        g.numpy() for g in tape.gradient(
            keras_loss, [*layer.trainable_weights, *dense.trainable_weights, h0])
    )
    loss, grads = rm.bptt(case["x"], target, case["W_xh"], case["W_hh"], case["b_h"],
                          case["W_hy"], case["b_y"], h0=case["h0"], activation=activation)
    assert loss == pytest.approx(float(keras_loss), abs=ATOL)
    expected = {"W_xh": kernel.T, "W_hh": recurrent.T, "b_h": bias,
                "W_hy": dense_kernel.T, "b_y": dense_bias, "h0": dh0}
    assert list(grads) == list(expected)
    for name, value in expected.items():
        assert grads[name].shape == value.shape, name
        assert np.max(np.abs(grads[name] - value)) < ATOL, name


def test_bptt_of_one_unit_two_steps_by_hand():
    # h1 = tanh(w x1), h2 = tanh(u h1 + w x2), y = v h2, L = (y - d)^2
    w, u, v, x1, x2, d = 0.7, 0.5, 1.5, 1.0, -0.5, 0.2
    h1 = np.tanh(w * x1)
    h2 = np.tanh(u * h1 + w * x2)
    dy = 2 * (v * h2 - d)
    dW_hh = dy * v * (1 - h2**2) * h1
    dW_xh = dy * v * (1 - h2**2) * (x2 + u * (1 - h1**2) * x1)
    _, grads = rm.bptt([[[x1], [x2]]], [[d]], [[w]], [[u]], [0.0], [[v]], [0.0])
    assert grads["W_hh"][0, 0] == pytest.approx(dW_hh, abs=1e-12)
    assert grads["W_xh"][0, 0] == pytest.approx(dW_xh, abs=1e-12)


# --------------------------------------------------------------------------- vanishing / exploding
@pytest.mark.parametrize("rho", [0.5, 1.0, 1.5])
def test_state_gradient_norms_of_linear_rnn_are_norms_of_matrix_powers(rho):
    case = _rnn_case(3, 1, 8, 2, 4)
    W_hh = rm.scale_to_spectral_radius(case["W_hh"], rho)
    assert rm.spectral_radius(W_hh) == pytest.approx(rho)
    norms = rm.state_gradient_norms(case["x"], case["W_xh"], W_hh, case["b_h"],
                                    activation="linear")
    expected = [np.linalg.norm(np.linalg.matrix_power(W_hh, k), 2) for k in range(9)]
    np.testing.assert_allclose(norms[0], expected, rtol=1e-10)


def test_state_gradient_norm_at_full_lag_equals_autodiff_jacobian():
    case = _rnn_case(5, 2, 6, 3, 4, scale=1.5)
    layer = _keras_simple_rnn(case, "tanh", False)
    h0 = tf.constant(case["h0"])
    with tf.GradientTape() as tape:
        tape.watch(h0)
        h_T = layer(case["x"], initial_state=[h0])
    jac = tape.batch_jacobian(h_T, h0).numpy()  # (batch, n_hidden, n_hidden)
    norms = rm.state_gradient_norms(case["x"], case["W_xh"], case["W_hh"], case["b_h"],
                                    h0=case["h0"])
    for b in range(2):
        assert norms[b, -1] == pytest.approx(np.linalg.norm(jac[b], 2), abs=ATOL)


def test_clip_by_global_norm_equals_tensorflow():
    rng = np.random.default_rng(0)
    grads = {"W_xh": rng.normal(size=(3, 2)) * 10, "b_h": rng.normal(size=3)}
    clipped, norm = rm.clip_by_global_norm(grads, 1.0)
    tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads.values()], 1.0)
    assert norm == pytest.approx(float(tf_norm))
    for ours, theirs in zip(clipped.values(), tf_clipped, strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    assert rm.global_norm(clipped) == pytest.approx(1.0)
    small = {"g": np.array([0.3, 0.4])}
    np.testing.assert_array_equal(rm.clip_by_global_norm(small, 1.0)[0]["g"], small["g"])


# --------------------------------------------------------------------------- LSTM = Keras
@FAST
@given(shapes, st.booleans(), st.booleans())
def test_lstm_forward_equals_keras_lstm(shape, return_sequences, with_state):
    seed, batch, time, n_in, n_hidden = shape
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, time, n_in))
    params = rm.LSTMParams.random(n_in, n_hidden, rng)
    h0 = rng.normal(0, 0.5, size=(batch, n_hidden)) if with_state else None
    c0 = rng.normal(0, 0.5, size=(batch, n_hidden)) if with_state else None
    layer = keras.layers.LSTM(n_hidden, return_sequences=return_sequences, return_state=True,
                              dtype="float64")
    layer.build((None, None, n_in))
    layer.set_weights(rm.to_keras_lstm(params))
    out, h_T, c_T = (a.numpy() for a in layer(x, initial_state=[h0, c0] if with_state else None))
    h, c = rm.lstm_forward(x, params, h0=h0, c0=c0)
    ours = h if return_sequences else h[:, -1]
    assert ours.shape == out.shape
    assert np.max(np.abs(ours - out)) < ATOL
    assert np.max(np.abs(h[:, -1] - h_T)) < ATOL
    assert np.max(np.abs(c[:, -1] - c_T)) < ATOL


def test_lstm_keras_mapping_uses_gate_order_i_f_c_o_and_round_trips():
    params = rm.LSTMParams.random(3, 2, 0)
    kernel, recurrent, bias = rm.to_keras_lstm(params)
    assert kernel.shape == (3, 8) and recurrent.shape == (2, 8) and bias.shape == (8,)
    np.testing.assert_array_equal(kernel[:, 2:4], params.W_xf.T)  # forget gate: 2nd block
    np.testing.assert_array_equal(recurrent[:, 4:6], params.W_hc.T)  # cell: 3rd block
    np.testing.assert_array_equal(bias[6:8], params.b_o)  # output: 4th block
    back = rm.from_keras_lstm([kernel, recurrent, bias])
    for name in ("W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f",
                 "W_xc", "W_hc", "b_c", "W_xo", "W_ho", "b_o"):
        np.testing.assert_array_equal(getattr(back, name), getattr(params, name))


def test_lstm_step_by_hand_and_unbatched():
    params = rm.LSTMParams.random(2, 3, 4)
    x_t, h_prev, c_prev = np.array([0.5, -1.0]), np.array([0.1, 0.2, -0.3]), np.ones(3)
    i, f, g, o = rm.lstm_gates(x_t, h_prev, params)
    np.testing.assert_allclose(
        i, 1 / (1 + np.exp(-(params.W_xi @ x_t + params.W_hi @ h_prev + params.b_i))))
    h_t, c_t = rm.lstm_step(x_t, h_prev, c_prev, params)
    np.testing.assert_allclose(c_t, f * c_prev + i * g)
    np.testing.assert_allclose(h_t, o * np.tanh(c_t))
    h, c = rm.lstm_forward(x_t[None, None], params, h0=h_prev[None], c0=c_prev[None])
    np.testing.assert_allclose(h[0, 0], h_t)


# --------------------------------------------------------------------------- bad inputs
def _w(n_hidden=4, n_in=3):
    case = _rnn_case(0, 2, 5, n_in, n_hidden)
    return case["x"], case["W_xh"], case["W_hh"], case["b_h"]


def test_non_square_W_hh_is_named_with_both_shapes():
    x, W_xh, _, b_h = _w()
    match = r"'W_hh' has shape \(4, 3\); " r"expected \(n_hidden, n_hidden\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_forward(x, W_xh, np.zeros((4, 3)), b_h)


def test_W_xh_with_wrong_n_hidden_is_named():
    x, _, W_hh, b_h = _w()
    match = r"'W_xh' has shape \(5, 3\); " r"expected \(n_hidden, n_in\) = \(4, n_in\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_forward(x, np.zeros((5, 3)), W_hh, b_h)


def test_x_with_wrong_n_in_is_named():
    x, W_xh, W_hh, b_h = _w()
    match = r"'x' has shape \(2, 5, 2\); " r"expected \(batch, time, n_in\) = \(batch, time, 3\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_forward(x[..., :2], W_xh, W_hh, b_h)


def test_x_without_batch_axis_is_named():
    x, W_xh, W_hh, b_h = _w()
    with pytest.raises(ShapeError, match=r"'x' has shape \(5, 3\); expected \(batch, time, n_in\)"):
        rm.rnn_forward(x[0], W_xh, W_hh, b_h)


def test_b_h_with_wrong_length_is_named():
    x, W_xh, W_hh, _ = _w()
    match = r"'b_h' has shape \(3,\); " r"expected \(n_hidden,\) = \(4,\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_forward(x, W_xh, W_hh, np.zeros(3))


def test_h0_with_wrong_batch_is_named():
    x, W_xh, W_hh, b_h = _w()
    match = r"'h0' has shape \(3, 4\); " r"expected \(batch, n_hidden\) = \(2, 4\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_forward(x, W_xh, W_hh, b_h, h0=np.zeros((3, 4)))


def test_h_prev_that_does_not_fit_rnn_step_is_named():
    _, W_xh, W_hh, b_h = _w()
    match = r"'h_prev' has shape \(2, 5\); " r"expected \(batch, n_hidden\) = \(2, 4\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_step(np.zeros((2, 3)), np.zeros((2, 5)), W_xh, W_hh, b_h)


def test_nan_in_x_is_named():
    x, W_xh, W_hh, b_h = _w()
    x[0, 0, 0] = np.nan
    with pytest.raises(ShapeError, match=r"'x' holds NaN"):
        rm.rnn_forward(x, W_xh, W_hh, b_h)


def test_unknown_activation_lists_the_choices():
    x, W_xh, W_hh, b_h = _w()
    with pytest.raises(ConfigError, match=r"'activation' is 'relu'; expected one of 'tanh'"):
        rm.rnn_forward(x, W_xh, W_hh, b_h, activation="relu")


def test_bptt_target_with_wrong_n_out_is_named():
    case = _rnn_case(0, 2, 5, 3, 4, n_out=2)
    match = r"'target' has shape \(2, 5, 3\); " r"expected \(batch, time, n_out\) = \(2, 5, 2\)"
    with pytest.raises(ShapeError, match=match):
        rm.bptt(case["x"], np.zeros((2, 5, 3)), case["W_xh"], case["W_hh"], case["b_h"],
                case["W_hy"], case["b_y"])


def test_rnn_backward_dh_with_wrong_time_is_named():
    x, W_xh, W_hh, b_h = _w()
    h = rm.rnn_forward(x, W_xh, W_hh, b_h)
    match = r"'dh' has shape \(2, 4, 4\); " r"expected \(batch, time, n_hidden\) = \(2, 5, 4\)"
    with pytest.raises(ShapeError, match=match):
        rm.rnn_backward(x, h, np.zeros((2, 4, 4)), W_hh)


def test_dense_W_hy_that_does_not_fit_h_is_named():
    x, W_xh, W_hh, b_h = _w()
    h = rm.rnn_forward(x, W_xh, W_hh, b_h)
    match = (r"'h' has shape \(2, 5, 4\); "
             r"expected \(batch, time, n_hidden\) = \(batch, time, 6\)")
    with pytest.raises(ShapeError, match=match):
        rm.dense_forward(h, np.zeros((2, 6)), np.zeros(2))


def test_keras_weight_list_of_wrong_length_is_refused():
    match = r"'weights' holds 2 arrays; " r"expected 3 arrays \(kernel, recurrent_kernel, bias\)"
    with pytest.raises(ShapeError, match=match):
        rm.from_keras_simple_rnn([np.zeros((3, 4)), np.zeros((4, 4))])


def test_keras_kernel_that_does_not_fit_recurrent_kernel_is_named():
    match = r"'kernel' has shape \(3, 5\); " r"expected \(n_in, n_hidden\) = \(n_in, 4\)"
    with pytest.raises(ShapeError, match=match):
        rm.from_keras_simple_rnn([np.zeros((3, 5)), np.zeros((4, 4)), np.zeros(4)])


def test_lstm_recurrent_kernel_without_four_gates_is_named():
    match = r"'recurrent_kernel' has shape \(2, 6\); " r"expected \(n_hidden, 4 n_hidden\)"
    with pytest.raises(ShapeError, match=match):
        rm.from_keras_lstm([np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6)])


def test_lstm_params_with_wrong_gate_shape_is_named():
    arrays = {f: getattr(rm.LSTMParams.random(3, 2), f) for f in
              ("W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f", "W_xc", "W_hc", "b_c",
               "W_xo", "W_ho", "b_o")}
    arrays["W_xo"] = np.zeros((2, 4))
    match = r"'W_xo' has shape \(2, 4\); " r"expected \(n_hidden, n_in\) = \(2, 3\)"
    with pytest.raises(ShapeError, match=match):
        rm.LSTMParams(**arrays)


def test_lstm_forward_without_lstm_params_is_refused():
    with pytest.raises(ShapeError, match=r"'params' must be an LSTMParams, got list"):
        rm.lstm_forward(np.zeros((1, 2, 3)), [np.zeros((3, 8))])


def test_lstm_c_prev_with_wrong_shape_is_named():
    params = rm.LSTMParams.random(3, 2)
    match = r"'c_prev' has shape \(3,\); " r"expected the shape of 'h_prev', \(2,\)"
    with pytest.raises(ShapeError, match=match):
        rm.lstm_step(np.zeros(3), np.zeros(2), np.zeros(3), params)


def test_negative_spectral_radius_is_refused():
    with pytest.raises(ShapeError, match=r"'rho' must be a finite number >= 0, got -1"):
        rm.scale_to_spectral_radius(np.eye(2), -1)


def test_zero_clip_norm_is_refused():
    with pytest.raises(ShapeError, match=r"'clip_norm' must be a finite number > 0, got 0"):
        rm.clip_by_global_norm({"g": np.ones(2)}, 0)
