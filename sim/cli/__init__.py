"""Command line: `python -m sim run|validate|levers|sweep|compare|sensitivity|dashboard ...`.

Input errors print one line naming the file and key, exit with status 2, and write nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.engines import ENGINES
from sim.io.errors import InputError
from sim.io.loading import load_scenario, parse_override, scenario_to_yaml

SUMMARY = (
    ("firms", "{:.0f}"),
    ("employment", "{:.0f}"),
    ("tailors_home", "{:.0f}"),
    ("tailors_entrepreneur", "{:.0f}"),
    ("chain_completeness", "{:.2f}"),
    ("local_sourcing_ratio", "{:.2f}"),
    ("eg_gamma", "{:.3f}"),
    ("morans_i", "{:.3f}"),
    ("cost_total", "{:,.0f}"),
    ("taken_off", "{:.0f}"),
)


def _overrides(pairs: Sequence[str] | None) -> dict[str, Any]:
    return dict(parse_override(p) for p in pairs or [])


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        metavar="KEY=VALUE",
        help="override a dotted key, e.g. --set levers.financing.enabled=true",
    )


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, _overrides(args.overrides))
    sys.stdout.write(scenario_to_yaml(scenario))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiments.run import run

    scenario = load_scenario(args.scenario, _overrides(args.overrides))
    months = args.steps if args.steps is not None else scenario.run.months
    with tqdm(
        total=months,
        desc=scenario.name,
        unit="month",
        file=sys.stderr,
        disable=True if args.quiet else None,
    ) as bar:
        result = run(
            scenario,
            engine=args.engine,
            seed=args.seed,
            steps=args.steps,
            progress=lambda _m: bar.update(1),
        )
    out = (
        Path(args.out)
        if args.out
        else Path("results") / "runs" / f"{scenario.name}-seed{result.seed}"
    )
    result.save(out)  # before printing, so a closed stdout cannot lose the outputs
    final, start = result.final(), result.timeseries.iloc[0]
    width = max(len(k) for k, _ in SUMMARY)
    print(
        f"{scenario.name}: engine {result.engine}, seed {result.seed}, {months} months, "
        f"{result.wall_seconds:.1f} s"
    )
    print(f"  {'measure':<{width}}  {'month 0':>14}  {'horizon':>14}")
    for key, fmt in SUMMARY:
        print(f"  {key:<{width}}  {fmt.format(start[key]):>14}  {fmt.format(final[key]):>14}")
    print(f"wrote {out}/ (timeseries.parquet, firms.parquet, scenario.yaml, manifest.yaml)")
    return 0


def cmd_levers(args: argparse.Namespace) -> int:
    from sim.experiments.levers_job import run_lever_comparison

    run_lever_comparison(
        scenarios_dir=Path(args.scenarios),
        arms=args.arms,
        replicates=args.replicates,
        steps=args.steps,
        out=Path(args.out),
        workers=args.workers,
        baseline=args.baseline,
        engine=args.engine,
        tailors=args.tailors,
    )
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.viz.plots import plot_command  # matplotlib is imported only when plotting

    return plot_command(args)


def _add_plot_command(sub: Any) -> None:
    """`plot run SCENARIO ... --out DIR [--animate]` and `plot sweep RESULTS [--out DIR]`."""
    p = sub.add_parser("plot", help="figures (PNG and SVG) of one run or of a sweep's results")
    what = p.add_subparsers(dest="plot_what", required=True)
    r = what.add_parser(
        "run",
        help="run one scenario and write map, map_small_multiples, completeness, trajectories",
        description="Run one scenario and write map, map_small_multiples, completeness and "
        "trajectories as PNG and SVG into --out (and map.gif, every month, with --animate).",
    )
    _add_run_args(r)
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


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.experiments.compare import compare_results

    compare_results(Path(args.results), args.baseline, Path(args.out) if args.out else None)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve sim/viz/dashboard.py with `solara run`, the scenario named in the environment (none:
    the dashboard's own default, sim.viz.dashboard.DEFAULT_SCENARIO). The server replaces this
    process (exec), so a signal to it (Ctrl-C, SIGTERM) stops the server itself: no parent to
    outlive, no child to orphan."""
    import os

    env = dict(os.environ)
    if args.scenario is None:
        env.pop("CLUSTERSIM_SCENARIO", None)
        what = "the default scenario (scenarios/baseline.yaml)"
    else:
        load_scenario(args.scenario)  # a bad file is one line and status 2, before any server
        env["CLUSTERSIM_SCENARIO"] = str(Path(args.scenario).resolve())
        what = args.scenario
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"dashboard for {what}: http://{host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "sim.viz.dashboard", "--production",
               "--no-open", "--host", args.host, "--port", str(args.port)]  # fmt: skip
    sys.stderr.flush()
    os.execve(sys.executable, command, env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run one scenario and write its outputs")
    _add_run_args(p)
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--steps", type=int, default=None, help="months (default: the scenario's)")
    p.add_argument("--engine", default="mesa", choices=list(ENGINES))
    p.add_argument("--out", default=None, help="output folder (default results/runs/NAME-seedN)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a scenario and print it resolved")
    _add_run_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("levers", help="the lever comparison: each arm against no_policy")
    p.add_argument("--scenarios", default="scenarios", help="folder holding the arm scenarios")
    p.add_argument(
        "--arms", nargs="+", default=["no_policy", "financing", "burden", "plants", "combined"]
    )
    p.add_argument("--baseline", default="no_policy")
    p.add_argument("--replicates", type=int, default=8)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--engine", default="mesa", choices=list(ENGINES))
    p.add_argument(
        "--tailors",
        type=int,
        default=None,
        help="scale every arm to this many tailors (200000 = Qianjiang at 1:1)",
    )
    # not results/levers: that is make main's sweep folder, which `levers` would spoil
    p.add_argument("--out", default="results/levers-job")
    p.set_defaults(func=cmd_levers)

    p = sub.add_parser("compare", help="the lever comparison from a sweep's results folder")
    p.add_argument("results", help="a sweep's results folder (results/NAME)")
    p.add_argument("--baseline", default="no_policy", help="the arm effects are measured against")
    p.add_argument("--out", default=None, help="where to write (default RESULTS/comparison)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("dashboard", help="the live dashboard (Mesa SolaraViz) in a browser")
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario YAML (default: the dashboard's, the project's scenarios/baseline.yaml)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default loopback)")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_dashboard)

    from sim.experiments.runner import add_sweep_commands
    from sim.experiments.sensitivity import add_sensitivity_commands

    add_sweep_commands(sub)
    add_sensitivity_commands(sub)
    _add_plot_command(sub)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command: input errors become one line on stderr and exit status 2."""
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted (a sweep resumes when the same command is run again)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser().parse_args(argv))


def run_standalone(command: str, add_commands, argv: Sequence[str] | None = None) -> int:
    """`python -m sim.COMMAND ...`: one subcommand on its own (the name may be left out)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (command, "-h", "--help"):
        argv = [command, *argv]
    parser = argparse.ArgumentParser(prog=f"python -m sim.{command}")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return dispatch(parser.parse_args(argv))
