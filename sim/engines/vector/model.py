"""The vector engine: the same model as sim.engines.mesa.model, as a structure of arrays and
compiled kernels.

Tailors are fixed-length arrays, firms a growing `Table`. Each phase prepares its inputs here (the
world-level submodels of `sim.core.world.World`, shared with the Mesa engine, and the month's random
numbers from the `Generator` streams) and then makes one call to a compiled kernel
(`sim.engines.vector.kernels`, `sim.engines.vector.entry_kernels`) that loops over the agents
concerned; no Python loop runs over agents. A kernel takes the state as a few named bundles
(`sim.engines.vector.bundles`: `Tailors`, `Grid`, `Location`, and of the firm table the columns
a phase touches, such as `FirmsLabour`), which hold the engine's arrays themselves. The kernels call
the rules of `sim.core.rules` compiled from their own source (`sim.engines.vector.compiled_rules`),
so the model has one definition per submodel.

Where the Mesa engine lets agents act one after another within a month, this engine lets a phase's
agents act on the state at the start of the phase. docs/model.md ("The vector engine") lists each
such point; the equivalence tests (tests/test_equivalence.py) are the evidence that the
differences do not show in the measures.

Speed: rare events among many tailors (returns, foundings) are drawn by skipping to the next
success (`_bernoulli_positions`) instead of one uniform per tailor; savings and months jobless
are kept lazily (`since`, the month of a tailor's last change of status); status counts, village
home counts, each firm's staff list and the neighbourhood sums are updated with each change
instead of recounted; the monthly measures are recorded as small aggregates and computed for all
months at once (`sim.measures.monthly.MonthLog`).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.core import rules
from sim.core.codes import AWAY, FIRM_COLUMNS, INCUMBENT, ORIGINS, PHASES, UNEMPLOYED_HOME
from sim.core.levers import SUPPORT_ROWS
from sim.core.population import draw_firms, draw_tailors
from sim.core.scenario import Scenario
from sim.core.streams import spawn_streams
from sim.core.world import Environment, World
from sim.engines.vector import compiled_rules, entry_kernels, kernels
from sim.engines.vector.bundles import (
    FirmsBooks,
    FirmsEntry,
    FirmsExit,
    FirmsLabour,
    FirmsProduction,
    Grid,
    Location,
    Tailors,
    empty_accounts,
    plain,
)
from sim.engines.vector.soa import FIRM_FIELDS, Table
from sim.measures.monthly import MonthLog, Snapshot, columns, county_books

if TYPE_CHECKING:
    from sim.engines import PhaseHook

_EMPTY = np.zeros(0, dtype=np.int64)
_WRAP = 1 << 16  # `since` holds the month modulo 2^16
_SETTLE_EVERY = 1 << 15  # savings are settled for everyone this often, so elapsed never wraps


def _bernoulli_positions(g: np.random.Generator, n: int, q: float) -> np.ndarray:
    """The indices 0..n-1 that succeed in independent Bernoulli(q) trials, in increasing order.

    For small q the gaps between successes are drawn (geometric), so the cost is proportional to
    the number of successes, not to n; the distribution is exactly that of `random(n) < q`.
    """
    if n <= 0 or q <= 0:
        return _EMPTY
    if q >= 0.05:
        return (g.random(n) < q).nonzero()[0]
    mean = n * q
    m = int(mean + 6.0 * math.sqrt(mean) + 16)
    parts = [kernels.positions_from_gaps(g.geometric(q, m), n)]
    # rare: all m gaps stayed in range and short of its end, so more successes may follow
    while parts[-1].size == m and parts[-1][-1] < n - 1:
        base = parts[-1][-1] + 1
        parts.append(kernels.positions_from_gaps(g.geometric(q, m), n - base) + base)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


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
        self.phase_hook: PhaseHook | None = None  # instrumentation (tests/test_rates.py)
        self._phases = [(phase, getattr(self, f"_phase_{phase}")) for phase in PHASES]
        self._reset_flows()
        self.log = MonthLog()
        self._row: tuple[int, dict[str, float]] | None = None
        self._frame: tuple[int, pd.DataFrame] | None = None
        self._a: np.ndarray | None = None  # living slots, cached between entries and exits

        b = scenario.behaviour
        init = draw_tailors(scenario, self.streams.init)
        n = init.skill.size
        self.skill = init.skill.astype(np.float32)
        self._savings = init.savings.astype(np.float64)  # settled up to month `since`
        self.village = init.village.astype(np.int32)
        self.attachment = init.attachment.astype(np.float32)
        self.status = np.where(init.home, UNEMPLOYED_HOME, AWAY).astype(np.int8)
        self.since = np.zeros(n, dtype=np.uint16)  # month (mod 2^16) of the last status change
        self.employer = np.full(n, -1, dtype=np.int64)
        # each firm's tailor employees as a doubly linked list (head in the firm column
        # `first_staff`), so that layoffs and exits visit a firm's staff, not every tailor
        assert n < 2**31, "staff lists index tailors with int32"
        self._next_staff = np.full(n, -1, dtype=np.int32)
        self._prev_staff = np.full(n, -1, dtype=np.int32)
        self._jobless = np.flatnonzero(init.home)  # the tailors jobless at home, kept per phase
        villages = scenario.population.villages
        self.village_size = np.bincount(self.village, minlength=villages)
        self.home_count = np.bincount(self.village[init.home], minlength=villages)
        self._counts = np.bincount(self.status, minlength=4).astype(np.int64)
        w = b.wages
        self._saved = np.array([w.coastal, w.home, 0.0, 0.0]) * w.saving_rate
        self._tailors = plain(
            Tailors(
                status=self.status,
                skill=self.skill,
                since=self.since,
                savings=self._savings,
                saved=self._saved,
                status_counts=self._counts,
                employer=self.employer,
                next_staff=self._next_staff,
                prev_staff=self._prev_staff,
                village=self.village,
                attachment=self.attachment,
                home_count=self.home_count,
                village_size=self.village_size,
            )
        )

        # per-scenario constants of the grid, the zones and the location choice
        county, world = self.county, self.world
        S, W, H = self.chain.n, county.width, county.height
        self._N = N = W * H
        self._zone_flat = county.zone_of_cell.ravel().astype(np.int64)
        self._block_of_cell = county.block_of_cell.astype(np.int64)
        self._zone_order = np.concatenate(county.cells_of_zone).astype(np.int64)
        sizes = np.array([c.size for c in county.cells_of_zone], dtype=np.int64)
        self._zone_end = np.cumsum(sizes)
        self._zone_start = self._zone_end - sizes
        # every zone has a cell: validation takes zones of width and height >= 1 that do not
        # overlap, and `rest` exists only if some cell is left (sim.core.space.build_county)
        assert (sizes > 0).all(), "a zone without cells"
        self._plant_flat = world.plant.reshape(-1)  # views: the world updates them in place
        self._counts_flat = world.counts.reshape(-1)
        self._b_rec = compiled_rules.record(b)
        # what `levers.firm_support` reads: the sections of the levers that pay firms, so that a
        # scenario with other levers too (a placebo) runs the same compiled kernels
        self._lv_rec = compiled_rules.record(scenario.levers, only=SUPPORT_ROWS)
        self._zones = np.arange(county.n_zones)
        r = world.radius
        d = np.arange(-r, r + 1)
        dx, dy = np.repeat(d, d.size), np.tile(d, d.size)
        x, y = np.divmod(np.arange(N), H)
        xx, yy = x[:, None] + dx, y[:, None] + dy
        inside = (xx >= 0) & (xx < W) & (yy >= 0) & (yy < H)
        flat = np.where(inside, xx * H + yy, 0)
        rank = np.empty(N, dtype=np.int64)
        rank[self._zone_order] = np.arange(N)  # a cell's position in zone order
        # one buffer: the neighbourhood sums by (stage, cell), the same in zone order, and a
        # scratch part; a cell's window lists its neighbours' places in the first two parts,
        # and outside the grid a place in the scratch part (offsets by stage stay in each part)
        self._boxes = np.zeros(3 * S * N)
        self._window = np.concatenate(
            [np.where(inside, flat, 2 * S * N), np.where(inside, S * N + rank[flat], 2 * S * N)],
            axis=1,
        )
        self._box_flat = self._boxes[: S * N]
        self._box_z = self._boxes[S * N : 2 * S * N]  # the same sums with the cells in zone order
        self._set_zone_publicity(self.gov.zone_publicity(0))
        # the world reads and writes the engine's sums: `World` recomputes `box` in place, never
        # rebinds it (tests/test_vector_measures.py checks that the view stays one)
        world.adopt_box(self._box_flat.reshape(S, W, H))
        self._grid = plain(
            Grid(
                height=county.height,
                n_cells=N,
                zone_of_cell=self._zone_flat,
                anchor_weight=float(b.outside_investment.anchor_weight),
                plant=self._plant_flat,
                counts=self._counts_flat,
                zone_counts=world.zone_counts,
                boxes=self._boxes,
                window=self._window,
                linked=self.chain.linked,
                base_rent=county.base_rent,
            )
        )

        self.firms = Table(
            FIRM_FIELDS, capacity=max(64, 2 * len(scenario.population.initial_firms))
        )
        self.local_pool = scenario.population.local_workers
        f = draw_firms(scenario, county, self.chain, self.streams.init)
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
        self.firms.cols["locals"][slots] = f.workers
        self.local_pool -= int(f.workers.sum())
        self.initial_employment = float(f.workers.sum())
        self.world.environment(self.month, self.env, self.streams.production, box_fresh=True)
        self._accounts = empty_accounts()  # `kernels.produce`'s, from production to accounts
        self._record()

    # ------------------------------------------------------------------ helpers
    def _reset_flows(self) -> None:
        self.returns = 0
        self.departures = 0
        self.births = np.zeros(3, dtype=int)
        self.deaths = np.zeros(3, dtype=int)

    @property
    def status_counts(self) -> np.ndarray:
        return self._counts.copy()

    def _elapsed(self, who: np.ndarray) -> np.ndarray:
        """Months since each tailor's last change of status (modulo 2^16, by uint16 wrap)."""
        return np.uint16(self.month % _WRAP) - self.since[who]

    def _savings_of(self, who: np.ndarray) -> np.ndarray:
        """Savings now: the settled amount plus what the status saved since it was settled."""
        return self._savings[who] + self._saved[self.status[who]] * self._elapsed(who)

    @property
    def savings(self) -> np.ndarray:
        """Every tailor's savings (a fresh array)."""
        return self._savings_of(np.arange(self.status.size))

    @property
    def jobless(self) -> np.ndarray:
        """Months jobless at home, per tailor (0 for the others)."""
        months = self._elapsed(np.arange(self.status.size))
        return np.where(self.status == UNEMPLOYED_HOME, months, 0)

    def _settle_all(self) -> None:
        """Settle the savings of every saving tailor, so that `since` never wraps for them."""
        who = np.flatnonzero(self._saved[self.status] != 0)
        self._savings[who] = self._savings_of(who)
        self.since[who] = self.month % _WRAP

    def _alive(self) -> np.ndarray:
        if self._a is None:
            self._a = self.firms.cols["alive"][: self.firms.n].nonzero()[0]
        return self._a

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
            return _EMPTY

        def each(v, dtype):  # a value per entrant, writable (the kernel's signature)
            return v if isinstance(v, np.ndarray) and v.dtype == dtype else np.full(k, v, dtype)

        start = self.firms.reserve(k)
        if take_plant is False:
            mode, gets = 0, np.zeros(k, dtype=bool)
        elif isinstance(take_plant, np.ndarray):  # the caller decided who gets plant
            mode, gets = 2, take_plant
        else:
            mode, gets = 1, np.empty(k, dtype=bool)
        need = each(self.world.plant_need(target) if mode else 0.0, np.float64)
        entry_kernels.add_firms(
            start, cells, each(stage, np.int64), np.int8(origin), each(anchor, np.bool_),
            each(owner, np.int64), each(capital, np.float64), each(debt, np.float64),
            each(target, np.int64), each(productivity, np.float64), each(age, np.int64),
            self.month, mode, gets, need, self.gov.discount_zones(self.month),
            self.firms.bundle(FirmsEntry), self._grid, self.births,
            isinstance(age, int) and age == 0,
        )  # fmt: skip
        self._a = None
        return np.arange(start, start + k)

    def _choose_cells(
        self,
        stages: np.ndarray,
        need_idx: np.ndarray | int,
        needs: np.ndarray,
        g: np.random.Generator,
    ) -> np.ndarray:
        """Location submodel for a batch of entrants (`entry_kernels.locate`, which the
        investment kernel calls): zone, then cell, all on the counts at the start of the batch.
        Entrant i has stage `stages[i]` and plant need `needs[need_idx[i]]`."""
        k = stages.size
        u_zone, u_cell = g.random(k), g.random(k)
        return entry_kernels.locate(
            np.asarray(stages, dtype=np.int64), np.zeros(k, dtype=np.int64) + need_idx,
            np.asarray(needs, dtype=float), u_zone, u_cell,
            self._b_rec[0]["location"], float(self.spec.behaviour.agglomeration_unit),
            self._location(),
        )  # fmt: skip

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: every phase of PHASES in order, timed (`phase_hook` around
        each, when set: `sim.engines.PhaseHook`)."""
        self.month += 1
        self._reset_flows()
        clock, seconds, hook = time.perf_counter, self.phase_seconds, self.phase_hook
        for phase, run in self._phases:
            if hook is not None:
                hook(phase, False)
            t0 = clock()
            run()
            seconds[phase] += clock() - t0
            if hook is not None:
                hook(phase, True)
        if self.month % _SETTLE_EVERY == 0:
            self._settle_all()

    def _phase_levers(self) -> None:
        self.world.start_month(self.month)
        self.env.publicised_levers = self.gov.publicised_count(self.month)
        # no lever changes state between here and the end of location choice (investment)
        self._set_zone_publicity(self.gov.zone_publicity(self.month))

    def _phase_migration(self) -> None:
        """Return migration on the peer shares at the start of the month.

        Returns are rare (at most `max_hazard` a month), so only the tailors that pass a
        Bernoulli(max_hazard) draw are looked at, and each of them returns with probability
        p / max_hazard; savings accrue lazily (`_savings_of`).
        """
        rm = self.spec.behaviour.return_migration
        g = self.streams.migration
        cand = _bernoulli_positions(g, self.status.size, rm.max_hazard)
        u_back, u_leave = g.random(cand.size), g.random(self._jobless.size)
        self._jobless, self.returns, self.departures = kernels.migrate(
            cand, u_back, self._jobless, u_leave, self.world.home_income(),
            self.spec.behaviour.wages.coastal, self.env.publicised_levers, self._b_rec,
            self._tailors, self.month % _WRAP,
        )  # fmt: skip

    def _phase_founding(self) -> None:
        """Foundings, by thinning: with `p_s` the founding probability of stage s with plant in
        the founder's zone (no premises delay, the highest it can be) and `p_s(z)` the one in
        zone z (`rules.founding_probability` on whether z has a plant slot left), each tailor at
        home with the skill is a candidate with probability sum_s share_s p_s (drawn by
        `_bernoulli_positions` over all tailors), in stage s with probability proportional to
        share_s p_s; `entry_kernels.found` draws its zone z by the zone weights and keeps it
        with probability p_s(z) / p_s. That is the joint distribution of drawing a stage by
        share, a zone by the zone weights and founding with p_s(z), as the Mesa engine does."""
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.founding
        world = self.world
        owner_income = rules.expected_owner_income(
            world.stage_margin, self.chain.output_per_worker, ent.startup_workers
        )
        wage = self.spec.behaviour.wages.home
        p_plant = np.asarray(rules.founding_probability(owner_income, wage, True, ent), float)
        p_none = np.asarray(rules.founding_probability(owner_income, wage, False, ent), float)
        joint = world.founder_shares * p_plant
        pos = _bernoulli_positions(g, self.status.size, float(joint.sum()))
        k = pos.size
        if k == 0:
            return
        u, shock, u_loc = g.random(3 * k), g.standard_normal(k), self.streams.location.random(2 * k)
        cap_z, lev_z = world.founder_credit_terms(self.month, self._zones)
        start = self.firms.reserve(k)
        founded, self._jobless = entry_kernels.found(
            pos, joint, p_plant, p_none, u, u_loc, shock, self._b_rec, self._location(),
            float(world.plant_need(ent.startup_workers)),
            np.asarray(cap_z, dtype=float), np.asarray(lev_z, dtype=float),
            self.gov.guarantee_zones(self.month), self.gov.discount_zones(self.month),
            self._tailors, self._jobless, self.firms.bundle(FirmsEntry), self._grid, self.births,
            start, self.month, self.month % _WRAP,
        )  # fmt: skip
        self.firms.n = start + founded  # the slots not used stay free
        if founded:
            self._a = None

    def _location(self) -> Location:
        """What the location submodel reads (`entry_kernels.locate`), with this month's zone
        policy."""
        return self._loc

    def _set_zone_publicity(self, publicity: np.ndarray) -> None:
        """The month's zone publicity (`Government.zone_publicity`), and with it the `Location`
        the month's entrants read (its other fields are arrays the engine updates in place)."""
        self._zone_publicity = publicity
        county, loc = self.county, self.spec.behaviour.location
        self._loc = plain(
            Location(
                area=county.area,
                advantage=county.advantage,
                base_rent=county.base_rent,
                publicity=self._zone_publicity,
                linked=self.chain.linked,
                count_all_stages=bool(loc.count_all_stages),
                zone_counts=self.world.zone_counts,
                plant=self._plant_flat,
                zone_order=self._zone_order,
                zone_start=self._zone_start,
                zone_end=self._zone_end,
                mass_coef=self.world.mass_coef,  # rules.cell_mass_coefficients, as the Mesa engine
                box_z=self._box_z,
            )
        )

    def _phase_investment(self) -> None:
        """Outside investors: how many arrive (`World.investor_arrivals`), then
        `entry_kernels.invest`."""
        inv = self.spec.behaviour.outside_investment
        g = self.streams.investment
        world = self.world
        n = world.investor_arrivals(self._alive().size, self.env.publicised_levers, g)
        if n == 0:
            return
        u, shock, u_loc = g.random(3 * n), g.standard_normal(n), self.streams.location.random(2 * n)
        needs = np.asarray(world.plant_need(np.array([inv.workers, inv.anchor_workers])), float)
        start = self.firms.reserve(n)
        entered = entry_kernels.invest(
            n, u, u_loc, shock, world.investor_stage_weights(), world.stage_margin,
            float(self._counts[UNEMPLOYED_HOME] + self.local_pool), self._b_rec,
            self._location(), needs, self.gov.discount_zones(self.month),
            self.firms.bundle(FirmsEntry), self._grid, self.births, start, self.month,
        )  # fmt: skip
        self.firms.n = start + entered  # the slots not used stay free
        if entered:
            self._a = None

    def _phase_labour(self) -> None:
        """Targets (`kernels.labour_plan`), then layoffs and matching
        (`kernels.labour_market`)."""
        g = self.streams.labour
        firms = self.firms.bundle(FirmsLabour)
        kpw = self.spec.behaviour.entrepreneurship.capital_per_worker
        a = self._alive()
        leverage = np.asarray(self.world.firm_leverage(self.month, self._zones), dtype=float)
        target, n_uniforms = kernels.labour_plan(a, firms, leverage, kpw, self._b_rec)
        self._jobless, self.local_pool, seekers, vacancies = kernels.labour_market(
            a, target, g.random(n_uniforms), firms, kpw,
            float(self.spec.behaviour.production.credit_leverage),
            self.gov.guarantee_zones(self.month), self._tailors, self._jobless, self.local_pool,
            self.month % _WRAP,
        )  # fmt: skip
        self.world.last_seekers = float(seekers)
        self.world.last_vacancies = float(vacancies)

    def _phase_production(self) -> None:
        """The month's environment (`World.environment`), then `kernels.produce`."""
        world = self.world
        world.environment(self.month, self.env, self.streams.production, box_fresh=True)
        a = self._alive()
        env = self.env
        self._accounts = kernels.produce(
            a, self.streams.production.standard_normal(a.size),
            self.firms.bundle(FirmsProduction), self._grid,
            env.rent.ravel(), env.lever_terms, self.chain.output_per_worker, env.demand,
            env.input_cost_share, self._b_rec, self._lv_rec,
        )  # fmt: skip

    def _phase_accounts(self) -> None:
        """Each lever pays its share of what firms request (`Government.grant_support`), then
        `kernels.settle_accounts`; the firms' taxes (`Government.collect_taxes`); stage margins
        and local supply for next month."""
        accounts = self._accounts
        month, gov = self.month, self.gov
        requested = [
            float(accounts.financing_request.sum()),
            float(accounts.burden_request.sum()),
            float(accounts.plant_request.sum()),
        ]  # in the order of SUPPORT_ROWS
        s_fin, s_bur, s_pla = gov.grant_support(requested, accounts.tax_requested, month)
        b = self.spec.behaviour
        out_stage, profit_stage, rent, income_tax = kernels.settle_accounts(
            self._alive(), plain(accounts), s_fin, s_bur, s_pla, b.production.amortization,
            b.taxes.corporate_income_tax, self.firms.bundle(FirmsBooks), self.chain.n,
        )  # fmt: skip
        gov.plant_rent_collected += rent
        gov.collect_taxes(float(out_stage.sum()), income_tax)
        self.world.record_accounts(out_stage, profit_stage)

    def _phase_exit(self) -> None:
        """`kernels.exit_firms`; the guarantor is charged for the guaranteed debt left behind."""
        if not self.spec.behaviour.exit.enabled:
            return
        a = self._alive()
        released, freed_locals, owed = kernels.exit_firms(
            a, self.streams.exit.random(a.size), self._b_rec, self.month, self.month % _WRAP,
            self._tailors, self.firms.bundle(FirmsExit), self._grid, self.deaths,
        )  # fmt: skip
        self.gov.charge_guarantees(owed)
        if released.size or freed_locals:
            self._jobless = np.concatenate([self._jobless, released])
            self.local_pool += freed_locals
        self._a = None

    def _phase_measures(self) -> None:
        self._record()

    # ------------------------------------------------------------------ measures and tables
    def _record(self) -> None:
        """The month's aggregates for the measures (`MonthLog`); the columns come later."""
        c = self.firms.cols
        a = self._alive()
        S, Z, B = self.chain.n, self.county.n_zones, self.county.n_blocks
        tot = kernels.month_totals(
            a, c["stage"], c["zone"], c["cell"], c["tailors"], c["locals"], c["output"],
            c["profit"], self._block_of_cell, S, Z, B, self.county.width, self.county.height,
        )  # fmt: skip
        self.log.record(
            month=self.month,
            cross=tot.cross,
            employment=int(tot.employment),
            tailor_workers=int(tot.tailor_workers),
            output=tot.output,
            profit=tot.profit,
            workers_sq_stage=tot.workers_sq_stage,
            emp_stage_zone=tot.emp_stage_zone,
            emp_stage_block=tot.emp_stage_block,
            present=tot.present,
            out_stage=tot.out_stage,
            moran_parts=tot.moran_parts,
            status_counts=self._counts.copy(),
            returns=self.returns,
            departures=self.departures,
            births=self.births,
            deaths=self.deaths,
            **county_books(self.world, self.month),
        )

    @property
    def current(self) -> dict[str, float]:
        """The last month's row of the timeseries (computed on first access)."""
        if self._row is None or self._row[0] != len(self.log):
            self._row = (len(self.log), self.log.last_row(self.world, self.initial_employment))
        return self._row[1]

    def snapshot(self) -> Snapshot:
        """End-of-month state as a `Snapshot`. The engine itself does not use it (its measures
        come from `MonthLog`): tests/test_vector_measures.py computes the oracle's rows from it,
        and the Mesa engine's aggregates (`firm_aggregates`) to compare with the kernel's."""
        f = self.firms
        a = self._alive()
        return Snapshot(
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

    def timeseries(self) -> pd.DataFrame:
        """One row per month; the measures are computed here, for all months at once (the time
        is added to `phase_seconds["measures"]`)."""
        if self._frame is None or self._frame[0] != len(self.log):
            t0 = time.perf_counter()
            cols = self.log.frame(self.world, self.initial_employment)
            frame = pd.DataFrame(cols, columns=columns(self.chain, self.county, self.gov.names))
            self.phase_seconds["measures"] += time.perf_counter() - t0
            self._frame = (len(self.log), frame)
        return self._frame[1].copy()

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
                "guaranteed_debt": f.guaranteed,
                "productivity": f.productivity,
                "age_months": f.age,
                "in_plant": f.plant_m2 > 0,
                "output": f.output,
                "profit": f.profit,
            },
            columns=FIRM_COLUMNS,
        )


def warm_up(scenario: Scenario) -> None:
    """Load (or compile, the first time) every compiled kernel the engine calls for this
    scenario's types, by running it scaled down to 500 tailors for 3 months with entry forced
    on. numba compiles a kernel on its first call in a process, or loads it from its on-disk
    cache in a few milliseconds; a benchmark calls this before its clock starts, as it imports
    the modules before it, so that it times the model and not the loading."""
    from sim.core.scaling import scale_overrides
    from sim.io.loading import with_overrides

    busy = {
        **scale_overrides(scenario, 500),
        "run.months": 3,
        "behaviour.entrepreneurship.max_hazard": 1.0,
        "behaviour.entrepreneurship.intercept": 20.0,
        "behaviour.entrepreneurship.skill_min": 0.0,
        "behaviour.outside_investment.base_rate": 5.0,
        "behaviour.outside_investment.intercept": 20.0,
    }
    model = VectorModel(with_overrides(scenario, busy), seed=0)
    for _ in range(3):
        model.step()
