"""Lever comparison: paired effects of each arm against a counterfactual, with intervals.

Arms share seeds (common random numbers), so each arm's effect is the mean of per-seed paired
differences, with a Student-t 95% interval. Takes a tidy table of final measures, one row per
(arm, seed), so it works on any results, not only on runs made here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = (
    "firms",
    "employment",
    "tailors_home",
    "chain_completeness",
    "local_sourcing_ratio",
    "eg_gamma_cluster",
    "eg_gamma_garment",
    "egk_fabric_garment",
    "park_share",
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
