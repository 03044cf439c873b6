"""The rules of the model, each written once as a pure function.

Formulas over NumPy values broadcast: a Mesa agent calls such a rule with its own scalars, the
vector engine with whole arrays. State transitions (what a hire, a founding, a month's books or
an exit do to an agent's state: `hiring_target`, `credit_room`, `machine_debt`, `guaranteed_debt`,
`can_finance`, `founder_equity`, `entrant_capital`, `shocked_productivity`, `forced_exit`,
`settle_firm`) take one
agent's scalars: the Mesa engine calls them per agent, the vector engine per agent inside its
compiled loops (`sim.engines.vector.compiled_rules` compiles this module's source). The ODD
(docs/model.md) points at one function here per rule, so the engines cannot drift apart. No
function here draws random numbers: draws are made by the engines and passed in.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.core.levers import firm_support
from sim.core.scenario import (
    BehaviourSpec,
    EntrepreneurshipSpec,
    ExitSpec,
    ExternalitySpec,
    LeversSpec,
    LocationSpec,
    OutsideInvestmentSpec,
    ProductionSpec,
    ReturnMigrationSpec,
)

Float = NDArray[np.float64] | float


def logistic(v: ArrayLike) -> Float:
    return 1.0 / (1.0 + np.exp(-np.asarray(v, dtype=np.float64)))


# ------------------------------------------------------------------------ 1. return migration
def expected_home_income(job_probability: float, home_wage: float) -> float:
    """What a tailor away expects to earn at home: the wage times the chance of finding a job."""
    return job_probability * home_wage


def return_probability(
    home_income: Float,
    coastal_wage: float,
    peer_share: Float,
    publicised_levers: int,
    attachment: Float,
    p: ReturnMigrationSpec,
) -> Float:
    """Monthly probability that a tailor away returns home (logistic, capped at max_hazard).

    The utility adds the relative income gap, the share of the tailor's village already home
    (peer influence, which makes returns cascade as in Granovetter's threshold model), the
    publicity of the active levers (`publicity` per publicised lever, whatever the lever does:
    a behavioural option, 0 by default, so that no lever is rewarded merely for being active)
    and a fixed individual attachment (the spread of individual thresholds).
    """
    gap = (home_income - coastal_wage) / coastal_wage
    v = (
        p.intercept
        + p.income_gap * gap
        + p.peer * peer_share
        + p.publicity * publicised_levers
        + attachment
    )
    return p.max_hazard * logistic(v)


def leave_probability(months_jobless: ArrayLike, p: ReturnMigrationSpec) -> Float:
    """Monthly probability that a jobless returnee leaves again for the coast."""
    return np.where(np.asarray(months_jobless) >= p.leave_after_months, p.leave_hazard, 0.0)


def job_probability(vacancies: float, seekers: float) -> float:
    """Chance a job seeker at home finds a job in a month, from last month's labour market."""
    return float(min(1.0, vacancies / max(1.0, seekers)))


# ------------------------------------------------------------------------ 2. entrepreneurship
def plant_slots(free_m2: NDArray[np.float64], need: float) -> int:
    """How many start-ups the free standard plant of a zone can still house: a start-up needs
    `need` m2 in one cell, so a cell with F m2 free houses floor(F / need) of them, summed over
    the zone's cells (`free_m2`); none for a need of 0.

    A founder finds plant where it would set up when its zone has a slot left (at least one
    cell with `need` m2 free): no premises delay (`founding_probability`) and no premises cost
    (`startup_cost`). Each founder who settles on plant takes a slot, so the founders of a
    month compete for the free plant of their zone, and plant in one zone does nothing for a
    founder in another."""
    if need <= 0:
        return 0
    return int(np.floor(np.asarray(free_m2, dtype=np.float64) / need).sum())


def startup_cost(has_plant: ArrayLike, p: EntrepreneurshipSpec) -> Float:
    """Cost of founding: fixed cost, machines for the first workers, premises if no plant."""
    base = p.startup_fixed_cost + p.capital_per_worker * p.startup_workers
    return base + np.where(np.asarray(has_plant, dtype=np.bool_), 0.0, p.premises_cost)


def founder_credit(savings: Float, credit_cap: float, credit_leverage: float) -> Float:
    """What a founder can borrow: a multiple of savings up to a cap (guarantees raise both)."""
    return np.minimum(credit_cap, credit_leverage * np.asarray(savings, dtype=np.float64))


def founding_probability(
    owner_income: Float, home_wage: float, has_plant: ArrayLike, p: EntrepreneurshipSpec
) -> Float:
    """Monthly probability that a skilled tailor at home founds a firm (before finance).

    Logistic in the relative gain of owning a firm over the home wage. Without a standard plant
    in the zone where the founder would set up (`has_plant`: a slot left there, `plant_slots`)
    the founder must first find premises, which takes `premises_delay_months` on average, so the
    monthly hazard is divided by (1 + delay).
    """
    gain = (np.asarray(owner_income, dtype=np.float64) - home_wage) / home_wage
    base = p.max_hazard * logistic(p.intercept + p.profit * gain)
    delay = np.where(np.asarray(has_plant, dtype=np.bool_), 0.0, p.premises_delay_months)
    return base / (1.0 + delay)


def can_finance(savings: float, credit: float, cost: float) -> bool:
    """A founder founds only if savings and founder credit together meet the start-up cost."""
    return savings + credit >= cost


def founder_equity(savings: float, cost: float) -> tuple[float, float]:
    """(equity, debt) of a financed founding: savings pay what they can of the cost (the
    founder keeps the rest of them), the remainder is borrowed."""
    equity = min(savings, cost)
    return equity, cost - equity


def entrant_capital(workers: Float, p: EntrepreneurshipSpec) -> Float:
    """Start-up capital of an outside investor's or an incumbent's firm of `workers` workers:
    the fixed cost plus the machines of its workers, paid in equity."""
    return p.startup_fixed_cost + p.capital_per_worker * workers


# ------------------------------------------------------------------------ 3. outside investment
def investor_arrival_rate(
    base_rate: float,
    pull: float,
    local_firms: int,
    publicised_levers: int,
    publicity: float,
    unit: float,
) -> float:
    """Expected outside arrivals in a month: a base rate plus the pull of the local cluster,
    which grows with the log of its size (saturating, so that arrivals cannot explode). The size
    is counted in agglomeration units (`unit` firms each), so that the pull of a county does not
    depend on how finely it is sampled. Investment promotion raises the rate by `publicity` per
    active publicised lever (a behavioural option, 0 by default)."""
    return (base_rate + pull * np.log1p(local_firms / unit)) * (1.0 + publicity * publicised_levers)


def investor_acceptance(
    stage_margin: Float, available_workers: float, needed_workers: Float, p: OutsideInvestmentSpec
) -> Float:
    """Chance an arriving investor stays: logistic in the stage's recent local profit margin
    (which includes lever support), times the share of the workers it needs that it can hire
    (job seekers at home and idle local workers)."""
    needed = np.asarray(needed_workers, dtype=np.float64)
    labour = np.where(needed > 0, np.minimum(1.0, available_workers / np.maximum(needed, 1.0)), 1.0)
    return logistic(p.intercept + p.margin_weight * np.asarray(stage_margin)) * labour


def stage_margins(profit: np.ndarray, output: np.ndarray, base_margin: float) -> np.ndarray:
    """Recent profit margin of each stage locally (the base margin where the stage is absent):
    what founders and investors expect to earn."""
    return np.where(output > 0, profit / np.where(output > 0, output, 1.0), base_margin)


def expected_owner_income(margin: Float, output_per_worker: Float, workers: int) -> Float:
    """A founder's expected monthly income: the stage margin on a start-up's output."""
    return margin * output_per_worker * workers


def investor_stage_weights(
    shares: np.ndarray, unmet_share: np.ndarray, gap_pull: float
) -> np.ndarray:
    """Stage mix of arriving investors, tilted towards inputs the cluster lacks locally."""
    w = shares * (1.0 + gap_pull * unmet_share)
    total = w.sum()
    return w / total if total > 0 else np.full_like(w, 1.0 / w.size)


# ------------------------------------------------------------------------ 4. location choice
def zone_weights(
    area: np.ndarray,
    same: np.ndarray,
    linked: np.ndarray,
    advantage: np.ndarray,
    rent: np.ndarray,
    has_plant: np.ndarray,
    publicised_levers: np.ndarray,
    p: LocationSpec,
    unit: float,
) -> np.ndarray:
    """Attractiveness of each zone to an entrant (arrays over zones; last axis = zones).

    area^a * (pseudo + (same + w_link*linked)/unit)^theta
    * exp(advantage - rent + plant + publicity), the last term `publicity` per active publicised
    lever the zone is eligible for (a behavioural option, 0 by default).
    theta = 1 with nothing else is Arthur's urn; theta > 1 is non-linear increasing returns
    (lock-in); a = 1, theta = 0 is the dartboard (proportional to area). Firms count in
    agglomeration units, so the pseudo count weighs the same against a county of any size.
    """
    mass = p.pseudo_count + (same + p.linkage_weight * linked) / unit
    agglomeration = np.where(mass > 0, mass, 0.0) ** p.increasing_returns
    rent_ref = max(float(np.max(rent)), 1e-9)
    utility = (
        p.advantage * advantage
        - p.rent * rent / rent_ref
        + p.plant * has_plant
        + p.publicity * publicised_levers
    )
    return np.where(area > 0, area**p.area_exponent, 0.0) * agglomeration * np.exp(utility)


def cell_mass_coefficients(linked: np.ndarray, p: LocationSpec, unit: float) -> np.ndarray:
    """(stage, stage): how much each nearby firm of stage k adds to a cell's mass for an
    entrant of stage s: 1 for its own stage (every stage with `count_all_stages`) plus
    `linkage_weight` for an IO-linked stage, in agglomeration units. A cell's mass is
    `1 + coef[s] . nbhd[:, cell]` (`cell_mass`)."""
    S = linked.shape[0]
    own = np.ones((S, S)) if p.count_all_stages else np.eye(S)
    return (own + p.linkage_weight * linked) / unit


def cell_mass(coef_row: np.ndarray, nbhd: np.ndarray) -> np.ndarray:
    """Agglomeration mass of each cell (columns of `nbhd`, the firms by stage in each cell's
    neighbourhood) for an entrant whose row of `cell_mass_coefficients` is `coef_row`:
    1 + sum_k coef_row[k] nbhd[k, cell], summed over stages in order."""
    mass = np.ones(nbhd.shape[1])
    for k in range(coef_row.size):
        mass += coef_row[k] * nbhd[k]
    return mass


def cell_weights(mass: np.ndarray, has_plant: np.ndarray, p: LocationSpec) -> np.ndarray:
    """Attractiveness of each cell inside the chosen zone: its agglomeration mass (`cell_mass`)
    raised to `cell_increasing_returns`, times exp(cell_plant) where it has free plant space.

    The power is skipped at its default of 1 and the exponential taken once (the values are
    the same: x**1 is x, exp(0) is 1): entrants draw among hundreds of cells, and a pow and an
    exp per cell were a third of the vector engine's investment phase."""
    pull = mass if p.cell_increasing_returns == 1.0 else mass**p.cell_increasing_returns
    return pull * np.where(has_plant, np.exp(p.cell_plant), 1.0)


def choose(weights: np.ndarray, u: Float) -> NDArray[np.int64] | int:
    """Index drawn with probability proportional to `weights` by inverse CDF of uniform(s) u.

    All-zero weights (an empty urn) fall back to a uniform choice.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.sum() <= 0:
        w = np.ones_like(w)
    cdf = np.cumsum(w)
    idx = np.searchsorted(cdf, np.asarray(u) * cdf[-1], side="right")
    return np.minimum(idx, w.size - 1)


# ------------------------------------------------------------------------ 5. production
def box_band(n: int, radius: int) -> np.ndarray:
    """n x n, 1 where |i - j| <= radius, else 0: a product with it sums windows along an axis."""
    i = np.arange(n)
    return (np.abs(i[:, None] - i[None, :]) <= radius).astype(float)


def box_sum(
    grid: np.ndarray, radius: int, bands: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Sum over the (2r+1)x(2r+1) Moore neighbourhood of every cell (last two axes = x, y), cut
    at the edges of the grid: `band_x @ grid @ band_y` with the 0/1 band matrices of `box_band`.

    `bands` = (box_band(width, radius), box_band(height, radius)) may be passed precomputed; on
    the model's grids (40 x 30) the two products take a few microseconds. On counts (integers)
    every partial sum is an integer, so the result is exact whatever the order of summation.
    This is the one neighbourhood rule: the engines' in-place window updates (one firm at a
    time) are checked against it (tests/test_metrics.py, tests/test_vector_measures.py).
    """
    g = np.asarray(grid, dtype=np.float64)
    if bands is None:
        bands = (box_band(g.shape[-2], radius), box_band(g.shape[-1], radius))
    return bands[0] @ g @ bands[1]


def externality(same_nbhd: Float, linked_nbhd: Float, p: ExternalitySpec, unit: float) -> Float:
    """Productivity multiplier from nearby firms of the same stage and of IO-linked stages.

    Nearby firms count in agglomeration units (`unit` firms each): the log makes the first
    neighbours matter most, so a count of raw agents would make the same county more productive
    the more finely it is sampled (at 1:1 each neighbour is one twentieth of a 1:20 agent).
    """
    same, linked = np.asarray(same_nbhd) / unit, np.asarray(linked_nbhd) / unit
    return 1.0 + p.localization * np.log1p(same) + p.linkage * np.log1p(linked)


def congested_rent(
    base_rent: Float, firms_nbhd: Float, cells_nbhd: Float, elasticity: float, unit: float
) -> Float:
    """Market rent of a cell: the zone's rent raised by the density of firms around it
    (agglomeration units per cell, so that rents react to density, not to the sampling)."""
    density = np.asarray(firms_nbhd) / unit / np.maximum(cells_nbhd, 1.0)
    return base_rent * (1.0 + elasticity * density)


def local_supply_share(supply: np.ndarray, demand: np.ndarray, max_share: float) -> np.ndarray:
    """Share of each stage's input demand that local suppliers can meet (per supplier stage)."""
    ratio = np.where(demand > 0, supply / np.where(demand > 0, demand, 1.0), 0.0)
    return max_share * np.minimum(1.0, ratio)


def firm_output(
    output_per_worker: Float,
    productivity: Float,
    ext: Float,
    demand: Float,
    tailors: Float,
    locals_: Float,
    p: ProductionSpec,
) -> Float:
    """Monthly output (yuan): productivity x externality x demand x a decreasing-returns function
    of effective labour (span of control), scaled so that a firm of `reference_workers` tailors
    produces `output_per_worker` each. Decreasing returns give each firm an efficient size, so
    clusters grow mainly by entry and firm sizes follow productivity."""
    labour = tailors + p.local_worker_productivity * locals_
    scale = labour**p.returns_to_scale * p.reference_workers ** (1.0 - p.returns_to_scale)
    return output_per_worker * productivity * ext * demand * scale


def entry_productivity(planned_workers: Float, shock: Float, p: ProductionSpec) -> Float:
    """Productivity of an entrant: the level at which its planned size earns the stage's base
    margin, times a lognormal draw (shock ~ N(0,1)). Large entrants (anchors) are therefore the
    productive ones, as in the data."""
    size_term = (np.asarray(planned_workers, dtype=np.float64) / p.reference_workers) ** (
        1.0 - p.returns_to_scale
    )
    return size_term * np.exp(p.productivity_sd * np.asarray(shock) - p.productivity_sd**2 / 2)


def hiring_target(
    workers: int, margin: float, credit_room: float, capital_per_worker: float, p: ProductionSpec
) -> int:
    """Employment a firm wants next: grow when profitable (by hire_rate, at least one worker,
    as far as it can finance the machines), shrink by fire_rate when loss-making, else stay.

    One firm's scalars: the Mesa engine calls it per agent, the vector engine per firm inside
    its compiled loop (`kernels.labour_plan`), so the arithmetic is written once.
    """
    cpw = max(capital_per_worker, 1e-9)
    if margin > p.margin_to_grow:
        step_up = max(1, math.floor(p.hire_rate * workers))
        affordable = max(math.floor(credit_room / cpw), 0)
        return workers + min(step_up, affordable)
    if margin < 0:
        return max(workers - max(1, math.floor(p.fire_rate * workers)), 0)
    return workers


def credit_room(capital: float, debt: float, leverage: float) -> float:
    """What a firm may still borrow: `leverage` times its net worth (if positive), less its
    debt (guarantees raise the leverage where they act)."""
    return leverage * max(capital, 0.0) - debt


def machine_debt(new_workers: int, age_months: int, capital_per_worker: float) -> float:
    """New debt for the machines of a firm's new workers: an incumbent buys them on credit; an
    entrant in its first month has paid for its start-up team in its start-up cost."""
    return capital_per_worker * new_workers if age_months > 0 else 0.0


def guaranteed_debt(
    guaranteed: float, debt: float, new_debt: float, unguaranteed_limit: float, guarantee: bool
) -> float:
    """A borrower's guaranteed debt after it borrows `new_debt` more (7.9): where a guarantee
    acts (`guarantee`), the part of the new debt beyond what the borrower could still borrow
    without it, `max(0, unguaranteed_limit - debt)` (the credit room on the unguaranteed
    terms, as `credit_room` counts it), is guaranteed; nothing new is guaranteed elsewhere.

    A founder's limit is its credit on the unguaranteed terms (`founder_credit` with
    `credit_cap`, `credit_leverage`), a firm's `credit_leverage x max(capital, 0)`: the loan a
    bank would make without the guarantee fund carries no guarantee, the rest of it does."""
    if not guarantee or new_debt <= 0:
        return guaranteed
    room = max(0.0, unguaranteed_limit - debt)
    return guaranteed + max(0.0, new_debt - room)


def shocked_productivity(productivity: Float, shock: Float, p: ProductionSpec) -> Float:
    """Productivity after the month's idiosyncratic shock (a log random walk; shock ~ N(0,1))."""
    return productivity * np.exp(p.productivity_shock_sd * shock)


# ------------------------------------------------------------------------ 7. exit
def exit_hazard(age_months: ArrayLike, loss: ArrayLike, p: ExitSpec) -> Float:
    """Monthly exit probability from the annual hazard of the firm's age year (SAIC 2013),
    multiplied after a loss-making month."""
    years = np.minimum(np.asarray(age_months) // 12, len(p.hazard_by_year) - 1)
    annual = np.asarray(p.hazard_by_year)[years]
    monthly = 1.0 - (1.0 - annual) ** (1.0 / 12.0)
    after_loss = np.where(np.asarray(loss, dtype=np.bool_), p.loss_multiplier, 1.0)
    return np.minimum(1.0, monthly * after_loss)


def forced_exit(capital: float, loss_streak: int, p: ExitSpec) -> bool:
    """A firm must exit, whatever its hazard, when its capital is negative or its losses have
    lasted `loss_months` months in a row."""
    return capital < 0 or loss_streak >= p.loss_months


# ------------------------------------------------------------------------ 6. sourcing & 7. profit
def input_cost_share(
    io: np.ndarray, input_share: np.ndarray, local_share: np.ndarray, saving: float
) -> np.ndarray:
    """Input cost per yuan of output, by buyer stage: locally bought inputs cost `saving` less."""
    return input_share - saving * (io * local_share[:, None]).sum(axis=0)


def firm_accounts(
    output: Float,
    input_cost: Float,
    tailors: Float,
    locals_: Float,
    plant_m2: Float,
    rent_cell: Float,
    plant_rent: Float,
    debt: Float,
    plant_months: Float,
    firm_age: Float,
    lever_on: np.ndarray,
    discounted: Float,
    b: BehaviourSpec,
    lv: LeversSpec,
) -> tuple[Float, Float, Float, Float, Float, Float, Float, Float]:
    """A firm's monthly costs before support, and what each lever would pay towards them.

    Costs: inputs, wages and employer social insurance, taxes and fees on output, rent (market
    rent for space beyond the firm's standard plant, the zone's base rent for plant space) and
    interest. What the levers pay towards them is `sim.core.levers.firm_support` (`lever_on`
    holds whether each acts in the firm's zone this month, `discounted` whether the firm's
    standard-plant tenancy carries the plant lever's rent discount).
    Returns (costs, financing request, burden request, plant request, plant rent due, and the
    tax part of each of the three requests); the plant rent goes to the county, which owns the
    standard plants.
    """
    t, prod = b.taxes, b.production
    wages = b.wages.home * tailors + b.wages.local * locals_
    workers = tailors + locals_
    used = prod.m2_per_worker * workers
    rent_market = np.maximum(0.0, used - plant_m2) * rent_cell
    rent_plant = np.minimum(used, plant_m2) * plant_rent  # plant space is let by the m2 used
    interest = prod.loan_rate / 12.0 * debt
    costs = (
        output * (input_cost + t.output_tax)
        + wages * (1.0 + t.social_insurance)
        + rent_market
        + rent_plant
        + interest
    )
    req_fin, req_burden, req_plant, tax_fin, tax_burden, tax_plant = firm_support(
        output, wages, rent_market, rent_plant, debt, plant_months, firm_age, lever_on,
        discounted, t, prod, lv,
    )  # fmt: skip
    return costs, req_fin, req_burden, req_plant, rent_plant, tax_fin, tax_burden, tax_plant


def settle_firm(
    output: float,
    costs: float,
    support: float,
    capital: float,
    debt: float,
    guaranteed: float,
    loss_streak: int,
    age_months: int,
    in_plant: bool,
    plant_months: int,
    amortization: float,
    income_tax: float,
) -> tuple[float, float, float, float, float, int, int, int, float]:
    """A firm's books at the end of the month, after the support its levers granted: (profit,
    margin, capital, debt, guaranteed debt, loss streak, age, months in plant, corporate income
    tax). Profit is output less costs plus support, less the corporate income tax, the rate
    `income_tax` of that when positive (a month's loss pays none and is not carried forward);
    all of it is retained in capital; debt amortizes, every loan alike, so the guaranteed part
    falls by the same share; the loss streak counts months in a row with a loss or no output."""
    before_tax = output - costs + support
    tax = income_tax * max(before_tax, 0.0)
    profit = before_tax - tax
    margin = profit / output if output > 0 else 0.0
    idle_or_losing = profit < 0 or not output > 0
    return (
        profit,
        margin,
        capital + profit,
        debt * (1.0 - amortization),
        guaranteed * (1.0 - amortization),
        loss_streak + 1 if idle_or_losing else 0,
        age_months + 1,
        plant_months + 1 if in_plant else plant_months,
        tax,
    )


# ------------------------------------------------------------------------ 9. fiscal account
def residual_value(cost: Float, age_months: Float, life_years: float) -> Float:
    """What plant built for `cost` is worth `age_months` after it was built: its construction
    cost depreciated straight line to nothing over `life_years` (4.11; `fiscal.plant_life_years`).
    The county's plant is an asset: a lever that built it has not spent its value."""
    age = np.asarray(age_months, dtype=np.float64)
    return np.asarray(cost) * np.maximum(0.0, 1.0 - age / (12.0 * life_years))


def discount_factor(month: Float, annual_rate: float) -> Float:
    """The value at month 0 of a yuan paid at `month`: (1 + r)^(-month / 12), with r the
    yearly `fiscal.discount_rate` (4.11)."""
    return (1.0 + annual_rate) ** (-np.asarray(month, dtype=np.float64) / 12.0)
