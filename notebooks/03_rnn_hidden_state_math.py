# ---
# jupyter:
#   musiclib:
#     budget_seconds: 300
# ---

# %% [markdown]
# # 03 · The RNN hidden state by hand (循环神经网络 RNN 的隐藏状态)
#
# A recurrent neural network (循环神经网络, RNN) reads a melody one note at a time and
# carries a **hidden state** (隐藏状态) $h_t$ from step to step. The article writes its
# core formula as
#
# $$h_t = \sigma\left(W_{hh}\,h_{t-1} + W_{xh}\,x_t + b_h\right)$$
#
# In this lesson you compute every number of that formula yourself, check that it equals
# Keras to 6 decimal places and more, differentiate it by hand (backpropagation through
# time) and check that against TensorFlow's autodiff. Then you run the article's RNN
# program, see why it cannot make music, and fix it.
#
# **Learning objectives.** After this notebook you can
# 1. compute $h_t$ of a simple RNN by hand and explain each symbol and its shape;
# 2. map between the textbook weights ($W_{xh}$, $W_{hh}$, $b_h$) and Keras' `kernel`,
#    `recurrent_kernel`, `bias`;
# 3. derive backpropagation through time (BPTT) and verify it against autodiff;
# 4. explain vanishing and exploding gradients with the spectral radius of $W_{hh}$, and
#    what gradient clipping does and does not fix;
# 5. say why "regress the next note number" is the wrong framing for melody, and train
#    the right one: next-note classification with an embedding and a softmax.
#
# **Prerequisites.** Notebook 01 (notes and tokens); matrix–vector products; the chain
# rule. No earlier RNN experience is needed.
#
# | section | time |
# |---|---|
# | 1. A melody as a sequence of vectors | ~5 min |
# | 2. The hidden state (隐藏状态) | ~10 min |
# | 3. σ or tanh? | ~5 min |
# | 4. NumPy = Keras | ~5 min |
# | 5. Backpropagation through time (随时间反向传播, BPTT) | ~10 min |
# | 6. Vanishing and exploding gradients (梯度消失 / 梯度爆炸) | ~10 min |
# | 7. The article's RNN toy, ported to Keras 3 | ~10 min |
# | 8. The correction: next-note classification | ~15 min |
# | 9. Step through time | ~5 min |
# | 10. Exercises | ~15 min |
#
# Running the whole notebook takes about a minute or less on a laptop CPU (`cpu` profile).

# %%
from musiclib.config import get_profile, seed_everything

seed_everything(0)
PROFILE = get_profile()

# %%
# %matplotlib inline
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from music21 import corpus

from musiclib import rnn_math as rm
from musiclib.checks import check_choice, check_function
from musiclib.display import plot_piano_roll, see_and_hear, show_score
from musiclib.representation import NoteList, notes_from_stream, pitch_name

np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. A melody as a sequence of vectors · ~5 min
#
# Our example is the soprano line of Bach's chorale BWV 66.6, which ships with music21.
# We take its first eight notes: the opening phrase, which ends on the fermata of the fifth
# note, and the start of the next.

# %%
chorale = corpus.parse("bach/bwv66.6")
soprano = notes_from_stream(chorale).select_part(0)
phrase = soprano[:8]
print(soprano)
print("first eight notes:", [pitch_name(p) for p in phrase.pitch])

# %%
show_score(phrase, title="BWV 66.6, soprano, first eight notes")

# %% [markdown]
# An RNN needs a vector $x_t$ per step. The simplest honest choice is a **one-hot**
# vector: one slot per distinct pitch in the phrase, a 1 in the slot of the note that
# sounds. Stacked over time and with a batch axis in front, the input has shape
# `(batch, time, n_in)`, the layout Keras uses too.

# %%
alphabet = sorted(set(phrase.pitch.tolist()))  # the distinct pitches, low to high
n_in = len(alphabet)
index = [alphabet.index(p) for p in phrase.pitch]
x = np.eye(n_in)[index][None, :, :]  # (batch=1, time=8, n_in)
print("alphabet:", [pitch_name(p) for p in alphabet])
print("x shape (batch, time, n_in):", x.shape)
print(x[0].astype(int))

# %% [markdown]
# ## 2. The hidden state (隐藏状态) · ~10 min
#
# At every step the RNN mixes the new input with its memory of everything before:
#
# $$h_t = f\left(W_{hh}\,h_{t-1} + W_{xh}\,x_t + b_h\right), \qquad h_0 = 0$$
#
# | symbol | shape | role |
# |---|---|---|
# | $x_t$ | `(n_in,)` | the note at step $t$ |
# | $W_{xh}$ | `(n_hidden, n_in)` | how a note writes into the state |
# | $W_{hh}$ | `(n_hidden, n_hidden)` | how the state carries itself forward (the *recurrence*) |
# | $b_h$ | `(n_hidden,)` | bias |
# | $h_t$ | `(n_hidden,)` | the state after reading $x_1 \dots x_t$ |
#
# The **same** weights are used at every step: that is what lets an RNN read a melody of
# any length. Below, 4 hidden units and random weights, then the loop written out.

# %%
n_hidden = 4
rng = np.random.default_rng(3)
W_xh = rng.normal(0.0, 1.0, size=(n_hidden, n_in))
W_hh = rng.normal(0.0, 0.5, size=(n_hidden, n_hidden))
b_h = rng.normal(0.0, 0.1, size=n_hidden)

h_t = np.zeros(n_hidden)  # h_0
states = []
for t in range(x.shape[1]):
    x_t = x[0, t]
    h_t = np.tanh(W_hh @ h_t + W_xh @ x_t + b_h)
    states.append(h_t)
H = np.array(states)  # (time, n_hidden)

# %% [markdown]
# Every $h_t$ as a table, one row per note:

# %%
print(f"{'t':>2}  {'note':<5}" + "".join(f"{f'h[{j}]':>9}" for j in range(n_hidden)))
for t, (p, h_t) in enumerate(zip(phrase.pitch, H, strict=True), start=1):
    print(f"{t:>2}  {pitch_name(p):<5}" + "".join(f"{v:>9.3f}" for v in h_t))

# %% [markdown]
# …and as a heat map. Look at steps 1 and 5: the same note (C#5) arrives, but the state
# differs, because $h_{t-1}$ differs. That is the memory: the state depends on the whole
# past, not only on the current note.

# %%
fig, ax = plt.subplots(figsize=(7, 2.6))
im = ax.imshow(H.T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
ax.set_xticks(range(len(phrase)), [f"{t + 1}\n{pitch_name(p)}" for t, p in enumerate(phrase.pitch)])
ax.set_yticks(range(n_hidden), [f"h[{j}]" for j in range(n_hidden)])
ax.set_xlabel("time step t and note")
ax.set_title("hidden state $h_t$ (tanh keeps every unit in [-1, 1])")
fig.colorbar(im, ax=ax)
plt.show()


# %% [markdown]
# **Unrolled computation graph.** Unrolling the loop turns the RNN into a deep
# feed-forward network with one layer per time step, and every layer shares $W_{xh}$,
# $W_{hh}$ and $W_{hy}$. The output $y_t = W_{hy} h_t + b_y$ is read from each state.
# Gradients will flow back along the horizontal $W_{hh}$ arrows (section 5).

# %%
def draw_unrolled(n_steps=4):
    fig, ax = plt.subplots(figsize=(9, 3.2))
    box = dict(boxstyle="round,pad=0.35", fc="white", ec="black")
    for t in range(n_steps + 1):
        X = 2.2 * t
        ax.text(X, 1, f"$h_{t}$", ha="center", va="center", fontsize=13, bbox=box | {"fc": "#dde8f6"})
        if t == 0:
            continue
        ax.text(X, 0, f"$x_{t}$", ha="center", va="center", fontsize=13, bbox=box)
        ax.text(X, 2, f"$y_{t}$", ha="center", va="center", fontsize=13, bbox=box | {"fc": "#f6e3dd"})
        arrow = dict(arrowstyle="->", lw=1.4)
        ax.annotate("", (X, 0.8), (X, 0.2), arrowprops=arrow)
        ax.annotate("", (X, 1.8), (X, 1.2), arrowprops=arrow)
        ax.annotate("", (X - 0.35, 1), (X - 1.85, 1), arrowprops=arrow | {"color": "C3"})
        ax.text(X + 0.08, 0.5, "$W_{xh}$", fontsize=10)
        ax.text(X + 0.08, 1.5, "$W_{hy}$", fontsize=10)
        ax.text(X - 1.1, 1.1, "$W_{hh}$", fontsize=10, color="C3", ha="center")
    ax.set_xlim(-0.6, 2.2 * n_steps + 0.6)
    ax.set_ylim(-0.5, 2.5)
    ax.axis("off")
    ax.set_title("an RNN unrolled over 4 steps: the same weights at every step")
    plt.show()


draw_unrolled()

# %% [markdown]
# The library has the same loop as `rm.rnn_forward`, for a whole batch at once
# (`x @ W_xh.T` is $W_{xh} x_t$ for every row of the batch). It agrees with our loop:

# %%
h_lib = rm.rnn_forward(x, W_xh, W_hh, b_h)  # (batch, time, n_hidden)
print("shape:", h_lib.shape)
print("library = hand loop (max diff < 1e-12):", np.max(np.abs(h_lib[0] - H)) < 1e-12)

# %% [markdown]
# ## 3. σ or tanh? · ~5 min
#
# The article writes the activation as $\sigma$, the logistic sigmoid
# $\sigma(z) = 1/(1+e^{-z})$. Keras' `SimpleRNN` uses $\tanh$ by default. The two are
# close relatives, $\tanh(z) = 2\sigma(2z) - 1$, but for a recurrence tanh is the better
# choice, for two reasons you can see in the plot:
#
# * **Centred at zero.** tanh outputs lie in $(-1, 1)$ and are 0 for a zero input, so the
#   state can say "more of this" and "less of this". Sigmoid outputs are all positive,
#   which biases every next pre-activation in one direction.
# * **Bigger slope.** $\tanh'(0) = 1$ but $\sigma'(z) \le 1/4$. Backpropagation multiplies
#   the gradient once per time step by the Jacobian $\operatorname{diag}(f'(a_t))\,W_{hh}$
#   (section 6), so its norm changes per step by a factor of at most
#   $\max f' \cdot \lVert W_{hh}\rVert_2$ (the spectral norm, the largest stretch $W_{hh}$
#   can apply to a vector). With σ that is $\lVert W_{hh}\rVert_2 / 4$: the gradient must
#   shrink at every step unless $\lVert W_{hh}\rVert_2 > 4$, i.e. unless the recurrent
#   weights are large. The slope alone does not decide; the weights multiply it. The cell
#   after the plot prints this bound for our $W_{hh}$.

# %%
z = np.linspace(-5, 5, 401)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].plot(z, rm.sigmoid(z), label=r"$\sigma(z)$")
axes[0].plot(z, np.tanh(z), label=r"$\tanh(z)$")
axes[0].set_title("activation")
axes[1].plot(z, rm.sigmoid(z) * (1 - rm.sigmoid(z)), label=r"$\sigma'(z) = \sigma(1-\sigma)$")
axes[1].plot(z, 1 - np.tanh(z) ** 2, label=r"$\tanh'(z) = 1-\tanh^2$")
axes[1].set_title("slope (what BPTT multiplies by)")
for ax in axes:
    ax.axhline(0, color="gray", lw=0.5)
    ax.legend()
    ax.set_xlabel("z")
plt.tight_layout()
plt.show()
print("largest slope  sigmoid:", float(np.max(rm.sigmoid(z) * (1 - rm.sigmoid(z)))),
      " tanh:", float(np.max(1 - np.tanh(z) ** 2)))

# %%
spec_norm = np.linalg.norm(W_hh, 2)  # spectral norm: the largest singular value
print(f"||W_hh||_2 of section 2: {spec_norm:.2f}")
print(f"per-step factor bound, sigmoid: {spec_norm / 4:.2f}  -> after 10 steps at most {(spec_norm / 4) ** 10:.1e}")
print(f"per-step factor bound, tanh   : {spec_norm:.2f}  -> after 10 steps at most {spec_norm ** 10:.1e}")

# %% [markdown]
# With these weights a sigmoid RNN's gradient shrinks by a factor of at least 3 per step
# (10 steps: below $10^{-5}$), while tanh's bound allows it to survive. A bound is not
# the value: saturated units have slopes well below the maximum, so real gradients are
# smaller still (section 6 shows the same effect for tanh on a larger network).

# %%
h_sigmoid = rm.rnn_forward(x, W_xh, W_hh, b_h, activation="sigmoid")
print("tanh states range   :", f"{h_lib.min():+.2f} .. {h_lib.max():+.2f}")
print("sigmoid states range:", f"{h_sigmoid.min():+.2f} .. {h_sigmoid.max():+.2f}  (never negative)")

# %% [markdown]
# ## 4. NumPy = Keras · ~5 min
#
# Keras multiplies **row** vectors from the left: it computes
# $h_t = f(x_t K + h_{t-1} R + b)$ with `kernel` $K$ of shape `(n_in, n_hidden)` and
# `recurrent_kernel` $R$ of shape `(n_hidden, n_hidden)`. Transposing our formula gives
# the mapping
#
# $$K = W_{xh}^\top, \qquad R = W_{hh}^\top, \qquad b = b_h .$$
#
# `rm.to_keras_simple_rnn` and `rm.from_keras_simple_rnn` do exactly this. We build the
# layer in float64 so that the comparison tests the math, not float32 rounding.

# %%
layer = keras.layers.SimpleRNN(n_hidden, return_sequences=True, dtype="float64", name="rnn")
layer.build((None, None, n_in))
layer.set_weights(rm.to_keras_simple_rnn(W_xh, W_hh, b_h))
for name, w in zip(["kernel", "recurrent_kernel", "bias"], layer.get_weights(), strict=True):
    print(f"Keras {name:<17} shape {str(w.shape):<8}")
print(f"NumPy W_xh shape {W_xh.shape}, W_hh shape {W_hh.shape}, b_h shape {b_h.shape}")
print("kernel == W_xh.T:", np.array_equal(layer.get_weights()[0], W_xh.T))

# %%
h_keras = layer(x).numpy()
diff_seq = np.max(np.abs(h_keras - h_lib))

last = keras.layers.SimpleRNN(n_hidden, return_sequences=False, dtype="float64", name="rnn_last")
last.build((None, None, n_in))
last.set_weights(rm.to_keras_simple_rnn(W_xh, W_hh, b_h))
diff_last = np.max(np.abs(last(x).numpy() - h_lib[:, -1]))

sig = keras.layers.SimpleRNN(n_hidden, activation="sigmoid", return_sequences=True,
                             dtype="float64", name="rnn_sigmoid")
sig.build((None, None, n_in))
sig.set_weights(rm.to_keras_simple_rnn(W_xh, W_hh, b_h))
diff_sig = np.max(np.abs(sig(x).numpy() - h_sigmoid))

for label, d in [("tanh, return_sequences=True ", diff_seq),
                 ("tanh, return_sequences=False", diff_last),
                 ("sigmoid, return_sequences=True", diff_sig)]:
    print(f"{label:<31} max |NumPy - Keras| < 1e-6: {d < 1e-6}   (< 1e-12: {d < 1e-12})")

# %% [markdown]
# Forget one transpose and the numbers are silently wrong: $W_{hh}$ is square, so Keras
# accepts it untransposed without complaint.

# %%
wrong = keras.layers.SimpleRNN(n_hidden, return_sequences=True, dtype="float64", name="rnn_wrong")
wrong.build((None, None, n_in))
wrong.set_weights([W_xh.T, W_hh, b_h])  # recurrent_kernel not transposed
print(f"max |NumPy - Keras| with W_hh not transposed: {np.max(np.abs(wrong(x).numpy() - h_lib)):.2f}")

# %% [markdown]
# ## 5. Backpropagation through time (随时间反向传播, BPTT) · ~10 min
#
# To train, we need the gradient of a loss $L$ with respect to every weight. Give the
# network an output $y_t = W_{hy} h_t + b_y$ and a task: predict the **next** note's
# one-hot vector, scored by mean squared error $L = \operatorname{mean}\big((y - \text{target})^2\big)$.
#
# Unrolled, the RNN is a deep network with shared weights, so the chain rule applies
# step by step, **backwards in time**. Write $a_t = W_{hh} h_{t-1} + W_{xh} x_t + b_h$
# for the pre-activation and $\delta_t = \partial L / \partial a_t$. The gradient reaching
# $h_t$ comes from two places, the output at step $t$ and the next state $h_{t+1}$:
#
# $$\delta_t = \Big(\underbrace{W_{hy}^\top \tfrac{\partial L}{\partial y_t}}_{\text{from the output}}
#  + \underbrace{W_{hh}^\top \delta_{t+1}}_{\text{from the future}}\Big) \odot f'(a_t),
#  \qquad f'(a_t) = 1 - h_t^2 \text{ for tanh}$$
#
# Because the weights are shared, their gradients are **sums over time**:
#
# $$\frac{\partial L}{\partial W_{xh}} = \sum_t \delta_t\, x_t^\top, \qquad
# \frac{\partial L}{\partial W_{hh}} = \sum_t \delta_t\, h_{t-1}^\top, \qquad
# \frac{\partial L}{\partial b_h} = \sum_t \delta_t, \qquad
# \frac{\partial L}{\partial h_0} = W_{hh}^\top \delta_1 .$$
#
# `rm.bptt` is this, about twenty lines of NumPy (read `rm.rnn_backward`).

# %%
inputs, targets = x[:, :-1], x[:, 1:]  # read notes 1..7, predict notes 2..8
W_hy = rng.normal(0.0, 0.5, size=(n_in, n_hidden))
b_y = np.zeros(n_in)
h0 = np.zeros((1, n_hidden))

loss, grads = rm.bptt(inputs, targets, W_xh, W_hh, b_h, W_hy, b_y, h0=h0)
print(f"loss = {loss:.6f}")
for name, g in grads.items():
    print(f"dL/d{name:<5} shape {g.shape}")

# %% [markdown]
# Now the same loss through Keras layers with the same weights, differentiated by
# `tf.GradientTape` (automatic differentiation). Keras' gradients come in Keras' layout,
# so the kernels are transposed back before comparing.

# %%
rnn = keras.layers.SimpleRNN(n_hidden, return_sequences=True, dtype="float64", name="bptt_rnn")
dense = keras.layers.Dense(n_in, dtype="float64", name="bptt_dense")
rnn.build((None, None, n_in))
dense.build((None, None, n_hidden))
rnn.set_weights(rm.to_keras_simple_rnn(W_xh, W_hh, b_h))
dense.set_weights(rm.to_keras_dense(W_hy, b_y))
h0_var = tf.Variable(h0)

with tf.GradientTape() as tape:
    y = dense(rnn(inputs, initial_state=[h0_var]))
    keras_loss = keras.losses.MeanSquaredError(dtype="float64")(targets, y)
kernel, recurrent, bias, dense_kernel, dense_bias, dh0 = (
    g.numpy() for g in tape.gradient(keras_loss, [*rnn.trainable_weights, *dense.trainable_weights, h0_var])
)
autodiff = {"W_xh": kernel.T, "W_hh": recurrent.T, "b_h": bias,
            "W_hy": dense_kernel.T, "b_y": dense_bias, "h0": dh0}

print(f"loss: |hand - Keras| < 1e-6: {abs(loss - float(keras_loss)) < 1e-6}")
worst = 0.0
for name in grads:
    d = np.max(np.abs(grads[name] - autodiff[name]))
    worst = max(worst, d)
    print(f"dL/d{name:<5} max |hand - autodiff| < 1e-6: {d < 1e-6}")
print(f"all gradients: max |hand - autodiff| < 1e-6: {worst < 1e-6}   (< 1e-12: {worst < 1e-12})")

# %% [markdown]
# ## 6. Vanishing and exploding gradients (梯度消失 / 梯度爆炸) · ~10 min
#
# Follow the gradient from the last state back $k$ steps. Each step multiplies it by the
# Jacobian $\partial h_t / \partial h_{t-1} = \operatorname{diag}(f'(a_t))\,W_{hh}$, so
#
# $$\frac{\partial h_T}{\partial h_{T-k}} = \prod_{t=T-k+1}^{T} \operatorname{diag}(f'(a_t))\,W_{hh} .$$
#
# A product of $k$ matrices behaves like a power. For a linear RNN ($f' = 1$) it is
# exactly $W_{hh}^k$, whose size grows or shrinks like $\rho^k$, where $\rho$ is the
# **spectral radius** of $W_{hh}$ (its largest |eigenvalue|):
#
# * $\rho < 1$: the gradient **vanishes** geometrically: the network cannot learn that a
#   note 30 steps ago matters (梯度消失);
# * $\rho > 1$: it can **explode** (梯度爆炸): one update throws the weights far away;
# * $\rho = 1$: the knife edge.
#
# tanh makes vanishing worse: $f' = 1 - h^2 \le 1$, and units near ±1 (saturated) pass
# almost nothing back. `rm.state_gradient_norms` computes $\lVert \partial h_T / \partial h_{T-k}\rVert_2$
# for every lag $k$.

# %%
T, n = 40, 16
rng_v = np.random.default_rng(7)
W0 = rng_v.normal(size=(n, n)) / np.sqrt(n)
x_long = rng_v.normal(0.0, 1.0, size=(1, T, 1))
W_in, b0 = rng_v.normal(0.0, 0.5, size=(n, 1)), np.zeros(n)

radii = [0.8, 1.0, 1.2, 2.0]
norms = {}
for act in ["linear", "tanh"]:
    for rho in radii:
        W_rho = rm.scale_to_spectral_radius(W0, rho)
        norms[act, rho] = rm.state_gradient_norms(x_long, W_in, W_rho, b0, activation=act)[0]

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, act in zip(axes, ["linear", "tanh"], strict=True):
    for rho in radii:
        ax.semilogy(norms[act, rho], label=f"ρ = {rho}")
    ax.set_title(f"{act} RNN")
    ax.set_xlabel("time lag k")
    ax.legend()
axes[0].set_ylabel(r"$\|\partial h_T / \partial h_{T-k}\|_2$")
plt.tight_layout()
plt.show()

print(f"{'':<8}{'rho':>5}{'||W||_2':>9}" + "".join(f"{f'k={k}':>10}" for k in (1, 10, 20, 40)))
for (act, rho), v in norms.items():
    norm2 = np.linalg.norm(rm.scale_to_spectral_radius(W0, rho), 2)
    print(f"{act:<8}{rho:>5}{norm2:>9.2f}" + "".join(f"{v[k]:>10.1e}" for k in (1, 10, 20, 40)))

# %% [markdown]
# Read the table.
#
# * **Linear RNN: ρ decides the long run.** With ρ = 1.2 the gradient from 40 steps back
#   is 1.9e+03, three orders of magnitude above the lag-1 value; with ρ = 2 it is
#   1.4e+12; with ρ = 0.8 it falls to 1.7e-04; only ρ = 1 keeps it level (1.3 at lag 40).
# * **Spectral norm vs spectral radius (谱范数 vs 谱半径).** The lag-1 column is not ρ: it
#   is close to $\lVert W_{hh}\rVert_2$, the largest singular value, which is never below
#   ρ and here is much larger (1.69 at ρ = 1.0). For a *non-normal* matrix like our random
#   $W_0$ a few steps can stretch a vector by more than $\rho^k$ (even ρ = 0.8 gives 1.4 at
#   lag 1); only over many steps does $\lVert W^k\rVert^{1/k}$ approach ρ (Gelfand's
#   formula). So "ρ < 1" guarantees eventual decay, not decay at every step; "$\lVert
#   W_{hh}\rVert_2 < 1$" would guarantee that (Pascanu et al. 2013).
# * **tanh: saturation pulls every curve down.** At ρ = 1 the tanh RNN loses nearly three
#   orders of magnitude over 40 steps (2.4e-03), at ρ = 0.8 nearly six (2.0e-06). Just above
#   the edge, at ρ = 1.2, it still *decays* (2.5e-01 at lag 40): the slopes $1-h^2$ of
#   the saturated units outweigh the growth of $W_{hh}$. Only a clearly larger ρ (2.0)
#   makes it grow, to 6.6e+01 at lag 40: far less than the linear RNN's 1.4e+12, because
#   saturation also caps the growth.
#
# Forty steps is only two and a half bars of sixteenth notes, two or three of BWV 66.6's
# short phrases and under a third of its soprano (144 sixteenth steps).
# There is no comfortable setting of $W_{hh}$: below the edge the gradient vanishes
# within a phrase or two, and far enough above it (or with a linear unit) it explodes.
#
# **Gradient clipping** (梯度裁剪) is the standard cure for *exploding* gradients: when the
# global norm $\lVert g\rVert = \sqrt{\sum_i \lVert g_i\rVert^2}$ of all gradients exceeds a
# threshold $c$, scale them all by $c / \lVert g\rVert$. The direction is kept; only the
# step length is capped. In Keras: `keras.optimizers.Adam(global_clipnorm=1.0)`.

# %%
W_big = rm.scale_to_spectral_radius(W0, 1.2)
W_out = rng_v.normal(0.0, 0.5, size=(1, n))
target = np.ones((1, 1))
_, g_big = rm.bptt(x_long, target, W_in, W_big, b0, W_out, np.zeros(1), activation="linear")
clipped, norm_before = rm.clip_by_global_norm(g_big, 1.0)
tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in g_big.values()], 1.0)

print(f"global gradient norm before clipping: {norm_before:.3g}")
print(f"global gradient norm after clipping : {rm.global_norm(clipped):.3f}")
same = all(np.allclose(a, b.numpy(), atol=1e-12, rtol=0) for a, b in zip(clipped.values(), tf_clipped, strict=True))
print("rm.clip_by_global_norm == tf.clip_by_global_norm:", same)

# %% [markdown]
# Clipping stops one bad step from wrecking training, but it does **not** help with
# vanishing gradients: scaling a tiny gradient changes nothing. To carry information
# across many steps, the network needs a path along which the gradient is multiplied by
# something close to 1 on purpose. That is the LSTM's cell state
# $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$, with a *learned* forget gate $f_t$:
# the subject of notebook 04. (`rm.lstm_forward` already holds its NumPy version,
# tested equal to `keras.layers.LSTM`.)
#
# **Truncated BPTT (截断的随时间反向传播).** Real training never back-propagates through a
# whole corpus. The sequences are cut into windows and the gradient flows back at most
# to the start of its window: notebook 04 trains on windows of 128 sixteenth steps (8
# bars of 4/4), so no gradient there reaches further than 128 steps back, whatever the
# network could in principle remember. This *truncated* BPTT (Williams & Peng 1990) is
# cheaper and bounds the product of Jacobians by construction; the price is that
# dependencies longer than the window can only be learned indirectly, through the state
# carried into the window.
#
# *Try it yourself:* in the cell that draws the two panels, add ρ = 1.5 to `radii`. Where
# does the tanh curve cross from decay to growth?

# %% [markdown]
# ## 7. The article's RNN toy, ported to Keras 3 · ~10 min
#
# The article (section 3.2) trains this program. Its "melody" is the integers 1..10; it
# learns to map each window of three numbers to the next number:
#
# ```python
# from tensorflow.keras.models import Sequential
# from tensorflow.keras.layers import SimpleRNN, Dense
# music_data = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
# ...
# model.add(SimpleRNN(50, input_shape=(sequence_length, 1)))
# model.add(Dense(1))
# model.compile(optimizer='adam', loss='mse')
# model.fit(X, y, epochs=100, batch_size=1)
# ...
# next_note = model.predict(np.reshape(seed_sequence, (1, sequence_length, 1)))
# generated_music.append(int(np.round(next_note[0][0])))
# ```
#
# As printed, it does not run: the page lost the indentation of its `for` loops. With
# the indentation restored it runs on Keras 3 only with a deprecation warning
# (`input_shape=`), a progress bar per epoch and a slow `predict` call per note. The port
# below keeps everything that matters (data, model, loss, optimizer, 100 epochs, batch
# size 1, 10 notes generated from the first window with rounding) and changes only:
# `keras.Input(shape=...)`, `import keras`, `verbose=0`, and `model(...)` instead of
# `predict`. It also keeps one quiet bug of the original: `X` is an integer array, so
# writing the prediction back into the window (`seed_sequence[-1] = next_note`)
# truncates it to an integer. We run it as written, then with that bug fixed.

# %%
music_data = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
sequence_length = 3
X = np.array([music_data[i:i + sequence_length] for i in range(len(music_data) - sequence_length)])
y = music_data[sequence_length:]
X = X.reshape(X.shape[0], X.shape[1], 1)
print("windows X:", X[..., 0].tolist())
print("targets y:", y.tolist())

# %% tags=["nbval-ignore-output"]
keras.utils.set_random_seed(0)
toy = keras.Sequential([
    keras.Input(shape=(sequence_length, 1)),
    keras.layers.SimpleRNN(50),
    keras.layers.Dense(1),
])
toy.compile(optimizer="adam", loss="mse")
history = toy.fit(X, y, epochs=100, batch_size=1, verbose=0)  # 100 epochs x 7 windows
print(f"final training MSE: {history.history['loss'][-1]:.4f}")


# %% tags=["nbval-ignore-output"]
def generate_toy(seed_window, n_notes=10, as_in_article=True):
    seed_sequence = np.array(seed_window).reshape(sequence_length, 1)  # int, as in the article
    if not as_in_article:
        seed_sequence = seed_sequence.astype("float32")  # the fix: keep the fractional part
    generated, raw = [], []
    for _ in range(n_notes):
        next_note = toy(seed_sequence.reshape(1, sequence_length, 1).astype("float32")).numpy()
        raw.append(float(next_note[0, 0]))
        generated.append(int(np.round(next_note[0][0])))
        seed_sequence = np.roll(seed_sequence, -1)
        seed_sequence[-1] = next_note[0]  # int window: truncated, as in the article
    return generated, raw


generated_music, raw = generate_toy(X[0, :, 0])
print("as in the article   :", generated_music, "  raw:", np.round(raw, 2))
generated_fixed, raw_fixed = generate_toy(X[0, :, 0], as_in_article=False)
print("truncation bug fixed:", generated_fixed, "  raw:", np.round(raw_fixed, 2))

# %% [markdown]
# The training error is tiny, yet the melody is poor. (Your numbers may differ a little
# with the profile and the machine; the pattern does not.) In our run the program as
# written predicted 4.07, then 4.95, which the integer window truncated to 4, so it fed
# itself 3, 4, 4 and got stuck repeating one note. With the truncation fixed it counts
# 4, 5, …, 10 and then repeats 10. Why this framing fails as music:
#
# 1. **It cannot leave its training range.** It never saw a number above 10, and a tanh
#    RNN followed by one Dense unit has a bounded output: after 10 it sticks. Real
#    melodies move up *and* down; this one climbs and then stops.
# 2. **Regression on note numbers has no notion of note identity.** Mean squared error
#    treats the note number as a quantity: predicting 7 when the answer is 8 counts as
#    "almost right", and when a melody continues to either 5 or 9 equally often, the
#    best MSE answer is 7, a note that never occurs. Notes are categories, not amounts.
# 3. **Drift.** Each prediction is fed back as input, so one error (4.95 read as 4)
#    changes every later step. Regression outputs never land exactly on a note, and the
#    errors accumulate.
# 4. **The data is not music.** 1..10 is a counting exercise: no key, no rhythm, no
#    phrase. A model that "continues the sequence" learned `+1`.
#
# Below, windows the model never saw; then the output heard, reading 1..10 as the
# degrees of a C major scale (the article gives the numbers no pitch).

# %% tags=["nbval-ignore-output"]
for window in ([5, 7, 9], [8, 6, 4], [20, 21, 22]):
    pred = float(toy(np.array(window, "float32").reshape(1, 3, 1)).numpy()[0, 0])
    print(f"after {window}: predicts {pred:6.2f}")

# %% tags=["nbval-ignore-output"]
C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79, 81, 83]  # degree 1 = C4


def degrees_to_notes(degrees):
    pitches = [C_MAJOR[min(max(d, 1), len(C_MAJOR)) - 1] for d in degrees]
    return NoteList.from_arrays(pitches, np.arange(len(pitches)), np.ones(len(pitches)))


toy_notes = degrees_to_notes([1, 2, 3, *generated_fixed])
see_and_hear(toy_notes, title="the article's toy (truncation fixed): seed 1 2 3, then 10 notes")

# %% [markdown]
# ## 8. The correction: next-note classification · ~15 min
#
# Three changes turn the toy into a real (small) melody model:
#
# 1. **Real melodies.** The soprano lines of 70 training and all validation chorales of
#    the course's split **by tune** (never by window, or the model is tested on
#    melodies it has read). Each training melody is also played in 12 keys (transposed
#    by −5 … +6 semitones): 12× more data, and the model learns that a melody is the same
#    melody in any key.
# 2. **Notes as categories.** Every pitch from the lowest to the highest that the
#    melodies reach in any of their 12 keys becomes a token in a vocabulary. An
#    `Embedding` layer learns a vector per token: the one-hot input of section 1, made
#    trainable.
# 3. **A probability for every next note.** The output is a softmax over the vocabulary,
#    trained with cross-entropy. Instead of "the next note is 7.3" the model says "G4 with
#    40 %, A4 with 35 %, …", and we **sample** from it. Two plausible continuations no
#    longer average into an implausible one.
#
# The model reads a window of 16 notes and predicts the next note at every position
# (`return_sequences=True`), so each window gives 16 training targets.

# %%
from musiclib.datasets import load_chorales

chorales = load_chorales()  # the course's split by tune (notebook 01)
train_mel = [piece.melody for piece in chorales.split("train")[:70]]
valid_mel = [piece.melody for piece in chorales.split("valid")]
melodies = train_mel + valid_mel
SHIFTS = range(-5, 7)  # transpositions of the training melodies, in semitones
low = min(int(m.pitch.min()) for m in melodies) + SHIFTS[0]
high = max(int(m.pitch.max()) for m in melodies) + SHIFTS[-1]
vocab = list(range(low, high + 1))  # every pitch from the lowest to the highest
token_of = {p: i for i, p in enumerate(vocab)}
V = len(vocab)
print(f"{len(melodies)} chorales ({len(train_mel)} train / {len(valid_mel)} valid), "
      f"{sum(len(m) for m in melodies)} soprano notes")
print(f"pitch vocabulary: {V} tokens, {pitch_name(vocab[0])} .. {pitch_name(vocab[-1])}")

# %%
WINDOW = 16


def windows(mels, shifts=(0,)):
    # (inputs, next-note targets), both (n_windows, WINDOW)
    xs, ys = [], []
    for m in mels:
        for shift in shifts:
            tokens = [token_of[int(p) + shift] for p in m.pitch]
            for s in range(len(tokens) - WINDOW):
                xs.append(tokens[s:s + WINDOW])
                ys.append(tokens[s + 1:s + WINDOW + 1])
    return np.array(xs), np.array(ys)


x_train, y_train = windows(train_mel, SHIFTS)
x_valid, y_valid = windows(valid_mel)  # validation: keys as written
print("train windows:", x_train.shape, " valid windows:", x_valid.shape)

# %% tags=["nbval-ignore-output"]
keras.utils.set_random_seed(0)
melody_model = keras.Sequential([
    keras.Input(shape=(None,), dtype="int32"),
    keras.layers.Embedding(V, 16),
    keras.layers.SimpleRNN(64, return_sequences=True),
    keras.layers.Dense(V),  # logits; softmax is inside the loss
])
melody_model.compile(
    optimizer=keras.optimizers.Adam(3e-3, global_clipnorm=1.0),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
epochs = PROFILE.epochs(8)
hist = melody_model.fit(x_train, y_train, validation_data=(x_valid, y_valid),
                        epochs=epochs, batch_size=64, verbose=0)
h = hist.history
print(f"{epochs} epochs; final train loss {h['loss'][-1]:.3f}, valid loss {h['val_loss'][-1]:.3f} nats, "
      f"valid accuracy {h['val_accuracy'][-1]:.3f}")

# %% [markdown]
# Is that good? Compare with the simplest honest baseline: always predict each note
# with its frequency in the training melodies (a unigram model). Cross-entropy is shown
# in **bits per note**: the lower, the less surprised the model is by real Bach.

# %% tags=["nbval-ignore-output"]
counts = np.bincount(y_train.ravel(), minlength=V) + 1.0  # 12 keys, like the RNN's data
unigram = counts / counts.sum()
unigram_bits = -np.mean(np.log2(unigram[y_valid.ravel()]))
_, y_written = windows(train_mel)  # the same melodies in their written keys only
counts_written = np.bincount(y_written.ravel(), minlength=V) + 1.0
unigram_written_bits = -np.mean(np.log2((counts_written / counts_written.sum())[y_valid.ravel()]))
logits = melody_model.predict(x_valid, verbose=0)
log_probs = tf.nn.log_softmax(logits).numpy()
rnn_bits = -np.mean(np.take_along_axis(log_probs, y_valid[..., None], -1)) / np.log(2)
rnn_acc = np.mean(logits.argmax(-1) == y_valid)
print(f"valid, bits per note: unigram (12 keys) {unigram_bits:.2f}   unigram (written keys) "
      f"{unigram_written_bits:.2f}   RNN {rnn_bits:.2f}")
print(f"valid, next-note accuracy: most frequent note {np.mean(y_valid == counts.argmax()):.3f}   RNN {rnn_acc:.3f}")

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.plot(np.array(h["loss"]) / np.log(2), label="train")
ax.plot(np.array(h["val_loss"]) / np.log(2), label="valid")
ax.axhline(unigram_bits, color="gray", ls="--", label="unigram baseline")
ax.set_xlabel("epoch")
ax.set_ylabel("bits per note")
ax.legend()
plt.show()


# %% [markdown]
# Which unigram is the fair baseline? The RNN trained on melodies in 12 keys, but it is
# validated on melodies in their written keys. A unigram fitted on the 12-key data spreads
# its probability over pitches that written chorale sopranos rarely use (4.13 bits per
# note in the run printed above); fitted on the same training melodies as written it
# scores 3.89 bits. That is the honest baseline (the dashed line in the plot is the
# 12-key one), and the RNN (2.57 bits) beats it by
# more than a bit per note: it uses the context, the unigram cannot.


# %% [markdown]
# **Generation** (autoregressive, like the toy, but sampling): start from the first 8
# notes of BWV 66.6, feed the window in, draw the next note from the softmax (with
# temperature 0.8: a little more conservative than the model), append it, repeat. The
# model only chooses pitches; the rhythm is borrowed from the chorale itself, so what you
# hear is the model's melodic choices in Bach's rhythm.

# %% tags=["nbval-ignore-output"]
def sample_melody(model, prompt_pitches, n_new, temperature=0.8, seed=0):
    rng_s = np.random.default_rng(seed)
    tokens = [token_of[int(p)] for p in prompt_pitches]
    for _ in range(n_new):
        context = np.array(tokens[-WINDOW:])[None]
        logits = model(context, training=False).numpy()[0, -1] / temperature
        p = np.exp(logits - logits.max())
        tokens.append(int(rng_s.choice(V, p=p / p.sum())))
    return [vocab[t] for t in tokens]


n_new = 24
pitches = sample_melody(melody_model, soprano.pitch[:8], n_new)
rhythm = soprano[: 8 + n_new]
generated = NoteList.from_arrays(pitches, rhythm.onset, rhythm.duration)
print("prompt   :", " ".join(pitch_name(p, key="F# minor") for p in pitches[:8]))
print("generated:", " ".join(pitch_name(p, key="F# minor") for p in pitches[8:]))
see_and_hear(generated, title="SimpleRNN continuation of BWV 66.6 (first 8 notes are Bach's)")

# %% [markdown]
# Compare with the toy: the notes mostly stay in the chorale's key (F♯ minor, three sharps,
# so the names are spelled from its key signature: G♯, not A♭), move mostly by step like a
# chorale soprano, go up *and* down, and another `seed` of `sample_melody` gives another
# line (try `seed=1`). It is far from Bach (there
# is no phrase structure, and the SimpleRNN's memory is short, see section 6), which is
# exactly the job of notebook 04's LSTM.

# %% [markdown]
# ## 9. Step through time · ~5 min
#
# Move the slider to walk along the worked example of section 2. The left panel marks
# the current note; the right shows $h_t$, and in grey the previous state $h_{t-1}$ it
# was computed from. (The widget needs a live kernel; run the notebook to use it.)

# %% tags=["nbval-ignore-output"]
import ipywidgets as widgets


def show_step(t=1):
    fig, (ax_roll, ax_h) = plt.subplots(1, 2, figsize=(10, 2.8), gridspec_kw={"width_ratios": [1.4, 1]})
    plot_piano_roll(phrase, ax=ax_roll)
    ax_roll.axvspan(phrase.onset[t - 1], phrase.offset[t - 1], color="orange", alpha=0.35)
    ax_roll.set_title(f"t = {t}: note {pitch_name(phrase.pitch[t - 1])}")
    prev = H[t - 2] if t > 1 else np.zeros(n_hidden)
    ax_h.bar(np.arange(n_hidden) - 0.2, prev, width=0.4, color="lightgray", label="$h_{t-1}$")
    ax_h.bar(np.arange(n_hidden) + 0.2, H[t - 1], width=0.4, color="C0", label="$h_t$")
    ax_h.set_ylim(-1, 1)
    ax_h.set_xticks(range(n_hidden), [f"h[{j}]" for j in range(n_hidden)])
    ax_h.legend(loc="lower right")
    plt.tight_layout()
    plt.show()


_ = widgets.interact(show_step, t=widgets.IntSlider(min=1, max=len(phrase), step=1, value=1))


# %% [markdown]
# ## 10. Exercises · ~15 min
#
# Each exercise ends with a checker that prints `[PASS]` or `[FAIL]` and a hint.
# The solutions sit between two solution-marker comments; in the student release
# (your copy, made with nbgrader) that part is replaced by `raise NotImplementedError`.
#
# ### Exercise 1: write `rnn_step`
#
# Write one step of a simple RNN for a single sequence,
# $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$, with the shapes of section 2.

# %% nbgrader={"grade": false, "grade_id": "ex3_1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_rnn_step(x_t, h_prev, W_xh, W_hh, b_h):
    ### BEGIN SOLUTION
    return np.tanh(W_hh @ h_prev + W_xh @ x_t + b_h)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_1", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng_ex = np.random.default_rng(11)
cases = []
for n_in_ex, n_hid_ex in [(1, 1), (3, 4), (5, 2)]:
    args = (rng_ex.normal(size=n_in_ex), rng_ex.normal(size=n_hid_ex),
            rng_ex.normal(size=(n_hid_ex, n_in_ex)), rng_ex.normal(size=(n_hid_ex, n_hid_ex)),
            rng_ex.normal(size=n_hid_ex))
    cases.append((args, rm.rnn_step(*args)))
_ = check_function("rnn_step", my_rnn_step, cases, atol=1e-10,
                   hint="W_hh @ h_prev + W_xh @ x_t + b_h, then np.tanh; mind which matrix multiplies which vector")


# %% [markdown]
# ### Exercise 2: a gradient summed over time
#
# A one-unit RNN (all weights are numbers) reads two inputs and is scored on its last
# output only:
#
# $$h_1 = \tanh(w\,x_1 + u\,h_0), \quad h_2 = \tanh(w\,x_2 + u\,h_1), \quad y = v\,h_2, \quad L = (y - d)^2$$
#
# with $w$ ($W_{xh}$), $u$ ($W_{hh}$), $v$ ($W_{hy}$), $b_h = b_y = 0$ and $h_0 = 0$.
# Write `dL_dw_by_hand(w, u, v, x1, x2, d)`, which returns $\partial L / \partial w$ for any
# such numbers.
#
# The input weight $w$ is used at **both** steps, so this is the case where BPTT's "sum
# over time" of section 5 matters. *Hints:* write the forward pass first and keep its
# intermediate values. Then ask: through how many different paths can a small change
# of $w$ reach $L$? A path that ignores one of them gives a number that is close but wrong.

# %% nbgrader={"grade": false, "grade_id": "ex3_2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dL_dw_by_hand(w, u, v, x1, x2, d):
    ### BEGIN SOLUTION
    h1 = np.tanh(w * x1)
    h2 = np.tanh(w * x2 + u * h1)
    dL_da2 = 2 * (v * h2 - d) * v * (1 - h2**2)  # back through y and the tanh of step 2
    direct = dL_da2 * x2  # w at step 2
    through_h1 = dL_da2 * u * (1 - h1**2) * x1  # w at step 1, carried to step 2 by u
    return direct + through_h1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_2", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def dL_dw_autodiff(w, u, v, x1, x2, d):
    _, grads = rm.bptt([[[x1], [x2]]], [[d]], [[w]], [[u]], [0.0], [[v]], [0.0])
    return grads["W_xh"][0, 0]


cases = [(args, dL_dw_autodiff(*args))
         for args in [(0.7, 0.5, 1.5, 1.0, -0.5, 0.2), (-0.3, 1.2, 0.8, 0.5, 2.0, -1.0), (0.4, -0.9, 1.1, -1.0, 0.3, 0.5)]]
_ = check_function("dL/dw (= dL/dW_xh)", dL_dw_by_hand, cases, atol=1e-9,
                   hint="w acts at step 1 and at step 2; the gradient is the sum of both contributions")


# %% [markdown]
# ### Exercise 2b (conceptual): what would change if…
#
# A *linear* RNN has a recurrent matrix with spectral radius ρ = 0.5. Compared with the
# gradient from 1 step back, how large is the gradient from 20 steps back, for large
# lags? Make `answer_2b()` return one letter.
#
# * (a) about 20 × 0.5 = 10 times smaller
# * (b) about $0.5^{20} \approx 10^{-6}$ times as large (up to a constant set by the
#   spectral norm)
# * (c) the same size: the linear RNN has no activation slope to shrink it
# * (d) larger, because the spectral norm can exceed ρ

# %% nbgrader={"grade": false, "grade_id": "ex3_2b_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def answer_2b():
    ### BEGIN SOLUTION
    return "b"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_2b", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# the digest of "Exercise 2b:<letter>" (musiclib.checks.answer_digest): the release does not show the answer
_ = check_choice("Exercise 2b", answer_2b, "sha256:3d1694bf239691d1d6c77f52a09a985428de3b929118e19d3ae42e105c0cdb57",
                 {"a": "10x smaller", "b": "about 0.5^20", "c": "the same", "d": "larger"},
                 hint="the product of k Jacobians behaves like W^k; look at the linear ρ = 0.8 row of the table")
### BEGIN HIDDEN TESTS
assert str(answer_2b()).strip().lower() == "b", "Exercise 2b: the answer is (b)"
### END HIDDEN TESTS


# %% [markdown]
# ### Exercise 3: which ρ explodes?
#
# Using `rm.scale_to_spectral_radius` and `rm.state_gradient_norms` with
# `activation="linear"` on `W0`, `x_long`, `W_in`, `b0` from section 6, write a function that
# returns the **smallest** of the given radii for which the gradient norm at lag 40 exceeds 10.

# %% nbgrader={"grade": false, "grade_id": "ex3_3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def smallest_exploding_radius(candidates):
    ### BEGIN SOLUTION
    return min(rho for rho in candidates
               if rm.state_gradient_norms(x_long, W_in, rm.scale_to_spectral_radius(W0, rho), b0,
                                          activation="linear")[0, 40] > 10)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_3", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def expected_rho(candidates):
    return min(r for r in candidates
               if np.linalg.norm(np.linalg.matrix_power(rm.scale_to_spectral_radius(W0, r), 40), 2) > 10)


cases = [((c,), expected_rho(c)) for c in ([0.9, 1.0, 1.05, 1.1, 1.3], [1.2, 0.95, 1.02, 1.5])]
_ = check_function("smallest exploding radius", smallest_exploding_radius, cases,
                   hint="loop over candidates; norms[0, 40] is the lag-40 value; for a linear RNN it is ||W_hh^40||")

# %% [markdown]
# ## Summary
#
# * A simple RNN updates its hidden state with $h_t = f(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$,
#   the same weights at every step; the state depends on the whole past.
# * Keras stores the transposes: `kernel` $= W_{xh}^\top$, `recurrent_kernel` $= W_{hh}^\top$.
#   With that mapping our NumPy forward pass equals `keras.layers.SimpleRNN` (< 1e-6,
#   in fact < 1e-12) for tanh, with and without `return_sequences`, and for sigmoid.
# * Keras defaults to tanh because it is zero-centred and its largest slope is 4× the
#   sigmoid's: each step can scale the gradient by up to $\lVert W_{hh}\rVert_2$ with tanh
#   but only $\lVert W_{hh}\rVert_2/4$ with σ.
# * BPTT is the chain rule on the unrolled graph; shared weights get gradients summed
#   over time. Our hand-written version equals `tf.GradientTape` (< 1e-6).
# * The gradient through $k$ steps is a product of $k$ Jacobians. For a linear RNN it
#   vanishes when the spectral radius ρ of $W_{hh}$ is below 1 and explodes above 1; the
#   first few steps follow the spectral norm $\lVert W_{hh}\rVert_2 \ge \rho$ instead. tanh
#   saturation pulls every curve down: at ρ = 1.2 the tanh gradient still decays.
#   Clipping tames explosions; truncated BPTT bounds how far back gradients flow; the
#   LSTM (notebook 04) is built against vanishing.
# * The article's toy regresses note numbers; it learns `+1`, sticks at the top of its
#   range and cannot express "either of two notes". Treating notes as categories (embedding
#   + softmax + sampling) on real melodies gives a model that makes music-like lines.
#
# All `rm.*` functions used here live in `musiclib.rnn_math`, and the course's tests check
# them against Keras.
#
# **Try it yourself.** (1) In section 2, change the scale of `W_hh` from 0.5 to 1.5 and
# watch more units saturate near ±1. (2) In section 8, train without the 12-key
# augmentation (`SHIFTS = range(0, 1)`) and compare the validation bits per note.
# (3) Sample with `temperature=0.3` and `1.5`: which sounds more like a chorale?
#
# ## References
#
# * J. L. Elman, "Finding structure in time", *Cognitive Science* 14(2), 179–211, 1990 —
#   the simple recurrent network $h_t = f(W_{hh}h_{t-1} + W_{xh}x_t + b_h)$ of section 2.
# * P. J. Werbos, "Backpropagation through time: what it does and how to do it",
#   *Proc. IEEE* 78(10), 1550–1560, 1990 — BPTT as the chain rule on the unrolled graph
#   (section 5).
# * R. J. Williams and J. Peng, "An efficient gradient-based algorithm for on-line
#   training of recurrent network trajectories", *Neural Computation* 2(4), 490–501,
#   1990 — truncated BPTT (section 6).
# * Y. Bengio, P. Simard and P. Frasconi, "Learning long-term dependencies with gradient
#   descent is difficult", *IEEE Trans. Neural Networks* 5(2), 157–166, 1994 — why
#   gradients over long lags vanish (section 6).
# * R. Pascanu, T. Mikolov and Y. Bengio, "On the difficulty of training recurrent
#   neural networks", *ICML* 2013 — the spectral-norm/radius conditions for vanishing
#   and exploding gradients, and gradient-norm clipping (section 6).
# * S. Hochreiter and J. Schmidhuber, "Long short-term memory", *Neural Computation*
#   9(8), 1735–1780, 1997 — the cell state built against vanishing gradients (notebook 04).
# * I. Goodfellow, Y. Bengio and A. Courville, *Deep Learning*, MIT Press, 2016,
#   ch. 10 — the textbook treatment of sections 2–6.
# * F. Chollet et al., Keras `SimpleRNN` documentation (keras.io) — the `kernel` /
#   `recurrent_kernel` layout of section 4.
