"""The vectorized NumPy engine: the same model as sim.model, as a structure of arrays.

Tailors are fixed-length arrays, firms a growing `Table`. Every phase is whole-array work: no
Python loop runs over agents (loops run over stages, zones or levers only). The rules are the same
functions of `sim.rules`, called with arrays, and the county is the same `sim.world.World`.

Where the Mesa engine lets agents act one after another within a month, this engine lets a phase's
agents act on the state at the start of the phase. docs/model.md ("The vector engine") lists each
such point; the equivalence tests (tests/test_equivalence.py) are the evidence that the
differences do not show in the measures.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sim import rules
from sim.government import LEVERS
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
from sim.model import FIRM_COLUMNS, INCUMBENT, OUTSIDE, PHASES, RETURNEE
from sim.population import draw_firms, draw_tailors
from sim.scenario import Scenario
from sim.soa import FIRM_FIELDS, Table
from sim.streams import spawn_streams
from sim.world import Environment, World


def _rank_within_groups(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each element, its rank by `keys` among the elements of the same group."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, order.size]))
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(order.size) - run_start
    return ranks


class VectorModel:
    """Vectorized engine; the same constructor, `step` and outputs as `ClusterModel`."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.run.seed if seed is None else seed
        self.spec = scenario
        self.streams = spawn_streams(seed)
        self.month = 0
        self.world = World(scenario)
        self.chain, self.county, self.gov = self.world.chain, self.world.county, self.world.gov
        self.env = Environment()
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)
        self._reset_flows()
        self.rows: list[dict[str, float]] = []

        init = draw_tailors(scenario, self.streams.init)
        n = init.skill.size
        self.skill = init.skill.astype(np.float32)
        self.savings = init.savings.astype(np.float64)
        self.village = init.village.astype(np.int32)
        self.attachment = init.attachment.astype(np.float32)
        self.status = np.where(init.home, UNEMPLOYED_HOME, AWAY).astype(np.int8)
        self.jobless = np.zeros(n, dtype=np.int16)
        self.employer = np.full(n, -1, dtype=np.int64)
        self.village_size = np.bincount(self.village, minlength=scenario.population.villages)

        self.firms = Table(
            FIRM_FIELDS, capacity=max(64, 2 * len(scenario.population.initial_firms))
        )
        self.local_pool = scenario.population.local_workers
        f = draw_firms(scenario, self.county, self.chain, self.streams.init)
        slots = self._add_firms(
            f.cell,
            f.stage,
            INCUMBENT,
            np.zeros(f.stage.size, dtype=bool),
            -1,
            f.capital,
            0.0,
            f.workers,
            f.productivity,
            age=f.age,
            take_plant=False,
        )
        self.firms.locals[slots] = f.workers
        self.local_pool -= int(f.workers.sum())
        self.initial_employment = float(f.workers.sum())
        self.world.environment(self.month, self.env, self.streams.production)
        self.current = self._measure()
        self.rows.append(self.current)

    # ------------------------------------------------------------------ helpers
    def _reset_flows(self) -> None:
        self.returns = 0
        self.departures = 0
        self.births = np.zeros(3, dtype=int)
        self.deaths = np.zeros(3, dtype=int)

    @property
    def status_counts(self) -> np.ndarray:
        return np.array([np.count_nonzero(self.status == k) for k in range(4)])

    def _alive(self) -> np.ndarray:
        return np.flatnonzero(self.firms.alive)

    def _add_firms(
        self,
        cells,
        stage,
        origin,
        anchor,
        owner,
        capital,
        debt,
        target,
        productivity,
        age=0,
        take_plant=True,
    ) -> np.ndarray:
        """Create firms at flat cells; with `take_plant`, entrants take standard plant where their
        cell has enough left, first come (in the given order) first served."""
        cells = np.asarray(cells, dtype=np.int64)
        k = cells.size
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        x, y = self.county.cell_xy(cells)
        zone = self.county.zone_of_cell[x, y].astype(np.int64)
        target = np.broadcast_to(np.asarray(target, dtype=np.int64), (k,))
        slots = self.firms.append(
            k,
            alive=True,
            stage=stage,
            zone=zone,
            x=x,
            y=y,
            origin=origin,
            anchor=anchor,
            owner=owner,
            capital=capital,
            debt=debt,
            target=target,
            productivity=productivity,
            age=age,
            born=self.month,
        )
        need = np.asarray(self.world.plant_need(target), dtype=float)
        if isinstance(take_plant, np.ndarray):  # the caller decided who gets plant
            gets = take_plant
        elif take_plant:
            free = self.world.plant[x, y]
            prior = _cumulative_within(cells, need)  # need of earlier entrants in the same cell
            gets = (need > 0) & (free - prior >= need)
        if take_plant is not False:
            np.subtract.at(self.world.plant, (x[gets], y[gets]), need[gets])
            self.firms.plant_m2[slots[gets]] = need[gets]
        self.world.count_firms(
            np.broadcast_to(stage, (k,)), zone, x, y, np.broadcast_to(anchor, (k,)), +1
        )
        if np.ndim(age) == 0 and age == 0:
            self.births[origin] += k
        return slots

    def _choose_cells(
        self, stages: np.ndarray, need: np.ndarray, plant_only: bool, g: np.random.Generator
    ) -> np.ndarray:
        """Location submodel for a batch of entrants: zone, then cell, all on the counts at the
        start of the batch (entrants of one month do not see each other)."""
        u_zone, u_cell = g.random(stages.size), g.random(stages.size)
        cells = np.empty(stages.size, dtype=np.int64)
        for s in np.unique(stages):
            for nd in np.unique(need[stages == s]):
                idx = np.flatnonzero((stages == s) & (need == nd))
                w = self.world.zone_weights(int(s), float(nd), self.month, plant_only)
                zones = np.atleast_1d(rules.choose(w, u_zone[idx]))
                for z in np.unique(zones):
                    sub = idx[zones == z]
                    zone_cells, cw = self.world.cell_weights(int(s), int(z), float(nd), plant_only)
                    cells[sub] = zone_cells[np.atleast_1d(rules.choose(cw, u_cell[sub]))]
        return cells

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        self.month += 1
        self._reset_flows()
        for phase in PHASES:
            t0 = time.perf_counter()
            getattr(self, f"_phase_{phase}")()
            self.phase_seconds[phase] += time.perf_counter() - t0

    def _phase_levers(self) -> None:
        self.world.construct_plants(self.month)
        self.env.active_levers = self.gov.active_count(self.month)

    def _phase_migration(self) -> None:
        """Return migration on the peer shares at the start of the month.

        Whole-population masks instead of index lists: most tailors are away, so computing the
        return probability for everyone and masking is cheaper than gathering the away ones.
        """
        spec = self.spec.behaviour
        wages = spec.wages
        u = self.streams.migration.random(self.status.size)
        away = self.status == AWAY
        jobless = self.status == UNEMPLOYED_HOME
        saved = np.array([wages.coastal, wages.home, 0.0, 0.0]) * wages.saving_rate
        self.savings += saved[self.status]  # by status: away, employed at home, other
        home = np.bincount(self.village, weights=~away, minlength=self.village_size.size)
        share = home / np.maximum(self.village_size, 1)
        p = rules.return_probability(
            self.world.home_income(),
            wages.coastal,
            share[self.village],
            self.env.active_levers,
            self.attachment,
            spec.return_migration,
        )
        back = np.flatnonzero(away & (u < p))
        self.jobless[jobless] += 1
        stay_p = rules.leave_probability(self.jobless, spec.return_migration)
        leave = np.flatnonzero(jobless & (u < stay_p))
        self.status[back] = UNEMPLOYED_HOME
        self.jobless[back] = 0
        self.status[leave] = AWAY
        self.jobless[leave] = 0
        self.returns, self.departures = int(back.size), int(leave.size)

    def _phase_founding(self) -> None:
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.founding
        owner_income = rules.expected_owner_income(
            self.world.stage_margin, self.chain.output_per_worker, ent.startup_workers
        )
        plant_available = self.world.plant_available(ent.startup_workers)
        home = (self.status == EMPLOYED_HOME) | (self.status == UNEMPLOYED_HOME)
        cand = np.flatnonzero(home & (self.skill >= ent.skill_min))
        stage = np.atleast_1d(rules.choose(self.world.founder_shares, g.random(cand.size)))
        p = rules.founding_probability(
            owner_income[stage], self.spec.behaviour.wages.home, plant_available, ent
        )
        tries = g.random(cand.size) < p
        who, stage = cand[tries], stage[tries]
        if who.size == 0:
            return
        order = g.permutation(who.size)  # who founds first where plant is short
        who, stage = who[order], stage[order]
        need = float(self.world.plant_need(ent.startup_workers))
        cells = self._choose_cells(
            stage, np.full(who.size, need), plant_available, self.streams.location
        )
        x, y = self.county.cell_xy(cells)
        prior = _cumulative_within(cells, np.full(who.size, need))
        has_plant = self.world.plant[x, y] - prior >= need
        cost = rules.startup_cost(has_plant, ent)
        cap, lev = self.world.founder_credit_terms(self.month, self.county.zone_of_cell[x, y])
        ok = self.savings[who] + rules.founder_credit(self.savings[who], cap, lev) >= cost
        who, stage, cells, cost = who[ok], stage[ok], cells[ok], cost[ok]
        equity = np.minimum(self.savings[who], cost)
        self.savings[who] -= equity
        self._leave_jobs(who)
        self.status[who] = ENTREPRENEUR
        prod = rules.entry_productivity(
            ent.startup_workers, g.standard_normal(who.size), self.spec.behaviour.production
        )
        self._add_firms(
            cells,
            stage,
            RETURNEE,
            np.zeros(who.size, dtype=bool),
            who,
            equity,
            cost - equity,
            ent.startup_workers,
            prod,
            take_plant=has_plant[ok],
        )

    def _leave_jobs(self, who: np.ndarray) -> None:
        """Tailors in `who` stop working for their employer (if any)."""
        emp = self.employer[who]
        has = emp >= 0
        np.subtract.at(self.firms.tailors, emp[has], 1)
        self.employer[who] = -1

    def _phase_investment(self) -> None:
        inv = self.spec.behaviour.outside_investment
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.investment
        n = self.world.investor_arrivals(int(self.firms.alive.sum()), self.env.active_levers, g)
        if n == 0:
            return
        stage = np.atleast_1d(rules.choose(self.world.investor_stage_weights(), g.random(n)))
        anchor = g.random(n) < inv.anchor_share
        workers = np.where(anchor, inv.anchor_workers, inv.workers)
        # each arrival sees the labour left after the expected take of the arrivals before it
        margin_term = rules.investor_acceptance(self.world.stage_margin[stage], 1.0, 0, inv)
        taken = np.cumsum(margin_term * workers) - margin_term * workers
        available = np.maximum(
            int(self.status_counts[UNEMPLOYED_HOME]) + self.local_pool - taken, 0
        )
        labour = np.where(workers > 0, np.minimum(1.0, available / np.maximum(workers, 1)), 1.0)
        kept = g.random(n) < margin_term * labour
        stage, anchor, workers = stage[kept], anchor[kept], workers[kept]
        if stage.size == 0:
            return
        need = np.asarray(self.world.plant_need(workers), dtype=float)
        cells = self._choose_cells(stage, need, False, self.streams.location)
        prod = rules.entry_productivity(
            workers, g.standard_normal(stage.size), self.spec.behaviour.production
        )
        capital = ent.startup_fixed_cost + ent.capital_per_worker * workers
        self._add_firms(cells, stage, OUTSIDE, anchor, -1, capital, 0.0, workers, prod)

    def _phase_labour(self) -> None:
        g = self.streams.labour
        f = self.firms
        kpw = self.spec.behaviour.entrepreneurship.capital_per_worker
        alive = self._alive()
        workers = f.tailors[alive] + f.locals[alive]
        planning = ~((f.age[alive] == 0) & (workers == 0))  # entrants keep their start-up target
        room = (
            self.world.firm_leverage(self.month, f.zone[alive]) * np.maximum(f.capital[alive], 0)
            - f.debt[alive]
        )
        target = rules.hiring_target(
            workers, f.margin[alive], room, kpw, self.spec.behaviour.production
        )
        f.target[alive] = np.where(planning, target, f.target[alive])
        # layoffs: which workers go is random (tailors vs locals hypergeometric, then which tailors)
        cut = np.maximum(workers - f.target[alive], 0)
        cutting = alive[cut > 0]
        if cutting.size:
            c = cut[cut > 0]
            nt, nl = f.tailors[cutting], f.locals[cutting]
            fired_t = np.where(nl > 0, g.hypergeometric(np.maximum(nt, 0), np.maximum(nl, 1), c), c)
            fired_t = np.minimum(fired_t, nt)
            f.locals[cutting] = nl - (c - fired_t)
            self.local_pool += int((c - fired_t).sum())
            quota = np.zeros(f.n, dtype=np.int64)
            quota[cutting] = fired_t
            staff = np.flatnonzero(self.employer >= 0)
            staff = staff[quota[self.employer[staff]] > 0]
            rank = _rank_within_groups(self.employer[staff], g.random(staff.size))
            fired = staff[rank < quota[self.employer[staff]]]
            self._leave_jobs(fired)
            self.status[fired] = UNEMPLOYED_HOME
            self.jobless[fired] = 0
        # matching: job seekers in random order to vacancies of firms in random order
        seekers = np.flatnonzero(self.status == UNEMPLOYED_HOME)
        seekers = seekers[g.permutation(seekers.size)]
        self.world.last_seekers = float(seekers.size)
        before = f.tailors[alive] + f.locals[alive]
        order = alive[g.permutation(alive.size)]
        gap = np.maximum(f.target[order] - f.tailors[order] - f.locals[order], 0)
        self.world.last_vacancies = float(gap.sum())
        slots = np.repeat(order, gap)
        hires = min(slots.size, seekers.size)
        hired, at = seekers[:hires], slots[:hires]
        self.status[hired] = EMPLOYED_HOME
        self.employer[hired] = at
        np.add.at(f.tailors, at, 1)
        left = np.maximum(f.target[order] - f.tailors[order] - f.locals[order], 0)
        take = np.clip(self.local_pool - (np.cumsum(left) - left), 0, left)
        f.locals[order] += take
        self.local_pool -= int(take.sum())
        grown = f.tailors[alive] + f.locals[alive] - before
        f.debt[alive] += np.where(f.age[alive] > 0, kpw * np.maximum(grown, 0), 0.0)

    def _phase_production(self) -> None:
        self.world.environment(self.month, self.env, self.streams.production)
        b = self.spec.behaviour
        f = self.firms
        a = self._alive()
        s, x, y = f.stage[a].astype(np.int64), f.x[a], f.y[a]
        box = self.env.box[:, x, y]  # (stages, firms)
        same = box[s, np.arange(a.size)] - 1.0
        linked = np.einsum("fs,sf->f", self.chain.linked[s], box)
        ext = rules.externality(same, linked, b.externalities)
        shock = self.streams.production.standard_normal(a.size)
        f.productivity[a] *= np.exp(b.production.productivity_shock_sd * shock)
        out = rules.firm_output(
            self.chain.output_per_worker[s],
            f.productivity[a],
            ext,
            self.env.demand[s],
            f.tailors[a],
            f.locals[a],
            b.production,
        )
        f.output[a] = out
        costs, rf, rb, rp, rent_due = rules.firm_accounts(
            out,
            self.env.input_cost_share[s],
            f.tailors[a],
            f.locals[a],
            f.plant_m2[a],
            self.env.rent[x, y],
            self.county.base_rent[f.zone[a]],
            f.debt[a],
            f.plant_months[a],
            f.age[a],
            self.env.lever_terms[:, f.zone[a]],
            b,
            self.spec.levers,
        )
        f.costs[a], f.req_financing[a], f.req_burden[a], f.req_plant[a] = costs, rf, rb, rp
        f.plant_rent_due[a] = rent_due

    def _phase_accounts(self) -> None:
        f = self.firms
        a = self._alive()
        req = np.stack([f.req_financing[a], f.req_burden[a], f.req_plant[a]])
        share = np.array(
            [self.gov.grant(n, float(req[i].sum()), self.month) for i, n in enumerate(LEVERS)]
        )
        profit = f.output[a] - f.costs[a] + share @ req
        f.profit[a] = profit
        f.margin[a] = np.where(
            f.output[a] > 0, profit / np.where(f.output[a] > 0, f.output[a], 1.0), 0.0
        )
        f.capital[a] += profit
        f.debt[a] *= 1.0 - self.spec.behaviour.production.amortization
        losing = (profit < 0) | (f.output[a] <= 0)
        f.loss_streak[a] = np.where(losing, f.loss_streak[a] + 1, 0)
        f.age[a] += 1
        f.plant_months[a] += f.plant_m2[a] > 0
        self.gov.plant_rent_collected += float(
            (f.plant_rent_due[a] - f.req_plant[a] * share[2]).sum()
        )
        S = self.chain.n
        st = f.stage[a]
        self.world.record_accounts(
            np.bincount(st, weights=f.output[a], minlength=S),
            np.bincount(st, weights=profit, minlength=S),
        )

    def _phase_exit(self) -> None:
        ex = self.spec.behaviour.exit
        if not ex.enabled:
            return
        f = self.firms
        a = self._alive()
        forced = (f.capital[a] < 0) | (f.loss_streak[a] >= ex.loss_months)
        u = self.streams.exit.random(a.size)
        out = a[forced | (u < rules.exit_hazard(f.age[a], f.profit[a] < 0, ex))]
        if out.size == 0:
            return
        eligible = (
            self.gov.active("financing", self.month)
            & self.gov.eligible_zones["financing"][f.zone[out]]
        )
        owed = float((f.debt[out] * eligible).sum())
        if owed > 0:
            self.gov.grant(
                "financing", self.spec.levers.financing.guarantee_share * owed, self.month
            )
        gone = np.zeros(f.n, dtype=bool)
        gone[out] = True
        staff = np.flatnonzero(self.employer >= 0)
        staff = staff[gone[self.employer[staff]]]
        owners = f.owner[out]
        owners = owners[owners >= 0]
        released = np.concatenate([staff, owners])
        self.employer[staff] = -1
        self.status[released] = UNEMPLOYED_HOME
        self.jobless[released] = 0
        self.local_pool += int(f.locals[out].sum())
        np.add.at(self.world.plant, (f.x[out], f.y[out]), f.plant_m2[out])
        self.world.count_firms(
            f.stage[out].astype(np.int64),
            f.zone[out].astype(np.int64),
            f.x[out],
            f.y[out],
            f.anchor[out],
            -1,
        )
        self.deaths += np.bincount(f.origin[out], minlength=3)
        f.alive[out] = False
        f.died[out] = self.month
        f.tailors[out] = 0
        f.locals[out] = 0

    def _phase_measures(self) -> None:
        self.current = self._measure()
        self.rows.append(self.current)

    # ------------------------------------------------------------------ measures and tables
    def _measure(self) -> dict[str, float]:
        f = self.firms
        a = self._alive()
        snap = Snapshot(
            month=self.month,
            stage=f.stage[a].astype(np.int64),
            zone=f.zone[a].astype(np.int64),
            x=f.x[a],
            y=f.y[a],
            workers=(f.tailors[a] + f.locals[a]).astype(float),
            tailor_workers=f.tailors[a].astype(float),
            output=f.output[a],
            profit=f.profit[a],
            status_counts=self.status_counts,
            returns=self.returns,
            departures=self.departures,
            births=self.births.copy(),
            deaths=self.deaths.copy(),
        )
        return monthly_measures(snap, self.world, self.initial_employment)

    def timeseries(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=columns(self.chain, self.county))

    def firm_table(self) -> pd.DataFrame:
        f = self.firms
        return pd.DataFrame(
            {
                "firm_id": np.arange(1, f.n + 1),
                "stage": np.array(self.chain.stages, dtype=object)[f.stage],
                "zone": np.array(self.county.zone_names, dtype=object)[f.zone],
                "x": f.x,
                "y": f.y,
                "origin": np.array(ORIGINS, dtype=object)[f.origin],
                "anchor": f.anchor,
                "born": f.born,
                "died": f.died,
                "alive": f.alive.copy(),
                "workers": f.tailors + f.locals,
                "tailor_workers": f.tailors,
                "local_workers": f.locals,
                "capital": f.capital,
                "debt": f.debt,
                "productivity": f.productivity,
                "age_months": f.age,
                "in_plant": f.plant_m2 > 0,
                "output": f.output,
                "profit": f.profit,
            },
            columns=FIRM_COLUMNS,
        )


def _cumulative_within(keys: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """For each element, the sum of `amounts` of the earlier elements with the same key."""
    order = np.argsort(keys, kind="stable")
    k, a = keys[order], amounts[order]
    csum = np.cumsum(a) - a
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    base = np.repeat(csum[starts], np.diff(np.r_[starts, k.size]))
    out = np.empty_like(a, dtype=float)
    out[order] = csum - base
    return out
