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
