"""`python -m sim sweep FILE --out DIR [--workers N] [--scheduler ADDR] [--restart]`: run (or
resume) a sweep file (`sim.experiments.runner`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.runner import sweep_outcome


def cmd_sweep(args: argparse.Namespace) -> int:
    return run_and_report(args)[0]


def run_and_report(args: argparse.Namespace) -> tuple[int, Path]:
    """Run (or resume) the sweep of `args` and report it; (exit status, results folder)."""
    outcome = sweep_outcome(
        args.sweep,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        restart=args.restart,
        progress=not args.quiet,
    )
    runs = pd.read_parquet(outcome.out / "runs.parquet")
    failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    ok = len(runs) - failed
    print(
        f"wrote {outcome.out}/ (manifest.yaml, runs.parquet, runs/*.parquet): {ok} of "
        f"{outcome.total} runs ok, {failed} failed; this session ran {outcome.ok + outcome.failed}"
        f", {outcome.skipped} were already done"
    )
    if failed:
        print(
            f"{failed} runs failed: see the status and error columns of "
            f"{outcome.out / 'runs.parquet'}; rerun the same command to retry them",
            file=sys.stderr,
        )
        return 1, outcome.out
    return 0, outcome.out


def add_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register `sweep SWEEP.yaml --out DIR [--workers N] [--scheduler ADDR] [--restart]`."""
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (arms x design points x replicates), resumable",
        description="Run the sweep file's runs, storing each as it finishes; rerunning the same "
        "command resumes. Exit status: 0 all runs ok, 1 some runs failed (recorded), 2 bad input.",
    )
    add_execution_args(p, "sweep YAML file (see scenarios/sweeps/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
    return p


def add_execution_args(
    p: argparse.ArgumentParser, file_help: str, default: str | None = None
) -> None:
    """The arguments of every command that runs a sweep file (sweep, sensitivity, levers): the
    file (optional when it has a `default`), where its results go and what runs them."""
    if default is None:
        p.add_argument("sweep", help=file_help)
    else:
        p.add_argument("sweep", nargs="?", default=default, help=file_help)
    p.add_argument("--out", default=None, help="results folder (default results/NAME)")
    p.add_argument(
        "--workers", type=int, default=1, help="local worker processes (1: in this process)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on Dask: tcp://host:port of a scheduler, or 'local' for a LocalCluster "
        "of --workers processes",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="discard the runs already in --out (needed when the sweep file changed)",
    )
