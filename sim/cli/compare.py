"""`python -m sim compare RESULTS` and `python -m sim levers`: the lever comparison of a sweep's
results (`sim.experiments.compare`), written as levers.md, levers.csv, effects.csv, fiscal.csv
(each arm's fiscal account, `fiscal_summary`) and three figures (trajectories, effects,
cost_effect)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sim import viz
from sim.experiments.compare import (
    OUTCOMES,
    arm_summary,
    final_rows,
    fiscal_summary,
    fiscal_table,
    paired_effects,
)
from sim.experiments.store import load_results
from sim.io.errors import InputError
from sim.io.files import atomic_write, atomic_write_text


def write_comparison(ts: pd.DataFrame, out: Path, baseline: str, label: str) -> pd.DataFrame:
    """Write levers.md, levers.csv, effects.csv and three plots (trajectories, effects,
    cost_effect) under `out`, from a stacked timeseries with columns arm and seed (arms paired
    by seed)."""
    final = final_rows(ts)
    summary = arm_summary(final, baseline)
    effects = paired_effects(final, baseline)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "levers.csv", lambda p: summary.to_csv(p, index=False))
    atomic_write(out / "effects.csv", lambda p: effects.to_csv(p, index=False))
    md = summary.to_markdown(index=False, floatfmt=".3g")
    md += _fiscal_section(final, baseline, out)
    atomic_write_text(out / "levers.md", f"# Lever comparison (vs {baseline}, {label})\n\n{md}\n")
    _plots(ts, effects, out, baseline)
    _cost_effect_plot(final, effects, out, baseline)
    shown = ["arm", "runs", *[f"d_{c}" for c in OUTCOMES[:3]], "p_takeoff", "cost_million_yuan"]
    print(summary[shown].to_string(index=False))
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
        f"\n\n## Fiscal account (vs {baseline}; million yuan, cost per job-year in yuan)\n\n"
        "Gross cost and its parts are means per run; the rest are paired differences against "
        f"{baseline} with 95% intervals: extra revenue (taxes net of the cuts granted), net "
        "fiscal cost (outlays and guarantee charges less plant rent, the plant's residual value "
        "and the extra revenue; `_pv` discounted to month 0 at the scenario's "
        "`fiscal.discount_rate`), extra job-years (employment over the months run / 12), and "
        "their ratio with Fieller's interval (unbounded when the extra job-years are not "
        "distinguishable from none). docs/model.md 4.11 defines each column.\n\n"
        f"{table}"
    )


def _plots(ts: pd.DataFrame, effects: pd.DataFrame, out: Path, baseline: str) -> None:
    """trajectories.png and effects.png, drawn by sim.viz (one style for every figure)."""
    measures = [c for c in ("firms", "employment", "tailors_home") if c in ts.columns]
    viz.save(viz.trajectories(ts, measures), out / "trajectories", formats=("png",))
    if effects.empty:
        return
    viz.save(viz.forest(effects, baseline=baseline), out / "effects", formats=("png",))


def compare_results(directory: Path, baseline: str = "no_policy", out: Path | None = None) -> Path:
    """The lever comparison from a sweep's results folder (arms paired by seed)."""
    _runs, ts = load_results(directory)
    if ts.empty:
        raise InputError(str(directory), "", "holds no finished runs to compare")
    arms = list(dict.fromkeys(ts["arm"]))
    if baseline not in arms:
        raise InputError(str(directory), "--baseline", f"'{baseline}' is not an arm; arms: {arms}")
    target = out or Path(directory) / "comparison"
    n = int(ts.groupby("arm")["seed"].nunique().min())
    write_comparison(ts, target, baseline, f"{n} paired seeds per arm")
    print(f"wrote {target}/ (levers.md, levers.csv, effects.csv, fiscal.csv and three PNG plots)")
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
