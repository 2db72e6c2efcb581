"""Safe file writing: atomic, and never over a user's file unless asked.

A write goes to a temporary file in the same folder, is flushed to disk, then
renamed over the target in one step, so an interrupted program leaves either
the old file or the new one, never half of one.

Taught in: notebooks/01_music_as_data.ipynb
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from musiclib.errors import FileExistsNoOverwriteError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "check_can_write"]


def check_can_write(path: str | os.PathLike, overwrite: bool) -> Path:
    """Return ``path`` as a Path; refuse if it exists and ``overwrite`` is False.

    Used by: musiclib.fileio, musiclib.pretrained
    """
    p = Path(path)
    if p.exists() and not overwrite:
        raise FileExistsNoOverwriteError(
            f"file {str(p)!r} already exists; pass overwrite=True to replace it"
        )
    if p.exists() and p.is_dir():
        raise FileExistsNoOverwriteError(f"path {str(p)!r} is a folder, not a file")
    return p


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; new files get the usual 0o666 minus umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    Use it with writers that want a file name (music21, Keras, NumPy)::

        with atomic_path("song.mid") as tmp:
            write_midi(tmp)

    On an exception the temporary file is removed and ``path`` is untouched.

    Used by: musiclib.datasets, musiclib.notation, musiclib.pretrained
    """
    target = check_can_write(path, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OSError(f"writer produced no data for {str(target)!r}")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write(path: str | os.PathLike, overwrite: bool, writer: Callable[[Path], None]) -> Path:
    with atomic_path(path, overwrite=overwrite) as tmp:
        writer(tmp)
    return Path(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically. Returns the path.

    Used by: musiclib.audio
    """
    return _write(path, overwrite, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | os.PathLike, text: str, overwrite: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically. Returns the path.

    Used by: musiclib.datasets, musiclib.pretrained, musiclib.assignments
    """
    return _write(path, overwrite, lambda tmp: tmp.write_text(text, encoding="utf-8"))
