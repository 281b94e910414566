"""Geometry of the console's charts: the funnel's bars and drop-off, and
the score explanation's bars per rule."""

import pytest

from chalicelib.analytics.svg import MIN_BAR, WIDTH, funnel_bars
from chalicelib.web.console.charts import LABEL, score_bars
from chalicelib.web.console.charts import WIDTH as SCORE_WIDTH


def stages(*entered):
    names = ("subscriber", "lead", "mql", "sql", "opportunity", "customer")
    rows = []
    for index, count in enumerate(entered):
        following = entered[index + 1] if index + 1 < len(entered) else None
        rate = round(following / count, 4) if following is not None and count else None
        rows.append({"stage": names[index], "entered": count, "conversion_to_next": rate})
    return rows


def test_funnel_bars_are_centred_and_as_wide_as_their_share_of_the_widest():
    bars = funnel_bars(stages(200, 100, 50, 0))
    assert [b["width"] for b in bars] == [WIDTH - 40, (WIDTH - 40) // 2, (WIDTH - 40) // 4, MIN_BAR]
    for bar in bars:
        assert bar["x"] * 2 + bar["width"] in (WIDTH, WIDTH - 1)
    assert all(upper["y"] + upper["height"] < lower["y"] for upper, lower in zip(bars, bars[1:], strict=False))


def test_drop_off_is_the_share_that_did_not_reach_the_next_stage():
    bars = funnel_bars(stages(200, 50, 40, 0))
    assert [b["drop_off"] for b in bars] == [0.75, 0.2, 1.0, None]
    assert [b["next_stage"] for b in bars] == ["lead", "mql", "sql", None]


def test_a_stage_nobody_entered_has_no_rate_and_an_empty_funnel_draws_minimal_bars():
    bars = funnel_bars(stages(0, 0, 0))
    assert [b["width"] for b in bars] == [MIN_BAR] * 3
    assert [b["conversion"] for b in bars] == [None] * 3 and [b["drop_off"] for b in bars] == [None] * 3


def test_more_entries_downstream_never_show_a_negative_drop_off():
    # leads recorded straight into a later stage (an outcome) can outnumber the stage before
    [first, _] = funnel_bars(stages(10, 20))
    assert first["conversion"] == 2.0 and first["drop_off"] == 0.0


def breakdown(*points):
    kinds = {True: "fit", False: "cap"}
    return [{"rule": f"r{i}", "kind": kinds[p >= 0], "points": p, "detail": ""} for i, p in enumerate(points)]


def test_score_bars_keep_the_breakdown_order_and_scale_to_the_largest():
    chart = score_bars(breakdown(30, 15, 5))
    assert [b["rule"] for b in chart["bars"]] == ["r0", "r1", "r2"]
    widths = [b["width"] for b in chart["bars"]]
    assert widths[0] == SCORE_WIDTH - LABEL - 8 and widths[1] == pytest.approx(widths[0] / 2, abs=1)
    assert all(b["x"] == chart["zero"] == LABEL for b in chart["bars"])
    assert [b["y"] for b in chart["bars"]] == sorted(b["y"] for b in chart["bars"])


def test_points_taken_away_grow_left_of_the_zero_line():
    chart = score_bars(breakdown(30, -10))
    gain, cut = chart["bars"]
    assert gain["x"] == chart["zero"] and cut["x"] + cut["width"] == chart["zero"]
    assert cut["width"] == pytest.approx(gain["width"] / 3, abs=1)
    assert chart["zero"] > LABEL and cut["x"] >= LABEL and cut["colour"] != gain["colour"]


def test_no_points_draw_no_bars_and_zero_point_rules_no_width():
    assert score_bars([])["bars"] == []
    assert score_bars(breakdown(0))["bars"][0]["width"] == 0
