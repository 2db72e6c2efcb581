"""The product-of-experts style transfer: its n-grams on hand examples, its decoding, its tuning, bad input."""

from dataclasses import asdict, replace

import numpy as np
import pytest

from musiclib.errors import ConfigError, RepresentationError
from musiclib.models.style_checks import contour_r, never_falls
from musiclib.models.style_experts import (
    MAX_GAP,
    ExpertSettings,
    ExpertTransfer,
    PitchModel,
    RhythmModel,
    factor_strengths,
    range_factor,
    tune_experts,
    tune_fusion,
)
from musiclib.representation import MelodyVocabulary, NoteList, notes_to_tokens

V = MelodyVocabulary()


def tokens(pitches, durations, steps=None):
    onsets = np.concatenate([[0], np.cumsum(durations)[:-1]]) / 4  # durations in sixteenths
    t = notes_to_tokens(NoteList.from_arrays(pitches, onsets, np.asarray(durations) / 4), V)
    if steps is not None:
        t = np.concatenate([t, np.zeros(steps - t.size, dtype=t.dtype)])
    return t


def events(row):
    on = np.flatnonzero(row >= 2)
    return (row[on] - 2 + V.low).tolist(), on.tolist()


# --------------------------------------------------------------------------- the style models on hand examples
def test_rhythm_model_counts_gaps_by_position_and_previous_gap():
    # one melody of eight eighths: onsets 0, 2, ..., 14, seven gaps of 2
    eighths = tokens([60, 62, 64, 65, 67, 65, 64, 62], [2] * 8)
    p = np.exp(RhythmModel.fit(eighths[None, :]).log_p)
    assert p.shape == (16, MAX_GAP + 1, MAX_GAP)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-12)
    # P(gap): (7 + 0.5) / (7 + 0.5 * 16) = 0.5 for a gap of 2
    # P(gap | position 2): 1 count, 1 type -> Witten-Bell weight 1/2: 0.5 * 1 + 0.5 * 0.5 = 0.75
    # P(gap | position 2, previous gap 2): 0.5 * 1 + 0.5 * 0.75 = 0.875
    assert p[2, 2, 1] == pytest.approx(0.875, abs=1e-12)
    # an unseen context falls back to P(gap)
    assert p[1, 0, 1] == pytest.approx(0.5, abs=1e-12)
    assert p[1, 0, 0] == pytest.approx(0.5 / 15, abs=1e-12)


def test_pitch_model_is_an_interpolated_trigram():
    scale = tokens([60, 62, 64, 65, 67], [4] * 5)
    model = PitchModel.fit(np.stack([scale, scale]))
    p3 = np.exp(model.log_p3)
    np.testing.assert_allclose(p3.sum(-1), 1.0, atol=1e-12)
    c, d, e = 60 - V.low, 62 - V.low, 64 - V.low
    # after C D the data always went to E (2 counts, 1 type): 2/3 of the mass on the count
    assert p3[c, d, e] > 2 / 3
    assert p3[c, d].argmax() == e
    np.testing.assert_allclose(np.exp(model.log_p1).sum(), 1.0)


# --------------------------------------------------------------------------- decoding
@pytest.fixture(scope="module")
def toy():
    """A 'quarter' style and an 'eighth' style, both on the C major scale."""
    rng = np.random.default_rng(0)
    walk = lambda n: (60 + np.cumsum(rng.choice([-2, -1, 1, 2], n)).clip(-5, 7)).tolist()  # noqa: E731
    quarters = np.stack([tokens(walk(16), [4] * 16) for _ in range(40)])
    eighths = np.stack([tokens(walk(32), [2] * 32) for _ in range(40)])
    return ExpertTransfer.fit(("quarter", "eighth"), {"quarter": quarters, "eighth": eighths},
                              ExpertSettings(lam=1.0))


def test_transfer_writes_the_target_rhythm_and_keeps_the_source_span(toy):
    src = tokens([60, 64, 67, 72], [4, 4, 4, 4], steps=20)  # four quarters then silence
    out = toy.transfer(src, "quarter", "eighth")[0]
    pitches, onsets = events(out)
    assert np.all(np.diff(onsets) == 2) and onsets[0] == 0  # eighths, from the source's first onset
    assert np.all(out[16:] == 0)  # the source's rest is kept
    assert max(pitches) - min(pitches) >= 5  # the content expert follows the source upwards
    assert pitches[-1] > pitches[0]


def test_transfer_is_the_same_alone_or_in_a_batch_and_at_strength_zero_keeps_the_source_rhythm(toy):
    a = tokens([60, 62, 64, 65], [4] * 4)
    b = tokens([67, 65, 64, 62], [4] * 4)
    both = toy.transfer(np.stack([a, b]), "quarter", "eighth")
    assert np.array_equal(both[1], toy.transfer(b, "quarter", "eighth")[0])
    keep = toy.transfer(a, "quarter", "eighth", strength=0.0)[0]
    assert events(keep)[1] == [0, 4, 8, 12]
    assert np.array_equal(toy.transfer(a, "quarter", "eighth", seed=3), toy.transfer(a, "quarter", "eighth", seed=3))


def test_repeat_penalty_stops_a_pitch_struck_three_times(toy):
    src = tokens([64], [16])  # one long E: a strong content expert strikes E again and again
    strong = ExpertSettings(lam=50.0, repeat_penalty=0.0)
    p_free, _ = events(toy.with_settings(strong).transfer(src, "quarter", "eighth")[0])
    assert p_free == [64] * len(p_free) and len(p_free) >= 4
    p_kept, _ = events(toy.with_settings(ExpertSettings(lam=50.0, repeat_penalty=1000.0))
                       .transfer(src, "quarter", "eighth")[0])
    assert len(p_kept) == len(p_free)  # the same rhythm: only the pitches change
    assert not any(p_kept[i] == p_kept[i + 1] == p_kept[i + 2] for i in range(len(p_kept) - 2))


def test_tuning_keeps_the_strongest_setting_that_keeps_the_contour(toy):
    valid = {"quarter": np.stack([tokens([60, 64, 67, 72, 67, 64, 60, 64], [4] * 8)] * 2),
             "eighth": np.stack([tokens([60, 62, 64, 65, 67, 69, 71, 72] * 2, [2] * 16)] * 2)}

    def p_target(tokens_, target):  # a toy judge: more notes means more "eighth"
        share = np.array([np.mean(r >= 2) * 2 for r in tokens_]).clip(0, 1)
        return share if target == "eighth" else 1 - share

    settings, sweep = tune_experts(toy, valid, p_target, min_contour_r=0.5, lams=(0.5, 2.0), move_bonuses=(0.0,))
    assert set(settings) == {"quarter->eighth", "eighth->quarter"}
    for rows in sweep.values():
        assert [(r["lam"], r["move_bonus"]) for r in rows] == [(0.5, 0.0), (2.0, 0.0)]
    ok = [(x, y) for x in sweep["quarter->eighth"] for y in sweep["eighth->quarter"]
          if (x["contour_r"] + y["contour_r"]) / 2 >= 0.5]
    best = max(x["s"] + y["s"] for x, y in ok)
    chosen = [next(r for r in sweep[k] if r["lam"] == settings[k].lam) for k in sweep]
    assert chosen[0]["s"] + chosen[1]["s"] == pytest.approx(best)


# --------------------------------------------------------------------------- fusion: one factor ahead of the other
@pytest.mark.parametrize("s, lead, expected", [
    (0.0, 0.0, (0.0, 0.0)), (0.4, 0.0, (0.4, 0.4)), (1.0, 0.0, (1.0, 1.0)),
    # lead 1: the rhythm over the first half of the path, then the pitch
    (0.2, 1.0, (0.4, 0.0)), (0.5, 1.0, (1.0, 0.0)), (0.8, 1.0, (1.0, 0.6)),
    # lead 0.5: s * 1.5 and s * 1.5 - 0.5, clipped to [0, 1]
    (0.2, 0.5, (0.3, 0.0)), (0.6, 0.5, (0.9, 0.4)), (0.8, 0.5, (1.0, 0.7)),
    # a negative lead makes the pitch lead
    (0.6, -0.5, (0.4, 0.9)), (0.2, -1.0, (0.0, 0.4)),
    # both ends are the same for every lead
    (0.0, 1.0, (0.0, 0.0)), (1.0, -1.0, (1.0, 1.0)), (1.0, 0.5, (1.0, 1.0)),
])
def test_factor_strengths_by_hand(s, lead, expected):
    assert factor_strengths(s, lead) == pytest.approx(expected, abs=1e-12)


def test_a_rhythm_lead_changes_the_middle_of_a_path_but_not_its_ends(toy):
    src = np.stack([tokens([60, 64, 67, 72, 67, 64, 60, 62], [4] * 8), tokens([67, 65, 64, 62], [4] * 4, steps=32)])
    led = toy.with_settings(ExpertSettings(lam=1.0, rhythm_lead=1.0))
    for s in (0.0, 1.0):
        assert np.array_equal(led.transfer(src, "quarter", "eighth", s), toy.transfer(src, "quarter", "eighth", s))
    # at s = 0.5 with lead 1 the rhythm is the target's (eighths) and the pitch model still the source's
    half = led.transfer(src, "quarter", "eighth", 0.5)[0]
    assert np.all(np.diff(events(half)[1]) == 2)
    rhythm_only = ExpertTransfer(toy.styles, {"quarter": toy.rhythm["eighth"], "eighth": toy.rhythm["eighth"]},
                                 {"quarter": toy.pitch["quarter"], "eighth": toy.pitch["quarter"]},
                                 ExpertSettings(lam=1.0))
    assert np.array_equal(half, rhythm_only.transfer(src, "quarter", "eighth")[0])


def test_pitch_model_spread_is_the_mean_standard_deviation_of_each_excerpts_pitches():
    rows = np.stack([tokens([60, 64, 60, 64], [4] * 4), tokens([67, 67, 67, 67], [4] * 4)])
    assert PitchModel.fit(rows).spread == pytest.approx((2.0 + 0.0) / 2)


@pytest.mark.parametrize("args, expected", [
    ((2.0, 3.0, 1.0, 1.0), 1.5), ((2.0, 3.0, 0.0, 1.0), 1.0), ((2.0, 3.0, 1.0, 0.0), 1.0),
    ((2.0, 3.0, 0.5, 1.0), 1.5 ** 0.5), ((2.0, 3.0, 1.0, 0.5), 1.5 ** 0.5), ((4.0, 2.0, 1.0, 1.0), 0.5),
    ((0.0, 3.0, 1.0, 1.0), 1.0),
])
def test_range_factor_by_hand(args, expected):
    assert range_factor(*args) == pytest.approx(expected, abs=1e-12)


@pytest.fixture(scope="module")
def narrow_wide():
    """A 'narrow' style that moves by steps within a fourth and a 'wide' one that leaps over two octaves."""
    rng = np.random.default_rng(1)
    narrow = np.stack([tokens((64 + np.cumsum(rng.choice([-1, 1], 16)).clip(-2, 3)).tolist(), [4] * 16)
                       for _ in range(40)])
    wide = np.stack([tokens((67 + np.cumsum(rng.choice([-7, -4, 4, 7], 16)).clip(-12, 12)).tolist(), [4] * 16)
                     for _ in range(40)])
    return ExpertTransfer.fit(("narrow", "wide"), {"narrow": narrow, "wide": wide}, ExpertSettings(lam=2.0))


def test_range_match_stretches_the_contour_to_the_target_spread_and_keeps_its_shape(narrow_wide):
    src = tokens([62, 64, 65, 67, 65, 64, 62, 64], [8] * 8)
    assert narrow_wide.pitch["wide"].spread > 2 * narrow_wide.pitch["narrow"].spread
    kept = narrow_wide.with_settings(ExpertSettings(lam=2.0, range_match=0.0))
    p_kept, _ = events(kept.transfer(src, "narrow", "wide")[0])
    out = narrow_wide.transfer(src, "narrow", "wide")[0]
    p_wide, _ = events(out)
    assert np.std(p_wide) > 1.5 * np.std(p_kept)
    assert contour_r(src, out) > 0.8
    # at strength 0 the contour is not stretched: range_match changes nothing
    assert np.array_equal(narrow_wide.transfer(src, "narrow", "wide", 0.0), kept.transfer(src, "narrow", "wide", 0.0))


def test_fusion_tuning_takes_the_smallest_lead_among_the_best(toy):
    valid = {"quarter": np.stack([tokens([60, 64, 67, 72, 67, 64, 60, 64], [4] * 8),
                                  tokens([72, 71, 69, 67, 65, 64, 62, 60], [4] * 8)]),
             "eighth": np.stack([tokens([60, 62, 64, 65, 67, 69, 71, 72] * 2, [2] * 16),
                                 tokens([72, 67, 64, 60] * 4, [2] * 16)])}

    def p_target(tokens_, target):  # a toy judge: high notes and many notes read as "eighth"
        share = np.array([np.mean(r >= 2) + (r[r >= 2].mean() - 2 + V.low - 64) / 20 for r in tokens_]).clip(0, 1)
        return share if target == "eighth" else 1 - share

    strengths = (0.0, 0.25, 0.5, 0.75, 1.0)
    settings, sweep = tune_fusion(toy, valid, p_target, leads=(-1.0, 0.0, 1.0), strengths=strengths)
    assert set(sweep) == {"quarter->eighth", "eighth->quarter"}
    for key, rows in sweep.items():
        src, tgt = key.split("->")
        assert [r["rhythm_lead"] for r in rows] == [-1.0, 0.0, 1.0]
        for r in rows:  # each share recomputed from the paths themselves
            moved = toy.with_settings({**toy.settings, key: replace(toy.settings[key], rhythm_lead=r["rhythm_lead"])})
            p = np.stack([p_target(moved.transfer(valid[src], src, tgt, s), tgt) for s in strengths])
            assert r["never_falls"] == pytest.approx(np.mean(never_falls(p)), abs=1e-4)
        top = max(r["never_falls"] for r in rows)
        best = min((r for r in rows if r["never_falls"] >= top - 0.02), key=lambda r: abs(r["rhythm_lead"]))
        assert settings[key].rhythm_lead == best["rhythm_lead"]
        assert asdict(settings[key]) | {"rhythm_lead": 0.0} == asdict(toy.settings[key])  # other weights kept

    # a judge that never moves: every lead ties, so the factors move together
    flat, flat_sweep = tune_fusion(toy, valid, lambda t, target: np.zeros(len(t)), leads=(-1.0, 0.5, 0.0))
    assert all(v.rhythm_lead == 0.0 for v in flat.values())
    assert all(r["never_falls"] == 1.0 for rows in flat_sweep.values() for r in rows)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    ({"source": "quarter", "target": "han"}, "'target'"),
    ({"source": "irish", "target": "eighth"}, "'source'"),
    ({"source": "quarter", "target": "quarter"}, "both"),
    ({"source": "quarter", "target": "eighth", "strength": 1.5}, "'strength'"),
    ({"source": "quarter", "target": "eighth", "strength": True}, "'strength'"),
    ({"source": "quarter", "target": "eighth", "strength": "half"}, "'strength'"),
])
def test_bad_arguments_name_the_argument(toy, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        toy.transfer(tokens([60, 62], [4, 4]), **kwargs)


def test_bad_tokens_and_settings_are_refused(toy):
    with pytest.raises(RepresentationError, match="'tokens'"):
        toy.transfer(np.array([0.5, 1.0]), "quarter", "eighth")
    with pytest.raises(RepresentationError, match="outside"):
        toy.transfer(np.array([2, 99]), "quarter", "eighth")
    with pytest.raises(ConfigError, match="lam"):
        ExpertSettings(lam=-1.0)
    for lead in (1.5, -2.0, float("nan"), True):
        with pytest.raises(ConfigError, match="rhythm_lead"):
            ExpertSettings(rhythm_lead=lead)
    for value in (1.5, -0.1, float("nan")):
        with pytest.raises(ConfigError, match="range_match"):
            ExpertSettings(range_match=value)
    with pytest.raises(ConfigError, match="'pitch_strength'"):
        range_factor(2.0, 3.0, 1.5)
    for bad in (-1.0, float("inf"), "wide", True):
        with pytest.raises(ConfigError, match="'source_spread'"):
            range_factor(bad, 3.0, 1.0)
    with pytest.raises(ConfigError, match="'rhythm_lead'"):
        factor_strengths(0.5, 2.0)
    with pytest.raises(ConfigError, match="'strength'"):
        factor_strengths(-0.1, 0.0)
    with pytest.raises(ConfigError, match="directions"):
        toy.with_settings({"quarter->eighth": ExpertSettings()})
