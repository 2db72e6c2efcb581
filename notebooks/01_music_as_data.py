# ---
# jupyter:
#   musiclib:
#     budget_seconds: 120
# ---

# %% [markdown]
# # 01 · Music as data (音乐数据表示)
#
# A model cannot read a score. Before anything is learned, music must become arrays. The
# source article (§2.1) puts it simply: AIGC music "lets a model learn from large amounts
# of music data, extract its patterns and rules, and generate new music from them". This
# notebook is about the first half of that sentence: **what the data is**.
#
# **Learning objectives** — after this notebook you can
#
# 1. read a score with `music21` and turn it into a **note list** (pitch, onset, duration);
# 2. convert notes to a **piano roll** and to **melody tokens**, and back, exactly;
# 3. write and read **MIDI** files and render **audio**, without overwriting your work;
# 4. describe the course's datasets (Bach chorales, Irish and Chinese folk tunes) with
#    numbers and plots, and load a folder of your own MIDI files.
#
# **Prerequisites:** notebook 00. NumPy arrays and slicing.
#
# | section | time |
# |---|---|
# | 1. Scores with music21 (乐谱) | ~8 min |
# | 2. The note list (音符列表) | ~8 min |
# | 3. Piano rolls (钢琴卷帘) | ~10 min |
# | 4. Melody tokens (旋律词元) | ~10 min |
# | 5. MIDI files | ~5 min |
# | 6. Audio (音频) | ~8 min |
# | 7. The datasets (数据集) | ~12 min |
# | 8. Your own MIDI folder | ~5 min |
# | 9. Exercises | ~15 min |

# %%
from musiclib.config import get_profile, seed_everything

seed_everything(0, tensorflow=False)  # no TensorFlow needed in this lesson
PROFILE = get_profile()

# %% [markdown]
# ## 1. Scores with music21 (乐谱) · ~8 min
#
# `music21` (MIT) reads MusicXML, MIDI, ABC and Humdrum, and ships a corpus of several
# thousand pieces — offline. A parsed score is a tree: a **Score** holds **Parts**, a Part
# holds **Measures**, a Measure holds **Notes**, **Rests**, clefs and key signatures. Each
# element has an `offset` (where it starts) and a `quarterLength` (how long it lasts),
# both counted in quarter notes.

# %%
from music21 import corpus

score = corpus.parse("bach/bwv347")
print([part.partName for part in score.parts])
score.parts[0].measures(0, 1).show("text")

# %% [markdown]
# The soprano starts with a **pickup** (anacrusis, 弱起): measure 0 holds a single beat
# before the first full bar. The score engraved with `verovio`:

# %%
from musiclib.display import show_score

show_score(score.measures(0, 4))

# %% [markdown]
# ## 2. The note list (音符列表) · ~8 min
#
# For computing, a tree is awkward. The course's central object is a `NoteList`: five
# NumPy arrays of equal length, sorted by onset.
#
# | array | meaning | unit |
# |---|---|---|
# | `pitch` | MIDI number, 60 = middle C (C4), +1 = one semitone up | 0..127 |
# | `onset` | when the note starts | quarter notes |
# | `duration` | how long it lasts | quarter notes |
# | `velocity` | how loud | 1..127 |
# | `part` | which voice (0 = soprano … 3 = bass) | index |
#
# Ties are merged into one longer note and chords become one note per pitch.

# %%
from musiclib.representation import NoteList, notes_from_stream, pitch_name

notes = notes_from_stream(score)
SHARPS = score.recurse().getElementsByClass("KeySignature").first().sharps  # the written key signature
print(notes)
print(f"key signature: {SHARPS} sharp(s); music21's key analysis: {score.analyze('key')}")
print(f"{'pitch':>6} {'name':>5} {'onset':>6} {'dur':>5} {'vel':>4} {'part':>4}")
for p, o, d, v, part in notes.to_records()[:8]:
    print(f"{p:>6} {pitch_name(p, key=SHARPS):>5} {o:>6.2f} {d:>5.2f} {v:>4} {part:>4}")

# %% [markdown]
# A MIDI number says which key of the piano, not how the note is *written*: 68 is G♯ in
# A major and A♭ in E♭ major. `pitch_name(p, key=...)` spells a note the way the key
# signature does (sharps in sharp keys, flats in flat keys, and the raised leading tone of
# a minor key as a sharp); the course passes the piece's key wherever it prints note names.

# %%
print("MIDI 68 in A major:", pitch_name(68, key="A major"), "  in Eb major:", pitch_name(68, key="Eb major"),
      "  in D minor, MIDI 61:", pitch_name(61, key="d minor"))

# %% [markdown]
# Because it is just arrays, musical questions become one-liners. Which voice sings
# highest on average, and how wide is each voice's range?

# %%
for k, voice in enumerate(["soprano", "alto", "tenor", "bass"]):
    p = notes.pitch[notes.part == k]
    print(f"{voice:8s} mean {pitch_name(round(p.mean()), SHARPS):>4}  "
          f"range {pitch_name(p.min(), SHARPS)}..{pitch_name(p.max(), SHARPS)}"
          f" ({p.max() - p.min()} semitones)")

# %% [markdown]
# A `NoteList` checks its values on the way in. Bad data gets a clear error that names
# the argument and the note, instead of a wrong result later:

# %%
from musiclib.errors import MusicLibError

try:
    NoteList.from_arrays(pitch=[60, 62], onset=[0, 1], duration=[1, -0.5])
except MusicLibError as err:
    print(type(err).__name__, "->", err)

# %% [markdown]
# ## 3. Piano rolls (钢琴卷帘) · ~10 min
#
# A **piano roll** is a binary matrix: rows are time steps on a grid, columns are
# pitches, and a 1 means "this pitch sounds during this step". With 4 steps per quarter
# note, one step is a 16th note. It is the natural input of the convolutional GAN in
# notebook 05: music as an image.
#
# $$\text{roll}[t, p - p_{\text{low}}] = 1 \iff \exists\ \text{note } (p, o, d):\ o \le t/4 < o + d$$

# %%
from musiclib.representation import notes_to_piano_roll

first_bars = notes.window(1.0, 17.0)  # skip the one-beat pickup, keep 4 bars of 4/4
roll = notes_to_piano_roll(first_bars, steps_per_quarter=4, pitch_range=(36, 84))
print("roll shape (time steps, pitches):", roll.shape, "| notes sounding per step:", roll.sum(axis=1)[:8])

# %%
import matplotlib.pyplot as plt

from musiclib.display import plot_piano_roll

fig, axes = plt.subplots(1, 2, figsize=(12, 3.2))
plot_piano_roll(first_bars, ax=axes[0], title="NoteList (colour = voice)")
plot_piano_roll(roll, ax=axes[1], title="binary roll (16 steps per bar)")
fig.tight_layout()
plt.show()

# %% [markdown]
# A roll loses two things. Two repeated notes of the same pitch look like one long note;
# keeping a second matrix of **onsets** fixes that. And two voices singing the *same*
# pitch at the same time (a unison) fill the same cell once: no roll can tell them apart.

# %%
from musiclib.representation import piano_roll_to_notes

sop = first_bars.select_part(0)
roll_s, onsets_s = notes_to_piano_roll(sop, with_onsets=True)
print("soprano: notes -> roll (+ onsets) -> notes is exact:", piano_roll_to_notes(roll_s, onsets=onsets_s) == sop)
print(f"soprano without onsets: {len(piano_roll_to_notes(roll_s))} notes instead of {len(sop)} (repeated notes merge)")
roll, onsets = notes_to_piano_roll(first_bars, with_onsets=True)
back = piano_roll_to_notes(roll, onsets=onsets)
print(f"all four voices: {len(back)} of {len(first_bars)} notes come back; the others share a pitch with another voice")

# %% [markdown]
# ## 4. Melody tokens (旋律词元) · ~10 min
#
# Language models read **tokens**. A monophonic melody on a 16th grid becomes one token
# per step:
#
# | token | meaning |
# |---|---|
# | `rest` (0) | silence |
# | `hold` (1) | the current note keeps sounding |
# | note-on (2, 3, …) | a new note of pitch `low`, `low + 1`, … starts |
#
# This is the representation of notebooks 03–04: predicting the next token *is*
# composing the next 16th of music.

# %%
from musiclib.representation import MelodyVocabulary, notes_to_tokens, skyline_tokens, tokens_to_notes

vocab = MelodyVocabulary()  # MIDI 48..95: 48 note-on tokens + rest + hold
soprano = notes.select_part(0)
tokens = notes_to_tokens(soprano, vocab)
print(f"vocabulary size {vocab.size}; {len(soprano)} soprano notes -> {len(tokens)} tokens")
print(" ".join(vocab.token_name(t, key=SHARPS) for t in tokens[:24]))

# %%
decoded = tokens_to_notes(tokens, vocab)
print("tokens -> notes gives the soprano back:", decoded == soprano)
hold_share = (tokens == vocab.HOLD).mean()
print(f"share of 'hold' steps: {hold_share:.2f}")

# %% [markdown]
# Three quarters of the steps are `hold`. Keep that number in mind: a model that always
# predicts `hold` is right 75 % of the time and has learned nothing. Notebook 04 reports
# **note-event accuracy** (accuracy on the steps where a note starts) for that reason.
#
# A melody is monophonic; a chord is not. The tokenizer refuses a chord rather than
# silently dropping notes, and says where it is:

# %%
try:
    notes_to_tokens(notes.window(0, 4), vocab)  # all four voices
except MusicLibError as err:
    print(type(err).__name__, "->", err)

# %% [markdown]
# To get one line out of four voices, a common choice is the **skyline** (轮廓线): the
# highest note *sounding* at each step (Uitdenbogerd & Zobel 1998). It is easy to get
# wrong. `polyphony="highest"` keeps the highest note of each chord that *starts*
# together, but the tokenizer also lets a note that starts later cut the previous one
# short (right for a melody whose notes overlap slightly, as in legato playing). In four
# voices that is wrong: when the bass moves under a held soprano note, the bass note
# cuts the soprano off and the "melody" drops by more than an octave (A4 to G#3 below).
# `polyphony="skyline"` (the function `skyline_tokens`) looks at what is sounding at every step instead:

# %%
top = notes_to_tokens(notes.window(0, 4), vocab, polyphony="highest")
sky = skyline_tokens(notes.window(0, 4), vocab)  # the same as polyphony="skyline"
print("highest of each chord:", " ".join(vocab.token_name(t, key=SHARPS) for t in top))
print("skyline              :", " ".join(vocab.token_name(t, key=SHARPS) for t in sky))
print("skyline == soprano   :", list(sky) == list(notes_to_tokens(notes.window(0, 4).select_part(0), vocab)))

# %% [markdown]
# ## 5. MIDI files · ~5 min
#
# MIDI is the lingua franca of music software: any DAW, notation program or synthesizer
# opens it. `notes_to_midi` writes one track per voice, **atomically** (a crash leaves no
# half-written file) and refuses to overwrite an existing file unless you pass
# `overwrite=True`.

# %%
import tempfile
from pathlib import Path

from musiclib.notation import notes_to_midi
from musiclib.representation import notes_from_midi

workdir = Path(tempfile.mkdtemp(prefix="musiclib-01-"))
path = notes_to_midi(notes, workdir / "bwv347.mid", bpm=80)
print(path.name, path.stat().st_size, "bytes")
print("MIDI round trip is exact:", notes_from_midi(path) == notes)
try:
    notes_to_midi(notes, path)
except MusicLibError as err:
    print(type(err).__name__, "->", str(err).replace(str(workdir), "..."))

# %% [markdown]
# ## 6. Audio (音频) · ~8 min
#
# Sound is a waveform: pressure sampled 16,000 times a second here. The course renders
# notes with a small **additive synthesizer** written in NumPy (no system binaries, no
# soundfont download): each note of MIDI pitch $p$ has fundamental frequency
#
# $$f_0 = 440 \cdot 2^{(p - 69)/12}\ \text{Hz},$$
#
# and an instrument is a recipe of harmonic amplitudes $a_k$ and an envelope $e(t)$:
# $y(t) = e(t) \sum_k a_k \sin(2\pi k f_0 t)$. Different recipes give different
# **timbres** (音色) — notebook 02 measures them.

# %%
import numpy as np

from musiclib.audio import INSTRUMENTS, SAMPLE_RATE, midi_to_hz, play, synthesize

print(f"A4 = {midi_to_hz(69):.1f} Hz, middle C = {midi_to_hz(60):.2f} Hz")
print("instruments:", ", ".join(INSTRUMENTS))
phrase = soprano.window(0, 9)
y = synthesize(phrase, instrument="flute", bpm=80)
print(f"{len(phrase)} notes -> {len(y)} samples = {len(y) / SAMPLE_RATE:.2f} s")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 2.8))
t = np.arange(len(y)) / SAMPLE_RATE
axes[0].plot(t, y, lw=0.4)
axes[0].set(xlabel="time (s)", ylabel="amplitude", title="the whole phrase")
zoom = slice(SAMPLE_RATE // 4, SAMPLE_RATE // 4 + 400)
axes[1].plot(t[zoom] * 1000, y[zoom])
axes[1].set(xlabel="time (ms)", title="25 ms: the periodic wave of one note")
fig.tight_layout()
plt.show()
play(y)

# %% [markdown]
# The same phrase on two other instruments — listen for the difference in colour:

# %%
from IPython.display import display

for name in ("clarinet", "strings"):
    print(name)
    display(play(phrase, instrument=name, bpm=80, engine="additive"))

# %% [markdown]
# `write_wav` saves a 16-bit WAV file, with the same care as MIDI: atomic, never over an
# existing file unless asked.

# %%
from musiclib.audio import read_wav, write_wav

wav = write_wav(workdir / "phrase.wav", y)
y2, sr = read_wav(wav)
print(f"{wav.name}: {sr} Hz, {len(y2)} samples, largest 16-bit rounding error {np.abs(y2 - y).max():.1e}")

# %% [markdown]
# ## 7. The datasets (数据集) · ~12 min
#
# The course uses only music that ships inside `music21`, so it works offline:
#
# - **Bach chorales** — four voices; deduplicated (music21's iterator yields some files
#   twice) and kept when they have exactly four parts.
# - **O'Neill's *Music of Ireland* (1850)** — Irish dance tunes and airs.
# - **Han Chinese folk songs** and **German folk songs** (used in notebook 06) from the Essen
#   collection (non-commercial licence).
#
# Parsing them takes a while (the chorales alone about 17 s here, timed further down), so
# the course's setup step did it once and stored plain arrays
# (`.npz`, no pickle) with a **manifest**: source, licence, counts, split and a sha256
# checksum that every load verifies.

# %%
import json

from musiclib.config import data_dir

manifest = json.loads((data_dir() / "manifest.json").read_text())
print(f"{'file':18s} {'pieces':>7s} {'notes':>7s} {'train/valid/test':>17s}  licence")
for name, entry in sorted(manifest["files"].items()):
    c = entry["counts"]
    if "pieces" in c:
        split = f"{c['train_pieces']}/{c['valid_pieces']}/{c['test_pieces']}"
        print(f"{name:18s} {c['pieces']:>7d} {c['notes']:>7d} {split:>17s}  {entry['license'][:48]}")
    else:
        split = f"{c['train_bars']}/{c['valid_bars']}/{c['test_bars']}"
        print(f"{name:18s} {c['bars']:>7d} {'bars':>7s} {split:>17s}  (one-bar rolls for notebook 05)")

# %% [markdown]
# **The split is by tune.** Cutting pieces into windows and splitting the *windows* would
# put neighbouring windows of one piece on both sides of the split, and a model could score
# well by remembering — a classic leak. Splitting by piece is not enough either: Bach
# harmonised many hymn tunes several times, and folk collections hold variants of one
# tune. So pieces whose melodies share most of their 9-note interval patterns (whatever
# the key or rhythm) form a **tune group**, and so do pieces that share a long run of notes
# with the same intervals and durations (12 notes for the chorales, 24 for the folk
# tunes: a tune set again with other words). Each group goes to train, validation or test
# as a whole, by a hash of its name; the manifest states the rule for every file.

# %%
from collections import Counter

from musiclib.datasets import load_chorales

chorales = load_chorales()
sizes = Counter(Counter(p.tune for p in chorales).values())
print(f"{len(chorales)} chorales, {len(set(p.tune for p in chorales))} tunes; tunes set more than once:",
      ", ".join(f"{n} x {k}" for k, n in sorted(sizes.items()) if k > 1))
a, b = chorales["bach/bwv10.7"], chorales["bach/bwv324"]
print(f"{a.id} and {b.id}: tune {a.tune!r} for both, split {a.split!r} for both")

# %% [markdown]
# How long does loading take, compared with parsing from the corpus?

# %% tags=["nbval-ignore-output"]
import time

from musiclib.datasets import load_chorales, load_folk

start = time.perf_counter()
chorales, irish, chinese = load_chorales(), load_folk("oneills"), load_folk("han")
load_s = time.perf_counter() - start
start = time.perf_counter()
for name in ["bach/bwv347", "bach/bwv269", "bach/bwv10.7", "bach/bwv153.1", "bach/bwv86.6"]:
    corpus.parse(name, forceSource=True)
parse_s = (time.perf_counter() - start) / 5 * len(chorales)
print(f"loading all three prepared corpora: {load_s:.2f} s; parsing the chorales alone: ~{parse_s:.0f} s")

# %%
chorales, irish, chinese = load_chorales(), load_folk("oneills"), load_folk("han")
for c in (chorales, irish, chinese):
    print(f"{c.name:9s}", c.summary())

# %% [markdown]
# What do the three corpora look like in numbers? Melody pitch range, keys and metres:

# %%
from collections import Counter

fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for c, colour in zip((chorales, irish, chinese), ("#1f77b4", "#2ca02c", "#d62728"), strict=True):
    p = np.concatenate([piece.melody.pitch for piece in c])
    axes[0].hist(p, bins=np.arange(45, 100) - 0.5, density=True, histtype="step", lw=1.5, color=colour, label=c.name)
    modes = Counter(piece.key_mode for piece in c)
    axes[1].bar([f"{c.name}\nmajor", f"{c.name}\nminor"], [modes["major"], modes["minor"]], color=colour)
axes[0].set(xlabel="melody pitch (MIDI)", ylabel="share of notes", title="melody pitch")
axes[0].legend()
axes[1].set(title="keys (music21's analysis)", ylabel="pieces")
axes[1].tick_params(axis="x", labelsize=7)
metres = Counter(piece.time_signature for c in (chorales, irish, chinese) for piece in c)
top = metres.most_common(6)
axes[2].bar([m for m, _ in top], [n for _, n in top], color="0.5")
axes[2].set(title="time signatures (all corpora)", ylabel="pieces")
fig.tight_layout()
plt.show()

# %%
for c in (chorales, irish, chinese):
    modes = Counter(p.key_mode for p in c)
    metre = Counter(p.time_signature for p in c).most_common(2)
    p = np.concatenate([piece.melody.pitch for piece in c])
    print(f"{c.name:9s} minor keys {modes['minor'] / len(c):.0%} | commonest metres {metre} | "
          f"melody {pitch_name(np.percentile(p, 5))}..{pitch_name(np.percentile(p, 95))} (5-95 %)")

# %% [markdown]
# Three styles, three fingerprints: chorale melodies sit in a narrow alto-soprano band in
# 4/4; the Irish tunes range wider and favour 6/8 (jigs) and 2/2 (reels and hornpipes in
# cut time, two half-note beats per bar); the Chinese songs use 2/4 most. (The ranges span
# pieces in many keys, so their names use the default spelling, C♯ E♭ F♯ A♭ B♭.) Notebook 02 turns such differences into features, and notebook 06 into a
# style classifier.
#
# A Han folk song and an Irish tune, heard:

# %%
from musiclib.display import see_and_hear

see_and_hear(chinese[0].melody, title=chinese[0].title, bpm=90, max_quarters=16, instrument="flute")

# %%
jig = next(p for p in irish if p.time_signature == "6/8" and p.split == "test")
see_and_hear(jig.melody, title=jig.title, bpm=150, max_quarters=12, instrument="pluck")

# %% [markdown]
# ## 8. Your own MIDI folder · ~5 min
#
# `load_midi_folder` reads every MIDI file in a folder (and its sub-folders). Real
# collections contain broken files; they are skipped and reported with the reason, never
# silently. Here is a folder with two good files and three bad ones:

# %%
from musiclib.datasets import load_midi_folder

demo = workdir / "my_midi"
(demo / "drafts").mkdir(parents=True)
notes_to_midi(soprano, demo / "soprano.mid")
notes_to_midi(jig.melody.window(0, 12), demo / "drafts" / "jig.mid")
(demo / "empty.mid").write_bytes(b"")
(demo / "not_really.mid").write_bytes(b"this is a text file")
(demo / "cut.mid").write_bytes((demo / "soprano.mid").read_bytes()[:60])

report = load_midi_folder(demo)
print(report.describe())


# %% [markdown]
# ## 9. Exercises · ~15 min
#
# **Exercise 1.1 — a piano roll by hand.** Write `my_piano_roll(melody, low, high)` that
# returns a `uint8` array of shape `(n_steps, high - low)` with 4 steps per quarter note,
# where `n_steps = round(4 * melody.end)`. Compare with the library's
# `notes_to_piano_roll`.

# %% nbgrader={"grade": false, "grade_id": "ex1_1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_piano_roll(melody: NoteList, low: int, high: int) -> np.ndarray:
    ### BEGIN SOLUTION
    n_steps = round(4 * melody.end)
    roll = np.zeros((n_steps, high - low), dtype=np.uint8)
    for p, o, d in zip(melody.pitch, melody.onset, melody.duration, strict=True):
        roll[round(4 * o):round(4 * (o + d)), p - low] = 1
    return roll
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_1", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from musiclib.checks import check_function

cases = [((m, 48, 96), notes_to_piano_roll(m, pitch_range=(48, 96))) for m in (soprano, jig.melody.window(0, 12))]
_ = check_function("my_piano_roll", my_piano_roll, cases,
                   hint="row index = round(4 * onset); a note covers rows up to round(4 * (onset + duration))")


# %% [markdown]
# **Exercise 1.2 — note events.** Write `count_note_ons(tokens, vocab)`: how many tokens
# start a new note? (Everything that is neither `rest` nor `hold`.) Then write
# `note_on_share(sequences, vocab)`: the share of note-on steps over a list of token
# sequences — all steps of all sequences counted together.

# %% nbgrader={"grade": false, "grade_id": "ex1_2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def count_note_ons(tokens: np.ndarray, vocab: MelodyVocabulary) -> int:
    ### BEGIN SOLUTION
    return int(np.sum(np.asarray(tokens) >= vocab.N_SPECIAL))
    ### END SOLUTION


def note_on_share(sequences: list[np.ndarray], vocab: MelodyVocabulary) -> float:
    ### BEGIN SOLUTION
    return sum(count_note_ons(t, vocab) for t in sequences) / sum(len(t) for t in sequences)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_2", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
train_tokens = chorales.melody_tokens("train", vocab)
_ = check_function("count_note_ons", lambda t: count_note_ons(np.array(t), vocab),
                   [(([2, 1, 1, 0, 5, 1],), 2), (([0, 0, 1],), 0), ((list(tokens),), len(soprano))])
_ = check_function("note_on_share", lambda seqs: note_on_share(seqs, vocab),
                   [(([np.array([2, 1]), np.array([0, 0, 3, 1])],), 2 / 6),
                    ((train_tokens,), float(np.mean(np.concatenate(train_tokens) >= 2)))], atol=1e-9,
                   hint="divide the total number of note-ons by the total number of steps")
### BEGIN HIDDEN TESTS
assert count_note_ons(np.array([vocab.N_SPECIAL, 1, 0, vocab.size - 1, 1]), vocab) == 2, "count_note_ons: hidden case"
assert abs(note_on_share([np.array([1, 1]), np.array([vocab.N_SPECIAL])], vocab) - 1 / 3) < 1e-12, "note_on_share: hidden case"
### END HIDDEN TESTS
print(f"note-on share in the training sopranos: {np.mean(np.concatenate(train_tokens) >= 2):.3f}")

# %% [markdown]
# **Exercise 1.3 — what would change if…** The melody tokens above use 4 steps per
# quarter note. If you tokenized the same sopranos with `steps_per_quarter=8` (a
# 32nd-note grid), what would happen to the share of `hold` steps? Make `answer_1_3()`
# return one letter: (a) it falls, (b) it rises, (c) it stays the same, (d) it depends on the key.

# %% nbgrader={"grade": false, "grade_id": "ex1_3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def answer_1_3():
    ### BEGIN SOLUTION
    return "b"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from musiclib.checks import check_choice

# the digest of "Exercise 1.3:<letter>" (musiclib.checks.answer_digest): the release does not show the answer
_ = check_choice("Exercise 1.3", answer_1_3, "sha256:b7c5c3479768a7e6b223f8f8089e744c280fd3768371c789a3866e48b682e25c",
                 {"a": "falls", "b": "rises", "c": "same", "d": "key"},
                 hint="the number of note-ons does not change; the number of steps doubles")
### BEGIN HIDDEN TESTS
assert str(answer_1_3()).strip().lower() == "b", "Exercise 1.3: the answer is (b)"
### END HIDDEN TESTS
fine = notes_to_tokens(soprano, vocab, steps_per_quarter=8)
print(f"check it: hold share at 4 steps/quarter {(tokens == vocab.HOLD).mean():.3f}, "
      f"at 8 steps/quarter {(fine == vocab.HOLD).mean():.3f}")

# %% [markdown]
# **Exercise 1.4 (open).** Transpose the BWV 347 soprano up a perfect fifth (7
# semitones) with `NoteList.transpose`, write it to a MIDI file in `workdir` and listen
# to it with `play`. What happens if you transpose it up three octaves and then ask for
# tokens? Read the error message: does it tell you what to do? Answer in the cell below, in
# two to four sentences.

# %% [markdown] nbgrader={"grade": true, "grade_id": "ex1_4", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Answer notes (instructors; the release shows an empty answer cell).** A fifth up is
# `soprano.transpose(7)`; `notes_to_midi(..., workdir / "fifth.mid")` writes it and `play`
# sounds it. Three octaves up (+36) moves the soprano to MIDI 100..112 (E7..E8), above the
# vocabulary's range, so `notes_to_tokens` raises a `VocabularyError`: "pitch 105 (A7) is
# outside the vocabulary range 48..95 (C3..B6)". It names the first pitch that does not fit
# and the range that does, so the fix (transpose back into range, or build a wider
# `MelodyVocabulary`) follows, but it does not spell that fix out: a good answer notices
# both. Rubric (2 points): 1 point for a correct transposition, file and
# playback (or the code for them); 1 point for quoting or paraphrasing the error and saying
# whether it says what to do.

# %% [markdown]
# ## Summary
#
# - A score is a tree (`music21`); a **note list** is five arrays — the form the course
#   computes with.
# - **Piano rolls** (time × pitch) suit convolutional models; add onsets and one voice's
#   round trip is exact (notes two voices share are still merged). **Melody tokens** (rest / hold / note-on on a 16th grid) suit sequence
#   models; three quarters of them are `hold`.
# - MIDI and WAV files are written atomically and never over your work.
# - The datasets are prepared once, checksummed, split **by tune** (never by window), and load in
#   a fraction of a second; your own MIDI folder loads the same way, with broken files reported.
#
# - Note names depend on the key (`pitch_name(p, key=...)`); a skyline melody is the highest
#   note *sounding*, not the highest note starting.
#
# **Try it yourself.** Tokenize the alto (`notes.select_part(1)`) and compare its
# `hold` share with the soprano's; print the skyline of bars 4–8 of BWV 347 and find where
# it leaves the soprano; load a jig and a reel and compare their note-on shares.
#
# **Next:** [02 · Feature extraction](02_feature_extraction.ipynb) — pitch, rhythm and timbre as numbers.
#
# ## References
#
# * M. S. Cuthbert and C. Ariza, "music21: A toolkit for computer-aided musicology and
#   symbolic music data", *ISMIR* 2010 — the score tree, parsers and corpus of section 1.
# * MIDI Manufacturers Association, *The Complete MIDI 1.0 Detailed Specification*, 1996 —
#   note numbers (60 = middle C) and the file format of section 5.
# * A. L. Uitdenbogerd and J. Zobel, "Manipulation of music for melody matching", *ACM
#   Multimedia* 1998 — the skyline algorithm (highest sounding note) of section 4.
# * G. Hadjeres, F. Pachet and F. Nielsen, "DeepBach: a steerable model for Bach chorales
#   generation", *ICML* 2017 — chorale voices on a 16th-note grid with a hold symbol, the
#   token scheme of section 4.
# * D. Eck and J. Schmidhuber, "Finding temporal structure in music: blues improvisation
#   with LSTM recurrent networks", *IEEE NNSP* 2002 — melodies as time-step sequences for RNNs.
# * H.-W. Dong, K. Chen, J. McAuley and T. Berg-Kirkpatrick, "MusPy: a toolkit for
#   symbolic music generation", *ISMIR* 2020 — note, piano-roll and event representations
#   and their conversions.
# * H. Schaffrath, *The Essen Folksong Collection*, ed. D. Huron, CCARH, 1995 — the Han
#   folk songs; F. O'Neill, *The Music of Ireland* (O'Neill's 1850), 1903 — the Irish tunes.
