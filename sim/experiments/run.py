"""The run API: `sim.run(scenario_or_path, engine=..., seed=..., steps=...) -> RunResult`.

A RunResult carries a tidy timeseries (one row per month, one column per measure), the final firm
table and the resolved scenario, gives the run-level outcomes (`outcomes()`: months to take-off,
to a complete chain, whether it is self-sustaining; `sim.measures.outcomes`), and saves them as
Parquet plus YAML with a manifest that pins the seed, the package versions and the git commit
and holds the outcomes. Every file is written to a temporary name and renamed when whole, so a
file that exists is complete.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from sim.core.scenario import Scenario
from sim.core.streams import spawn_streams
from sim.engines import check_engine, make_model
from sim.io.files import atomic_write, atomic_write_text, git_commit, package_versions
from sim.io.loading import load_scenario, scenario_to_yaml
from sim.measures.outcomes import run_outcomes

if TYPE_CHECKING:
    from sim.measures.kdensity import DOResult


@dataclass
class RunResult:
    timeseries: pd.DataFrame
    firms: pd.DataFrame
    scenario: Scenario
    seed: int
    engine: str
    phase_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def final(self) -> pd.Series:
        """The measures at the horizon (the last month)."""
        return self.timeseries.iloc[-1]

    def duranton_overman(self, draws: int = 1000) -> dict[str, DOResult | None]:
        """Each stage's K-density test of localisation on the firms alive at the horizon
        (`sim.measures.kdensity.duranton_overman`), the counterfactuals drawn from every living
        firm's site with the run's `measures` stream; None for a stage with fewer than 2
        firms. Computed on demand: 1,000 draws take about a second per stage at 1:1."""
        from sim.measures.kdensity import duranton_overman  # scipy.stats: only when asked

        sp = self.scenario.space
        alive = self.firms[self.firms["alive"]]
        cells = (alive["x"].to_numpy() * sp.height + alive["y"].to_numpy()).astype(np.int64)
        stage = alive["stage"].to_numpy()
        rng = spawn_streams(self.seed).measures
        return {
            s: duranton_overman(
                cells[stage == s], cells, sp.width, sp.height, sp.cell_km, rng, draws
            )
            for s in self.scenario.chain.stages
        }

    def outcomes(self) -> dict[str, float | int]:
        """The run-level outcomes (`sim.measures.outcomes.run_outcomes`), from the full
        timeseries: months to each take-off threshold and to a complete (and held) chain, with
        their event flags, the completeness AUC and whether the cluster is self-sustaining."""
        return run_outcomes(self.timeseries, self.scenario)

    def save(self, directory: str | Path) -> Path:
        """Write timeseries.parquet, firms.parquet, scenario.yaml and manifest.yaml."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(
            out / "timeseries.parquet", lambda p: self.timeseries.to_parquet(p, index=False)
        )
        atomic_write(out / "firms.parquet", lambda p: self.firms.to_parquet(p, index=False))
        atomic_write_text(out / "scenario.yaml", scenario_to_yaml(self.scenario))
        atomic_write_text(out / "manifest.yaml", yaml.safe_dump(self.manifest(), sort_keys=False))
        return out

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "engine": self.engine,
            "seed": self.seed,
            "months": int(self.timeseries["month"].max()) if len(self.timeseries) else 0,
            "wall_seconds": round(self.wall_seconds, 3),
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "packages": package_versions(),
            "outcomes": self._saved_outcomes(),
        }

    def _saved_outcomes(self) -> dict[str, float | int] | str:
        """The outcomes for the manifest, or why there are none (a timeseries that is not every
        month from 0, e.g. a RunResult built by hand from a thinned one): saving never fails
        for them."""
        try:
            return self.outcomes()
        except (KeyError, ValueError) as exc:
            return f"not computed: {exc}"


def resolve(
    scenario_or_path: Scenario | str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    if isinstance(scenario_or_path, Scenario):
        if overrides:
            from sim.io.loading import with_overrides

            return with_overrides(scenario_or_path, overrides)
        return scenario_or_path
    return load_scenario(scenario_or_path, overrides)


def run(
    scenario_or_path: Scenario | str | Path,
    engine: str = "mesa",
    seed: int | None = None,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run one scenario and return its RunResult.

    Args:
        scenario_or_path: a Scenario or the path of a scenario YAML file.
        engine: "mesa" (the readable reference) or "vector" (the fast NumPy engine).
        seed: overrides scenario.run.seed.
        steps: overrides scenario.run.months.
        overrides: dotted-key overrides, validated like the file.
        progress: called with the month number after each month (for progress bars).
    """
    import time

    check_engine(engine)  # before loading anything
    scenario = resolve(scenario_or_path, overrides)
    seed = scenario.run.seed if seed is None else int(seed)
    months = scenario.run.months if steps is None else int(steps)
    scenario = scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"seed": seed, "months": months})}
    )
    t0 = time.perf_counter()
    model = make_model(scenario, engine, seed)
    for _ in range(months):
        model.step()
        if progress is not None:
            progress(model.month)
    ts = model.timeseries()
    return RunResult(
        timeseries=ts,
        firms=model.firm_table(),
        scenario=scenario,
        seed=seed,
        engine=engine,
        phase_seconds=dict(model.phase_seconds),
        wall_seconds=time.perf_counter() - t0,
    )
