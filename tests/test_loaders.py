"""Awkward inputs for the file and folder loaders: each gives notes or a clear project error, fast."""

from __future__ import annotations

import zipfile

import pytest

from musiclib.datasets import load_midi_folder
from musiclib.errors import DataError, MidiFileError
from musiclib.notation import notes_to_midi
from musiclib.representation import LoadLimits, NoteList, load_notes, notes_from_midi, scan_midi_bytes


def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def smf(track: bytes, tpq: int = 96) -> bytes:
    """A format-0 Standard MIDI File with one track (end-of-track appended)."""
    body = track + b"\x00\xff\x2f\x00"
    return (b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
            + tpq.to_bytes(2, "big") + b"MTrk" + len(body).to_bytes(4, "big") + body)


def one_note(quarters: int, *, channel: int = 0, tpq: int = 96) -> bytes:
    on = bytes([0x90 | channel, 60, 100])
    off = bytes([0x80 | channel, 60, 0])
    return smf(b"\x00" + on + _vlq(quarters * tpq) + off, tpq)


def test_scan_of_a_hand_built_file_counts_notes_and_lengths():
    scan = scan_midi_bytes(one_note(3))
    assert (scan.ticks_per_quarter, scan.quarters, scan.notes, scan.longest_note_quarters) == (96, 3.0, 1, 3.0)


def test_scan_follows_running_status_and_velocity_zero_note_offs():
    # note-on C, then (running status) C with velocity 0 = off after 1 quarter, then E for 2 quarters
    track = b"\x00\x90\x3c\x64" + _vlq(96) + b"\x3c\x00" + b"\x00\x40\x64" + _vlq(192) + b"\x40\x00"
    scan = scan_midi_bytes(smf(track))
    assert (scan.notes, scan.quarters, scan.longest_note_quarters) == (2, 3.0, 2.0)


def test_a_tiny_file_holding_one_endless_note_is_refused_before_music21(tmp_path):
    p = tmp_path / "endless.mid"
    p.write_bytes(one_note(16_000))
    assert p.stat().st_size < 50
    with pytest.raises(MidiFileError, match=r"endless.mid.*note of 16,000 quarter notes.*limit is 256"):
        load_notes(p)


def test_limits_can_be_raised_for_a_long_note(tmp_path):
    p = tmp_path / "long.mid"
    p.write_bytes(one_note(300))
    with pytest.raises(MidiFileError, match="limit is 256"):
        notes_from_midi(p)
    notes = load_notes(p, limits=LoadLimits(max_note_quarters=400))
    assert notes.pitch.tolist() == [60] and notes.duration.tolist() == [300.0]


def test_total_length_note_count_and_size_limits_name_the_file(tmp_path):
    p = tmp_path / "song.mid"
    p.write_bytes(one_note(8))
    with pytest.raises(MidiFileError, match="song.mid.*lasts 8 quarter notes; the limit is 4"):
        load_notes(p, limits=LoadLimits(max_quarters=4))
    with pytest.raises(MidiFileError, match="song.mid.*holds more than 0 notes; the limit is 0"):
        load_notes(p, limits=LoadLimits(max_notes=0))
    with pytest.raises(MidiFileError, match="song.mid.*bytes; the limit is 10"):
        load_notes(p, limits=LoadLimits(max_bytes=10))


def test_header_only_file_is_refused(tmp_path):
    p = tmp_path / "header.mid"
    p.write_bytes(one_note(1)[:14])
    with pytest.raises(MidiFileError, match="header.mid.*header but no tracks"):
        load_notes(p)


def test_file_without_notes_is_refused(tmp_path):
    p = tmp_path / "silent.mid"
    p.write_bytes(smf(b""))
    with pytest.raises(MidiFileError, match="silent.mid.*no notes"):
        load_notes(p)


def test_drums_only_file_gives_no_pitched_notes(tmp_path):
    p = tmp_path / "drums.mid"
    p.write_bytes(one_note(1, channel=9))
    with pytest.raises(MidiFileError, match="drums.mid.*no pitched notes"):
        load_notes(p)


def test_malformed_event_is_refused(tmp_path):
    p = tmp_path / "bad.mid"
    p.write_bytes(smf(b"\x00\x3c\x64"))  # a data byte with no status before it
    with pytest.raises(MidiFileError, match="bad.mid.*malformed.*running status"):
        load_notes(p)


def test_a_directory_is_a_project_error(tmp_path):
    folder = tmp_path / "songs.mid"
    folder.mkdir()
    with pytest.raises(MidiFileError, match="songs.mid.*is a folder"):
        notes_from_midi(folder)
    with pytest.raises(MidiFileError, match="is a folder"):
        load_notes(tmp_path)


def test_missing_file_is_a_project_error(tmp_path):
    with pytest.raises(MidiFileError, match="gone.mid.*does not exist"):
        notes_from_midi(tmp_path / "gone.mid")


def test_unreadable_file_is_a_project_error(tmp_path, monkeypatch):
    p = tmp_path / "locked.mid"
    p.write_bytes(one_note(1))

    import musiclib.representation as rep

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(rep.os, "open", refuse)
    with pytest.raises(MidiFileError, match="locked.mid.*could not be read: Permission denied"):
        load_notes(p)


def test_a_pipe_is_refused_without_blocking(tmp_path):
    import os

    p = tmp_path / "pipe.mid"
    os.mkfifo(p)
    with pytest.raises(MidiFileError, match="pipe.mid.*not a regular file"):
        load_notes(p)


def test_non_ascii_file_name_reads(tmp_path):
    melody = NoteList.from_arrays([60, 64, 67], [0, 1, 2], [1, 1, 1])
    p = notes_to_midi(melody, tmp_path / "茉莉花 – Jasmine.mid")
    assert load_notes(p) == melody


def test_malformed_musicxml_is_a_project_error(tmp_path):
    p = tmp_path / "broken.musicxml"
    p.write_text("<score-partwise><part id='P1'><measure>")
    with pytest.raises(MidiFileError, match="broken.musicxml"):
        load_notes(p)


def test_entity_laden_musicxml_is_refused(tmp_path):
    p = tmp_path / "laughs.xml"
    entities = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, 10))
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e0 "ha">{entities}]><s>&e9;</s>')
    with pytest.raises(MidiFileError, match="laughs.xml.*declares XML entities"):
        load_notes(p)


def test_entity_laden_mxl_is_refused(tmp_path):
    p = tmp_path / "laughs.mxl"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("score.xml", '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "x">]><s>&a;</s>')
    with pytest.raises(MidiFileError, match="laughs.mxl.*declares XML entities"):
        load_notes(p)


def test_folder_loader_skips_awkward_files_and_says_why(tmp_path):
    notes_to_midi(NoteList.from_arrays([60, 62], [0, 1], [1, 1]), tmp_path / "good.mid")
    (tmp_path / "endless.mid").write_bytes(one_note(16_000))
    (tmp_path / "drums.mid").write_bytes(one_note(1, channel=9))
    (tmp_path / "header.mid").write_bytes(one_note(1)[:14])
    (tmp_path / "dir.mid").mkdir()
    report = load_midi_folder(tmp_path)
    assert list(report.pieces) == ["good.mid"]
    assert set(report.skipped) == {"endless.mid", "drums.mid", "header.mid"}
    assert "note of 16,000 quarter notes" in report.skipped["endless.mid"]
    text = report.describe()
    assert text.splitlines()[0] == f"read 1 file(s) from {tmp_path.name}/, skipped 3"
    assert "  skipped endless.mid: file holds a note of 16,000 quarter notes" in text


def test_folder_loader_passes_limits_on(tmp_path):
    (tmp_path / "long.mid").write_bytes(one_note(300))
    assert list(load_midi_folder(tmp_path).skipped) == ["long.mid"]
    assert list(load_midi_folder(tmp_path, limits=LoadLimits(max_note_quarters=400)).pieces) == ["long.mid"]


def test_folder_loader_refuses_a_file_path(tmp_path):
    (tmp_path / "a.mid").write_bytes(one_note(1))
    with pytest.raises(DataError, match="a.mid.*not a folder"):
        load_midi_folder(tmp_path / "a.mid")
