"""`python -m sim sensitivity FILE ...`: run (or resume) a Sobol or Morris sweep, analyse it
(`sim.experiments.sensitivity`) and write its report next to the sweep's results:
sensitivity.csv (the tidy table), sensitivity.md (setup, method, one table per arm and outcome)
and sensitivity.png."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.cli.sweep import add_execution_args
from sim.experiments.sensitivity import (
    CSV,
    DEFAULT_OUTCOMES,
    MD,
    PNG,
    RESAMPLES,
    Analysis,
    IncompleteSweepError,
    OutcomeNote,
    analyze_sweep,
)
from sim.io.files import atomic_write, atomic_write_text


def run_sensitivity(
    path: str | Path,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    restart: bool = False,
    outcomes: Sequence[str] | None = None,
    month: int | None = None,
    progress: bool = False,
) -> Path:
    """Run (or resume) the sweep in `path`, analyse it and write sensitivity.csv, .md and .png
    into its results folder `out` (default results/NAME); return that folder.

    Raises SweepError / SensitivityError (InputError: one line, nothing written) on bad input,
    and IncompleteSweepError when some runs failed (rerun to retry them).
    """
    done = analyze_sweep(path, out, workers, scheduler, restart, outcomes, month, progress)
    plan, root, analysis = done.plan, done.root, done.analysis
    table = analysis.table
    atomic_write(root / CSV, lambda p: table.to_csv(p, index=False))
    atomic_write_text(root / MD, _markdown(plan, root, analysis))
    _plot(plan, analysis, root / PNG)
    return root


def _fmt(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3g}"


def _markdown(plan: Any, root: Path, analysis: Analysis) -> str:
    spec = plan.spec
    design = spec.design
    d = len(plan.factor_keys)
    kind = design.kind
    if kind == "sobol":
        shape = (
            f"Saltelli's scheme, {design.samples} base samples x "
            f"{'(2D+2)' if design.second_order else '(D+2)'} = {len(plan.points)} points"
            f"{', with second order' if design.second_order else ', first and total order'}"
        )
    else:
        shape = (
            f"Morris, {design.samples} trajectories x (D+1) = {len(plan.points)} points, "
            f"{design.levels} levels"
        )
    lines = [
        f"# Sensitivity analysis: {spec.name}",
        "",
        f"- sweep file: `{plan.path}`; results: `{root}`",
        f"- design: {shape}; D = {d} factors; {spec.replicates} replicates per point; "
        f"arms: {', '.join(plan.arms)}; {plan.n_runs} runs; engine {spec.engine}",
        f"- outcome: each measure at the {analysis.month}, averaged over the replicates of each "
        "design point (per arm); the indices apportion the variance of these point means",
        "- confidence: half-width of SALib's bootstrap 95% interval "
        f"({RESAMPLES} resamples, seeded from root_seed {spec.root_seed})",
        "- noise share: mean within-point variance / replicates / variance of the point means, "
        "the part of the analysed variance that is seed noise (it lowers sum S1, raises ST)",
        "",
        "| factor | low | high | scale |",
        "|---|---|---|---|",
    ]
    for f in spec.factors:
        scale = "log" if f.log else "linear"
        if plan.integer.get(f.key):
            scale += ", integer"
        lines.append(f"| `{f.key}` | {f.low:g} | {f.high:g} | {scale} |")
    lines.append("")
    if kind == "sobol":
        lines += [
            "S1: share of the variance due to the factor alone; ST: share including all its "
            "interactions. ST - S1 large: the factor acts through interactions (or noise).",
        ]
    else:
        lines += [
            "mu_star: mean absolute elementary effect, in outcome units per full factor range "
            "(importance); sigma: their spread (non-linearity or interactions); mu: signed mean.",
        ]
    table = analysis.table
    for note in analysis.notes:
        title = note.outcome if len(plan.arms) == 1 else f"{note.outcome}, arm {note.arm}"
        lines += ["", f"## {title}", ""]
        if note.skipped:
            lines.append(f"Not analysed: {note.skipped}.")
            continue
        noise = "n/a (1 replicate)" if math.isnan(note.noise_share) else f"{note.noise_share:.2f}"
        lines.append(f"Point means: mean {note.mean:.4g}, sd {note.sd:.3g}; noise share {noise}.")
        lines.append("")
        sub = table[(table["arm"] == note.arm) & (table["outcome"] == note.outcome)]
        lines.append(_index_table(sub, kind))
        if kind == "sobol" and (sub["index"] == "S1").any():
            s1 = sub[sub["index"] == "S1"]["value"].sum()
            lines += ["", f"Sum of S1: {s1:.3f}."]
            s2 = sub[sub["index"] == "S2"]
            if len(s2):
                lines += [
                    "",
                    "| pair | S2 | conf |",
                    "|---|---|---|",
                    *[
                        f"| `{r.parameter}` | {_fmt(r.value)} | {_fmt(r.conf)} |"
                        for r in s2.itertuples()
                    ],
                ]
    return "\n".join(lines) + "\n"


def _index_table(sub: pd.DataFrame, kind: str) -> str:
    wide = sub[sub["index"] != "S2"].pivot(index="parameter", columns="index")
    order = list(dict.fromkeys(sub["parameter"][sub["index"] != "S2"]))
    if kind == "sobol":
        head = "| parameter | S1 | S1 conf | ST | ST conf |\n|---|---|---|---|---|"
        rows = [
            f"| `{p}` | {_fmt(wide.loc[p, ('value', 'S1')])} | {_fmt(wide.loc[p, ('conf', 'S1')])}"
            f" | {_fmt(wide.loc[p, ('value', 'ST')])} | {_fmt(wide.loc[p, ('conf', 'ST')])} |"
            for p in order
        ]
    else:
        head = "| parameter | mu_star | mu_star conf | sigma | mu |\n|---|---|---|---|---|"
        rows = [
            f"| `{p}` | {_fmt(wide.loc[p, ('value', 'mu_star')])} | "
            f"{_fmt(wide.loc[p, ('conf', 'mu_star')])} | {_fmt(wide.loc[p, ('value', 'sigma')])}"
            f" | {_fmt(wide.loc[p, ('value', 'mu')])} |"
            for p in order
        ]
    return "\n".join([head, *rows])


def _plot(plan: Any, analysis: Analysis, path: Path) -> None:
    """sensitivity.png, drawn by sim.viz (sobol_indices or morris: one plotting place)."""
    from sim import viz

    kind = plan.spec.design.kind
    notes = analysis.notes or [OutcomeNote("base", "(none)", skipped="no outcome")]
    if kind == "sobol":
        what = "Sobol indices: first order S1 and total ST (bootstrap 95% interval)"
        draw = viz.sobol_indices
    else:
        what = "Morris: mu_star (importance, 95% interval) against sigma (interactions)"
        draw = viz.morris
    fig = draw(
        analysis.table, notes=notes, title=f"{plan.spec.name}: {what}, at the {analysis.month}"
    )
    viz.save(fig, path.with_suffix(""), formats=(path.suffix.lstrip(".") or "png",))


def cmd_sensitivity(args: argparse.Namespace) -> int:
    try:
        root = run_sensitivity(
            args.sweep,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            restart=args.restart,
            outcomes=args.outcomes,
            month=args.month,
            progress=not args.quiet,
        )
    except IncompleteSweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    table = pd.read_csv(root / CSV)
    main_index = "ST" if "ST" in set(table["index"]) else "mu_star"
    for (arm, outcome), grp in table[table["index"] == main_index].groupby(
        ["arm", "outcome"], sort=False
    ):
        top = grp.sort_values("value", ascending=False).iloc[0]
        label = outcome if table["arm"].nunique() == 1 else f"{outcome} ({arm})"
        print(f"  {label}: most influential {top['parameter']} ({main_index} {top['value']:.3g})")
    print(f"wrote {root}/ ({CSV}, {MD}, {PNG})")
    return 0


def add_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register `sensitivity SPEC.yaml [--out DIR] [--workers N] [--scheduler ADDR] [--restart]
    [--outcomes M ...] [--month M] [--quiet]`."""
    p = subparsers.add_parser(
        "sensitivity",
        help="run a Sobol or Morris sweep and analyse it (Sobol indices, elementary effects)",
        description="Run (or resume) the sweep file's runs, then write sensitivity.csv, "
        "sensitivity.md and sensitivity.png to its results folder. The outcome is each measure "
        "at the horizon (or --month), averaged over the replicates of each design point. Exit "
        "status: 0 done, 1 some runs failed (rerun to retry), 2 bad input.",
    )
    add_execution_args(p, "sweep YAML file with design kind sobol or morris")
    p.add_argument(
        "--outcomes",
        nargs="+",
        default=None,
        metavar="MEASURE",
        help=f"timeseries measures to analyse (default: {' '.join(DEFAULT_OUTCOMES)})",
    )
    p.add_argument(
        "--month",
        type=int,
        default=None,
        help="analyse this (stored) month instead of the horizon",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sensitivity)
    return p
