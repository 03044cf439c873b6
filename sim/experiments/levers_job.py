"""The flagship job: every lever arm against no_policy over common seeds, with table and plots.

Every arm's scenario is validated before anything runs, so bad input writes nothing. Runs go to a
process pool; a run's seed depends only on the root seed and its replicate number, so the results
do not depend on the number of workers or the order in which runs finish.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.scaling import scale_overrides
from sim.core.scenario import Scenario
from sim.experiments.compare import write_comparison
from sim.io.errors import InputError
from sim.io.files import atomic_write
from sim.io.loading import load_scenario, with_overrides


def replicate_seed(root: int, replicate: int) -> int:
    """A run's seed from the root seed and its replicate number only."""
    return int(np.random.SeedSequence([root, replicate]).generate_state(1)[0])


def _one(args: tuple[Scenario, str, int, int, int | None, str]) -> pd.DataFrame:
    from sim.experiments.run import run

    scenario, arm, replicate, seed, steps, engine = args
    ts = run(scenario, engine=engine, seed=seed, steps=steps).timeseries
    return ts.assign(arm=arm, replicate=replicate, seed=seed)


def run_lever_comparison(
    scenarios_dir: Path,
    arms: list[str],
    replicates: int,
    steps: int | None,
    out: Path,
    workers: int,
    baseline: str,
    engine: str = "mesa",
    tailors: int | None = None,
) -> pd.DataFrame:
    """Run every arm over `replicates` common seeds and write the comparison under `out`.

    With `tailors`, every arm is scaled to that many tailors (sim.core.scaling: firms, local
    workers, plant stock and budgets in proportion), e.g. 200,000 for Qianjiang at 1:1.
    """
    if replicates < 2:
        raise InputError(
            "--replicates", "", f"need at least 2 replicates for intervals, got {replicates}"
        )
    if baseline not in arms:
        raise InputError("--baseline", "", f"'{baseline}' is not one of the arms {arms}")
    scenarios = {arm: load_scenario(scenarios_dir / f"{arm}.yaml") for arm in arms}
    if tailors is not None:
        scenarios = {
            a: with_overrides(sc, scale_overrides(sc, tailors)) for a, sc in scenarios.items()
        }
    root = scenarios[baseline].run.seed
    tasks = [
        (scenarios[a], a, r, replicate_seed(root, r), steps, engine)
        for r in range(replicates)
        for a in arms
    ]
    from tqdm import tqdm

    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        frames = list(
            tqdm(
                pool.map(_one, tasks), total=len(tasks), desc="lever runs", unit="run", disable=None
            )
        )
    ts = pd.concat(frames, ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "timeseries.parquet", lambda p: ts.to_parquet(p, index=False))
    summary = write_comparison(ts, out, baseline, f"{replicates} paired seeds")
    print(f"wrote {out}/ (levers.md, levers.csv, effects.csv, timeseries.parquet, *.png)")
    return summary
