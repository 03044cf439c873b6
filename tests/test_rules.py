"""Hand-worked values for every rule of `sim.core.rules`, for `sim.core.levers.firm_support` and
for the pure effects of the lever classes (issue 14).

Each case builds small parameter objects with round numbers and derives the expected value by
hand, in a comment, from the formula of the ODD (docs/model.md, section 7.x, quoted). The
expected values are literals: nothing here calls a rule to get what a rule should return.
Transcendental values (e^x, ln x, x^(1/12)) are written out to the digits the comment derives.

These cases pin the arithmetic of each rule, not only its direction: a doubled exit hazard, a
doubled localisation externality, an interest subsidy of 0 or a plant rent discount applied
outside its window each fail tests here (see the commit that added this file). Milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rules
from sim.core.levers import BurdenReduction, Financing, Placebo, PlantSupply, firm_support
from sim.core.scenario import (
    BehaviourSpec,
    BurdenLever,
    EntrepreneurshipSpec,
    ExitSpec,
    ExternalitySpec,
    FinancingLever,
    LeversSpec,
    LeverWindow,
    LocationSpec,
    OutsideInvestmentSpec,
    PlaceboLever,
    PlantLever,
    ProductionSpec,
    ReturnMigrationSpec,
    TaxSpec,
    WagesSpec,
)
from sim.core.world import World
from sim.io.loading import scenario_from_dict


def approx(expected):
    return pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_logistic():
    """7 notation: logistic(v) = 1 / (1 + e^-v)."""
    # logistic(0) = 1 / (1 + 1) = 0.5; logistic(ln 3) = 1 / (1 + 1/3) = 0.75;
    # logistic(-ln 3) = 1 / (1 + 3) = 0.25; logistic(-1) = 1 / (1 + e) = 0.2689414213699951
    assert rules.logistic(0.0) == 0.5
    got = rules.logistic([np.log(3.0), -np.log(3.0), -1.0])
    assert got == approx([0.75, 0.25, 0.2689414213699951])


# ----------------------------------------------------------------------- 7.1 Return migration
RETURN = ReturnMigrationSpec(
    max_hazard=0.1,
    intercept=-1.0,
    income_gap=4.0,
    peer=3.0,
    publicity=0.5,
    leave_hazard=0.15,
    leave_after_months=3,
)


def test_job_probability():
    """7.1: q = min(1, V / max(1, U))."""
    assert rules.job_probability(30, 120) == 0.25  # 30 / 120
    assert rules.job_probability(150, 100) == 1.0  # min(1, 1.5)
    assert rules.job_probability(0.5, 0) == 0.5  # 0.5 / max(1, 0) = 0.5 / 1


def test_expected_home_income():
    """7.1: Y_home = q x w_home."""
    assert rules.expected_home_income(0.25, 4000.0) == 1000.0  # 0.25 x 4000


def test_return_probability():
    """7.1: v = intercept + income_gap x (Y_home - w_coast) / w_coast + peer x h
    + publicity x L + a; P_return = max_hazard x logistic(v) (publicity on, at 0.5: an option,
    0 by default)."""
    # Y_home 3000, w_coast 6000: gap = -0.5; v = -1 + 4(-0.5) + 3(0.5) + 0.5(2) + 0.5
    #   = -1 - 2 + 1.5 + 1 + 0.5 = 0 -> P = 0.1 x 0.5 = 0.05
    assert rules.return_probability(3000.0, 6000.0, 0.5, 2, 0.5, RETURN) == approx(0.05)
    # no active lever: v = 0 - 0.5 x 2 = -1 -> P = 0.1 / (1 + e) = 0.026894142136999515
    assert rules.return_probability(3000.0, 6000.0, 0.5, 0, 0.5, RETURN) == approx(
        0.026894142136999515
    )
    # arrays of tailors: (h 0.5, a 0.5) as above -> 0.05; (h 0, a 1.5): v = -1 - 2 + 0 + 1 + 1.5
    #   = -0.5 -> 0.1 / (1 + e^0.5) = 0.1 x 0.3775406687981454 = 0.03775406687981454
    got = rules.return_probability(3000.0, 6000.0, np.array([0.5, 0.0]), 2, [0.5, 1.5], RETURN)
    assert got == approx([0.05, 0.03775406687981454])


def test_leave_probability():
    """7.1: leave_hazard once months_jobless >= leave_after_months, else 0."""
    got = rules.leave_probability(np.array([0, 2, 3, 7]), RETURN)
    assert got == approx([0.0, 0.0, 0.15, 0.15])


# ----------------------------------------------------------------------- 7.2 Entrepreneurship
ENTRE = EntrepreneurshipSpec(
    max_hazard=0.02,
    intercept=-2.0,
    profit=3.0,
    startup_workers=10,
    startup_fixed_cost=200_000.0,
    capital_per_worker=30_000.0,
    premises_cost=200_000.0,
    premises_delay_months=6.0,
)


def test_startup_cost():
    """7.2 step 5: K = startup_fixed_cost + capital_per_worker x n0
    + (premises_cost if not has_plant)."""
    # with plant: 200,000 + 30,000 x 10 = 500,000; without: + 200,000 = 700,000
    assert rules.startup_cost(np.array([True, False]), ENTRE) == approx([500_000.0, 700_000.0])


def test_founder_credit():
    """7.2 step 5: C = min(cap, lev x savings)."""
    # cap 100,000, lev 1.5: savings 50,000 -> min(1e5, 75,000) = 75,000; 200,000 -> 100,000
    got = rules.founder_credit(np.array([50_000.0, 200_000.0]), 100_000.0, 1.5)
    assert got == approx([75_000.0, 100_000.0])


def test_plant_slots():
    """7.2 step 2: a zone houses sum_c floor(F_c / need) start-ups, F_c the free plant of its
    cells; a founder there finds plant when that is at least 1; none for a need of 0."""
    # need 375 (25 m2 x 10 workers x 1.5): cells with 1000, 374, 375, 0 and 750.5 m2 free
    #   -> floor(2.67) + floor(0.997) + 1 + 0 + floor(2.001) = 2 + 0 + 1 + 0 + 2 = 5
    assert rules.plant_slots(np.array([1000.0, 374.0, 375.0, 0.0, 750.5]), 375.0) == 5
    # 374 m2 in every cell of a zone is no plant for a start-up, however many cells: 0
    assert rules.plant_slots(np.full(100, 374.0), 375.0) == 0
    # competition: a zone with one cell of 1000 m2 houses two founders; after both took
    #   their 375, 250 m2 are left: floor(250 / 375) = 0, the third finds none
    assert rules.plant_slots(np.array([1000.0 - 2 * 375.0]), 375.0) == 0
    assert rules.plant_slots(np.array([1000.0 - 375.0]), 375.0) == 1
    assert rules.plant_slots(np.array([]), 375.0) == 0  # a zone without cells
    assert rules.plant_slots(np.array([500.0]), 0.0) == 0  # a need of 0 is not plant


def test_founding_probability():
    """7.2 step 3: P = max_hazard x logistic(intercept + profit x (pi - w_home) / w_home) / (1 + d),
    d = 0 with plant in the founder's zone (a slot left), premises_delay_months without."""
    # pi 5000, w_home 3000: gain 2/3, v = -2 + 3 x 2/3 = 0 -> 0.02 x 0.5 = 0.01 with plant,
    # 0.01 / (1 + 6) = 0.0014285714285714286 without
    got = rules.founding_probability(5000.0, 3000.0, np.array([True, False]), ENTRE)
    assert got == approx([0.01, 0.0014285714285714286])
    # pi 4000: gain 1/3, v = -2 + 1 = -1 -> 0.02 / (1 + e) = 0.005378828427399902
    assert rules.founding_probability(4000.0, 3000.0, True, ENTRE) == approx(0.005378828427399902)


def test_can_finance():
    """7.2 step 5: the attempt fails if savings + C < K."""
    assert rules.can_finance(10_000.0, 50_000.0, 60_000.0) is True  # 60,000 >= 60,000
    assert rules.can_finance(10_000.0, 49_999.0, 60_000.0) is False  # 59,999 < 60,000


def test_founder_equity():
    """7.2 step 6: equity E = min(savings, K), debt K - E."""
    assert rules.founder_equity(10_000.0, 60_000.0) == (10_000.0, 50_000.0)
    assert rules.founder_equity(90_000.0, 60_000.0) == (60_000.0, 0.0)


def test_entrant_capital():
    """7.3 entry: capital startup_fixed_cost + capital_per_worker x n."""
    # 200,000 + 30,000 x 30 = 1,100,000; n = 0 -> 200,000; n = 150 -> 4,700,000
    assert rules.entrant_capital(30, ENTRE) == 1_100_000.0
    assert rules.entrant_capital(np.array([0, 150]), ENTRE) == approx([200_000.0, 4_700_000.0])


# ----------------------------------------------------------------------- 7.3 Outside investment
def test_investor_arrival_rate():
    """7.3: lambda = (base_rate + pull x ln(1 + N / u)) x (1 + publicity x L) (publicity on, at
    0.2: an option, 0 by default)."""
    # N 40, u 2: ln 21 = 3.044522437723423; (0.2 + 0.3 x 3.044522437723423) x (1 + 0.2 x 2)
    #   = 1.113356731317027 x 1.4 = 1.5586994238438376
    assert rules.investor_arrival_rate(0.2, 0.3, 40, 2, 0.2, 2.0) == approx(1.5586994238438376)
    # N 2, u 2: ln 2 = 0.6931471805599453; (0.2 + 0.20794415416798358) x 1.2 = 0.48953298500158027
    assert rules.investor_arrival_rate(0.2, 0.3, 2, 1, 0.2, 2.0) == approx(0.48953298500158027)
    # no firms: 0.2 x (1 + 0.2 x 2) = 0.28
    assert rules.investor_arrival_rate(0.2, 0.3, 0, 2, 0.2, 2.0) == approx(0.28)


def test_investor_acceptance():
    """7.3: P_stay = logistic(intercept + margin_weight x m) x min(1, A / n), factor 1 if n = 0."""
    p = OutsideInvestmentSpec(intercept=-1.0, margin_weight=50.0)
    # m = 0.02: v = -1 + 50 x 0.02 = 0 -> 0.5; A = 15: n 30 -> x 0.5; n 0 -> x 1; n 10 -> x 1
    got = rules.investor_acceptance(0.02, 15.0, np.array([30.0, 0.0, 10.0]), p)
    assert got == approx([0.25, 0.5, 0.5])
    # m = 0: logistic(-1) = 0.2689414213699951, labour 1
    assert rules.investor_acceptance(0.0, 15.0, 10.0, p) == approx(0.2689414213699951)


def test_stage_margins():
    """7.2 step 1: profit / output of the stage, base margin where it had no output."""
    got = rules.stage_margins(np.array([100.0, 5.0, 0.0]), np.array([1000.0, 0.0, 50.0]), -0.02)
    assert got == approx([0.1, -0.02, 0.0])  # 100/1000, no output -> base, 0/50


def test_expected_owner_income():
    """7.2 step 1: pi_s = m_s x y_s x n0."""
    assert rules.expected_owner_income(0.05, 20_000.0, 10) == approx(10_000.0)  # .05 x 2e4 x 10


def test_investor_stage_weights():
    """7.3: w_s proportional to sigma_s x (1 + gap_pull x u_s); uniform if all zero."""
    # sigma (0.5, 0.25, 0.25), u (0, 1, 0.5), gap_pull 2: w = (0.5, 0.75, 0.5), sum 1.75
    #   -> (2/7, 3/7, 2/7)
    got = rules.investor_stage_weights(np.array([0.5, 0.25, 0.25]), np.array([0, 1, 0.5]), 2.0)
    assert got == approx([2 / 7, 3 / 7, 2 / 7])
    assert rules.investor_stage_weights(np.zeros(3), np.ones(3), 2.0) == approx([1 / 3] * 3)


# ----------------------------------------------------------------------- 7.4 Location choice
NO_UTILITY = {"linkage_weight": 0.0, "advantage": 0.0, "rent": 0.0, "plant": 0.0, "publicity": 0.0}


def _zone_weights(p, area, same, linked=None, adv=None, rent=None, plant=None, pol=None, u=1.0):
    n = len(area)
    zeros = np.zeros(n)
    return rules.zone_weights(
        np.asarray(area, dtype=float),
        np.asarray(same, dtype=float),
        zeros if linked is None else np.asarray(linked, dtype=float),
        zeros if adv is None else np.asarray(adv, dtype=float),
        np.ones(n) if rent is None else np.asarray(rent, dtype=float),
        zeros if plant is None else np.asarray(plant, dtype=float),
        zeros if pol is None else np.asarray(pol, dtype=float),
        p,
        u,
    )


def test_zone_weights_dartboard():
    """7.12 dartboard: area_exponent 1, increasing_returns 0, other weights 0 -> W_z = area_z
    (M^0 = 1 whatever the firms; a zone of area 0 weighs 0)."""
    p = LocationSpec(area_exponent=1.0, increasing_returns=0.0, **NO_UTILITY)
    got = _zone_weights(p, area=[2, 4, 0, 6], same=[5, 0, 3, 1])
    assert got == approx([2.0, 4.0, 0.0, 6.0])


def test_zone_weights_urn():
    """7.12 Arthur's urn: area_exponent 0, pseudo_count 0, increasing_returns 1 -> W_z = S_z;
    area 0 still weighs 0 (area^0 would be 1)."""
    p = LocationSpec(area_exponent=0.0, pseudo_count=0.0, increasing_returns=1.0, **NO_UTILITY)
    assert _zone_weights(p, area=[2, 4, 6], same=[3, 0, 5]) == approx([3.0, 0.0, 5.0])
    assert _zone_weights(p, area=[2, 0, 6], same=[3, 7, 5]) == approx([3.0, 0.0, 5.0])
    # lock-in, theta = 2: W = S^2
    p2 = LocationSpec(area_exponent=0.0, pseudo_count=0.0, increasing_returns=2.0, **NO_UTILITY)
    assert _zone_weights(p2, area=[1, 1], same=[3, 1]) == approx([9.0, 1.0])


def test_zone_weights_all_terms():
    """7.4: W_z = area^a x M^theta x exp(adv x adv_z - rent x r_z / max r + plant x P_z
    + publicity x Pub_z), M_z = pseudo + (S_z + linkage_weight x K_z) / u (publicity on, at 0.5:
    an option, 0 by default)."""
    p = LocationSpec(
        area_exponent=0.5,
        pseudo_count=1.0,
        increasing_returns=2.0,
        linkage_weight=0.5,
        advantage=1.0,
        rent=1.0,
        plant=1.0,
        publicity=0.5,
    )
    got = _zone_weights(
        p,
        area=[4, 9],
        same=[2, 6],
        linked=[4, 0],
        adv=[0, 0.5],
        rent=[5, 10],
        plant=[1, 0],
        pol=[2, 0],
        u=2.0,
    )
    # zone 0: M = 1 + (2 + 0.5 x 4) / 2 = 3, M^2 = 9; sqrt(4) = 2;
    #   utility = 0 - 5/10 + 1 + 0.5 x 2 = 1.5 -> 2 x 9 x e^1.5 = 18 x 4.4816890703380645
    #   = 80.67040326608516
    # zone 1: M = 1 + 6/2 = 4, M^2 = 16; sqrt(9) = 3; utility = 0.5 - 1 = -0.5
    #   -> 48 x e^-0.5 = 48 x 0.6065306597126334 = 29.113471666206404
    assert got == approx([80.67040326608516, 29.113471666206404])


def test_cell_mass_coefficients():
    """7.4: coef = (own + linkage_weight x linked) / u; own = identity, or all ones with
    count_all_stages."""
    linked = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    p = LocationSpec(linkage_weight=0.5)
    # (eye + 0.5 linked) / 2
    want = [[0.5, 0.25, 0.0], [0.25, 0.5, 0.0], [0.0, 0.0, 0.5]]
    assert rules.cell_mass_coefficients(linked, p, 2.0) == approx(np.array(want))
    p_all = LocationSpec(linkage_weight=0.5, count_all_stages=True)
    # (ones + 0.5 linked) / 2
    want = [[0.5, 0.75, 0.5], [0.75, 0.5, 0.5], [0.5, 0.5, 0.5]]
    assert rules.cell_mass_coefficients(linked, p_all, 2.0) == approx(np.array(want))


def test_cell_mass():
    """7.4: m_c = 1 + sum_k coef[s, k] x B_k(c)."""
    nbhd = np.array([[2.0, 0.0, 4.0], [4.0, 1.0, 0.0], [7.0, 7.0, 7.0]])
    # 1 + 0.5 x (2, 0, 4) + 0.25 x (4, 1, 0) + 0 x (7, 7, 7) = (3, 1.25, 3)
    assert rules.cell_mass(np.array([0.5, 0.25, 0.0]), nbhd) == approx([3.0, 1.25, 3.0])


def test_cell_weights():
    """7.4: w_c = m_c^cell_increasing_returns x exp(cell_plant x P_c)."""
    p = LocationSpec(cell_increasing_returns=2.0, cell_plant=3.0)
    got = rules.cell_weights(np.array([3.0, 1.25, 3.0]), np.array([0.0, 0.0, 1.0]), p)
    # (9, 1.5625, 9 e^3 = 9 x 20.085536923187668 = 180.76983230868902)
    assert got == approx([9.0, 1.5625, 180.76983230868902])
    # at the default power 1 the mass itself: (2 e^0.5 = 2 x 1.6487212707001282, 4)
    p1 = LocationSpec(cell_increasing_returns=1.0, cell_plant=0.5)
    got = rules.cell_weights(np.array([2.0, 4.0]), np.array([True, False]), p1)
    assert got == approx([3.2974425414002564, 4.0])


def test_choose():
    """7 notation: index by inverse CDF of u, weights normalised; all-zero weights -> uniform."""
    w = np.array([1.0, 0.0, 3.0])  # cdf (1, 1, 4); the index is the first with cdf > 4u
    assert rules.choose(w, 0.0) == 0  # 0 -> 0
    assert rules.choose(w, 0.2) == 0  # 0.8 < 1
    assert rules.choose(w, 0.25) == 2  # 1.0: not > 1 at 0 or 1 -> 2 (a zero weight is skipped)
    assert rules.choose(w, 1.0) == 2  # 4.0 is past the end: capped at the last index
    assert list(rules.choose(w, np.array([0.1, 0.5, 0.99]))) == [0, 2, 2]
    # empty urn: uniform, cdf (1, 2, 3, 4): 4 x 0.3 = 1.2 -> 1; 4 x 0.99 = 3.96 -> 3
    assert list(rules.choose(np.zeros(4), np.array([0.0, 0.3, 0.99]))) == [0, 1, 3]


# ------------------------------------------------------------- 7.5 Labour market and hiring
HIRE = ProductionSpec(hire_rate=0.1, fire_rate=0.05, margin_to_grow=0.02)


@pytest.mark.parametrize(
    ("workers", "margin", "room", "want"),
    [
        # m > margin_to_grow: w + min(max(1, floor(hire_rate w)), max(0, floor(room / k)))
        (25, 0.05, 1e6, 27),  # min(max(1, floor(2.5)) = 2, floor(33.3) = 33) = 2
        (25, 0.05, 45_000.0, 26),  # credit-limited: floor(45,000 / 30,000) = 1
        (25, 0.05, -5.0, 25),  # no room: max(0, floor(-0.0002) = -1) = 0
        (5, 0.05, 1e6, 6),  # small firm: max(1, floor(0.5) = 0) = 1
        (0, 0.05, 1e6, 1),  # an empty firm grows by one too
        # m < 0: max(0, w - max(1, floor(fire_rate w)))
        (25, -0.01, 1e6, 24),  # max(1, floor(1.25)) = 1
        (40, -0.01, 1e6, 38),  # floor(2.0) = 2
        (0, -0.1, 1e6, 0),  # max(0, 0 - 1)
        # 0 <= m <= margin_to_grow: stay
        (25, 0.01, 1e6, 25),
        (25, 0.02, 1e6, 25),  # at the threshold: not above it
        (25, 0.0, 1e6, 25),  # zero margin: not a loss
    ],
)
def test_hiring_target(workers, margin, room, want):
    """7.5 step 1, with k = 30,000 yuan of machines per worker."""
    got = rules.hiring_target(workers, margin, room, 30_000.0, HIRE)
    assert got == want and isinstance(got, int)


def test_credit_room():
    """7.5 step 1: room = lev x max(capital, 0) - debt."""
    assert rules.credit_room(100_000.0, 20_000.0, 1.5) == 130_000.0  # 150,000 - 20,000
    assert rules.credit_room(-100_000.0, 20_000.0, 1.5) == -20_000.0  # 0 - 20,000


def test_machine_debt():
    """7.5 step 4: k per worker hired, for firms older than 0 months."""
    assert rules.machine_debt(3, 5, 30_000.0) == 90_000.0
    assert rules.machine_debt(3, 0, 30_000.0) == 0.0  # entrant: paid in its start-up cost


# ------------------------------------------------------------- 7.6 Production, externalities
def test_box_band():
    """7.6: 1 where |i - j| <= r."""
    want = [[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]]
    assert np.array_equal(rules.box_band(4, 1), np.array(want, dtype=float))
    assert np.array_equal(rules.box_band(3, 0), np.eye(3))


def test_box_sum():
    """7.6: B(c) = firms in the (2r+1) x (2r+1) Moore block around c, cut at the grid's edge."""
    grid = np.zeros((3, 4))
    grid[0, 0], grid[2, 3] = 1.0, 2.0
    # the 1 at (0, 0) reaches x 0-1, y 0-1; the 2 at (2, 3) reaches x 1-2, y 2-3
    want = np.array([[1, 1, 0, 0], [1, 1, 2, 2], [0, 0, 2, 2]], dtype=float)
    assert np.array_equal(rules.box_sum(grid, 1), want)
    # cells in each block: corner 2 x 2 = 4, edge 2 x 3 = 6, inside 3 x 3 = 9
    cells = np.array([[4, 6, 6, 4], [6, 9, 9, 6], [4, 6, 6, 4]], dtype=float)
    bands = (rules.box_band(3, 1), rules.box_band(4, 1))
    assert np.array_equal(rules.box_sum(np.ones((3, 4)), 1, bands), cells)
    # stages on a leading axis, each summed alone
    assert np.array_equal(rules.box_sum(np.stack([grid, np.ones((3, 4))]), 1), [want, cells])


def test_externality():
    """7.6: X = 1 + localization x ln(1 + r_same / u) + linkage x ln(1 + r_link / u)."""
    p = ExternalitySpec(localization=0.03, linkage=0.02)
    # same 2, linked 6, u 2: 1 + 0.03 ln 2 + 0.02 ln 4
    #   = 1 + 0.020794415416798356 + 0.027725887222397813 = 1.048520302639196
    assert rules.externality(2.0, 6.0, p, 2.0) == approx(1.048520302639196)
    # localisation alone: same 2, linked 0 -> 1 + 0.03 ln 2 = 1.0207944154167983
    # no neighbours: 1
    got = rules.externality(np.array([2.0, 0.0]), np.array([0.0, 0.0]), p, 2.0)
    assert got == approx([1.0207944154167983, 1.0])
    # same 1 at u 1: 1 + 0.03 ln 2 as well (agglomeration units)
    assert rules.externality(1.0, 0.0, p, 1.0) == approx(1.0207944154167983)


def test_congested_rent():
    """7.6: rho_c = rho_zone x (1 + rent_elasticity x N_c / (u n_c)), n_c at least 1."""
    # 18 firms in 9 cells at u 2: density 1 -> 10 x 1.3 = 13
    assert rules.congested_rent(10.0, 18.0, 9.0, 0.3, 2.0) == approx(13.0)
    # no cells counted: n_c -> 1; 4 firms at u 1: density 4 -> 10 x (1 + 1.2) = 22
    assert rules.congested_rent(10.0, 4.0, 0.0, 0.3, 1.0) == approx(22.0)


def test_firm_output():
    """7.6: Y = y x A x X x d x Lab^rts x ref^(1 - rts), Lab = tailors + lwp x locals."""
    p = ProductionSpec(local_worker_productivity=0.5, returns_to_scale=0.5, reference_workers=16)
    # Lab = 2 + 0.5 x 4 = 4; 4^0.5 x 16^0.5 = 8; 1000 x 1.5 x 1.2 x 0.5 x 8 = 7200
    assert rules.firm_output(1000.0, 1.5, 1.2, 0.5, 2.0, 4.0, p) == approx(7200.0)
    # at the reference size output per worker is y: 16 tailors -> 16^0.5 x 16^0.5 = 16 -> 16,000
    assert rules.firm_output(1000.0, 1.0, 1.0, 1.0, 16.0, 0.0, p) == approx(16_000.0)


def test_entry_productivity():
    """7.6: A_0 = (n / ref)^(1 - rts) x exp(sd x z - sd^2 / 2)."""
    p = ProductionSpec(returns_to_scale=0.5, reference_workers=16, productivity_sd=0.2)
    # n 64: 4^0.5 = 2; z 0: exp(-0.02) = 0.9801986733067553 -> 1.9603973466135105
    # z 1: exp(0.2 - 0.02) = exp(0.18) = 1.1972173631218102 -> 2.3944347262436203
    got = rules.entry_productivity(64.0, np.array([0.0, 1.0]), p)
    assert got == approx([1.9603973466135105, 2.3944347262436203])
    p0 = ProductionSpec(returns_to_scale=0.5, reference_workers=16, productivity_sd=0.0)
    assert rules.entry_productivity(16.0, 5.0, p0) == approx(1.0)  # (1)^0.5 x e^0


def test_shocked_productivity():
    """7.6: A_t = A_t-1 x exp(productivity_shock_sd x e)."""
    p = ProductionSpec(productivity_shock_sd=0.02)
    # 1.2 x exp(-0.01) = 1.2 x 0.9900498337491681 = 1.1880598004990017
    assert rules.shocked_productivity(1.2, -0.5, p) == approx(1.1880598004990017)
    assert rules.shocked_productivity(1.2, 0.0, p) == approx(1.2)


# ----------------------------------------------------------------------- 7.7 Local sourcing
def test_local_supply_share():
    """7.7: l_s = max_local_share x min(1, Q_s / D_s), 0 when D_s = 0."""
    got = rules.local_supply_share(np.array([50.0, 300.0, 10.0]), np.array([100, 200, 0.0]), 0.8)
    assert got == approx([0.4, 0.8, 0.0])  # 0.8 x 0.5, 0.8 x min(1, 1.5), no demand


def test_input_cost_share():
    """7.7: c_j = input_share_j - saving x sum_i io[i, j] x l_i."""
    io = np.array([[0.2, 0.5], [0.1, 0.0]])  # io[supplier, buyer]
    # j 0: 0.2 x 0.5 + 0.1 x 0.8 = 0.18 -> 0.4 - 0.1 x 0.18 = 0.382
    # j 1: 0.5 x 0.5 + 0 = 0.25 -> 0.6 - 0.1 x 0.25 = 0.575
    got = rules.input_cost_share(io, np.array([0.4, 0.6]), np.array([0.5, 0.8]), 0.1)
    assert got == approx([0.382, 0.575])


# ------------------------------------------------------------- 7.8 Profit, taxes and burden
B = BehaviourSpec(
    wages=WagesSpec(home=5000.0, local=3000.0),
    taxes=TaxSpec(output_tax=0.03, social_insurance=0.3),
    production=ProductionSpec(m2_per_worker=25.0, loan_rate=0.06),
)
LV = LeversSpec(
    financing=FinancingLever(rate_subsidy=0.03),
    burden=BurdenLever(
        output_tax_cut=0.02, social_insurance_cut=0.1, rent_relief=0.5, max_firm_age_months=36
    ),
    plant_supply=PlantLever(rent_discount=0.5, rent_discount_months=24),
)
ALL_ON = np.array([1.0, 1.0, 1.0])

# The firm of every case below: Y = 100,000, c_j = 0.5, T = 6 tailors, Lo = 4 locals, F = 150 m2
# of plant, rho_c = 12, rho_zone = 8, D = 200,000:
#   W   = 5000 x 6 + 3000 x 4 = 42,000
#   U   = 25 x 10 = 250 m2
#   R_m = max(0, 250 - 150) x 12 = 1200;   R_p = min(250, 150) x 8 = 1200
#   I   = 0.06 / 12 x 200,000 = 1000
#   C   = 100,000 x (0.5 + 0.03) + 42,000 x 1.3 + 1200 + 1200 + 1000 = 53,000 + 54,600 + 3400
#       = 111,000
# Requests (7.8):
#   Req_f = min(0.03, 0.06) / 12 x 200,000 = 500
#   Req_p = 0.5 x 1200 = 600 while plant_months < 24, else 0
#   Req_b = min(0.02, 0.03) x 100,000 + min(0.1, 0.3) x 42,000 + 0.5 x (1200 + 1200 - Req_p)
#         = 2000 + 4200 + 900 = 7100 (discount granted), 2000 + 4200 + 1200 = 7400 (none),
#           0 from age 36 months
# Tax parts of the requests: financing and plant none; burden its output tax cut,
#   min(0.02, 0.03) x 100,000 = 2000 while it applies, else 0
FIRM = (100_000.0, 0.5, 6.0, 4.0, 150.0, 12.0, 8.0, 200_000.0)
COSTS = (111_000.0,)


def _accounts(plant_months, age, lever_on=ALL_ON, b=B, lv=LV, firm=FIRM):
    """The firm's accounts; its plant tenancy carries the discount when the third flag is on."""
    return rules.firm_accounts(*firm, plant_months, age, lever_on, lever_on[2], b, lv)


@pytest.mark.parametrize(
    ("plant_months", "age", "lever_on", "want"),
    [
        # (costs, Req_f, Req_b, Req_p, R_p, then the tax parts of Req_f, Req_b, Req_p)
        pytest.param(
            0, 0, ALL_ON, (*COSTS, 500.0, 7100.0, 600.0, 1200.0, 0, 2000, 0), id="all-new"
        ),
        # the last month of both windows
        pytest.param(23, 35, ALL_ON, (*COSTS, 500.0, 7100.0, 600.0, 1200.0, 0, 2000, 0), id="last"),
        # plant discount over (24 is not < 24): burden relieves the whole plant rent
        pytest.param(
            24, 35, ALL_ON, (*COSTS, 500.0, 7400.0, 0.0, 1200.0, 0, 2000, 0), id="disc-over"
        ),
        # burden over (36 is not < 36)
        pytest.param(
            23, 36, ALL_ON, (*COSTS, 500.0, 0.0, 600.0, 1200.0, 0, 0, 0), id="burden-over"
        ),
        pytest.param(100, 100, ALL_ON, (*COSTS, 500.0, 0.0, 0.0, 1200.0, 0, 0, 0), id="both-over"),
        pytest.param(0, 0, [0, 0, 0], (*COSTS, 0.0, 0.0, 0.0, 1200.0, 0, 0, 0), id="no-lever"),
        pytest.param(0, 0, [1, 0, 0], (*COSTS, 500.0, 0.0, 0.0, 1200.0, 0, 0, 0), id="financing"),
        # burden alone: no plant discount, so rent relief covers the whole plant rent
        pytest.param(0, 0, [0, 1, 0], (*COSTS, 0.0, 7400.0, 0.0, 1200.0, 0, 2000, 0), id="burden"),
        pytest.param(0, 0, [0, 0, 1], (*COSTS, 0.0, 0.0, 600.0, 1200.0, 0, 0, 0), id="plant"),
    ],
)
def test_firm_accounts(plant_months, age, lever_on, want):
    """7.8: costs, the three requests (each lever on or off, the plant discount inside and
    outside rent_discount_months, burden inside and outside max_firm_age_months), plant rent,
    and the tax part of each request."""
    got = _accounts(plant_months, age, np.asarray(lever_on, dtype=float))
    assert tuple(float(x) for x in got) == approx(want)


def test_firm_accounts_caps_and_plant_space():
    """7.8: each cut is at most the rate itself (min), the interest subsidy at most the loan rate;
    plant rent is paid on the m2 used, market rent only beyond the plant."""
    lv = LeversSpec(
        financing=FinancingLever(rate_subsidy=0.1),
        burden=BurdenLever(output_tax_cut=0.05, social_insurance_cut=0.5, rent_relief=0.0),
        plant_supply=PlantLever(rent_discount=1.0, rent_discount_months=24),
    )
    # Req_f = min(0.1, 0.06) / 12 x 200,000 = 1000
    # Req_b = min(0.05, 0.03) x 100,000 + min(0.5, 0.3) x 42,000 + 0 = 3000 + 12,600 = 15,600,
    #   of which tax 3000 (the cut capped at the tax itself)
    # Req_p = 1.0 x 1200 = 1200
    got = _accounts(0, 0, lv=lv)
    want = (111_000.0, 1000.0, 15_600.0, 1200.0, 1200.0, 0.0, 3000.0, 0.0)
    assert tuple(float(x) for x in got) == approx(want)
    # F = 400 m2 > U = 250: R_m = 0, R_p = 250 x 8 = 2000 (not 400 x 8); costs 111,000 - 2400
    #   + 2000 = 110,600; Req_p = 0.5 x 2000 = 1000; Req_b = 6200 + 0.5 x (2000 - 1000) = 6700
    big = (100_000.0, 0.5, 6.0, 4.0, 400.0, 12.0, 8.0, 200_000.0)
    got = _accounts(0, 0, firm=big)
    want = (110_600.0, 500.0, 6700.0, 1000.0, 2000.0, 0.0, 2000.0, 0.0)
    assert tuple(float(x) for x in got) == approx(want)


def test_firm_support_over_firms():
    """7.8 (`levers.firm_support`), for an array of firms: the plant discount's window
    `plant_months < rent_discount_months` and burden's age limit `a < max_firm_age_months`."""
    months = np.array([0.0, 23.0, 24.0, 60.0])
    ages = np.array([0.0, 35.0, 36.0, 12.0])
    # the firm above (Y 100,000, W 42,000, R_m 1200, R_p 1200, D 200,000), four times
    fin, burden, plant, tax_fin, tax_burden, tax_plant = firm_support(
        100_000.0, 42_000.0, 1200.0, 1200.0, 200_000.0, months, ages, ALL_ON, 1.0, B.taxes,
        B.production, LV,
    )  # fmt: skip
    assert fin == approx(500.0)  # 0.03 / 12 x 200,000
    assert plant == approx([600.0, 600.0, 0.0, 0.0])
    # young, discounted: 7100; young, discount over: 7400; aged 36: 0; age 12, months 60: 7400
    assert burden == approx([7100.0, 7100.0, 0.0, 7400.0])
    # the tax part: burden's output tax cut, 0.02 x 100,000, for the young firms only
    assert tax_burden == approx([2000.0, 2000.0, 0.0, 2000.0])
    assert tax_fin == 0.0 and (np.asarray(tax_plant) == 0.0).all()


def test_plant_discount_follows_the_tenancy_not_the_zone():
    """7.8, 7.9: the plant discount is promised at move-in and paid on the tenancy
    (`discounted`), whether or not the plant lever acts in the firm's zone this month: 0.5 x
    1200 = 600 for a promised tenancy with the lever off; nothing for a tenancy begun without
    the promise, with the lever on. Burden's rent relief covers what the discount leaves:
    0.5 x (2400 - 600) = 900, or 0.5 x 2400 = 1200."""
    promised = rules.firm_accounts(*FIRM, 3, 0, np.array([0.0, 1.0, 0.0]), 1.0, B, LV)
    assert float(promised[3]) == approx(600.0) and float(promised[2]) == approx(7100.0)
    unpromised = rules.firm_accounts(*FIRM, 3, 0, ALL_ON, 0.0, B, LV)
    assert float(unpromised[3]) == 0.0 and float(unpromised[2]) == approx(7400.0)


@pytest.mark.parametrize(
    ("args", "want"),
    [
        # before tax Y - C + S; corporate income tax = rate x max(before tax, 0); profit = before
        # tax - tax; margin = profit / Y; capital + profit; debt x (1 - amortization),
        # guaranteed debt x (1 - amortization) too; streak + 1 if profit < 0 or Y <= 0 else 0;
        # age + 1; plant_months + 1 while in plant
        pytest.param(
            (
                100_000.0,
                111_000.0,
                15_000.0,
                50_000.0,
                200_000.0,
                80_000.0,
                3,
                12,
                True,
                10,
                0.25,
                0.05,
            ),
            # before tax 4000, tax 0.05 x 4000 = 200, profit 3800, margin 0.038; guaranteed
            # 80,000 x 0.75 = 60,000; a profit: streak resets
            (3800.0, 0.038, 53_800.0, 150_000.0, 60_000.0, 0, 13, 11, 200.0),
            id="profit",
        ),
        pytest.param(
            (100_000.0, 111_000.0, 0.0, 50_000.0, 200_000.0, 0.0, 3, 12, False, 10, 0.25, 0.05),
            # a loss pays no income tax; not in plant
            (-11_000.0, -0.11, 39_000.0, 150_000.0, 0.0, 4, 13, 10, 0.0),
            id="loss",
        ),
        pytest.param(
            (0.0, 1000.0, 1000.0, 50_000.0, 0.0, 0.0, 3, 12, True, 10, 0.25, 0.05),
            (0.0, 0.0, 50_000.0, 0.0, 0.0, 4, 13, 11, 0.0),  # idle: no output counts as losing
            id="idle",
        ),
        pytest.param(
            (1000.0, 1000.0, 0.0, 50_000.0, 0.0, 0.0, 3, 0, False, 0, 0.25, 0.25),
            (0.0, 0.0, 50_000.0, 0.0, 0.0, 0, 1, 0, 0.0),  # break-even with output: not a loss
            id="break-even",
        ),
    ],
)
def test_settle_firm(args, want):
    """7.8 settlement."""
    got = rules.settle_firm(*args)
    assert got[:5] == approx(want[:5])
    assert got[5:8] == want[5:8]
    assert got[8] == approx(want[8])


# ----------------------------------------------------------------------- 7.10 Exit
EXIT = ExitSpec(hazard_by_year=[0.1, 0.2], loss_multiplier=2.0, loss_months=6)


def test_exit_hazard():
    """7.10: h = min(1, (1 - (1 - H[y])^(1/12)) x (loss_multiplier after a loss)),
    y = min(floor(age / 12), len(H) - 1)."""
    ages = np.array([0, 11, 12, 35, 120, 0])
    loss = np.array([False, False, False, True, True, True])
    # year 0: 1 - 0.9^(1/12) = 1 - 0.9912583890453033 = 0.008741610954696721
    # year 1: 1 - 0.8^(1/12) = 1 - 0.9815765298737517 = 0.018423470126248342
    # age 35 -> year 2, capped at the last year 1; x 2 after a loss = 0.036846940252496685
    # age 120 -> year 10 -> year 1, after a loss: 0.036846940252496685
    # age 0 after a loss: 2 x 0.008741610954696721 = 0.017483221909393443
    want = [
        0.008741610954696721,
        0.008741610954696721,
        0.018423470126248342,
        0.036846940252496685,
        0.036846940252496685,
        0.017483221909393443,
    ]
    assert rules.exit_hazard(ages, loss, EXIT) == approx(want)


def test_exit_hazard_capped_at_one():
    """7.10: min(1, ...): H = 0.99 gives 1 - 0.01^(1/12) = 1 - 10^(-1/6) = 0.31870793094203875
    a month, x 4 after a loss = 1.27... -> 1."""
    p = ExitSpec(hazard_by_year=[0.99], loss_multiplier=4.0)
    got = rules.exit_hazard(np.array([5, 5]), np.array([False, True]), p)
    assert got == approx([0.31870793094203875, 1.0])


def test_forced_exit():
    """7.10: exit when capital < 0 or the loss streak has reached loss_months."""
    assert rules.forced_exit(-1.0, 0, EXIT) is True
    assert rules.forced_exit(5.0, 6, EXIT) is True  # 6 >= 6
    assert rules.forced_exit(5.0, 5, EXIT) is False
    assert rules.forced_exit(0.0, 0, EXIT) is False  # zero capital is not negative


# ----------------------------------------------------------------------- 7.9 Government: levers
def _county_world(**levers):
    """A 4 x 2 grid: zone a = column 0 (2 cells), zone b = columns 1-2 (4 cells), rest = column 3
    (2 cells), so the zones are (a, b, rest) with areas (2, 4, 2)."""
    scenario = scenario_from_dict(
        {
            "space": {
                "width": 4,
                "height": 2,
                "zones": [
                    {"name": "a", "kind": "core", "rect": [0, 0, 1, 2]},
                    {"name": "b", "kind": "base", "rect": [1, 0, 2, 2]},
                ],
            },
            "population": {"tailors": 0, "local_workers": 0},
            "levers": levers,
        }
    )
    world = World(scenario)
    assert world.county.zone_names == ("a", "b", "rest")
    assert list(world.county.area) == [2.0, 4.0, 2.0]
    return world


def test_lever_window_is_inclusive():
    """7.9: active when enabled and start <= t <= end, until the budget is exhausted."""
    county = _county_world().county
    lever = BurdenReduction(LeverWindow(enabled=True, start=2, end=5, budget=1.0), county)
    assert [t for t in range(8) if lever.active(t)] == [2, 3, 4, 5]
    off = BurdenReduction(LeverWindow(enabled=False, start=2, end=5, budget=1.0), county)
    assert not any(off.active(t) for t in range(8))
    only_b = BurdenReduction(LeverWindow(enabled=True, zones=["b"], budget=1.0), county)
    assert list(only_b.acting_zones(3)) == [False, True, False]
    assert only_b.eligible(3, 1) and not only_b.eligible(3, 0)


def test_lever_grant_pro_rata_and_exhaustion():
    """7.9: a request Q is paid in full when the remaining budget covers it, else pro rata
    (g = remaining / Q); the lever is exhausted for good once its budget is spent."""
    county = _county_world().county
    lever = BurdenReduction(LeverWindow(enabled=True, start=2, end=5, budget=1000.0), county)
    assert lever.grant(400.0, 1) == 0.0 and lever.spent == 0.0  # before the window
    assert lever.grant(0.0, 3) == 0.0
    assert lever.grant(400.0, 3) == 1.0 and lever.spent == 400.0  # 400 <= 1000
    assert lever.grant(800.0, 4) == 0.75  # 600 left of 800 asked: g = 600 / 800
    assert lever.spent == 1000.0 and lever.exhausted and lever.remaining() == 0.0
    assert not lever.active(4)  # inside its window, but spent
    assert lever.grant(10.0, 5) == 0.0 and lever.spent == 1000.0


FINANCING = FinancingLever(
    enabled=True,
    start=0,
    end=10,
    budget=1e6,
    zones=["a"],
    founder_credit_cap=300_000.0,
    founder_credit_leverage=3.0,
    firm_credit_leverage=2.0,
    guarantee_share=0.5,
)


def test_financing_founder_credit():
    """7.2 step 5: where financing applies, (cap, lev) = (max(credit_cap, founder_credit_cap),
    max(credit_leverage, founder_credit_leverage)); C = min(cap, lev x savings)."""
    lever = Financing(FINANCING, _county_world().county)
    cap, lev = lever.founder_credit(100_000.0, 1.0, 5, np.array([0, 1, 2]))
    assert list(cap) == [300_000.0, 100_000.0, 100_000.0]  # only zone a is eligible
    assert list(lev) == [3.0, 1.0, 1.0]
    # savings 50,000: min(300,000, 3 x 50,000) = 150,000 in a; min(100,000, 50,000) elsewhere
    assert rules.founder_credit(50_000.0, cap, lev) == approx([150_000.0, 50_000.0, 50_000.0])
    assert lever.founder_credit(100_000.0, 1.0, 11, 0) == (100_000.0, 1.0)  # after its end
    cap, lev = lever.founder_credit(500_000.0, 4.0, 5, 0)  # max: never lowers the terms
    assert (cap, lev) == (500_000.0, 4.0)


def test_financing_firm_leverage():
    """7.5 step 1: lev raised to max(lev, firm_credit_leverage) where financing applies."""
    lever = Financing(FINANCING, _county_world().county)
    assert lever.firm_leverage(1.0, 5, 0) == 2.0
    assert lever.firm_leverage(1.0, 5, 1) == 1.0  # zone b not eligible
    assert lever.firm_leverage(1.0, 11, 0) == 1.0  # after its end
    assert lever.firm_leverage(2.5, 5, 0) == 2.5
    # room = lev x max(capital, 0) - debt = 2 x 100,000 - 20,000 = 180,000
    assert rules.credit_room(100_000.0, 20_000.0, lever.firm_leverage(1.0, 5, 0)) == 180_000.0


@pytest.mark.parametrize(
    ("guaranteed", "debt", "new", "limit", "acts", "want"),
    [
        # a founder: savings 200,000, cost 500,000 -> equity 200,000, loan 300,000; without the
        # guarantee it could borrow min(100,000, 1 x 200,000) = 100,000: 300,000 - 100,000
        pytest.param(0.0, 0.0, 300_000.0, 100_000.0, True, 200_000.0, id="founder"),
        pytest.param(0.0, 0.0, 300_000.0, 100_000.0, False, 0.0, id="founder-no-guarantee"),
        pytest.param(0.0, 0.0, 80_000.0, 100_000.0, True, 0.0, id="within-the-limit"),
        # a firm with capital 100,000 at leverage 1 (limit 100,000) and debt 90,000, of which
        # 20,000 guaranteed: it could still borrow 100,000 - 90,000 = 10,000 without the
        # guarantee; of new debt 60,000, 50,000 is guaranteed: 20,000 + 50,000
        pytest.param(20_000.0, 90_000.0, 60_000.0, 100_000.0, True, 70_000.0, id="firm"),
        # debt above the limit (capital fell): no unguaranteed room, all 60,000 guaranteed
        pytest.param(0.0, 150_000.0, 60_000.0, 100_000.0, True, 60_000.0, id="no-room"),
        pytest.param(20_000.0, 90_000.0, 60_000.0, 100_000.0, False, 20_000.0, id="no-guarantee"),
        pytest.param(20_000.0, 90_000.0, 0.0, 100_000.0, True, 20_000.0, id="no-new-debt"),
    ],
)
def test_guaranteed_debt(guaranteed, debt, new, limit, acts, want):
    """7.9: of new debt, the part beyond what the borrower could still raise without a
    guarantee is guaranteed, where a guarantee acts: G' = G + max(0, new - max(0, limit - D))."""
    assert rules.guaranteed_debt(guaranteed, debt, new, limit, acts) == approx(want)


def test_financing_is_charged_for_guaranteed_debt_whenever_it_defaults():
    """7.9: guarantee_share x the guaranteed debt of a defaulting borrower, honoured in full,
    inside the window or after it; what the budget cannot cover is owed beyond it."""
    lever = Financing(FINANCING, _county_world().county)
    lever.charge_guarantee(10_000.0)
    assert lever.spent == 5000.0 and lever.books["guarantee"] == 5000.0  # 0.5 x 10,000
    lever.charge_guarantee(0.0)
    assert lever.cost == 5000.0
    small = Financing(FINANCING.model_copy(update={"budget": 3000.0}), _county_world().county)
    small.charge_guarantee(10_000.0)  # 5000 owed, 3000 in the fund: 2000 beyond the budget
    assert small.spent == 3000.0 and small.exhausted
    assert small.books["guarantee"] == 5000.0 and small.beyond_budget == 2000.0
    assert small.cost == small.spent + small.beyond_budget == 5000.0
    small.charge_guarantee(4000.0)  # after exhaustion (or the window): 2000 more, all beyond
    assert small.books["guarantee"] == 7000.0 and small.beyond_budget == 4000.0


def test_grant_books_outlays_and_forgone_revenue():
    """7.9: of a request, the forgone part and the rest (an outlay) are booked at the share
    granted: 800 asked of 600 left (g = 0.75), 200 of it forgone -> 150 forgone, 450 outlay."""
    lever = BurdenReduction(LeverWindow(enabled=True, budget=600.0), _county_world().county)
    assert lever.grant(800.0, 3, forgone=200.0) == 0.75
    assert lever.books == approx({"outlay": 450.0, "forgone": 150.0, "guarantee": 0.0})
    assert lever.cost == lever.spent == 600.0 and lever.beyond_budget == 0.0


def _plant_by_zone(world):
    return np.bincount(world.county.zone_of_cell.ravel(), weights=world.plant.ravel(), minlength=3)


def test_plant_supply_builds_by_area():
    """7.9: the plant lever asks m2_per_month x construction_cost_per_m2; the share granted, g,
    buys g x m2_per_month m2, divided among eligible zones in proportion to their area."""
    spec = {
        "enabled": True,
        "start": 0,
        "end": 10,
        "budget": 9000.0,
        "zones": ["a", "b"],
        "m2_per_month": 600.0,
        "construction_cost_per_m2": 10.0,
    }
    world = _county_world(plant_supply=spec)
    lever = PlantSupply(world.spec.levers.plant_supply, world.county)
    # month 0: asks 600 x 10 = 6000 of 9000: g = 1 -> 600 m2, a 600 x 2/6 = 200, b 600 x 4/6 = 400
    lever.start_month(world, 0)
    assert lever.spent == 6000.0
    assert _plant_by_zone(world) == approx([200.0, 400.0, 0.0])
    # month 1: 3000 left of 6000: g = 0.5 -> 300 m2, a + 100, b + 200; budget spent
    lever.start_month(world, 1)
    assert lever.spent == 9000.0 and lever.exhausted
    assert _plant_by_zone(world) == approx([300.0, 600.0, 0.0])
    lever.start_month(world, 2)  # exhausted: builds nothing
    assert _plant_by_zone(world) == approx([300.0, 600.0, 0.0])
    # outside its window, or at no construction cost, nothing is built
    world = _county_world(plant_supply={**spec, "start": 3})
    PlantSupply(world.spec.levers.plant_supply, world.county).start_month(world, 2)
    assert _plant_by_zone(world) == approx([0.0, 0.0, 0.0])
    world = _county_world(plant_supply={**spec, "construction_cost_per_m2": 0.0})
    PlantSupply(world.spec.levers.plant_supply, world.county).start_month(world, 0)
    assert _plant_by_zone(world) == approx([0.0, 0.0, 0.0])


def test_placebo_spends_evenly_and_acts_on_nothing():
    """7.9: the placebo spends budget / (end - max(start, 1) + 1) in each month of its window a
    run steps through (month 0 is the initial state), is not publicised, and does not move the
    take-off window (`Scenario.last_lever_end`)."""
    world = _county_world()
    lever = Placebo(PlaceboLever(enabled=True, start=2, end=5, budget=1200.0), world.county)
    # window 2-5: 1200 / 4 = 300 a month in months 2, 3, 4, 5; spent 0, 0, 300, ..., 1200
    spent = []
    for month in range(8):
        lever.start_month(world, month)
        spent.append(lever.spent)
    assert spent == approx([0.0, 0.0, 300.0, 600.0, 900.0, 1200.0, 1200.0, 1200.0])
    assert lever.exhausted
    # window 0-3: month 0 never runs, so 1200 / 3 = 400 in months 1, 2, 3
    gov = _county_world(placebo={"enabled": True, "start": 0, "end": 3, "budget": 1200.0}).gov
    assert gov["placebo"].monthly_outlay() == 400.0
    # active in month 1, and the only lever enabled, yet no publicity counts it
    assert gov["placebo"].active(1)
    assert gov.publicised_count(1) == 0 and list(gov.zone_publicity(1)) == [0.0, 0.0, 0.0]
    # the take-off window: a placebo alone leaves it open from the start (-1, as with no lever);
    # a burden lever to month 7 moves it
    assert _county_world(placebo={"enabled": True, "end": 60}).spec.last_lever_end() == -1
    both = {"placebo": {"enabled": True, "end": 60}, "burden": {"enabled": True, "end": 7}}
    assert _county_world(**both).spec.last_lever_end() == 7


# ----------------------------------------------------------------------- 4.11 Fiscal account
def test_residual_value():
    """4.11: cost x max(0, 1 - age / (12 x life)). 1,000,000 built, a 20-year life (240
    months): new 1,000,000; at 60 months 1 - 60/240 = 0.75; at 240 and beyond 0; 5 years of a
    10-year life: 0.5."""
    ages = np.array([0.0, 60.0, 240.0, 300.0])
    assert rules.residual_value(1.0e6, ages, 20.0) == approx([1.0e6, 750_000.0, 0.0, 0.0])
    assert rules.residual_value(2000.0, 60.0, 10.0) == approx(1000.0)


def test_discount_factor():
    """4.11: (1 + r)^(-month / 12): 1 at month 0; 1 / 1.08 = 0.9259259259259259 at month 12;
    1 / 1.08^2 = 1 / 1.1664 = 0.8573388203017832 at 24; 1.08^(-1/2) = 1 / 1.0392304845413265
    = 0.9622504486493763 at month 6."""
    got = rules.discount_factor(np.array([0.0, 12.0, 24.0, 6.0]), 0.08)
    assert got == approx([1.0, 0.9259259259259259, 0.8573388203017832, 0.9622504486493763])
    assert rules.discount_factor(37.0, 0.0) == 1.0  # no discounting


def test_government_books_support_by_kind_and_collects_taxes_net_of_cuts():
    """7.8, 7.9: the month's requests (financing 500, burden 12,000 of which 2000 is its output
    tax cut, plant 600) against budgets of 1,000,000, 10,000 and 1,000,000. Burden gets
    g = 10,000 / 12,000 = 0.8333...: forgone 0.8333 x 2000 = 1666.667 (the tax cut), outlay
    0.8333 x 10,000 = 8333.333 (social insurance and rent relief). Financing: an outlay of 500.
    Plant: its rent discount, 600, is rent the county forgoes. Taxes, at output_tax 0.03, on an
    output of 100,000: 3000 less the cut granted, 3000 - 1666.667 = 1333.333; corporate income
    tax 300 as the firms paid it."""
    on = {"enabled": True, "start": 0, "end": 10}
    world = _county_world(
        financing={**on, "budget": 1e6},
        burden={**on, "budget": 10_000.0},
        plant_supply={**on, "budget": 1e6, "construction_cost_per_m2": 0.0},
    )
    gov = world.gov
    shares = gov.grant_support([500.0, 12_000.0, 600.0], [0.0, 2000.0, 0.0], 3)
    assert shares == approx([1.0, 10_000.0 / 12_000.0, 1.0])
    assert gov["financing"].books == approx({"outlay": 500.0, "forgone": 0.0, "guarantee": 0.0})
    assert gov["burden"].books == approx(
        {"outlay": 8333.333333333334, "forgone": 1666.6666666666667, "guarantee": 0.0}
    )
    assert gov["plant_supply"].books == approx({"outlay": 0.0, "forgone": 600.0, "guarantee": 0.0})
    gov.collect_taxes(100_000.0, 300.0)
    assert gov.tax_output == approx(1333.3333333333333) and gov.tax_cit == 300.0


def test_plant_discounts_are_honoured_beyond_the_window_and_the_budget():
    """7.9: the plant lever promises the discount only where and while it acts
    (`discount_zones`), and pays a promised discount in full whenever it falls due: 600 in
    month 20, after its window (months 0-10), from its budget of 1000 (400 left); 600 more:
    400 from the budget, now spent, 200 beyond it. Both are rent forgone, not outlays."""
    world = _county_world(
        plant_supply={"enabled": True, "start": 0, "end": 10, "budget": 1000.0, "zones": ["a"]}
    )
    gov = world.gov
    assert list(gov.discount_zones(5)) == [True, False, False]  # eligible zone a, in the window
    assert not gov.discount_zones(20).any()  # no new promise after the window
    assert gov.grant_support([0.0, 0.0, 600.0], [0.0, 0.0, 0.0], 20)[2] == 1.0
    lever = gov["plant_supply"]
    assert lever.spent == 600.0 and lever.books["forgone"] == 600.0
    gov.grant_support([0.0, 0.0, 600.0], [0.0, 0.0, 0.0], 21)
    assert lever.spent == 1000.0 and lever.exhausted and lever.beyond_budget == 200.0
    assert lever.books == approx({"outlay": 0.0, "forgone": 1200.0, "guarantee": 0.0})
    assert not gov.discount_zones(5).any()  # exhausted: no new promise even in the window
