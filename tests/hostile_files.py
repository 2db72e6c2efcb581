"""Hostile music files, generated (never committed): each must load or be refused fast.

``python tests/hostile_files.py OUT_DIR`` writes them; ``python tests/hostile_files.py
--measure OUT_DIR`` loads each in a fresh process and prints seconds and peak MB
(the figures in docs/FACTS.md). ``tests/test_hostile_files.py`` runs them in CI.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path


def vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def smf(tracks: list[bytes], division: int = 96, fmt: int = 1) -> bytes:
    """A Standard MIDI File; each track gets an end-of-track event."""
    out = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division)
    for t in tracks:
        body = t + b"\x00\xff\x2f\x00"
        out += b"MTrk" + struct.pack(">I", len(body)) + body
    return out


def notes_track(n: int, step: int = 24, pitch0: int = 60) -> bytes:
    """``n`` consecutive notes of ``step`` ticks, running status, note-on velocity 0 as note-off."""
    out = bytearray(b"\x00\x90" + bytes([pitch0, 80]))
    out += vlq(step) + bytes([pitch0, 0])
    for i in range(1, n):
        p = pitch0 + i % 12
        out += b"\x00" + bytes([p, 80]) + vlq(step) + bytes([p, 0])
    return bytes(out)


def mxl(members: dict[str, bytes], *, lie_about_size: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray(buf.getvalue())
    if lie_about_size is not None:  # patch the declared uncompressed size in both headers
        for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            i = raw.find(sig)
            while i >= 0:
                raw[i + off:i + off + 4] = struct.pack("<I", lie_about_size)
                i = raw.find(sig, i + 4)
    return bytes(raw)


def deflate_bomb(n_bytes: int) -> bytes:
    """A zip whose single member inflates to ``n_bytes`` zeros but declares 1,000 bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(n_bytes >> 20)) + comp.flush()
    name = b"score.xml"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(body), 1000, len(name), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(body), 1000,
                          len(name), 0, 0, 0, 0, 0, 0)
    cd_off = len(local) + len(name) + len(body)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), cd_off, 0)
    return local + name + body + central + name + end


MUSICXML_NOTE = (b"<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration>"
                 b"<type>quarter</type></note>")


def musicxml(n_measures: int, notes_per_measure: int = 4, duration: int = 1, divisions: int = 1) -> bytes:
    note = MUSICXML_NOTE.replace(b"<duration>1</duration>", f"<duration>{duration}</duration>".encode())
    measure = b"".join(note for _ in range(notes_per_measure))
    body = b"".join(b'<measure number="%d">' % (i + 1) + (b"<attributes><divisions>%d</divisions></attributes>"
                                                          % divisions if i == 0 else b"") + measure
                    + b"</measure>" for i in range(n_measures))
    return (b'<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.1"><part-list>'
            b'<score-part id="P1"><part-name>x</part-name></score-part></part-list><part id="P1">'
            + body + b"</part></score-partwise>")


def hostile_files() -> dict[str, bytes]:
    """name -> bytes of every hostile case (the names say what each one tries)."""
    on, off = b"\x90\x3c\x64", b"\x80\x3c\x00"
    files = {
        # 0xF8 (a real-time byte) where a status byte belongs: music21 reads it as a delay
        "f8_delay.mid": smf([b"\x00" + on + b"\x08\xf8\x7f\x7f" + b"\x00" + off], 96, 0),
        "f8_delay_32767tpq.mid": smf([b"\x00" + on + b"\x08\xf8\xff\xff\x7f" + b"\x00" + off], 32767, 0),
        "endless_note.mid": smf([b"\x00" + on + vlq(16_000 * 96) + off]),
        "long_vlq.mid": smf([b"\x00" + on + b"\xff" * 4000 + b"\x00" + off]),
        "huge_meta_length.mid": smf([b"\x00\xff\x01" + b"\xff" * 4000 + b"\x00" + b"\x00" + on + b"\x60" + off]),
        "many_long_notes.mid": smf([b"".join(b"\x00" + on + vlq(250 * 96) + off for _ in range(80))]),
        "two_notes_far_apart.mid": smf([b"\x00" + on + b"\x60" + off + vlq(19_000 * 96) + on + b"\x60" + off]),
        "running_status_after_sysex.mid": smf([b"\x00" + on + b"\x00\xf0\x01\xf7" + b"\x60\x3c\x00"]),
        "data_byte_first.mid": smf([b"\x00\x3c\x64\x60\x3c\x00"]),
        "smpte_25x25.mid": smf([b"".join(b"\x00" + on + vlq(625) + off for _ in range(8))],
                               division=((256 - 25) << 8) | 25),
        "smpte_bad_rate.mid": smf([b"\x00" + on + b"\x60" + off], division=((256 - 17) << 8) | 4),
        "zero_division.mid": smf([b"\x00" + on + b"\x60" + off], division=0),
        "many_notes_800k.mid": smf([notes_track(100_000, step=6)]),
        "many_tracks.mid": smf([notes_track(2_000, step=24)] * 100),
        "many_tiny_tracks.mid": smf([b"\x00\x90\x3c\x64\x01\x80\x3c\x00"] * 60_000),
        "chord_of_voices.mid": smf([b"".join(b"\x00\x90" + bytes([p, 64]) for p in range(128))
                                    + b"".join(vlq(1 + i) + bytes([0x80, i, 0]) for i in range(128))] * 50),
        "truncated.mid": smf([b"\x00" + on + b"\x60" + off])[:-3],
        "zip_bomb.mxl": deflate_bomb(64 << 20),
        "lying_zip.mxl": mxl({"score.xml": musicxml(400)}, lie_about_size=1000),
        "honest_zip_bomb.mxl": mxl({"score.xml": b"<a>" + b" " * 40_000_000 + b"</a>"}),
        "huge_note.musicxml": musicxml(1, 1, duration=10**9),
        "many_measures.musicxml": musicxml(6_000, 4),
        "entities.xml": (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "xxxxxxxxxx"><!ENTITY b "&a;&a;&a;">]>'
                         b"<s>&b;</s>"),
        "entities_utf16.xml": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE s [<!ENTITY a "xxxxxxxxxx">'
                               '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><s>&b;</s>').encode("utf-16"),
        "abc_huge_note.abc": b"X:1\nT:t\nM:4/4\nL:1/4\nK:C\nC100000000|\n",
        "abc_many_notes.abc": b"X:1\nT:t\nM:4/4\nL:1/16\nK:C\n" + b"CDEF GABc " * 30_000 + b"\n",
        "abc_just_under_the_note_limit.abc": b"X:1\nT:t\nM:4/4\nL:1/16\nK:C\n" + b"CDEFGABc|" * 12_300 + b"\n",
        "abc_bar_lines_only.abc": b"X:1\nT:t\nM:4/4\nL:1/4\nK:C\nC" + b"|" * 1_500_000 + b"\n",
        "not_utf8.abc": b"X:1\nT:\xff\xfe\nM:4/4\nL:1/4\nK:C\nCDEF|\n",
    }
    return files


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in hostile_files().items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


MEASURE = r"""
import resource, sys, time
t0 = time.perf_counter()
from musiclib.errors import MusicLibError
from musiclib.representation import load_notes
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t1 = time.perf_counter()
try:
    notes = load_notes(sys.argv[1])
    outcome = f"loaded {len(notes)} notes"
except MusicLibError as exc:
    outcome = f"refused: {type(exc).__name__}: {exc}"
t2 = time.perf_counter()
try:  # VmHWM: this program's own peak (ru_maxrss also counts the parent's pages at fork)
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{t2 - t1:.2f}\t{peak / 1024:.0f}\t{outcome}")
"""


def measure(path: Path) -> tuple[float, float, str]:
    """Load ``path`` in a fresh Python: (seconds for load_notes, peak MB of the process, outcome)."""
    import subprocess

    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"{path.name}: {proc.stderr[-2000:]}")
    seconds, mb, outcome = proc.stdout.strip().split("\t", 2)
    return float(seconds), float(mb), outcome


if __name__ == "__main__":
    if sys.argv[1] == "--measure":
        for name, path in write_all(Path(sys.argv[2])).items():
            s, mb, outcome = measure(path)
            print(f"{name:<32} {path.stat().st_size:>9,} B {s:6.2f} s {mb:6.0f} MB  {outcome[:110]}")
    else:
        write_all(Path(sys.argv[1]))
