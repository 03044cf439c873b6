"""The placebo arm reproduces no_policy exactly, on both engines; and a lever defined outside the
core runs on both engines.

**The placebo** (`sim.core.levers.Placebo`, `scenarios/placebo.yaml`: no_policy plus a placebo
with the other arms' budget and window) spends its budget and does nothing else. On the same
seed, every timeseries column of the placebo arm must equal no_policy's bit for bit, except the
columns its spending enters, named in `PLACEBO_COST_COLUMNS`: its own cost and cash outlay, the
total cost, the jobs per million yuan (a ratio over the total cost), and the fiscal account's sums
over levers (outlays, net fiscal cost, nominal and discounted). Any other difference is a
failure: a draw consumed only when a lever is active, a branch that depends on a budget, a month's
publicity that counts it. Its cost must follow its spending rule, worked by hand. With the
publicity option on in both arms (docs/model.md 7.11) the runs must still agree, since the placebo
is not publicised.

**A lever defined outside the core** (issue 10: adding a lever takes one class and its schema
section): `TransferSpec` and `Transfer`, defined here, spend a monthly outlay and change nothing
else; both engines must give the same run as without it but for its cost, and the cost must
follow the budget rule (`Lever.grant`) worked by hand. The same lever publicised, with the
publicity option on, must change the run: the check that a lever reaches the model at all.
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
from sim.measures.fiscal import LEVER_ENTRIES

# the columns the placebo's spending enters; every other column must not move
# the columns the placebo's spending enters, named: its own cost and cash outlay, the totals and
# the fiscal account's sums over levers (its other books, forgone revenue, guarantees and what is
# beyond its budget, stay 0 as in no_policy and are compared like every other column)
PLACEBO_COST_COLUMNS = [
    "cost_placebo",
    "outlay_placebo",
    "cost_total",
    "jobs_per_million_yuan",
    "outlay_total",
    "net_fiscal_cost",
    "net_fiscal_cost_pv",
]
# a few seeds per engine, each run past the levers' window (months 0-60) and the take-off
# window after it (12 months), which the placebo must not move either
PLACEBO_RUNS = {"mesa": ((11, 12, 13), 75), "vector": ((11, 12, 13, 14, 15, 16), 120)}
PUBLICITY_ON = {
    "behaviour.return_migration.publicity": 0.5,
    "behaviour.outside_investment.publicity": 0.2,
    "behaviour.location.publicity": 0.5,
}


def run(scenario, engine: str, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = make_model(scenario, engine, seed)
    for _ in range(scenario.run.months):
        model.step()
    return model.timeseries(), model.firm_table()


def assert_same_but_cost(arm: pd.DataFrame, base: pd.DataFrame, cost_columns: list[str]) -> None:
    """Every column of `arm` but `cost_columns` equals `base`'s, bit for bit, and the columns
    are `base`'s plus none (the arm's cost column is in both: every run has every lever's)."""
    assert list(arm.columns) == list(base.columns)
    same = [c for c in arm.columns if c not in cost_columns]
    pd.testing.assert_frame_equal(arm[same], base[same], check_exact=True)


def expected_placebo_cost(months: np.ndarray, budget: float, start: int, end: int) -> np.ndarray:
    """Worked from `Placebo`: budget / (end - max(start, 1) + 1) in each month max(start, 1)..end
    (month 0 is the initial state, which no lever acts in), so for the window 0-60 a sixtieth of
    the budget in months 1-60: 0 at month 0, B/60 at month 1, ..., B from month 60 on."""
    first = max(start, 1)
    months_paid = np.clip(months - first + 1, 0, end - first + 1)
    return months_paid * (budget / (end - first + 1))


@pytest.mark.parametrize("engine", sorted(PLACEBO_RUNS))
def test_the_placebo_arm_reproduces_no_policy_on_every_seed(engine: str) -> None:
    seeds, months = PLACEBO_RUNS[engine]
    base_sc = small("no_policy", **{"run.months": months})
    placebo_sc = small("placebo", **{"run.months": months})
    lever = placebo_sc.levers.placebo
    assert lever.enabled and (lever.start, lever.end, lever.budget) == (0, 60, 1.0e7)
    assert placebo_sc.last_lever_end() == base_sc.last_lever_end() == -1
    for seed in seeds:
        ts0, firms0 = run(base_sc, engine, seed)
        ts1, firms1 = run(placebo_sc, engine, seed)
        assert_same_but_cost(ts1, ts0, PLACEBO_COST_COLUMNS)
        pd.testing.assert_frame_equal(firms1, firms0, check_exact=True)
        want = expected_placebo_cost(ts1["month"].to_numpy(), 1.0e7, 0, 60)
        np.testing.assert_allclose(ts1["cost_placebo"], want, rtol=1e-12)
        assert ts1["cost_placebo"].iloc[-1] == pytest.approx(1.0e7, rel=1e-12)  # all spent
        np.testing.assert_array_equal(ts1["cost_total"], ts1["cost_placebo"])
        np.testing.assert_array_equal(ts1["outlay_placebo"], ts1["cost_placebo"])  # cash only
        assert (ts0["cost_total"] == 0).all() and ts0["jobs_per_million_yuan"].isna().all()


def test_the_placebo_is_not_publicised() -> None:
    """With the publicity option on in both arms, the placebo still changes nothing: it is not
    counted among the active levers tailors and investors hear of."""
    base_sc = small("no_policy", **{"run.months": 72, **PUBLICITY_ON})
    placebo_sc = small("placebo", **{"run.months": 72, **PUBLICITY_ON})
    for seed in (21, 22):
        ts0, firms0 = run(base_sc, "vector", seed)
        ts1, firms1 = run(placebo_sc, "vector", seed)
        assert_same_but_cost(ts1, ts0, PLACEBO_COST_COLUMNS)
        pd.testing.assert_frame_equal(firms1, firms0, check_exact=True)


# ------------------------------------------------------------- a lever defined outside the core
OUTLAY = 40_000.0
START, END = 3, 20
BUDGET = 2.5 * OUTLAY  # spent in months 3, 4 and half of 5, then exhausted
# the columns the transfer's spending enters; every other column must not move
TRANSFER_OWN_COLUMNS = ["cost_transfer", *[f"{entry}_transfer" for entry in LEVER_ENTRIES]]
TRANSFER_COST_COLUMNS = [
    *TRANSFER_OWN_COLUMNS,
    "cost_total",
    "jobs_per_million_yuan",
    "outlay_total",
    "net_fiscal_cost",
    "net_fiscal_cost_pv",
]


class TransferSpec(LeverWindow):
    """The outside lever's schema section: a lever window, a budget and what it spends a month."""

    monthly_outlay: NonNeg = 0.0


class Transfer(Lever):
    """Spends `monthly_outlay` of its budget each month it acts; changes nothing else."""

    name = "transfer"
    spec_type = TransferSpec
    publicised = False
    spec: TransferSpec

    def start_month(self, world, month: int) -> None:
        if self.active(month):
            self.grant(self.spec.monthly_outlay, month)


class PublicisedTransfer(Transfer):
    """The same outlay, but tailors and investors count it as an active lever."""

    publicised = True


class LeversWithTransfer(LeversSpec):
    transfer: TransferSpec = Field(default_factory=TransferSpec)


@pytest.fixture
def transfer_lever():
    """Register `Transfer` for the test and remove it after, so other tests see the core's own."""
    register_lever(Transfer)
    yield Transfer
    LEVER_TYPES.pop("transfer")


def with_transfer(scenario, enabled: bool = True):
    levers = LeversWithTransfer(
        **dict(scenario.levers),
        transfer=TransferSpec(
            enabled=enabled, start=START, end=END, budget=BUDGET, monthly_outlay=OUTLAY
        ),
    )
    return scenario.model_copy(update={"levers": levers})


def expected_transfer_cost(months: np.ndarray) -> np.ndarray:
    """Worked from `Lever.grant`: OUTLAY a month in START..END until BUDGET is spent (the last
    grant pays the part left, then the lever stops): 0, 0, 0, 40k, 80k, 100k, 100k, ..."""
    active_months = np.clip(months - START + 1, 0, END - START + 1)
    return np.minimum(active_months * OUTLAY, BUDGET)


@pytest.mark.parametrize("engine,months", [("mesa", 24), ("vector", 48)])
def test_an_outside_lever_spends_its_budget_and_changes_nothing_else(
    transfer_lever, engine: str, months: int
) -> None:
    base = small("baseline", **{"run.months": months})
    assert base.last_lever_end() >= END  # the transfer does not move the take-off window
    ts0, firms0 = run(base, engine)
    ts1, firms1 = run(with_transfer(base), engine)

    # the transfer adds its own columns and no other; the others keep their order
    assert [c for c in ts1.columns if c not in TRANSFER_OWN_COLUMNS] == list(ts0.columns)
    assert set(ts1.columns) - set(ts0.columns) == set(TRANSFER_OWN_COLUMNS)
    total_at = ts1.columns.get_loc("cost_total")  # its cost column comes before the total
    assert ts1.columns[total_at - 1] == "cost_transfer"
    same = [c for c in ts1.columns if c not in TRANSFER_COST_COLUMNS]
    pd.testing.assert_frame_equal(ts1[same], ts0[same], check_exact=True)
    pd.testing.assert_frame_equal(firms1, firms0, check_exact=True)

    months_axis = ts1["month"].to_numpy()
    np.testing.assert_array_equal(ts1["cost_transfer"], expected_transfer_cost(months_axis))
    np.testing.assert_array_equal(ts1["outlay_transfer"], expected_transfer_cost(months_axis))
    for entry in ("forgone", "guarantee", "beyond_budget"):  # a transfer: a cash outlay only
        assert (ts1[f"{entry}_transfer"] == 0).all()
    others = ts0["cost_total"].to_numpy()
    np.testing.assert_allclose(ts1["cost_total"], others + ts1["cost_transfer"], rtol=1e-12)


def test_a_disabled_outside_lever_costs_nothing(transfer_lever) -> None:
    base = small("baseline", **{"run.months": 12})
    ts, _ = run(with_transfer(base, enabled=False), "vector")
    assert (ts["cost_transfer"] == 0).all()


def test_a_publicised_lever_changes_the_run(transfer_lever) -> None:
    """The same spending, counted as an active lever by tailors and investors with the publicity
    option on: the run must differ (returns respond to the number of active publicised levers),
    so the lever reaches the model."""
    register_lever(PublicisedTransfer)  # replaces Transfer under the same name for this test
    base = small("baseline", **{"run.months": 24, "behaviour.return_migration.publicity": 0.5})
    ts0, _ = run(base, "vector")
    ts1, _ = run(with_transfer(base), "vector")
    assert not ts1["returns"].equals(ts0["returns"])
