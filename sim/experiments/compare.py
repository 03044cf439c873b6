"""Lever comparison: paired effects of each arm against a counterfactual, with intervals.

Arms share seeds (common random numbers), so each arm's effect is the mean of per-seed paired
differences, with a Student-t 95% interval. Takes a tidy table of final measures, one row per
(arm, seed), so it works on any results, not only on runs made here. `fiscal_summary` gives each
arm's fiscal account against the baseline: net fiscal cost with the paired extra revenue, and the
cost per job-year with Fieller's interval.
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


# ------------------------------------------------------------------ the fiscal account
# the final-month columns fiscal_summary reads (sim.measures.fiscal); older results lack them
FISCAL_COLUMNS = (
    "cost_total",
    "outlay_total",
    "forgone_total",
    "guarantee_total",
    "plant_rent_collected",
    "plant_residual_value",
    "net_fiscal_cost",
    "net_fiscal_cost_pv",
    "tax_revenue",
    "tax_revenue_pv",
    "job_years",
    "job_years_pv",
)


def _t95(n: int) -> float:
    return float(stats.t.ppf(0.975, n - 1)) if n > 1 else float("nan")


def mean_interval(d: np.ndarray) -> tuple[float, float, float]:
    """Mean of paired differences `d` and its Student-t 95% interval."""
    n = d.size
    if n == 0:
        return (float("nan"),) * 3
    mean = float(d.mean())
    half = _t95(n) * float(d.std(ddof=1)) / np.sqrt(n) if n > 1 else float("nan")
    return mean, mean - half, mean + half


def ratio_interval(num: np.ndarray, den: np.ndarray) -> tuple[float, float, float]:
    """mean(num) / mean(den) of paired per-seed values and its Fieller 95% interval.

    Fieller's interval (Fieller 1954) is the set of ratios R for which mean(num) - R mean(den)
    is not significantly different from 0 at the 5% level (Student t, n - 1 degrees of freedom,
    with the sample covariance of the two). With a = mean(num), b = mean(den), v11, v22, v12
    the variances and covariance of the two means and g = t^2 v22 / b^2:
    (R - g v12 / v22 -+ (t / |b|) sqrt(v11 - 2 R v12 + R^2 v22 - g (v11 - v12^2 / v22)))
    / (1 - g). When g >= 1 the denominator is not significantly different from 0 and the
    interval is unbounded (-inf, inf): a cost per job-year of an arm whose extra employment is
    indistinguishable from none is unknown, not large. A constant denominator (v22 = 0) gives
    the t interval of mean(num) / b."""
    n = num.size
    if n < 2 or n != den.size:
        return float("nan"), float("nan"), float("nan")
    a, b = float(num.mean()), float(den.mean())
    if b == 0:
        return float("nan"), -np.inf, np.inf
    r = a / b
    cov = np.cov(num, den, ddof=1) / n
    v11, v12, v22 = float(cov[0, 0]), float(cov[0, 1]), float(cov[1, 1])
    t = _t95(n)
    if v22 == 0:
        half = t * np.sqrt(v11) / abs(b)
        return r, r - half, r + half
    g = t * t * v22 / (b * b)
    if g >= 1:
        return r, -np.inf, np.inf
    centre = r - g * v12 / v22
    spread = (t / abs(b)) * np.sqrt(
        max(0.0, v11 - 2 * r * v12 + r * r * v22 - g * (v11 - v12 * v12 / v22))
    )
    return r, (centre - spread) / (1 - g), (centre + spread) / (1 - g)


def fiscal_summary(final: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per arm against `baseline`, on common seeds: the lever's fiscal account and its cost per
    job-year (docs/model.md 4.11), money in million yuan.

    - gross cost (`cost_total`) and its parts (outlays, forgone revenue, guarantee charges),
      the plant's residual value, means over the arm's runs;
    - extra revenue: the paired difference of `tax_revenue` (and discounted, `_pv`): what the
      lever's firms paid in taxes beyond no_policy's, net of the cuts it granted;
    - net fiscal cost: the paired difference of `net_fiscal_cost - tax_revenue` (outlays and
      guarantee charges less plant rent, residual value and tax revenue), nominal and
      discounted to month 0 (`net_cost_pv`); pairing removes the rent on month-0 plant and the
      taxes that every arm collects;
    - extra job-years: the paired difference of `job_years` (employment summed over the months
      run, / 12), and discounted;
    - cost per job-year (yuan): mean net cost over mean extra job-years, with Fieller's 95%
      interval (`ratio_interval`), nominal and both discounted.
    Each paired figure has a Student-t 95% interval (`_lo`, `_hi`). An empty table when the
    results lack the fiscal columns (runs made before them)."""
    if not set(FISCAL_COLUMNS) <= set(final.columns):
        return pd.DataFrame()
    base = final[final["arm"] == baseline].set_index("seed")
    rows = []
    for arm, grp in final.groupby("arm", sort=False):
        if arm == baseline:
            continue
        g = grp.set_index("seed")
        common = g.index.intersection(base.index)
        cols = list(FISCAL_COLUMNS)
        diff = (g.loc[common, cols] - base.loc[common, cols]).astype(float)
        paired = {col: diff[col].to_numpy() for col in cols}  # per seed: arm - baseline
        net = paired["net_fiscal_cost"] - paired["tax_revenue"]
        net_pv = paired["net_fiscal_cost_pv"] - paired["tax_revenue_pv"]
        jobs, jobs_pv = paired["job_years"], paired["job_years_pv"]
        row: dict[str, object] = {"arm": arm, "runs": int(common.size)}
        for name, col in (
            ("gross_cost", "cost_total"),
            ("outlays", "outlay_total"),
            ("forgone", "forgone_total"),
            ("guarantees", "guarantee_total"),
            ("residual_value", "plant_residual_value"),
        ):
            row[name] = float(grp[col].mean()) / 1e6
        for name, values, scale in (
            ("extra_rent", paired["plant_rent_collected"], 1e6),
            ("extra_revenue", paired["tax_revenue"], 1e6),
            ("extra_revenue_pv", paired["tax_revenue_pv"], 1e6),
            ("net_cost", net, 1e6),
            ("net_cost_pv", net_pv, 1e6),
            ("extra_job_years", jobs, 1.0),
            ("extra_job_years_pv", jobs_pv, 1.0),
        ):
            mean, lo, hi = mean_interval(values / scale)
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = mean, lo, hi
        for name, num, den in (
            ("cost_per_job_year", net, jobs),
            ("cost_per_job_year_pv", net_pv, jobs_pv),
        ):
            ratio, lo, hi = ratio_interval(num, den)
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = ratio, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def fiscal_table(fiscal: pd.DataFrame) -> pd.DataFrame:
    """`fiscal_summary` for reading: each paired figure as 'mean [lo, hi]' (3 significant
    digits), money in million yuan, cost per job-year in yuan."""
    if fiscal.empty:
        return fiscal
    out = fiscal[["arm", "runs", "gross_cost", "outlays", "forgone", "guarantees"]].copy()
    for name in (
        "extra_revenue",
        "net_cost",
        "net_cost_pv",
        "extra_job_years",
        "cost_per_job_year",
        "cost_per_job_year_pv",
    ):
        out[name] = [
            f"{m:+.3g} [{lo:+.3g}, {hi:+.3g}]"
            for m, lo, hi in zip(
                fiscal[name], fiscal[f"{name}_lo"], fiscal[f"{name}_hi"], strict=True
            )
        ]
    return out
