# ---
# jupyter:
#   musiclib:
#     budget_seconds: 300
# ---

# %% [markdown]
# # 04 · Melody generation with an LSTM (长短期记忆网络 LSTM)
#
# The course's first real generator. A long short-term memory network (长短期记忆网络,
# LSTM) reads a melody one 16th-note step at a time and predicts the next step. Before
# we trust it we **measure** it: on held-out chorales, beside a simple counting model
# (the n-gram baseline, 基线), with numbers that a hold-heavy grid cannot flatter. Then
# we let it write music, listen to it, look at it, and check that it is not copying.
#
# **Learning objectives.** After this notebook you can
# 1. compute the four LSTM gates (门控) by hand, match `keras.layers.LSTM` to 1e-6, and
#    explain why the cell state lets gradients survive where the simple RNN's vanish;
# 2. build and tune an n-gram baseline and say why it is a hard one to beat;
# 3. evaluate a next-token model with bits per step, accuracy and note-event accuracy;
# 4. train an LSTM with key normalisation, extra (folk) training data and a
#    position-in-bar input, fine-tune it on the corpus it is judged on (微调), and measure
#    what the input and the fine-tuning are worth (an ablation);
# 5. sample with temperature (温度), top-k and top-p (采样), listen to whole continuations
#    beside the real one, take a blind listening test, measure the samples, export MIDI
#    and check the output for copying.
#
# **Prerequisites.** Notebook 01 (melody tokens: 0 = rest, 1 = hold, 2+k = note-on),
# notebook 03 (the RNN hidden state, BPTT, vanishing gradients).
#
# | section | time |
# |---|---|
# | 1. The LSTM cell and its gates (门控) | ~15 min |
# | 2. Data: chorale sopranos as tokens | ~5 min |
# | 3. The n-gram baseline (基线) | ~10 min |
# | 4. Training the LSTM | ~10 min (≤ 5 min of training on a laptop CPU) |
# | 5. A fair table: what the bar position is worth | ~10 min |
# | 6. Sampling (采样) and listening: temperature (温度), top-k, top-p, a blind test | ~20 min |
# | 7. Copying check and MIDI export | ~5 min |
# | 8. Co-composer | ~10 min |
# | 9. Exercises | ~20 min |
#
# Evaluation and generation use the **pretrained checkpoint** shipped with the course
# (`musiclib/checkpoints/melody_lstm.keras`), so every learner sees the same numbers;
# set `USE_PRETRAINED = False` in section 4 to use the model you train here instead.

# %%
# %matplotlib inline
from musiclib.config import get_profile, seed_everything

seed_everything(0)
PROFILE = get_profile()

# %%
import tempfile
from dataclasses import replace
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from musiclib import rnn_math, sampling, widgets
from musiclib.audio import play
from musiclib.checks import check_close, check_function
from musiclib.datasets import load_chorales
from musiclib.display import plot_piano_roll, show_score
from musiclib.features.pitch import pitch_class_entropy
from musiclib.models.finetune import FineTuneRecipe, fine_tune
from musiclib.models.melody import (
    MELODY_RECIPE,
    LSTMConfig,
    MelodyData,
    evaluate,
    format_table,
    load_melody_lstm,
    melody_data,
    recipe_data,
    train_lstm,
)
from musiclib.models.ngram import NGramModel, fit_best_ngram
from musiclib.notation import notes_to_midi, notes_to_stream
from musiclib.pretrained import MELODY_LSTM
from musiclib.representation import MelodyVocabulary, melody_steps, tokens_to_notes, transpose_tokens

# %% [markdown]
# ## 1. The LSTM cell and its gates (门控) · ~15 min
#
# A simple RNN overwrites its state every step: $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$.
# An LSTM keeps a second vector, the **cell state** $c_t$, and changes it only through
# three gates — numbers between 0 and 1, one per unit, computed from $x_t$ and $h_{t-1}$:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) && \text{input gate: how much new content to write}\\
# f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) && \text{forget gate: how much old content to keep}\\
# g_t &= \tanh(W_{xc} x_t + W_{hc} h_{t-1} + b_c) && \text{candidate content}\\
# o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) && \text{output gate: how much to show}\\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# Keras stores the four gates side by side in the columns of one `kernel`
# (n_in × 4·n_hidden) and one `recurrent_kernel`, **in the order i, f, c, o**.

# %%
fig, ax = plt.subplots(figsize=(9, 3.2))
ax.set_xlim(0, 10)
ax.set_ylim(0, 4)
ax.axis("off")
box = dict(boxstyle="round,pad=0.3", fc="#eef", ec="#446")
gate = dict(boxstyle="round,pad=0.3", fc="#fed", ec="#a52")
ax.annotate("", xy=(9.6, 3.3), xytext=(0.3, 3.3), arrowprops=dict(arrowstyle="->", lw=2.5, color="#446"))
ax.text(0.2, 3.55, "$c_{t-1}$", fontsize=12)
ax.text(9.3, 3.55, "$c_t$", fontsize=12)
ax.text(3.0, 3.3, " × $f_t$ ", fontsize=12, ha="center", va="center", bbox=gate)
ax.text(5.2, 3.3, " + $i_t \\odot g_t$ ", fontsize=12, ha="center", va="center", bbox=gate)
ax.text(7.6, 2.1, "$h_t = o_t \\odot \\tanh(c_t)$", fontsize=12, ha="center", va="center", bbox=gate)
ax.annotate("", xy=(7.6, 2.5), xytext=(7.6, 3.2), arrowprops=dict(arrowstyle="->"))
ax.text(3.6, 0.6, "gates  $i_t, f_t, o_t = \\sigma(\\cdot)$,  $g_t = \\tanh(\\cdot)$\n"
        "all computed from  $x_t$  and  $h_{t-1}$", fontsize=11, ha="center", va="center", bbox=box)
ax.annotate("", xy=(3.0, 3.0), xytext=(3.0, 1.1), arrowprops=dict(arrowstyle="->", color="#a52"))
ax.annotate("", xy=(5.2, 3.0), xytext=(4.4, 1.1), arrowprops=dict(arrowstyle="->", color="#a52"))
ax.annotate("", xy=(7.3, 1.8), xytext=(5.6, 0.9), arrowprops=dict(arrowstyle="->", color="#a52"))
ax.set_title("The LSTM cell: the top line is the cell state, changed only by × and +")
plt.show()

# %% [markdown]
# Now by hand. `musiclib.rnn_math.lstm_step` is exactly the formula above in NumPy
# (float64); we copy random weights into a Keras layer with `to_keras_lstm` (the i, f, c, o
# column blocks, transposed) and compare the two on the same melody-sized input.

# %%
rng = np.random.default_rng(0)
params = rnn_math.LSTMParams.random(n_in=5, n_hidden=4, rng=rng)
x = rng.normal(size=(2, 12, 5))                      # (batch, time, n_in)

i_t, f_t, g_t, o_t = rnn_math.lstm_gates(x[:, 0], np.zeros((2, 4)), params)
print("gates at t=0, first sequence:")
for name, v in zip("ifgo", (i_t, f_t, g_t, o_t)):
    print(f"  {name}_t = {np.round(v[0], 3)}")

h_numpy, c_numpy = rnn_math.lstm_forward(x, params)

keras.config.set_floatx("float64")
layer = keras.layers.LSTM(4, return_sequences=True)
layer.build((None, None, 5))
layer.set_weights(rnn_math.to_keras_lstm(params))
h_keras = np.asarray(layer(x))
keras.config.set_floatx("float32")
print(f"max |NumPy - Keras| over all h_t: {np.abs(h_numpy - h_keras).max():.1e}")
_ = check_close("NumPy LSTM = keras.layers.LSTM (float64)", h_numpy, h_keras, atol=1e-6)

# %% [markdown]
# ### Why gates ease the vanishing gradient of lesson 03
#
# In lesson 03 the gradient through $k$ steps of a simple RNN was a product of $k$
# Jacobians $\mathrm{diag}(\tanh') W_{hh}$: below spectral radius 1 it shrinks
# geometrically. Along the LSTM's cell line the Jacobian is just the forget gate:
#
# $$\frac{\partial c_t}{\partial c_{t-1}} = \mathrm{diag}(f_t) \quad(\text{plus smaller terms through } h_{t-1})$$
#
# No weight matrix, no squashing slope: when the network learns $f_t \approx 1$ ("keep
# this"), the gradient passes many steps almost unchanged — and the network *chooses*
# per unit and per step when to forget. Keras initialises the forget-gate bias to 1 for
# this reason. Below: how strongly the last output still depends on each earlier input,
# for a fresh SimpleRNN and a fresh LSTM of the same size (autodiff, 80 steps).

# %%
import tensorflow as tf

keras.utils.set_random_seed(3)
steps, units = 80, 32
x_long = tf.constant(np.random.default_rng(1).normal(size=(1, steps, 8)), dtype=tf.float32)
curves = {}
for name, layer in {"SimpleRNN": keras.layers.SimpleRNN(units), "LSTM": keras.layers.LSTM(units)}.items():
    with tf.GradientTape() as tape:
        tape.watch(x_long)
        h_last = layer(x_long)
        target = tf.reduce_sum(h_last)
    grad = tape.gradient(target, x_long).numpy()[0]       # (time, n_in)
    curves[name] = np.linalg.norm(grad, axis=1)[::-1]      # index = lag from the end

fig, ax = plt.subplots(figsize=(7, 3))
for name, g in curves.items():
    ax.semilogy(g, label=name)
ax.set_xlabel("lag k (steps back from the last output)")
ax.set_ylabel("‖∂ h_T / ∂ x_{T-k}‖")
ax.legend()
ax.set_title("Gradient reaching earlier inputs")
plt.show()
for name, g in curves.items():
    print(f"{name:9s}: gradient at lag 40 / lag 0 = {g[40] / g[0]:.0e}")

# %% [markdown]
# In these untrained networks both gradients still shrink with the lag, the LSTM's about
# 25 times less over 40 steps (1e-04 against 4e-06). The gates do not abolish the problem;
# they give training a way around it: a unit that learns $f_t \approx 1$ carries its
# gradient much further.

# %% [markdown]
# ## 2. Data: chorale sopranos as tokens · ~5 min
#
# The melody of each Bach chorale is its soprano line, on the 16th-note grid of lesson 01
# (`MelodyVocabulary()`: rest, hold and 48 note-ons, MIDI 48–95). The split is **by
# tune**, as recorded in `datasets/manifest.json`: Bach harmonised many hymn tunes
# several times, and `musiclib.datasets.tune_groups` puts into one group every pair of
# chorales that share most of their melodic patterns or any run of 12 notes with the
# same intervals and durations; a whole group goes to one split. Section 3 measures
# what test and training melodies still have in common.
#
# Every melody is **moved to C major or A minor** (`to_c=True`, using the key found by
# `Piece.semitones_to_c`). The models then need not work out the key before they can
# guess the next pitch; both the n-gram and the LSTM get the same data, so the comparison
# stays fair. Each step also gets its **position in the bar** (0 = downbeat), computed
# from the piece's pickup (`Piece.anacrusis`) and bar length — the LSTM reads it as a
# second input, and section 5 gives it to an n-gram too.
#
# One function does this for every melody of the course, `representation.melody_steps`;
# `recipe_data` applies it to the chorale splits and the folk tunes exactly as the
# training command `python -m musiclib.train melody` does.

# %%
vocab = MelodyVocabulary()
chorales = load_chorales()
data = recipe_data(MELODY_RECIPE, vocab)                # the data recipe of the shipped checkpoint
train, valid, test = data.train, data.valid, data.test
for name, d in (("train", train), ("valid", valid), ("test", test)):
    share_hold = np.mean(np.concatenate(d.tokens) == vocab.HOLD)
    print(f"{name:5s}: {len(d):3d} pieces, {d.n_steps:6d} steps, {share_hold:.0%} of them 'hold'")
print(chorales.manifest["split"])

# %%
k = 0
piece = chorales[test.ids[k]]
tokens, positions = melody_steps(piece.melody.transpose(piece.semitones_to_c()), vocab,
                                 anacrusis=piece.anacrusis, bar_quarters=piece.bar_quarters)
print(test.ids[k], "| the same tokens and positions as in `test`:",
      np.array_equal(tokens, test.tokens[k]) and np.array_equal(positions, test.positions[k]))
print("token   :", " ".join(f"{vocab.token_name(t):>4s}" for t in test.tokens[k][:20]))
print("position:", " ".join(f"{p:>4d}" for p in test.positions[k][:20]))

# %% [markdown]
# ## 3. The n-gram baseline (基线) · ~10 min
#
# An n-gram model predicts the next token from the previous $n-1$ tokens by counting how
# often each continuation followed that context in the training pieces. Raw counts give
# probability 0 to anything unseen, so we smooth them with **interpolated Kneser–Ney**
# (Chen & Goodman 1999; `musiclib/models/ngram.py`): take a discount $D$ off every count
# and give the freed mass to the next-shorter context, down to a uniform floor:
#
# $$P_n(w \mid h) = \frac{\max(c(h\,w) - D,\ 0)}{c(h)} + \frac{D \cdot N_{1+}(h\,\bullet)}{c(h)}\, P_{n-1}(w \mid h')$$
#
# where $N_{1+}(h\,\bullet)$ is the number of different tokens seen after $h$ and $h'$ is $h$
# without its oldest token. $D$ is tuned on the validation split, per order. The history
# before a piece is padded with rests — the same "start" the LSTM sees.
#
# **Continuation counts.** Kneser–Ney's idea is in the shorter contexts. They are used
# when the long context says little, so they should not ask "how often did $w$ occur?"
# but "after how many *different* contexts did $w$ occur?" — the continuation count
# $N_{1+}(\bullet\, w)$. A token that is frequent only because it always follows one
# context gets a small share; a token that turns up after many contexts gets a large one.
# The cell below compares the two counts for single tokens (one token of context).
#
# A 16th-note grid makes contexts short in musical time: a 5-gram looks back at 4
# sixteenths, one beat. So we go up to $n = 10$, a context of 9 sixteenths (2¼ beats).

# %%
flat = np.concatenate(train.tokens)
previous, following = flat[:-1], flat[1:]
print(f"{'token':>6s} {'count':>6s} {'share':>6s} {'after N different tokens':>25s} {'share':>6s}")
n_types = sum(len(set(previous[following == t].tolist())) for t in range(vocab.size))
for t in (vocab.HOLD, vocab.REST, vocab.pitch_to_token(72), vocab.pitch_to_token(76), vocab.pitch_to_token(78)):
    count, kinds = int((following == t).sum()), len(set(previous[following == t].tolist()))
    print(f"{vocab.token_name(t):>6s} {count:6d} {count / len(following):6.1%} {kinds:25d} {kinds / n_types:6.1%}")

# %% [markdown]
# "hold" fills three quarters of the steps, mostly because it follows itself: counted by
# the number of different tokens it follows (31), its share falls to 27 %. The note-ons
# gain (C5: 3.5 % of the steps, 4.4 % of the continuation counts). Those continuation
# shares, not the raw counts, are what the model falls back on when a long context was
# never seen.

# %%
ngrams, valid_bits = fit_best_ngram(train.tokens, valid.tokens, orders=range(1, 11),
                                    discounts=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95), vocab=vocab)
results = {}
for model in ngrams.values():
    results[model.name] = evaluate(model, test)
best_ngram = min(ngrams.values(), key=lambda m: valid_bits[(m.order, m.discount)])
print("best n-gram on the validation split:", best_ngram.name, "with discount", best_ngram.discount)
print(format_table(results))

# %% [markdown]
# **Bits per step** is the average of $-\log_2 p(\text{true token})$: how many yes/no
# questions the model needs per step. **Accuracy** counts steps where the most likely
# token is right; since three quarters of the steps are "hold", a model that always says
# "hold" gets 0.75 on the test chorales. **Event accuracy** looks only at steps where a new note starts —
# the hard, musical part.
#
# Longer contexts help up to $n = 9$ (the 10-gram is slightly worse), in jumps at $n = 5$
# and $n = 9$, where event accuracy rises too: a context of 4
# or 8 sixteenths reaches back exactly one or two quarter notes, so the model can see
# where in the beat it is and whether the last note has lasted a quarter. Is a long
# n-gram *remembering tunes*? It could, if a test melody shared whole phrases with a
# training melody. The next cell measures it with the copying check of section 7: the
# longest run of tokens each test melody shares with some training melody.

# %%
shared = [sampling.longest_copied_run(seq, train.tokens).length for seq in test.tokens]
whole = sum(s == len(t) for s, t in zip(shared, test.tokens))
print(f"longest run shared with training, per test piece (in 16ths): median {np.median(shared):.0f}, "
      f"max {max(shared)}")
print(f"test pieces sharing >= 4 bars (64 steps) with a training piece: {sum(s >= 64 for s in shared)} of "
      f"{len(shared)}; sharing the whole melody: {whole}")

# %% [markdown]
# Test melodies share at most 45 sixteenths (under three bars) with a training melody,
# 35 in the middle one, and none shares four bars: runs of a bar or two are what melodies
# in one style have in common (cadence formulas, scale runs). What
# the n-gram has is a strong
# grip on rhythm and on the most common short figures — a *strong* baseline, which is
# what we want: a model only earns its place by beating the best simple alternative,
# tuned fairly.

# %% [markdown]
# ## 4. Training the LSTM · ~10 min
#
# The model (`musiclib.models.melody.build_lstm`):
#
# * input at step $t$: the previous token (a rest at $t = 0$) through a 48-d embedding,
#   concatenated with the bar position of step $t$ through an 8-d embedding;
# * two stacked `LSTM(128)` layers;
# * a dense layer to 50 logits; softmax gives $p(\text{token}_t \mid \text{history})$.
#
# **More data.** 259 training chorales (those on the sixteenth grid) hold only about 56,000 steps — little for 235,000
# weights. The folk collections of lesson 01 add about 370,000 steps of melody (the
# *training* splits of O'Neill's Irish tunes and the Han Chinese songs, also moved to C).
# Their style differs, but what makes a melody (steps more than leaps, notes that last
# a beat, cadences on the tonic) is shared. The LSTM trains on all of it at once, with
# the chorales counted twice per epoch so they keep their weight; validation and test
# stay chorales only. (The n-gram cannot profit the same way: fitted on chorales plus
# folk tunes its validation bits got *worse* at every order, as the record's
# `data.ngram_training` notes — counting cannot tell which contexts transfer.)
#
# Training (`train_lstm`): windows of 128 steps in batches of 64, dropout 0.1 between
# layers, Adam with gradient clipping, early stopping on the validation split, and a
# checkpoint written atomically whenever validation improves. With every melody already
# in C there is no transposition augmentation (`transpose=(0, 0)`; a model trained on
# melodies in their written keys would use `transpose=(-5, 6)`, 12 keys). All of this is
# one public, documented object, `MELODY_RECIPE` (a `MelodyRecipe`).
#
# **Fine-tuning (微调).** Three quarters of what the LSTM sees per epoch are folk tunes,
# yet it is judged on chorales. So training has a second stage: a few more epochs on the
# chorale training melodies *alone*, with a fresh optimiser at a third of the learning
# rate (`musiclib.models.finetune.fine_tune`). Pre-training on a large, broad corpus,
# then fine-tuning on the small one you care about, is how most of today's models are
# made. The validation chorales decide when to stop and which epoch to keep, exactly as
# in the first stage; the test chorales are not looked at. The shipped checkpoint went
# through both stages; its record names both commands.

# %%
USE_PRETRAINED = True     # False: evaluate and sample with the model trained below

pretrained = load_melody_lstm()
record = pretrained.record
print("checkpoint:", record["command"], "| profile", record["profile"], "| seed", record["seed"])
print(f"{record['parameters']:,} parameters, {record['epochs_run']} epochs, best epoch {record['best_epoch']}")
tuned = record["fine_tune"]
print(f"then fine-tuned on the chorales alone: learning rate {tuned['learning_rate']:.2g}, {tuned['epochs_run']} "
      f"epochs, kept epoch {tuned['best_epoch']}; validation bits/step " +
      " -> ".join(f"{v:.3f}" for v in tuned["valid_bits_per_step"]) + f" ({tuned['cpu_seconds']:.0f} CPU s)")
print(MELODY_RECIPE.lstm)
pretrained.keras_model.summary(line_length=90)

# %% [markdown]
# **What your own model will reach.** Two cells below, the notebook trains the same network
# for at most 5 epochs or about 2½ minutes (the `cpu` profile; the time is checked at the
# end of each epoch, so the last epoch may run past it). The
# shipped run's record tells us what to expect: its validation loss after each epoch,
# beside the best n-gram's validation bits. An LSTM starts far worse than counting and
# needs many passes over the data to overtake it — the n-gram's "training" is a single
# pass of counting, the LSTM's is slow gradient descent on 235,000 weights.

# %%
valid_curve = record["history_bits_per_step"]["val_xent"]
ngram_valid = record["valid_metrics"][record["best_ngram"]]["bits_per_step"]
e5 = min(5, len(valid_curve))
print(f"shipped run, validation bits per step after epoch 1: {valid_curve[0]:.3f}, after epoch {e5}: "
      f"{valid_curve[e5 - 1]:.3f}, best (epoch {record['best_epoch']}): {min(valid_curve):.3f}")
print(f"best n-gram ({record['best_ngram']}) on validation: {ngram_valid:.3f}")
first_better = next((i + 1 for i, v in enumerate(valid_curve) if v < ngram_valid), None)
print("first epoch with fewer bits than the n-gram:", first_better)

# %% tags=["nbval-ignore-output"]
lstm_train = data.lstm_train.subset(PROFILE.data_fraction)  # chorales twice per epoch + the folk training tunes
print(f"LSTM training data: {len(lstm_train)} melodies, {lstm_train.n_steps} steps per epoch")
config: LSTMConfig = replace(MELODY_RECIPE.lstm, epochs=5, patience=3)   # the shipped recipe, 5 epochs
workdir = Path(tempfile.mkdtemp())
result = train_lstm(lstm_train, valid, config, epochs=PROFILE.epochs(config.epochs), seed=0,
                    checkpoint=workdir / "my_melody_lstm.keras", max_seconds=PROFILE.max_seconds / 2)
print(f"trained {len(result.history['loss'])} epochs in {result.seconds:.0f} s; best epoch {result.best_epoch}")
mine = evaluate(result.model, test)
print(f"my model on the test split: {mine['bits_per_step']:.3f} bits per step, event accuracy "
      f"{mine['event_accuracy']:.3f}; best n-gram ({best_ngram.name}): {results[best_ngram.name]['bits_per_step']:.3f}")

# %% [markdown]
# Now the second stage for your model: two epochs on the chorale training melodies alone
# (`fine_tune` trains a copy; `result.model` stays as it was). The first number is the
# validation score before fine-tuning:

# %% tags=["nbval-ignore-output"]
my_tuning = fine_tune(result.model, train.subset(PROFILE.data_fraction), valid, FineTuneRecipe(epochs=2), seed=0)
print("validation bits per step:", " -> ".join(f"{v:.3f}" for v in my_tuning.valid_bits_per_step),
      f"| kept epoch {my_tuning.best_epoch}, {my_tuning.cpu_seconds:.0f} CPU s")
mine_tuned = evaluate(my_tuning.model, test)
print(f"my fine-tuned model on the test split: {mine_tuned['bits_per_step']:.3f} bits per step, event accuracy "
      f"{mine_tuned['event_accuracy']:.3f}")

# %% tags=["nbval-ignore-output"]
fig, ax = plt.subplots(figsize=(7, 3))
epochs_axis = np.arange(1, len(result.history["xent"]) + 1)
ax.plot(epochs_axis, result.history["xent"], "o-", label="train")
ax.plot(epochs_axis, result.history["val_xent"], "o-", label="valid")
ax.plot(np.arange(1, len(valid_curve) + 1), valid_curve, ":", c="k", label="valid, shipped run")
ax.axhline(ngram_valid, ls="--", c="gray", label=f"{record['best_ngram']} (valid)")
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.set_xlabel("epoch")
ax.set_ylabel("bits per step")
ax.legend()
plt.show()

# %%
lstm = pretrained if USE_PRETRAINED else result.model
print("using", "the pretrained checkpoint" if USE_PRETRAINED else "the model trained above")

# %% [markdown]
# ## 5. A fair table: what the bar position is worth · ~10 min
#
# Every model is evaluated the same way (`evaluate`): over **whole test pieces** (moved
# to C, as in training), step 0 predicted after a rest, no windows. The LSTM runs in
# Keras (float32) with all test pieces in one padded batch (padding cannot leak
# backwards: the LSTM only looks at the past). Both kinds of model offer the same small
# interface, `sampling.MelodyModel`: a vocabulary, log-probabilities of every step, and a
# sampling session.
#
# A fair comparison gives both kinds of model the same information. The LSTM reads the
# bar position of every step; the plain n-gram does not. So the table has two more rows:
#
# * **the n-gram with the bar position**: the same Kneser–Ney model whose longest context
#   is (bar position, previous $n-1$ tokens), backing off to the plain n-gram
#   (`NGramModel.fit(..., positions=...)`); fitted here in seconds;
# * **the LSTM without it** (`position_dim=0`): trained by the same command with
#   `--ablation`, same data, epochs and seed; its test figures are read from the
#   checkpoint's record, since training it again here would take as long as the LSTM.

# %%
results["lstm"] = evaluate(lstm, test)
pos_name = f"{best_ngram.name}_pos"
pos_ngram = NGramModel.fit(train.tokens, best_ngram.order, vocab, positions=train.positions,
                           discount=record["test_metrics"][pos_name]["discount"])
results[pos_name] = evaluate(pos_ngram, test)
results["lstm_pretrained"] = record["test_metrics"]["lstm_pretrained"]  # before fine-tuning, from the record
results["lstm_no_pos"] = record["test_metrics"]["lstm_no_pos"]       # from the record (see above)
print("all melody models:", all(isinstance(m, sampling.MelodyModel) for m in (lstm, best_ngram, pos_ngram)))
print(format_table(results, ["lstm", "lstm_pretrained", "lstm_no_pos", "ngram_5", best_ngram.name, pos_name]))

# %%
def fewer_bits(a, b):
    return 1 - results[a]["bits_per_step"] / results[b]["bits_per_step"]


print(f"LSTM vs best n-gram ({best_ngram.name}):             {fewer_bits('lstm', best_ngram.name):+.1%} bits per step")
print(f"LSTM vs the same n-gram with bar positions:  {fewer_bits('lstm', pos_name):+.1%} bits per step")
print(f"fine-tuning, worth to the LSTM:      {fewer_bits('lstm', 'lstm_pretrained'):+.1%} bits per step, event "
      f"accuracy {results['lstm_pretrained']['event_accuracy']:.3f} -> {results['lstm']['event_accuracy']:.3f}")
print(f"bar position, worth to the LSTM:    {fewer_bits('lstm_pretrained', 'lstm_no_pos'):+.1%} bits per step, "
      f"event accuracy {results['lstm_no_pos']['event_accuracy']:.3f} -> "
      f"{results['lstm_pretrained']['event_accuracy']:.3f} (both before fine-tuning)")
print(f"bar position, worth to the n-gram:  {fewer_bits(pos_name, best_ngram.name):+.1%} bits per step, event accuracy "
      f"{results[best_ngram.name]['event_accuracy']:.3f} -> {results[pos_name]['event_accuracy']:.3f}")
if USE_PRETRAINED:
    same = all(abs(results[name][k] - record["test_metrics"][name][k]) < 1e-4
               for name in ("lstm", pos_name) for k in ("bits_per_step", "accuracy", "event_accuracy"))
    print("matches the metrics recorded beside the checkpoint:", same)

# %% [markdown]
# **Reading the table.** On the 35 test chorales the shipped LSTM needs 0.734 bits per
# step, 12.9 % fewer than the best plain n-gram (the 9-gram, 0.842) and 7.3 % fewer than
# the same 9-gram given the bar position (0.791), the fair baseline. It also guesses the
# next note more often than that baseline: event accuracy 0.421 against 0.394.
#
# Two rows explain where this comes from. Before fine-tuning (`lstm_pretrained`) the LSTM
# needed 0.772 bits, only 2.4 % fewer than the fair baseline, and guessed the next note
# *less* often than it (0.372). Fine-tuning on the chorales alone (130 CPU seconds, printed
# in section 4) is worth 5.0 % of the bits and 0.049 of event accuracy: the folk
# tunes taught the network what melodies do, the chorales then taught it which pitches
# *these* melodies choose. And the bar position is worth about as many bits to either
# model: 7.4 % of the (pre-trained) LSTM's and 6.1 % of the n-gram's, though only the
# n-gram also gains event accuracy from it (0.369 -> 0.394; the LSTM's falls slightly,
# 0.382 -> 0.372). Against an n-gram that
# does not see the bar lines, much of any network's lead would be the bar position.
#
# Why not more? The pre-training follows the `cpu` recipe: 15 epochs, and its validation
# loss was still falling at the last one (best epoch 15, printed in section 4). The LSTM
# has 235,000 weights and 56,000 steps of chorale melody. An LSTM's strength, carrying a
# phrase, a key, a rhythm over many bars, needs more data and longer training to show; on
# one small corpus a well-smoothed counting model that gets the same information stays
# within about a tenth of it.
#
# Your own model (section 4) trained for at most 5 epochs, fewer on a busy machine; the
# shipped run first had fewer validation bits than the 9-gram after epoch 8, so a model
# trained in this notebook is still behind the n-grams. That is expected, not a bug.
#
# Event accuracy stays low for every model because the next note is hard to guess: no
# model here names the right token at even half of the note starts (the best, the LSTM,
# 0.421). Bits per step, which scores the whole distribution, is the fairer measure;
# event accuracy keeps us from being impressed by the LSTM's plain accuracy of 0.842,
# about 0.10 above what "always hold" gets (0.746, the 1-gram's accuracy).

# %% [markdown]
# **One run is one draw.** The same recipe trained with another seed gives another
# model. The shipped record keeps the test metrics of three runs of the recipe, 15 epochs
# each (the shipped seed and seeds 1 and 2, trained by the same command), beside the n-gram with the bar position, which has no seed:

# %%
for row in pretrained.record["seeds"]:
    t, t0 = row["test"], row["test_pretrained"]
    print(f"LSTM seed {row['seed']:>4}: {row['epochs_run']} epochs + fine-tuning, {t['bits_per_step']:.3f} bits/step, "
          f"event accuracy {t['event_accuracy']:.3f} (before fine-tuning {t0['bits_per_step']:.3f}, "
          f"{t0['event_accuracy']:.3f})" + (" (shipped)" if row.get("shipped") else ""))
spread = pretrained.record["seeds_summary"]
print(f"LSTM, mean ± sd over {spread['n']} seeds: {spread['bits_per_step']['mean']:.3f} ± "
      f"{spread['bits_per_step']['sd']:.3f} bits/step, event accuracy {spread['event_accuracy']['mean']:.3f} ± "
      f"{spread['event_accuracy']['sd']:.3f}")
print(f"{pos_name}: {results[pos_name]['bits_per_step']:.3f} bits/step, event accuracy "
      f"{results[pos_name]['event_accuracy']:.3f}")

# %% [markdown]
# After fine-tuning, the three runs lie within 0.013 bits per step of each other (0.721
# to 0.734; mean 0.728 ± 0.007) and within 0.004 in event accuracy (0.417 to 0.421), so
# the shipped model is a typical draw, if anything a slightly weak one in bits. Every run
# needs fewer bits than the 9-gram with the bar position (0.791), 7 to 9 % fewer, and
# every run now guesses the next note more often than it (0.417 to 0.421 against 0.394),
# where before fine-tuning every run guessed *less* often (0.364 to 0.375). **On this
# corpus the fine-tuned LSTM beats the fair baseline on both measures**, by a real margin
# but not a large one.

# %% [markdown]
# ## 6. Sampling (采样): temperature (温度), top-k, top-p · ~20 min
#
# The model gives a distribution; generation draws from it, one step at a time, and
# feeds the draw back. Three knobs change the distribution before the draw
# (`musiclib.sampling.next_token_distribution`):
#
# * **temperature** $T$: $p_i \propto \exp(z_i / T)$. $T = 0$ always takes the most likely
#   token (greedy); $T < 1$ sharpens; $T > 1$ flattens. Computed in log space with the
#   maximum subtracted, so it is stable from 0 to 10.
# * **top-k**: keep only the $k$ most likely tokens.
# * **top-p** (nucleus): keep the smallest set of most likely tokens whose probabilities
#   add up to at least $p$.
#
# Generation runs the LSTM step by step **in NumPy with `rnn_math.lstm_step`** — the
# gate math of section 1 — using the trained Keras weights.

# %%
z = np.log(np.array([0.45, 0.25, 0.15, 0.1, 0.05]))
for T in (0.0, 0.5, 1.0, 2.0):
    print(f"T={T:3.1f}:", np.round(sampling.next_token_distribution(z, T), 3))
print("top-k=2:", np.round(sampling.next_token_distribution(z, 1.0, top_k=2), 3))
print("top-p=0.8:", np.round(sampling.next_token_distribution(z, 1.0, top_p=0.8), 3))

# %% [markdown]
# ### Three continuations of one opening
#
# Our primer: the first 32 sixteenths of a test chorale (two bars' worth, pickup
# included; no model saw it). Positions
# continue from the piece's pickup so the models know where the bar lines are. Three
# voices continue it for **8 bars**: Bach (the real test melody), the best n-gram and the
# LSTM, both sampled at temperature 1 (the model's own distribution). Look, then listen.

# %%
def with_rests(notes, title):
    """A score of one melody in which silences are engraved as rests."""
    score = notes_to_stream(notes)
    for part in score.parts:
        part.makeRests(fillGaps=True, inPlace=True, timeRangeFromBarDuration=True)
    return show_score(score, title=title)


def hear(tokens, bpm=120):
    """A player for a whole melody (16 kHz, as an MP3 that keeps the notebook small)."""
    return play(tokens_to_notes(tokens, vocab), bpm=bpm, max_seconds=None)


PRIMER_STEPS, CONTINUATION = 32, 128                      # 2 bars of primer, 8 bars of continuation
k = next(i for i, pid in enumerate(test.ids) if chorales[pid].time_signature == "4/4"
         and len(test.tokens[i]) >= PRIMER_STEPS + CONTINUATION)
piece = chorales[test.ids[k]]
primer = test.tokens[k][:PRIMER_STEPS]
offset = int(test.positions[k][0])                      # bar position of step 0 (the pickup)
bar_steps = int(round(piece.bar_quarters * 4))
print(piece.id, "|", piece.title, "|", piece.time_signature, "| primer:", len(primer), "steps")
voices = {
    "Bach (the real melody)": test.tokens[k][:PRIMER_STEPS + CONTINUATION],
    f"{best_ngram.name}, T = 1": np.concatenate([primer, sampling.generate(
        best_ngram, primer, CONTINUATION, temperature=1.0, seed=1, bar_steps=bar_steps, offset=offset)]),
    "LSTM, T = 1": np.concatenate([primer, sampling.generate(
        lstm, primer, CONTINUATION, temperature=1.0, seed=1, bar_steps=bar_steps, offset=offset)]),
}

# %%
for name, toks in voices.items():
    display(with_rests(tokens_to_notes(toks, vocab), f"{name} (bars 1-2: the primer)"))

# %%
for name, toks in voices.items():
    print(name)
    display(hear(toks))

# %% [markdown]
# Listen for three things: does the continuation stay in the key, does it keep the
# chorale's rhythm (mostly quarter notes, cadences with a long note every two bars),
# and does it go somewhere — a phrase that rises and returns — or wander? The piano
# rolls show the same three lines on one time axis.

# %%
fig, axes = plt.subplots(3, 1, figsize=(10, 5.4), sharex=True)
for ax, (name, toks) in zip(axes, voices.items()):
    plot_piano_roll(tokens_to_notes(toks, vocab), ax=ax, title=name)
    ax.axvline(PRIMER_STEPS / 4, c="k", lw=1)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Temperature, heard at full length
#
# Now the LSTM alone, the same primer, three temperatures, each sample 4 bars long and
# played in full. First the numbers, averaged over 8 samples each:
#
# * *pitch-class entropy* (bits, 0 … 3.58) grows as the music uses more of the 12 pitch
#   classes more evenly;
# * *repetition* is the share of 3-note figures (compared by their two intervals, so a
#   figure repeated a step higher counts) that already occurred earlier in the sample;
# * *copied run* is the longest stretch (in 16ths) found verbatim in the training
#   melodies, in any of the 12 keys.

# %%
train_all_keys = [transpose_tokens(s, k, vocab) for s in train.tokens for k in range(-5, 7)
                  if s[s >= 2].min() + k >= 2 and s[s >= 2].max() + k < vocab.size]


def describe(tokens):
    notes = tokens_to_notes(tokens, vocab)
    copy = sampling.longest_copied_run(tokens, train_all_keys)
    return {"notes": len(notes), "pc entropy": round(pitch_class_entropy(notes), 2) if len(notes) else 0.0,
            "repetition": round(sampling.repetition_rate(tokens, n=3, intervals=True), 2),
            "copied run": copy.length}


def mean_description(rows):
    return {key: round(float(np.mean([r[key] for r in rows])), 2) for key in rows[0]}


temperatures = (0.5, 1.0, 1.5)
samples = {T: [sampling.generate(lstm, primer, 64, temperature=T, seed=s, bar_steps=bar_steps, offset=offset)
               for s in range(8)] for T in temperatures}
for T, runs in samples.items():
    print(f"T={T}: ", mean_description([describe(t) for t in runs]))

# %%
for T in temperatures:
    print(f"T = {T}, the first of the 8 samples")
    display(hear(samples[T][0]))

# %% [markdown]
# Greedy decoding ($T = 0$) has no randomness, so one sample per primer says all there is
# to say about that primer — and a single primer says little. Here it runs from the
# openings of 8 different test chorales; the numbers are averages over them, beside
# $T = 1$ from the same openings.

# %%
openings = [i for i, t in enumerate(test.tokens) if len(t) >= 96][:8]
for T in (0.0, 1.0):
    rows = [describe(sampling.generate(lstm, test.tokens[i][:32], 64, temperature=T, seed=0,
                                       offset=int(test.positions[i][0]))) for i in openings]
    print(f"T={T}: ", mean_description(rows))

# %% [markdown]
# Over these 8 openings greedy decoding writes fewer notes (12.75 against 18.38 in 4
# bars), uses fewer pitch classes (entropy 1.81 against 2.10 bits), repeats its own
# 3-note figures more (0.35 against 0.13) and copies longer runs from the training
# melodies (36.75 against 22 steps): always taking the most likely token settles on the
# commonest figures.
#
# Now the highest temperature, T = 1.5, with the tail cut off: top-k and top-p remove the unlikely
# tokens that make high-temperature samples stumble. Which of them keeps the variety?

# %%
settings = {"T=1.5": dict(temperature=1.5), "T=1.5, top-k=3": dict(temperature=1.5, top_k=3),
            "T=1.5, top-p=0.9": dict(temperature=1.5, top_p=0.9), "T=1.0, top-p=0.9": dict(temperature=1.0, top_p=0.9)}
for name, kw in settings.items():
    rows = [describe(sampling.generate(lstm, primer, 64, seed=s, bar_steps=bar_steps, offset=offset, **kw))
            for s in range(8)]
    print(f"{name:18s}", mean_description(rows))

# %% [markdown]
# Neither keeps all of it. Top-p keeps plain sampling's low repetition of its own 3-note
# figures (0.14 against 0.12) but uses the fewest pitch classes of the three (entropy 2.18,
# against 2.43 for top-k and 2.61 plain). Top-k = 3 keeps more pitch classes but repeats
# its figures almost three times as often (0.33) and copies longer runs (25.5 steps
# against 18.12).

# %% [markdown]
# ### A blind test: Bach or the LSTM? (盲听测试)
#
# Below are two continuations of the opening of another test chorale, 4 bars each after
# the same 2-bar primer. One is Bach's, one is the LSTM's (T = 1, top-p = 0.9); a coin
# decided which is A. Listen to both, decide, then set `MY_GUESS` and run the next cell.
# One trial proves nothing: a listening test needs many trials and a binomial test
# (lesson 07) — with 100 trials, 59 correct answers are needed before "I can tell" is
# better than guessing at the 5 % level.

# %%
j = next(i for i in openings if i != k)
blind_primer = test.tokens[j][:32]
machine = sampling.generate(lstm, blind_primer, 64, temperature=1.0, top_p=0.9, seed=3,
                            offset=int(test.positions[j][0]))
pair = [test.tokens[j][:96], np.concatenate([blind_primer, machine])]
bach_is = "AB"[int(np.random.default_rng(2024).integers(2))]     # the coin
clips = dict(zip("AB", pair if bach_is == "A" else pair[::-1]))
for label, toks in clips.items():
    print("clip", label)
    display(hear(toks))

# %%
MY_GUESS = None          # "A" or "B": which one is Bach?
if MY_GUESS is None:
    print("Listen to A and B, set MY_GUESS to 'A' or 'B', and run this cell again.")
else:
    print("right" if MY_GUESS == bach_is else "wrong", "- Bach was", bach_is)

# %% [markdown]
# ## 7. Copying check and MIDI export · ~5 min
#
# A generator that replays its training data is not composing. `longest_copied_run`
# finds the longest run of tokens shared with any training melody (binary search on the
# length, rolling hashes of every window, then a token-by-token check). For reference:
# the test chorales themselves share runs of this length with the training set — a few
# bars is what tonal melodies in one style share by nature; whole phrases would be copying.

# %%
report = sampling.longest_copied_run(voices["LSTM, T = 1"][PRIMER_STEPS:], train_all_keys)
print("the LSTM's 8-bar continuation:", report)
print(f"for comparison, test melodies vs training: median {np.median(shared):.0f} steps")

# %%
outdir = Path(tempfile.mkdtemp())
for name, toks in voices.items():
    notes = tokens_to_notes(toks, vocab)
    path = notes_to_midi(notes, outdir / f"{name.split(' ')[0].strip(',')}.mid", bpm=120)
    print("wrote", path.name, f"({path.stat().st_size} bytes, {len(notes)} notes)")

# %% [markdown]
# **Your own MIDI files.** `melody_data` turns a folder of MIDI files into the same
# tokens and bar positions as the corpora (the top line of each file, notes outside the
# vocabulary moved by octaves into it), and says which files it skipped and why.
# `python -m musiclib.train melody --midi-folder DIR --out my_model.keras` trains on such
# a folder; it never touches the checkpoint the course ships.

# %%
(outdir / "broken.mid").write_bytes(b"not a MIDI file")
mine_data = melody_data(outdir, None, vocab)
print(mine_data.describe())

# %% [markdown]
# Bad input gets a clear error, never a silent wrong melody:

# %%
from musiclib.errors import MusicLibError
from musiclib.representation import NoteList

bad_inputs = {
    "token outside the vocabulary": ([40, 99], 16),
    "empty primer": ([], 16),
    "polyphonic primer": (NoteList.from_arrays([60, 64], [0, 0], [1, 1]), 16),
    "length 0": ([40], 0),
}
for what, (p, n) in bad_inputs.items():
    try:
        sampling.generate(lstm, p, n)
    except MusicLibError as exc:
        print(f"{what:30s} -> {type(exc).__name__}: {exc}")
try:
    load_melody_lstm(vocab=MelodyVocabulary(36, 84))
except MusicLibError as exc:
    message = str(exc).replace(str(MELODY_LSTM), MELODY_LSTM.name)   # the file name, not the full path
    print(f"{'another vocabulary':30s} -> {type(exc).__name__}: {message}")

# %% [markdown]
# ## 8. Co-composer (协作作曲) · ~10 min
#
# Pick a primer — or type notes like `E5 D5 C5:2` (name + octave, `:length` in quarters,
# `r` for a rest) — choose temperature, top-p and length, and press *Compose*. The widget
# calls `sampling.continue_melody`, which you can also call directly:

# %%
primers = {"test chorale opening": primer,
           "C major arpeggio": sampling.parse_melody("C5 E5 G5 C6:2"),
           "Ode to Joy": sampling.parse_melody("E5 E5 F5 G5 G5 F5 E5 D5 C5 C5 D5 E5 E5:1.5 D5:0.5 D5:2")}
duet = sampling.continue_melody(lstm, primers["Ode to Joy"], 64, temperature=0.8, top_p=0.95, seed=0)
whole = NoteList.from_arrays(duet.pitch, duet.onset, duet.duration)          # primer and continuation, one line
display(with_rests(whole, "Ode to Joy (bars 1-4) and the LSTM's 4 bars"))
display(play(whole, bpm=132, max_seconds=None))

# %% tags=["nbval-ignore-output"]
widgets.co_composer(lstm, primers)


# %% [markdown]
# ## 9. Exercises · ~20 min
#
# **Exercise 1 — an LSTM step.** Write one LSTM step from the formulas of section 1,
# with the weights in an `LSTMParams` (`params.W_xi`, `params.W_hi`, `params.b_i`, … for
# the gates i, f, c, o). Use `rnn_math.sigmoid` or write your own.

# %% nbgrader={"grade": false, "grade_id": "ex4_1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_lstm_step(x_t, h_prev, c_prev, params):
    ### BEGIN SOLUTION
    def gate(g):
        return x_t @ getattr(params, "W_x" + g).T + h_prev @ getattr(params, "W_h" + g).T + getattr(params, "b_" + g)

    i, f, o = (rnn_math.sigmoid(gate(g)) for g in "ifo")
    g = np.tanh(gate("c"))
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    ### END SOLUTION
    return h_t, c_t


# %% nbgrader={"grade": true, "grade_id": "ex4_1", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ex_params = rnn_math.LSTMParams.random(3, 4, rng=7)
ex_rng = np.random.default_rng(8)
ex_x, ex_h, ex_c = ex_rng.normal(size=(2, 3)), ex_rng.normal(size=(2, 4)), ex_rng.normal(size=(2, 4))
_ = check_function("my_lstm_step = rnn_math.lstm_step", lambda *a: np.concatenate(my_lstm_step(*a)),
                   [((ex_x, ex_h, ex_c, ex_params), np.concatenate(rnn_math.lstm_step(ex_x, ex_h, ex_c, ex_params)))],
                   atol=1e-9, hint="c_t = f*c_prev + i*g, h_t = o*tanh(c_t); gate order i, f, c, o")


# %% [markdown]
# **Exercise 2 — top-p.** Given a probability vector, keep the smallest set of most
# likely tokens whose probabilities add up to at least `p` (always at least one), set
# the others to 0 and renormalise.

# %% nbgrader={"grade": false, "grade_id": "ex4_2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_top_p(probs, p):
    ### BEGIN SOLUTION
    probs = np.asarray(probs, dtype=float)
    order = np.argsort(-probs, kind="stable")
    before = np.cumsum(probs[order]) - probs[order]
    keep = np.zeros(len(probs), bool)
    keep[order[before < p]] = True
    keep[order[0]] = True
    out = np.where(keep, probs, 0.0)
    ### END SOLUTION
    return out / out.sum()


# %% nbgrader={"grade": true, "grade_id": "ex4_2", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
cases = []
for seed, p in ((0, 0.5), (1, 0.9), (2, 0.99), (3, 0.01)):
    q = np.random.default_rng(seed).dirichlet(np.ones(8))
    cases.append(((q, p), sampling.next_token_distribution(np.log(q), 1.0, top_p=p)))
cases.append(((np.array([0.5, 0.3, 0.15, 0.05]), 0.8), np.array([0.625, 0.375, 0.0, 0.0])))
_ = check_function("my_top_p = sampling top-p", my_top_p, cases, atol=1e-9,
                   hint="sort descending; keep a token if the mass ranked above it is still < p")


# %% [markdown]
# **Exercise 3 — bits per step.** From a model's log-probabilities (natural log, shape
# `(T, vocab)`) and the true tokens, return the mean number of bits per step.

# %% nbgrader={"grade": false, "grade_id": "ex4_3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_bits_per_step(log_probs, tokens):
    ### BEGIN SOLUTION
    return float(-np.mean(log_probs[np.arange(len(tokens)), tokens]) / np.log(2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_3", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
seq = test.tokens[0]
lp = best_ngram.log_probs(seq)
expected = evaluate(best_ngram, MelodyData([seq], [test.positions[0]], [test.ids[0]], vocab))["bits_per_step"]
_ = check_function("my_bits_per_step on a test chorale", my_bits_per_step, [((lp, seq), expected)], atol=1e-9,
                   hint="pick the true token's log-probability at each step, average, divide by ln 2, negate")

# %% [markdown]
# ## Summary
#
# * An LSTM adds a cell state changed only by a forget gate (×) and an input gate (+);
#   along it the gradient is multiplied by $f_t$, not by $W_{hh}$ and a squashing slope,
#   so it can survive many steps. Our NumPy step equals `keras.layers.LSTM` (i, f, c, o).
# * Measure before you believe: bits per step, accuracy and note-event accuracy over
#   whole held-out pieces, split by tune, beside a tuned n-gram that gets the same
#   information (the bar position), and an ablation that shows what each input is worth.
#   The long-context n-gram is a strong baseline; section 5 says by how much the LSTM
#   beats it, and that it does so on event accuracy only after fine-tuning.
# * Pre-train on all the melodies you have, then fine-tune (微调) on the corpus you are
#   judged on, choosing the epoch on validation: here that stage was worth 5 % of the
#   bits and 0.05 of event accuracy.
# * Listen to whole continuations beside the real one: a table of bits cannot tell you
#   whether a melody goes somewhere. Temperature, top-k and top-p trade safety for
#   variety (section 6 measures it over several samples and primers); a blind A/B
#   test is the honest way to ask "can you tell?", with enough trials.
# * Check generated music for copying with the longest run shared with the training set.
# * Everything here is in `musiclib`: `models.ngram`, `models.melody` (data, the LSTM,
#   training with atomic checkpoints), `sampling`, `pretrained`, and
#   `python -m musiclib.train melody` to reproduce the checkpoint. For larger projects
#   than this lesson, `models.melody` also has what we did not need here: a `tf.data`
#   pipeline with random transposition (`make_dataset`), `stream_midi_folder` to read a
#   large MIDI folder file by file, and training under a `tf.distribute` strategy.

# %% [markdown]
# ## References
#
# * Hochreiter, S., & Schmidhuber, J. (1997). Long short-term memory. *Neural
#   Computation*, 9(8), 1735–1780. — The LSTM cell and why its cell state carries
#   gradients over long lags (section 1).
# * Gers, F. A., Schmidhuber, J., & Cummins, F. (2000). Learning to forget: continual
#   prediction with LSTM. *Neural Computation*, 12(10), 2451–2471. — The forget gate of
#   the cell used here.
# * Chen, S. F., & Goodman, J. (1999). An empirical study of smoothing techniques for
#   language modeling. *Computer Speech & Language*, 13(4), 359–393. — Interpolated
#   Kneser–Ney with continuation counts, the strongest n-gram smoothing in their study
#   (section 3).
# * Kneser, R., & Ney, H. (1995). Improved backing-off for m-gram language modeling.
#   *Proc. ICASSP*, 181–184. — The continuation-count idea.
# * Eck, D., & Schmidhuber, J. (2002). Finding temporal structure in music: blues
#   improvisation with LSTM recurrent networks. *Proc. IEEE Workshop on Neural Networks
#   for Signal Processing*, 747–756. — LSTMs generating melodies with a metrical input.
# * Holtzman, A., Buys, J., Du, L., Forbes, M., & Choi, Y. (2020). The curious case of
#   neural text degeneration. *Proc. ICLR*. — Nucleus (top-p) sampling and why greedy
#   and pure sampling both fail (section 6).
# * Hadjeres, G., Pachet, F., & Nielsen, F. (2017). DeepBach: a steerable model for Bach
#   chorales generation. *Proc. ICML*, 1362–1371. — Neural models of the same Bach
#   chorales, evaluated with a listening test.
# * Howard, J., & Ruder, S. (2018). Universal language model fine-tuning for text
#   classification. *Proc. ACL*, 328–339. — Pre-train on a large corpus, then fine-tune on
#   the target one at smaller learning rates (section 4).
# * Gururangan, S., Marasović, A., Swayamdipta, S., Lo, K., Beltagy, I., Downey, D., &
#   Smith, N. A. (2020). Don't stop pretraining: adapt language models to domains and
#   tasks. *Proc. ACL*, 8342–8360. — Why a second stage on the target domain helps even
#   after broad pre-training.
