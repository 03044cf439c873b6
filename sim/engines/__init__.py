"""The engines that run the model of `sim.core`, behind one interface (`Engine`) and one registry.

`mesa` is the readable reference (Mesa 3.5 agents; the dashboard's engine), `vector` the structure
of arrays with compiled kernels (large runs and sweeps). Both build from a scenario and a seed, run
the phases of `sim.core.codes.PHASES` each `step()`, and give the same outputs. An engine's module
is imported only when it is asked for, so that the vector engine never imports Mesa or Solara.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from sim.core.scenario import Scenario

ENGINES = ("mesa", "vector")

PhaseHook = Callable[[str, bool], None]
"""An engine's `phase_hook`, when set, is called by `step` as `hook(phase, False)` just before a
phase and `hook(phase, True)` just after it: a window on the state between phases, for
instrumentation (the one-month rate tests, tests/test_rates.py, compare each phase's events with
the rules' probabilities on the state the phase started from). A hook must not change the
model. (An attribute, not an argument of `step`: Mesa 3.5's `Model` replaces `step` with its own
time-advancing wrapper, which takes no arguments.)"""


class Engine(Protocol):
    """What every engine offers the experiments (`sim.experiments.run`) and the figures."""

    month: int  # months run so far
    phase_seconds: dict[str, float]  # wall time spent in each phase of the month
    phase_hook: PhaseHook | None  # called around each phase of `step` when set (None: off)

    def step(self) -> None:
        """Run one month: every phase of `sim.core.codes.PHASES`, in order (`phase_hook` around
        each)."""

    def timeseries(self) -> pd.DataFrame:
        """One row per month run (month 0 included), the columns of `sim.measures.monthly`."""

    def firm_table(self) -> pd.DataFrame:
        """Every firm that ever lived (`sim.core.codes.FIRM_COLUMNS`)."""


def check_engine(engine: str) -> None:
    """Raise ValueError unless `engine` is one of ENGINES."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")


def make_model(scenario: Scenario, engine: str, seed: int) -> Engine:
    """A fresh model of the named engine (one of ENGINES), at month 0."""
    check_engine(engine)
    if engine == "mesa":
        from sim.engines.mesa.model import ClusterModel

        return ClusterModel(scenario, seed=seed)
    from sim.engines.vector.model import VectorModel

    return VectorModel(scenario, seed=seed)
