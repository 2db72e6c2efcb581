# ---
# jupyter:
#   musiclib:
#     budget_seconds: 120
# ---

# %% [markdown]
# # 00 · Welcome: AI-generated music (AIGC 音乐)
#
# This course takes you from **music as data** to models that **compose**: recurrent networks
# (RNN, LSTM), generative adversarial networks (GAN) and style transfer. Every formula is
# checked against Keras by a test, every model stands beside a simple baseline, and you
# will *hear* and *see* the music in every lesson — offline, on a laptop CPU.
#
# **Learning objectives** — after this notebook you can
#
# 1. check that your machine is ready for the course and fix what is not;
# 2. find your way around the course map and its English/中文 vocabulary;
# 3. load a Bach chorale, look at it as a score and a piano roll, and listen to it;
# 4. say what the `ci`, `cpu` and `full` profiles and the pretrained models are for.
#
# **Prerequisites:** Python and NumPy basics. No music theory is assumed; terms are
# explained when they first appear.
#
# | section | time |
# |---|---|
# | 1. Set-up check | ~3 min |
# | 2. The course map (课程地图) | ~5 min |
# | 3. Glossary (术语表) | ~5 min |
# | 4. A first chorale: see it, hear it | ~5 min |
# | 5. Profiles and pretrained models | ~3 min |
# | 6. Exercise | ~5 min |

# %% [markdown]
# ## 1. Set-up check · ~3 min
#
# Every notebook starts the same way: fix the random seeds (so your numbers match the
# ones printed here, except where a cell says otherwise) and read the **profile**, which decides how much training a
# notebook does. `seed_everything` seeds Python, NumPy and TensorFlow and turns on
# TensorFlow's deterministic mode.

# %%
from musiclib.config import get_profile, seed_everything

seed_everything(0)
PROFILE = get_profile()

# %% [markdown]
# `check_environment()` looks at everything the course needs and prints a fix beside
# each problem. Its output depends on your machine (a GPU, say), so yours may differ
# from the one stored here.

# %% tags=["nbval-ignore-output"]
from musiclib.environment import check_environment

report = check_environment()
report

# %%
print("ready:", report.ok)

# %% [markdown]
# ## 2. The course map (课程地图) · ~5 min
#
# The course follows the concept map of its source article, *AIGC 音乐：突破音乐创作的技术瓶颈*
# ("AI-generated music: breaking through the technical bottlenecks of composition").
# AIGC music rests on three pillars: **deep learning** models that generate, **feature
# extraction** that turns music into numbers the models can learn from, and **style
# transfer**, one of the main applications.

# %% [markdown]
# In the article's own text diagram (文本示意图):
#
# ```
# AIGC 音乐 (AIGC music)
# ├── 深度学习 (deep learning)
# │   ├── RNN   循环神经网络 ........ notebook 03
# │   ├── LSTM  长短期记忆网络 ...... notebook 04
# │   └── GAN   生成对抗网络 ........ notebook 05
# ├── 音乐特征提取 (feature extraction) ... notebook 02
# │   ├── 音高 pitch
# │   ├── 节奏 rhythm
# │   └── 音色 timbre
# └── 音乐风格迁移 (style transfer) ....... notebook 06
#     ├── 风格 A 到风格 B (style A → B)
#     └── 风格融合 (style fusion)
# ```
#
# The same map as a picture, with the notebook that teaches each idea:

# %%
import matplotlib.pyplot as plt

tree = {
    "deep learning": ["RNN (03)", "LSTM (04)", "GAN (05)"],
    "feature extraction (02)": ["pitch", "rhythm", "timbre"],
    "style transfer (06)": ["style A -> B", "style fusion"],
}
fig, ax = plt.subplots(figsize=(11, 3.6))
ax.axis("off")
ax.text(0.5, 0.9, "AIGC music", ha="center", va="center", fontsize=12, bbox=dict(boxstyle="round", fc="#fde9c8"))
for i, (branch, leaves) in enumerate(tree.items()):
    bx = (i + 0.5) / len(tree)
    ax.annotate("", xy=(bx, 0.6), xytext=(0.5, 0.84), arrowprops=dict(arrowstyle="-", color="0.5"))
    ax.text(bx, 0.55, branch, ha="center", va="center", fontsize=10.5, bbox=dict(boxstyle="round", fc="#d6e9f8"))
    for j, leaf in enumerate(leaves):
        lx = bx + (j - (len(leaves) - 1) / 2) * 0.1
        ax.annotate("", xy=(lx, 0.2), xytext=(bx, 0.49), arrowprops=dict(arrowstyle="-", color="0.7"))
        ax.text(lx, 0.15, leaf, ha="center", va="center", fontsize=9, bbox=dict(boxstyle="round", fc="#e3f3dc"))
plt.show()

# %% [markdown]
# The numbers are the notebooks. In order:
#
# | notebook | what you learn | source article |
# |---|---|---|
# | **00_welcome** | set-up, this map, the glossary, a first chorale | §1 background, §1.4 terms, §2.3 |
# | **01_music_as_data** | scores, notes, piano rolls, tokens, MIDI, audio; the datasets | §2.1 basic principle |
# | **02_feature_extraction** | pitch (音高), rhythm (节奏), timbre (音色) from symbols and audio | §1.4.2 |
# | **03_rnn_hidden_state_math** | $h_t = f(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$ by hand = Keras; BPTT; vanishing gradients; the article's RNN program, ported and corrected | §3.1–3.3, §4.1 |
# | **04_lstm_melody_generation** | LSTM gates; an n-gram baseline; train, evaluate, sample, export | §1.4.3, project practice |
# | **05_gan_music_generation** | the article's GAN, ported; minimax; a piano-roll GAN; music metrics | §3.4–3.6 |
# | **06_style_transfer_and_fusion** | style classifier, style A→B, style fusion (风格融合) | §1.4.2, §2.3 |
# | **07_evaluating_generated_music** | judging sets of generated music, copying checks, listening tests | the title's claim (摘要) |
# | **08_attention_transformers_and_aigc_today** | attention, a Transformer beside the LSTM at equal budgets; applications, tools, ethics, FAQ | §6–10 |
#
# Every notebook stands on the library `musiclib`, which grows with the course: once a
# lesson has derived something by hand, later lessons call the library version.

# %% [markdown]
# ## 3. Glossary (术语表) · ~5 min
#
# The article defines the first of these terms (§1.4: AIGC music, deep learning, GAN, RNN,
# LSTM, feature extraction, style transfer, music generation model); the course adds the
# rest. The course uses the English word in code and both in headings.
#
# | English | 中文 | meaning in this course |
# |---|---|---|
# | AI-generated content (AIGC) music | AIGC 音乐 | music produced, wholly or partly, by a model trained on music |
# | deep learning | 深度学习 | learning layered functions (neural networks) from data by gradient descent |
# | recurrent neural network (RNN) | 循环神经网络 | a network that reads a sequence step by step, carrying a hidden state $h_t$ |
# | hidden state | 隐藏状态 | the vector $h_t$ that summarises what the RNN has read so far |
# | long short-term memory (LSTM) | 长短期记忆网络 | an RNN with gates that decide what to keep, forget and output |
# | generative adversarial network (GAN) | 生成对抗网络 | a generator and a discriminator trained against each other |
# | generator / discriminator | 生成器 / 判别器 | the GAN's forger and its critic |
# | feature extraction | 音乐特征提取 | turning music into descriptive numbers: pitch, rhythm, timbre |
# | pitch | 音高 | how high a note is; MIDI number 60 = middle C (C4) |
# | rhythm | 节奏 | when notes start and how long they last |
# | timbre | 音色 | the colour of a sound that tells a flute from a violin |
# | music style transfer | 音乐风格迁移 | re-rendering music in another style while keeping its content |
# | style fusion | 风格融合 | blending two styles into one piece |
# | music generation model | 音乐生成模型 | any model that outputs new music: n-gram, RNN, LSTM, GAN |
# | piano roll | 钢琴卷帘 | a time × pitch grid of which notes sound when |
# | token | 词元 | one symbol of a sequence a model reads or writes |
# | backpropagation through time (BPTT) | 随时间反向传播 | the chain rule applied to an unrolled RNN |
# | fine-tuning | 微调 | a second, shorter training stage on the data a model is for, after pre-training on more |
# | product of experts | 专家乘积 | a model whose score is the sum of several experts' log-scores, each judging one aspect (lesson 06's style transfer) |

# %% [markdown]
# ## 4. A first chorale: see it, hear it · ~5 min
#
# J. S. Bach harmonised hundreds of Lutheran hymn tunes for four voices: soprano, alto,
# tenor and bass. These **chorales** are the course's main dataset: short, consistent in
# style, and free of copyright. They ship inside `music21`, and the course prepared them
# once into small array files (notebook 01 shows how), so loading is quick.

# %%
from musiclib.datasets import load_chorales

chorales = load_chorales()
print(chorales)
piece = chorales["bach/bwv347"]
print(piece.title, "|", piece.key, "|", piece.time_signature, "|", len(piece.notes), "notes")

# %% [markdown]
# `see_and_hear` engraves the score (with `verovio`, no MuseScore needed), draws the
# piano roll (one colour per voice: soprano blue, alto red, tenor green, bass purple) and
# renders the sound offline from a General MIDI soundfont. Press play.

# %%
from musiclib.display import see_and_hear

see_and_hear(piece.notes, title="Chorale BWV 347 (first 32 quarter notes)", bpm=80, max_quarters=32, instrument="organ")

# %% [markdown]
# Listen for the four voices moving mostly together, chord by chord: this is the
# texture the GAN of notebook 05 will try to imitate. The soprano alone is a **melody**,
# the kind of sequence the RNN and LSTM of notebooks 03–04 learn to continue.

# %% [markdown]
# ## 5. Profiles and pretrained models · ~3 min
#
# Training takes time, and a workshop room of twenty laptops has little. Three
# **profiles**, chosen with the environment variable `MUSICLIB_PROFILE` before you start
# JupyterLab, decide how much work each notebook does:
#
# | profile | for | each notebook |
# |---|---|---|
# | `ci` | the automated tests | seconds (tiny training runs) |
# | `cpu` (default) | learning on a laptop | real results within ~5 minutes |
# | `full` | a long run, GPU if present | longer training |
#
# ```bash
# MUSICLIB_PROFILE=full make lab
# ```
#
# From notebook 04 on, generation and evaluation cells load a small **pretrained model**
# shipped with the course, so their results are the same under every profile (and the
# same as printed here). One flag in those notebooks switches to the model you just
# trained. Notebook 03 trains its small models on the spot, so its numbers may differ a
# little with the profile and the machine.
#
# Each notebook ends with exercises whose checkers print `[PASS]` or `[FAIL]` with a hint.
# Instructors: the instructor guide (`docs/instructor_guide.md`) explains how to make the
# student release, grade a class, and plan the sessions.

# %% tags=["nbval-ignore-output"]
print(f"this session uses the {PROFILE.name!r} profile: epochs x{PROFILE.epoch_scale:g}, "
      f"{PROFILE.data_fraction:.0%} of the training data")


# %% [markdown]
# ## 6. Exercise · ~5 min
#
# **Exercise 0.1.** Write `highest_soprano(notes)`: the MIDI number of the highest note the
# *soprano* (part 0) sings in a `NoteList` of all four voices. `notes.pitch` and
# `notes.part` are NumPy arrays of equal length.
#
# Careful: the highest note of the *piece* is not always the soprano's. Voices may cross,
# and the checker includes two passages where the alto rises above the soprano (from
# BWV 183.5 and BWV 114.7).

# %% nbgrader={"grade": false, "grade_id": "ex0_1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def highest_soprano(notes) -> int:
    ### BEGIN SOLUTION
    return int(notes.pitch[notes.part == 0].max())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex0_1", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from musiclib.checks import check_choice, check_function
from musiclib.representation import pitch_name

crossing = chorales["bach/bwv183.5"].notes.window(20, 24)  # quarters 20-24 of BWV 183.5
tests = [piece.notes, crossing, chorales["bach/bwv114.7"].notes.window(8, 12)]
cases = [((n,), int(n.pitch[n.part == 0].max())) for n in tests]
_ = check_function("highest_soprano", highest_soprano, cases,
                   hint="the highest note of all voices is not always the soprano's: keep only part 0 first")
print("in BWV 347 the soprano's highest note is", pitch_name(int(piece.melody.pitch.max()), key=piece.key))
print("in quarters 20-24 of BWV 183.5 (A minor) the soprano reaches",
      pitch_name(int(crossing.pitch[crossing.part == 0].max()), key="a minor"), "but the alto",
      pitch_name(int(crossing.pitch[crossing.part == 1].max()), key="a minor"))

# %%
see_and_hear(crossing, title="BWV 183.5, quarters 20-24: the alto (red) above the soprano (blue)", bpm=70, instrument="organ")

# %% [markdown]
# **Exercise 0.2 (what would change if…).** You run this course on a laptop with the `ci`
# profile instead of `cpu`. What happens to the melodies that notebook 04 *generates*?
# Make `answer_0_2()` return one letter: (a) they get worse, because less training is done;
# (b) they get better; (c) they stay the same, because generation cells load the shipped
# pretrained model; (d) generation is skipped under `ci`.

# %% nbgrader={"grade": false, "grade_id": "ex0_2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def answer_0_2():
    ### BEGIN SOLUTION
    return "c"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex0_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# the digest of "Exercise 0.2:<letter>" (musiclib.checks.answer_digest): the release does not show the answer
_ = check_choice("Exercise 0.2", answer_0_2, "sha256:ed6e5981c69bd7259bd3c5e4c1e21800d64c3f81f9528dc8c2eee854514bfce2",
                 {"a": "worse", "b": "better", "c": "same", "d": "skipped"},
                 hint="reread section 5: what do generation and evaluation cells load?")
### BEGIN HIDDEN TESTS
assert str(answer_0_2()).strip().lower() == "c", "Exercise 0.2: the answer is (c)"
### END HIDDEN TESTS


# %% [markdown]
# ## Summary
#
# - `check_environment()` tells you what works and what to fix.
# - The course follows the article's map: deep learning (RNN, LSTM, GAN), feature
#   extraction (pitch, rhythm, timbre) and style transfer (A→B, fusion).
# - Music is shown as a score and a piano roll and heard through a synthesizer, all
#   offline.
# - Profiles scale the training; pretrained models keep results reproducible.
#
# **Try it yourself.** Play the soprano alone (`see_and_hear(piece.melody, ...)`), then the
# bass alone (`piece.notes.select_part(3)`): which one would you call the tune? Change `bpm`
# and `instrument` in the cell of section 4.
#
# **Next:** [01 · Music as data](01_music_as_data.ipynb) — how a chorale becomes arrays a
# model can read.
#
# ## References
#
# * J. S. Bach, *371 vierstimmige Choralgesänge* (C. P. E. Bach and J. P. Kirnberger eds.,
#   1784–87), as encoded in the music21 corpus — the chorales of section 4.
# * M. S. Cuthbert and C. Ariza, "music21: A toolkit for computer-aided musicology and
#   symbolic music data", *ISMIR* 2010 — the corpus and parsers the datasets are built from.
# * L. Pugin, R. Zitellini and P. Roland, "Verovio: a library for engraving MEI music
#   notation into SVG", *ISMIR* 2014 — the score engraving of `see_and_hear`.
# * J.-P. Briot, G. Hadjeres and F.-D. Pachet, *Deep Learning Techniques for Music
#   Generation*, Springer, 2020 — a survey of the RNN, LSTM, GAN and style-transfer
#   methods on the course map of section 2.
