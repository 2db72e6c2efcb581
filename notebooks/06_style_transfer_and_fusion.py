# ---
# jupyter:
#   musiclib:
#     budget_seconds: 300
# ---

# %% [markdown]
# # 06 · Style transfer and style fusion (风格迁移与风格融合)
#
# "Play this chorale like an Irish jig", "sing this German folk song the Chinese way":
# style transfer (风格迁移) keeps *what* a melody says and changes *how* it says it.
# Style fusion (风格融合) stops half way. Both sound easy, and both are easy to fake: a
# twenty-line rule can fool a style classifier. So this lesson **measures** every
# learned transfer against a rule baseline (规则基线), with a frozen judge, content
# measures in the source's own time grid, and a naturalness score.
#
# **Learning objectives.** After this notebook you can
# 1. describe style with numbers (lesson 02's features) and say which features separate two styles;
# 2. train and read a style classifier (风格分类器): held-out accuracy, confusion matrix;
# 3. write rule baselines and measure them: transfer strength $S$ (Brunner et al. 2018),
#    content preservation, naturalness;
# 4. explain a neural transfer that separates content from style (a style-conditioned
#    decoder with a style embedding), and find the shortcuts it takes with a second judge
#    and checks on the notes;
# 5. build a transfer that avoids them, a product of experts (专家乘积: the target style's
#    rhythm and pitch models times a content expert), and say where the rule still wins;
# 6. fuse two styles by mixing their models and follow $P(\text{target})$ along the path, under two judges.
#
# **Prerequisites.** Notebook 01 (melody tokens: 0 = rest, 1 = hold, 2+k = note-on on a
# 16th grid), notebook 02 (pitch, interval and rhythm features), notebook 04 (n-gram
# bits per step).
#
# | section | time |
# |---|---|
# | 1. Two pairs of styles, in numbers (风格的数字画像) | ~10 min |
# | 2. Style judges (风格分类器) | ~10 min |
# | 3. Rule baselines (规则基线) | ~10 min |
# | 4. A neural transfer: content code + style embedding (学习式风格迁移) | ~15 min |
# | 5. One table per pair (评测), the shortcuts a judge cannot see (捷径检查), and a product of experts (专家乘积) | ~35 min |
# | 6. Style strength against content | ~5 min |
# | 7. Style fusion (风格融合) | ~15 min |
# | 8. Try it: the style mixer | ~5 min |
# | 9. Exercises | ~35 min |
#
# Judges and decoders are **trained once and frozen**: every figure below comes from the
# shipped models (`musiclib/checkpoints/style_transfer*.keras` and its JSON record,
# reproduced by `python -m musiclib.train style`), so every learner sees the same numbers.
# The small models of section 5 (a second judge of trees and the note n-grams) are
# retrained here in seconds; their training is deterministic, and a cell checks that
# they reproduce the record. Section 4 shows how to train your own.

# %%
# %matplotlib inline
from musiclib.config import get_profile, seed_everything

seed_everything(0)
PROFILE = get_profile()

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from musiclib import widgets
from musiclib.audio import play
from musiclib.checks import check_function
from musiclib.display import show_score
from musiclib.features import DURATION_NAMES, PITCH_CLASS_NAMES
from musiclib.models import style, style_checks
from musiclib.representation import MelodyVocabulary, notes_to_tokens, tokens_to_notes

vocab = MelodyVocabulary()
models: style.StyleModels = style.load_style_models()  # the frozen, shipped judges and decoders
record = models.record
print("pairs:", {pair: styles for pair, styles in style.PAIRS.items()})

# %% [markdown]
# ## 1. Two pairs of styles, in numbers (风格的数字画像) · ~10 min
#
# We use two pairs, chosen so that style lives in different places:
#
# * **Bach chorale soprano lines ↔ O'Neill's Irish tunes**: chorales walk in quarter
#   notes, Irish dance tunes run in eighths — style is mostly *rhythm*;
# * **German ↔ Han Chinese folk songs** (both from the Essen collection): both move
#   in eighths and quarters, but German songs are diatonic (seven degrees) and Han songs
#   mostly pentatonic (五声音阶, five degrees: C D E G A) — style is mostly *pitch*.
#
# Everything works on **excerpts**: 16 quarter notes (64 sixteenth steps) of a melody
# moved to C major / A minor, cut at a downbeat. `style.evaluation_excerpts` gives the
# test-split excerpts that all tables of this lesson use: every one there is. The examples
# we look at and listen to are not picked for looking good: for each style, the excerpt
# with the median number of notes.

# %%
excerpts = {pair: style.evaluation_excerpts(pair) for pair in style.PAIRS}
for pair, by_style in excerpts.items():
    print(pair, {s: len(t) for s, t in by_style.items()})
example = {}  # per style, the excerpt shown in this lesson: the one with the median number of notes
for by_style in excerpts.values():
    for s, t in by_style.items():
        n_notes = np.array([len(style_checks.note_events(row)[0]) for row in t])
        example[s] = int(np.argmin(np.abs(n_notes - np.median(n_notes))))
print("examples (test excerpt with the median number of notes):",
      {s: f"#{k}, {len(style_checks.note_events(excerpts[p][s][k])[0])} notes"
       for p in excerpts for s, k in ((s, example[s]) for s in excerpts[p])})
see = {s: tokens_to_notes(t[example[s]], vocab) for by_style in excerpts.values() for s, t in by_style.items()}
german_train: style.Excerpts = style.style_excerpts("german", "train")
print(f"German training excerpts: {len(german_train)} from {len(set(german_train.piece))} songs")

# %%
for s in ("chorale", "irish"):
    display(show_score(see[s], title=f"a {s} excerpt"))
    display(play(see[s], bpm=100, max_seconds=5))

# %% [markdown]
# Lesson 02's features, made key-free: `style.style_features` is the pitch-class
# histogram rotated to the key's tonic (12 numbers), the interval histogram (25) and the
# note-length histogram (8). Which of the 45 numbers separate each pair? We rank them by
# the difference of the two styles' means in units of their pooled standard deviation
# (an effect size, Cohen's *d*).

# %%
FEATURE_NAMES = ([f"pc {n}" for n in PITCH_CLASS_NAMES] + [f"interval {k:+d}" for k in range(-12, 13)]
                 + [f"length {n}" for n in DURATION_NAMES])


def feature_matrix(tokens):
    return np.array([style.style_features(tokens_to_notes(t, vocab)) for t in tokens])


feats = {s: feature_matrix(t) for by_style in excerpts.values() for s, t in by_style.items()}
for a, b in style.PAIRS.values():
    pooled = np.sqrt((feats[a].var(axis=0) + feats[b].var(axis=0)) / 2) + 1e-9
    d = (feats[b].mean(axis=0) - feats[a].mean(axis=0)) / pooled
    top = np.argsort(-np.abs(d))[:5]
    print(f"{a} vs {b}: " + ", ".join(f"{FEATURE_NAMES[i]} (d = {d[i]:+.1f})" for i in top))

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3), sharey=True)
for ax, (pair, (a, b)) in zip(axes, style.PAIRS.items(), strict=True):
    for s, shift in ((a, -0.2), (b, 0.2)):
        ax.bar(np.arange(12) + shift, feats[s][:, :12].mean(axis=0), width=0.4, label=s)
    ax.set_xticks(range(12), PITCH_CLASS_NAMES)
    ax.set_title(f"{pair}: key-relative pitch classes")
    ax.legend()
axes[0].set_ylabel("share of notes")
fig.tight_layout()
plt.show()

# %% [markdown]
# Read the ranking: the chorale/Irish pair is told apart by note lengths (quarters
# against eighths). The German/Han pair is told apart above all by sixteenth notes, more
# common in the Han songs, and by intervals: semitone steps (±1, the steps E–F and B–C that
# a pentatonic tune does not have) against minor thirds (+3 and −3, the pentatonic "gap"
# steps E–G and A–C). The pitch-class bars show part of it from the other side: B (degree 7)
# is rare in the Han songs. F (degree 4) is not rarer there than in the German songs: the bars
# are counted from each excerpt's estimated key, and the key estimate of a five-note tune can
# put one of its own notes on degree 4. The rules below act on both F and B.
#
# ## 2. Style judges (风格分类器) · ~10 min
#
# A transfer is only as good as the judge that scores it, so the judges are trained
# once on the training tunes (the split is by tune, so no test tune was seen), frozen,
# and shipped:
#
# * a **linear judge**: logistic regression on the 45 features above (`style.LinearJudge`);
# * a **token judge**: a small 1-D CNN over the token grid (`style.TokenJudge`): at each
#   step the pitch class, the height relative to the excerpt's mean, and the position in the beat.
#
# Both return $P(\text{style B})$ for an excerpt. Here are their held-out accuracies and
# confusion matrices on the test excerpts.

# %%
def confusion(p_b, y):
    pred = (p_b > 0.5).astype(int)
    return np.array([[np.sum((y == i) & (pred == j)) for j in (0, 1)] for i in (0, 1)])


for pair, (a, b) in style.PAIRS.items():
    tokens = np.concatenate([excerpts[pair][a], excerpts[pair][b]])
    y = np.array([0] * len(excerpts[pair][a]) + [1] * len(excerpts[pair][b]))
    for kind, judge in (("token", models.token[pair]), ("linear", models.linear[pair])):
        m = confusion(judge.predict_proba(tokens), y)
        print(f"{pair:<14} {kind:<6} judge: accuracy {np.trace(m) / m.sum():.3f}; "
              f"true {a}: {m[0].tolist()}, true {b}: {m[1].tolist()}  (columns: called {a}, called {b})")

# %% [markdown]
# What did the linear judge learn? Its largest weights (on standardised features) include
# the semitone steps and the sixteenths of section 1, and leaps the ranking did not list:
# falling fourths (−5) and minor sevenths (−10) point towards Han. The token judge is a
# small network:

# %%
lin: style.LinearJudge = models.linear["german_han"]
order = np.argsort(lin.w)
print("towards German:", ", ".join(f"{FEATURE_NAMES[i]} ({lin.w[i]:+.2f})" for i in order[:4]))
print("towards Han   :", ", ".join(f"{FEATURE_NAMES[i]} ({lin.w[i]:+.2f})" for i in order[::-1][:4]))
token_judge: style.TokenJudge = models.token["german_han"]
print("token judge parameters:", token_judge.keras_model.count_params())

# %% [markdown]
# The rows of the confusion matrices are the true style, the columns the judge's call: the diagonal holds the
# correct calls.
#
# **A warning before we trust a judge.** A judge can be gamed. Halve every duration of
# a chorale and it "runs in eighths" like a reel; nothing about the tune changed except
# the time grid. Let us see how often that fools the token judge:

# %%
def halve_durations(t):
    """The same notes twice as fast, padded with rests to the excerpt's length."""
    notes = tokens_to_notes(t, vocab)
    fast = type(notes).from_arrays(notes.pitch, notes.onset / 2, notes.duration / 2)
    return notes_to_tokens(fast, vocab, n_steps=len(t), polyphony="highest")  # 16ths become 32nds: keep one


src = excerpts["chorale_irish"]["chorale"][:60]
fooled = models.p_target(np.stack([halve_durations(t) for t in src]), "irish")
print(f"chorale excerpts played twice as fast, called Irish by the token judge: {np.mean(fooled > 0.5):.2f}")

# %% [markdown]
# That is why **content is always measured in the source's own time grid** below: an
# output that changes the grid loses its onsets, beats and contour against the source,
# and pays for it in the content score.
#
# ## 3. Rule baselines (规则基线) · ~10 min
#
# Twenty lines of music theory each, in `style.rule_transfer`:
#
# * **chorale → Irish**: a note filling a whole beat becomes two eighths, the second a
#   passing tone when the next beat is a third or more away, otherwise a step away from it
#   or an upper neighbour (running eighths); **Irish → chorale**: each beat
#   becomes one quarter on the pitch heard at the beat;
# * **German → Han**: degrees 4 and 7 move to the nearest pentatonic degree (F → E, B → C);
#   **Han → German**: a minor-third step (E–G, A–C) gets a passing tone (F, B).
#
# A small hand example of each, as note names:

# %%
def names(t):
    return " ".join(vocab.token_name(int(x)) for x in t if x >= 2)


hymn = style.melody_tokens(tokens_to_notes(np.array([2 + 24, 1, 1, 1, 2 + 23, 1, 1, 1, 2 + 21, 1, 1, 1,
                                                     2 + 24, 1, 1, 1]), vocab))[0]
print("chorale       :", names(hymn))
print("  -> Irish    :", names(style.rule_transfer(hymn, "chorale", "irish")))
song = np.array([2 + 12, 1, 1, 1, 2 + 17, 1, 2 + 16, 1, 2 + 14, 1, 1, 1, 2 + 23, 1, 2 + 24, 1])
print("German song   :", names(song))
print("  -> Han      :", names(style.rule_transfer(song, "german", "han")))
han = np.array([2 + 16, 1, 1, 1, 2 + 19, 1, 1, 1, 2 + 21, 1, 1, 1, 2 + 24, 1, 1, 1])
print("Han song      :", names(han))
print("  -> German   :", names(style.rule_transfer(han, "han", "german")))

# %% [markdown]
# How do we score a transfer A → B? Three kinds of numbers, each for both directions:
#
# * **transfer strength** $S_{A\to B}$ = the share of transferred excerpts the frozen
#   judge calls B (a threshold at 0.5); $S_{tot} = (S_{A\to B} + S_{B\to A}) / 2$, after
#   Brunner et al. (2018). It is
#   also "the share of outputs judged target-style";
# * **content preservation** against the source, on the source's grid
#   (`style.content_scores`): onset F1 (note starts on the same 16th steps), beat-level
#   pitch-class agreement, contour agreement (beat pitches move the same way). Each pair
#   averages what it means to keep: chorale/Irish keeps beat pitches and contour (its
#   rhythm is the style); German/Han keeps onsets and contour (its scale is the style);
# * **naturalness**: bits per step of the output under a 4-gram fitted on the *target*
#   style's training excerpts, beside the bits of real target melodies. Lower is more natural.
#
# The measures are computed in section 5 for all methods at once.
#
# ## 4. A neural transfer: content code + style embedding (学习式风格迁移) · ~15 min
#
# A learned transfer needs a representation in which content and style are separate, so
# that we can keep one and swap the other. Style-transfer VAEs learn the split (EC2-VAE,
# Yang et al. 2019, has separate pitch and rhythm latents); here we make the split
# explicit and learn the rest, which trains on a CPU in a few minutes:
#
# * the **content code** (`style.content_code`) is what we decide to keep — for
#   chorale/Irish the pitch sounding at each beat; for German/Han the rhythm, the
#   contour as signed interval classes (unison / step-or-third / fourth-fifth / larger)
#   and a coarse register band. It deliberately leaves open what the style decides:
#   the rhythm inside the beat, the exact scale degree;
# * the **style** is a learned 8-d embedding $e_A$, $e_B$;
# * the **decoder** (`style.StyleDecoder`), two bidirectional GRU layers, reads the
#   content code and the style embedding and predicts every step's token.
#
# Trained as an autoencoder on both styles, the decoder can only fill the gaps from the
# style embedding. To transfer A → B we decode A's content code with $e_B$; fusing the
# two styles uses $(1-s)\,e_A + s\,e_B$. For German/Han the decoder picks only the pitch
# of each note (the rhythm is the source's).
#
# Here is the content code of a German excerpt's first beat (4 steps × 17 numbers), and
# a check that it does not tell D–E–D from D–F–D (same register band, both in the
# step-or-third class):

# %%
code = style.content_code(excerpts["german_han"]["german"][0], "german_han")
print("content code shape:", code.shape)
print(code[0, :4].astype(int))
same_code = np.array_equal(style.content_code(np.array([2 + 14, 1, 1, 1, 2 + 16, 1, 1, 1, 2 + 14, 1]), "german_han"),
                           style.content_code(np.array([2 + 14, 1, 1, 1, 2 + 17, 1, 1, 1, 2 + 14, 1]), "german_han"))
print("D-E-D and D-F-D have the same content code:", same_code)

# %% [markdown]
# The decoder's style embeddings are the two rows of its `style_embedding` layer:

# %%
decoder: style.StyleDecoder = models.decoders["german_han"]
e = decoder.keras_model.get_layer("style_embedding").get_weights()[0]
print("e_German:", np.round(e[0], 2))
print("e_Han   :", np.round(e[1], 2))
print("recipe:", style.StyleRecipe())

# %% [markdown]
# A decoder trained as an autoencoder can learn to read the style from the content code
# itself (rhythm and interval classes do differ between styles) and then partly ignore
# the embedding. At decoding time we therefore also push the output *away from* the
# source style, as in classifier-free guidance (Ho & Salimans 2022): with $\log p_B$ and $\log p_A$ the
# decoder's log-probabilities under the two embeddings,
# $\log p = \log p_B + g(\log p_B - \log p_A)$. The weight $g$ was chosen on the
# validation split (largest $S_{tot}$ with content ≥ 0.85), and the record keeps the sweep.
#
# The two shipped decoders, as recorded (profile, seconds on a loaded 2-core machine):

# %% tags=["nbval-ignore-output"]
for pair, rec in record["pairs"].items():
    print(f"{pair}: {rec['excerpts']['train']} training excerpts, decoder trained in {rec['decoder_seconds']:.0f} s, "
          f"loss per epoch {rec['decoder_history']['loss']}")
    print(f"  guidance on validation: {rec['guidance_on_validation']}; chosen g = {rec['guidance']}")
print("whole command:", record["command"], f"({record['seconds']:.0f} s, {record['cpu_seconds']:.0f} CPU s,"
      f" profile {record['profile']})")

# %% [markdown]
# To train your own (about 10 minutes on a laptop for both pairs under the `cpu`
# profile; seconds under `ci`), set `TRAIN_HERE = True`. The rest of the notebook keeps
# using the shipped models unless you also set `USE_PRETRAINED = False`.

# %% tags=["nbval-ignore-output"]
TRAIN_HERE = False
USE_PRETRAINED = True
if TRAIN_HERE:
    import tempfile
    from pathlib import Path

    my_record = Path(tempfile.mkdtemp()) / "my_style.json"
    _ = style.train_style(my_record, profile=PROFILE.name)
    if not USE_PRETRAINED:
        models = style.load_style_models(my_record)
print("using", "the shipped models" if USE_PRETRAINED else "your models")

# %% [markdown]
# Both directions of both pairs: each source excerpt and the decoder's transfer, seen and
# heard, with the rule's output as note names and the token judge's $P(\text{target})$ for all three.

# %%
def show_three(source, target, k, bpm, method="decoder", show_source=True):
    """Source and a method's output as scores and sound (4 s each); the rule's output as note names."""
    pair = next(p for p, st in style.PAIRS.items() if source in st)
    src_t = excerpts[pair][source][k]
    rule_t = style.rule_transfer(src_t, source, target)
    out_t = style.transfer_tokens(models, method, src_t[None, :], source, target)[0]
    p = models.p_target(np.stack([src_t, rule_t, out_t]), target)
    print(f"rule, P({target}) = {p[1]:.2f}: {names(rule_t)}")
    for label, t, q in (("source", src_t, p[0]), (method, out_t, p[2])):
        notes = tokens_to_notes(t, vocab)
        print(f"{label}, P({target}) = {q:.2f}: {names(t)}")
        if len(notes) == 0 or (label == "source" and not show_source):
            continue
        display(show_score(notes.window(0, 8), title=f"{source} -> {target}: {label} (first 8 quarters)"))
        display(play(notes, bpm=bpm, max_seconds=4))


show_three("chorale", "irish", example["chorale"], bpm=90)

# %%
show_three("irish", "chorale", example["irish"], bpm=90)

# %%
show_three("german", "han", example["german"], bpm=100)

# %%
show_three("han", "german", example["han"], bpm=100)

# %% [markdown]
# Not every transfer above works: the decoder's Han → German output is full of A♭ and C♯,
# notes outside C major, yet the token judge calls it German ($P$ 1.00). Section 5.1 checks
# it note by note.

# %% [markdown]
# ## 5. One table per pair (评测) · ~10 min
#
# Now every method on every test excerpt: identity (the source itself, a floor for $S$ and
# a ceiling for content), rule, decoder. $S$ under the frozen token judge, with $S_{tot}$
# under the linear judge in the column "S_tot lin"; content measures; naturalness in bits per step
# under the target style's 4-gram (`style.measure_methods`). The table also measures a
# fourth method, `learned`, which section 5.2 builds; we print its row there.

# %%
tables = {}
for pair in style.PAIRS:
    ngrams = style.target_ngrams(pair)
    tables[pair] = style.measure_methods(pair, excerpts[pair], models.token[pair], models.linear[pair],
                                         models.decoders[pair], ngrams, models.guidance(pair), models.expert(pair))
    print(pair)
    print(style.format_methods(pair, {m: r for m, r in tables[pair].items() if m != "learned"}))
    print()

# %%
same = all(abs(tables[p][m][k] - record["pairs"][p]["methods"][m][k]) < 1e-3
           for p in tables for m in tables[p] for k in ("s_tot", "content", "step_bits"))
print("the tables reproduce the shipped record:", same)

# %% [markdown]
# **Reading the tables.** (Every figure here is printed above.)
#
# * **Chorale ↔ Irish.** The rule reaches $S_{tot}$ 0.82 and keeps the content (1.00: beat
#   pitches and contour; onsets are not counted, since the rule changes them on purpose),
#   and its chorale → Irish outputs are *more* predictable to the
#   Irish 4-gram (1.41 bits/step) than real Irish excerpts (1.71). The decoder
#   reaches about the same strength (0.87) with less content (0.94) and far less natural
#   output: 4.54 bits/step for chorale → Irish. **On this pair the decoder adds
#   nothing over twenty lines of rules; the rule wins.** Style that lives in rhythm is
#   easy to write down.
# * **German ↔ Han.** Here the rule barely moves the judges ($S_{tot}$ 0.18 under the token
#   judge, 0.28 under the linear one): swapping F and B for E and C does not make a
#   German tune Han. The decoder reaches 0.81 (0.69 under the linear judge) with
#   every onset kept (onset F1 1.00) but a weaker contour (0.78 on this table's measure,
#   the contour of the beat pitches, against 0.95 for the rule). Its outputs are **less
#   natural than the rule's**: Han → German outputs cost
#   3.37 bits/step under the German 4-gram, against 2.94 for the rule and 1.53 for real
#   German excerpts; German → Han 1.72 against the rule's 1.62. Han → German is judged
#   German for almost every excerpt (0.99) while sounding least German to the n-gram: the
#   strong guidance ($g$ = 4) found what the judge listens for rather than a natural
#   German tune. Listen to the Han → German example of section 4: the decoder's output uses
#   A♭, B♭ and C♯, notes outside C major that both styles rarely use — "not pentatonic" is
#   enough for the judge.
#   Treat a high $S$ with suspicion until naturalness and your ears agree.

# %% [markdown]
# ### 5.1 Shortcuts a judge cannot see (捷径检查) · ~10 min
#
# The token judge chose the decoder's guidance, and the linear judge reads the same kind
# of token statistics. A transfer can satisfy them in ways a listener would not accept: cut every
# note into sixteenths, or leave the key. So we check the **notes** of every output
# (`musiclib.models.style_checks`):
#
# * a **second judge** of another family, never used for any choice: gradient-boosted
#   trees (`TreeJudge`) on interval, scale-degree and rhythm statistics of each excerpt
#   (`melody_statistics`), trained on the training split. $S_2$ is the share it calls the
#   target style, with a 95 % Wilson interval; $\bar P_2$ is its mean $P(\text{target})$,
#   a strength that does not hide how sure the judge is;
# * **rhythm**: the total-variation distance between the histogram of note-to-note gaps
#   of the outputs and of real target melodies (0 = alike, 1 = nothing shared);
# * **key**: the share of notes outside C major (the excerpts are in C major / A minor);
# * **degenerate**: outputs with one distinct pitch, or one pitch five times in a row
#   where the source had no such run;
# * **natural**: bits per note under an n-gram on (interval, gap) note symbols trained on
#   the target style (`NoteNGram`), beside real target melodies and the same melodies with
#   their pitches shuffled;
# * **content**: the correlation of the pitch curves on the sixteenth grid
#   (`contour_r`) and the share of the source's interval directions kept.

# %%
second = {}
for pair, (a, b) in style.PAIRS.items():
    judge2, note_ngrams = style_checks.train_second_judge(pair)  # on the training split
    test_x = np.concatenate([excerpts[pair][a], excerpts[pair][b]])
    test_y = np.r_[np.zeros(len(excerpts[pair][a])), np.ones(len(excerpts[pair][b]))]
    acc = np.mean((judge2.predict_proba(test_x) > 0.5) == test_y)
    second[pair] = {"judge": judge2, "ngram": note_ngrams}
    print(f"{pair}: second judge, {style_checks.melody_statistics(test_x).shape[1]} statistics per excerpt, "
          f"test accuracy {acc:.3f}")

# %% [markdown]
# `style_checks.check_direction` runs every check for identity, rule, decoder (and the
# `learned` method of section 5.2) in one direction, and measures real and shuffled target
# melodies beside them.

# %%
checks = {}
for pair, (a, b) in style.PAIRS.items():
    for src, tgt in ((a, b), (b, a)):
        rows, refs = style_checks.check_direction(models, src, tgt, excerpts[pair][src], excerpts[pair][tgt],
                                                  second[pair]["judge"], second[pair]["ngram"][tgt])
        checks[(src, tgt)] = (rows, refs)
        print(f"{src} -> {tgt} ({len(excerpts[pair][src])} test excerpts); real {tgt}: "
              f"{refs['real_naturalness_bits']:.2f} bits/note, shuffled {refs['shuffled_naturalness_bits']:.2f}, "
              f"out of scale {refs['real_out_of_scale']:.3f}")
        print(f"  {'method':<9}{'S1':>5}{'S2':>6}{'S2 95% CI':>12}{'P2':>6}{'rhythm':>8}{'out key':>8}"
              f"{'degen':>7}{'bits':>6}{'r':>6}{'dir':>6}")
        for name, r in rows.items():
            if name == "learned":
                continue  # printed in section 5.2
            lo, hi = r["s_second_judge_ci"]
            print(f"  {name:<9}{r['s']:>5.2f}{r['s_second_judge']:>6.2f}{lo:>6.2f}-{hi:<5.2f}{r['p_second_judge']:>6.2f}"
                  f"{r['rhythm_tv']:>8.2f}{r['out_of_scale']:>8.3f}{r['degenerate_rate']:>7.2f}"
                  f"{r['naturalness_bits']:>6.2f}{r['contour_r']:>6.2f}{r['interval_sign']:>6.2f}")

# %%
same = all(abs(checks[(src, tgt)][0][m][k] - record["pairs"][p]["methods"][m]["directions"][f"{src}->{tgt}"][k]) < 1e-3
           for p, (a, b) in style.PAIRS.items() for src, tgt in ((a, b), (b, a))
           for m in ("identity", "rule", "decoder", "learned")
           for k in ("s_second_judge", "naturalness_bits", "rhythm_tv", "out_of_scale", "degenerate_rate"))
print("the checks reproduce the shipped record:", same)

# %% [markdown]
# Each figure of the table is an average of checks you can run on one melody. Here they
# are for the example Han excerpt of section 4 (the one with the median number of notes) and
# the decoder's transfer to German.

# %%
han_t = excerpts["german_han"]["han"][example["han"]:example["han"] + 1]
german_t = models.decoders["german_han"].transfer(han_t, "han", "german", 1.0, models.guidance("german_han"))
judge2: style_checks.TreeJudge = second["german_han"]["judge"]  # trained on German and Han excerpts
german_ngram: style_checks.NoteNGram = second["german_han"]["ngram"]["german"]
print("source :", names(han_t[0]))
print("decoder:", names(german_t[0]))
print(f"P(german) under the second judge {judge2.p_target(german_t, 'german')[0]:.2f}; "
      f"out of C major {style_checks.out_of_scale_share(german_t):.2f}; "
      f"degenerate {style_checks.is_degenerate(han_t[0], german_t[0])}")
print(f"{german_ngram.bits_per_note(german_t):.2f} bits/note under the German note n-gram "
      f"({german_ngram.bits_per_note(style_checks.shuffled_melodies(german_t)):.2f} with its pitches shuffled); "
      f"contour r {style_checks.contour_r(han_t[0], german_t[0]):.2f}; "
      f"interval directions kept {style_checks.interval_sign_agreement(han_t[0], german_t[0]):.2f}")

# %% [markdown]
# **Reading the checks.** (Every figure is printed above; the second judge tells the test
# excerpts apart 0.939 of the time for chorale/Irish and 0.980 for German/Han.)
#
# * **Chorale → Irish is easy for any judge.** Both judges call the rule's and the decoder's
#   outputs Irish every time ($S_2$ 1.00, 95 % interval 0.96–1.00), so strength cannot tell
#   the methods apart here. Rhythm and naturalness can: the rule's note-to-note gaps are close
#   to real Irish tunes (distance 0.25), the decoder's are not (0.73: far busier, as the
#   example of section 4 shows), a third of them are degenerate (0.33), and they cost 5.68
#   bits per note under the Irish note n-gram, against 3.71 for real Irish tunes and 3.19
#   for the rule. **In this direction the rule beats the decoder**, because style that lives
#   in rhythm is written down in a few lines, and the decoder found a cheaper rhythm than the
#   real one.
# * **Irish → chorale** convinces the second judge far less than the token judge: $S_2$
#   0.42 for the rule and 0.49 for the decoder, against $S_1$ 0.64 and 0.73.
#   Neither sounds like a chorale to the note n-gram: 5.61 and 6.14 bits per note, against
#   3.76 for real chorale melodies and 6.53 for shuffled ones.
# * **Han → German took a shortcut.** The token judge says German for 0.99 of the
#   outputs, the second judge for 0.61. 43 % of their notes are outside C major (real
#   German songs: 2.4 %), 49 % are degenerate (one pitch throughout, or one pitch five
#   times in a row where the source had no such run), and at 6.27
#   bits per note they are about as natural as shuffled German melodies (6.33). The example
#   excerpt, checked note by note above, shows it: A♭, B♭ and C♯ in a tune in C (81 % of
#   its notes out of key), and the second judge still hears Han ($P(\text{german})$ 0.06).
# * **German → Han** is called Han by the second judge half the time (0.54, 0.49–0.60);
#   10 % of its outputs are degenerate. The first of them, test excerpt 2, is printed below:
#   one pitch, six times. It is a failure, not a transfer. (The example of section 4 is not
#   degenerate: the decoder kept its rhythm and moved it to C D E A, called Han with $P$ 0.66.)
# * **Content.** The decoder's German ↔ Han transfer keeps the source's pitch curve with a
#   correlation of 0.79–0.80 (the rule: 0.98–0.99; this is the correlation of the pitch
#   curves on the sixteenth grid, the `r` column, not the table's beat contour). The decoder
#   keeps the source's rhythm on this pair, so its rhythm distance, 0.29 (the same as the
#   unchanged source's), is simply how differently German and Han songs move in time; the
#   rule's passing tones move Han → German to 0.41.
#
# So a high $S$ under the judge the decoder was tuned with did not mean a good transfer.
# Two remedies: give pitch and rhythm separate latents as EC2-VAE does (Yang et al.
# 2019), or decode under the target style's own models with a separate expert for the
# content (a product of experts). Section 5.2 builds the second; whatever you try, run
# these checks on it.

# %%
german_src = excerpts["german_han"]["german"]
german_dec = models.decoders["german_han"].transfer(german_src, "german", "han", 1.0, models.guidance("german_han"))
k_bad = next(k for k, (x, y) in enumerate(zip(german_src, german_dec)) if style_checks.is_degenerate(x, y))
bad, bad_out = german_src[k_bad], german_dec[k_bad]
pitches, onsets = style_checks.note_events(bad_out)
print(f"the first degenerate decoder output, German -> Han, test excerpt {k_bad}:", names(bad_out))
print(f"{np.unique(pitches).size} distinct pitch(es) in {pitches.size} notes; degenerate: "
      f"{style_checks.is_degenerate(bad, bad_out)}; gaps histogram {np.round(style_checks.ioi_histogram(bad_out), 2)}")

# %% [markdown]
# ### 5.2 A cure: a product of experts (专家乘积) · ~15 min
#
# The decoder had to learn content and style in one network, with a judge pulling on it,
# and it found the cheap ways. So split the work between **experts**, each simple enough
# to check, and ask for an output that all of them accept — a *product of experts*
# (Hinton 2002): the output's score is the sum of the experts' log-scores.
#
# * A **rhythm expert** of the target style: an n-gram over the gaps between onsets,
#   $P(\text{gap} \mid \text{position in the bar}, \text{previous gap})$, counted on the
#   target's training excerpts (`style_experts.RhythmModel`). The output's onsets are
#   **sampled** from it inside the source's sounding spans (the source's rests stay), so its
#   rhythm vocabulary is the target's by construction. It samples rather than taking the
#   likeliest gap: in Irish tunes an eighth on the downbeat is followed by another eighth
#   three times in four (printed below), so always taking it would give the rule's running
#   eighths again.
# * A **pitch expert** of the target style: a trigram over the pitches of its training
#   excerpts in C major / A minor (`style_experts.PitchModel`).
# * A **content expert**: each new note pays $\lambda$ times the root-mean-square distance,
#   in semitones, to the source pitches that sound while it sounds. It keeps the melody's
#   shape in the source's own time grid. Before it measures, the source's pitches are
#   stretched about their mean by $k = \sigma_{\text{target}} / \sigma_{\text{source}}$, the
#   ratio of the two styles' **pitch spreads** $\sigma$ (the mean standard deviation of an
#   excerpt's pitches, counted on the training excerpts; `style_experts.range_factor`). Han tunes and Irish tunes range wider than German songs
#   and chorale melodies (printed below), so a German melody moved to Han keeps its shape but
#   takes a Han range. The shape is what the contour correlation measures, and a stretch
#   does not change a correlation.
# * A **repeat penalty**: a pitch struck a third time in a row pays 3 nats, which rules out
#   the degenerate outputs of section 5.1.
#
# The pitches are then the best path under trigram + content + penalty, found exactly by
# the Viterbi algorithm: dynamic programming over the notes, whose state is the previous
# two pitches (48 × 48 states), keeping for each state the best score and where it came from.
# For style fusion each style model becomes the geometric mix
# $P_{\text{source}}^{1-s}\,P_{\text{target}}^{s}$ (section 7). This is "decoding
# constrained by the target style's n-gram", in the spirit of Markov constraints (Pachet &
# Roy 2011). It is learned in the sense that every style model is counted from data,
# while the content expert is written by hand.
#
# Two weights were chosen per direction on the **validation** split with the **token
# judge** only: $\lambda$ (0.5–2) and a bonus for an onset where the source leaps (0–4).
# Of all pairs of settings, the one with the highest $S_{tot}$ whose mean contour
# correlation stays at least 0.82 (chorale/Irish) or 0.87 (German/Han) was kept: we ask a
# pair's two directions for a test contour correlation of 0.80 and 0.85 on average, and
# add 0.02 for the step from validation to test. The second judge and the naturalness
# n-gram never saw these choices. The stretch $k$ is not tuned: it is the ratio of the
# spreads. We tried it on the validation split with the token judge before keeping it,
# and the cell after next measures what it does on test. One alternative, moving each
# stretched note onto the target's scale, was dropped after we had seen its naturalness on
# test, so that one comparison was not blind (docs/FACTS.md).

# %%
for pair, rec in record["pairs"].items():
    ex = rec["experts"]
    print(f"{pair} (contour aim on validation {ex['min_contour_r']}; counted from "
          f"{ex['train_excerpts_per_style']} training excerpts per style):")
    for direction, chosen in ex["settings"].items():
        row = next(r for r in ex["sweep_on_validation"][direction]
                   if (r["lam"], r["move_bonus"]) == (chosen["lam"], chosen["move_bonus"]))
        print(f"  {direction:<16} lambda {chosen['lam']}, leap bonus {chosen['move_bonus']}: "
              f"validation S {row['s']:.2f}, contour r {row['contour_r']:.2f} "
              f"(of {len(ex['sweep_on_validation'][direction])} settings)")

# %%
# what the range stretch does: the same experts with k = 1 (range_match 0), on every test excerpt
from dataclasses import replace

from musiclib.models import style_experts

for pair, (a, b) in style.PAIRS.items():
    experts_pair = models.expert(pair)
    spreads = {st: experts_pair.pitch[st].spread for st in (a, b)}
    unstretched = experts_pair.with_settings({k: replace(v, range_match=0.0) for k, v in experts_pair.settings.items()})
    for src, tgt in ((a, b), (b, a)):
        k_full = style_experts.range_factor(spreads[src], spreads[tgt], 1.0)
        print(f"{src} -> {tgt}: spreads {spreads[src]:.2f} -> {spreads[tgt]:.2f} semitones, k = {k_full:.2f}")
        for label, m in (("stretched", experts_pair), ("k = 1", unstretched)):
            out = m.transfer(excerpts[pair][src], src, tgt)
            r = np.mean([style_checks.contour_r(x, y) for x, y in zip(excerpts[pair][src], out, strict=True)])
            print(f"  {label:<10} S1 {np.mean(models.p_target(out, tgt) > 0.5):.2f}, "
                  f"S2 {np.mean(second[pair]['judge'].p_target(out, tgt) > 0.5):.2f}, contour r {r:.2f}, "
                  f"{second[pair]['ngram'][tgt].bits_per_note(out):.2f} bits/note")

# %% [markdown]
# The experts are small enough to read. Here is the rhythm expert of each style for a
# note that starts on the downbeat after an eighth: the chance that the next note comes a
# sixteenth, an eighth, a quarter or a half note later.

# %%
experts_ci: style_experts.ExpertTransfer = models.expert("chorale_irish")
for st in ("chorale", "irish"):
    rhythm_model: style_experts.RhythmModel = experts_ci.rhythm[st]
    p_gap = np.exp(rhythm_model.log_p[0, 2])  # position 0 in the bar, previous gap 2 sixteenths
    print(f"{st:<8} P(next gap = 1, 2, 4, 8 sixteenths) = {np.round(p_gap[[0, 1, 3, 7]], 2)}")
pitch_model: style_experts.PitchModel = experts_ci.pitch["chorale"]
after_ed = np.exp(pitch_model.log_p3[64 - 48, 62 - 48])  # after E4 D4 in a chorale melody
print("chorale, after E4 D4, the likeliest next pitches:",
      [(names([2 + int(k)]), round(float(after_ed[k]), 2)) for k in np.argsort(after_ed)[::-1][:3]])

# %% [markdown]
# The content weight $\lambda$ decides how closely the output follows the source. A small
# version of the tuning on 30 validation excerpts per style, two values of $\lambda$
# (`style_experts.tune_experts`, which the training command runs over 16 settings per
# direction on up to 150 validation excerpts per style):

# %%
valid_small = {s: style.style_excerpts(s, "valid", limit=30).tokens for s in ("chorale", "irish")}
small_settings, small_sweep = style_experts.tune_experts(experts_ci, valid_small, models.p_target, min_contour_r=0.82,
                                                         lams=(0.5, 4.0), move_bonuses=(0.0,))
for direction, rows in small_sweep.items():
    print(direction, [(r["lam"], r["s"], r["contour_r"]) for r in rows], "-> chosen lambda", small_settings[direction].lam)
hugging = experts_ci.with_settings(style_experts.ExpertSettings(lam=4.0)).transfer(
    excerpts["chorale_irish"]["chorale"][example["chorale"]:example["chorale"] + 1], "chorale", "irish")
print(f"chorale test excerpt {example['chorale']}, lambda = 4:", names(hugging[0]))

# %% [markdown]
# On these 30 excerpts the tuning keeps $\lambda$ = 0.5 in both directions: $\lambda$ = 4
# raises the contour (0.91 → 0.97 for chorale → Irish, 0.74 → 0.85 for Irish → chorale) but
# costs chorale → Irish some strength (1.00 → 0.97), while the pair's mean contour already
# reaches the aim at 0.5. With $\lambda$ = 4 the example chorale (C B G C D E E F D E C D E F
# G) is held tightly, but to its contour stretched to the Irish range ($k$ = 1.51, above):
# the output climbs to a B♭5 at the end, and C♯5 appears twice in the middle, notes the Irish
# trigram alone would rarely choose. A heavy content weight forces pitches on the style.
#
# The tuning asks for the aim on the *mean* of a pair's two directions. Could Han → German
# alone keep as much of its source as German → Han does? The same experts with a larger
# $\lambda$, on the same validation excerpts the tuning used (the leap bonus as chosen):

# %%
han_valid = style.style_excerpts("han", "valid", limit=style.StyleRecipe().eval_excerpts).tokens
german_valid = style.style_excerpts("german", "valid", limit=style.StyleRecipe().eval_excerpts).tokens
experts_gh = models.expert("german_han")
chosen_hg = experts_gh.settings["han->german"]
german_ngram = second["german_han"]["ngram"]["german"]
print(f"real German validation melodies: {german_ngram.bits_per_note(german_valid):.2f} bits/note")
for lam in (chosen_hg.lam, 4.0, 6.0):
    heavier = experts_gh.with_settings({**experts_gh.settings, "han->german": replace(chosen_hg, lam=lam)})
    out = heavier.transfer(han_valid, "han", "german")
    r = np.mean([style_checks.contour_r(x, y) for x, y in zip(han_valid, out, strict=True)])
    print(f"  lambda {lam}: token judge S {np.mean(models.p_target(out, 'german') > 0.5):.2f}, "
          f"contour r {r:.2f}, {german_ngram.bits_per_note(out):.2f} bits/note")

# %% [markdown]
# Holding the Han notes three times as tightly buys little contour (0.82 → 0.85) and costs
# a lot of naturalness: 5.22 → 5.92 bits per note, against 4.63 for real German songs. The
# German rhythm gives one note where the Han tune had two or three, and no weight can put
# the lost moves back; a heavier $\lambda$ only forces pitches the German trigram finds
# unlikely. So the tuning's choice stands, and Han → German keeps less of its source (0.80
# on test, below) than German → Han (0.93): content and naturalness pull against each other
# in this direction, and the pair's mean hides it.
#
# The same four example excerpts as in section 4, now through the product of experts (their
# sources are seen and heard in section 4):

# %%
show_three("chorale", "irish", example["chorale"], bpm=90, method="learned", show_source=False)

# %%
show_three("irish", "chorale", example["irish"], bpm=90, method="learned", show_source=False)

# %%
show_three("german", "han", example["german"], bpm=100, method="learned", show_source=False)

# %%
show_three("han", "german", example["han"], bpm=100, method="learned", show_source=False)

# %% [markdown]
# And every test excerpt: the `learned` rows of the two tables above, beside the rule and
# the decoder.

# %%
for pair in style.PAIRS:
    print(pair)
    print(style.format_methods(pair, {m: tables[pair][m] for m in ("rule", "decoder", "learned")}))
    print()
for (src, tgt), (rows, refs) in checks.items():
    print(f"{src} -> {tgt}; real {tgt}: {refs['real_naturalness_bits']:.2f} bits/note, "
          f"out of scale {refs['real_out_of_scale']:.3f}")
    print(f"  {'method':<9}{'S1':>5}{'S2':>6}{'S2 95% CI':>12}{'P2':>6}{'rhythm':>8}{'out key':>8}"
          f"{'degen':>7}{'bits':>6}{'r':>6}{'dir':>6}")
    for name in ("rule", "decoder", "learned"):
        r = rows[name]
        lo, hi = r["s_second_judge_ci"]
        print(f"  {name:<9}{r['s']:>5.2f}{r['s_second_judge']:>6.2f}{lo:>6.2f}-{hi:<5.2f}{r['p_second_judge']:>6.2f}"
              f"{r['rhythm_tv']:>8.2f}{r['out_of_scale']:>8.3f}{r['degenerate_rate']:>7.2f}"
              f"{r['naturalness_bits']:>6.2f}{r['contour_r']:>6.2f}{r['interval_sign']:>6.2f}")
print("S_tot, the two directions averaged, with 95 % intervals (Wilson per direction, combined):")
for pair in style.PAIRS:
    for name in ("rule", "decoder", "learned"):
        m = record["pairs"][pair]["methods"][name]
        (lo1, hi1), (lo2, hi2) = m["s_tot_ci"], m["s_tot_second_judge_ci"]
        print(f"  {pair:<14}{name:<9}token judge {m['s_tot']:.2f} ({lo1:.2f}-{hi1:.2f}), "
              f"second judge {m['s_tot_second_judge']:.2f} ({lo2:.2f}-{hi2:.2f})")

# %% [markdown]
# **Reading the product of experts.** (Every figure is printed above, except one printed in
# section 7, which says so.)
#
# * **No shortcut is left.** The rhythm distance to real target melodies is 0.02–0.11
#   (the decoder: 0.25–0.73), no output is degenerate (the decoder: up to 49 %), and the
#   out-of-key share is at most 1.3 points above real target melodies' (Han → German: 3.7 %
#   against 2.4 % for real German songs; Irish → chorale 3.5 % against 3.2 %, German → Han
#   0.9 % against 0.8 %, chorale → Irish below). The outputs cost 3.54, 4.01, 5.01 and 5.09
#   bits per note under the target's note n-gram, against 3.71, 3.76, 4.38 and 4.63 for real
#   target melodies. German → Han is the farthest from real Han songs, 0.63 bits per note.
# * **The two judges now agree.** The second judge, which saw none of these choices,
#   calls 1.00, 0.98, 0.77 and 0.96 of the outputs the target style, against 0.96, 0.96,
#   0.71 and 0.96 for the token judge. For the decoder the two had disagreed by up to 0.38.
#   Averaged over a pair's two directions (the last lines above), the experts reach
#   $S_{tot}$ 0.99 (0.97–1.00) and 0.87 (0.84–0.89) under the second judge.
# * **The range stretch** (the cell after the settings) mattered most where the source
#   style ranges wider than the target: with $k$ = 1, Irish → chorale and Han → German are
#   called the target by the second judge 0.91 and 0.85 of the time and cost 4.35 and 5.37
#   bits per note; stretched, 0.98 and 0.96 at 4.01 and 5.09, for a contour 0.01 lower.
#   Towards the wider style it changed little (chorale → Irish and German → Han: the second
#   judge 0.99 → 1.00 and 0.78 → 0.77, contour 0.89 → 0.91 and 0.91 → 0.93, 0.05 bits per
#   note more).
# * **What is kept is the shape, not the notes.** The pitch curves correlate 0.91 and 0.82
#   with their sources for chorale → Irish and Irish → chorale, 0.93 and 0.80 for German →
#   Han and Han → German. The weaker direction of each pair goes from a busy style to a
#   calmer one: one chorale or German note spans several source notes and can only sit
#   near their middle, so the source's moves inside it are lost (interval directions kept:
#   0.43 and 0.44). The content measures of section 5 fall to 0.46 and 0.62 (the decoder:
#   0.94 and 0.89): for chorale/Irish because other pitches sit on the beats (beat pitch
#   classes 0.31), for German/Han because the experts draw a new rhythm (onset F1 0.58).
# * **The examples, as they are.** The chorale → Irish output runs in Irish eighths (30
#   notes from 15) and is called Irish ($P$ 1.00). The Irish → chorale output is a calm,
#   mostly stepwise line between A4 and E5 (14 notes from 27), called a chorale with $P$
#   0.89. The German example is a failure: its transfer keeps almost the German rhythm (16
#   notes from 15), its pitches change only at and around the F and the B (F4 E4 C4 becomes
#   E4 D4 D4, B3 becomes C4), and both judges still hear German (token judge
#   $P(\text{han})$ 0.03; the second judge 0.06, printed in section 7). It is one of the 29 %
#   the token judge does not call Han (23 % for the second judge). The Han → German output
#   is called German ($P$ 1.00) and has one chromatic note, a C♯ between C and D.
# * **Where the rule still wins.** On chorale → Irish the second judge calls both methods'
#   outputs Irish every time ($S_2$ 1.00; the token judge 1.00 for the rule, 0.96 for the
#   experts), so the notes decide. The rule keeps every beat pitch and every interval
#   direction (1.00 against 0.72), at the same contour (0.91). By the note n-gram it is also
#   the more natural of the two: its running eighths cost 3.19 bits per note, the experts'
#   3.54, real Irish tunes 3.71. Both are *more* predictable than real tunes; the rule's
#   because it repeats a few figures, and its rhythm is farther from real Irish tunes (0.25
#   against 0.04). If you want *this* melody played in a jig rhythm, the rule wins; if you
#   want a melody that sounds like an Irish tune with its mix of rhythms, the experts do. On
#   Irish → chorale the experts win on strength, naturalness and rhythm: $S_2$ 0.98 against
#   0.42, 4.01 bits per note against 5.61, rhythm 0.02 against 0.30, at a lower contour
#   (0.82 against 0.85; about the same interval directions, 0.43 against 0.41) and with more
#   notes out of key (3.5 % against 1.8 %; real chorale melodies 3.2 %). On German ↔ Han the
#   rule gets only part of the way ($S_2$ 0.31 and 0.39, from 0.02 for the sources); the
#   experts reach 0.77 and 0.96.
#
# Keep what you like: a transfer is a melody like any other, so `notes_to_midi` writes it as
# a MIDI file (atomically, and never over an existing file) that any notation program or
# DAW opens. The four transfers above, exported:

# %%
import tempfile
from pathlib import Path

from musiclib.notation import notes_to_midi

export_dir = Path(tempfile.mkdtemp(prefix="style_transfers_"))
for source, target in (("chorale", "irish"), ("irish", "chorale"), ("german", "han"), ("han", "german")):
    pair, k = next(p for p, st in style.PAIRS.items() if source in st), example[source]
    learned_t = style.transfer_tokens(models, "learned", excerpts[pair][source][k:k + 1], source, target)[0]
    learned_notes = tokens_to_notes(learned_t, vocab)
    path = notes_to_midi(learned_notes, export_dir / f"{source}_to_{target}.mid", bpm=90)
    print(f"{path.name}: {len(learned_notes)} notes, {path.stat().st_size} bytes")

# %% [markdown]
# ## 6. Style strength against content · ~5 min
#
# Each method has a knob: the rule can be applied at a share of the places where it
# applies; the decoder can mix the style embeddings; the product of experts mixes the two
# styles' models. Sweeping the knob traces a curve of transfer strength against content
# (the pair's content measures of section 5), on every test excerpt; the best method sits top right.

# %%
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
curves = {}
for pair, (a, b) in style.PAIRS.items():
    for method in ("rule", "decoder", "learned"):
        pts = []
        for s in STRENGTHS:
            s_dir, content = [], []
            for src, tgt in ((a, b), (b, a)):
                srcs = excerpts[pair][src]
                outs = style.transfer_tokens(models, method, srcs, src, tgt, s)
                s_dir.append(np.mean(models.p_target(outs, tgt) > 0.5))
                content += [np.mean([style.content_scores(x, y)[m] for m in style.CONTENT_MEASURES[pair]])
                            for x, y in zip(srcs, outs, strict=True)]
            pts.append((float(np.mean(content)), float(np.mean(s_dir))))
        curves[(pair, method)] = np.array(pts)
        print(pair, method, "(content, S_tot) by strength:", [(round(c, 2), round(t, 2)) for c, t in pts])

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, pair in zip(axes, style.PAIRS, strict=True):
    for method, marker in (("rule", "s-"), ("decoder", "o-"), ("learned", "^-")):
        c = curves[(pair, method)]
        ax.plot(c[:, 0], c[:, 1], marker, label=method)
        ax.annotate("1.0", c[-1])
    ax.set_xlabel("content preserved")
    ax.set_title(pair)
    ax.legend()
axes[0].set_ylabel("S_tot (token judge)")
fig.tight_layout()
plt.show()

# %% [markdown]
# The product of experts rewrites the melody even at $s$ = 0 (in the source's own style,
# with a new rhythm), so on these content measures it starts at 0.72 and 0.70 on the two
# pairs and stays below the other two; its strength rises from 0.02 to 0.96 and from 0.01 to
# 0.84. By this plot the decoder looks best on German ↔ Han (content 0.89 at $S_{tot}$ 0.80,
# against the experts' 0.62 at 0.84) and level with the rule on chorale ↔ Irish, yet section 5.1
# showed how it got there: a plot is only as good as its axes.

# %% [markdown]
# ## 7. Style fusion (风格融合) · ~15 min
#
# MusicVAE (Roberts et al. 2018) blends two melodies by interpolating between their
# latent codes along a great circle (spherical interpolation, *slerp*), which keeps the
# codes at the norm the prior expects. Our two learned methods offer two other paths:
#
# * the **decoder** walks a straight line between the two style embeddings while the
#   content code stays fixed, $e(s) = (1-s)\,e_A + s\,e_B$ (they have no prior, so no slerp);
# * the **product of experts** mixes the two styles' rhythm and pitch models geometrically,
#   $P_s \propto P_A^{1-s} P_B^{s}$, while the content expert stays (its stretch is
#   $k^{s_p}$, with $s_p$ the pitch models' strength); the same random numbers draw the
#   rhythm at every $s$, so neighbouring points differ only where the mix tips a choice.
#
# Rhythm and pitch need not move at the same pace. With a **lead** $L$ the leading factor's
# models are mixed at $\min(1, s(1+|L|))$ and the other's at $\max(0, s(1+|L|)-|L|)$
# (`style_experts.factor_strengths`): $L = 0$ moves both together, $L = 1$ changes the rhythm
# over the first half of the path and the pitch over the second, and a negative $L$ lets the
# pitch lead. Half-way, $L = 1$ gives the melody the target's rhythm and keeps the source's
# pitch language: a musical analogy in the sense of EC2-VAE, which swaps rhythm and pitch
# latents. The two ends of the path do not depend on $L$, so the transfers of section 5 stay
# as they are. Like $\lambda$, each direction's lead was chosen on the **validation** split
# with the **token judge**: the share of paths whose $P(\text{target})$ never falls, for
# $L$ = −1, −0.5, 0, 0.5, 1; leads within 0.02 of the best count as equal, and the smallest
# $|L|$ among them wins (then the higher share).

# %%
for rec in record["pairs"].values():
    for direction, rows in rec["experts"]["fusion_sweep_on_validation"].items():
        lead = rec["experts"]["settings"][direction]["rhythm_lead"]
        print(f"{direction:<15} validation paths that never fall (token judge), by lead: "
              + ", ".join(f"{r['rhythm_lead']:+.1f}: {r['never_falls']:.2f}" for r in rows) + f"  -> L = {lead:+.1f}")
        s_rhythm, s_pitch = zip(*(style_experts.factor_strengths(x, lead) for x in style_checks.FUSION_STRENGTHS))
        print(f"{'':<15} at s = {list(style_checks.FUSION_STRENGTHS)}: rhythm models at {np.round(s_rhythm, 2).tolist()}, "
              f"pitch models at {np.round(s_pitch, 2).tolist()}")

# %% [markdown]
# On validation, moving both factors together kept 0.78, 0.91, 0.71 and 0.75 of the paths
# from falling (chorale → Irish, Irish → chorale, German → Han, Han → German); the chosen
# leads keep 0.93, 0.93, 0.75 and 0.81. The rhythm leads in three directions; Irish → chorale
# lets the pitch go first. So both chorale/Irish paths pass through the same kind of hybrid, an
# Irish rhythm carrying chorale pitches, before they reach the other style.
#
# `style.fusion_path` takes $s = 0, 0.2, \dots, 1$ with either method (the product of
# experts by default). Half-way outputs are a fusion of the two styles. If the path is
# well behaved, $P(\text{target})$ should rise steadily along it under
# **both** judges, the content should stay, and the middle of the path should be about as
# natural as its ends. `style_checks.fusion_checks` measures all three on every test
# excerpt: "never falls" counts the melodies whose $P(\text{target})$ drops by no more
# than 0.02 from one point to the next, and naturalness is bits per note under the
# note n-gram of the nearer style (the smaller of the two).

# %%
fusion = {}
for pair, (a, b) in style.PAIRS.items():
    for src, tgt in ((a, b), (b, a)):
        f = style_checks.fusion_checks(models, src, tgt, excerpts[pair][src], second[pair]["judge"],
                                       second[pair]["ngram"])
        fusion[(src, tgt)] = f
        print(f"{src} -> {tgt} ({f['p_token'].shape[1]} melodies), s = {f['strength'].round(1).tolist()}")
        print(f"  mean P(target), token judge:  {np.round(f['p_token'].mean(axis=1), 2)}, "
              f"never falls for {f['monotone_token']:.2f}")
        print(f"  mean P(target), second judge: {np.round(f['p_second_judge'].mean(axis=1), 2)}, "
              f"never falls for {f['monotone_second_judge']:.2f}")
        print(f"  bits/note (nearer style):     {np.round(f['bits_nearer'], 2)}")
        print(f"  content:                      {np.round(f['content'].mean(axis=1), 2)}")
for pair, rec in record["pairs"].items():
    m, d = rec["methods"]["learned"], rec["methods"]["decoder"]
    print(f"{pair}, never falls under the second judge (mean of both directions): product of experts "
          f"{m['fusion_monotone_second_judge']:.2f}, decoder {d['fusion_monotone_second_judge']:.2f}")

# %%
fig, axes = plt.subplots(2, 4, figsize=(14, 5.5), sharex=True, sharey=True)
for col, ((src, tgt), f) in enumerate(fusion.items()):
    for row, (key, judge_name) in enumerate((("p_token", "token judge"), ("p_second_judge", "second judge"))):
        ax = axes[row, col]
        ax.plot(f["strength"], f[key][:, :30], color="0.8", lw=0.6)  # the first 30 melodies
        ax.plot(f["strength"], f[key].mean(axis=1), "k-o", lw=2)
        ax.set_title(f"{src} -> {tgt}" if row == 0 else "")
        if col == 0:
            ax.set_ylabel(f"P(target), {judge_name}")
        if row == 1:
            ax.set_xlabel("style mix s")
fig.tight_layout()
plt.show()

# %%
# the same test paths with both factors moving together (L = 0), for comparison
together = {}
for pair, (a, b) in style.PAIRS.items():
    same_pace = models.expert(pair).with_settings({k: replace(v, rhythm_lead=0.0)
                                                   for k, v in models.expert(pair).settings.items()})
    for src, tgt in ((a, b), (b, a)):
        p2 = np.stack([second[pair]["judge"].p_target(same_pace.transfer(excerpts[pair][src], src, tgt, x), tgt)
                       for x in style_checks.FUSION_STRENGTHS])
        together[(src, tgt)] = float(style_checks.never_falls(p2).mean())
        print(f"{src} -> {tgt}: never falls under the second judge {fusion[(src, tgt)]['monotone_second_judge']:.2f} "
              f"with the lead, {together[(src, tgt)]:.2f} with both factors together")

# %% [markdown]
# **Reading the paths** (figures printed above; in the plot, black is the mean and grey the
# first 30 melodies of each direction).
#
# * **On average the paths climb, under both judges.** Mean $P(\text{target})$ under the
#   second judge rises or stays level at every step in all four directions, e.g. 0.02, 0.07, 0.49, 0.91,
#   0.97, 1.00 for chorale → Irish. Where it rises follows the lead: Irish → chorale, whose
#   pitch moves first, stays near 0 up to $s$ = 0.4 (0.06, with the pitch models already at
#   0.6 and the rhythm models at 0.1) and climbs once the rhythm moves (0.43, 0.89, then
#   0.98). To this judge a chorale is above all a rhythm.
# * **Single melodies fall back less often than with the decoder, but still fall.**
#   $P(\text{target})$ never falls by more than 0.02 for 0.94 and 0.94 of the chorale/Irish
#   melodies and for 0.83 and 0.84 of the German/Han ones under the second judge (the
#   decoder's paths: 0.54 and 0.47 on average). With both factors moving together the same
#   test paths give 0.88, 0.89, 0.74 and 0.81 (the cell above): the lead chosen on validation
#   helped in every direction on test too, yet the German/Han paths stay below 0.9. The token
#   judge sees 0.71–0.94. A small change of the mix can tip a sampled rhythm, and the rest of
#   the bar follows the new choice.
# * **The middle costs under half a bit per note.** No middle point costs more than 0.5
#   bits per note above the worse end of its path: chorale → Irish peaks at 3.99 ($s$ =
#   0.2; ends 3.63 and 3.54), Irish → chorale at 4.29 ($s$ = 0.8; ends 3.87 and 4.01),
#   German → Han at 5.40 ($s$ = 0.6; ends 5.16 and 5.01) and Han → German at 5.54 ($s$ = 0.6;
#   ends 4.79 and 5.09), 0.45 above its worse end: a blend of two styles is a little less
#   predictable than either.
# * **Content** stays flat along German → Han (0.66–0.69), drifts down along chorale → Irish
#   (0.60, peaking at 0.62, then down to 0.53) and falls along Irish → chorale (0.74 to
#   0.45) and Han → German (0.71 to 0.57), the directions that lose notes.
#
# **The path, heard.** The example excerpts of chorale → Irish and of German → Han (the
# median-length ones of section 4), at $s$ = 0, 0.4, 0.6 and 1, with $P(\text{target})$
# under both judges; each clip is the whole four-bar excerpt. At $s$ = 0 you hear the source
# rewritten by its own style's experts, not the source itself. (The other two directions are
# not played here; `style.fusion_path` takes any excerpt of any direction.)

# %%
for pair, (src, tgt) in (("chorale_irish", ("chorale", "irish")), ("german_han", ("german", "han"))):
    k = example[src]
    heard = style.fusion_path(models, excerpts[pair][src][k:k + 1], src, tgt, strengths=(0.0, 0.4, 0.6, 1.0))
    for s_mix, out, p1 in zip(heard["strength"], heard["outputs"][:, 0], heard["p_target"][:, 0], strict=True):
        p2 = second[pair]["judge"].p_target(out, tgt)[0]
        print(f"{src} -> {tgt}, s = {s_mix:.1f}: P({tgt}) token judge {p1:.2f}, second judge {p2:.2f}: {names(out)}")
        display(play(tokens_to_notes(out, vocab), bpm=90, max_seconds=None))

# %% [markdown]
# Neither path is a smooth blend for this one melody. The chorale stays a chorale to both
# judges up to $s$ = 0.4 ($P(\text{irish})$ 0.02 and 0.00, 19 notes against 17 at $s$ = 0)
# and turns Irish in one step at 0.6 (0.96 and 1.00), where its rhythm has mostly moved (28
# notes); at 1 it has 30. The German excerpt never becomes Han: it gains a few notes at 0.4
# (19 against 14) and loses them again, and from $s$ = 0.6 on it is the same melody, its F
# and B moved to pentatonic neighbours but its rhythm still German ($P(\text{han})$ 0.03 and
# 0.06 at the end). It is the failure of section 5.2, heard along its path. Across all
# German → Han paths the mean $P(\text{han})$ ends at 0.71 under the token judge and 0.76
# under the second.

# %% [markdown]
# **Why single paths fall back: a confident judge.** The second judge was trained on real
# melodies, which it tells apart almost always, and it answers with near-certain
# probabilities. A path's middle is neither style, and there a small change of the notes can
# tip such a judge from one answer to the other. Look closer: below, the same German → Han
# paths on a grid of 21 points instead of 6 (the first 60 test melodies; the 6 points of the
# check are every fourth one).

# %%
pair, src, tgt = "german_han", "german", "han"
judge2 = second[pair]["judge"]
p_real = np.concatenate([judge2.p_target(excerpts[pair][st], tgt) for st in (src, tgt)])
print(f"second judge on the {len(p_real)} real test melodies: {np.mean((p_real < 0.05) | (p_real > 0.95)):.0%} "
      f"of its P({tgt}) below 0.05 or above 0.95")
fine = np.round(np.linspace(0, 1, 21), 2)
fine_path = style.fusion_path(models, excerpts[pair][src][:60], src, tgt, strengths=fine)
p2_fine = np.stack([judge2.p_target(o, tgt) for o in fine_path["outputs"]])
kept_6, kept_21 = style_checks.never_falls(p2_fine[::4]), style_checks.never_falls(p2_fine)  # one bool per melody
changed = np.mean([[not np.array_equal(a, b) for a, b in zip(o0, o1, strict=True)]
                   for o0, o1 in zip(fine_path["outputs"][:-1], fine_path["outputs"][1:], strict=True)])
print(f"{src} -> {tgt}, {p2_fine.shape[1]} melodies: never falls at 6 points {kept_6.mean():.2f}, "
      f"at 21 points {kept_21.mean():.2f}; a step of 0.05 changes {changed:.0%} of the outputs")
first_fall = int(np.flatnonzero(~kept_6)[0])
for i in sorted({0, first_fall}):
    verdict = [f"{'never falls' if kept[i] else 'falls'} at {n}" for kept, n in ((kept_6, "6 points"), (kept_21, "21"))]
    print(f"melody {i} ({', '.join(verdict)}), P({tgt}) at s = 0, 0.05, ..., 1:")
    print("  " + " ".join(f"{x:.2f}" for x in p2_fine[:, i]))

fig, ax = plt.subplots(figsize=(7, 3))
for i in range(8):
    ax.step(fine, p2_fine[:, i], where="post", lw=1)
ax.set_xlabel("style mix s")
ax.set_ylabel(f"P({tgt}), second judge")
ax.set_title(f"{src} -> {tgt}: the first 8 test melodies on a grid of 0.05")
fig.tight_layout()
plt.show()

# %% [markdown]
# The judge is sure of itself: 94 % of its answers on the 543 real test melodies are below
# 0.05 or above 0.95. Along a path it mostly stays flat and then jumps, and some jumps go
# back. Melody 0 (blue) passes the check at both grids: 0.00 up to $s$ = 0.9, then 0.03
# and 1.00. Melody 14 (not in the plot), the first to fail at the 6 points, creeps up to
# 0.05 at $s$ = 0.5–0.6, drops back to 0.00 (a fall of 0.05 from the check's point 0.6 to
# its point 0.8) and jumps to 1.00 at 0.95. A step of 0.05 changes 56 % of the outputs, and
# a changed output is a new draw for a judge this sharp. So "never falls" measures the judge
# as much as the path: for these 60 melodies it is 0.83 at the 6 points of the check and 0.67
# at 21. A
# path would pass under any grid only if the judge rose smoothly through a middle it has
# never seen in training. Letting one factor lead helped
# (the comparison cell above), perhaps because each step then changes fewer of the
# statistics the judge reads; we have not measured that. We also tried choosing
# among four seeded outputs per point so that our own judges (token and linear) rise evenly;
# the second judge's validation paths then fell more often in all four directions
# (docs/FACTS.md): the judges disagree about the middle of a path, and the plain paths'
# figures of the cells above are the honest ones.
# Making each point remember the pitches of the point before it also raised the count on
# validation, but by lagging: the stronger the memory, the more of the change waited for the
# last step (up to 70 % of it), and a path that does not move cannot fall. We did not keep
# it (docs/FACTS.md).

# %% [markdown]
# ## 8. Try it: the style mixer · ~5 min
#
# Pick a melody, a method and a strength; the widget moves the melody to the other style
# of its pair (`style.transfer_melody`, which you can also call directly on any
# monophonic `NoteList`), shows the score, plays it and prints the token judge's
# $P(\text{target})$.

# %% tags=["nbval-ignore-output"]
melodies = {f"{s} test excerpt {k}": (tokens_to_notes(excerpts[p][s][k], vocab), s)
            for p in style.PAIRS for s in style.PAIRS[p] for k in (0, 1)}
widgets.style_mixer(models, melodies)

# %%
moved = style.transfer_melody(models, see["german"], "german", "han", method="learned", strength=0.5)
print("German excerpt half way to Han:", names(style.melody_tokens(moved)[0]))

# %% [markdown]
# **Try it yourself.**
# * Move the strength slider from 0 to 1 on a German song and listen for the moment it
#   starts to sound pentatonic. Does the judge's $P(\text{han})$ agree with your ear?
# * Feed `style.transfer_melody` a melody of your own (e.g. from
#   `musiclib.sampling.parse_melody("E5 D5 C5 D5 E5 E5 E5:2")`) with both methods.
# * Make the rules stronger (e.g. also turn quarter notes in Han → German into dotted
#   rhythms) and see whether $S$ rises and what naturalness does.
#
# ## 9. Exercises · ~35 min
#
# **Exercise 1 — transfer strength.** Given the judge's $P(\text{B})$ for outputs
# transferred A → B and for outputs transferred B → A, return $S_{tot}$.

# %% nbgrader={"grade": false, "grade_id": "ex6_1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_s_tot(p_b_of_a_to_b, p_b_of_b_to_a):
    ### BEGIN SOLUTION
    s_ab = np.mean(np.asarray(p_b_of_a_to_b) > 0.5)
    s_ba = np.mean(np.asarray(p_b_of_b_to_a) <= 0.5)
    return float((s_ab + s_ba) / 2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_1", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
gh = excerpts["german_han"]
rule_outputs = {"german": np.stack([style.rule_transfer(t, "german", "han") for t in gh["german"]]),
                "han": np.stack([style.rule_transfer(t, "han", "german") for t in gh["han"]])}
rule_row = style.evaluate_outputs("german_han", gh, rule_outputs, models.token["german_han"],
                                  style.target_ngrams("german_han"))
rule_probs = (models.token["german_han"].predict_proba(rule_outputs["german"]),
              models.token["german_han"].predict_proba(rule_outputs["han"]))
_ = check_function("my_s_tot on the German/Han rule outputs", my_s_tot, [(rule_probs, rule_row["s_tot"])],
                   atol=1e-3, hint="compare with the rule row of the table in section 5")
_ = check_function("my_s_tot", my_s_tot,
                   [(([0.9, 0.8, 0.2, 0.6], [0.1, 0.7]), 0.625), (([1.0], [0.0]), 1.0), (([0.0], [1.0]), 0.0)],
                   atol=1e-12, hint="S_A->B: share called B; S_B->A: share called A (P(B) <= 0.5); average them")

# %% [markdown]
# **Exercise 2 — onset F1.** Given two token arrays of the same length, return the F1
# score of their sets of note-start steps (tokens ≥ 2): $2|O_1 \cap O_2| / (|O_1| + |O_2|)$.

# %% nbgrader={"grade": false, "grade_id": "ex6_2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_onset_f1(source, output):
    ### BEGIN SOLUTION
    a = set(np.flatnonzero(np.asarray(source) >= 2))
    b = set(np.flatnonzero(np.asarray(output) >= 2))
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_2", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
cases = [((x, y), style.content_scores(x, y)["onset_f1"])
         for x, y in zip(excerpts["chorale_irish"]["chorale"][:5],
                         [style.rule_transfer(t, "chorale", "irish") for t in excerpts["chorale_irish"]["chorale"][:5]],
                         strict=True)]
_ = check_function("my_onset_f1", my_onset_f1, cases, atol=1e-12,
                   hint="onsets are the steps whose token is a note-on (>= 2)")

# %% [markdown]
# **Exercise 3 — a pentatonic rule.** Write the pitch mapping of the German → Han rule:
# return the nearest MIDI pitch whose pitch class is in C D E G A (0, 2, 4, 7, 9), ties
# going down.

# %% nbgrader={"grade": false, "grade_id": "ex6_3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_to_pentatonic(pitch):
    ### BEGIN SOLUTION
    for d in (0, -1, 1, -2, 2):
        if (pitch + d) % 12 in (0, 2, 4, 7, 9):
            return pitch + d
    return pitch
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_3", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_ = check_function("my_to_pentatonic", my_to_pentatonic,
                   [((p,), q) for p, q in ((65, 64), (71, 72), (66, 67), (61, 60), (63, 62), (70, 69), (69, 69))],
                   hint="F (5) -> E, B (11) -> C, F# -> G; C#, D#, A# tie and go down")
_ = check_function("my_to_pentatonic never leaves the scale", lambda p: my_to_pentatonic(p) % 12 in (0, 2, 4, 7, 9),
                   [((p,), True) for p in range(48, 96)], hint="every answer's pitch class must be 0, 2, 4, 7 or 9")

# %% [markdown]
# **Exercise 4 — a shortcut check: rhythm distance.** Given two histograms of
# note-to-note gaps (counts or shares, over the same bins), return their total-variation
# distance $\tfrac12 \sum_i |p_i - q_i|$ after turning each into shares that sum to 1.
# The checker feeds it the gap histograms of the learned chorale → Irish outputs and of
# real Irish tunes (`style_checks.ioi_histogram`) and compares with the table of section 5.2.

# %% nbgrader={"grade": false, "grade_id": "ex6_4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_rhythm_tv(h_out, h_ref):
    ### BEGIN SOLUTION
    p = np.asarray(h_out, dtype=float) / np.sum(h_out)
    q = np.asarray(h_ref, dtype=float) / np.sum(h_ref)
    return float(0.5 * np.abs(p - q).sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_4", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
learned_irish = fusion[("chorale", "irish")]["outputs"][-1]  # s = 1: the learned transfer of section 5
real_irish = excerpts["chorale_irish"]["irish"]
_ = check_function("my_rhythm_tv", my_rhythm_tv,
                   [(([2, 0, 0], [0, 1, 0]), 1.0), (([1, 1], [5, 5]), 0.0), (([3, 1], [1, 1]), 0.25)],
                   atol=1e-12, hint="divide each histogram by its sum first; then half the sum of |p - q|")
_ = check_function("my_rhythm_tv on the learned chorale -> Irish outputs", my_rhythm_tv,
                   [((style_checks.ioi_histogram(learned_irish), style_checks.ioi_histogram(real_irish)),
                     checks[("chorale", "irish")][0]["learned"]["rhythm_tv"])],
                   atol=1e-3, hint="compare with the 'rhythm' column of the learned row in section 5.2")

# %% [markdown]
# **Exercise 5 — the product of experts' search.** Section 5.2 finds the pitches with the
# Viterbi algorithm. Write it for a bigram: given `l1` (shape $P$, log-probability of the
# first pitch), `l2` ($P \times P$, log-probability of pitch $j$ after pitch $i$) and
# `content` ($K \times P$, the content expert's score of each pitch for each of the $K$
# notes), return the list of $K$ pitch indices that maximises
# $l_1[p_0] + c_0[p_0] + \sum_{k \ge 1} \left(l_2[p_{k-1}, p_k] + c_k[p_k]\right)$.
# Keep, for every pitch, the best score of a path ending there and where it came from;
# trying all $P^K$ paths is what the checker does, and it is far too slow for 48 pitches.

# %% nbgrader={"grade": false, "grade_id": "ex6_5_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_best_path(l1, l2, content):
    ### BEGIN SOLUTION
    l1, l2, content = np.asarray(l1), np.asarray(l2), np.asarray(content)
    score = l1 + content[0]
    back = []
    for k in range(1, len(content)):
        cand = score[:, None] + l2  # (previous pitch, this pitch)
        back.append(cand.argmax(axis=0))
        score = cand.max(axis=0) + content[k]
    path = [int(score.argmax())]
    for came_from in reversed(back):
        path.append(int(came_from[path[-1]]))
    return path[::-1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_5", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import itertools


def path_score(l1, l2, content, path):
    return l1[path[0]] + content[0][path[0]] + sum(l2[a][b] + content[k + 1][b]
                                                  for k, (a, b) in enumerate(zip(path[:-1], path[1:])))


def best_by_brute_force(l1, l2, content):
    return max(path_score(l1, l2, content, p) for p in itertools.product(range(len(l1)), repeat=len(content)))


rng_ex = np.random.default_rng(5)
viterbi_cases = [(np.log([0.5, 0.5]), np.log([[0.9, 0.1], [0.1, 0.9]]), np.array([[0.0, -3.0], [0.0, 0.0], [-3.0, 0.0]]))]
viterbi_cases += [(rng_ex.normal(size=4), rng_ex.normal(size=(4, 4)), rng_ex.normal(size=(k, 4))) for k in (1, 2, 5, 6)]
_ = check_function("my_best_path finds the best path",
                   lambda l1, l2, c: round(float(path_score(l1, l2, c, my_best_path(l1, l2, c))), 9),
                   [(case, round(float(best_by_brute_force(*case)), 9)) for case in viterbi_cases],
                   hint="score[j] = max_i (score[i] + l2[i, j]) + content[k][j]; remember the argmax, then walk back")
_ = check_function("my_best_path returns one pitch per note", lambda l1, l2, c: len(my_best_path(l1, l2, c)),
                   [(case, len(case[2])) for case in viterbi_cases], hint="K notes, K pitch indices")

# %% [markdown]
# ## Summary
#
# * Style can be described with numbers: note lengths separate chorales from Irish
#   tunes; sixteenth notes, semitone steps and minor thirds separate German from Han
#   songs.
# * A frozen judge scores transfer strength; it must be checked for shortcuts (playing
#   a chorale twice as fast fools it), which is why content is measured in the source's
#   own time grid.
# * Rule baselines are strong where style is simple (rhythm) and weak where it is not
#   (pitch): measure every learned method against one.
# * A learned transfer needs a split between content and style. The neural decoder makes
#   it with an explicit content code and a learned style embedding; measured by the judge
#   it was tuned with, it beats the rule where the rule is weak (German ↔ Han).
# * A judge a method was tuned with flatters it. A second judge of another family, never
#   used for any choice, and checks on the notes themselves (rhythm, key, repeated
#   pitches, bits per note) found the decoder's shortcuts: a rhythm far busier than real
#   Irish tunes for chorale → Irish, notes outside the key for Han → German, one pitch over and over.
# * A product of experts (the target style's rhythm and pitch n-grams times a content
#   expert that stretches the melody's shape to the target's range) leaves no such
#   shortcut: real target rhythms, out-of-key notes within 1.3 points of real target
#   melodies, no degenerate output, and both judges agree. Its bits per note lie near those
#   of real target melodies, from 0.17 below (chorale → Irish) to 0.63 above (German → Han,
#   the farthest from its real melodies). It keeps the melody's shape rather than its notes; where keeping the
#   notes matters (chorale → Irish) the rule is still the better choice. It still fails on
#   some melodies: 23 % of its German → Han outputs stay German to the second judge.
# * Fusion by mixing two styles' models, with rhythm and pitch moving at their own pace (a
#   lead chosen on validation), climbs steadily on average under both judges. Under the
#   second judge $P(\text{target})$ never falls back along 0.94 of the paths in each
#   chorale/Irish direction, but only 0.83 and 0.84 of the German/Han ones: a sampled rhythm
#   can tip, and a confident judge flips with it.
#
# ## References
#
# * L. A. Gatys, A. S. Ecker, M. Bethge (2016). *Image style transfer using convolutional
#   neural networks.* CVPR. — the idea of separating content from style representations.
# * G. Brunner, Y. Wang, R. Wattenhofer, S. Zhao (2018). *Symbolic music genre transfer
#   with CycleGAN.* ICTAI. — transfer strength $S_{A\to B}$, $S_{tot}$ measured with a
#   separately trained genre classifier.
# * R. Yang, D. Wang, Z. Wang, T. Chen, J. Jiang, G. Xia (2019). *Deep music analogy via
#   latent representation disentanglement* (EC2-VAE). ISMIR. — separate pitch and rhythm
#   latents of 2-bar melodies; swapping one is an analogy / style transfer.
# * A. Roberts, J. Engel, C. Raffel, C. Hawthorne, D. Eck (2018). *A hierarchical latent
#   vector model for learning long-term structure in music* (MusicVAE). ICML. —
#   interpolation in a melody latent space.
# * O. Cífka, U. Şimşekli, G. Richard (2020). *Groove2Groove: one-shot music style transfer
#   with supervision from synthetic data.* IEEE/ACM TASLP 28. — style transfer of
#   accompaniments, and evaluation of content and style separately.
# * A. Pati, A. Lerch (2021). *Is disentanglement enough? On latent representations for
#   controllable music generation.* ISMIR. — disentangled latents do not guarantee
#   control; measure what the knob does.
# * G. E. Hinton (2002). *Training products of experts by minimizing contrastive
#   divergence.* Neural Computation 14(8). — a product of experts: each expert scores one
#   aspect, and a sample must satisfy all of them.
# * F. Pachet, P. Roy (2011). *Markov constraints: steerable generation of Markov
#   sequences.* Constraints 16(2). — generating from a style's Markov model under
#   constraints, as our experts decode under the content expert.
# * J. Ho, T. Salimans (2022). *Classifier-free diffusion guidance.* arXiv:2207.12598. —
#   pushing a conditional model away from another condition, as our decoding guidance does.
# * H. Schaffrath, ed. D. Huron (1995). *The Essen Folksong Collection* (in music21's
#   corpus, non-commercial licence). — the German and Han songs.
