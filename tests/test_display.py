import numpy as np
import pytest

from musiclib.display import plot_piano_roll, score_svg
from musiclib.errors import RepresentationError, ShapeError
from musiclib.notation import notes_to_stream
from musiclib.representation import NoteList


def test_score_svg_is_deterministic(chorale_fragment):
    a = score_svg(chorale_fragment)
    assert a.startswith("<svg") or a.lstrip().startswith("<svg")
    assert a == score_svg(chorale_fragment)


def test_score_svg_accepts_a_music21_stream(c_major_scale):
    svg = score_svg(notes_to_stream(c_major_scale), title="Scale")
    assert "<svg" in svg and "Scale" in svg


def test_score_has_one_note_head_per_note(c_major_scale):
    svg = score_svg(c_major_scale)
    assert svg.count('class="note"') == 8


def test_score_of_wrong_type_is_refused():
    with pytest.raises(RepresentationError, match="'music'"):
        score_svg([60, 62])


def test_plot_piano_roll_draws_one_rectangle_per_note(c_major_scale):
    ax = plot_piano_roll(c_major_scale)
    assert len(ax.patches) == 8


def test_plot_piano_roll_of_an_array():
    roll = np.zeros((16, 48), np.uint8)
    roll[0:4, 24] = 1
    ax = plot_piano_roll(roll)
    assert ax.get_xlim() == (0.0, 4.0)


def test_plot_rejects_3d_arrays():
    with pytest.raises(ShapeError, match="'music'"):
        plot_piano_roll(np.zeros((2, 16, 48)))


def test_plot_rejects_empty_notes():
    with pytest.raises(RepresentationError, match="empty"):
        plot_piano_roll(NoteList.empty())


def test_show_score_is_an_html_image_of_the_same_svg(c_major_scale):
    """Committed scores must render in an untrusted notebook: sanitised HTML, not image/svg+xml."""
    import base64
    import re

    from musiclib.display import show_score

    score = show_score(c_major_scale, title='Scale "C"')
    html_out = score._repr_html_()
    match = re.fullmatch(r'<img alt="Scale &quot;C&quot;" style="max-width: 100%" '
                         r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"/>', html_out)
    assert match
    assert base64.b64decode(match.group(1)).decode("utf-8") == score_svg(c_major_scale, title='Scale "C"')
    assert not hasattr(score, "_repr_svg_")
    assert repr(score).startswith("Score('Scale \"C\"', ")


def test_live_plot_records_finite_logs_and_redraws_one_display(monkeypatch):
    import IPython.display

    from musiclib.display import LivePlot

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", type(obj).__name__))

    def fake_display(obj, display_id=False):
        shown.append(("display", type(obj).__name__))
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    live = LivePlot({"losses": ("d_loss", "g_loss"), "diversity": ("diversity",)}, references={"diversity": 99.0},
                    every=2)
    live.update(0, {"d_loss": 1.5, "g_loss": 0.5, "other": 3.0})          # new keys: drawn
    live.update(1, {"d_loss": 1.25, "g_loss": float("nan")})              # due (epoch 2): drawn
    live.update(2, {"d_loss": 1.0, "g_loss": 0.75})                       # not due
    live.update(3, {"d_loss": 0.5, "g_loss": 1.0, "diversity": 80.0})     # new key and due
    assert live.history["d_loss"] == [(1, 1.5), (2, 1.25), (3, 1.0), (4, 0.5)]
    assert live.history["g_loss"] == [(1, 0.5), (3, 0.75), (4, 1.0)]      # the NaN is dropped
    assert live.history["diversity"] == [(4, 80.0)] and "other" not in live.history
    assert shown == [("display", "Figure"), ("update", "Figure"), ("update", "Figure")]


def test_live_plot_refuses_no_panels_and_a_bad_period():
    from musiclib.display import LivePlot

    with pytest.raises(ShapeError, match="'panels'"):
        LivePlot({})
    with pytest.raises(ShapeError, match="'every'"):
        LivePlot({"a": ("x",)}, every=0)
