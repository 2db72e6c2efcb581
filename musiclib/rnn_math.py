"""Recurrent networks by hand: NumPy references that equal Keras to 1e-6.

A simple recurrent neural network (循环神经网络, RNN) keeps a hidden state
(隐藏状态) ``h_t`` that it updates once per time step::

    h_t = f(W_hh h_{t-1} + W_xh x_t + b_h)        f = tanh (Keras) or sigmoid (the article)
    y_t = W_hy h_t + b_y

Symbols and shapes, the same in the notebook and in the code:

==========  ======================  ==========================================
symbol      shape                   meaning
==========  ======================  ==========================================
``x``       (batch, time, n_in)     input sequences; ``x_t`` = ``x[:, t]``
``W_xh``    (n_hidden, n_in)        input -> hidden
``W_hh``    (n_hidden, n_hidden)    hidden -> hidden (the recurrence)
``b_h``     (n_hidden,)             hidden bias
``h0``      (batch, n_hidden)       initial state (zeros by default)
``h``       (batch, time, n_hidden) every hidden state ``h_t`` = ``h[:, t]``
``W_hy``    (n_out, n_hidden)       hidden -> output
``b_y``     (n_out,)                output bias
==========  ======================  ==========================================

Keras stores the same numbers transposed, because it multiplies row vectors from
the left (``x_t @ kernel``): ``SimpleRNN.kernel`` is ``W_xh.T``,
``SimpleRNN.recurrent_kernel`` is ``W_hh.T`` and ``Dense.kernel`` is ``W_hy.T``.
:func:`from_keras_simple_rnn` and :func:`to_keras_simple_rnn` convert.

Backpropagation through time (反向传播, BPTT) is written out in
:func:`rnn_backward` and :func:`bptt`; :func:`state_gradient_norms` measures how
the gradient shrinks or grows with the time lag (梯度消失 / 梯度爆炸).

The module also holds the LSTM forward pass (:func:`lstm_step`,
:func:`lstm_forward`) that equals ``keras.layers.LSTM``.

All arithmetic is done in float64. No function here imports TensorFlow.

Taught in: notebooks/03_rnn_hidden_state_math.ipynb
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from musiclib.errors import ConfigError, ShapeError

__all__ = [
    "ACTIVATIONS",
    "sigmoid",
    "rnn_step",
    "rnn_forward",
    "dense_forward",
    "rnn_backward",
    "mse_loss",
    "bptt",
    "from_keras_simple_rnn",
    "to_keras_simple_rnn",
    "from_keras_dense",
    "to_keras_dense",
    "spectral_radius",
    "scale_to_spectral_radius",
    "state_gradient_norms",
    "global_norm",
    "clip_by_global_norm",
    "LSTMParams",
    "lstm_gates",
    "lstm_step",
    "lstm_forward",
    "from_keras_lstm",
    "to_keras_lstm",
]

_NB3 = "notebooks/03_rnn_hidden_state_math.ipynb"


# --------------------------------------------------------------------------- activations
def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function σ(z) = 1 / (1 + e^(-z)), computed without overflow.

    Parameters
    ----------
    z : array, any shape

    Returns
    -------
    array, same shape as ``z``, values in (0, 1)

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _linear(z: np.ndarray) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


#: name -> (f, f' written in terms of the output a = f(z)). Writing the derivative
#: through the output is what makes BPTT cheap: tanh' = 1 - a², σ' = a (1 - a).
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray],
                             Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "sigmoid": (sigmoid, lambda a: a * (1.0 - a)),
    "linear": (_linear, np.ones_like),
}


def _activation(activation: str | Callable) -> tuple[str, Callable, Callable]:
    """Resolve a name (or np.tanh / sigmoid) to (name, f, f' of the output)."""
    if activation is np.tanh:
        activation = "tanh"
    elif activation is sigmoid:
        activation = "sigmoid"
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ConfigError(
            f"argument 'activation' is {activation!r}; expected one of "
            f"{', '.join(repr(k) for k in ACTIVATIONS)} (or np.tanh, rnn_math.sigmoid)"
        )
    f, df = ACTIVATIONS[activation]
    return activation, f, df


# --------------------------------------------------------------------------- shape checks
def _shape_str(dims: Sequence[str], sizes: Mapping[str, int]) -> str:
    """'(n_hidden, n_in) = (4, 3)' - the symbolic shape and, where known, the numbers."""
    sym = "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")
    known = [str(sizes[d]) if d in sizes else d for d in dims]
    num = "(" + ", ".join(known) + (",)" if len(known) == 1 else ")")
    return sym if num == sym else f"{sym} = {num}"


def _check(name: str, value: Any, dims: Sequence[str], sizes: dict[str, int]) -> np.ndarray:
    """Return ``value`` as float64 with the symbolic shape ``dims``.

    Sizes already in ``sizes`` must match; new ones are recorded. The error names
    the argument, its shape and the expected shape.
    """
    arr = np.asarray(value, dtype=np.float64)
    expected = _shape_str(dims, sizes)
    if arr.ndim != len(dims):
        raise ShapeError(
            f"argument {name!r} has shape {arr.shape}; expected {expected}"
        )
    for dim, size in zip(dims, arr.shape, strict=True):
        if sizes.setdefault(dim, size) != size:
            raise ShapeError(f"argument {name!r} has shape {arr.shape}; expected {expected}")
    if not np.all(np.isfinite(arr)):
        raise ShapeError(f"argument {name!r} holds NaN or infinite values")
    return arr


def _rnn_weights(
    W_xh: Any, W_hh: Any, b_h: Any, sizes: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W_hh = _check("W_hh", W_hh, ("n_hidden", "n_hidden"), sizes)
    W_xh = _check("W_xh", W_xh, ("n_hidden", "n_in"), sizes)
    b_h = _check("b_h", b_h, ("n_hidden",), sizes)
    return W_xh, W_hh, b_h


# --------------------------------------------------------------------------- simple RNN
def rnn_step(
    x_t: Any,
    h_prev: Any,
    W_xh: Any,
    W_hh: Any,
    b_h: Any,
    activation: str | Callable = "tanh",
) -> np.ndarray:
    """One time step of a simple RNN: h_t = f(W_hh h_{t-1} + W_xh x_t + b_h).

    Parameters
    ----------
    x_t : array, shape (batch, n_in) or (n_in,)
        The input at this step.
    h_prev : array, shape (batch, n_hidden) or (n_hidden,)
        The previous hidden state h_{t-1}.
    W_xh : array, shape (n_hidden, n_in)
    W_hh : array, shape (n_hidden, n_hidden)
    b_h : array, shape (n_hidden,)
    activation : {"tanh", "sigmoid", "linear"} or np.tanh or :func:`sigmoid`
        ``f``; Keras' SimpleRNN uses tanh, the article writes σ.

    Returns
    -------
    h_t : array, same leading shape as ``h_prev``, float64

    Raises
    ------
    ShapeError
        If a shape does not fit; the message names the argument and both shapes.

    Examples
    --------
    >>> rnn_step([1.0], [0.0], W_xh=[[0.5]], W_hh=[[0.9]], b_h=[0.0]).round(4)
    array([0.4621])

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    _, f, _ = _activation(activation)
    sizes: dict[str, int] = {}
    W_xh, W_hh, b_h = _rnn_weights(W_xh, W_hh, b_h, sizes)
    x_arr = np.asarray(x_t, dtype=np.float64)
    lead = ("batch",) if x_arr.ndim == 2 else ()
    x_t = _check("x_t", x_arr, (*lead, "n_in"), sizes)
    h_prev = _check("h_prev", h_prev, (*lead, "n_hidden"), sizes)
    return f(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)


def rnn_forward(
    x: Any,
    W_xh: Any,
    W_hh: Any,
    b_h: Any,
    h0: Any | None = None,
    activation: str | Callable = "tanh",
) -> np.ndarray:
    """Run a simple RNN over a batch of sequences; return every hidden state.

    h_t = f(W_hh h_{t-1} + W_xh x_t + b_h),  t = 1 .. time,  h_0 = ``h0``

    Equals ``keras.layers.SimpleRNN(n_hidden, activation=..., return_sequences=True)``
    with weights from :func:`to_keras_simple_rnn`; the last state ``h[:, -1]`` is
    what the layer returns with ``return_sequences=False``.

    Parameters
    ----------
    x : array, shape (batch, time, n_in)
    W_xh : array, shape (n_hidden, n_in)
    W_hh : array, shape (n_hidden, n_hidden)
    b_h : array, shape (n_hidden,)
    h0 : array, shape (batch, n_hidden), optional
        Initial state; zeros when omitted (as in Keras).
    activation : {"tanh", "sigmoid", "linear"} or np.tanh or :func:`sigmoid`

    Returns
    -------
    h : array, shape (batch, time, n_hidden), float64
        ``h[:, t]`` is the state after reading ``x[:, t]``.

    Raises
    ------
    ShapeError
        If a shape does not fit; the message names the argument and both shapes.

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    _, f, _ = _activation(activation)
    sizes: dict[str, int] = {}
    W_xh, W_hh, b_h = _rnn_weights(W_xh, W_hh, b_h, sizes)
    x = _check("x", x, ("batch", "time", "n_in"), sizes)
    h0 = _initial_state("h0", h0, sizes)
    h = np.empty((sizes["batch"], sizes["time"], sizes["n_hidden"]))
    h_prev = h0
    for t in range(sizes["time"]):
        h_prev = f(x[:, t] @ W_xh.T + h_prev @ W_hh.T + b_h)
        h[:, t] = h_prev
    return h


def _initial_state(name: str, value: Any | None, sizes: dict[str, int]) -> np.ndarray:
    if value is None:
        return np.zeros((sizes["batch"], sizes["n_hidden"]))
    return _check(name, value, ("batch", "n_hidden"), sizes)


def dense_forward(h: Any, W_hy: Any, b_y: Any) -> np.ndarray:
    """The output layer: y_t = W_hy h_t + b_y, for every step at once.

    Parameters
    ----------
    h : array, shape (batch, time, n_hidden) or (batch, n_hidden)
    W_hy : array, shape (n_out, n_hidden)
    b_y : array, shape (n_out,)

    Returns
    -------
    y : array, shape (batch, time, n_out) or (batch, n_out)

    Equals ``keras.layers.Dense(n_out)`` with weights from :func:`to_keras_dense`.

    Used by: musiclib.rnn_math
    """
    sizes: dict[str, int] = {}
    W_hy = _check("W_hy", W_hy, ("n_out", "n_hidden"), sizes)
    b_y = _check("b_y", b_y, ("n_out",), sizes)
    h_arr = np.asarray(h, dtype=np.float64)
    dims = ("batch", "time", "n_hidden") if h_arr.ndim == 3 else ("batch", "n_hidden")
    h = _check("h", h_arr, dims, sizes)
    return h @ W_hy.T + b_y


# --------------------------------------------------------------------------- BPTT
def rnn_backward(
    x: Any,
    h: Any,
    dh: Any,
    W_hh: Any,
    h0: Any | None = None,
    activation: str | Callable = "tanh",
) -> dict[str, np.ndarray]:
    """Backpropagation through time (BPTT) for the hidden layer.

    Walks from the last step to the first. At step t the gradient reaching h_t
    is what the loss sends directly (``dh[:, t]``) plus what comes back from
    h_{t+1}; through the activation it becomes the gradient of the
    pre-activation a_t = W_hh h_{t-1} + W_xh x_t + b_h::

        δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ f'(a_t)        f'(a_t) = 1 - h_t²  for tanh
        ∂L/∂W_xh = Σ_t δ_t x_tᵀ    ∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ    ∂L/∂b_h = Σ_t δ_t
        ∂L/∂h_0 = W_hhᵀ δ_1

    Parameters
    ----------
    x : array, shape (batch, time, n_in)
        The inputs of the forward pass.
    h : array, shape (batch, time, n_hidden)
        The hidden states from :func:`rnn_forward`.
    dh : array, shape (batch, time, n_hidden)
        ∂L/∂h_t through the outputs only (not through later states), e.g.
        ``dy @ W_hy`` for a Dense output layer; zeros at steps the loss ignores.
    W_hh : array, shape (n_hidden, n_hidden)
    h0 : array, shape (batch, n_hidden), optional
        The initial state of the forward pass (zeros when omitted).
    activation : {"tanh", "sigmoid", "linear"} or np.tanh or :func:`sigmoid`

    Returns
    -------
    dict with keys ``"W_xh"``, ``"W_hh"``, ``"b_h"``, ``"h0"``
        Gradients of the loss, each with the shape of its parameter.

    Used by: musiclib.rnn_math
    """
    _, _, df = _activation(activation)
    sizes: dict[str, int] = {}
    W_hh = _check("W_hh", W_hh, ("n_hidden", "n_hidden"), sizes)
    x = _check("x", x, ("batch", "time", "n_in"), sizes)
    h = _check("h", h, ("batch", "time", "n_hidden"), sizes)
    dh = _check("dh", dh, ("batch", "time", "n_hidden"), sizes)
    h0 = _initial_state("h0", h0, sizes)
    grads = {
        "W_xh": np.zeros((sizes["n_hidden"], sizes["n_in"])),
        "W_hh": np.zeros_like(W_hh),
        "b_h": np.zeros(sizes["n_hidden"]),
    }
    from_later = np.zeros_like(h0)  # ∂L/∂h_t arriving from step t+1
    for t in reversed(range(sizes["time"])):
        h_prev = h[:, t - 1] if t > 0 else h0
        delta = (dh[:, t] + from_later) * df(h[:, t])
        grads["W_xh"] += delta.T @ x[:, t]
        grads["W_hh"] += delta.T @ h_prev
        grads["b_h"] += delta.sum(axis=0)
        from_later = delta @ W_hh
    grads["h0"] = from_later
    return grads


def mse_loss(y: Any, target: Any) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient: L = mean((y - target)²), ∂L/∂y.

    The mean runs over every element, as ``keras.losses.MeanSquaredError`` does.

    Parameters
    ----------
    y, target : arrays of the same shape

    Returns
    -------
    loss : float
    dy : array, shape of ``y``

    Used by: musiclib.rnn_math
    """
    y = np.asarray(y, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if y.shape != target.shape:
        raise ShapeError(
            f"argument 'target' has shape {target.shape}; expected the shape of 'y', {y.shape}"
        )
    diff = y - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


def bptt(
    x: Any,
    target: Any,
    W_xh: Any,
    W_hh: Any,
    b_h: Any,
    W_hy: Any,
    b_y: Any,
    h0: Any | None = None,
    activation: str | Callable = "tanh",
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and every gradient of an RNN + Dense model trained by mean squared error.

    Forward: h = :func:`rnn_forward`, y_t = W_hy h_t + b_y, L = mean((y - target)²).
    Backward: the output layer by hand, then :func:`rnn_backward`.

    Parameters
    ----------
    x : array, shape (batch, time, n_in)
    target : array, shape (batch, time, n_out) or (batch, n_out)
        With a 3-D target every step is scored (Keras ``return_sequences=True``);
        with a 2-D target only the last step is (``return_sequences=False``, as in
        the article's toy).
    W_xh : array, shape (n_hidden, n_in)
    W_hh : array, shape (n_hidden, n_hidden)
    b_h : array, shape (n_hidden,)
    W_hy : array, shape (n_out, n_hidden)
    b_y : array, shape (n_out,)
    h0 : array, shape (batch, n_hidden), optional
    activation : {"tanh", "sigmoid", "linear"} or np.tanh or :func:`sigmoid`

    Returns
    -------
    loss : float
    grads : dict
        Keys ``"W_xh"``, ``"W_hh"``, ``"b_h"``, ``"W_hy"``, ``"b_y"``, ``"h0"``;
        each gradient has the shape of its parameter.

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    h = rnn_forward(x, W_xh, W_hh, b_h, h0=h0, activation=activation)
    batch, time, n_hidden = h.shape
    sizes = {"batch": batch, "time": time, "n_hidden": n_hidden}
    W_hy = _check("W_hy", W_hy, ("n_out", "n_hidden"), sizes)
    target_arr = np.asarray(target, dtype=np.float64)
    last_only = target_arr.ndim == 2
    dims = ("batch", "n_out") if last_only else ("batch", "time", "n_out")
    target = _check("target", target_arr, dims, sizes)
    scored = h[:, -1] if last_only else h
    y = dense_forward(scored, W_hy, b_y)
    loss, dy = mse_loss(y, target)
    grads_out = {
        "W_hy": dy.reshape(-1, sizes["n_out"]).T @ scored.reshape(-1, n_hidden),
        "b_y": dy.reshape(-1, sizes["n_out"]).sum(axis=0),
    }
    dh = np.zeros_like(h)
    if last_only:
        dh[:, -1] = dy @ W_hy
    else:
        dh = dy @ W_hy
    grads = rnn_backward(x, h, dh, W_hh, h0=h0, activation=activation)
    ordered = {k: grads[k] for k in ("W_xh", "W_hh", "b_h")}
    ordered.update(grads_out)
    ordered["h0"] = grads["h0"]
    return loss, ordered


# --------------------------------------------------------------------------- Keras weights
def _weight_list(weights: Any, names: tuple[str, ...]) -> list[np.ndarray]:
    """Accept a Keras layer (anything with ``get_weights``) or a list of arrays."""
    if hasattr(weights, "get_weights"):
        weights = weights.get_weights()
    expected = f"{len(names)} arrays ({', '.join(names)})"
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence):
        raise ShapeError(
            f"argument 'weights' must be a Keras layer or a list of {expected}, "
            f"got {type(weights).__name__}"
        )
    if len(weights) != len(names):
        raise ShapeError(f"argument 'weights' holds {len(weights)} arrays; expected {expected}")
    return [np.asarray(w, dtype=np.float64) for w in weights]


def from_keras_simple_rnn(weights: Any) -> dict[str, np.ndarray]:
    """Keras SimpleRNN weights -> the notebook's W_xh, W_hh, b_h.

    Parameters
    ----------
    weights : keras.layers.SimpleRNN or [kernel, recurrent_kernel, bias]
        ``kernel`` shape (n_in, n_hidden), ``recurrent_kernel`` (n_hidden, n_hidden),
        ``bias`` (n_hidden,), as ``layer.get_weights()`` returns them.

    Returns
    -------
    dict with ``"W_xh"`` = kernel.T, shape (n_hidden, n_in), ``"W_hh"`` =
    recurrent_kernel.T, shape (n_hidden, n_hidden), and ``"b_h"`` = bias.

    Used by: your own experiments (public API; tested in tests/)
    """
    kernel, recurrent, bias = _weight_list(weights, ("kernel", "recurrent_kernel", "bias"))
    sizes: dict[str, int] = {}
    _check("recurrent_kernel", recurrent, ("n_hidden", "n_hidden"), sizes)
    _check("kernel", kernel, ("n_in", "n_hidden"), sizes)
    _check("bias", bias, ("n_hidden",), sizes)
    return {"W_xh": kernel.T.copy(), "W_hh": recurrent.T.copy(), "b_h": bias.copy()}


def to_keras_simple_rnn(W_xh: Any, W_hh: Any, b_h: Any) -> list[np.ndarray]:
    """The notebook's W_xh, W_hh, b_h -> ``[kernel, recurrent_kernel, bias]``.

    Pass the result to ``layer.set_weights`` of a built ``keras.layers.SimpleRNN``.

    Parameters
    ----------
    W_xh : array, shape (n_hidden, n_in)
    W_hh : array, shape (n_hidden, n_hidden)
    b_h : array, shape (n_hidden,)

    Returns
    -------
    list of arrays, shapes (n_in, n_hidden), (n_hidden, n_hidden), (n_hidden,)

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    W_xh, W_hh, b_h = _rnn_weights(W_xh, W_hh, b_h, {})
    return [W_xh.T.copy(), W_hh.T.copy(), b_h.copy()]


def from_keras_dense(weights: Any) -> dict[str, np.ndarray]:
    """Keras Dense weights -> W_hy (= kernel.T, shape (n_out, n_hidden)) and b_y.

    Parameters
    ----------
    weights : keras.layers.Dense or [kernel, bias]
        ``kernel`` shape (n_hidden, n_out), ``bias`` (n_out,).

    Returns
    -------
    dict with ``"W_hy"`` and ``"b_y"``

    Used by: your own experiments (public API; tested in tests/)
    """
    kernel, bias = _weight_list(weights, ("kernel", "bias"))
    sizes: dict[str, int] = {}
    _check("kernel", kernel, ("n_hidden", "n_out"), sizes)
    _check("bias", bias, ("n_out",), sizes)
    return {"W_hy": kernel.T.copy(), "b_y": bias.copy()}


def to_keras_dense(W_hy: Any, b_y: Any) -> list[np.ndarray]:
    """W_hy, b_y -> ``[kernel, bias]`` for ``keras.layers.Dense.set_weights``.

    Parameters
    ----------
    W_hy : array, shape (n_out, n_hidden)
    b_y : array, shape (n_out,)

    Returns
    -------
    list of arrays, shapes (n_hidden, n_out), (n_out,)

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    sizes: dict[str, int] = {}
    W_hy = _check("W_hy", W_hy, ("n_out", "n_hidden"), sizes)
    b_y = _check("b_y", b_y, ("n_out",), sizes)
    return [W_hy.T.copy(), b_y.copy()]


# --------------------------------------------------------------------------- vanishing / exploding
def spectral_radius(W: Any) -> float:
    """The largest absolute eigenvalue of a square matrix, ρ(W).

    Parameters
    ----------
    W : array, shape (n, n)

    Returns
    -------
    float

    Used by: musiclib.rnn_math
    """
    W = _check("W", W, ("n", "n"), {})
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W: Any, rho: float) -> np.ndarray:
    """Rescale a square matrix so that its spectral radius is ``rho``.

    Parameters
    ----------
    W : array, shape (n, n), not nilpotent (ρ(W) > 0)
    rho : float, >= 0

    Returns
    -------
    array, shape (n, n): ``W * rho / ρ(W)``

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    current = spectral_radius(W)
    if current == 0.0:
        raise ShapeError("argument 'W' has spectral radius 0; it cannot be rescaled")
    if not np.isfinite(rho) or rho < 0:
        raise ShapeError(f"argument 'rho' must be a finite number >= 0, got {rho!r}")
    return np.asarray(W, dtype=np.float64) * (rho / current)


def state_gradient_norms(
    x: Any,
    W_xh: Any,
    W_hh: Any,
    b_h: Any,
    h0: Any | None = None,
    activation: str | Callable = "tanh",
) -> np.ndarray:
    """How strongly the last state depends on earlier ones: ‖∂h_T/∂h_{T-k}‖₂ per lag k.

    The Jacobian of one step is ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh, so

        ∂h_T/∂h_{T-k} = Π_{t=T-k+1..T} diag(f'(a_t)) W_hh

    a product of k matrices. When their norms stay below 1 it shrinks
    geometrically with k (vanishing gradient, 梯度消失); above 1 it can grow
    geometrically (exploding gradient, 梯度爆炸). With ``activation="linear"`` the
    product is exactly W_hh^k, whose size is governed by the spectral radius.

    Parameters
    ----------
    x : array, shape (batch, time, n_in)
    W_xh : array, shape (n_hidden, n_in)
    W_hh : array, shape (n_hidden, n_hidden)
    b_h : array, shape (n_hidden,)
    h0 : array, shape (batch, n_hidden), optional
    activation : {"tanh", "sigmoid", "linear"} or np.tanh or :func:`sigmoid`

    Returns
    -------
    norms : array, shape (batch, time + 1)
        ``norms[b, k]`` = spectral norm of ∂h_T/∂h_{T-k} for sequence b, where
        T = time and h_0 is the initial state; ``norms[:, 0]`` = 1.

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    _, _, df = _activation(activation)
    h = rnn_forward(x, W_xh, W_hh, b_h, h0=h0, activation=activation)
    W_hh = np.asarray(W_hh, dtype=np.float64)
    batch, time, n_hidden = h.shape
    norms = np.ones((batch, time + 1))
    for b in range(batch):
        J = np.eye(n_hidden)
        for k in range(1, time + 1):
            t = time - k  # index of h_{T-k+1} in h
            J = J @ (df(h[b, t])[:, None] * W_hh)
            norms[b, k] = np.linalg.norm(J, 2)
    return norms


def global_norm(grads: Mapping[str, Any]) -> float:
    """The global norm √(Σ ‖g‖²) over every gradient array, as TensorFlow defines it.

    Parameters
    ----------
    grads : dict of name -> array

    Returns
    -------
    float

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    return float(np.sqrt(sum(np.sum(np.square(np.asarray(g, np.float64))) for g in grads.values())))


def clip_by_global_norm(
    grads: Mapping[str, Any], clip_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Gradient clipping: scale all gradients together so their global norm ≤ ``clip_norm``.

    g ← g · clip_norm / max(‖g‖, clip_norm). The direction is kept, only the
    step length is capped; this is ``tf.clip_by_global_norm`` and Keras'
    ``optimizer(global_clipnorm=...)``.

    Parameters
    ----------
    grads : dict of name -> array
    clip_norm : float, > 0

    Returns
    -------
    clipped : dict of name -> array (same keys and shapes)
    norm : float
        The global norm before clipping.

    Taught in: notebooks/03_rnn_hidden_state_math.ipynb
    """
    if not np.isfinite(clip_norm) or clip_norm <= 0:
        raise ShapeError(f"argument 'clip_norm' must be a finite number > 0, got {clip_norm!r}")
    norm = global_norm(grads)
    scale = clip_norm / max(norm, clip_norm)
    return {k: np.asarray(g, np.float64) * scale for k, g in grads.items()}, norm


# --------------------------------------------------------------------------- LSTM
_GATES = ("i", "f", "c", "o")  # Keras' column order in kernel, recurrent_kernel, bias


@dataclass(frozen=True)
class LSTMParams:
    """The twelve weight arrays of an LSTM layer, one triple per gate.

    ===========  ==========================================  =====================
    gate         formula                                     arrays
    ===========  ==========================================  =====================
    input  i_t   σ(W_xi x_t + W_hi h_{t-1} + b_i)            ``W_xi, W_hi, b_i``
    forget f_t   σ(W_xf x_t + W_hf h_{t-1} + b_f)            ``W_xf, W_hf, b_f``
    cell   g_t   tanh(W_xc x_t + W_hc h_{t-1} + b_c)         ``W_xc, W_hc, b_c``
    output o_t   σ(W_xo x_t + W_ho h_{t-1} + b_o)            ``W_xo, W_ho, b_o``
    ===========  ==========================================  =====================

    Shapes: ``W_x*`` (n_hidden, n_in), ``W_h*`` (n_hidden, n_hidden), ``b_*``
    (n_hidden,). Build one from a Keras layer with :func:`from_keras_lstm`, or with
    :meth:`random` for experiments. The constructor checks every shape.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """

    W_xi: np.ndarray
    W_hi: np.ndarray
    b_i: np.ndarray
    W_xf: np.ndarray
    W_hf: np.ndarray
    b_f: np.ndarray
    W_xc: np.ndarray
    W_hc: np.ndarray
    b_c: np.ndarray
    W_xo: np.ndarray
    W_ho: np.ndarray
    b_o: np.ndarray

    def __post_init__(self) -> None:
        sizes: dict[str, int] = {}
        for gate in _GATES:
            for prefix, dims in (("W_h", ("n_hidden", "n_hidden")),
                                 ("W_x", ("n_hidden", "n_in")),
                                 ("b_", ("n_hidden",))):
                name = prefix + gate
                object.__setattr__(self, name, _check(name, getattr(self, name), dims, sizes))

    @property
    def n_in(self) -> int:
        """Input size."""
        return int(self.W_xi.shape[1])

    @property
    def n_hidden(self) -> int:
        """Number of units (size of h_t and c_t)."""
        return int(self.W_xi.shape[0])

    @classmethod
    def random(cls, n_in: int, n_hidden: int, rng: np.random.Generator | int = 0,
               scale: float = 0.5) -> LSTMParams:
        """Random weights, normal with standard deviation ``scale`` (for tests and demos)."""
        rng = np.random.default_rng(rng)
        arrays = {}
        for f in fields(cls):
            shape = {"W_x": (n_hidden, n_in), "W_h": (n_hidden, n_hidden)}.get(
                f.name[:3], (n_hidden,))
            arrays[f.name] = rng.normal(0.0, scale, size=shape)
        return cls(**arrays)


def _lstm_sizes(params: Any) -> dict[str, int]:
    if not isinstance(params, LSTMParams):
        raise ShapeError(
            f"argument 'params' must be an LSTMParams, got {type(params).__name__}; "
            f"use from_keras_lstm(layer)"
        )
    return {"n_in": params.n_in, "n_hidden": params.n_hidden}


def lstm_gates(
    x_t: Any, h_prev: Any, params: LSTMParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four gate values of one LSTM step: (i_t, f_t, g_t, o_t).

    i, f, o = σ(W_x* x_t + W_h* h_{t-1} + b_*);  g = tanh(W_xc x_t + W_hc h_{t-1} + b_c)

    Parameters
    ----------
    x_t : array, shape (batch, n_in) or (n_in,)
    h_prev : array, shape (batch, n_hidden) or (n_hidden,)
    params : LSTMParams

    Returns
    -------
    i_t, f_t, g_t, o_t : arrays, shape of ``h_prev``

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    sizes = _lstm_sizes(params)
    x_arr = np.asarray(x_t, dtype=np.float64)
    lead = ("batch",) if x_arr.ndim == 2 else ()
    x_t = _check("x_t", x_arr, (*lead, "n_in"), sizes)
    h_prev = _check("h_prev", h_prev, (*lead, "n_hidden"), sizes)

    def pre(g: str) -> np.ndarray:
        return (x_t @ getattr(params, "W_x" + g).T + h_prev @ getattr(params, "W_h" + g).T
                + getattr(params, "b_" + g))

    return sigmoid(pre("i")), sigmoid(pre("f")), np.tanh(pre("c")), sigmoid(pre("o"))


def lstm_step(
    x_t: Any, h_prev: Any, c_prev: Any, params: LSTMParams
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step: the cell state is gated, then read out.

    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t)

    with the gates of :func:`lstm_gates`.

    Parameters
    ----------
    x_t : array, shape (batch, n_in) or (n_in,)
    h_prev : array, shape (batch, n_hidden) or (n_hidden,)
    c_prev : array, same shape as ``h_prev``
    params : LSTMParams

    Returns
    -------
    h_t, c_t : arrays, shape of ``h_prev``

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    i, f, g, o = lstm_gates(x_t, h_prev, params)
    c_arr = np.asarray(c_prev, dtype=np.float64)
    if c_arr.shape != i.shape:
        raise ShapeError(
            f"argument 'c_prev' has shape {c_arr.shape}; expected the shape of 'h_prev', {i.shape}"
        )
    c_t = f * c_arr + i * g
    return o * np.tanh(c_t), c_t


def lstm_forward(
    x: Any, params: LSTMParams, h0: Any | None = None, c0: Any | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Run an LSTM over a batch of sequences; return every h_t and c_t.

    Equals ``keras.layers.LSTM(n_hidden, return_sequences=True)`` (activation tanh,
    recurrent_activation sigmoid) with weights from :func:`to_keras_lstm`; the
    layer's ``return_sequences=False`` output is ``h[:, -1]`` and its
    ``return_state`` final states are ``h[:, -1]`` and ``c[:, -1]``.

    Parameters
    ----------
    x : array, shape (batch, time, n_in)
    params : LSTMParams
    h0, c0 : arrays, shape (batch, n_hidden), optional
        Initial hidden and cell state; zeros when omitted.

    Returns
    -------
    h, c : arrays, shape (batch, time, n_hidden)

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    sizes = _lstm_sizes(params)
    x = _check("x", x, ("batch", "time", "n_in"), sizes)
    h_t = _initial_state("h0", h0, sizes)
    c_t = _initial_state("c0", c0, sizes)
    h = np.empty((sizes["batch"], sizes["time"], sizes["n_hidden"]))
    c = np.empty_like(h)
    for t in range(sizes["time"]):
        h_t, c_t = lstm_step(x[:, t], h_t, c_t, params)
        h[:, t], c[:, t] = h_t, c_t
    return h, c


def from_keras_lstm(weights: Any) -> LSTMParams:
    """Keras LSTM weights -> :class:`LSTMParams`.

    Keras stacks the four gates side by side in the columns, in the order
    i, f, c, o: ``kernel`` (n_in, 4 n_hidden), ``recurrent_kernel``
    (n_hidden, 4 n_hidden), ``bias`` (4 n_hidden,). Column block k of ``kernel``,
    transposed, is W_x* of gate k.

    Parameters
    ----------
    weights : keras.layers.LSTM or [kernel, recurrent_kernel, bias]

    Returns
    -------
    LSTMParams

    Used by: musiclib.models.melody
    """
    kernel, recurrent, bias = _weight_list(weights, ("kernel", "recurrent_kernel", "bias"))
    sizes: dict[str, int] = {}
    _check("recurrent_kernel", recurrent, ("n_hidden", "4 n_hidden"), sizes)
    if sizes["4 n_hidden"] != 4 * sizes["n_hidden"]:
        raise ShapeError(
            f"argument 'recurrent_kernel' has shape {recurrent.shape}; expected "
            f"(n_hidden, 4 n_hidden) with four gates side by side"
        )
    _check("kernel", kernel, ("n_in", "4 n_hidden"), sizes)
    _check("bias", bias, ("4 n_hidden",), sizes)
    n = sizes["n_hidden"]
    arrays = {}
    for k, gate in enumerate(_GATES):
        cols = slice(k * n, (k + 1) * n)
        arrays["W_x" + gate] = kernel[:, cols].T.copy()
        arrays["W_h" + gate] = recurrent[:, cols].T.copy()
        arrays["b_" + gate] = bias[cols].copy()
    return LSTMParams(**arrays)


def to_keras_lstm(params: LSTMParams) -> list[np.ndarray]:
    """:class:`LSTMParams` -> ``[kernel, recurrent_kernel, bias]`` for ``LSTM.set_weights``.

    Parameters
    ----------
    params : LSTMParams

    Returns
    -------
    list of arrays, shapes (n_in, 4 n_hidden), (n_hidden, 4 n_hidden), (4 n_hidden,),
    gate blocks in the order i, f, c, o.

    Taught in: notebooks/04_lstm_melody_generation.ipynb
    """
    kernel = np.concatenate([getattr(params, "W_x" + g).T for g in _GATES], axis=1)
    recurrent = np.concatenate([getattr(params, "W_h" + g).T for g in _GATES], axis=1)
    bias = np.concatenate([getattr(params, "b_" + g) for g in _GATES])
    return [kernel, recurrent, bias]
