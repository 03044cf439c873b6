"""`python -m sim run SCENARIO` (run one scenario, save its outputs, print a summary) and
`python -m sim validate SCENARIO` (print the scenario resolved)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.engines import ENGINES
from sim.experiments.run import run
from sim.io.loading import load_scenario, parse_override, scenario_to_yaml

SUMMARY = (
    ("firms", "{:.0f}"),
    ("employment", "{:.0f}"),
    ("tailors_home", "{:.0f}"),
    ("tailors_entrepreneur", "{:.0f}"),
    ("chain_completeness", "{:.2f}"),
    ("local_sourcing_ratio", "{:.2f}"),
    ("eg_gamma_cluster", "{:.3f}"),
    ("morans_i", "{:.3f}"),
    ("cost_total", "{:,.0f}"),
    ("taken_off", "{:.0f}"),
)


def overrides_of(pairs: Sequence[str] | None) -> dict[str, Any]:
    return dict(parse_override(p) for p in pairs or [])


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        metavar="KEY=VALUE",
        help="override a dotted key, e.g. --set levers.financing.enabled=true",
    )


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, overrides_of(args.overrides))
    sys.stdout.write(scenario_to_yaml(scenario))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    scenario = load_scenario(args.scenario, overrides_of(args.overrides))
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


def add_commands(sub: Any) -> None:
    p = sub.add_parser("run", help="run one scenario and write its outputs")
    add_scenario_args(p)
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--steps", type=int, default=None, help="months (default: the scenario's)")
    p.add_argument("--engine", default="mesa", choices=list(ENGINES))
    p.add_argument("--out", default=None, help="output folder (default results/runs/NAME-seedN)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a scenario and print it resolved")
    add_scenario_args(p)
    p.set_defaults(func=cmd_validate)
