"""Speed of the Mesa engine on the baseline at 2,000, 20,000 and 50,000 tailors.

Run: `python benchmarks/bench_mesa.py [--months 120] [--repeats 1] [--sizes 2000 20000 50000]`.
Prints one table: tailors, firms at the horizon, months, wall seconds (median over repeats),
months per second, agent-steps per second (tailors + firms, summed over months) and the cost per
month per 1,000 agents, whose flatness across sizes shows that cost grows linearly with agents.
Local workers and the initial firms scale with the tailors (the baseline's 1:20 ratios).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import sim
from sim.engines.mesa.model import ClusterModel

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def scaled(tailors: int, months: int):
    base = sim.load_scenario(BASELINE)
    factor = tailors / base.population.tailors
    overrides = {
        "population.tailors": tailors,
        "population.villages": max(1, round(base.population.villages * factor)),
        "population.local_workers": round(base.population.local_workers * factor),
        "run.months": months,
    }
    for i, group in enumerate(base.population.initial_firms):
        overrides[f"population.initial_firms.{i}.count"] = max(1, round(group.count * factor))
    return sim.load_scenario(BASELINE, overrides)


def measure(tailors: int, months: int, seed: int) -> tuple[float, int, int]:
    scenario = scaled(tailors, months)
    t0 = time.perf_counter()
    model = ClusterModel(scenario, seed=seed)
    agent_steps = 0
    for _ in range(months):
        agent_steps += len(model.agents)
        model.step()
    return time.perf_counter() - t0, len(model.firms), agent_steps


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 50000])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    header = (
        f"{'tailors':>8} {'firms':>7} {'months':>6} {'wall s':>8} {'months/s':>9} "
        f"{'agent-steps/s':>14} {'ms/month/1k agents':>19}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        runs = [measure(n, args.months, seed) for seed in range(args.repeats)]
        wall = statistics.median(r[0] for r in runs)
        firms = runs[0][1]
        steps = statistics.median(r[2] for r in runs)
        per_k = wall / args.months / (steps / args.months / 1000) * 1000
        print(
            f"{n:>8} {firms:>7} {args.months:>6} {wall:>8.2f} {args.months / wall:>9.2f} "
            f"{steps / wall:>14,.0f} {per_k:>19.3f}"
        )


if __name__ == "__main__":
    main()
