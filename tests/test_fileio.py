import pytest

from musiclib.errors import FileExistsNoOverwriteError
from musiclib.fileio import atomic_path, atomic_write_text


def test_atomic_write_creates_file(tmp_path):
    p = atomic_write_text(tmp_path / "a.txt", "hello")
    assert p.read_text() == "hello"


def test_existing_file_is_not_overwritten_by_default(tmp_path):
    target = tmp_path / "mine.txt"
    target.write_text("my work")
    with pytest.raises(FileExistsNoOverwriteError, match="mine.txt"):
        atomic_write_text(target, "new")
    assert target.read_text() == "my work"


def test_overwrite_true_replaces(tmp_path):
    target = tmp_path / "mine.txt"
    target.write_text("old")
    atomic_write_text(target, "new", overwrite=True)
    assert target.read_text() == "new"


def test_failed_writer_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash in the middle")
    assert list(tmp_path.iterdir()) == []


def test_failed_writer_keeps_previous_version(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(target, overwrite=True) as tmp:
            tmp.write_text("bad")
            raise RuntimeError
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_new_files_get_normal_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o644


def test_append_line_writes_the_header_once_then_whole_lines(tmp_path):
    from musiclib.fileio import append_line

    path = tmp_path / "sub" / "log.csv"
    for k in range(3):
        assert append_line(path, f"row{k}", header="head") == path
    assert path.read_text(encoding="utf-8") == "head\nrow0\nrow1\nrow2\n"


def test_append_line_refuses_a_line_break(tmp_path):
    from musiclib.errors import DataError
    from musiclib.fileio import append_line

    with pytest.raises(DataError, match="'line'"):
        append_line(tmp_path / "log.csv", "a\nb", header="head")
    assert not (tmp_path / "log.csv").exists()
