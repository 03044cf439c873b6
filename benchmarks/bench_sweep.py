"""Sweep throughput: one fixed sweep on 1 worker (in process) and on a local process pool.

Run: `python benchmarks/bench_sweep.py [--workers 1 2] [--repeats N]`. The sweep is the baseline
county (1:20, 120 months, vector engine) over a 4 x 5 grid of return-migration peer weight and
localization externality, 2 replicates: 40 runs. Its file is written to a temporary folder and every
measurement runs `sim.experiments.runner.run_sweep` into a fresh results folder there (deleted at
the end), so nothing is resumed and the timing includes everything a user waits for: starting the
pool (spawned processes import the model), the runs, and writing every run atomically.

Columns: workers, runs, wall seconds (median over repeats), runs per minute, speedup over the
first row's worker count, and scaling efficiency = speedup / (workers / first row's workers).
Repeats: 3 if the first round (every worker count once) took under 20 s, so the whole benchmark
stays under about a minute; otherwise 1 (or --repeats). The parent process runs one short model
run first, so the in-process timings do not include first-import costs that pool workers pay per
process (those are part of the pool's real cost and stay in its timings).

Finally the outputs are compared: the runs table (less wall_seconds, worker and finished) and the
stacked timeseries must be identical across worker counts and repeats, since a run's seed depends
only on the root seed and its key.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = ROOT / "scenarios" / "baseline.yaml"
VOLATILE = ["wall_seconds", "worker", "finished"]
SWEEP = {
    "name": "bench-sweep",
    "description": "benchmark: 4 x 5 grid x 2 replicates = 40 vector-engine runs",
    "base": str(BASELINE),
    "engine": "vector",
    "root_seed": 20261125,
    "replicates": 2,
    "keep_months": 12,
    "factors": [
        {"key": "behaviour.return_migration.peer", "values": [2.0, 3.0, 4.0, 5.0]},
        {
            "key": "behaviour.externalities.localization",
            "values": [0.01, 0.03, 0.05, 0.07, 0.09],
        },
    ],
    "design": {"kind": "grid"},
}
QUICK_ROUND = 20.0  # seconds: a first round faster than this gets 3 repeats


def outputs(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sim.experiments.store import load_results

    runs, ts = load_results(folder)
    return runs.drop(columns=VOLATILE), ts


def same(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]) -> bool:
    try:
        pd.testing.assert_frame_equal(a[0], b[0])
        pd.testing.assert_frame_equal(a[1], b[1])
    except AssertionError:
        return False
    return True


def one(sweep: Path, out: Path, workers: int) -> tuple[float, int]:
    from sim.experiments.runner import run_sweep

    t0 = time.perf_counter()
    run_sweep(sweep, out, workers=workers)
    wall = time.perf_counter() - t0
    runs = pd.read_parquet(out / "runs.parquet")
    failed = int((runs["status"] != "ok").sum())
    if failed:
        raise SystemExit(f"{failed} runs failed in {out}: see its runs.parquet")
    return wall, len(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=None, help="default: 3 if quick, else 1")
    args = parser.parse_args(argv)

    import sim

    sim.run(sim.load_scenario(BASELINE), engine="vector", seed=0, steps=2)  # warm the parent

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        sweep = folder / "sweep.yaml"
        sweep.write_text(yaml.safe_dump(SWEEP, sort_keys=False), encoding="utf-8")

        walls: dict[int, list[float]] = {w: [] for w in args.workers}
        n_runs: dict[int, int] = {}
        results: list[tuple[str, tuple[pd.DataFrame, pd.DataFrame]]] = []
        repeats = args.repeats
        rep = 0
        while repeats is None or rep < repeats:
            t_round = time.perf_counter()
            for w in args.workers:
                out = folder / f"w{w}-rep{rep}"
                wall, n = one(sweep, out, w)
                walls[w].append(wall)
                n_runs[w] = n
                results.append((out.name, outputs(out)))
                print(f"  repeat {rep + 1}, {w} worker(s): {wall:.2f} s", file=sys.stderr)
            if repeats is None:
                repeats = 3 if time.perf_counter() - t_round < QUICK_ROUND else 1
            rep += 1

        ref_name, ref = results[0]
        differing = [name for name, res in results[1:] if not same(ref, res)]

    first = args.workers[0]
    base_wall = statistics.median(walls[first])
    print(
        f"Sweep benchmark: {n_runs[first]} runs (baseline 1:20, 120 months, vector engine), "
        f"median of {repeats} repeat(s); {os.cpu_count()} CPUs, load average {load:.2f} at start"
    )
    header = f"{'workers':>7}  {'runs':>5}  {'wall s':>7}  {'runs/min':>8}  {'speedup':>7}  "
    header += f"{'efficiency':>10}"
    print(header)
    for w in args.workers:
        wall = statistics.median(walls[w])
        speedup = base_wall / wall
        eff = speedup / (w / first)
        print(
            f"{w:>7}  {n_runs[w]:>5}  {wall:>7.2f}  {n_runs[w] / wall * 60:>8.0f}  "
            f"{speedup:>7.2f}  {eff:>10.2f}"
        )
    if differing:
        print(f"outputs DIFFER from {ref_name} in: {', '.join(differing)}")
        return 1
    print(
        f"outputs identical: runs table and timeseries of all {len(results)} sweeps "
        "(every worker count and repeat) are equal"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
