"""Regenerates the engines' reference outputs that tests/test_reference.py holds the code to.

A change that means to change no result (a refactoring, a speed-up) must leave every run below
bit for bit as it was: the same timeseries and the same firm table, for both engines. The files
here were written by this script at the commit named in `manifest.yaml`; a change that is meant
to change results regenerates them (and says why in its commit):

    .venv/bin/python tests/reference/make_reference.py [--engine mesa|vector] [--why TEXT]

`--engine` rewrites one engine's cases only (the other engine's files stay as they were); the
manifest records, per engine, the commit whose code wrote its files (HEAD, plus "+changes" when
the working tree differs: the files are then committed with that change) and why.

Runs: baseline, no_policy and each lever scenario (scenarios/*.yaml, their own seeds) on the Mesa
engine for MESA_MONTHS months and on the vector engine for the full horizon; and the first
replicate of the no_policy and combined arms of the lever sweep (scenarios/sweeps/levers.yaml:
vector engine, Qianjiang at 1:1, the sweep's seed), runs that `make main` makes.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402

SCENARIOS = ("baseline", "no_policy", "financing", "burden", "plants", "combined")
MESA_MONTHS = 48  # the Mesa engine costs about 60 ms a month at 10,000 tailors
ENGINES = ("mesa", "vector")
LEVER_SWEEP_ARMS = ("no_policy", "combined")  # run 0 of these arms of `make main`'s sweep


def lever_sweep_run(arm: str):
    """The lever sweep's first replicate of `arm` (scenarios/sweeps/levers.yaml: 1:1, its seed),
    as the sweep's plan defines it: exactly a run that `make main` makes."""
    from sim.experiments.plan import load_sweep

    plan = load_sweep(ROOT / "scenarios/sweeps/levers.yaml")
    return next(t for t in plan.tasks() if t.arm == arm and t.replicate == 0)


def cases() -> list[tuple[str, str, str, int | None, dict]]:
    """(case name, scenario or sweep arm, engine, months, options) of every reference run."""
    out = []
    for name in SCENARIOS:
        out.append((f"{name}.mesa", name, "mesa", MESA_MONTHS, {}))
        out.append((f"{name}.vector", name, "vector", 120, {}))
    for arm in LEVER_SWEEP_ARMS:
        out.append((f"levers-{arm}.vector", arm, "vector", None, {"lever_sweep": True}))
    return out


def run_case(scenario: str, engine: str, months: int | None, options: dict) -> sim.RunResult:
    if options.get("lever_sweep"):
        task = lever_sweep_run(scenario)
        return sim.run(task.scenario(), engine=task.engine, seed=task.seed, steps=months)
    return sim.run(ROOT / "scenarios" / f"{scenario}.yaml", engine=engine, steps=months)


def as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as it reads back from Parquet, so that a fresh run and the reference compare on
    equal terms (dtypes included)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    buf.seek(0)
    return pd.read_parquet(buf)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("mesa", "vector"), help="only this engine's cases")
    parser.add_argument("--why", default="", help="why the files change (kept in the manifest)")
    args = parser.parse_args(argv)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "sim"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    commit = (head or "unknown") + ("+changes" if dirty else "")
    for case, scenario, engine, months, options in cases():
        if args.engine and engine != args.engine:
            continue
        result = run_case(scenario, engine, months, options)
        result.timeseries.to_parquet(
            HERE / f"{case}.timeseries.parquet", index=False, compression="zstd"
        )
        result.firms.to_parquet(HERE / f"{case}.firms.parquet", index=False, compression="zstd")
        print(f"{case}: {len(result.timeseries)} months, {len(result.firms)} firms")
    path = HERE / "manifest.yaml"
    old = yaml.safe_load(path.read_text()) if path.exists() else {}
    first = old.get("commit", "unknown")  # the manifest of a single commit for both engines
    written = old.get("written_by") or {e: {"commit": first} for e in ENGINES}
    for engine in [args.engine] if args.engine else ENGINES:
        written[engine] = {"commit": commit, **({"why": args.why} if args.why else {})}
    manifest = {
        "written_by": written,
        "mesa_months": MESA_MONTHS,
        "cases": [c[0] for c in cases()],
    }
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, width=100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
