"""clustersim: an agent-based simulator of how an industrial (garment) cluster forms.

Public API: `load_scenario`, `run`, `RunResult`, `load_results` (sweeps), and the indices in
`sim.measures.indices`. docs/architecture.md maps the package.
"""

from os import PathLike

from pandas import DataFrame

from sim.core.scenario import Scenario
from sim.experiments.run import RunResult, run
from sim.io.errors import InputError, ScenarioError
from sim.io.loading import load_scenario


def load_results(directory: str | PathLike[str]) -> tuple[DataFrame, DataFrame]:
    """(runs, timeseries) DataFrames of a sweep's results folder (see sim.experiments.store)."""
    from sim.experiments.store import load_results as _load

    return _load(directory)


__all__ = [
    "InputError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_results",
    "load_scenario",
    "run",
]
