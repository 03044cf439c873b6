"""The Mesa 3.5 engine: `ClusterModel`, the readable reference implementation.

A month is a plan of named phases (`PHASES`), run in order and timed, so a profile of a run is one
table. Agents (sim.engines.mesa.agents) make their own choices through the shared rules in
`sim.core.rules`; the county around them (counts, plants, budgets, location weights) is the shared
`sim.core.world.World`; this module holds what needs the whole agent population: matching jobs,
entry and exit, and the monthly measures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from mesa.discrete_space import OrthogonalMooreGrid

from sim.core import rules
from sim.core.codes import (
    AWAY,
    EMPLOYED_HOME,
    ENTREPRENEUR,
    FIRM_COLUMNS,
    INCUMBENT,
    ORIGINS,
    OUTSIDE,
    PHASES,
    RETURNEE,
    UNEMPLOYED_HOME,
)
from sim.core.population import draw_firms, draw_tailors
from sim.core.scenario import Scenario
from sim.core.streams import spawn_streams
from sim.core.world import Environment, World
from sim.engines.mesa.agents import Firm, Tailor
from sim.measures.monthly import MonthLog, Snapshot, columns, county_books, firm_aggregates

if TYPE_CHECKING:
    from sim.engines import PhaseHook


@dataclass
class Flows:
    """Counts of events within the current month."""

    returns: int = 0
    departures: int = 0
    births: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=int))
    deaths: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=int))


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
        self.month = 0
        W, H = scenario.space.width, scenario.space.height
        self.grid = OrthogonalMooreGrid((W, H), torus=False, random=self.random)
        self.grid.create_property_layer("rent", default_value=0.0)
        self.grid.create_property_layer("plant_m2", default_value=0.0)
        self.grid.create_property_layer("firm_count", default_value=0, dtype=int)
        self.world = World(scenario, plant=self.grid.plant_m2.data)
        self.chain, self.county, self.gov = self.world.chain, self.world.county, self.world.gov
        self.env = Environment()
        self.flows = Flows()
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)
        self.phase_hook: PhaseHook | None = None  # instrumentation (tests/test_rates.py)
        self.dead_firms: list[dict] = []
        self.local_pool = scenario.population.local_workers
        self.log = MonthLog()
        # what founders read of the location submodel, kept between foundings (`founder_view`)
        self._founder_view: dict[tuple[str, int], object] = {}
        self._init_tailors()
        self._init_firms()
        self.initial_employment = float(self.firms.agg("workers", sum)) if len(self.firms) else 0.0
        self.datacollector = DataCollector(
            model_reporters={
                c: (lambda m, c=c: m.current[c])
                for c in columns(self.chain, self.county, self.gov.names)
            }
        )
        self.world.environment(self.month, self.env, self.streams.production)
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

    def peer_share(self, village: int) -> float:
        """Share of a village's tailors who are home now (seen by the next tailor to decide)."""
        return self.village_home[village] / max(self.village_size[village], 1.0)

    def credit_room(self, firm: Firm) -> float:
        """What a firm may still borrow (`rules.credit_room`; guarantees raise the leverage)."""
        leverage = float(self.world.firm_leverage(self.month, firm.zone))
        return rules.credit_room(firm.capital, firm.debt, leverage)

    # ------------------------------------------------------------------ initialisation
    def _init_tailors(self) -> None:
        init = draw_tailors(self.spec, self.streams.init)
        villages = self.spec.population.villages
        self.village_size = np.bincount(init.village, minlength=villages).astype(float)
        self.village_home = np.bincount(init.village, weights=init.home, minlength=villages)
        self.status_counts = np.zeros(4, dtype=int)
        for i in range(init.skill.size):
            status = UNEMPLOYED_HOME if init.home[i] else AWAY
            Tailor(
                self,
                float(init.skill[i]),
                float(init.savings[i]),
                int(init.village[i]),
                float(init.attachment[i]),
                status,
            )
            self.status_counts[status] += 1

    def _init_firms(self) -> None:
        init = draw_firms(self.spec, self.county, self.chain, self.streams.init)
        for i in range(init.stage.size):
            firm = self._add_firm(
                int(init.cell[i]),
                int(init.stage[i]),
                INCUMBENT,
                anchor=False,
                owner=None,
                capital=float(init.capital[i]),
                debt=0.0,
                target=int(init.workers[i]),
                productivity=float(init.productivity[i]),
                age=int(init.age[i]),
                take_plant=False,
            )
            firm.locals = int(init.workers[i])
            self.local_pool -= firm.locals

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
        guaranteed: float = 0.0,
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
            guaranteed,
        )
        need = float(self.world.plant_need(target))
        if take_plant and self.world.plant[x, y] >= need > 0:
            self.world.plant[x, y] -= need
            firm.plant_m2 = need
            # moving in where the plant lever acts: the rent discount is promised (7.9)
            firm.plant_discount = bool(self.gov.discount_zones(self.month)[zone])
        self._count(firm, +1)
        self._founder_view.clear()  # zone counts and free plant have changed
        if age == 0:
            self.flows.births[origin] += 1
        return firm

    def _count(self, firm: Firm, delta: int) -> None:
        x, y = firm.xy
        self.world.count_firms(firm.stage, firm.zone, x, y, firm.anchor, delta)
        self.grid.firm_count.data[x, y] += delta

    def _remove_firm(self, firm: Firm) -> None:
        """Exit: workers and owner go back to the job market, plant space back to the stock,
        and the guarantor is charged for the firm's guaranteed debt, whenever it was raised."""
        self.gov.charge_guarantees(firm.guaranteed)
        for t in list(firm.staff):
            self.set_status(t, UNEMPLOYED_HOME)
        self.local_pool += firm.locals
        firm.locals = 0
        if firm.owner is not None:
            self.set_status(firm.owner, UNEMPLOYED_HOME)
        if firm.plant_m2 > 0:
            x, y = firm.xy
            self.world.plant[x, y] += firm.plant_m2
        self._count(firm, -1)
        self.flows.deaths[firm.origin] += 1
        self.dead_firms.append(self._firm_record(firm, died=self.month))
        firm.remove()

    def choose_cell(self, stage: int, need_m2: float) -> int:
        """Location submodel: a zone by zone weights, then a cell inside it by cell weights,
        each seeing the entrants before it (sequential choice, as in Arthur's urn)."""
        w = self.world.zone_weights(stage, need_m2, self.month)
        zone = int(rules.choose(w, self.streams.location.random()))
        return self.choose_cell_in(stage, zone, need_m2, plant_only=False)

    def choose_cell_in(self, stage: int, zone: int, need_m2: float, plant_only: bool) -> int:
        """Location submodel, second step: a cell of `zone` by cell weights (with `plant_only`,
        among the cells with `need_m2` of plant free, if there are any)."""
        cells, cw = self.world.cell_weights(stage, zone, need_m2, plant_only)
        return int(cells[int(rules.choose(cw, self.streams.location.random()))])

    def founder_view(self, kind: str, key: int):
        """What a would-be founder reads, as of the last founding: ("zone weights", stage), the
        zone weights of the location submodel for a start-up of that stage; ("slots", zone),
        the start-ups the zone's free plant can still house (`World.plant_slots`). Both change
        only when a firm enters (`_add_firm` clears them), so the many candidates of a month
        between two foundings share one computation."""
        found = self._founder_view.get((kind, key))
        if found is None:
            need = float(
                self.world.plant_need(self.spec.behaviour.entrepreneurship.startup_workers)
            )
            if kind == "zone weights":
                found = self.world.zone_weights(key, need, self.month)
            else:
                found = self.world.plant_slots(key, need)
            self._founder_view[(kind, key)] = found
        return found

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: run every phase of PHASES in order, timing each (`phase_hook` around
        each, when set: `sim.engines.PhaseHook`)."""
        self.month += 1
        self.flows = Flows()
        hook = self.phase_hook
        for phase in PHASES:
            if hook is not None:
                hook(phase, False)
            t0 = time.perf_counter()
            getattr(self, f"_phase_{phase}")()
            self.phase_seconds[phase] += time.perf_counter() - t0
            if hook is not None:
                hook(phase, True)

    def _phase_levers(self) -> None:
        self.world.start_month(self.month)
        self.env.publicised_levers = self.gov.publicised_count(self.month)

    def _phase_migration(self) -> None:
        self.env.home_income = self.world.home_income()
        self.tailors.shuffle_do("migrate")

    def _phase_founding(self) -> None:
        ent = self.spec.behaviour.entrepreneurship
        self.env.owner_income = rules.expected_owner_income(
            self.world.stage_margin, self.chain.output_per_worker, ent.startup_workers
        )
        self.env.founder_stage_weights = self.world.founder_shares
        self._founder_view.clear()  # the plant lever built this month; firms left last month
        candidates = self.tailors.select(
            lambda t: t.status in (EMPLOYED_HOME, UNEMPLOYED_HOME) and t.skill >= ent.skill_min
        )
        candidates.shuffle_do("consider_founding")

    def found_firm(self, tailor: Tailor, stage: int, zone: int) -> None:
        """A tailor who wants to found in `zone` picks a cell there (on free standard plant
        when the zone has a slot left), then founds if it can be financed."""
        ent = self.spec.behaviour.entrepreneurship
        need = float(self.world.plant_need(ent.startup_workers))
        in_plant = self.founder_view("slots", zone) >= 1
        cell = self.choose_cell_in(stage, zone, need, plant_only=in_plant)
        x, y = (int(v) for v in self.county.cell_xy(cell))
        cost = float(rules.startup_cost(self.world.plant[x, y] >= need, ent))
        cap, lev = self.world.founder_credit_terms(self.month, zone)
        credit = float(rules.founder_credit(tailor.savings, float(cap), float(lev)))
        if not rules.can_finance(tailor.savings, credit, cost):
            return
        equity, debt = rules.founder_equity(tailor.savings, cost)
        unguaranteed = float(
            rules.founder_credit(tailor.savings, ent.credit_cap, ent.credit_leverage)
        )
        guaranteed = rules.guaranteed_debt(
            0.0, 0.0, debt, unguaranteed, bool(self.gov.guarantee_zones(self.month)[zone])
        )
        tailor.savings -= equity
        self.set_status(tailor, ENTREPRENEUR)
        self._add_firm(
            cell,
            stage,
            RETURNEE,
            anchor=False,
            owner=tailor,
            capital=equity,
            debt=debt,
            target=ent.startup_workers,
            productivity=self._entry_productivity(self.streams.founding, ent.startup_workers),
            guaranteed=guaranteed,
        )

    def _entry_productivity(self, g: np.random.Generator, workers: int) -> float:
        prod = self.spec.behaviour.production
        return float(rules.entry_productivity(workers, g.standard_normal(), prod))

    def _phase_investment(self) -> None:
        """Outside investment: arrivals, each deciding to stay, then choosing a location."""
        inv = self.spec.behaviour.outside_investment
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.investment
        n = self.world.investor_arrivals(len(self.firms), self.env.publicised_levers, g)
        weights = self.world.investor_stage_weights()
        available = self.status_counts[UNEMPLOYED_HOME] + self.local_pool
        for _ in range(n):
            stage = int(rules.choose(weights, g.random()))
            anchor = bool(g.random() < inv.anchor_share)
            workers = inv.anchor_workers if anchor else inv.workers
            stay = rules.investor_acceptance(
                self.world.stage_margin[stage], available, workers, inv
            )
            if g.random() >= stay:
                continue
            available = max(0, available - workers)
            cell = self.choose_cell(stage, float(self.world.plant_need(workers)))
            capital = rules.entrant_capital(workers, ent)
            self._add_firm(
                cell,
                stage,
                OUTSIDE,
                anchor=anchor,
                owner=None,
                capital=capital,
                debt=0.0,
                target=workers,
                productivity=self._entry_productivity(g, workers),
            )

    def _phase_labour(self) -> None:
        """Hiring submodel: firms set targets, shed workers, then fill vacancies, returned
        tailors first (in random order) and then local workers."""
        g = self.streams.labour
        kpw = self.spec.behaviour.entrepreneurship.capital_per_worker
        base_leverage = self.spec.behaviour.production.credit_leverage
        guarantee = self.gov.guarantee_zones(self.month)
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
        self.world.last_seekers = float(len(seekers))
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
            new_debt = rules.machine_debt(max(f.workers - before[f], 0), f.age, kpw)
            f.guaranteed = rules.guaranteed_debt(
                f.guaranteed, f.debt, new_debt,
                rules.credit_room(f.capital, 0.0, base_leverage), bool(guarantee[f.zone]),
            )  # fmt: skip
            f.debt += new_debt
        self.world.last_vacancies = float(vacancies)

    def _phase_production(self) -> None:
        self.world.environment(self.month, self.env, self.streams.production)
        self.grid.rent.data[:] = self.env.rent
        self.firms.do("produce")

    def _phase_accounts(self) -> None:
        """Government, second half: grant lever support within budgets; firms settle and pay
        their taxes."""
        firms = self.firms
        requested = np.zeros(len(self.gov.support))
        tax_parts = np.zeros(len(self.gov.support))
        for f in firms:
            requested += f.requests
            tax_parts += f.tax_parts
        share = self.gov.grant_support(requested, tax_parts, self.month)
        firms.do("settle", share)
        out = np.zeros(self.chain.n)
        profit = np.zeros(self.chain.n)
        income_tax = 0.0
        for f in firms:
            out[f.stage] += f.output
            profit[f.stage] += f.profit
            income_tax += f.income_tax
        self.gov.collect_taxes(float(out.sum()), income_tax)
        self.world.record_accounts(out, profit)

    def _phase_exit(self) -> None:
        for f in self.firms.select(lambda f: f.should_exit()).to_list():
            self._remove_firm(f)

    def _phase_measures(self) -> None:
        self.current = self._measure()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ measures and tables
    def _measure(self) -> dict[str, float]:
        """Record the month's aggregates (`MonthLog`) and return its row of measures."""
        snap = self.snapshot()
        self.log.record(
            month=self.month,
            **firm_aggregates(snap, self.world),
            **county_books(self.world, self.month),
            status_counts=snap.status_counts,
            returns=snap.returns,
            departures=snap.departures,
            births=snap.births,
            deaths=snap.deaths,
        )
        return self.log.last_row(self.world, self.initial_employment)

    def snapshot(self) -> Snapshot:
        """End-of-month state of the living firms and the month's flows."""
        firms = self.firms.to_list()

        def arr(fn, dtype=float) -> np.ndarray:
            return np.fromiter((fn(f) for f in firms), dtype=dtype, count=len(firms))

        return Snapshot(
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
            "guaranteed_debt": f.guaranteed,
            "productivity": f.productivity,
            "age_months": f.age,
            "in_plant": f.plant_m2 > 0,
            "output": f.output,
            "profit": f.profit,
        }

    def timeseries(self) -> pd.DataFrame:
        """One row per month, as the DataCollector recorded them."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def firm_table(self) -> pd.DataFrame:
        """Every firm that ever lived: the living at their final state, the dead at exit."""
        rows = self.dead_firms + [self._firm_record(f, died=-1) for f in self.firms]
        if not rows:
            return pd.DataFrame(columns=FIRM_COLUMNS)
        return pd.DataFrame(rows, columns=FIRM_COLUMNS).sort_values("firm_id", ignore_index=True)
