"""clustersim: an agent-based simulator of how an industrial (garment) cluster forms.

Public API: `load_scenario`, `run`, `RunResult`, and the metrics in `sim.metrics`.
"""

from sim.errors import InputError, ScenarioError
from sim.loading import load_scenario
from sim.run import RunResult, run
from sim.scenario import Scenario

__all__ = ["InputError", "RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
