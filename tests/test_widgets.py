"""The co-composer widget (notebook 04): what pressing Compose shows."""

from __future__ import annotations

import base64
import re

import pytest

from musiclib import widgets
from musiclib.display import Score
from musiclib.models.ngram import NGramModel
from musiclib.representation import MelodyVocabulary

VOCAB = MelodyVocabulary()


@pytest.fixture()
def shown(monkeypatch):
    """Everything the widget passes to display(), instead of a notebook."""
    out: list = []
    monkeypatch.setattr(widgets, "display", out.append)
    monkeypatch.setattr(widgets.plt, "show", lambda: widgets.plt.close("all"))
    return out


def test_compose_shows_primer_and_continuation_in_one_score_and_plays_both(shown, c_major_scale):
    tune = [14, 1, 1, 1, 16, 1, 1, 1, 18, 1, 1, 1, 19, 1, 1, 1, 21, 1, 1, 1, 1, 1, 1, 1]
    model = NGramModel.fit([tune, tune[::-1][1:] + [14]], order=5, vocab=VOCAB, discount=0.1)
    box = widgets.co_composer(model, {"scale": c_major_scale[:2]})
    button = next(c for c in box.children if getattr(c, "description", "") == "Compose")
    button.click()
    score, audio = shown
    assert isinstance(score, Score)
    assert score.title == "primer (2 notes) and the model's continuation"
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", score._repr_html_()).group(1)).decode()
    assert svg.count('class="note"') > 2   # the primer's 2 notes and the continuation's
    assert "audio" in audio._repr_html_()


# --------------------------------------------------------------------------- notebook 07: listening test
def _answer(listener: str, trial: int) -> dict:
    return {"listener": listener, "trial": trial, "source": "lstm", "human_position": "A",
            "answer": "A" if trial % 3 else "B", "correct": bool(trial % 3)}


def _writer(path: str, listener: str, n: int, go) -> None:
    """One listener's process: waits for the start signal, then appends n answers."""
    go.wait(60)
    for trial in range(n):
        widgets.record_listening_answer(path, _answer(listener, trial))


def test_two_processes_appending_to_one_answers_file_lose_nothing(tmp_path):
    import multiprocessing

    from musiclib.metrics import LISTENING_COLUMNS, read_listening_answers

    path = tmp_path / "answers.csv"
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(str(path), name, 200, go)) for name in ("p1", "p2")]
    for proc in writers:
        proc.start()
    go.set()  # both start appending at once
    for proc in writers:
        proc.join(120)
        assert proc.exitcode == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(LISTENING_COLUMNS) and lines.count(lines[0]) == 1
    assert len(lines) == 1 + 400
    rows = read_listening_answers(path)
    assert sorted((r["listener"], int(r["trial"])) for r in rows) == sorted(
        (name, t) for name in ("p1", "p2") for t in range(200))


def test_answers_are_appended_in_order_and_the_full_path_is_returned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = widgets.record_listening_answer("answers.csv", _answer("me", 1))
    second = widgets.record_listening_answer("answers.csv", _answer("me", 2))
    assert first == second == tmp_path / "answers.csv"
    assert (tmp_path / "answers.csv").read_text(encoding="utf-8").splitlines() == [
        "listener,trial,source,human_position,answer,correct", "me,1,lstm,A,A,1", "me,2,lstm,A,A,1"]


def test_an_answers_file_that_is_not_a_listening_csv_is_left_alone(tmp_path):
    from musiclib.errors import DataError

    path = tmp_path / "notes.csv"
    path.write_text("my,own,file\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="notes.csv.*not a listening-test CSV"):
        widgets.record_listening_answer(path, _answer("me", 1))
    assert path.read_text(encoding="utf-8") == "my,own,file\n1,2,3\n"


def test_listening_test_shows_where_the_answers_go_as_a_full_path(tmp_path, monkeypatch, c_major_scale):
    monkeypatch.chdir(tmp_path)
    pair = {"human": c_major_scale, "machine": c_major_scale, "source": "lstm"}
    box = widgets.listening_test([pair], "listening_answers.csv")
    status = box.children[0].value
    assert f"<code>{tmp_path / 'listening_answers.csv'}</code>" in status
    assert not (tmp_path / "listening_answers.csv").exists()  # nothing is written before an answer
