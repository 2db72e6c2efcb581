"""Notation: music21 scores and MIDI files from notes, with a key signature that fits.

A :class:`~musiclib.representation.NoteList` knows pitches and times but not how to
write them down. Writing a score or a MIDI file needs a key signature, and the key
comes from Krumhansl-Schmuckler key finding (:func:`musiclib.features.estimate_key`,
taught in notebook 02), so this module sits above :mod:`musiclib.features`.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import os
from pathlib import Path

from musiclib.errors import RepresentationError
from musiclib.features import estimate_key
from musiclib.fileio import atomic_path
from musiclib.representation import NoteList

__all__ = ["key_signature_sharps", "notes_to_stream", "notes_to_midi"]


_SHARPS_OF_MAJOR = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 1: -5, 8: -4, 3: -3, 10: -2, 5: -1}


def key_signature_sharps(notes: NoteList) -> int:
    """Number of sharps (negative: flats) of the key signature for engraving ``notes``.

    The key is found with Krumhansl-Schmuckler key finding
    (:func:`musiclib.features.estimate_key`, taught in notebook 02); a minor key
    uses the signature of its relative major.

    Used by: musiclib.notation
    """
    if len(notes) == 0:
        return 0
    key = estimate_key(notes)
    major_tonic = key.tonic if key.mode == "major" else (key.tonic + 3) % 12
    return _SHARPS_OF_MAJOR[major_tonic]


def notes_to_stream(notes: NoteList, *, bpm: float | None = None, title: str | None = None):
    """Build a music21 score with one part per ``notes.part`` value.

    The key signature is estimated with :func:`key_signature_sharps` and black keys
    are spelled to match it (sharps in sharp keys, flats in flat keys); each part gets
    the clef that fits its range. Simultaneous notes in one part become chords
    (``chordify``), so the score can be engraved as MusicXML and rendered by
    :func:`musiclib.display.score_svg`.

    Used by: musiclib.display, musiclib.notation
    """
    from music21 import clef, key, metadata, note, pitch, stream, tempo
    from music21 import volume as m21volume

    if len(notes) == 0:
        raise RepresentationError("argument 'notes' is empty; nothing to put in a score")
    sharps = key_signature_sharps(notes)
    score = stream.Score()
    if title:
        score.metadata = metadata.Metadata(title=title)
    for k, part_id in enumerate(sorted(set(notes.part.tolist()))):
        sub = notes[notes.part == part_id]
        part = stream.Part()
        part.id = f"P{part_id}"
        part.insert(0, key.KeySignature(sharps))
        if bpm is not None and k == 0:
            part.insert(0, tempo.MetronomeMark(number=bpm))
        for p, o, d, v in zip(sub.pitch, sub.onset, sub.duration, sub.velocity, strict=True):
            n = note.Note(quarterLength=float(d))
            n.pitch = pitch.Pitch(midi=int(p))
            acc = n.pitch.accidental
            if acc is not None and ((sharps < 0 and acc.alter > 0) or (sharps > 0 and acc.alter < 0)):
                n.pitch = n.pitch.getEnharmonic()
            n.volume = m21volume.Volume(velocity=int(v))
            part.insert(float(o), n)
        if not sub.is_monophonic():
            part = part.chordify()
            part.id = f"P{part_id}"
        part.insert(0, clef.bestClef(part, allowTreble8vb=True, recurse=True))
        score.insert(0, part)
    return score




def notes_to_midi(
    notes: NoteList,
    path: str | os.PathLike,
    *,
    bpm: float = 100.0,
    overwrite: bool = False,
) -> Path:
    """Write notes to a Standard MIDI File, atomically (one track per part).

    Refuses to replace an existing file unless ``overwrite=True``.

    Taught in: notebooks/01_music_as_data.ipynb
    """
    from music21 import midi

    if len(notes) == 0:
        raise RepresentationError("argument 'notes' is empty; refusing to write an empty MIDI file")
    if not (20 <= bpm <= 400):
        raise RepresentationError(f"argument 'bpm' must be in 20..400, got {bpm!r}")
    score = notes_to_stream(notes, bpm=bpm)
    mf = midi.translate.streamToMidiFile(score)
    with atomic_path(path, overwrite=overwrite) as tmp:
        mf.open(str(tmp), "wb")
        try:
            mf.write()
        finally:
            mf.close()
    return Path(path)
