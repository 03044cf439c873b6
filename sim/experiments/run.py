"""The run API: `sim.run(scenario_or_path, engine=..., seed=..., steps=...) -> RunResult`.

A RunResult carries a tidy timeseries (one row per month, one column per measure), the final firm
table and the resolved scenario, and saves them as Parquet plus YAML with a manifest that pins the
seed, the package versions and the git commit. Every file is written to a temporary name and
renamed when whole, so a file that exists is complete.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.core.scenario import Scenario
from sim.io.loading import load_scenario, scenario_to_yaml

ENGINES = ("mesa", "vector")


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
        }


@functools.cache
def _umask() -> int:
    """The process umask, read once (reading it means setting it, which is not thread-safe)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], Any], keep_suffix: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename over `path`.

    The file gets the permissions a plain `open` would give it (0666 less the umask), not
    mkstemp's private 0600, so results stay readable by the group that shares them. The temporary
    name ends in `.tmp`, so that a reader globbing `*.parquet` never sees a half-written file;
    `keep_suffix` keeps `path`'s suffix instead, for writers that pick the format from it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if keep_suffix else ".tmp"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("clustersim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def resolve(
    scenario_or_path: Scenario | str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    if isinstance(scenario_or_path, Scenario):
        if overrides:
            from sim.io.loading import with_overrides

            return with_overrides(scenario_or_path, overrides)
        return scenario_or_path
    return load_scenario(scenario_or_path, overrides)


def make_model(scenario: Scenario, engine: str, seed: int):
    """A fresh model of the chosen engine, at month 0."""
    if engine == "mesa":
        from sim.engines.mesa.model import ClusterModel

        return ClusterModel(scenario, seed=seed)
    from sim.engines.vector.model import VectorModel

    return VectorModel(scenario, seed=seed)


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

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
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
    if engine == "mesa":
        ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    else:
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
