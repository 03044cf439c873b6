"""The lever comparison recovers a known paired effect, with an interval that covers it; the
run-level outcomes (take-off by the horizon, months, completeness AUC, self-sustaining), the
variance the pairing removed and the rank swaps across thresholds are worked out by hand on a
tiny table; levers.md has its sections."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli.compare import report, write_comparison
from sim.experiments.compare import (
    OUTCOMES,
    arm_summary,
    by_horizon,
    paired_effects,
    rank_swaps,
    run_outcome_names,
    survival_summary,
    with_run_outcomes,
)


def synthetic(effect: float, seeds: int = 40, rng_seed: int = 0) -> pd.DataFrame:
    """Runs of two arms on common seeds: the lever adds `effect` to employment, plus noise
    smaller than the seed-to-seed spread (which pairing removes)."""
    g = np.random.default_rng(rng_seed)
    rows = []
    for seed in range(seeds):
        level = g.normal(1000, 300)  # what the seed does to every arm
        for arm, add in (("no_policy", 0.0), ("lever", effect)):
            row = {c: g.normal(0.5, 0.01) for c in OUTCOMES}
            row.update(
                arm=arm,
                seed=seed,
                month=120,
                employment=level + add + g.normal(0, 20),
                taken_off=int(add > 0),
                cost_total=1e6 * (add > 0),
                jobs_per_million_yuan=np.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def test_paired_effect_is_recovered_within_its_interval():
    ts = synthetic(effect=50.0)
    eff = paired_effects(ts, "no_policy")
    row = eff[(eff["arm"] == "lever") & (eff["outcome"] == "employment")].iloc[0]
    assert row["lo"] <= 50.0 <= row["hi"]
    assert row["hi"] - row["lo"] < 30  # pairing removes the seed spread (sd 300)
    assert row["n"] == 40
    null = eff[(eff["arm"] == "lever") & (eff["outcome"] == "firms")].iloc[0]
    assert null["lo"] <= 0.0 <= null["hi"]  # no effect where none was put


def test_summary_and_files(tmp_path):
    ts = synthetic(effect=50.0)
    summary = arm_summary(ts, "no_policy")
    lever = summary.set_index("arm").loc["lever"]
    assert lever["p_takeoff"] == 1.0 and lever["cost_million_yuan"] == 1.0
    assert lever["d_employment"].startswith("+")
    assert 45 < lever["jobs_per_million_yuan"] < 55  # the paired effect (50 jobs) per 1 million
    write_comparison(ts, tmp_path, "no_policy", "test")
    files = (
        "levers.md",
        "levers.csv",
        "effects.csv",
        "trajectories.png",
        "agglomeration.png",
        "effects.png",
        "cost_effect.png",
    )
    for name in files:
        assert (tmp_path / name).stat().st_size > 0
    # without a runs table there are no run-level outcomes, and levers.md says so
    md = (tmp_path / "levers.md").read_text()
    assert "## At the horizon (month 120)" in md and "No run-level outcomes" in md


# ----------------------------------------------------------------------------------- run outcomes
def tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three seeds, two arms: final rows (employment) and a runs table (run-level outcomes),
    small enough to work every figure out by hand."""
    final, runs = [], []
    base = {
        "employment": [10, 20, 30],
        "takeoff_3x_month": [120, 100, 120],
        "takeoff_3x_event": [0, 1, 0],
        "completeness_auc": [0.5, 0.6, 0.7],
        "self_sustaining": [1.0, 0.0, np.nan],
    }
    lever = {
        "employment": [12, 21, 36],
        "takeoff_3x_month": [80, 90, 120],
        "takeoff_3x_event": [1, 1, 0],
        "completeness_auc": [0.6, 0.6, 0.9],
        "self_sustaining": [1.0, 1.0, 1.0],
    }
    for arm, cols in (("no_policy", base), ("lever", lever)):
        for seed in range(3):
            row = {c: 0.5 for c in OUTCOMES}
            row.update(arm=arm, seed=seed, month=120, employment=cols["employment"][seed])
            row.update(taken_off=0, cost_total=1e6 * (arm == "lever"))
            final.append(row)
            run = {k: v[seed] for k, v in cols.items() if k != "employment"}
            run.update(arm=arm, seed=seed, status="ok", horizon=120)
            run.update(sustain_from=60, sustain_to=84)
            runs.append(run)
    return pd.DataFrame(final), pd.DataFrame(runs)


def test_variance_reduction_and_run_outcomes_by_hand():
    final, runs = tiny()
    eff = paired_effects(final, "no_policy").set_index("outcome")
    emp = eff.loc["employment"]
    # d = (12-10, 21-20, 36-30) = (2, 1, 6): mean 3, var (1 + 4 + 9) / 2 = 7;
    # var(lever) = (11^2 + 2^2 + 13^2) / 2 = 147, var(no_policy) = (10^2 + 0 + 10^2) / 2 = 100
    assert emp["effect"] == pytest.approx(3.0)
    assert emp["var_ratio"] == pytest.approx(7 / 247)
    # cov = ((-11)(-10) + (-2)(0) + (13)(10)) / 2 = 120; corr = 120 / sqrt(147 x 100)
    assert emp["corr"] == pytest.approx(120 / np.sqrt(147 * 100))
    half = stats.t.ppf(0.975, 2) * np.sqrt(7) / np.sqrt(3)
    assert (emp["lo"], emp["hi"]) == pytest.approx((3 - half, 3 + half))
    assert np.isnan(eff.loc["firms", "var_ratio"])  # no variance at all: no ratio

    table = with_run_outcomes(final, runs)
    assert run_outcome_names(table) == [
        "takeoff_3x_event",
        "takeoff_3x_month",
        "completeness_auc",
        "self_sustaining",
    ]
    run_eff = paired_effects(by_horizon(table), "no_policy", run_outcome_names(table))
    run_eff = run_eff.set_index("outcome")
    # event by month 120: lever (1, 1, 0), no_policy (0, 1, 0): d = (1, 0, 0), mean 1/3;
    # var 1/3 each and of d: ratio (1/3) / (2/3) = 1/2; cov = (-1/9 + 2/9 + 2/9) / 2 = 1/6,
    # corr = (1/6) / (1/3) = 1/2
    ev = run_eff.loc["takeoff_3x_event"]
    assert ev["effect"] == pytest.approx(1 / 3)
    assert (ev["var_ratio"], ev["corr"]) == pytest.approx((0.5, 0.5))
    # restricted months: (80 - 120, 90 - 100, 120 - 120) = (-40, -10, 0): mean -50/3
    assert run_eff.loc["takeoff_3x_month", "effect"] == pytest.approx(-50 / 3)
    # AUC: (0.1, 0, 0.2): mean 0.1; self-sustaining: seed 2 has no baseline value (NaN):
    # (1 - 1, 1 - 0) over 2 seeds: 0.5
    assert run_eff.loc["completeness_auc", "effect"] == pytest.approx(0.1)
    assert run_eff.loc["self_sustaining", ["effect", "n"]].tolist() == [0.5, 2]

    summary = arm_summary(table, "no_policy").set_index("arm")
    lever, base = summary.loc["lever"], summary.loc["no_policy"]
    # Kaplan-Meier, lever: S = (1 - 1/3)(1 - 1/2) = 1/3 after months 80 and 90, so P(by 120)
    # = 2/3 and the median is 90; no_policy: S = 2/3 after month 100, median not reached
    assert lever["p_takeoff_3x"] == pytest.approx(2 / 3)
    assert base["p_takeoff_3x"] == pytest.approx(1 / 3)
    assert lever["median_takeoff_3x"] == 90 and np.isnan(base["median_takeoff_3x"])
    assert lever["p_takeoff_3x_lo"] < 2 / 3 < lever["p_takeoff_3x_hi"]
    assert lever["d_p_takeoff_3x"].startswith("+0.33 [")
    assert lever["d_months_takeoff_3x"].startswith("-16.7 [")
    assert 0 < lever["logrank_p_takeoff_3x"] < 1 and np.isnan(base["logrank_p_takeoff_3x"])
    assert lever["self_sustaining"] == 1.0 and base["self_sustaining"] == 0.5
    assert lever["sustain_window"] == "60-84"
    # a failed run's row (status error) is not joined
    failed = runs.assign(status=np.where(runs.index == 0, "error", "ok"))
    assert with_run_outcomes(final, failed)["takeoff_3x_month"].isna().sum() == 1


def test_a_longer_run_is_censored_at_the_common_horizon():
    final, runs = tiny()
    runs.loc[0, ["horizon", "takeoff_3x_month", "takeoff_3x_event"]] = [150, 130, 1]
    data = by_horizon(with_run_outcomes(final, runs))
    assert data.loc[0, "takeoff_3x_month"] == 120 and data.loc[0, "takeoff_3x_event"] == 0


def with_thresholds(p25: dict[str, list[int]], p35: dict[str, list[int]]):
    """Three arms on 3 seeds with take-off at 2.5x and 3.5x: event flags per arm (month 60 if
    reached, else censored at 120)."""
    final, runs = [], []
    for arm in p25:
        for seed in range(3):
            row = {c: 0.5 for c in OUTCOMES}
            row.update(arm=arm, seed=seed, month=120, taken_off=0, cost_total=0.0)
            final.append(row)
            run = {"arm": arm, "seed": seed, "status": "ok", "horizon": 120}
            for name, flags in (("takeoff_2.5x", p25), ("takeoff_3.5x", p35)):
                run[f"{name}_month"] = 60 if flags[arm][seed] else 120
                run[f"{name}_event"] = flags[arm][seed]
            runs.append(run)
    return pd.DataFrame(final), pd.DataFrame(runs)


def test_rank_swaps_are_named(tmp_path):
    # P(by 120): at 2.5x fin 1/3 < bur 2/3; at 3.5x fin 1/3 > bur 0: they swap
    p25 = {"no_policy": [0, 0, 0], "fin": [1, 0, 0], "bur": [1, 1, 0]}
    p35 = {"no_policy": [0, 0, 0], "fin": [1, 0, 0], "bur": [0, 0, 0]}
    final, runs = with_thresholds(p25, p35)
    table = with_run_outcomes(final, runs)
    surv = survival_summary(table, "no_policy")
    swaps = rank_swaps(surv, ["takeoff_2.5x", "takeoff_3.5x"])
    assert [(s["above"], s["below"]) for s in swaps] == [("fin", "bur")]
    assert swaps[0]["where_above"] == ["takeoff_3.5x"]
    assert swaps[0]["where_below"] == ["takeoff_2.5x"]
    write_comparison(final, tmp_path, "no_policy", "test", runs)
    md = (tmp_path / "levers.md").read_text()
    assert "changes with the threshold" in md and "fin is above bur at 3.5x but below at 2.5x" in md
    # the same order at both thresholds (ties are no reversal): no swap
    same, runs = with_thresholds(p25, {**p25, "bur": [1, 0, 0]})
    assert rank_swaps(survival_summary(with_run_outcomes(same, runs), "no_policy"), []) == []
    table = with_run_outcomes(same, runs)
    summary = arm_summary(table, "no_policy")
    md = report(table, summary, paired_effects(table, "no_policy"), "no_policy", "test")
    assert "The arms rank the same on P(take-off by month 120) at 2.5x, 3.5x." in md
    # 2 of 5 runs reached by month 120: 1 - (4/5)(3/4) = 0.3999999999999999 when they did so
    # in two months, 1 - 3/5 = 0.4 in one; a tie, not a reversal against 3.5x's order
    tie = pd.DataFrame(
        {
            "outcome": ["takeoff_2.5x"] * 2 + ["takeoff_3.5x"] * 2,
            "arm": ["a", "b"] * 2,
            "p": [1 - (4 / 5) * (3 / 4), 1 - 3 / 5, 0.2, 0.0],
        }
    )
    assert tie["p"][0] != tie["p"][1]
    assert rank_swaps(tie, ["takeoff_2.5x", "takeoff_3.5x"]) == []


def test_report_sections_and_figures(tmp_path, capsys):
    final, runs = tiny()
    runs.loc[runs["arm"] == "lever", ["sustain_from", "sustain_to"]] = [48, 72]
    write_comparison(final, tmp_path, "no_policy", "test", runs)
    md = (tmp_path / "levers.md").read_text()
    for head in (
        "## At the horizon (month 120)",
        "## Take-off: months to 3x month-0 employment",
        "## Chain completeness over time",
        "## Self-sustaining after the levers",
        "## How much the pairing reduced variance",
        "## How to read these tables",
    ):
        assert head in md, head
    # the lever is read on other months than no_policy: said so
    assert "Read over other months than no_policy (60-84): lever" in md
    # the pairing table: employment's ratio and correlation, worked out above
    assert re.search(rf"\| employment +\| {7 / 247:.2f} \(r \+0\.99\) +\|", md)
    assert (tmp_path / "km_takeoff_3x.png").stat().st_size > 0
    csv = pd.read_csv(tmp_path / "levers.csv").set_index("arm")
    assert csv.loc["lever", "p_takeoff_3x"] == pytest.approx(2 / 3)
    effects = pd.read_csv(tmp_path / "effects.csv")
    assert {"var_ratio", "corr"} <= set(effects.columns)
    assert "takeoff_3x_event" in set(effects["outcome"])
    printed = capsys.readouterr().out
    assert "P(3x by 120)" in printed and "self-sustaining" in printed
