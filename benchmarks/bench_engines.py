"""Both engines on the baseline scaled to several population sizes: one table.

Run: `python benchmarks/bench_engines.py` (defaults: Mesa at 20,000 tailors; vector at 20,000,
100,000, 200,000 (Qianjiang 1:1), 1,000,000 and 10,000,000; 120 months; 3 repeats below 1M, 1
above). Each configuration runs in its own process, so its peak RSS is its own. The clock covers
building the model, the months and assembling the timeseries (the vector engine computes its
measures there); the vector engine's compiled kernels are loaded before it
(`sim.engines.vector.model.warm_up`), as the modules are imported before it. Columns: engine,
tailors, firms alive at the horizon, months, wall seconds (median over repeats), agent-months per
second (tailors + living firms, summed over months), ms per month per 1,000 tailors (flat = linear
cost), peak RSS. The footer gives the vector/Mesa speed ratio at 20,000 tailors from this run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def one(engine: str, tailors: int, months: int, seed: int) -> dict:
    """Run one configuration in this process and report wall time, firms and peak RSS."""
    import sim
    import sim.engines.mesa.model

    # imported before the clock starts: time the model, not module loading
    import sim.engines.vector.model
    from sim.core.scaling import scale_overrides
    from sim.engines import make_model

    base = sim.load_scenario(BASELINE)
    scenario = sim.load_scenario(BASELINE, {**scale_overrides(base, tailors), "run.months": months})
    if engine == "vector":  # compiled kernels loaded before the clock, like the modules
        sim.engines.vector.model.warm_up(scenario)
    t0 = time.perf_counter()
    model = make_model(scenario, engine, seed)
    for _ in range(months):
        model.step()
    if engine == "mesa":  # the timeseries as sim.run assembles it, inside the clock
        ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    else:
        ts = model.timeseries()
    wall = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    firms = ts["firms"].to_numpy()[1:]  # living firms at the end of months 1..months
    return {
        "wall": wall,
        "firms": int(firms[-1]),
        "agent_months": int(months * tailors + firms.sum()),
        "rss_mb": rss_mb,
        "phases": model.phase_seconds,
    }


def in_subprocess(engine: str, tailors: int, months: int, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", engine, str(tailors), str(months), str(seed)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mesa", type=int, nargs="*", default=[20_000])
    ap.add_argument(
        "--vector", type=int, nargs="*", default=[20_000, 100_000, 200_000, 1_000_000, 10_000_000]
    )
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        engine, tailors, months, seed = args.one
        print(json.dumps(one(engine, int(tailors), int(months), int(seed))))
        return
    header = (
        f"{'engine':>7} {'tailors':>11} {'firms':>7} {'months':>6} {'wall s':>9} "
        f"{'agent-months/s':>15} {'ms/month/1k':>12} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    walls: dict[tuple[str, int], float] = {}
    for engine, sizes in (("mesa", args.mesa), ("vector", args.vector)):
        for n in sizes:
            reps = args.repeats if n < 1_000_000 and engine == "vector" else 1
            res = [in_subprocess(engine, n, args.months, seed) for seed in range(reps)]
            wall = statistics.median(r["wall"] for r in res)
            walls[engine, n] = wall
            am = statistics.median(r["agent_months"] for r in res)
            per_k = 1000 * wall / args.months / (n / 1000)
            print(
                f"{engine:>7} {n:>11,} {res[0]['firms']:>7} {args.months:>6} {wall:>9.2f} "
                f"{am / wall:>15,.0f} {per_k:>12.4f} {max(r['rss_mb'] for r in res):>12.0f}",
                flush=True,
            )
    if ("mesa", 20_000) in walls and ("vector", 20_000) in walls:
        print(
            f"\nvector is {walls['mesa', 20_000] / walls['vector', 20_000]:.0f}x faster than Mesa "
            "at 20,000 tailors (same run of this benchmark)"
        )
    big = [n for n in (100_000, 1_000_000, 10_000_000) if ("vector", n) in walls]
    if len(big) >= 2:
        per = {n: walls["vector", n] / n for n in big}
        print(
            "vector time per tailor-month, relative to 100k: "
            + ", ".join(f"{n:,}: {per[n] / per[big[0]]:.2f}" for n in big)
        )


if __name__ == "__main__":
    main()
