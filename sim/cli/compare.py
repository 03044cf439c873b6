"""`python -m sim compare RESULTS` and `python -m sim levers`: the lever comparison of a sweep's
results (`sim.experiments.compare`), written as levers.md, levers.csv, effects.csv, fiscal.csv
(each arm's fiscal account, `fiscal_summary`) and the figures (trajectories, effects,
cost_effect, and one Kaplan-Meier figure per take-off threshold, km_takeoff_<m>x).

levers.md holds, in order: the measures at the horizon (paired effects, cost, jobs per million
yuan); take-off at each threshold (Kaplan-Meier probability by the horizon, median month, paired
effects, log-rank p) and whether the arms' ranking agrees across thresholds; the chain over time
(months to a complete chain and to a held one, completeness AUC); self-sustaining after the
levers (Brenner 2001); how much the pairing reduced each effect's variance; a note on reading
them; the fiscal account (net fiscal cost with the paired extra revenue, cost per job-year).
levers.csv is `arm_summary` (every column, one row per arm); effects.csv every paired
effect with its variance ratio and correlation.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim import viz
from sim.experiments.compare import (
    LEVEL_OUTCOMES,
    OUTCOMES,
    arm_summary,
    by_horizon,
    common_horizon,
    final_rows,
    fiscal_summary,
    fiscal_table,
    level_outcomes,
    paired_effects,
    rank_swaps,
    run_outcome_names,
    survival_summary,
    with_run_outcomes,
)
from sim.experiments.store import load_results
from sim.io.errors import InputError
from sim.io.files import atomic_write, atomic_write_text
from sim.measures.outcomes import label, time_outcomes


def write_comparison(
    ts: pd.DataFrame,
    out: Path,
    baseline: str,
    label_text: str,
    runs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Write levers.md, levers.csv, effects.csv and the plots (trajectories, effects,
    cost_effect, km_<outcome> per take-off threshold) under `out`, from a stacked timeseries
    with columns arm and seed (arms paired by seed) and, for the run-level outcomes, the sweep's
    runs table (`runs`; without it, or without outcomes in it, only the horizon's table)."""
    final = with_run_outcomes(final_rows(ts), runs)
    summary = arm_summary(final, baseline)
    names = run_outcome_names(final)
    effects = paired_effects(final, baseline)
    if names:
        extra = paired_effects(by_horizon(final), baseline, names)
        effects = pd.concat([effects, extra], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "levers.csv", lambda p: summary.to_csv(p, index=False))
    atomic_write(out / "effects.csv", lambda p: effects.to_csv(p, index=False))
    text = report(final, summary, effects, baseline, label_text)
    text += _fiscal_section(final, baseline, out)
    atomic_write_text(out / "levers.md", text)
    _plots(ts, effects[effects["outcome"].isin(OUTCOMES)], out, baseline)
    _cost_effect_plot(final, effects, out, baseline)
    for t in time_outcomes(final.columns):
        if t.startswith("takeoff_"):
            viz.save(viz.km_curves(final, t), out / f"km_{t}", formats=("png",))
    _print_summary(summary, final)
    return summary


def _fiscal_section(final: pd.DataFrame, baseline: str, out: Path) -> str:
    """Write fiscal.csv (`fiscal_summary`, every figure with its interval) and return the
    fiscal section of levers.md (empty for results without the fiscal columns)."""
    fiscal = fiscal_summary(final, baseline)
    if fiscal.empty:
        return ""
    atomic_write(out / "fiscal.csv", lambda p: fiscal.to_csv(p, index=False))
    table = fiscal_table(fiscal).to_markdown(index=False, floatfmt=".3g")
    return (
        f"\n## Fiscal account (vs {baseline}; million yuan, cost per job-year in yuan)\n\n"
        "Gross cost and its parts are means per run; the rest are paired differences against "
        f"{baseline} with 95% intervals: extra revenue (taxes net of the cuts granted), net "
        "fiscal cost (outlays and guarantee charges less plant rent, the plant's residual value "
        "and the extra revenue; `_pv` discounted to month 0 at the scenario's "
        "`fiscal.discount_rate`), extra job-years (employment over the months run / 12), and "
        "their ratio with Fieller's interval (unbounded when the extra job-years are not "
        "distinguishable from none). docs/model.md 4.11 defines each column.\n\n"
        f"{table}\n"
    )


def _print_summary(summary: pd.DataFrame, final: pd.DataFrame) -> None:
    """What `make main` prints: the effects at the horizon, then take-off by the horizon at
    each threshold and the share self-sustaining (the rest is in levers.md)."""
    shown = ["arm", "runs", *[f"d_{c}" for c in OUTCOMES[:3]], "p_takeoff", "cost_million_yuan"]
    print(summary[[c for c in shown if c in summary.columns]].to_string(index=False))
    takeoff = [t for t in time_outcomes(final.columns) if t.startswith("takeoff_")]
    if not takeoff:
        return
    h = common_horizon(final)
    cols = {f"p_{t}": f"P({t.removeprefix('takeoff_')} by {h:.0f})" for t in takeoff}
    if "self_sustaining" in summary.columns:
        cols["self_sustaining"] = "self-sustaining"
    table = summary[["arm", *cols]].rename(columns=cols)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


# ----------------------------------------------------------------------------------- levers.md
def _num(v: object, fmt: str = ".2f") -> str:
    """A number for a Markdown cell ('' for NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{v:{fmt}}"


def _p_cell(row: pd.Series) -> str:
    return f"{row['p']:.2f} [{row['p_lo']:.2f}, {row['p_hi']:.2f}]"


def _median_cell(v: float, horizon: float) -> str:
    return f"not by {horizon:.0f}" if math.isnan(v) else f"{v:.0f}"


def _md(table: pd.DataFrame) -> str:
    return table.to_markdown(index=False) if len(table) else "(none)"


def report(
    final: pd.DataFrame,
    summary: pd.DataFrame,
    effects: pd.DataFrame,
    baseline: str,
    label_text: str,
) -> str:
    """levers.md: the sections of the module doc, as Markdown."""
    h = common_horizon(final)
    parts = [f"# Lever comparison (vs {baseline}, {label_text})\n"]
    horizon_cols = ["arm", "runs", *OUTCOMES, *[f"d_{c}" for c in OUTCOMES]]
    horizon_cols += ["p_takeoff", "cost_million_yuan", "jobs_per_million_yuan"]
    at_h = summary[[c for c in horizon_cols if c in summary.columns]]
    parts += [f"## At the horizon (month {h:.0f})\n", at_h.to_markdown(index=False, floatfmt=".3g")]
    times = time_outcomes(final.columns)
    if not times:
        parts.append(
            "\nNo run-level outcomes (months to take-off, chain over time, self-sustaining): "
            "these results hold no runs table with them (a sweep from before they were stored); "
            "rerun the sweep with --restart.\n"
        )
        return "\n".join(parts) + "\n"
    surv = survival_summary(final, baseline)
    parts += _takeoff_section(surv, summary, baseline, h)
    parts += _chain_section(surv, summary, baseline, h, times)
    parts += _sustain_section(summary, baseline)
    parts += _localisation_section(summary, baseline)
    parts += _pairing_section(effects, baseline)
    parts += [_READING.format(h=f"{h:.0f}", baseline=baseline)]
    return "\n".join(parts) + "\n"


def _takeoff_section(
    surv: pd.DataFrame, summary: pd.DataFrame, baseline: str, h: float
) -> list[str]:
    takeoff = [t for t in dict.fromkeys(surv["outcome"]) if t.startswith("takeoff_")]
    if not takeoff:
        return []
    by_arm = summary.set_index("arm")
    rows = []
    for t in takeoff:
        for _, r in surv[surv["outcome"] == t].iterrows():
            a = by_arm.loc[r["arm"]]
            rows.append(
                {
                    "threshold": t.removeprefix("takeoff_"),
                    "arm": r["arm"],
                    "took off": f"{r['events']}/{r['runs']}",
                    f"P(by month {h:.0f}) [95%]": _p_cell(r),
                    f"vs {baseline}": a[f"d_p_{t}"],
                    "median month": _median_cell(r["median"], h),
                    f"months vs {baseline}": a[f"d_months_{t}"],
                    "log-rank p": _num(r["logrank_p"], ".3g"),
                }
            )
    swaps = rank_swaps(surv, takeoff)
    shown = ", ".join(t.removeprefix("takeoff_") for t in takeoff)
    if not swaps:
        sentence = f"The arms rank the same on P(take-off by month {h:.0f}) at {shown}."
    else:
        said = []
        for s in swaps:
            up = ", ".join(o.removeprefix("takeoff_") for o in s["where_above"])
            down = ", ".join(o.removeprefix("takeoff_") for o in s["where_below"])
            said.append(f"{s['above']} is above {s['below']} at {up} but below at {down}")
        sentence = (
            f"The arms' ranking on P(take-off by month {h:.0f}) changes with the threshold "
            f"({shown}): " + "; ".join(said) + "."
        )
    return [
        f"\n## Take-off: months to {shown} month-0 employment (Kaplan-Meier, censored at month "
        f"{h:.0f})\n",
        _md(pd.DataFrame(rows)),
        f"\n{sentence}\n",
    ]


def _chain_section(
    surv: pd.DataFrame, summary: pd.DataFrame, baseline: str, h: float, times: list[str]
) -> list[str]:
    chain = [t for t in times if not t.startswith("takeoff_")]
    if not chain and "completeness_auc" not in summary.columns:
        return []
    rows = []
    for _, a in summary.iterrows():
        row: dict[str, object] = {"arm": a["arm"]}
        for t in chain:
            r = surv[(surv["outcome"] == t) & (surv["arm"] == a["arm"])].iloc[0]
            name = label(t)
            row[f"{name}: P(by {h:.0f})"] = _p_cell(r)
            row[f"{name}: median month"] = _median_cell(r["median"], h)
            row[f"{name}: months vs {baseline}"] = a[f"d_months_{t}"]
        if "completeness_auc" in summary.columns:
            row["completeness AUC"] = _num(a["completeness_auc"], ".3f")
            row[f"AUC vs {baseline}"] = a["d_completeness_auc"]
        rows.append(row)
    return ["\n## Chain completeness over time\n", _md(pd.DataFrame(rows))]


def _sustain_section(summary: pd.DataFrame, baseline: str) -> list[str]:
    if "self_sustaining" not in summary.columns:
        return []
    cols = {"arm": "arm", "sustain_window": "months read", "self_sustaining": "self-sustaining"}
    cols["d_self_sustaining"] = f"vs {baseline}"
    table = summary[[c for c in cols if c in summary.columns]].rename(columns=cols)
    table["self-sustaining"] = table["self-sustaining"].map(lambda v: _num(v, ".2f"))
    base = summary.set_index("arm")["sustain_window"].get(baseline, "")
    odd = [a for a, w in zip(summary["arm"], summary["sustain_window"], strict=True) if w != base]
    note = (
        f"\nRead over other months than {baseline} ({base}): {', '.join(odd)}; these arms "
        "are not compared with it on the same months.\n"
        if odd
        else ""
    )
    return [
        "\n## Self-sustaining after the levers (Brenner 2001: switch the push off)\n",
        _md(table),
        note,
    ]


def _localisation_section(summary: pd.DataFrame, baseline: str) -> list[str]:
    stages = [c.removeprefix("do_localised_") for c in level_outcomes(summary.columns)]
    stages = [s for s in stages if s not in LEVEL_OUTCOMES]
    if not stages:
        return []
    rows = []
    for _, a in summary.iterrows():
        row: dict[str, object] = {"arm": a["arm"]}
        for s in stages:
            row[s] = _num(a[f"do_localised_{s}"], ".2f")
            row[f"{s} vs {baseline}"] = a[f"d_do_localised_{s}"]
        rows.append(row)
    return [
        "\n## Localised stages at the horizon (Duranton and Overman 2005)\n",
        "Share of runs in which the stage's K-density of firm-to-firm distances rises above the "
        "upper global band of counterfactuals drawn from all firm sites at some distance "
        "(5% of counterfactuals do; NaN: fewer than 2 firms).\n",
        _md(pd.DataFrame(rows)),
    ]


def _pairing_section(effects: pd.DataFrame, baseline: str) -> list[str]:
    if effects.empty or "var_ratio" not in effects.columns:
        return []
    cell = effects.assign(
        text=[
            "" if math.isnan(v) else f"{v:.2f} (r {_num(c, '+.2f') or 'n/a'})"
            for v, c in zip(effects["var_ratio"], effects["corr"], strict=True)
        ]
    )
    table = cell.pivot(index="outcome", columns="arm", values="text")
    table = table.reindex(index=list(dict.fromkeys(effects["outcome"])))
    table = table[list(dict.fromkeys(effects["arm"]))].reset_index()
    return [
        f"\n## How much the pairing reduced variance (vs {baseline})\n",
        "var(paired differences) / (var(arm) + var(baseline)) across seeds, and (r) the "
        "correlation of arm and baseline: a ratio below 1 narrows the interval by its square "
        "root against unpaired runs; near 1 (r near 0) the common seeds bought nothing.\n",
        table.to_markdown(index=False),
    ]


_READING = """
## How to read these tables

Effects are paired differences against {baseline} on common seeds, with 95% Student-t
intervals. Take-off at m x is the first month local employment reaches m times month 0's; a run
that has not reached it by month {h} is censored there (not counted as never), so P(by month {h})
is 1 - S({h}) of the Kaplan-Meier estimate, with a Greenwood (log-log) 95% interval. Its effect
is the paired difference in the share reached by month {h}; "months vs {baseline}" is the paired
difference in restricted months (the month reached, or {h}): the difference of the areas under
the two Kaplan-Meier curves up to month {h}, negative when the arm is faster. The median month is
the first month with S <= 0.5 ("not by {h}" when fewer than half the runs got there). The
log-rank p treats the arms as independent samples (conservative for common seeds). A complete
chain has every chain link's two stages present; held means that many complete months in a row,
timed at the last of them. The completeness AUC is the mean completeness over months 1..{h}.
Self-sustaining: employment at the end of the window (after the last month any lever acts) is
positive and no lower than at its start; the share is over runs whose horizon covers the window.
"""


def _plots(ts: pd.DataFrame, effects: pd.DataFrame, out: Path, baseline: str) -> None:
    """trajectories.png and effects.png, drawn by sim.viz (one style for every figure)."""
    measures = [c for c in ("firms", "employment", "tailors_home") if c in ts.columns]
    viz.save(viz.trajectories(ts, measures), out / "trajectories", formats=("png",))
    spatial = [
        c
        for c in ("eg_gamma_cluster", "eg_gamma_garment", "egk_fabric_garment", "park_share")
        if c in ts.columns and ts[c].notna().any()
    ]
    if spatial:  # agglomeration on the equal blocks, as Ellison, Glaeser and Kerr compute it
        viz.save(viz.trajectories(ts, spatial), out / "agglomeration", formats=("png",))
    if effects.empty:
        return
    viz.save(viz.forest(effects, baseline=baseline), out / "effects", formats=("png",))


def compare_results(directory: Path, baseline: str = "no_policy", out: Path | None = None) -> Path:
    """The lever comparison from a sweep's results folder (arms paired by seed)."""
    runs, ts = load_results(directory)
    if ts.empty:
        raise InputError(str(directory), "", "holds no finished runs to compare")
    arms = list(dict.fromkeys(ts["arm"]))
    if baseline not in arms:
        raise InputError(str(directory), "--baseline", f"'{baseline}' is not an arm; arms: {arms}")
    target = out or Path(directory) / "comparison"
    n = int(ts.groupby("arm")["seed"].nunique().min())
    write_comparison(ts, target, baseline, f"{n} paired seeds per arm", runs)
    print(f"wrote {target}/ (levers.md, levers.csv, effects.csv, fiscal.csv and the PNG plots)")
    return target


def _cost_effect_plot(final: pd.DataFrame, effects: pd.DataFrame, out: Path, baseline: str) -> None:
    """Fiscal cost against the employment effect, one point per arm with its 95% interval
    (cost_effect.png, drawn by sim.viz.cost_effect)."""
    if effects.empty or "employment" not in set(effects["outcome"]):
        return
    viz.save(viz.cost_effect(final, effects, baseline), out / "cost_effect", formats=("png",))


def cmd_compare(args: argparse.Namespace) -> int:
    compare_results(Path(args.results), args.baseline, Path(args.out) if args.out else None)
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("compare", help="the lever comparison from a sweep's results folder")
    p.add_argument("results", help="a sweep's results folder (results/NAME)")
    p.add_argument("--baseline", default="no_policy", help="the arm effects are measured against")
    p.add_argument("--out", default=None, help="where to write (default RESULTS/comparison)")
    p.set_defaults(func=cmd_compare)
