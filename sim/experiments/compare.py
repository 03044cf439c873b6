"""Lever comparison: paired effects of each arm against a counterfactual, with intervals.

Arms share seeds (common random numbers), so each arm's effect is the mean of per-seed paired
differences, with a Student-t 95% interval. Takes a tidy table of final measures, one row per
(arm, seed), so it works on any results, not only on runs made here.

Besides the measures at the horizon (`OUTCOMES`), the table may carry each run's run-level
outcomes (`sim.measures.outcomes`, stored in a sweep's runs table; `with_run_outcomes` joins
them): for each time outcome (take-off at each threshold, a complete chain, a held chain) the
probability it happened by the horizon from a Kaplan-Meier estimate (`sim.experiments.survival`)
and the median month, with paired effects on the event by the horizon and on the restricted
months (the month of the event, or the horizon if it did not happen: the paired difference of
their means is the difference of the areas under the two arms' Kaplan-Meier curves up to the
horizon, which is observed for every seed, whereas the median is not reached in an arm where most
runs are censored); the completeness AUC; the share self-sustaining. Every paired effect also
says how much the pairing reduced its variance (`paired_effects`: var_ratio, corr).
`fiscal_summary` gives each arm's fiscal account against the baseline: net fiscal cost with the
paired extra revenue, and the cost per job-year with Fieller's interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.survival import kaplan_meier, logrank
from sim.measures.outcomes import time_outcomes

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
# run-level outcomes compared as they are (besides the time outcomes, found by their columns)
LEVEL_OUTCOMES = ("completeness_auc", "self_sustaining")
TIE = 1e-9  # probabilities closer than this rank equal (rank_swaps)
# the runs table's bookkeeping columns, not outcomes
RUN_BOOKKEEPING = ("status", "error", "wall_seconds", "worker", "finished", "traceback")


def paired_effects(final: pd.DataFrame, baseline: str, outcomes=OUTCOMES) -> pd.DataFrame:
    """One row per (arm, outcome): mean paired difference vs `baseline`, its 95% interval, n,
    and what the pairing bought: `var_ratio` = var(paired differences) / (var(arm) +
    var(baseline)) and `corr`, the correlation of arm and baseline across seeds (var(a - b) =
    var a + var b - 2 cov(a, b): a ratio below 1 narrows the interval by its square root against
    independent samples of the same size; 1 means the pairing bought nothing).

    `final` has columns arm, seed and the outcomes. Seeds missing from either arm, or with the
    outcome missing (NaN) in either, are dropped.
    """
    base = final[final["arm"] == baseline].set_index("seed")
    rows = []
    for arm, grp in final.groupby("arm", sort=False):
        if arm == baseline:
            continue
        g = grp.set_index("seed")
        common = g.index.intersection(base.index)
        for col in outcomes:
            a = g.loc[common, col].astype(float).to_numpy()
            b = base.loc[common, col].astype(float).to_numpy()
            keep = ~(np.isnan(a) | np.isnan(b))
            a, b = a[keep], b[keep]
            d = a - b
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
                    **_pairing(a, b),
                }
            )
    return pd.DataFrame(rows)


def _pairing(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """var(a - b) / (var a + var b) and corr(a, b) over paired seeds (ddof 1; NaN when
    undefined: fewer than 2 pairs, or no variance)."""
    if a.size < 2:
        return {"var_ratio": math.nan, "corr": math.nan}
    va, vb = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    vd = float(np.var(a - b, ddof=1))
    ratio = vd / (va + vb) if va + vb > 0 else math.nan
    corr = float(np.corrcoef(a, b)[0, 1]) if va > 0 and vb > 0 else math.nan
    return {"var_ratio": ratio, "corr": corr}


def _effect_text(e: pd.DataFrame, arm: str, outcome: str, fmt: str = "+.3g") -> str:
    """'effect [lo, hi]' of one arm and outcome, '' if there is none."""
    r = e[(e["arm"] == arm) & (e["outcome"] == outcome)]
    if r.empty:
        return ""
    eff, lo, hi = (float(r[k].iloc[0]) for k in ("effect", "lo", "hi"))
    if math.isnan(eff):
        return ""
    if math.isnan(lo):
        return f"{eff:{fmt}}"
    return f"{eff:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


# ----------------------------------------------------------------------------------- run outcomes
def with_run_outcomes(final: pd.DataFrame, runs: pd.DataFrame | None) -> pd.DataFrame:
    """`final` with each run's run-level outcomes from a sweep's runs table (the columns of
    `runs` that `final` lacks, but for the bookkeeping), matched by run key (or by arm and seed
    when either table has no `run` column); finished runs only."""
    if runs is None or runs.empty:
        return final
    extra = [c for c in runs.columns if c not in final.columns and c not in RUN_BOOKKEEPING]
    if not extra:
        return final
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    key = ["run"] if "run" in final.columns and "run" in runs.columns else ["arm", "seed"]
    return final.merge(ok[key + extra], on=key, how="left", validate="one_to_one")


def run_outcome_names(final: pd.DataFrame) -> list[str]:
    """The run-level outcomes `final` holds, as `paired_effects` takes them after
    `by_horizon`: per time outcome `<name>_event` (happened by the common horizon) and
    `<name>_month` (its month, the horizon if not), then `LEVEL_OUTCOMES`."""
    names = [f"{t}_{part}" for t in time_outcomes(final.columns) for part in ("event", "month")]
    return names + level_outcomes(final.columns)


def level_outcomes(columns) -> list[str]:
    """The run-level outcomes compared as they are: `LEVEL_OUTCOMES` and each stage's
    Duranton-Overman localisation (`do_localised_<stage>`, when the sweep computed it)."""
    cols = list(columns)
    return [c for c in LEVEL_OUTCOMES if c in cols] + [
        c for c in cols if c.startswith("do_localised_")
    ]


def common_horizon(final: pd.DataFrame) -> float:
    """The horizon every compared run reached: the smallest `horizon` (else the last month)."""
    if "horizon" in final.columns and final["horizon"].notna().any():
        return float(final["horizon"].min())
    return float(final["month"].max()) if "month" in final.columns else math.nan


def by_horizon(final: pd.DataFrame) -> pd.DataFrame:
    """`final` with every time outcome read at the common horizon H: `<name>_event` is 1 if the
    event happened by H, `<name>_month` is min(month, H). With one horizon for all runs (a sweep)
    nothing changes; runs that ran longer are censored at H, so arms compare on the same months."""
    out = final.copy()
    h = common_horizon(final)
    for t in time_outcomes(final.columns):
        month = out[f"{t}_month"].astype(float)
        happened = out[f"{t}_event"].astype(float) > 0
        out[f"{t}_event"] = np.where(month.isna(), np.nan, (happened & (month <= h)).astype(float))
        out[f"{t}_month"] = np.minimum(month, h)
    return out


def survival_summary(final: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per (time outcome, arm): runs, events by the common horizon, P(event by the
    horizon) = 1 - S(horizon) from the Kaplan-Meier estimate with its 95% Greenwood (log-log)
    interval, the median month (NaN: not reached), and the log-rank test against `baseline`
    (chi2, p; NaN for the baseline itself). Runs without a time (failed) are left out."""
    data = by_horizon(final)
    h = common_horizon(final)
    rows = []
    for t in time_outcomes(data.columns):
        tm, ev = f"{t}_month", f"{t}_event"
        base = data[(data["arm"] == baseline) & data[tm].notna()]
        for arm, g in data.groupby("arm", sort=False):
            g = g[g[tm].notna()]
            km = kaplan_meier(g[tm].to_numpy(), g[ev].to_numpy())
            p, lo, hi = km.p_by(h)
            row = {
                "outcome": t,
                "arm": arm,
                "runs": km.n,
                "events": int(g[ev].sum()),
                "horizon": h,
                "p": p,
                "p_lo": lo,
                "p_hi": hi,
                "median": km.median(),
                "logrank_chi2": math.nan,
                "logrank_p": math.nan,
            }
            if arm != baseline and len(base) and len(g):
                test = logrank(g[tm], g[ev], base[tm], base[ev])
                row["logrank_chi2"], row["logrank_p"] = test.chi2, test.p
            rows.append(row)
    return pd.DataFrame(rows)


def rank_swaps(survival: pd.DataFrame, outcomes: Sequence[str]) -> list[dict[str, object]]:
    """Pairs of arms whose order on P(event by the horizon) reverses between `outcomes` (e.g.
    take-off at 2.5x, 3x, 3.5x): one entry per pair, with the outcomes where the first arm is
    strictly above the second and those where it is strictly below (ties are no reversal; two
    probabilities within 1e-9 are a tie: the same share reached by different months can differ
    in the last bits of the Kaplan-Meier product)."""
    p = survival[survival["outcome"].isin(list(outcomes))].pivot(
        index="arm", columns="outcome", values="p"
    )
    arms = [a for a in dict.fromkeys(survival["arm"]) if a in p.index]
    cols = [o for o in outcomes if o in p.columns]
    swaps = []
    for i, a in enumerate(arms):
        for b in arms[i + 1 :]:
            diff = p.loc[a, cols].astype(float) - p.loc[b, cols].astype(float)
            above = [o for o in cols if diff[o] > TIE]
            below = [o for o in cols if diff[o] < -TIE]
            if above and below:
                swaps.append(
                    {
                        "above": a,
                        "below": b,
                        "where_above": above,
                        "where_below": below,
                        "p_above": {o: float(p.loc[a, o]) for o in cols},
                        "p_below": {o: float(p.loc[b, o]) for o in cols},
                    }
                )
    return swaps


# ----------------------------------------------------------------------------------- per arm
def arm_summary(final: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per arm: mean outcomes, paired effects (with 95% intervals), take-off probability,
    fiscal cost and jobs per million yuan (the paired employment effect over the mean cost).

    When `final` carries run-level outcomes (`with_run_outcomes`), also, per time outcome t:
    `p_<t>` with `p_<t>_lo`, `p_<t>_hi` (Kaplan-Meier P(by the horizon), 95% interval),
    `d_p_<t>` (paired effect on the event by the horizon), `median_<t>` (KM median month),
    `d_months_<t>` (paired effect on the restricted months) and `logrank_p_<t>`; the mean and
    the paired effect of `completeness_auc` and `self_sustaining` (with `sustain_window`, the
    months it is read on); see the module doc."""
    eff = paired_effects(final, baseline)
    run_names = run_outcome_names(final)
    data = by_horizon(final)
    run_eff = paired_effects(data, baseline, run_names) if run_names else None
    surv = survival_summary(final, baseline) if run_names else None
    out = []
    for arm, grp in final.groupby("arm", sort=False):
        row: dict[str, object] = {"arm": arm, "runs": len(grp)}
        for col in OUTCOMES:
            row[col] = grp[col].mean()
            row[f"d_{col}"] = _effect_text(eff, arm, col)
        if "taken_off" in grp.columns:
            row["p_takeoff"] = grp["taken_off"].mean()
        row["cost_million_yuan"] = grp["cost_total"].mean() / 1e6
        # paired: the employment effect against the baseline arm per million yuan spent
        e = eff[(eff["arm"] == arm) & (eff["outcome"] == "employment")]
        cost = row["cost_million_yuan"]
        jobs = e["effect"].iloc[0] if not e.empty else float("nan")
        row["jobs_per_million_yuan"] = jobs / cost if cost and cost > 0 else float("nan")
        if run_eff is not None and surv is not None:
            row.update(_run_columns(arm, data[data["arm"] == arm], run_eff, surv))
        out.append(row)
    return pd.DataFrame(out)


def _run_columns(
    arm: str, grp: pd.DataFrame, run_eff: pd.DataFrame, surv: pd.DataFrame
) -> dict[str, object]:
    """The run-level columns of one arm's row of `arm_summary`."""
    row: dict[str, object] = {}
    for t in time_outcomes(grp.columns):
        s = surv[(surv["outcome"] == t) & (surv["arm"] == arm)].iloc[0]
        row[f"p_{t}"], row[f"p_{t}_lo"], row[f"p_{t}_hi"] = s["p"], s["p_lo"], s["p_hi"]
        row[f"d_p_{t}"] = _effect_text(run_eff, arm, f"{t}_event", "+.2f")
        row[f"median_{t}"] = s["median"]
        row[f"d_months_{t}"] = _effect_text(run_eff, arm, f"{t}_month", "+.3g")
        row[f"logrank_p_{t}"] = s["logrank_p"]
    for col in level_outcomes(grp.columns):
        row[col] = grp[col].mean()  # NaN (window past the horizon, a stage absent) left out
        row[f"d_{col}"] = _effect_text(run_eff, arm, col, "+.3g")
    if {"sustain_from", "sustain_to"} <= set(grp.columns):
        known = grp[["sustain_from", "sustain_to"]].dropna()
        spans = {f"{a:.0f}-{b:.0f}" for a, b in known.itertuples(index=False)}
        row["sustain_window"] = ", ".join(sorted(spans))
    return row


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
