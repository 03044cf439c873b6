"""clustersim: an agent-based simulator of how an industrial (garment) cluster forms.

Public API: `load_scenario`, `run`, `RunResult`, `load_results` (sweeps), and the metrics in
`sim.metrics`.
"""

from os import PathLike

from pandas import DataFrame

from sim.errors import InputError, ScenarioError
from sim.loading import load_scenario
from sim.run import RunResult, run
from sim.scenario import Scenario


def load_results(directory: str | PathLike[str]) -> tuple[DataFrame, DataFrame]:
    """(runs, timeseries) DataFrames of a sweep's results folder (see sim.sweep_store)."""
    from sim.sweep_store import load_results as _load

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
