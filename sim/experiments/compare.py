"""Lever comparison: paired effects of each arm against a counterfactual, with intervals.

Arms share seeds (common random numbers), so each arm's effect is the mean of per-seed paired
differences, with a Student-t 95% interval. Takes a tidy table of final measures, one row per
(arm, seed), so it works on any results, not only on runs made here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = (
    "firms",
    "employment",
    "tailors_home",
    "chain_completeness",
    "local_sourcing_ratio",
    "eg_gamma",
)


def paired_effects(final: pd.DataFrame, baseline: str, outcomes=OUTCOMES) -> pd.DataFrame:
    """One row per (arm, outcome): mean paired difference vs `baseline`, its 95% interval, n.

    `final` has columns arm, seed and the outcomes. Seeds missing from either arm are dropped.
    """
    base = final[final["arm"] == baseline].set_index("seed")
    rows = []
    for arm, grp in final.groupby("arm", sort=False):
        if arm == baseline:
            continue
        g = grp.set_index("seed")
        common = g.index.intersection(base.index)
        for col in outcomes:
            d = (g.loc[common, col] - base.loc[common, col]).astype(float).dropna().to_numpy()
            n = d.size
            mean = float(d.mean()) if n else float("nan")
            half = (
                float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n))
                if n > 1
                else float("nan")
            )
            rows.append(
                {
                    "arm": arm,
                    "outcome": col,
                    "effect": mean,
                    "lo": mean - half,
                    "hi": mean + half,
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def arm_summary(final: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per arm: mean outcomes, paired effects (with 95% intervals), take-off probability,
    fiscal cost and jobs per million yuan (the paired employment effect over the mean cost)."""
    eff = paired_effects(final, baseline)
    out = []
    for arm, grp in final.groupby("arm", sort=False):
        row: dict[str, object] = {"arm": arm, "runs": len(grp)}
        for col in OUTCOMES:
            row[col] = grp[col].mean()
            e = eff[(eff["arm"] == arm) & (eff["outcome"] == col)]
            row[f"d_{col}"] = (
                ""
                if e.empty
                else f"{e['effect'].iloc[0]:+.3g} [{e['lo'].iloc[0]:+.3g}, {e['hi'].iloc[0]:+.3g}]"
            )
        row["p_takeoff"] = grp["taken_off"].mean()
        row["cost_million_yuan"] = grp["cost_total"].mean() / 1e6
        # paired: the employment effect against the baseline arm per million yuan spent
        e = eff[(eff["arm"] == arm) & (eff["outcome"] == "employment")]
        cost = row["cost_million_yuan"]
        jobs = e["effect"].iloc[0] if not e.empty else float("nan")
        row["jobs_per_million_yuan"] = jobs / cost if cost and cost > 0 else float("nan")
        out.append(row)
    return pd.DataFrame(out)


def final_rows(ts: pd.DataFrame) -> pd.DataFrame:
    """Each run's last kept month (the horizon)."""
    return ts[ts["month"] == ts["month"].max()].reset_index(drop=True)


def write_comparison(ts: pd.DataFrame, out: Path, baseline: str, label: str) -> pd.DataFrame:
    """Write levers.md, levers.csv, effects.csv and three plots (trajectories, effects,
    cost_effect) under `out`
    from a stacked timeseries with columns arm and seed (arms paired by seed)."""
    from sim.io.files import atomic_write, atomic_write_text

    final = final_rows(ts)
    summary = arm_summary(final, baseline)
    effects = paired_effects(final, baseline)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "levers.csv", lambda p: summary.to_csv(p, index=False))
    atomic_write(out / "effects.csv", lambda p: effects.to_csv(p, index=False))
    md = summary.to_markdown(index=False, floatfmt=".3g")
    atomic_write_text(out / "levers.md", f"# Lever comparison (vs {baseline}, {label})\n\n{md}\n")
    _plots(ts, effects, out, baseline)
    _cost_effect_plot(final, effects, out, baseline)
    shown = ["arm", "runs", *[f"d_{c}" for c in OUTCOMES[:3]], "p_takeoff", "cost_million_yuan"]
    print(summary[shown].to_string(index=False))
    return summary


def _plots(ts: pd.DataFrame, effects: pd.DataFrame, out: Path, baseline: str) -> None:
    """trajectories.png and effects.png, drawn by sim.viz.plots (one style for every figure)."""
    from sim.viz import plots

    measures = [c for c in ("firms", "employment", "tailors_home") if c in ts.columns]
    plots.save(plots.trajectories(ts, measures), out / "trajectories", formats=("png",))
    if effects.empty:
        return
    plots.save(plots.forest(effects, baseline=baseline), out / "effects", formats=("png",))


def compare_results(directory: Path, baseline: str = "no_policy", out: Path | None = None) -> Path:
    """The lever comparison from a sweep's results folder (arms paired by seed)."""
    from sim.experiments.store import load_results
    from sim.io.errors import InputError

    _runs, ts = load_results(directory)
    if ts.empty:
        raise InputError(str(directory), "", "holds no finished runs to compare")
    arms = list(dict.fromkeys(ts["arm"]))
    if baseline not in arms:
        raise InputError(str(directory), "--baseline", f"'{baseline}' is not an arm; arms: {arms}")
    target = out or Path(directory) / "comparison"
    n = int(ts.groupby("arm")["seed"].nunique().min())
    write_comparison(ts, target, baseline, f"{n} paired seeds per arm")
    print(f"wrote {target}/ (levers.md, levers.csv, effects.csv and three PNG plots)")
    return target


def _cost_effect_plot(final: pd.DataFrame, effects: pd.DataFrame, out: Path, baseline: str) -> None:
    """Fiscal cost against the employment effect, one point per arm with its 95% interval
    (cost_effect.png, drawn by sim.viz.plots.cost_effect)."""
    from sim.viz import plots

    if effects.empty or "employment" not in set(effects["outcome"]):
        return
    plots.save(plots.cost_effect(final, effects, baseline), out / "cost_effect", formats=("png",))
