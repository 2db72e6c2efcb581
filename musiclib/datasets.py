"""The course's corpora, prepared once and loaded in milliseconds.

Only music that ships inside music21 is used, so the course works offline:

============  ==========================================================  ==============
name          what                                                        licence
============  ==========================================================  ==============
chorales      J. S. Bach's four-part chorales (deduplicated: music21's    public domain
              iterator yields some files twice), parts S, A, T, B         music
oneills       O'Neill's *Music of Ireland* (1850), Irish folk tunes        public domain
                                                                          music
han           Essen folksong collection, Han Chinese folk songs           non-commercial
              (``han1.abc``, ``han2.abc``)                                 use only
german        Essen folksong collection, German folk songs: one file of   non-commercial
              each of seven collections (see :data:`GERMAN_FILES`)         use only
============  ==========================================================  ==============

``python -m musiclib.datasets build`` parses the corpus (a few minutes) and writes
``<name>.npz`` files (plain arrays, no pickle) and ``manifest.json`` (source, licence,
counts, split, sha256, builder version) into :func:`musiclib.config.data_dir`.
Loading checks the sha256 against the manifest, so a damaged file is caught with a
message that says how to rebuild.

The split is by **tune**, never by window: Bach harmonised many hymn tunes several
times and folk collections hold variants of one tune, so pieces whose melodies share
most of their 9-note interval patterns (see :func:`tune_groups`) form one group, and
each group goes to ``train``, ``valid`` or ``test`` by a hash of its first piece's id
(:func:`split_of`). Otherwise a model could score well on "unseen" music by
remembering another harmonisation of the same melody.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from musiclib.config import data_dir
from musiclib.errors import DataError, DatasetIntegrityError, MusicLibError, run_cli
from musiclib.fileio import atomic_path, atomic_write_text
from musiclib.representation import (
    DEFAULT_ROLL_RANGE,
    PITCH_CLASS_NAMES,
    LoadLimits,
    MelodyVocabulary,
    NoteList,
    load_notes,
    melody_steps,
    notes_from_stream,
    notes_to_piano_roll,
)

__all__ = [
    "BUILDER_VERSION",
    "CORPORA",
    "GERMAN_FILES",
    "SPLITS",
    "Piece",
    "Corpus",
    "BarRolls",
    "FolderReport",
    "list_music_files",
    "split_of",
    "tune_groups",
    "load_corpus",
    "load_chorales",
    "load_folk",
    "load_chorale_bars",
    "load_midi_folder",
    "read_manifest",
    "verify_prepared",
    "build",
]

BUILDER_VERSION = 3
SPLITS = ("train", "valid", "test")
MANIFEST = "manifest.json"
REBUILD_HINT = "rebuild it with `make data` (or `python -m musiclib.datasets build`)"

CORPORA: dict[str, dict[str, str]] = {
    "chorales": {
        "title": "J. S. Bach, four-part chorales",
        "source": "music21 corpus, corpus.chorales.Iterator() (deduplicated by file)",
        "license": "music: public domain; encodings distributed with music21 (BSD) by permission",
    },
    "oneills": {
        "title": "O'Neill's Music of Ireland (1850), Irish folk tunes",
        "source": "music21 corpus, oneills1850/*.abc (deduplicated by tune number)",
        "license": "music: public domain (1850); ABC encodings distributed with music21 by permission",
    },
    "han": {
        "title": "Essen folksong collection, Han Chinese folk songs",
        "source": "music21 corpus, essenFolksong/han1.abc and han2.abc",
        "license": "non-commercial distribution and use only (Essen collection, see music21 "
        "corpus/essenFolksong/license.txt)",
    },
    "german": {
        "title": "Essen folksong collection, German folk songs",
        "source": "music21 corpus, essenFolksong/altdeu10, ballad10, ballad60, boehme20, dva0, erk5, "
        "kinder0 (.abc)",
        "license": "non-commercial distribution and use only (Essen collection, see music21 "
        "corpus/essenFolksong/license.txt)",
    },
}

#: The Essen files parsed for the ``german`` corpus: one file from each of seven German
#: collections (old German songs, ballads, Boehme, the Deutsches Volksliedarchiv, Erk,
#: children's songs), about 1,250 songs, as many as the Han set; parsing all ~6,000
#: German songs would take several minutes and add nothing the lesson needs.
GERMAN_FILES = ("altdeu10", "ballad10", "ballad60", "boehme20", "dva0", "erk5", "kinder0")


def split_of(piece_id: str) -> str:
    """Train/valid/test assignment of a piece: ``sha256(id) mod 100`` < 80 / < 90 / else.

    Used by: musiclib.datasets, musiclib.train
    """
    h = int(hashlib.sha256(piece_id.encode("utf-8")).hexdigest(), 16) % 100
    return "train" if h < 80 else "valid" if h < 90 else "test"


FOLK_COLLECTIONS = ("oneills", "han", "german")
TUNE_NGRAM = 8  # intervals per pattern: 9 successive distinct pitches
TUNE_OVERLAP = 0.5  # share of the shorter melody's patterns found in the other
# A shared run of this many consecutive notes (same intervals, same durations) links two
# pieces outright: about three bars. Chorales move in quarters, folk tunes in eighths.
TUNE_RUN_NOTES = {"chorales": 12, "oneills": 24, "han": 24, "german": 24}


def _interval_patterns(melody: NoteList, k: int = TUNE_NGRAM) -> set[tuple[int, ...]]:
    p = melody.pitch.astype(np.int64)
    if p.size == 0:
        return set()
    p = p[np.concatenate([[True], p[1:] != p[:-1]])]  # repeated notes do not change the tune
    iv = np.diff(p)
    return {tuple(iv[i:i + k].tolist()) for i in range(len(iv) - k + 1)}


def _note_runs(melody: NoteList, n_notes: int) -> set[tuple]:
    """Runs of ``n_notes`` consecutive notes as (interval, duration) keys (key-free).

    A run of n notes is keyed by the n - 1 intervals between them and the durations of
    the n - 1 notes each interval arrives at (in 48ths of a quarter), so two runs with
    the same key have the same shape and rhythm up to the first note's length.
    """
    p = melody.pitch.astype(np.int64)
    if p.size < n_notes:
        return set()
    iv = np.diff(p)
    dur = np.round(melody.duration[1:] * 48).astype(np.int64)
    pairs = list(zip(iv.tolist(), dur.tolist(), strict=True))
    m = n_notes - 1
    return {tuple(pairs[i:i + m]) for i in range(len(pairs) - m + 1)}


def tune_groups(ids: Sequence[str], melodies: Sequence[NoteList], *,
                k: int = TUNE_NGRAM, overlap: float = TUNE_OVERLAP,
                run_notes: int | None = None) -> list[str]:
    """Group pieces that set the same melody; return each piece's group id.

    A melody's *patterns* are its runs of ``k`` successive melodic intervals (repeated
    notes merged, so key and rhythm do not matter). Two pieces are linked when
    ``|A & B| / min(|A|, |B|) > overlap`` for their pattern sets A, B, or, when
    ``run_notes`` is given, when they share any run of ``run_notes`` consecutive notes
    with the same intervals and durations (about three bars: a tune quoted or set again
    with other words). Groups are the connected components of the links (union-find),
    named by their first id in sorted order, so no melody is split from its twin.

    Used by: musiclib.datasets
    """
    if len(ids) != len(melodies):
        raise DataError(f"arguments 'ids' and 'melodies' differ in length: {len(ids)} vs {len(melodies)}")
    if run_notes is not None and run_notes < 2:
        raise DataError(f"argument 'run_notes' is {run_notes}; expected at least 2 notes")
    patterns = [_interval_patterns(m, k) for m in melodies]
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[tuple[int, ...], list[int]] = {}
    for i, pats in enumerate(patterns):
        for pat in pats:
            index.setdefault(pat, []).append(i)
    for i, pats in enumerate(patterns):
        shared: dict[int, int] = {}
        for pat in pats:
            for j in index[pat]:
                if j > i:
                    shared[j] = shared.get(j, 0) + 1
        for j, n in shared.items():
            if n / min(len(pats), len(patterns[j])) > overlap:
                parent[root(i)] = root(j)
    if run_notes is not None:
        owner: dict[tuple, int] = {}
        for i, melody in enumerate(melodies):
            for run in _note_runs(melody, run_notes):
                j = owner.setdefault(run, i)
                if j != i:
                    parent[root(i)] = root(j)
    first: dict[int, str] = {}
    for i in sorted(range(len(ids)), key=lambda i: ids[i]):
        first.setdefault(root(i), ids[i])
    return [first[root(i)] for i in range(len(ids))]


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Piece:
    """One piece of a corpus.

    Attributes
    ----------
    id : str
        Stable identifier, e.g. ``"bach/bwv66.6"`` or ``"oneills/0042"``.
    title : str
    notes : NoteList
        All notes; in chorales ``part`` 0..3 is soprano, alto, tenor, bass.
    key : str
        music21's default key analysis (Aarden-Essen key profiles), e.g. ``"A minor"``.
    key_tonic : int
        Pitch class of the tonic, 0 = C.
    key_mode : str
        ``"major"`` or ``"minor"``.
    time_signature : str
        e.g. ``"4/4"``.
    bar_quarters : float
        Length of a bar in quarter notes.
    anacrusis : float
        Quarter notes to add to an onset so that 0 falls on a downbeat (pickup).
    split : str
        ``"train"``, ``"valid"`` or ``"test"`` (shared by every piece of its tune).
    tune : str
        Id of the tune group (the first piece that sets the same melody).
    on_grid : bool
        All onsets and durations lie on the 16th-note grid (no triplets).

    Used by: musiclib.datasets
    """

    id: str
    title: str
    notes: NoteList
    key: str
    key_tonic: int
    key_mode: str
    time_signature: str
    bar_quarters: float
    anacrusis: float
    split: str
    tune: str
    on_grid: bool

    @property
    def melody(self) -> NoteList:
        """The top part (chorale soprano, or the tune itself)."""
        return self.notes.select_part(0)

    def semitones_to_c(self) -> int:
        """Transposition in -5..6 that moves the key to C major or A minor."""
        target = 0 if self.key_mode == "major" else 9
        return int((target - self.key_tonic + 5) % 12 - 5)


@dataclass
class Corpus:
    """A prepared corpus: a list of :class:`Piece` with split helpers.

    Used by: musiclib.datasets, musiclib.models.melody
    """

    name: str
    pieces: list[Piece]
    manifest: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pieces)

    def __iter__(self) -> Iterator[Piece]:
        return iter(self.pieces)

    def __getitem__(self, key: int | str) -> Piece:
        if isinstance(key, str):
            for p in self.pieces:
                if p.id == key:
                    return p
            raise DataError(f"corpus {self.name!r} has no piece with id {key!r}")
        return self.pieces[key]

    def __repr__(self) -> str:
        counts = {s: len(self.split(s)) for s in SPLITS}
        return f"Corpus({self.name!r}, {len(self)} pieces, split {counts})"

    def split(self, name: str) -> list[Piece]:
        """The pieces of one split: ``"train"``, ``"valid"`` or ``"test"``."""
        if name not in SPLITS:
            raise DataError(f"argument 'name' must be one of {SPLITS}, got {name!r}")
        return [p for p in self.pieces if p.split == name]

    def melodies(
        self,
        split: str,
        vocab: MelodyVocabulary | None = None,
        *,
        to_c: bool = False,
        on_grid_only: bool = True,
    ) -> list[tuple[Piece, NoteList]]:
        """The melodies (top parts) of one split that a melody model can use.

        Parameters
        ----------
        split : str
        vocab : MelodyVocabulary, optional
            Pieces whose melody leaves its pitch range are skipped.
        to_c : bool
            Transpose each melody to C major / A minor first.
        on_grid_only : bool
            Skip pieces with triplets (not representable on the 16th grid).

        Returns
        -------
        list of (Piece, NoteList)

        Taught in: notebooks/01_music_as_data.ipynb
        """
        vocab = vocab or MelodyVocabulary()
        out = []
        for piece in self.split(split):
            if on_grid_only and not piece.on_grid:
                continue
            melody = piece.melody
            if to_c:
                melody = melody.transpose(piece.semitones_to_c())
            if melody.pitch.min() < vocab.low or melody.pitch.max() >= vocab.high:
                continue
            out.append((piece, melody))
        return out

    def melody_sequences(
        self,
        split: str,
        vocab: MelodyVocabulary | None = None,
        *,
        to_c: bool = False,
        on_grid_only: bool = True,
    ) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Piece id, melody tokens and bar positions of each usable piece of one split.

        The pieces of :meth:`melodies`, each turned into model input by
        :func:`musiclib.representation.melody_steps` (its pickup and bar length
        from ``Piece.anacrusis`` and ``Piece.bar_quarters``).

        Taught in: notebooks/04_lstm_melody_generation.ipynb
        """
        vocab = vocab or MelodyVocabulary()
        out = []
        for piece, melody in self.melodies(split, vocab, to_c=to_c, on_grid_only=on_grid_only):
            tokens, positions = melody_steps(melody, vocab, anacrusis=piece.anacrusis,
                                             bar_quarters=piece.bar_quarters)
            out.append((piece.id, tokens, positions))
        return out

    def melody_tokens(
        self,
        split: str,
        vocab: MelodyVocabulary | None = None,
        *,
        to_c: bool = False,
        on_grid_only: bool = True,
    ) -> list[np.ndarray]:
        """Melody token sequences of one split (the tokens of :meth:`melody_sequences`).

        Chords in folk tunes (double stops) keep their top note.

        Taught in: notebooks/01_music_as_data.ipynb
        """
        return [t for _, t, _ in self.melody_sequences(split, vocab, to_c=to_c, on_grid_only=on_grid_only)]

    def summary(self) -> dict[str, float]:
        """Counts and ranges: pieces, notes, mean notes per piece, lowest/highest pitch."""
        pitches = np.concatenate([p.notes.pitch for p in self.pieces])
        return {
            "pieces": len(self),
            "notes": int(pitches.size),
            "notes_per_piece": round(pitches.size / max(len(self), 1), 1),
            "lowest_pitch": int(pitches.min()),
            "highest_pitch": int(pitches.max()),
            "on_grid_share": round(float(np.mean([p.on_grid for p in self.pieces])), 3),
        }


@dataclass(frozen=True)
class BarRolls:
    """One-bar four-part chorale piano rolls for the GAN lesson.

    Attributes
    ----------
    rolls : ndarray of uint8, shape (n_bars, 16, 48)
        16 sixteenth steps x MIDI 36..83.
    piece : ndarray of int32, shape (n_bars,)
        Index of the bar's piece in :func:`load_chorales`.
    split : ndarray of str, shape (n_bars,)
    low : int
        MIDI pitch of column 0.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """

    rolls: np.ndarray
    piece: np.ndarray
    split: np.ndarray
    low: int = DEFAULT_ROLL_RANGE[0]

    def of_split(self, name: str) -> np.ndarray:
        """The rolls of one split."""
        if name not in SPLITS:
            raise DataError(f"argument 'name' must be one of {SPLITS}, got {name!r}")
        return self.rolls[self.split == name]


# --------------------------------------------------------------------------- manifest / loading
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | os.PathLike | None = None) -> dict:
    """The manifest of a prepared-data folder (default :func:`data_dir`).

    Used by: musiclib.datasets
    """
    folder = Path(folder) if folder is not None else data_dir()
    path = folder / MANIFEST
    if not path.exists():
        raise DataError(f"no dataset manifest at {str(path)!r}; {REBUILD_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetIntegrityError(f"manifest {str(path)!r} is not valid JSON ({exc}); {REBUILD_HINT}") from exc
    if manifest.get("builder_version") != BUILDER_VERSION:
        raise DatasetIntegrityError(
            f"manifest {str(path)!r} was written by builder version "
            f"{manifest.get('builder_version')!r}, this musiclib expects {BUILDER_VERSION}; {REBUILD_HINT}"
        )
    return manifest


def _open_verified(file_name: str, folder: Path | None) -> tuple[dict, dict]:
    folder = Path(folder) if folder is not None else data_dir()
    manifest = read_manifest(folder)
    entry = manifest.get("files", {}).get(file_name)
    path = folder / file_name
    if entry is None:
        raise DataError(f"dataset file {file_name!r} is not listed in {str(folder / MANIFEST)!r}; {REBUILD_HINT}")
    if not path.exists():
        raise DataError(f"dataset file {str(path)!r} is missing; {REBUILD_HINT}")
    digest = _sha256(path)
    if digest != entry["sha256"]:
        raise DatasetIntegrityError(
            f"dataset file {str(path)!r} does not match its manifest (sha256 {digest[:12]}... "
            f"instead of {entry['sha256'][:12]}...): it was changed or damaged; {REBUILD_HINT}"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise DatasetIntegrityError(f"dataset file {str(path)!r} cannot be read ({exc}); {REBUILD_HINT}") from exc
    return arrays, entry


def verify_prepared(folder: str | os.PathLike | None = None) -> list[str]:
    """Check every file listed in the manifest against its sha256 and read it back.

    Returns
    -------
    list of str
        The file names checked, in manifest order.

    Raises
    ------
    DataError
        The manifest or a file is missing.
    DatasetIntegrityError
        A file does not match its manifest entry or cannot be read.

    Used by: musiclib.datasets, musiclib.environment
    """
    folder_path = Path(folder) if folder is not None else None
    names = list(read_manifest(folder)["files"])
    for file_name in names:
        _open_verified(file_name, folder_path)
    return names


def load_corpus(name: str, folder: str | os.PathLike | None = None) -> Corpus:
    """Load a prepared corpus by name (``"chorales"``, ``"oneills"``, ``"han"``, ``"german"``).

    Raises
    ------
    DataError
        Unknown name, or the file or manifest is missing.
    DatasetIntegrityError
        The file's checksum does not match the manifest.

    Used by: musiclib.datasets
    """
    if name not in CORPORA:
        raise DataError(f"argument 'name' is {name!r}; expected one of {sorted(CORPORA)}")
    a, entry = _open_verified(f"{name}.npz", Path(folder) if folder else None)
    starts = a["piece_start"]
    pieces = []
    for i in range(len(a["piece_id"])):
        s, e = int(starts[i]), int(starts[i + 1])
        notes = NoteList(a["pitch"][s:e], a["onset"][s:e], a["duration"][s:e],
                         a["velocity"][s:e], a["part"][s:e])
        pieces.append(Piece(
            id=str(a["piece_id"][i]), title=str(a["title"][i]), notes=notes,
            key=f"{PITCH_CLASS_NAMES[int(a['key_tonic'][i])]} {a['key_mode'][i]}",
            key_tonic=int(a["key_tonic"][i]), key_mode=str(a["key_mode"][i]),
            time_signature=str(a["time_signature"][i]), bar_quarters=float(a["bar_quarters"][i]),
            anacrusis=float(a["anacrusis"][i]), split=str(a["split"][i]), tune=str(a["tune"][i]),
            on_grid=bool(a["on_grid"][i]),
        ))
    return Corpus(name=name, pieces=pieces, manifest=entry)


def load_chorales(folder: str | os.PathLike | None = None) -> Corpus:
    """Bach's four-part chorales (part 0..3 = S, A, T, B). See :func:`load_corpus`.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    return load_corpus("chorales", folder)


def load_folk(collection: str = "oneills", folder: str | os.PathLike | None = None) -> Corpus:
    """A folk collection: ``"oneills"`` (Irish), ``"han"`` (Chinese) or ``"german"``. See :func:`load_corpus`.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    if collection not in FOLK_COLLECTIONS:
        raise DataError(f"argument 'collection' is {collection!r}; expected one of {FOLK_COLLECTIONS}")
    return load_corpus(collection, folder)


def load_chorale_bars(folder: str | os.PathLike | None = None) -> BarRolls:
    """One-bar 4/4 chorale piano rolls, shape (n_bars, 16, 48).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    a, _ = _open_verified("chorale_bars.npz", Path(folder) if folder else None)
    return BarRolls(rolls=a["rolls"], piece=a["piece"], split=a["split"], low=int(a["low"]))


# --------------------------------------------------------------------------- user folders
@dataclass
class FolderReport:
    """What :func:`load_midi_folder` read and what it skipped (with reasons).

    ``skipped`` names every music file or sub-folder that was not read and why: a
    file that failed to load, a link that loops, points to nothing or leads outside
    the folder (never opened, so nothing of it is quoted), a sub-folder that could
    not be listed. ``ignored`` counts entries that are not music files (other suffixes).

    Used by: musiclib.datasets
    """

    folder: Path
    pieces: dict[str, NoteList]
    skipped: dict[str, str]
    ignored: int = 0

    def __repr__(self) -> str:
        return f"FolderReport({str(self.folder)!r}: {len(self.pieces)} read, {len(self.skipped)} skipped)"

    def describe(self) -> str:
        """A readable report: one line per skipped entry and its reason."""
        lines = [f"read {len(self.pieces)} file(s) from {_safe_name(self.folder.name)}/, skipped {len(self.skipped)}"
                 + (f", ignored {self.ignored} file(s) with other suffixes" if self.ignored else "")]
        lines += [f"  skipped {name}: {why}" for name, why in sorted(self.skipped.items())]
        return "\n".join(lines)


def _safe_name(name: str) -> str:
    """A file name that prints anywhere: bytes that are not UTF-8 shown as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _walk_music_files(folder: Path, recursive: bool, wanted: set[str]) -> tuple[list[Path], dict[str, str], int]:
    """(music files to read, {entry: why it is not read}, number of other files) of a folder.

    Links are followed only to regular files inside the folder; links to folders are not
    followed (no cycles); a sub-folder that cannot be listed is reported, not dropped.
    """
    root = folder.resolve()
    files: list[Path] = []
    skipped: dict[str, str] = {}
    ignored = 0
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            rel = _safe_name(str(current.relative_to(folder))) + "/"
            if current == folder:
                raise DataError(f"folder {str(folder)!r} could not be listed: {exc.strerror or exc}") from exc
            skipped[rel] = f"sub-folder could not be read: {exc.strerror or exc}"
            continue
        for entry in entries:
            path = Path(entry.path)
            rel = _safe_name(str(path.relative_to(folder)))
            music = path.suffix.lower() in wanted
            try:
                if entry.is_symlink():
                    try:
                        resolved = path.resolve(strict=True)
                    except (OSError, RuntimeError):
                        if music:
                            skipped[rel] = "a link that loops or points to nothing; not read"
                        continue
                    if resolved != root and root not in resolved.parents:
                        if music or resolved.is_dir():
                            skipped[rel] = "a link to something outside the folder; not read"
                        continue
                    if resolved.is_dir():
                        if recursive:
                            skipped[rel + "/"] = "a link to a folder; links to folders are not followed"
                        continue
                if entry.is_dir(follow_symlinks=False):
                    if recursive:
                        stack.append(path)
                    continue
            except OSError as exc:
                skipped[rel] = f"could not be inspected: {exc.strerror or exc}"
                continue
            if not music:
                ignored += 1
                continue
            try:
                regular = path.is_file()
            except OSError:
                regular = False
            if not regular:
                skipped[rel] = "not a regular file (a device, pipe or socket); not read"
                continue
            files.append(path)
    return sorted(files), skipped, ignored


def list_music_files(
    path: str | os.PathLike,
    *,
    recursive: bool = True,
    suffixes: Sequence[str] = (".mid", ".midi"),
) -> list[Path]:
    """The files of a folder with one of ``suffixes`` (case-insensitive), sorted.

    The one folder lister behind :func:`load_midi_folder` and
    :func:`musiclib.models.melody.stream_midi_folder`. Links are followed only to files
    inside the folder; links to folders are not followed.

    Raises
    ------
    DataError
        If the folder does not exist, is a file, or holds no file with those suffixes.

    Used by: musiclib.datasets.load_midi_folder, musiclib.models.melody.stream_midi_folder
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"folder {str(folder)!r} does not exist or is not a folder")
    wanted = {s.lower() for s in suffixes}
    files, _, _ = _walk_music_files(folder, recursive, wanted)
    if not files:
        raise DataError(f"folder {str(folder)!r} holds no files ending in {sorted(wanted)}")
    return files


def load_midi_folder(
    path: str | os.PathLike,
    *,
    recursive: bool = True,
    suffixes: Sequence[str] = (".mid", ".midi"),
    limits: LoadLimits | None = None,
) -> FolderReport:
    """Read every MIDI file in a folder; bad files are skipped and reported.

    Parameters
    ----------
    path : folder
    recursive : bool
        Also look in sub-folders.
    suffixes : sequence of str
        Which files to read (case-insensitive); add ``".xml"``, ``".mxl"``,
        ``".abc"`` for notation files.
    limits : LoadLimits, optional
        Size, length and time limits of each file (see
        :class:`musiclib.representation.LoadLimits`); files beyond them are skipped.

    Returns
    -------
    FolderReport
        ``pieces`` maps each file's path relative to the folder to its notes;
        ``skipped`` maps every entry that was not read (a bad file, a link that loops
        or leads outside the folder, an unreadable sub-folder) to the reason;
        ``describe()`` gives a summary line and the list.

    Raises
    ------
    DataError
        If the folder does not exist or holds no file with those suffixes.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"folder {str(folder)!r} does not exist or is not a folder")
    wanted = {s.lower() for s in suffixes}
    files, skipped, ignored = _walk_music_files(folder, recursive, wanted)
    if not files and not skipped:
        raise DataError(f"folder {str(folder)!r} holds no files ending in {sorted(wanted)}")
    pieces: dict[str, NoteList] = {}
    for f in files:
        rel = _safe_name(str(f.relative_to(folder)))
        try:
            pieces[rel] = load_notes(f, limits=limits)
        except MusicLibError as exc:
            skipped[rel] = _safe_name(str(exc).replace(f"file {str(f)!r}", "file").strip())
    return FolderReport(folder=folder, pieces=pieces, skipped=skipped, ignored=ignored)


# --------------------------------------------------------------------------- building
def _progress(iterable: Sequence, label: str, enabled: bool) -> Iterator:
    n = len(iterable)
    start = time.perf_counter()
    for i, item in enumerate(iterable, 1):
        yield item
        if enabled and (i == n or i % max(1, n // 50) == 0):
            done = int(30 * i / n)
            rate = i / max(time.perf_counter() - start, 1e-9)
            sys.stderr.write(f"\r{label:>9} [{'#' * done}{'.' * (30 - done)}] {i}/{n} ({rate:.1f}/s)")
            sys.stderr.flush()
    if enabled:
        sys.stderr.write("\n")


def _quarters(x) -> float:
    return float(Fraction(x)) if not isinstance(x, float) else x


def _describe_score(score, piece_id: str, title: str) -> dict:
    """Everything stored about one parsed score."""
    from music21 import meter

    notes = notes_from_stream(score, name=f"piece {piece_id!r}")
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    first = parts[0]
    measures = first.getElementsByClass("Measure")
    anacrusis = 0.0
    ts = None
    if len(measures):
        anacrusis = _quarters(measures[0].paddingLeft)
    found = list(score.recurse().getElementsByClass(meter.TimeSignature))
    ts = found[0] if found else meter.TimeSignature("4/4")
    key = score.analyze("key")
    grid = np.concatenate([notes.onset, notes.duration]) * 4
    return {
        "notes": notes,
        "piece_id": piece_id,
        "title": title or piece_id,
        "key_tonic": key.tonic.pitchClass,
        "key_mode": key.mode if key.mode in ("major", "minor") else "major",
        "time_signature": ts.ratioString,
        "bar_quarters": float(ts.barDuration.quarterLength),
        "anacrusis": anacrusis,
        "on_grid": bool(np.all(np.abs(grid - np.round(grid)) < 1e-6)),
        "n_parts": len(parts),
    }


def _chorale_records(progress: bool) -> list[dict]:
    from music21 import corpus

    names = list(dict.fromkeys(corpus.chorales.Iterator(returnType="filename")))
    records = []
    for name in _progress(names, "chorales", progress):
        score = corpus.parse(name)
        if len(score.parts) != 4:
            continue
        short = name.split("/")[-1]
        title = score.metadata.title if score.metadata and score.metadata.title else ""
        title = "" if not title or short in title or "/" in title else title
        records.append(_describe_score(score, name, f"{short}: {title}" if title else short))
    return records


def _abc_records(prefix: str, files: list[str], progress: bool) -> list[dict]:
    from music21 import corpus

    records: list[dict] = []
    seen: set[str] = set()
    for path in _progress(files, prefix, progress):
        opus = corpus.parse(path)
        scores = list(opus.scores) if hasattr(opus, "scores") else [opus]
        for k, score in enumerate(scores):
            number = score.metadata.number if score.metadata and score.metadata.number else None
            key = f"{int(number):04d}" if number and str(number).isdigit() else f"{Path(path).stem}-{k}"
            if prefix in ("han", "german"):
                key = f"{Path(path).stem}-{k:03d}"
            piece_id = f"{prefix}/{key}"
            if piece_id in seen:
                continue
            try:
                rec = _describe_score(score, piece_id, score.metadata.title if score.metadata else "")
            except MusicLibError:
                continue  # a tune with no notes
            seen.add(piece_id)
            records.append(rec)
    return records


def _save_corpus(records: list[dict], out: Path, name: str) -> dict:
    records = sorted(records, key=lambda r: r["piece_id"])
    tunes = tune_groups([r["piece_id"] for r in records], [r["notes"].select_part(0) for r in records],
                        run_notes=TUNE_RUN_NOTES[name])
    for r, tune in zip(records, tunes, strict=True):
        r["tune"], r["split"] = tune, split_of(tune)
    notes = [r["notes"] for r in records]
    counts = np.array([len(n) for n in notes])
    arrays = {
        "pitch": np.concatenate([n.pitch for n in notes]),
        "onset": np.concatenate([n.onset for n in notes]),
        "duration": np.concatenate([n.duration for n in notes]),
        "velocity": np.concatenate([n.velocity for n in notes]),
        "part": np.concatenate([n.part for n in notes]),
        "piece_start": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
    }
    for key in ("piece_id", "title", "key_mode", "time_signature", "split", "tune"):
        arrays[key] = np.array([str(r[key]) for r in records])
    arrays["key_tonic"] = np.array([r["key_tonic"] for r in records], dtype=np.int8)
    arrays["bar_quarters"] = np.array([r["bar_quarters"] for r in records])
    arrays["anacrusis"] = np.array([r["anacrusis"] for r in records])
    arrays["on_grid"] = np.array([r["on_grid"] for r in records])
    file_name = f"{name}.npz"
    with atomic_path(out / file_name, overwrite=True) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    split_counts = {s: int(np.sum(arrays["split"] == s)) for s in SPLITS}
    return {
        **CORPORA[name],
        "sha256": _sha256(out / file_name),
        "bytes": (out / file_name).stat().st_size,
        "counts": {
            "pieces": len(records),
            "notes": int(counts.sum()),
            "on_grid_pieces": int(arrays["on_grid"].sum()),
            "tunes": len(set(tunes)),
            **{f"{s}_pieces": c for s, c in split_counts.items()},
        },
        "split": f"by tune: pieces whose melodies share > {TUNE_OVERLAP:.0%} of their {TUNE_NGRAM}-interval "
        f"patterns, or any run of {TUNE_RUN_NOTES[name]} notes with the same intervals and durations, form a "
        f"group; sha256(group id) mod 100 < 80 train, < 90 valid, else test",
    }


def _save_bars(records: list[dict], out: Path) -> dict:
    """Cut the 4/4 chorales into one-bar rolls (16 x 48), dropping empty bars."""
    records = sorted(records, key=lambda r: r["piece_id"])
    rolls, piece, split = [], [], []
    for index, r in enumerate(records):
        if r["time_signature"] != "4/4" or not r["on_grid"]:
            continue
        shifted = r["notes"].shift(r["anacrusis"]) if r["anacrusis"] else r["notes"]
        n_steps = int(np.ceil(shifted.end / 4.0)) * 16
        roll = notes_to_piano_roll(shifted, n_steps=n_steps, out_of_range="drop")
        bars = roll.reshape(-1, 16, roll.shape[1])
        keep = bars.reshape(len(bars), -1).any(axis=1)
        rolls.append(bars[keep])
        piece += [index] * int(keep.sum())
        split += [r["split"]] * int(keep.sum())
    arrays = {
        "rolls": np.concatenate(rolls).astype(np.uint8),
        "piece": np.array(piece, dtype=np.int32),
        "split": np.array(split),
        "low": np.array(DEFAULT_ROLL_RANGE[0]),
    }
    with atomic_path(out / "chorale_bars.npz", overwrite=True) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return {
        **CORPORA["chorales"],
        "title": "One-bar 4/4 chorale piano rolls (16 sixteenths x MIDI 36..83)",
        "sha256": _sha256(out / "chorale_bars.npz"),
        "bytes": (out / "chorale_bars.npz").stat().st_size,
        "counts": {"bars": int(arrays["rolls"].shape[0]),
                   **{f"{s}_bars": int(np.sum(arrays["split"] == s)) for s in SPLITS}},
        "split": "by tune, as chorales.npz",
    }


def build(
    out: str | os.PathLike | None = None,
    *,
    only: Sequence[str] | None = None,
    progress: bool = True,
) -> dict:
    """Parse the music21 corpora and write the prepared datasets and manifest.

    Parameters
    ----------
    out : folder, optional
        Default :func:`musiclib.config.data_dir`.
    only : names, optional
        Build only these corpora (others keep their manifest entries).
    progress : bool
        Print a progress bar to stderr.

    Returns
    -------
    dict
        The manifest written.

    Used by: musiclib.datasets
    """
    import music21

    folder = Path(out) if out is not None else data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    names = list(only) if only else list(CORPORA)
    for n in names:
        if n not in CORPORA:
            raise DataError(f"argument 'only' names {n!r}; expected some of {sorted(CORPORA)}")
    try:
        manifest = read_manifest(folder)
    except DataError:
        manifest = {"files": {}}
    manifest.update({
        "builder_version": BUILDER_VERSION,
        "built_with": {"music21": music21.__version__, "numpy": np.__version__},
        "command": "python -m musiclib.datasets build",
    })
    from music21 import corpus as m21corpus

    builders: dict[str, Callable[[], list[dict]]] = {
        "chorales": lambda: _chorale_records(progress),
        "oneills": lambda: _abc_records(
            "oneills", sorted(str(p) for p in m21corpus.getPaths() if "oneills1850" in str(p)), progress),
        "han": lambda: _abc_records("han", ["essenFolksong/han1.abc", "essenFolksong/han2.abc"], progress),
        "german": lambda: _abc_records("german", [f"essenFolksong/{f}.abc" for f in GERMAN_FILES], progress),
    }
    for name in names:
        t0 = time.perf_counter()
        records = builders[name]()
        manifest["files"][f"{name}.npz"] = _save_corpus(records, folder, name)
        if name == "chorales":
            manifest["files"]["chorale_bars.npz"] = _save_bars(records, folder)
        if progress:
            sys.stderr.write(f"{name}: {len(records)} pieces in {time.perf_counter() - t0:.0f} s\n")
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                      overwrite=True)
    return manifest


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m musiclib.datasets", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse the music21 corpora and write datasets/")
    b.add_argument("--out", default=None, help="folder (default: $MUSICLIB_DATA or datasets/)")
    b.add_argument("--only", nargs="+", choices=sorted(CORPORA), help="build only these corpora")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    v = sub.add_parser("verify", help="check every prepared file against the manifest")
    v.add_argument("--folder", default=None)
    args = parser.parse_args(argv)

    def verify() -> None:
        for file_name in verify_prepared(args.folder):
            print(f"ok  {file_name}")

    if args.command == "build":
        return run_cli(lambda: build(args.out, only=args.only, progress=not args.quiet))
    return run_cli(verify)


if __name__ == "__main__":
    raise SystemExit(_main())
