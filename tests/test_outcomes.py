"""Run-level outcomes (sim.measures.outcomes) on tiny hand-made timeseries: every figure below is
worked out by hand from docs/model.md, section 4.11, "Run-level outcomes"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.core.scenario import Scenario
from sim.measures import outcomes as oc


def scenario(levers: dict | None = None, **takeoff) -> Scenario:
    """The default scenario with these `takeoff` settings and `levers` sections."""
    return Scenario.model_validate({"levers": levers or {}, "takeoff": takeoff})


def series(employment, completeness=None) -> pd.DataFrame:
    employment = np.asarray(employment, dtype=float)
    months = np.arange(employment.size)
    if completeness is None:
        completeness = np.full(employment.size, 0.5)
    return pd.DataFrame(
        {"month": months, "employment": employment, "chain_completeness": completeness}
    )


# month:            0    1    2    3    4    5    6    7    8    9   10
EMPLOYMENT = [100, 120, 180, 250, 240, 260, 310, 290, 360, 340, 330]


def test_time_to_each_threshold_and_censoring():
    sc = scenario(thresholds=[2.5, 3.0, 4.0])
    out = oc.run_outcomes(series(EMPLOYMENT), sc)
    assert out["horizon"] == 10
    # 2.5 x 100 = 250: first reached in month 3 (250 itself counts: ">= multiple x month 0")
    assert (out["takeoff_2.5x_month"], out["takeoff_2.5x_event"]) == (3, 1)
    # 3 x 100 = 300: month 6 (310); the dip to 290 in month 7 does not undo it
    assert (out["takeoff_3x_month"], out["takeoff_3x_event"]) == (6, 1)
    # 4 x 100 = 400: never; censored at the horizon, month 10
    assert (out["takeoff_4x_month"], out["takeoff_4x_event"]) == (10, 0)
    assert list(out) == oc.outcome_columns(sc)


def test_zero_employment_never_takes_off():
    # a county with no jobs at month 0 or later: 0 >= 3 x 0, but employment must be positive
    t = oc.months_to_multiple(np.arange(4), np.zeros(4), 3.0)
    assert t == oc.Timed(3, False)


def test_a_chain_complete_eleven_months_then_broken_is_not_held():
    # months 0-2 at 0.5; complete in months 3-13 (11 months); 0.9 in month 14; complete again
    # from month 15 to the horizon, 30 (16 months)
    c = np.array([0.5] * 3 + [1.0] * 11 + [0.9] + [1.0] * 16)
    assert c.size == 31
    out = oc.run_outcomes(series(np.full(31, 100.0), c), scenario())
    assert (out["chain_complete_month"], out["chain_complete_event"]) == (3, 1)
    # the first spell (3..13) is 11 months: not held; the second starts in month 15, and its
    # 12th complete month is 15 + 11 = 26
    assert (out["chain_held_month"], out["chain_held_event"]) == (26, 1)
    # AUC: mean over months 1..30 = (2 x 0.5 + 11 x 1 + 0.9 + 16 x 1) / 30 = 28.9 / 30
    assert out["completeness_auc"] == pytest.approx(28.9 / 30)


def test_a_spell_still_running_at_the_horizon_is_censored():
    # complete in months 3-13 (11), broken in month 14, complete again 20..30 (11 months)
    c = np.array([0.5] * 3 + [1.0] * 11 + [0.0] * 6 + [1.0] * 11)
    assert c.size == 31
    out = oc.run_outcomes(series(np.full(31, 100.0), c), scenario())
    assert (out["chain_held_month"], out["chain_held_event"]) == (30, 0)
    # with a hold of 11 months, the first spell's 11th month, 13, is the event
    short = oc.run_outcomes(series(np.full(31, 100.0), c), scenario(chain_hold_months=11))
    assert (short["chain_held_month"], short["chain_held_event"]) == (13, 1)


def test_completeness_undefined_gives_no_complete_chain_and_no_auc():
    out = oc.run_outcomes(series(EMPLOYMENT, np.full(11, np.nan)), scenario())
    assert (out["chain_complete_month"], out["chain_complete_event"]) == (10, 0)
    assert math.isnan(out["completeness_auc"])


LEVER = {"financing": {"enabled": True, "start": 0, "end": 4, "budget": 1.0}}


def test_self_sustaining_true_false_and_nan():
    # lever window 0..4: the push ends in month 4; window of 4 months: months 4..8
    sc = scenario(LEVER, sustain_months=4)
    out = oc.run_outcomes(series(EMPLOYMENT), sc)
    # employment 240 in month 4, 360 in month 8: no decline
    assert (out["sustain_from"], out["sustain_to"], out["self_sustaining"]) == (4, 8, 1.0)
    # over 6 months: month 10 (330) against month 4 (240): no decline either
    six = oc.run_outcomes(series(EMPLOYMENT), scenario(LEVER, sustain_months=6))
    assert six["self_sustaining"] == 1.0
    # a lever ending in month 6, 10 months: month 16 is past the horizon (10): NaN
    late = {"financing": {"enabled": True, "start": 0, "end": 6, "budget": 1.0}}
    nan = oc.run_outcomes(series(EMPLOYMENT), scenario(late, sustain_months=10))
    assert (nan["sustain_from"], nan["sustain_to"]) == (6, 16)
    assert math.isnan(nan["self_sustaining"])
    # from month 6 (310) over 1 month: 290 in month 7 is lower: not self-sustaining
    fell = oc.run_outcomes(series(EMPLOYMENT), scenario(late, sustain_months=1))
    assert fell["self_sustaining"] == 0.0
    # equal counts as no decline; zero employment at the end does not
    assert oc.self_sustaining(np.arange(3), np.array([5.0, 1.0, 5.0]), 0, 2) == 1.0
    assert oc.self_sustaining(np.arange(3), np.zeros(3), 0, 2) == 0.0


def test_without_levers_the_window_opens_where_the_lever_arms_end():
    # no enabled lever: push_end_without_levers (default 60, the shipped levers' end)
    assert oc.push_end(scenario()) == 60
    assert oc.push_end(scenario(push_end_without_levers=3)) == 3
    out = oc.run_outcomes(series(EMPLOYMENT), scenario(push_end_without_levers=3, sustain_months=5))
    # month 3 (250) to month 8 (360)
    assert (out["sustain_from"], out["sustain_to"], out["self_sustaining"]) == (3, 8, 1.0)
    # a lever that is configured but disabled does not move it; an enabled one does, to its end
    # even if its budget (1 yuan) runs out at once: the window must not depend on the seed
    off = {"financing": {"enabled": False, "start": 0, "end": 4}}
    assert oc.push_end(scenario(off)) == 60
    assert oc.push_end(scenario(LEVER)) == 4


def test_a_thinned_series_is_refused():
    ts = series(EMPLOYMENT)
    with pytest.raises(ValueError, match="every month from 0"):
        oc.run_outcomes(ts[ts["month"] % 5 == 0], scenario())
    with pytest.raises(ValueError, match="every month from 0"):
        oc.run_outcomes(ts[ts["month"] >= 1], scenario())


def test_thresholds_must_hold_the_monthly_multiple_and_be_distinct():
    with pytest.raises(ValueError, match="must include employment_multiple"):
        scenario(thresholds=[2.0, 4.0])
    with pytest.raises(ValueError, match="distinct"):
        scenario(thresholds=[3.0, 3.0])
    assert scenario(thresholds=[2.0, 4.0], employment_multiple=2.0).takeoff.thresholds == [2, 4]


def test_names_labels_and_column_order():
    assert oc.takeoff_name(3.0) == "takeoff_3x" and oc.takeoff_name(2.5) == "takeoff_2.5x"
    assert oc.label("takeoff_2.5x") == "employment at 2.5x month 0"
    assert oc.label("chain_held") == "a complete chain held"
    cols = oc.outcome_columns(scenario())
    shuffled = sorted(cols)  # as JSON with sorted keys stores them
    assert oc.order_columns(shuffled) == cols
    assert oc.time_outcomes(["month", *cols]) == [
        "takeoff_2.5x",
        "takeoff_3x",
        "takeoff_3.5x",
        "chain_complete",
        "chain_held",
    ]
