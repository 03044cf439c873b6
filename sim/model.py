"""The Mesa 3.5 engine: `ClusterModel`, the readable reference implementation.

A month is a plan of named phases (`PHASES`), run in order and timed, so a profile of a run is one
table. Agents (sim.agents) make individual choices through the shared rules in `sim.rules`; this
module holds what needs the whole population: the month's environment, labour-market matching,
location choice, lever budgets and the monthly measures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from mesa import DataCollector, Model
from mesa.discrete_space import OrthogonalMooreGrid

from sim import rules
from sim.agents import Firm, Tailor
from sim.chain import build_chain
from sim.government import LEVERS, Government
from sim.measures import (
    AWAY,
    EMPLOYED_HOME,
    ENTREPRENEUR,
    ORIGINS,
    UNEMPLOYED_HOME,
    Snapshot,
    columns,
    monthly_measures,
)
from sim.scenario import Scenario
from sim.space import build_county, place_plant
from sim.streams import spawn_streams

INCUMBENT, RETURNEE, OUTSIDE = range(3)
FIRM_COLUMNS = [
    "firm_id",
    "stage",
    "zone",
    "x",
    "y",
    "origin",
    "anchor",
    "born",
    "died",
    "alive",
    "workers",
    "tailor_workers",
    "local_workers",
    "capital",
    "debt",
    "productivity",
    "age_months",
    "in_plant",
    "output",
    "profit",
]
PHASES = (
    "levers",
    "migration",
    "founding",
    "investment",
    "labour",
    "production",
    "accounts",
    "exit",
    "measures",
)


@dataclass
class Flows:
    """Counts of events within the current month."""

    returns: int = 0
    departures: int = 0
    births: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=int))
    deaths: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=int))


@dataclass
class Environment:
    """What agents see of the whole in a month (computed by the model, read by agents)."""

    home_income: float = 0.0
    active_levers: int = 0
    founder_stage_weights: np.ndarray = field(default_factory=lambda: np.ones(1))
    owner_income: np.ndarray = field(default_factory=lambda: np.zeros(1))
    plant_available: bool = False
    box: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 1)))
    demand: np.ndarray = field(default_factory=lambda: np.ones(1))
    input_cost_share: np.ndarray = field(default_factory=lambda: np.zeros(1))
    rent: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    lever_terms: np.ndarray = field(default_factory=lambda: np.zeros((3, 1)))
    local_share: np.ndarray = field(default_factory=lambda: np.zeros(1))


def stage_share_vector(shares: dict[str, float], stages: tuple[str, ...]) -> np.ndarray:
    """A scenario's stage shares as a normalised vector (uniform when none are given)."""
    v = (
        np.array([shares.get(s, 0.0) for s in stages], dtype=float)
        if shares
        else np.ones(len(stages))
    )
    return v / v.sum()


class ClusterModel(Model):
    """Agent-based model of a garment cluster forming in a home county.

    Args:
        scenario: a validated Scenario (see sim.load_scenario).
        seed: overrides scenario.run.seed; one seed fixes the whole run bit for bit.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.run.seed if seed is None else seed
        self.streams = spawn_streams(seed)
        super().__init__(rng=self.streams.mesa)
        self.spec = scenario
        self.seed_value = seed
        self.month = 0
        self.chain = build_chain(scenario)
        self.county = build_county(scenario)
        self.gov = Government.from_scenario(scenario, self.county)
        self.env = Environment()
        self.flows = Flows()
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)
        S, W, H = self.chain.n, self.county.width, self.county.height
        r = scenario.behaviour.externalities.radius

        self.grid = OrthogonalMooreGrid((W, H), torus=False, random=self.random)
        self.grid.create_property_layer("rent", default_value=0.0)
        self.grid.create_property_layer("plant_m2", default_value=0.0)
        self.grid.create_property_layer("firm_count", default_value=0, dtype=int)
        self.base_rent_grid = self.county.base_rent[self.county.zone_of_cell]
        self.cells_nbhd = rules.box_sum(np.ones((W, H)), r)
        self.plant_built = np.zeros(W * H)  # m2 ever built per flat cell
        self._build_plant(self.county.initial_plant_m2)

        self.counts = np.zeros((S, W, H))  # living firms by stage and cell
        self.zone_counts = np.zeros((S, self.county.n_zones))  # anchor-weighted, for location
        self.box = np.zeros((S, W, H))  # neighbourhood sums of `counts`
        self.demand_log = np.zeros(S)
        self.local_share = np.zeros(S)
        self.last_vacancies = 0.0
        self.last_seekers = 0.0
        self.investor_carry = 0.0
        self.stage_margin = np.full(S, scenario.chain.base_margin)
        self.founder_shares = stage_share_vector(
            scenario.behaviour.entrepreneurship.stage_shares, self.chain.stages
        )
        self.investor_shares = stage_share_vector(
            scenario.behaviour.outside_investment.stage_shares, self.chain.stages
        )

        self.dead_firms: list[dict] = []
        self._init_tailors()
        self.local_pool = scenario.population.local_workers
        self._init_firms()
        self.initial_employment = float(self.firms.agg("workers", sum)) if len(self.firms) else 0.0
        self.datacollector = DataCollector(
            model_reporters={
                c: (lambda m, c=c: m.current[c]) for c in columns(self.chain, self.county)
            }
        )
        self._compute_environment()
        self.current = self._measure()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ agent sets and state
    @property
    def tailors(self):
        return self.agents_by_type.get(Tailor, self.agents.select(lambda a: False))

    @property
    def firms(self):
        return self.agents_by_type.get(Firm, self.agents.select(lambda a: False))

    def set_status(self, tailor: Tailor, status: int) -> None:
        """Change a tailor's status, keeping status and village counts in step."""
        self.status_counts[tailor.status] -= 1
        self.status_counts[status] += 1
        was_home, now_home = tailor.status != AWAY, status != AWAY
        if was_home != now_home:
            self.village_home[tailor.village] += 1 if now_home else -1
        if status != EMPLOYED_HOME and tailor.employer is not None:
            tailor.employer.staff.remove(tailor)
            tailor.employer = None
        if status in (AWAY, UNEMPLOYED_HOME):
            tailor.months_jobless = 0
        tailor.status = status

    @property
    def village_home_share(self) -> np.ndarray:
        return self.village_home / np.maximum(self.village_size, 1)

    def credit_limit(self, firm: Firm) -> float:
        """How much a firm may owe: a multiple of its net worth (guarantees raise it)."""
        lev = self.spec.behaviour.production.credit_leverage
        fin = self.spec.levers.financing
        if self.gov.eligible("financing", self.month, firm.zone):
            lev = max(lev, fin.firm_credit_leverage)
        return lev * max(firm.capital, 0.0)

    # ------------------------------------------------------------------ initialisation
    def _init_tailors(self) -> None:
        pop = self.spec.population
        g = self.streams.init
        n = pop.tailors
        skill = g.beta(pop.skill_beta[0], pop.skill_beta[1], n)
        sigma = pop.savings_sigma
        savings = (
            g.lognormal(np.log(max(pop.savings_mean, 1e-9)) - sigma**2 / 2, sigma, n)
            if pop.savings_mean > 0
            else np.zeros(n)
        )
        village = g.integers(0, pop.villages, n)
        attachment = g.normal(0.0, self.spec.behaviour.return_migration.attachment_sd, n)
        home = g.random(n) < pop.initial_home_share
        self.village_size = np.bincount(village, minlength=pop.villages).astype(float)
        self.village_home = np.bincount(village, weights=home, minlength=pop.villages)
        self.status_counts = np.zeros(4, dtype=int)
        for i in range(n):
            status = UNEMPLOYED_HOME if home[i] else AWAY
            Tailor(
                self,
                float(skill[i]),
                float(savings[i]),
                int(village[i]),
                float(attachment[i]),
                status,
            )
            self.status_counts[status] += 1

    def _init_firms(self) -> None:
        pop = self.spec.population
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.init
        for group in pop.initial_firms:
            stage = self.chain.index(group.stage)
            zone = self.county.zone_index(group.zone)
            for _ in range(group.count):
                cell_flat = int(g.choice(self.county.cells_of_zone[zone]))
                workers = min(group.workers, self.local_pool)
                self.local_pool -= workers
                firm = self._add_firm(
                    cell_flat,
                    stage,
                    INCUMBENT,
                    anchor=False,
                    owner=None,
                    capital=ent.startup_fixed_cost + ent.capital_per_worker * workers,
                    debt=0.0,
                    target=workers,
                    productivity=self._draw_productivity(g, workers),
                    age=int(g.integers(24, 121)),
                    take_plant=False,
                )
                firm.locals = workers

    def _draw_productivity(self, g: np.random.Generator, workers: int) -> float:
        return float(
            rules.entry_productivity(workers, g.standard_normal(), self.spec.behaviour.production)
        )

    def _build_plant(self, m2_by_zone: np.ndarray) -> None:
        """Add plant floor space to zones, block by block from each zone's centre."""
        layer = self.grid.plant_m2.data
        for z, m2 in enumerate(m2_by_zone):
            if m2 > 0:
                added = place_plant(
                    self.plant_built,
                    self.county.plant_sites[z],
                    float(m2),
                    self.county.plant_cell_capacity_m2,
                )
                self.plant_built += added
                layer += added.reshape(layer.shape)

    # ------------------------------------------------------------------ firms: entry and exit
    def _add_firm(
        self,
        cell_flat: int,
        stage: int,
        origin: int,
        anchor: bool,
        owner: Tailor | None,
        capital: float,
        debt: float,
        target: int,
        productivity: float,
        age: int = 0,
        take_plant: bool = True,
    ) -> Firm:
        x, y = (int(v) for v in self.county.cell_xy(cell_flat))
        zone = int(self.county.zone_of_cell[x, y])
        firm = Firm(
            self,
            self.grid[(x, y)],
            stage,
            zone,
            origin,
            anchor,
            owner,
            capital,
            debt,
            productivity,
            target,
            age,
        )
        need = self._plant_need(target)
        if take_plant and self.grid.plant_m2.data[x, y] >= need > 0:
            self.grid.plant_m2.data[x, y] -= need
            firm.plant_m2 = need
        self._bump(firm, +1)
        if age == 0:
            self.flows.births[origin] += 1
        return firm

    def _plant_need(self, workers: int) -> float:
        prod = self.spec.behaviour.production
        return prod.m2_per_worker * workers * prod.plant_headroom

    def _bump(self, firm: Firm, delta: int) -> None:
        """Update firm counts, zone counts and neighbourhood sums for one entry or exit."""
        x, y = firm.xy
        s, r = firm.stage, self.spec.behaviour.externalities.radius
        self.counts[s, x, y] += delta
        self.grid.firm_count.data[x, y] += delta
        weight = self.spec.behaviour.outside_investment.anchor_weight if firm.anchor else 1.0
        self.zone_counts[s, firm.zone] += delta * weight
        self.box[s, max(0, x - r) : x + r + 1, max(0, y - r) : y + r + 1] += delta

    def _remove_firm(self, firm: Firm) -> None:
        """Exit: workers and owner go back to the job market, plant space back to the stock,
        and a guaranteed share of the firm's debt is repaid by the financing lever."""
        if firm.debt > 0 and self.gov.eligible("financing", self.month, firm.zone):
            share = self.spec.levers.financing.guarantee_share
            self.gov.grant("financing", share * firm.debt, self.month)
        for t in list(firm.staff):
            self.set_status(t, UNEMPLOYED_HOME)
        self.local_pool += firm.locals
        firm.locals = 0
        if firm.owner is not None:
            self.set_status(firm.owner, UNEMPLOYED_HOME)
        if firm.plant_m2 > 0:
            x, y = firm.xy
            self.grid.plant_m2.data[x, y] += firm.plant_m2
        self._bump(firm, -1)
        self.flows.deaths[firm.origin] += 1
        self.dead_firms.append(self._firm_record(firm, died=self.month))
        firm.remove()

    # ------------------------------------------------------------------ location choice
    def choose_cell(self, stage: int, need_m2: float, plant_only: bool = False) -> int:
        """Location submodel: a zone by zone weights, then a cell inside it by cell weights.

        With `plant_only` (a founder who counts on a standard plant) only zones and cells with
        enough free plant are considered, when there are any.
        """
        loc = self.spec.behaviour.location
        g = self.streams.location
        same = self.zone_counts.sum(axis=0) if loc.count_all_stages else self.zone_counts[stage]
        linked = self.chain.linked[stage] @ self.zone_counts
        plant = self.grid.plant_m2.data
        zone_plant = np.array(
            [plant.ravel()[c].max(initial=0.0) >= need_m2 > 0 for c in self.county.cells_of_zone],
            dtype=float,
        )
        w = rules.zone_weights(
            self.county.area,
            same,
            linked,
            self.county.advantage,
            self.county.base_rent,
            zone_plant,
            self.gov.zone_policy(self.month),
            loc,
        )
        if plant_only and (w * zone_plant).sum() > 0:
            w = w * zone_plant
        zone = int(rules.choose(w, g.random()))
        cells = self.county.cells_of_zone[zone]
        xs, ys = self.county.cell_xy(cells)
        box_same = self.box.sum(axis=0)[xs, ys] if loc.count_all_stages else self.box[stage, xs, ys]
        box_linked = np.tensordot(self.chain.linked[stage], self.box[:, xs, ys], axes=1)
        has_plant = (plant[xs, ys] >= need_m2) & (need_m2 > 0)
        cw = rules.cell_weights(box_same, box_linked, has_plant, loc)
        if plant_only and (cw * has_plant).sum() > 0:
            cw = cw * has_plant
        return int(cells[int(rules.choose(cw, g.random()))])

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: run every phase of PHASES in order, timing each."""
        self.month += 1
        self.flows = Flows()
        for phase in PHASES:
            t0 = time.perf_counter()
            getattr(self, f"_phase_{phase}")()
            self.phase_seconds[phase] += time.perf_counter() - t0

    def _phase_levers(self) -> None:
        """Government, first half: build standard plants while the plant lever is active."""
        lever = self.spec.levers.plant_supply
        if not self.gov.active("plant_supply", self.month) or lever.construction_cost_per_m2 <= 0:
            self.env.active_levers = self.gov.active_count(self.month)
            return
        cost = lever.m2_per_month * lever.construction_cost_per_m2
        share = self.gov.grant("plant_supply", cost, self.month)
        eligible = self.gov.eligible_zones["plant_supply"]
        area = self.county.area * eligible
        if area.sum() > 0 and share > 0:
            self._build_plant(lever.m2_per_month * share * area / area.sum())
        self.env.active_levers = self.gov.active_count(self.month)

    def _phase_migration(self) -> None:
        b = self.spec.behaviour
        job_p = rules.job_probability(self.last_vacancies, self.last_seekers)
        self.env.home_income = rules.expected_home_income(job_p, b.wages.home)
        self.tailors.shuffle_do("migrate")

    def _phase_founding(self) -> None:
        ent = self.spec.behaviour.entrepreneurship
        self.env.owner_income = rules.expected_owner_income(
            self.stage_margin, self.chain.output_per_worker, ent.startup_workers
        )
        self.env.founder_stage_weights = self.founder_shares
        need = self._plant_need(ent.startup_workers)
        self.env.plant_available = bool(need > 0 and self.grid.plant_m2.data.max() >= need)
        candidates = self.tailors.select(
            lambda t: t.status in (EMPLOYED_HOME, UNEMPLOYED_HOME) and t.skill >= ent.skill_min
        )
        candidates.shuffle_do("consider_founding")

    def found_firm(self, tailor: Tailor, stage: int) -> None:
        """A tailor who wants to found picks a location, then founds if it can be financed."""
        ent = self.spec.behaviour.entrepreneurship
        need = self._plant_need(ent.startup_workers)
        cell = self.choose_cell(stage, need, plant_only=self.env.plant_available)
        x, y = (int(v) for v in self.county.cell_xy(cell))
        has_plant = self.grid.plant_m2.data[x, y] >= need
        cost = float(rules.startup_cost(has_plant, ent))
        cap, lev = ent.credit_cap, ent.credit_leverage
        zone = int(self.county.zone_of_cell[x, y])
        if self.gov.eligible("financing", self.month, zone):
            fin = self.spec.levers.financing
            cap, lev = max(cap, fin.founder_credit_cap), max(lev, fin.founder_credit_leverage)
        credit = float(rules.founder_credit(tailor.savings, cap, lev))
        if tailor.savings + credit < cost:
            return
        equity = min(tailor.savings, cost)
        tailor.savings -= equity
        self.set_status(tailor, ENTREPRENEUR)
        self._add_firm(
            cell,
            stage,
            RETURNEE,
            anchor=False,
            owner=tailor,
            capital=equity,
            debt=cost - equity,
            target=ent.startup_workers,
            productivity=self._draw_productivity(self.streams.founding, ent.startup_workers),
        )

    def _phase_investment(self) -> None:
        inv = self.spec.behaviour.outside_investment
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.investment
        rate = rules.investor_arrival_rate(
            inv.base_rate, inv.pull, len(self.firms), self.env.active_levers, inv.policy
        )
        if inv.arrivals == "fixed":
            self.investor_carry += rate
            n = int(self.investor_carry)
            self.investor_carry -= n
        else:
            n = int(g.poisson(rate))
        unmet = 1.0 - np.minimum(
            1.0, self.local_share / max(self.spec.behaviour.sourcing.max_local_share, 1e-9)
        )
        weights = rules.investor_stage_weights(self.investor_shares, unmet, inv.gap_pull)
        available = self.status_counts[UNEMPLOYED_HOME] + self.local_pool
        for _ in range(n):
            stage = int(rules.choose(weights, g.random()))
            anchor = bool(g.random() < inv.anchor_share)
            workers = inv.anchor_workers if anchor else inv.workers
            if g.random() >= rules.investor_acceptance(
                self.stage_margin[stage], available, workers, inv
            ):
                continue
            available = max(0, available - workers)
            cell = self.choose_cell(stage, self._plant_need(workers))
            capital = ent.startup_fixed_cost + ent.capital_per_worker * workers
            self._add_firm(
                cell,
                stage,
                OUTSIDE,
                anchor=anchor,
                owner=None,
                capital=capital,
                debt=0.0,
                target=workers,
                productivity=self._draw_productivity(g, workers),
            )

    def _phase_labour(self) -> None:
        """Hiring submodel: firms set targets, shed workers, then fill vacancies, returned
        tailors first (in random order) and then local workers."""
        g = self.streams.labour
        kpw = self.spec.behaviour.entrepreneurship.capital_per_worker
        firms = self.firms.shuffle()
        firms.do("plan_employment")
        for f in firms:
            cut = f.workers - f.target
            if cut > 0:
                n_tailors = int(g.hypergeometric(len(f.staff), f.locals, cut)) if f.locals else cut
                for idx in sorted(g.choice(len(f.staff), n_tailors, replace=False), reverse=True):
                    self.set_status(f.staff[idx], UNEMPLOYED_HOME)
                f.locals -= cut - n_tailors
                self.local_pool += cut - n_tailors
        seekers = self.tailors.select(lambda t: t.status == UNEMPLOYED_HOME).shuffle().to_list()
        self.last_seekers = float(len(seekers))
        before = {f: f.workers for f in firms}
        vacancies = 0
        for f in firms:
            gap = f.target - f.workers
            if gap <= 0:
                continue
            vacancies += gap
            for _ in range(min(gap, len(seekers))):
                t = seekers.pop()
                self.set_status(t, EMPLOYED_HOME)
                t.employer = f
                f.staff.append(t)
        for f in firms:
            take = min(max(f.target - f.workers, 0), self.local_pool)
            f.locals += take
            self.local_pool -= take
            if f.age > 0:  # machines for workers beyond the start-up team are bought on credit
                f.debt += kpw * max(f.workers - before[f], 0)
        self.last_vacancies = float(vacancies)

    def _compute_environment(self) -> None:
        """The month's shared environment: neighbourhood sums, rents, demand, sourcing."""
        b = self.spec.behaviour
        env = self.env
        self.box = rules.box_sum(self.counts, b.externalities.radius)
        env.box = self.box
        env.rent = rules.congested_rent(
            self.base_rent_grid, self.box.sum(axis=0), self.cells_nbhd, b.congestion.rent_elasticity
        )
        self.grid.rent.data[:] = env.rent
        ps = b.production
        eps = self.streams.production.standard_normal(self.chain.n)
        self.demand_log = ps.demand_persistence * self.demand_log + ps.demand_shock_sd * eps
        env.demand = np.exp(self.demand_log)
        env.local_share = self.local_share
        env.input_cost_share = rules.input_cost_share(
            self.chain.io, self.chain.input_share, self.local_share, b.sourcing.saving
        )
        env.lever_terms = np.array(
            [self.gov.eligible_zones[n] * self.gov.active(n, self.month) for n in LEVERS],
            dtype=float,
        )

    def _phase_production(self) -> None:
        self._compute_environment()
        self.firms.do("produce")

    def _phase_accounts(self) -> None:
        """Government, second half: grant lever support within budgets; firms settle."""
        firms = self.firms
        requested = np.zeros(3)
        for f in firms:
            requested += f.requests
        share = np.array(
            [self.gov.grant(n, requested[i], self.month) for i, n in enumerate(LEVERS)]
        )
        firms.do("settle", share)
        # what entrants expect, and local sourcing next month, from this month's accounts
        out = np.zeros(self.chain.n)
        profit = np.zeros(self.chain.n)
        for f in firms:
            out[f.stage] += f.output
            profit[f.stage] += f.profit
        self.stage_margin = rules.stage_margins(profit, out, self.spec.chain.base_margin)
        self.local_share = rules.local_supply_share(
            out, self.chain.io @ out, self.spec.behaviour.sourcing.max_local_share
        )

    def _phase_exit(self) -> None:
        for f in self.firms.select(lambda f: f.should_exit()).to_list():
            self._remove_firm(f)

    def _phase_measures(self) -> None:
        self.current = self._measure()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ measures and tables
    def _measure(self) -> dict[str, float]:
        firms = self.firms.to_list()
        arr = lambda fn, dt=float: np.fromiter((fn(f) for f in firms), dtype=dt, count=len(firms))  # noqa: E731
        snap = Snapshot(
            month=self.month,
            stage=arr(lambda f: f.stage, int),
            zone=arr(lambda f: f.zone, int),
            x=arr(lambda f: f.xy[0], int),
            y=arr(lambda f: f.xy[1], int),
            workers=arr(lambda f: f.workers),
            tailor_workers=arr(lambda f: len(f.staff)),
            output=arr(lambda f: f.output),
            profit=arr(lambda f: f.profit),
            status_counts=self.status_counts.copy(),
            returns=self.flows.returns,
            departures=self.flows.departures,
            births=self.flows.births.copy(),
            deaths=self.flows.deaths.copy(),
            local_share=self.local_share.copy(),
            plant_free_m2=float(self.grid.plant_m2.data.sum()),
        )
        tk = self.spec.takeoff
        ready = self.month >= self.spec.last_lever_end() + tk.months_after_levers
        return monthly_measures(
            snap,
            self.chain,
            self.county,
            self.gov,
            self.initial_employment,
            ready,
            tk.min_completeness,
            tk.employment_multiple,
        )

    def _firm_record(self, f: Firm, died: int) -> dict:
        x, y = f.xy
        return {
            "firm_id": f.unique_id,
            "stage": self.chain.stages[f.stage],
            "zone": self.county.zone_names[f.zone],
            "x": x,
            "y": y,
            "origin": ORIGINS[f.origin],
            "anchor": f.anchor,
            "born": f.born,
            "died": died,
            "alive": died < 0,
            "workers": f.workers,
            "tailor_workers": len(f.staff),
            "local_workers": f.locals,
            "capital": f.capital,
            "debt": f.debt,
            "productivity": f.productivity,
            "age_months": f.age,
            "in_plant": f.plant_m2 > 0,
            "output": f.output,
            "profit": f.profit,
        }

    def firm_table(self):
        """Every firm that ever lived: the living at their final state, the dead at exit."""
        import pandas as pd

        rows = self.dead_firms + [self._firm_record(f, died=-1) for f in self.firms]
        if not rows:
            return pd.DataFrame(columns=FIRM_COLUMNS)
        return pd.DataFrame(rows, columns=FIRM_COLUMNS).sort_values("firm_id", ignore_index=True)
