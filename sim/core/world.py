"""The world both engines share: the grid-level state and the submodels that act on the whole.

Agents differ between the engines (Mesa objects or arrays); the county around them does not. This
class holds what is per cell, per zone or per stage: firm counts and their neighbourhood sums,
standard plant floor space, demand shocks, local sourcing shares, the government's budgets, and
last month's labour market. Its methods are the world-level submodels (plant construction, the
month's environment, location weights, investor arrivals), written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core import rules
from sim.core.chain import ValueChain, build_chain
from sim.core.government import Government
from sim.core.scenario import Scenario
from sim.core.space import County, build_county, place_plant


@dataclass
class Environment:
    """What agents see of the whole in a month."""

    home_income: float = 0.0
    publicised_levers: int = 0  # active publicised levers (Government.publicised_count)
    founder_stage_weights: np.ndarray = field(default_factory=lambda: np.ones(1))
    owner_income: np.ndarray = field(default_factory=lambda: np.zeros(1))
    box: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 1)))
    demand: np.ndarray = field(default_factory=lambda: np.ones(1))
    input_cost_share: np.ndarray = field(default_factory=lambda: np.zeros(1))
    rent: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    lever_terms: np.ndarray = field(default_factory=lambda: np.zeros((3, 1)))


def stage_share_vector(shares: dict[str, float], stages: tuple[str, ...]) -> np.ndarray:
    """A scenario's stage shares as a normalised vector (uniform when none are given)."""
    if not shares:
        return np.full(len(stages), 1.0 / len(stages))
    v = np.array([shares.get(s, 0.0) for s in stages], dtype=float)
    return v / v.sum()


class World:
    """Grid-level state and world-level submodels (see the module docstring).

    Args:
        scenario: the validated scenario.
        plant: the (width, height) array of free plant floor space to work in; the Mesa engine
            passes its property layer's array so that the grid shows the same numbers.
    """

    def __init__(self, scenario: Scenario, plant: np.ndarray | None = None) -> None:
        self.spec = scenario
        self.chain: ValueChain = build_chain(scenario)
        self.county: County = build_county(scenario)
        self.gov = Government.from_scenario(scenario, self.county)
        S, W, H = self.chain.n, self.county.width, self.county.height
        self.plant = plant if plant is not None else np.zeros((W, H))
        self.plant_built = np.zeros(W * H)  # m2 ever built per flat cell
        self.counts = np.zeros((S, W, H))  # living firms by stage and cell
        self.zone_counts = np.zeros((S, self.county.n_zones))  # anchor-weighted, for location
        # neighbourhood sums of `counts`; always updated in place, never rebound, because the
        # vector engine makes it a view of its own buffer (`adopt_box`)
        self.box = np.zeros((S, W, H))
        self._box_stale = False
        self.radius = scenario.behaviour.externalities.radius
        self.base_rent_grid = self.county.base_rent[self.county.zone_of_cell]
        # the band matrices of rules.box_sum for this grid, built once
        self.bands = (rules.box_band(W, self.radius), rules.box_band(H, self.radius))
        self.cells_nbhd = rules.box_sum(np.ones((W, H)), self.radius, self.bands)
        self.mass_coef = rules.cell_mass_coefficients(
            self.chain.linked, scenario.behaviour.location, scenario.behaviour.agglomeration_unit
        )
        self.demand_log = np.zeros(S)
        self.local_share = np.zeros(S)
        self.stage_margin = np.full(S, scenario.chain.base_margin)
        self.last_vacancies = 0.0
        self.last_seekers = 0.0
        self.investor_carry = 0.0
        self.founder_shares = stage_share_vector(
            scenario.behaviour.entrepreneurship.stage_shares, self.chain.stages
        )
        self.investor_shares = stage_share_vector(
            scenario.behaviour.outside_investment.stage_shares, self.chain.stages
        )
        self.build_plant(self.county.initial_plant_m2)

    # ------------------------------------------------------------------ plants
    def plant_need(self, workers: float | np.ndarray) -> float | np.ndarray:
        """Standard plant floor space an entrant reserves for its first workers."""
        prod = self.spec.behaviour.production
        return prod.m2_per_worker * np.asarray(workers) * prod.plant_headroom

    def build_plant(self, m2_by_zone: np.ndarray) -> None:
        """Add plant floor space to zones, block by block from each zone's centre."""
        for z, m2 in enumerate(m2_by_zone):
            if m2 > 0:
                added = place_plant(
                    self.plant_built,
                    self.county.plant_sites[z],
                    float(m2),
                    self.county.plant_cell_capacity_m2,
                )
                self.plant_built += added
                self.plant += added.reshape(self.plant.shape)

    def start_month(self, month: int) -> None:
        """Government, first half: what each lever does itself this month (the plant lever
        builds standard plants: `sim.core.levers.PlantSupply.start_month`)."""
        self.gov.start_month(self, month)

    def plant_slots(self, zone: int, need_m2: float) -> int:
        """How many entrants needing `need_m2` the free plant of `zone` can still house
        (`rules.plant_slots` on the zone's cells): a founder there finds plant when it is at
        least 1."""
        return rules.plant_slots(self.plant.ravel()[self.county.cells_of_zone[zone]], need_m2)

    # ------------------------------------------------------------------ firm counts
    def count_firms(self, stage, zone, x, y, anchor, delta: int) -> None:
        """Record entries (delta=+1) or exits (-1) of firms, scalars or arrays, in the cell
        counts, the anchor-weighted zone counts and the neighbourhood sums."""
        weight = np.where(anchor, self.spec.behaviour.outside_investment.anchor_weight, 1.0)
        np.add.at(self.counts, (stage, x, y), delta)
        np.add.at(self.zone_counts, (stage, zone), delta * weight)
        if np.ndim(stage) == 0 and not self._box_stale:  # one firm: update its window in place
            r = self.radius
            self.box[stage, max(0, x - r) : x + r + 1, max(0, y - r) : y + r + 1] += delta
        else:  # a batch: recompute when next needed
            self._box_stale = True

    def adopt_box(self, box: np.ndarray) -> None:
        """Keep the neighbourhood sums in `box`, an array of the shape of `box` that another
        engine holds and updates itself (the vector engine's buffer): the current sums are
        copied into it, and from now on they are read and recomputed there, in place."""
        box[...] = self.neighbourhoods()
        self.box = box

    def neighbourhoods(self) -> np.ndarray:
        """Neighbourhood sums of the firm counts (`rules.box_sum`), recomputed only after batch
        changes, into the same array (`box` may be a view another engine holds)."""
        if self._box_stale:
            self.box[...] = rules.box_sum(self.counts, self.radius, self.bands)
            self._box_stale = False
        return self.box

    # ------------------------------------------------------------------ the month's environment
    def environment(
        self, month: int, env: Environment, rng: np.random.Generator, box_fresh: bool = False
    ) -> None:
        """Neighbourhood sums, congested rents, the stage demand shocks, input costs after local
        sourcing, and which levers act in which zone, for this month's production.

        The neighbourhood sums are recomputed from the counts unless the caller keeps `box`
        up to date itself and says so with `box_fresh` (the vector engine)."""
        b = self.spec.behaviour
        self._box_stale = self._box_stale or not box_fresh
        env.box = self.neighbourhoods()
        env.rent = rules.congested_rent(
            self.base_rent_grid,
            self.box.sum(axis=0),
            self.cells_nbhd,
            b.congestion.rent_elasticity,
            b.agglomeration_unit,
        )
        ps = b.production
        eps = rng.standard_normal(self.chain.n)
        self.demand_log = ps.demand_persistence * self.demand_log + ps.demand_shock_sd * eps
        env.demand = np.exp(self.demand_log)
        env.input_cost_share = rules.input_cost_share(
            self.chain.io, self.chain.input_share, self.local_share, b.sourcing.saving
        )
        env.lever_terms = self.gov.support_terms(month)

    def record_accounts(self, output_by_stage: np.ndarray, profit_by_stage: np.ndarray) -> None:
        """After the accounts: stage margins (what entrants expect next month) and the local
        supply shares (what firms can source locally next month)."""
        self.stage_margin = rules.stage_margins(
            profit_by_stage, output_by_stage, self.spec.chain.base_margin
        )
        self.local_share = rules.local_supply_share(
            output_by_stage,
            self.chain.io @ output_by_stage,
            self.spec.behaviour.sourcing.max_local_share,
        )

    # ------------------------------------------------------------------ location choice
    def zone_plant(self, need_m2: float) -> np.ndarray:
        """1 for zones with a cell holding at least `need_m2` of free plant, else 0."""
        flat = self.plant.ravel()
        return np.array(
            [
                need_m2 > 0 and flat[c].max(initial=0.0) >= need_m2
                for c in self.county.cells_of_zone
            ],
            dtype=float,
        )

    def zone_weights(self, stage: int, need_m2: float, month: int) -> np.ndarray:
        """Location submodel, first step: the weight of each zone for an entrant of `stage`
        (with plant need `need_m2`: zones with a cell that has it free weigh e^plant more)."""
        loc = self.spec.behaviour.location
        same = self.zone_counts.sum(axis=0) if loc.count_all_stages else self.zone_counts[stage]
        linked = self.chain.linked[stage] @ self.zone_counts
        return rules.zone_weights(
            self.county.area,
            same,
            linked,
            self.county.advantage,
            self.county.base_rent,
            self.zone_plant(need_m2),
            self.gov.zone_publicity(month),
            loc,
            self.spec.behaviour.agglomeration_unit,
        )

    def cell_weights(self, stage: int, zone: int, need_m2: float, plant_only: bool):
        """Location submodel, second step: the zone's cells and their weights; with
        `plant_only` (a founder whose zone has a plant slot left), only the cells with
        `need_m2` free, if any."""
        loc = self.spec.behaviour.location
        cells = self.county.cells_of_zone[zone]
        xs, ys = self.county.cell_xy(cells)
        box = self.neighbourhoods()
        mass = rules.cell_mass(self.mass_coef[stage], box[:, xs, ys])
        has_plant = (self.plant[xs, ys] >= need_m2) & (need_m2 > 0)
        w = rules.cell_weights(mass, has_plant, loc)
        if plant_only and (w * has_plant).sum() > 0:
            w = w * has_plant
        return cells, w

    # ------------------------------------------------------------------ outside investment
    def investor_arrivals(
        self, n_firms: int, publicised_levers: int, rng: np.random.Generator
    ) -> int:
        """How many outside investors look at the county this month."""
        inv = self.spec.behaviour.outside_investment
        rate = rules.investor_arrival_rate(
            inv.base_rate,
            inv.pull,
            n_firms,
            publicised_levers,
            inv.publicity,
            self.spec.behaviour.agglomeration_unit,
        )
        if inv.arrivals == "fixed":
            self.investor_carry += rate
            n = int(self.investor_carry)
            self.investor_carry -= n
            return n
        return int(rng.poisson(rate))

    def investor_stage_weights(self) -> np.ndarray:
        """Stage mix of arriving investors, tilted towards inputs the cluster lacks."""
        inv = self.spec.behaviour.outside_investment
        max_share = max(self.spec.behaviour.sourcing.max_local_share, 1e-9)
        unmet = 1.0 - np.minimum(1.0, self.local_share / max_share)
        return rules.investor_stage_weights(self.investor_shares, unmet, inv.gap_pull)

    # ------------------------------------------------------------------ labour market & credit
    def home_income(self) -> float:
        """What a tailor away expects to earn at home, from last month's labour market."""
        job_p = rules.job_probability(self.last_vacancies, self.last_seekers)
        return rules.expected_home_income(job_p, self.spec.behaviour.wages.home)

    def firm_leverage(self, month: int, zone):
        """Debt allowed per yuan of net worth, by zone (guarantees raise it where they act)."""
        base = self.spec.behaviour.production.credit_leverage
        return self.gov.firm_leverage(base, month, zone)

    def founder_credit_terms(self, month: int, zone):
        """(credit cap, leverage) for founders, by zone."""
        ent = self.spec.behaviour.entrepreneurship
        return self.gov.founder_credit_terms(ent.credit_cap, ent.credit_leverage, month, zone)

    def takeoff_ready(self, month: int) -> bool:
        tk = self.spec.takeoff
        return month >= self.spec.last_lever_end() + tk.months_after_levers
