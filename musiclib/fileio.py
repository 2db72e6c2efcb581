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

from musiclib.errors import DataError, FileExistsNoOverwriteError

__all__ = ["append_line", "atomic_path", "atomic_write_bytes", "atomic_write_text", "check_can_write"]


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


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    """Hold an exclusive lock on an open file (fcntl on Linux and macOS, msvcrt on Windows)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def append_line(path: str | os.PathLike, line: str, *, header: str,
                check: Callable[[str], None] | None = None) -> Path:
    """Append one line of UTF-8 text to a file that several processes may append to at once.

    The file is created with ``header`` as its first line in one step (a complete file
    is linked into place, so no reader ever sees it without its header). Each line is
    then added with one ``write`` to the file opened for appending, under an exclusive
    lock held across the check and the write: lines from several processes or threads
    never overwrite or split each other, and none is lost. Rewriting the whole file
    instead (read, add, rename) loses the answers of whichever writer renames first.

    Parameters
    ----------
    path : the file (its folder is created if missing)
    line : text of one line, without a line break
    header : the first line of a new file, without a line break
    check : called with the file's first line before appending; raise to refuse the file

    Returns
    -------
    Path
        ``path`` made absolute.

    Used by: musiclib.widgets.record_listening_answer
    """
    target = Path(path).resolve()
    if "\n" in line or "\r" in line or "\n" in header:
        raise DataError("arguments 'line' and 'header' must each be one line, without a line break")
    if target.is_dir():
        raise FileExistsNoOverwriteError(f"path {str(target)!r} is a folder, not a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
        try:
            os.write(fd, (header + "\n").encode("utf-8"))
            os.fsync(fd)
            os.close(fd)
            os.chmod(tmp_name, _mode_for(target))
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, target)  # fails if another process created it first: keep theirs
        finally:
            os.unlink(tmp_name)
    data = (line + "\n").encode("utf-8")
    fd = os.open(target, os.O_RDWR | os.O_APPEND)
    try:
        with _locked(fd):
            if check is not None:
                os.lseek(fd, 0, os.SEEK_SET)  # reading moves the offset; O_APPEND still writes at the end
                first = os.read(fd, 4096)
                check(first.split(b"\n", 1)[0].decode("utf-8", errors="replace"))
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"only {written} of {len(data)} bytes were appended to {str(target)!r}")
            os.fsync(fd)
    finally:
        os.close(fd)
    return target
