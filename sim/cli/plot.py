"""`python -m sim plot run SCENARIO --out DIR [--animate]` and `python -m sim plot sweep RESULTS`:
figures (PNG and SVG) of one run or of a sweep's results, drawn by `sim.viz`. Input errors raise
InputError (one line, exit status 2) before anything is written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.cli.run import add_scenario_args
from sim.engines import ENGINES
from sim.experiments.compare import OUTCOMES, final_rows, paired_effects
from sim.experiments.run import run
from sim.experiments.store import load_results
from sim.io.loading import load_scenario, parse_override
from sim.viz import (
    PlotError,
    animate_map,
    completeness_heatmap,
    cost_effect,
    county_map,
    forest,
    index_kind,
    map_small_multiples,
    morris,
    save,
    sobol_indices,
    trajectories,
)
from sim.viz.style import check_columns

RUN_MEASURES = ("firms", "employment", "tailors_home")


def plot_command(args: argparse.Namespace) -> int:
    """Run `python -m sim plot run|sweep` (arguments: sim.cli); input errors raise InputError,
    which sim.cli turns into one line and exit status 2, before anything is written."""
    written = _plot_run(args) if args.plot_what == "run" else _plot_sweep(args)
    folder = Path(written[0]).parent
    names = sorted({p.name for p in written})
    print(f"wrote {folder}/ ({', '.join(names)})")
    return 0


def _save_all(figs: dict[str, Figure], out: Path, dpi: float | None) -> list[Path]:
    written = []
    for name, fig in figs.items():
        written += save(fig, out / name, dpi=dpi)
    return written


def _plot_run(args: argparse.Namespace) -> list[Path]:
    overrides = dict(parse_override(p) for p in args.overrides or [])
    scenario = load_scenario(args.scenario, overrides)  # bad input stops here, nothing written
    result = run(scenario, engine=args.engine, seed=args.seed, steps=args.steps)
    figs = {
        "map": county_map(result),
        "map_small_multiples": map_small_multiples(result),
        "completeness": completeness_heatmap(result),
        "trajectories": trajectories(result, list(RUN_MEASURES)),
    }
    out = Path(args.out)
    written = _save_all(figs, out, args.dpi)
    if args.animate:
        written.append(animate_map(result, out / "map.gif"))
    return written


def _plot_sweep(args: argparse.Namespace) -> list[Path]:
    root = Path(args.results)
    _runs, ts = load_results(root)
    if ts.empty:
        raise PlotError(str(root), "", "holds no finished runs to plot")
    arms = list(dict.fromkeys(ts["arm"]))
    if len(arms) > 1 and args.baseline not in arms:
        raise PlotError(str(root), "--baseline", f"'{args.baseline}' is not an arm; arms: {arms}")
    table = None
    if (root / "sensitivity.csv").is_file():
        table = pd.read_csv(root / "sensitivity.csv")
        check_columns(
            table,
            ["arm", "outcome", "parameter", "index", "value", "conf"],
            str(root / "sensitivity.csv"),
        )
    figs = {"trajectories": trajectories(ts, list(RUN_MEASURES))}
    if len(arms) > 1:
        final = final_rows(ts)
        outcomes = [c for c in OUTCOMES if c in final.columns]
        effects = paired_effects(final, args.baseline, outcomes)
        figs["forest"] = forest(effects, baseline=args.baseline)
        figs["cost_effect"] = cost_effect(final, effects, args.baseline)
    if table is not None and len(table):
        kind = index_kind(table)
        figs["sensitivity"] = sobol_indices(table) if kind == "sobol" else morris(table)
    return _save_all(figs, Path(args.out) if args.out else root / "plots", args.dpi)


def cmd_plot(args: argparse.Namespace) -> int:
    return plot_command(args)


def add_commands(sub: Any) -> None:
    """`plot run SCENARIO ... --out DIR [--animate]` and `plot sweep RESULTS [--out DIR]`."""
    p = sub.add_parser("plot", help="figures (PNG and SVG) of one run or of a sweep's results")
    what = p.add_subparsers(dest="plot_what", required=True)
    r = what.add_parser(
        "run",
        help="run one scenario and write map, map_small_multiples, completeness, trajectories",
        description="Run one scenario and write map, map_small_multiples, completeness and "
        "trajectories as PNG and SVG into --out (and map.gif, every month, with --animate).",
    )
    add_scenario_args(r)
    r.add_argument("--engine", default="mesa", choices=list(ENGINES))
    r.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    r.add_argument("--steps", type=int, default=None, help="months (default: the scenario's)")
    r.add_argument("--out", required=True, help="folder to write the figures into")
    r.add_argument("--animate", action="store_true", help="also write map.gif")
    r.add_argument("--dpi", type=float, default=None, help="PNG resolution (default 100)")
    s = what.add_parser(
        "sweep",
        help="write trajectories, forest and cost_effect (and Sobol or Morris) of a sweep",
        description="Write trajectories, forest (paired effects vs --baseline) and cost_effect "
        "as PNG and SVG, and sensitivity when RESULTS holds a sensitivity.csv.",
    )
    s.add_argument("results", help="a sweep's results folder (results/NAME)")
    s.add_argument("--baseline", default="no_policy", help="the arm effects are measured against")
    s.add_argument("--out", default=None, help="where to write (default RESULTS/plots)")
    s.add_argument("--dpi", type=float, default=None, help="PNG resolution (default 100)")
    p.set_defaults(func=cmd_plot)
