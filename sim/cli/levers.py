"""`python -m sim levers`: the flagship lever comparison, the levers sweep plus `compare`.

It runs (or resumes) the sweep file `scenarios/sweeps/levers.yaml` (each lever alone and the
package against no_policy, on common seeds, at Qianjiang's 1:1) and writes the comparison into the
sweep's folder: the same runs, seeds and table as `make main`, which calls it.
"""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.compare import compare_results
from sim.cli.sweep import add_execution_args, run_and_report

LEVERS_SWEEP = "scenarios/sweeps/levers.yaml"


def cmd_levers(args: argparse.Namespace) -> int:
    status, out = run_and_report(args)
    if status != 0:
        return status  # the sweep said which runs failed; a comparison needs them all
    compare_results(out, args.baseline)
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser(
        "levers",
        help="the lever comparison: run the levers sweep (resumable), then compare its arms",
        description="Run (or resume) the lever sweep, each lever alone and the package against "
        "no_policy on common seeds, then write the comparison (levers.md, levers.csv, "
        "effects.csv, figures) into OUT/comparison. The same as `make main`.",
    )
    add_execution_args(p, f"the lever sweep file (default {LEVERS_SWEEP})", LEVERS_SWEEP)
    p.add_argument("--baseline", default="no_policy", help="the arm effects are measured against")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_levers)
