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

from sim.compare import OUTCOMES, arm_summary, paired_effects
from sim.errors import InputError
from sim.loading import load_scenario, with_overrides
from sim.run import atomic_write, atomic_write_text
from sim.scaling import scale_overrides
from sim.scenario import Scenario


def replicate_seed(root: int, replicate: int) -> int:
    """A run's seed from the root seed and its replicate number only."""
    return int(np.random.SeedSequence([root, replicate]).generate_state(1)[0])


def _one(args: tuple[Scenario, str, int, int, int | None, str]) -> pd.DataFrame:
    from sim.run import run

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

    With `tailors`, every arm is scaled to that many tailors (sim.scaling: firms, local workers,
    plant stock and budgets in proportion), e.g. 200,000 for Qianjiang at 1:1.
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
    final = ts[ts["month"] == ts["month"].max()].reset_index(drop=True)
    summary = arm_summary(final, baseline)
    effects = paired_effects(final, baseline)

    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "timeseries.parquet", lambda p: ts.to_parquet(p, index=False))
    atomic_write(out / "levers.csv", lambda p: summary.to_csv(p, index=False))
    atomic_write(out / "effects.csv", lambda p: effects.to_csv(p, index=False))
    md = (
        summary.to_markdown(index=False, floatfmt=".3g")
        if _has_tabulate()
        else summary.to_string(index=False)
    )
    atomic_write_text(
        out / "levers.md",
        f"# Lever comparison (vs {baseline}, {replicates} paired seeds)\n\n{md}\n",
    )
    _plots(ts, effects, summary, out, baseline)
    print(
        summary[
            ["arm", "runs", *[f"d_{c}" for c in OUTCOMES[:3]], "p_takeoff", "cost_million_yuan"]
        ].to_string(index=False)
    )
    print(f"wrote {out}/ (levers.md, levers.csv, effects.csv, timeseries.parquet, *.png)")
    return summary


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _plots(
    ts: pd.DataFrame, effects: pd.DataFrame, summary: pd.DataFrame, out: Path, baseline: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, col in zip(axes, ("firms", "employment", "tailors_home"), strict=True):
        for arm, g in ts.groupby("arm", sort=False):
            q = g.groupby("month")[col].quantile([0.05, 0.5, 0.95]).unstack()
            ax.plot(q.index, q[0.5], label=arm)
            ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.15)
        ax.set_title(col.replace("_", " "))
        ax.set_xlabel("month")
    axes[0].legend(fontsize=8)
    fig.suptitle("Median and 90% band over seeds, by arm")
    fig.tight_layout()
    atomic_write(out / "trajectories.png", lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)

    outcomes = list(dict.fromkeys(effects["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3 * len(outcomes), 3.2), sharey=True)
    for ax, col in zip(np.atleast_1d(axes), outcomes, strict=True):
        e = effects[effects["outcome"] == col].reset_index(drop=True)
        ax.errorbar(
            e["effect"], e.index, xerr=[e["effect"] - e["lo"], e["hi"] - e["effect"]], fmt="o"
        )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(e.index, e["arm"])
        ax.set_title(col.replace("_", " "), fontsize=9)
    fig.suptitle(f"Effect at the horizon vs {baseline} (paired mean, 95% interval)")
    fig.tight_layout()
    atomic_write(out / "effects.png", lambda p: fig.savefig(p, format="png", dpi=110))
    plt.close(fig)
