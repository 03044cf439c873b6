"""The county's fiscal account (docs/model.md 4.11 and 7.9; `sim.measures.fiscal`), worked by
hand: each accounting rule on small round numbers, and whole runs on both engines in which one
firm's history is known exactly.
"""

from __future__ import annotations

import pytest

from sim.engines import make_model
from sim.io.loading import scenario_from_dict

ENGINES = ("mesa", "vector")


# ------------------------------------------------------------------ guarantees per loan
def one_founder(**extra) -> dict:
    """One tailor, at home from month 0 with savings of exactly 200,000 (a lognormal of zero
    spread), who founds a garment firm in month 1 (founding certain, no premises cost or delay,
    start-up cost 200,000 + 30,000 x 10 = 500,000). No other firm ever enters (no incumbents, no
    investors) and the firm never has a worker (no local workers; the founder does not work in
    it), so it is idle every month: its loss streak reaches `loss_months` = 4 in month 4, when
    it must exit (7.10); no other exit (a zero age hazard)."""
    spec = {
        "run": {"months": 6},
        "population": {
            "tailors": 1,
            "villages": 1,
            "initial_home_share": 1.0,
            "savings_mean": 200_000.0,
            "savings_sigma": 0.0,
            "local_workers": 0,
        },
        "behaviour": {
            "entrepreneurship": {
                "max_hazard": 1.0,
                "intercept": 20.0,
                "skill_min": 0.0,
                "premises_cost": 0.0,
                "premises_delay_months": 0.0,
            },
            "outside_investment": {"base_rate": 0.0, "pull": 0.0},
            "exit": {"hazard_by_year": [0.0], "loss_months": 4},
        },
    }
    for path, value in extra.items():
        node = spec
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return spec


@pytest.mark.parametrize("engine", ENGINES)
def test_a_guaranteed_firm_that_defaults_after_the_window_is_charged_its_guarantee(engine):
    """Financing acts in months 0-1 only, with a budget of 10,000 and the default terms (founder
    credit cap 300,000 at 3x savings, guarantee_share 0.5; unguaranteed: 100,000 at 1x).

    Month 1: the founder's savings of 200,000 pay part of the 500,000 start-up cost; the loan is
    300,000. Without the guarantee it could borrow min(100,000, 1 x 200,000) = 100,000 (too little
    to found: 200,000 + 100,000 < 500,000), so the guaranteed debt is 300,000 - 100,000 = 200,000
    (7.9). The interest subsidy of month 1 is min(0.02, 0.045) / 12 x 300,000 = 500, paid from
    the budget (9,500 left). The firm takes no other debt (it never hires), and every loan
    amortizes 1% a month: after the settlements of months 1-4 its guaranteed debt is
    200,000 x 0.99^4 = 200,000 x 0.96059601 = 192,119.202.

    Month 4, three months after the window: the firm exits (a loss streak of 4) and the lever is
    charged 0.5 x 192,119.202 = 96,059.601: 9,500 from its budget, which is then spent, and
    86,559.601 beyond it."""
    spec = one_founder(
        **{"levers.financing": {"enabled": True, "start": 0, "end": 1, "budget": 10_000.0}}
    )
    model = make_model(scenario_from_dict(spec), engine, seed=3)
    lever = model.gov["financing"]
    for _ in range(3):
        model.step()
    assert lever.books["guarantee"] == 0.0  # alive in months 1-3, nothing charged yet
    assert lever.spent == pytest.approx(500.0)
    model.step()  # month 4: the default
    assert lever.books["guarantee"] == pytest.approx(96_059.601, rel=1e-9)
    assert lever.books["outlay"] == pytest.approx(500.0)
    assert lever.spent == pytest.approx(10_000.0) and lever.exhausted
    assert lever.beyond_budget == pytest.approx(86_559.601, rel=1e-9)
    assert lever.cost == pytest.approx(96_559.601, rel=1e-9)
    model.step()
    firms = model.firm_table()
    assert len(firms) == 1 and firms["died"].iloc[0] == 4
    assert firms["debt"].iloc[0] == pytest.approx(300_000.0 * 0.96059601, rel=1e-9)
    assert firms["guaranteed_debt"].iloc[0] == pytest.approx(192_119.202, rel=1e-9)
    ts = model.timeseries()
    charged, beyond = 96_059.601, 86_559.601
    assert list(ts["guarantee_financing"]) == pytest.approx([0, 0, 0, 0, charged, charged])
    assert list(ts["beyond_budget_financing"]) == pytest.approx([0, 0, 0, 0, beyond, beyond])
    assert ts["cost_financing"].iloc[-1] == pytest.approx(96_559.601)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_loan_raised_without_the_guarantee_costs_the_lever_nothing(engine):
    """The same founder with savings of 400,000: it could borrow min(100,000, 400,000) =
    100,000 without a guarantee and needs 500,000 - 400,000 = 100,000, so nothing is
    guaranteed: its default in month 4 charges the lever nothing (only month 1's interest
    subsidy, 0.02 / 12 x 100,000 = 166.67, is paid)."""
    spec = one_founder(
        **{
            "population.savings_mean": 400_000.0,
            "levers.financing": {"enabled": True, "start": 0, "end": 1, "budget": 10_000.0},
        }
    )
    model = make_model(scenario_from_dict(spec), engine, seed=3)
    for _ in range(5):
        model.step()
    lever = model.gov["financing"]
    firms = model.firm_table()
    assert len(firms) == 1 and firms["died"].iloc[0] == 4
    assert firms["guaranteed_debt"].iloc[0] == 0.0
    assert lever.books["guarantee"] == 0.0
    assert lever.cost == pytest.approx(0.02 / 12 * 100_000.0)


# ------------------------------------------------------------------ plant as an asset
@pytest.mark.parametrize("engine", ENGINES)
def test_plant_is_an_asset_let_and_depreciated(engine):
    """The plant lever builds 1,000 m2 in month 1 at 1,000 yuan/m2 (its budget of 1,000,000 is
    then spent) in the county's one zone; the founder of month 1 (savings 400,000: it finances
    the 500,000 start-up alone, 400,000 + 100,000) takes its plant need, 25 m2 x 10 workers x 1.5
    headroom = 375 m2, and frees it when it exits in month 4. The firm has no workers, so it
    uses no plant and pays no rent.

    Occupancy: 375 / 1,000 = 0.375 in months 1-3, 0 from month 4. Residual value at month t
    (20-year life, 240 months): 1,000,000 x (1 - (t - 1) / 240): 991,666.667 at month 3 and
    983,333.333 at month 5. Net fiscal cost = outlays + guarantees - rent - residual value:
    1,000,000 - 991,666.667 = 8,333.333 at month 3, 16,666.667 at month 5. Discounted at 8% a
    year, the outlay of month 1 is worth 1,000,000 x 1.08^(-1/12) = 993,607.102 at month 0 and
    the residual value of month t x 1.08^(-t/12): 991,666.667 x 0.980943652 = 972,769.122 at
    month 3 (net 20,837.980) and 983,333.333 x 0.968441597 = 952,300.904 at month 5 (net
    41,306.198)."""
    spec = one_founder(
        **{
            "population.savings_mean": 400_000.0,
            "levers.plant_supply": {"enabled": True, "start": 1, "end": 60, "budget": 1.0e6},
        }
    )
    model = make_model(scenario_from_dict(spec), engine, seed=3)
    for _ in range(5):
        model.step()
    ts = model.timeseries()
    nan = float("nan")
    assert list(ts["plant_built_m2"]) == [0.0] + [1000.0] * 5
    assert list(ts["plant_let_m2"]) == [0.0, 375.0, 375.0, 375.0, 0.0, 0.0]
    assert list(ts["plant_occupancy"]) == pytest.approx(
        [nan, 0.375, 0.375, 0.375, 0, 0], nan_ok=True
    )
    assert list(ts["plant_construction"]) == [0.0] + [1.0e6] * 5
    assert ts["plant_residual_value"][3] == pytest.approx(991_666.667)
    assert ts["plant_residual_value"][5] == pytest.approx(983_333.333)
    assert ts["plant_rent_collected"].iloc[-1] == 0.0
    assert ts["outlay_plant_supply"].iloc[-1] == 1.0e6
    assert ts["net_fiscal_cost"][3] == pytest.approx(8_333.333)
    assert ts["net_fiscal_cost"][5] == pytest.approx(16_666.667)
    assert ts["net_fiscal_cost_pv"][3] == pytest.approx(20_837.980)
    assert ts["net_fiscal_cost_pv"][5] == pytest.approx(41_306.198)


# ------------------------------------------------------------------ channels end by their own rule
def plant_tenant(budget: float) -> dict:
    """The founder of `one_founder` (savings 400,000) with ten local workers, a firm that can
    neither grow nor shrink (it never earns less than nothing: an isolated firm's margin is
    set to 50%; it grows only above a margin of 1000%) and never exits (`loss_months` 100), in
    plant the lever builds: from month 1 it uses 25 m2 x 10 = 250 m2 of its 375 and owes the
    county 250 x 8 (the rest zone's base rent) = 2000 a month of plant rent."""
    return one_founder(
        **{
            "population.savings_mean": 400_000.0,
            "population.local_workers": 10,
            "chain.base_margin": 0.5,
            "behaviour.production.margin_to_grow": 10.0,
            "behaviour.production.productivity_sd": 0.0,
            "behaviour.production.productivity_shock_sd": 0.0,
            "behaviour.production.demand_shock_sd": 0.0,
            "behaviour.exit.loss_months": 100,
            "levers.plant_supply": {"enabled": True, "start": 1, "end": 60, "budget": budget},
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_promised_rent_discount_is_honoured_after_the_budget_is_spent(engine):
    """Budget 1,500,000. Month 1: construction of 1,000 m2 costs 1,000,000 (500,000 left); the
    founder moves in while the lever acts, so its tenancy is promised the full discount
    (rent_discount 1) for 24 months: the month's 2000 of rent is forgone, paid from the budget
    (498,000 left). Month 2: construction asks 1,000,000 and gets the 498,000 left (498 m2);
    the budget is spent and the lever acts no more. The promised discount still runs: 2000 a
    month in months 2-6, all beyond the budget. At month 6: outlays 1,498,000 (construction),
    forgone 6 x 2000 = 12,000, beyond the budget 5 x 2000 = 10,000, cost 1,510,000, spent
    1,500,000, plant rent collected 0."""
    model = make_model(scenario_from_dict(plant_tenant(1.5e6)), engine, seed=3)
    for _ in range(6):
        model.step()
    lever = model.gov["plant_supply"]
    assert lever.exhausted and lever.spent == pytest.approx(1.5e6)
    assert lever.books["outlay"] == pytest.approx(1_498_000.0)
    assert lever.books["forgone"] == pytest.approx(12_000.0)
    assert lever.beyond_budget == pytest.approx(10_000.0)
    assert lever.cost == pytest.approx(1_510_000.0)
    ts = model.timeseries()
    assert list(ts["forgone_plant_supply"]) == pytest.approx(
        [0, 2000, 4000, 6000, 8000, 10_000, 12_000]
    )
    assert list(ts["plant_rent_collected"]) == [0.0] * 7
    assert list(ts["plant_built_m2"]) == pytest.approx([0, 1000, 1498, 1498, 1498, 1498, 1498])
    assert list(ts["employment"]) == [0.0] + [10.0] * 6  # the firm kept its ten workers


@pytest.mark.parametrize("engine", ENGINES)
def test_no_discount_is_promised_once_the_budget_is_spent(engine):
    """Budget 1,000,000: month 1's construction spends all of it before the founder moves in,
    so its tenancy is promised nothing and it pays its 2000 of rent every month: 12,000 by
    month 6, nothing forgone."""
    model = make_model(scenario_from_dict(plant_tenant(1.0e6)), engine, seed=3)
    for _ in range(6):
        model.step()
    ts = model.timeseries()
    assert list(ts["plant_rent_collected"]) == pytest.approx(
        [0, 2000, 4000, 6000, 8000, 10_000, 12_000]
    )
    assert ts["forgone_plant_supply"].iloc[-1] == 0.0
    assert ts["cost_plant_supply"].iloc[-1] == pytest.approx(1.0e6)
