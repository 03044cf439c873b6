"""The county's fiscal account (docs/model.md 4.11 and 7.9; `sim.measures.fiscal`), worked by
hand: whole runs on both engines in which one firm's history is known exactly (the accounting
rules themselves are in tests/test_rules.py), and the comparison's fiscal summary
(`sim.experiments.compare.fiscal_summary`) on a small table of paired runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli.compare import write_comparison
from sim.engines import make_model
from sim.experiments.compare import OUTCOMES, fiscal_summary, ratio_interval
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


# ------------------------------------------------------------------ the comparison
def test_ratio_interval_fieller_by_hand():
    """Fieller's 95% interval of mean(num) / mean(den) (sim.experiments.compare.ratio_interval).

    num = (10, 14, 12, 16), den = (2, 3, 2, 3): a = 13, b = 2.5, R = 5.2. Deviations (-3, 1, -1,
    3) and (-0.5, 0.5, -0.5, 0.5): variances 20/3 and 1/3, covariance 4/3; of the means (/ 4):
    v11 = 5/3, v22 = 1/12, v12 = 1/3. t(0.975, 3) = 3.1824463052837078, t^2 = 10.127964486;
    g = t^2 v22 / b^2 = 10.127964486 / 12 / 6.25 = 0.135039526. Centre R - g v12 / v22 =
    5.2 - 0.135039526 x 4 = 4.659841894; under the root v11 - 2 R v12 + R^2 v22 - g (v11 - v12^2 /
    v22) = 1.666667 - 3.466667 + 2.253333 - 0.135039526 x (1.666667 - 1.333333) = 0.408320158;
    spread (t / b) x sqrt(0.408320158) = 1.272978522 x 0.639000906 = 0.813434463; bounds
    (4.659841894 -+ 0.813434463) / 0.864960474 = 4.446919, 6.327774. The same as the roots of
    (a - R b)^2 = t^2 (v11 - 2 R v12 + R^2 v22).

    A constant denominator (1, 1, 1) under (2, 4, 6): R = 4 with the t interval of the mean,
    4 -+ 4.302652729749462 x sqrt(4 / 3) = -0.968275, 8.968275. A denominator whose mean is not
    significantly different from 0 (-2, 3, -1, 1): unbounded."""
    r, lo, hi = ratio_interval(np.array([10.0, 14, 12, 16]), np.array([2.0, 3, 2, 3]))
    assert (r, lo, hi) == pytest.approx((5.2, 4.446919, 6.327774), rel=1e-6)
    r, lo, hi = ratio_interval(np.array([2.0, 4, 6]), np.array([1.0, 1, 1]))
    assert (r, lo, hi) == pytest.approx((4.0, -0.968275, 8.968275), rel=1e-6)
    r, lo, hi = ratio_interval(np.array([10.0, 14, 12, 16]), np.array([-2.0, 3, -1, 1]))
    assert r == 52.0 and (lo, hi) == (-np.inf, np.inf)


def test_ratio_interval_is_the_set_fieller_defines():
    """On random paired data: the bounds are the roots of the quadratic in R,
    (a - R b)^2 = t^2 (v11 - 2 R v12 + R^2 v22), solved directly."""
    g = np.random.default_rng(11)
    for _ in range(20):
        n = int(g.integers(5, 40))
        den = g.normal(10, 3, n)
        num = 50 * den + g.normal(0, 40, n)
        r, lo, hi = ratio_interval(num, den)
        a, b = num.mean(), den.mean()
        c = np.cov(num, den, ddof=1) / n
        t2 = stats.t.ppf(0.975, n - 1) ** 2
        qa, qb, qc = b * b - t2 * c[1, 1], -2 * (a * b - t2 * c[0, 1]), a * a - t2 * c[0, 0]
        roots = np.sort(np.roots([qa, qb, qc]).real)
        assert r == pytest.approx(a / b) and (lo, hi) == pytest.approx(tuple(roots), rel=1e-9)


def fiscal_final() -> pd.DataFrame:
    """The final months of three paired seeds of no_policy and an arm, in yuan.

    no_policy: rent on month-0 plant 1, 2, 3 M (its net fiscal cost is minus that; discounted
    -0.8, -1.6, -2.4 M), tax revenue 100, 110, 120 M (discounted 70, 77, 84 M), job-years 1000,
    1100, 1200 (discounted 700, 770, 840). The arm: gross cost 10 M of which outlays 6, forgone
    3 and guarantees 1; residual value 2 M; rent 1.5, 2.5, 3.5 M, so a net fiscal cost of
    6 + 1 - rent - 2 = 3.5, 2.5, 1.5 M (discounted 3, 2, 1 M); tax revenue 104, 113, 126 M
    (discounted 72, 79, 88 M); job-years 1400, 1500, 1700 (discounted 980, 1050, 1190)."""
    rows = []
    for s in range(3):
        rows.append({
            "arm": "no_policy", "seed": s, "cost_total": 0.0, "outlay_total": 0.0,
            "forgone_total": 0.0, "guarantee_total": 0.0, "plant_residual_value": 0.0,
            "plant_rent_collected": (1.0 + s) * 1e6, "net_fiscal_cost": -(1.0 + s) * 1e6,
            "net_fiscal_cost_pv": -0.8e6 * (1 + s), "tax_revenue": (100 + 10 * s) * 1e6,
            "tax_revenue_pv": (70 + 7 * s) * 1e6, "job_years": 1000.0 + 100 * s,
            "job_years_pv": 700.0 + 70 * s,
        })  # fmt: skip
        rent = (1.5 + s) * 1e6
        rows.append({
            "arm": "lever", "seed": s, "cost_total": 10e6, "outlay_total": 6e6,
            "forgone_total": 3e6, "guarantee_total": 1e6, "plant_residual_value": 2e6,
            "plant_rent_collected": rent, "net_fiscal_cost": 6e6 + 1e6 - rent - 2e6,
            "net_fiscal_cost_pv": (3.0 - s) * 1e6, "tax_revenue": [104e6, 113e6, 126e6][s],
            "tax_revenue_pv": [72e6, 79e6, 88e6][s], "job_years": [1400.0, 1500, 1700][s],
            "job_years_pv": [980.0, 1050, 1190][s],
        })  # fmt: skip
    return pd.DataFrame(rows)


def test_fiscal_summary_by_hand():
    """Per seed, arm - no_policy: extra rent 0.5 M each; extra revenue 4, 3, 6 M (mean 4.333),
    discounted 2, 2, 4 M; net fiscal cost d(net) - d(revenue) = (4.5 - 4, 4.5 - 3, 4.5 - 6) =
    0.5, 1.5, -1.5 M (mean 0.1667 M; sd sqrt(((1/3)^2 + (4/3)^2 + (5/3)^2) / 2) = sqrt(7/3) =
    1.527525, t(0.975, 2) = 4.302653: 0.1667 -+ 4.302653 x 1.527525 / sqrt(3) = -3.6279,
    3.9612); discounted (3.8 - 2, 3.6 - 2, 3.4 - 4) = 1.8, 1.6, -0.6 M (mean 0.9333 M); extra
    job-years 400, 400, 500 (mean 433.33), discounted 280, 280, 350 (mean 303.33). Cost per
    job-year 166,666.67 / 433.33 = 384.615 yuan, discounted 933,333.33 / 303.33 = 3076.923."""
    row = fiscal_summary(fiscal_final(), "no_policy").set_index("arm").loc["lever"]
    assert row["runs"] == 3
    expect = {"gross_cost": 10.0, "outlays": 6.0, "forgone": 3.0, "guarantees": 1.0}
    assert {k: row[k] for k in expect} == pytest.approx(expect)
    assert row["residual_value"] == pytest.approx(2.0)
    assert row["extra_rent"] == pytest.approx(0.5)
    assert row["extra_revenue"] == pytest.approx(13 / 3)
    assert row["extra_revenue_pv"] == pytest.approx(8 / 3)
    assert (row["net_cost"], row["net_cost_lo"], row["net_cost_hi"]) == pytest.approx(
        (1 / 6, -3.627943, 3.961276), rel=1e-5
    )
    assert row["net_cost_pv"] == pytest.approx(2.8 / 3)
    assert row["extra_job_years"] == pytest.approx(1300 / 3)
    assert row["extra_job_years_pv"] == pytest.approx(910 / 3)
    assert row["cost_per_job_year"] == pytest.approx(384.615385, rel=1e-6)
    assert row["cost_per_job_year_pv"] == pytest.approx(3076.923077, rel=1e-6)
    net = np.array([0.5e6, 1.5e6, -1.5e6])
    jobs = np.array([400.0, 400.0, 500.0])
    interval = (row["cost_per_job_year_lo"], row["cost_per_job_year_hi"])
    assert interval == pytest.approx(ratio_interval(net, jobs)[1:])


def test_fiscal_summary_needs_the_fiscal_columns():
    """Results made before the fiscal account have no such columns: an empty table."""
    final = fiscal_final().drop(columns=["job_years"])
    assert fiscal_summary(final, "no_policy").empty


def test_the_comparison_writes_the_fiscal_account(tmp_path):
    """`write_comparison` (sim/cli/compare.py) writes fiscal.csv and a fiscal section in
    levers.md from a stacked timeseries that has the fiscal columns."""
    final = fiscal_final()
    for col in OUTCOMES:
        final[col] = 1.0
    final = final.assign(month=120, employment=final["job_years"], taken_off=0)
    final["jobs_per_million_yuan"] = np.nan
    write_comparison(final, tmp_path, "no_policy", "test")
    fiscal = pd.read_csv(tmp_path / "fiscal.csv")
    assert list(fiscal["arm"]) == ["lever"]
    assert fiscal["net_cost"].iloc[0] == pytest.approx(1 / 6)
    md = (tmp_path / "levers.md").read_text()
    assert "## Fiscal account" in md and "cost_per_job_year" in md
