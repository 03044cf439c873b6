"""A lever defined outside the core runs on both engines: a placebo that spends and does nothing.

Issue 10 asks that adding a lever take one class and its schema section. This module defines both
here, outside `sim`: `PlaceboSpec` (a window, a budget and a monthly outlay) and `Placebo`, which
spends its outlay each month it acts and changes nothing else (it is not publicised: tailors
and investors do not count it as an active lever). Both engines must then give the same run as without
it, bit for bit, except its own cost and the totals that add it, and its cost must follow the
budget rule (`Lever.grant`) worked by hand. A publicised placebo, which tailors and investors do
see when the publicity option is on, must change the run: the check that the lever reaches the
model at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small
from pydantic import Field

from sim.core.levers import LEVER_TYPES, Lever, register_lever
from sim.core.scenario import LeversSpec, LeverWindow, NonNeg
from sim.engines import make_model

OUTLAY = 40_000.0
START, END = 3, 20
BUDGET = 2.5 * OUTLAY  # spent in months 3, 4 and half of 5, then exhausted
# the columns the placebo's spending enters; every other column must not move
COST_COLUMNS = ["cost_placebo", "cost_total", "jobs_per_million_yuan"]


class PlaceboSpec(LeverWindow):
    """The placebo's schema section: a lever window, a budget and what it spends a month."""

    monthly_outlay: NonNeg = 0.0


class Placebo(Lever):
    """Spends `monthly_outlay` of its budget each month it acts; changes nothing else."""

    name = "placebo"
    spec_type = PlaceboSpec
    publicised = False
    spec: PlaceboSpec

    def start_month(self, world, month: int) -> None:
        if self.active(month):
            self.grant(self.spec.monthly_outlay, month)


class PublicisedPlacebo(Placebo):
    """The same outlay, but tailors and investors count it as an active lever."""

    publicised = True


class LeversWithPlacebo(LeversSpec):
    placebo: PlaceboSpec = Field(default_factory=PlaceboSpec)


@pytest.fixture
def placebo_lever():
    """Register `Placebo` for the test and remove it after, so other tests see the core's own."""
    register_lever(Placebo)
    yield Placebo
    LEVER_TYPES.pop("placebo")


def with_placebo(scenario, enabled: bool = True):
    levers = LeversWithPlacebo(
        **dict(scenario.levers),
        placebo=PlaceboSpec(
            enabled=enabled, start=START, end=END, budget=BUDGET, monthly_outlay=OUTLAY
        ),
    )
    return scenario.model_copy(update={"levers": levers})


def run(scenario, engine: str, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = make_model(scenario, engine, seed)
    for _ in range(scenario.run.months):
        model.step()
    return model.timeseries(), model.firm_table()


def expected_placebo_cost(months: np.ndarray) -> np.ndarray:
    """Worked from `Lever.grant`: OUTLAY a month in START..END until BUDGET is spent (the last
    grant pays the part left, then the lever stops): 0, 0, 0, 40k, 80k, 100k, 100k, ..."""
    active_months = np.clip(months - START + 1, 0, END - START + 1)
    return np.minimum(active_months * OUTLAY, BUDGET)


@pytest.mark.parametrize("engine,months", [("mesa", 24), ("vector", 48)])
def test_a_placebo_lever_spends_its_budget_and_changes_nothing_else(
    placebo_lever, engine: str, months: int
) -> None:
    base = small("baseline", **{"run.months": months})
    assert base.last_lever_end() >= END  # the placebo does not move the take-off window
    ts0, firms0 = run(base, engine)
    ts1, firms1 = run(with_placebo(base), engine)

    total_at = ts0.columns.get_loc("cost_total")  # the placebo's cost column comes before it
    assert list(ts1.columns) == [*ts0.columns[:total_at], "cost_placebo", *ts0.columns[total_at:]]
    same = [c for c in ts1.columns if c not in COST_COLUMNS]
    pd.testing.assert_frame_equal(ts1[same], ts0[same], check_exact=True)
    pd.testing.assert_frame_equal(firms1, firms0, check_exact=True)

    months_axis = ts1["month"].to_numpy()
    np.testing.assert_array_equal(ts1["cost_placebo"], expected_placebo_cost(months_axis))
    others = ts0["cost_total"].to_numpy()
    np.testing.assert_allclose(ts1["cost_total"], others + ts1["cost_placebo"], rtol=1e-12)


def test_a_disabled_placebo_costs_nothing(placebo_lever) -> None:
    base = small("baseline", **{"run.months": 12})
    ts, _ = run(with_placebo(base, enabled=False), "vector")
    assert (ts["cost_placebo"] == 0).all()


def test_a_publicised_placebo_changes_the_run(placebo_lever) -> None:
    """The same spending, counted as an active lever by tailors and investors with the publicity
    option on: the run must differ (returns respond to the number of active publicised levers),
    so the lever reaches the model."""
    register_lever(PublicisedPlacebo)  # replaces Placebo under the same name for this test
    base = small("baseline", **{"run.months": 24, "behaviour.return_migration.publicity": 0.5})
    ts0, _ = run(base, "vector")
    ts1, _ = run(with_placebo(base), "vector")
    assert not ts1["returns"].equals(ts0["returns"])
