"""Regenerates the engines' reference outputs that tests/test_reference.py holds the code to.

A change that means to change no result (a refactoring, a speed-up) must leave every run below
bit for bit as it was: the same timeseries and the same firm table, for both engines. The files
here were written by this script at the commit named in `manifest.yaml`; a change that is meant
to change results regenerates them (and says why in its commit):

    .venv/bin/python tests/reference/make_reference.py

Runs: baseline, no_policy and each lever scenario (scenarios/*.yaml, their own seeds) on the Mesa
engine for MESA_MONTHS months and on the vector engine for the full horizon; and no_policy and
combined on the vector engine at Qianjiang's 1:1 with the lever sweep's overrides
(scenarios/sweeps/levers.yaml), which is what `make main` runs.
"""

from __future__ import annotations

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
FULL_SCALE = ("no_policy", "combined")  # vector engine at 1:1, the lever sweep's settings
FULL_SCALE_MONTHS = 120


def full_scale_overrides(name: str) -> dict:
    """The overrides the lever sweep gives an arm at 1:1: its common overrides, then the
    scaling of the scenario to the sweep's number of tailors (as `sim.experiments.plan` does)."""
    from sim.core.scaling import scale_overrides

    sweep = yaml.safe_load((ROOT / "scenarios/sweeps/levers.yaml").read_text())
    common = {k: float(v) for k, v in sweep["overrides"].items()}
    scenario = sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml", common)
    return {**common, **scale_overrides(scenario, int(sweep["tailors"]))}


def cases() -> list[tuple[str, str, str, int, dict]]:
    """(case name, scenario, engine, months, overrides) of every reference run."""
    out = []
    for name in SCENARIOS:
        out.append((f"{name}.mesa", name, "mesa", MESA_MONTHS, {}))
        out.append((f"{name}.vector", name, "vector", 120, {}))
    for name in FULL_SCALE:
        out.append((f"{name}.vector-1to1", name, "vector", FULL_SCALE_MONTHS, {"full": True}))
    return out


def run_case(scenario: str, engine: str, months: int, options: dict) -> sim.RunResult:
    path = ROOT / "scenarios" / f"{scenario}.yaml"
    overrides = full_scale_overrides(scenario) if options.get("full") else None
    return sim.run(path, engine=engine, steps=months, overrides=overrides)


def as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as it reads back from Parquet, so that a fresh run and the reference compare on
    equal terms (dtypes included)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    buf.seek(0)
    return pd.read_parquet(buf)


def main() -> int:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    for case, scenario, engine, months, options in cases():
        result = run_case(scenario, engine, months, options)
        result.timeseries.to_parquet(
            HERE / f"{case}.timeseries.parquet", index=False, compression="zstd"
        )
        result.firms.to_parquet(HERE / f"{case}.firms.parquet", index=False, compression="zstd")
        print(f"{case}: {len(result.timeseries)} months, {len(result.firms)} firms")
    manifest = {
        "commit": commit or "unknown",
        "mesa_months": MESA_MONTHS,
        "cases": [c[0] for c in cases()],
    }
    (HERE / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
