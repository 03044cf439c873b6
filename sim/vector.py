"""The vectorized NumPy engine: the same model as sim.model, as a structure of arrays.

Tailors are fixed-length arrays, firms a growing `Table`. Every phase is whole-array work: no
Python loop runs over agents (loops run over stages, zones or levers only). The rules are the same
functions of `sim.rules`, called with arrays, and the county is the same `sim.world.World`.

Where the Mesa engine lets agents act one after another within a month, this engine lets a phase's
agents act on the state at the start of the phase. docs/model.md ("The vector engine") lists each
such point; the equivalence tests (tests/test_equivalence.py) are the evidence that the
differences do not show in the measures.

Speed: at small populations a month is a fixed number of small NumPy calls, so the engine keeps
that number low. Rare events among many tailors (returns, foundings) are drawn by skipping to the
next success (`_bernoulli_positions`) instead of one uniform per tailor; savings and months
jobless are kept lazily (`since`, the month of a tailor's last change of status); status counts,
village home counts and neighbourhood sums are updated with each change instead of recounted; the
monthly measures are recorded as small aggregates and computed for all months at once
(`sim.measures.MonthLog`).
"""

from __future__ import annotations

import math
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
    MonthLog,
    Snapshot,
    columns,
)
from sim.model import FIRM_COLUMNS, INCUMBENT, OUTSIDE, PHASES, RETURNEE
from sim.population import draw_firms, draw_tailors
from sim.scenario import Scenario
from sim.soa import FIRM_FIELDS, Table
from sim.streams import spawn_streams
from sim.world import Environment, World

_EMPTY = np.zeros(0, dtype=np.int64)
_WRAP = 1 << 16  # `since` holds the month modulo 2^16
_SETTLE_EVERY = 1 << 15  # savings are settled for everyone this often, so elapsed never wraps


def _rank_within_groups(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each element, its rank by `keys` (uniforms in [0, 1)) among the elements of the same
    group (integers in 0..2^31-1; here firm slots).

    One argsort of the int64 `group * 2^32 + floor(key * 2^32)`: a group and its key occupy
    separate bits, so no key can round into another group, whatever the group (a float
    `group + key` kept only 52 - log2(group) bits of the key and could carry a key near 1 into
    the next group). Keys that share their top 32 bits, which uniforms do with probability below
    k^2 / 2^33 within a group of k, are ranked by position. `np.lexsort((keys, groups))` is
    exact too but about 10 times slower at a million tailors; `Generator.integers` keys cost
    more per call than uniforms at small populations.
    """
    k = groups.size
    if k == 0:
        return _EMPTY
    key32 = (keys * 4294967296.0).astype(np.int64)  # exact: scaling by 2^32, then floor
    order = ((groups.astype(np.int64) << 32) | key32).argsort()
    sg = groups[order]
    new = np.empty(k, dtype=bool)
    new[0] = True
    np.not_equal(sg[1:], sg[:-1], out=new[1:])
    starts = new.nonzero()[0]
    ends = np.empty_like(starts)
    ends[:-1], ends[-1] = starts[1:], k
    run_start = starts.repeat(ends - starts)
    ranks = np.empty(k, dtype=np.int64)
    ranks[order] = np.arange(k) - run_start
    return ranks


def _cumulative_within(keys: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """For each element, the sum of `amounts` of the earlier elements with the same key."""
    k = keys.size
    out = np.zeros(k)
    if k < 2:
        return out
    order = keys.argsort(kind="stable")
    sk = keys[order]
    new = np.empty(k, dtype=bool)
    new[0] = True
    np.not_equal(sk[1:], sk[:-1], out=new[1:])
    if new.all():  # no key repeats: nothing comes before anything
        return out
    a = (np.zeros(k) + amounts)[order]
    csum = a.cumsum() - a
    starts = new.nonzero()[0]
    ends = np.empty_like(starts)
    ends[:-1], ends[-1] = starts[1:], k
    base = csum[starts].repeat(ends - starts)
    out[order] = csum - base
    return out


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
    # a gap of n or more already ends the range; capping it keeps the cumulative sums far from
    # int64's limit when q is tiny (gaps of ~1/q would wrap around) and changes no position < n
    pos = np.minimum(g.geometric(q, m), n).cumsum() - 1
    while pos[-1] < n - 1:  # rare: more successes may fall in range
        pos = np.concatenate([pos, pos[-1] + np.minimum(g.geometric(q, m), n).cumsum()])
    return pos[: pos.searchsorted(n)]


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
        self._jobless = np.flatnonzero(init.home)  # the tailors jobless at home, kept per phase
        villages = scenario.population.villages
        self.village_size = np.bincount(self.village, minlength=villages)
        self.home_count = np.bincount(self.village[init.home], minlength=villages)
        self._counts = np.bincount(self.status, minlength=4).astype(np.int64)
        w = b.wages
        self._saved = np.array([w.coastal, w.home, 0.0, 0.0]) * w.saving_rate
        self._saves = [bool(v != 0) for v in self._saved]

        # per-scenario constants of the grid, the zones and the location choice
        county, world = self.county, self.world
        S, W, H = self.chain.n, county.width, county.height
        self._N = N = W * H
        self._zone_flat = county.zone_of_cell.ravel().astype(np.int64)
        self._zone_order = np.concatenate(county.cells_of_zone).astype(np.int64)
        sizes = np.array([c.size for c in county.cells_of_zone], dtype=np.int64)
        self._zone_end = np.cumsum(sizes)
        self._zone_start = self._zone_end - sizes
        # every zone has a cell: validation takes zones of width and height >= 1 that do not
        # overlap, and `rest` exists only if some cell is left (sim.space.build_county)
        assert (sizes > 0).all(), "a zone without cells"
        self._zone_size = sizes
        self._zone_of_pos = self._zone_flat[self._zone_order]  # zone of each zone-order position
        self._plant_flat = world.plant.reshape(-1)  # views: the world updates them in place
        self._counts_flat = world.counts.reshape(-1)
        self._anchor_weight = b.outside_investment.anchor_weight
        self._cell_plant = math.exp(b.location.cell_plant)
        # a cell's mass for an entrant of stage s: 1 + sum_k coef[s, k] * box[k], the
        # agglomeration unit folded in. This is an engine copy of rules.cell_weights (with the
        # power and the plant factor applied in _choose_cells), fused into one matrix product;
        # tests/test_vector_measures.py::test_batched_location_choice_has_the_world_probabilities
        # guards it against World.cell_weights, at agglomeration unit 1 and 5
        own = np.ones((S, S)) if b.location.count_all_stages else np.eye(S)
        coef = own + b.location.linkage_weight * self.chain.linked
        self._mass_coef = coef / b.agglomeration_unit
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
        self._zone_policy = self.gov.zone_policy(0)
        self._box_flat = self._boxes[: S * N]
        self._box_z = self._boxes[S * N : 2 * S * N]  # the same sums with the cells in zone order
        # the world reads and writes the engine's sums: `World` recomputes `box` in place, never
        # rebinds it (tests/test_vector_measures.py checks that the view stays one)
        world.box = self._box_flat.reshape(S, W, H)
        world._box_stale = False

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
        self._tmp: dict[str, np.ndarray] = {}
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

    def _set_status(self, who: np.ndarray, new: int, old: int | None = None) -> None:
        """Tailors `who` (distinct) take status `new`: settle their savings, restart `since`.
        `old` is their common status before, if known (saves a lookup)."""
        if who.size == 0:
            return
        if old is None:
            was = self.status[who]
            self._savings[who] += self._saved[was] * self._elapsed(who)
            self._counts -= np.bincount(was, minlength=4)
        else:
            if self._saves[old]:
                self._savings[who] += self._saved[old] * self._elapsed(who)
            self._counts[old] -= who.size
        self.status[who] = new
        self.since[who] = self.month % _WRAP
        self._counts[new] += who.size

    def _settle_all(self) -> None:
        """Settle the savings of every saving tailor, so that `since` never wraps for them."""
        who = np.flatnonzero(self._saved[self.status] != 0)
        self._savings[who] = self._savings_of(who)
        self.since[who] = self.month % _WRAP

    def _alive(self) -> np.ndarray:
        if self._a is None:
            self._a = self.firms.cols["alive"][: self.firms.n].nonzero()[0]
        return self._a

    def _update_counts(self, stage, zone, cells, weight, delta: float) -> None:
        """Firm counts by stage and cell, their neighbourhood sums, and the anchor-weighted
        counts by stage and zone, after entries (delta +1) or exits (-1). Neighbourhood windows
        are added in place for a few firms and recomputed for many (exact: integer sums)."""
        world = self.world
        S, Z = world.zone_counts.shape
        np.add.at(world.zone_counts.reshape(-1), stage * Z + zone, delta * weight)
        offset = stage * self._N
        np.add.at(self._counts_flat, offset + cells, delta)
        if cells.size * self._window.shape[1] > 8192:
            box = rules.box_sum(world.counts, world.radius, world.bands).reshape(S, self._N)
            self._box_flat[:] = box.ravel()
            self._box_z[:] = box[:, self._zone_order].ravel()
        else:
            np.add.at(self._boxes, offset[:, None] + self._window[cells], delta)

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
        x, y = np.divmod(cells, self.county.height)
        zone = self._zone_flat[cells]
        stage = np.zeros(k, dtype=np.int64) + stage
        slots = self.firms.append(
            k,
            alive=True,
            stage=stage,
            zone=zone,
            x=x,
            y=y,
            cell=cells,
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
        if take_plant is not False:
            need = np.zeros(k) + self.world.plant_need(target)
            if isinstance(take_plant, np.ndarray):  # the caller decided who gets plant
                gets = take_plant
            else:
                prior = _cumulative_within(cells, need)  # need of earlier entrants in the cell
                gets = (need > 0) & (self._plant_flat[cells] - prior >= need)
            if gets.any():
                np.subtract.at(self._plant_flat, cells[gets], need[gets])
                self.firms.cols["plant_m2"][slots[gets]] = need[gets]
        weight = (
            np.where(anchor, self._anchor_weight, 1.0)
            if isinstance(anchor, np.ndarray)
            else np.full(k, self._anchor_weight if anchor else 1.0)
        )
        self._update_counts(stage, zone, cells, weight, 1.0)
        if isinstance(age, int) and age == 0:
            self.births[origin] += k
        self._a = None
        return slots

    def _choose_cells(
        self,
        stages: np.ndarray,
        need_idx: np.ndarray | int,
        needs: np.ndarray,
        plant_only: bool,
        g: np.random.Generator,
    ) -> np.ndarray:
        """Location submodel for a batch of entrants: zone, then cell, all on the counts at the
        start of the batch (entrants of one batch do not see each other).

        Entrant i has stage `stages[i]` and plant need `needs[need_idx[i]]`. The weights of
        `World.zone_weights` and `World.cell_weights` are computed for every (stage, need) group
        at once; then one inverse-CDF draw serves all zones and one all cells (a cumulative sum
        over the groups' cells in zone order, searched within each entrant's group and zone).
        """
        k = stages.size
        u_zone, u_cell = g.random(k), g.random(k)
        loc, unit = self.spec.behaviour.location, self.spec.behaviour.agglomeration_unit
        world, county, chain = self.world, self.county, self.chain
        S, N, Z, nn = chain.n, self._N, county.n_zones, needs.size
        gi = stages * nn + need_idx  # (stage, need) group of each entrant
        present = np.bincount(gi, minlength=S * nn) > 0
        rows = present.nonzero()[0]  # the groups of this batch
        gi = (present.cumsum() - 1)[gi]
        gs, gn = rows // nn, needs[rows % nn]
        G = rows.size
        # zones
        zc = world.zone_counts
        same = zc.sum(axis=0) if loc.count_all_stages else zc[gs]
        plant = self._plant_flat[self._zone_order]  # cells in zone order from here on
        zone_max = np.maximum.reduceat(plant, self._zone_start)  # every zone has a cell
        zplant = ((gn[:, None] > 0) & (zone_max >= gn[:, None])).astype(float)
        zw = rules.zone_weights(
            county.area,
            same,
            chain.linked[gs] @ zc,
            county.advantage,
            county.base_rent,
            zplant,
            self._zone_policy,
            loc,
            unit,
        )
        if zw.ndim == 1:  # `same` is one row for all groups
            zw = zw + np.zeros((G, 1))
        if plant_only:
            pz = zw * zplant
            zw = np.where((pz.sum(axis=1) > 0)[:, None], pz, zw)
        cdf = zw.cumsum(axis=1)
        if not (cdf[:, -1] > 0).all():  # an empty urn: uniform
            cdf = np.where((cdf[:, -1] > 0)[:, None], cdf, np.arange(1.0, Z + 1))
        cdf = cdf[gi]
        zone = np.minimum((cdf <= (u_zone * cdf[:, -1])[:, None]).sum(axis=1), Z - 1)
        # cells, in zone order, of the zones drawn only (entrants mostly pick a few small zones)
        drawn = np.bincount(zone, minlength=Z) > 0
        sizes = np.where(drawn, self._zone_size, 0)
        end = sizes.cumsum()
        start = end - sizes  # of each drawn zone, among the columns
        cols = drawn[self._zone_of_pos].nonzero()[0]  # positions in zone order
        n = cols.size
        mass = 1.0 + self._mass_coef[gs] @ self._box_z.reshape(S, N)[:, cols]
        if loc.cell_increasing_returns != 1.0:
            mass = mass**loc.cell_increasing_returns
        has_plant = plant[cols] >= np.where(gn > 0, gn, np.inf)[:, None]  # enough free plant
        cw = np.where(has_plant, mass * self._cell_plant, mass)
        if plant_only:  # within a zone, cells with plant only, if the zone has any
            ph = np.where(has_plant, cw, 0.0)
            zsum = np.add.reduceat(ph, start[drawn], axis=1)
            cw = np.where((zsum > 0).repeat(sizes[drawn], axis=1), ph, cw)
        cum = cw.ravel().cumsum()
        lo = gi * n + start[zone]
        hi = gi * n + end[zone]
        base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
        target = base + u_cell * (cum[hi - 1] - base)
        j = np.minimum(np.maximum(cum.searchsorted(target, side="right"), lo), hi - 1)
        return self._zone_order[cols[j - gi * n]]

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        self.month += 1
        self._reset_flows()
        clock, seconds = time.perf_counter, self.phase_seconds
        for phase, run in self._phases:
            t0 = clock()
            run()
            seconds[phase] += clock() - t0
        if self.month % _SETTLE_EVERY == 0:
            self._settle_all()

    def _phase_levers(self) -> None:
        self.world.construct_plants(self.month)
        self.env.active_levers = self.gov.active_count(self.month)
        # no lever changes state between here and the end of location choice (investment)
        self._zone_policy = self.gov.zone_policy(self.month)

    def _phase_migration(self) -> None:
        """Return migration on the peer shares at the start of the month.

        Returns are rare (at most `max_hazard` a month), so only the tailors that pass a
        Bernoulli(max_hazard) draw are looked at, and each of them returns with probability
        p / max_hazard; savings accrue lazily (`_savings_of`).
        """
        rm = self.spec.behaviour.return_migration
        g = self.streams.migration
        status = self.status
        cand = _bernoulli_positions(g, status.size, rm.max_hazard)
        cand = cand[status[cand] == AWAY]
        back = _EMPTY
        if cand.size:
            v = self.village[cand]
            share = self.home_count[v] / np.maximum(self.village_size[v], 1)
            p = rules.return_probability(
                self.world.home_income(),
                self.spec.behaviour.wages.coastal,
                share,
                self.env.active_levers,
                self.attachment[cand],
                rm,
            )
            back = cand[g.random(cand.size) * rm.max_hazard < p]
        jobless = self._jobless
        stay_p = rules.leave_probability(self._elapsed(jobless), rm)
        leaving = g.random(jobless.size) < stay_p
        leave = jobless[leaving]
        self._set_status(back, UNEMPLOYED_HOME, AWAY)
        self._set_status(leave, AWAY, UNEMPLOYED_HOME)
        self._jobless = np.concatenate([jobless[~leaving], back])
        np.add.at(self.home_count, self.village[back], 1)
        np.subtract.at(self.home_count, self.village[leave], 1)
        self.returns, self.departures = int(back.size), int(leave.size)

    def _phase_founding(self) -> None:
        """Foundings: each tailor at home with the skill founds with probability
        sum_s share_s p_s (drawn by `_bernoulli_positions` over all tailors), in stage s with
        probability proportional to share_s p_s: the same joint distribution as drawing a stage
        by share and then founding with p_s."""
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.founding
        world = self.world
        owner_income = rules.expected_owner_income(
            world.stage_margin, self.chain.output_per_worker, ent.startup_workers
        )
        plant_available = world.plant_available(ent.startup_workers)
        p = rules.founding_probability(
            owner_income, self.spec.behaviour.wages.home, plant_available, ent
        )
        joint = world.founder_shares * p
        pos = _bernoulli_positions(g, self.status.size, float(joint.sum()))
        st = self.status[pos]
        who = pos[
            ((st == EMPLOYED_HOME) | (st == UNEMPLOYED_HOME)) & (self.skill[pos] >= ent.skill_min)
        ]
        if who.size == 0:
            return
        stage = np.atleast_1d(rules.choose(joint, g.random(who.size)))
        order = g.permutation(who.size)  # who founds first where plant is short
        who, stage = who[order], stage[order]
        need = float(world.plant_need(ent.startup_workers))
        cells = self._choose_cells(
            stage, 0, np.array([need]), plant_available, self.streams.location
        )
        has_plant = (
            self._plant_flat[cells] - _cumulative_within(cells, np.full(who.size, need)) >= need
        )
        cost = rules.startup_cost(has_plant, ent)
        cap, lev = world.founder_credit_terms(self.month, self._zone_flat[cells])
        savings = self._savings_of(who)
        ok = savings + rules.founder_credit(savings, cap, lev) >= cost
        if not ok.any():
            return
        who, stage, cells, cost, has_plant = who[ok], stage[ok], cells[ok], cost[ok], has_plant[ok]
        self._leave_jobs(who)
        self._set_status(who, ENTREPRENEUR)  # settles their savings
        self._jobless = self._jobless[self.status[self._jobless] == UNEMPLOYED_HOME]
        equity = np.minimum(self._savings[who], cost)
        self._savings[who] -= equity
        prod = rules.entry_productivity(
            ent.startup_workers, g.standard_normal(who.size), self.spec.behaviour.production
        )
        self._add_firms(
            cells,
            stage,
            RETURNEE,
            False,
            who,
            equity,
            cost - equity,
            ent.startup_workers,
            prod,
            take_plant=has_plant,
        )

    def _leave_jobs(self, who: np.ndarray) -> None:
        """Tailors in `who` stop working for their employer (if any)."""
        emp = self.employer[who]
        has = emp >= 0
        if has.any():
            np.subtract.at(self.firms.cols["tailors"], emp[has], 1)
            self.employer[who] = -1

    def _phase_investment(self) -> None:
        inv = self.spec.behaviour.outside_investment
        ent = self.spec.behaviour.entrepreneurship
        g = self.streams.investment
        n = self.world.investor_arrivals(self._alive().size, self.env.active_levers, g)
        if n == 0:
            return
        stage = np.atleast_1d(rules.choose(self.world.investor_stage_weights(), g.random(n)))
        anchor = g.random(n) < inv.anchor_share
        workers = np.where(anchor, inv.anchor_workers, inv.workers)
        # each arrival sees the labour left after the expected take of the arrivals before it
        margin_term = rules.investor_acceptance(self.world.stage_margin[stage], 1.0, 0, inv)
        taken = (margin_term * workers).cumsum() - margin_term * workers
        available = np.maximum(int(self._counts[UNEMPLOYED_HOME]) + self.local_pool - taken, 0)
        labour = np.where(workers > 0, np.minimum(1.0, available / np.maximum(workers, 1)), 1.0)
        kept = g.random(n) < margin_term * labour
        stage, anchor, workers = stage[kept], anchor[kept], workers[kept]
        if stage.size == 0:
            return
        needs = np.asarray(
            self.world.plant_need(np.array([inv.workers, inv.anchor_workers])), dtype=float
        )
        cells = self._choose_cells(
            stage, anchor.astype(np.int64), needs, False, self.streams.location
        )
        prod = rules.entry_productivity(
            workers, g.standard_normal(stage.size), self.spec.behaviour.production
        )
        capital = ent.startup_fixed_cost + ent.capital_per_worker * workers
        self._add_firms(cells, stage, OUTSIDE, anchor, -1, capital, 0.0, workers, prod)

    def _phase_labour(self) -> None:
        g = self.streams.labour
        c = self.firms.cols
        kpw = self.spec.behaviour.entrepreneurship.capital_per_worker
        a = self._alive()
        tl, lc, age = c["tailors"][a], c["locals"][a], c["age"][a]
        workers = tl + lc
        room = (
            self.world.firm_leverage(self.month, c["zone"][a]) * np.maximum(c["capital"][a], 0)
            - c["debt"][a]
        )
        target = rules.hiring_target(
            workers, c["margin"][a], room, kpw, self.spec.behaviour.production
        )
        planning = (age != 0) | (workers != 0)  # entrants keep their start-up target
        target = np.where(planning, target, c["target"][a])
        c["target"][a] = target
        # layoffs: which workers go is random (tailors vs locals hypergeometric, then which tailors)
        cut = workers - target
        cm = cut > 0
        if cm.any():
            cutting, cc, nt, nl = a[cm], cut[cm], tl[cm], lc[cm]
            fired_t = np.minimum(cc, nt)  # no locals: the cut falls on tailors
            mixed = (nl > 0) & (nt > 0)
            if mixed.any():
                fired_t[mixed] = g.hypergeometric(nt[mixed], nl[mixed], cc[mixed])
            lc[cm] = nl - (cc - fired_t)
            self.local_pool += int((cc - fired_t).sum())
            if fired_t.any():
                quota = np.zeros(self.firms.n + 1, dtype=np.int64)  # [-1]: no employer
                quota[cutting] = fired_t
                staff = (quota > 0)[self.employer].nonzero()[0]
                emp = self.employer[staff]
                rank = _rank_within_groups(emp, g.random(staff.size))
                fired = staff[rank < quota[emp]]
                self._leave_jobs(fired)
                self._set_status(fired, UNEMPLOYED_HOME, EMPLOYED_HOME)
                self._jobless = np.concatenate([self._jobless, fired])
                tl = c["tailors"][a]
        # matching: job seekers in random order to vacancies of firms in random order
        seekers = self._jobless
        seekers = seekers[g.permutation(seekers.size)]
        self.world.last_seekers = float(seekers.size)
        before = tl + lc
        order = g.permutation(a.size)
        gap = np.maximum(target - before, 0)
        self.world.last_vacancies = float(gap.sum())
        slots = order.repeat(gap[order])
        hires = min(slots.size, seekers.size)
        hired, at = seekers[:hires], slots[:hires]
        self._set_status(hired, EMPLOYED_HOME, UNEMPLOYED_HOME)
        self._jobless = seekers[hires:]
        self.employer[hired] = a[at]
        tl = tl + np.bincount(at, minlength=a.size)
        left = np.maximum(target - tl - lc, 0)[order]
        take = np.minimum(np.maximum(self.local_pool - (left.cumsum() - left), 0), left)
        lc = lc.copy()
        lc[order] += take
        self.local_pool -= int(take.sum())
        grown = tl + lc - before
        c["tailors"][a] = tl
        c["locals"][a] = lc
        c["debt"][a] += np.where(age > 0, kpw * np.maximum(grown, 0), 0.0)

    def _phase_production(self) -> None:
        world = self.world
        world.environment(self.month, self.env, self.streams.production, box_fresh=True)
        b = self.spec.behaviour
        c = self.firms.cols
        a = self._alive()
        s, cell, zone = c["stage"][a].astype(np.int64), c["cell"][a], c["zone"][a]
        box = self._box_flat.reshape(self.chain.n, self._N)
        idx = s * self._N + cell
        same = self._box_flat[idx] - 1.0
        linked = (self.chain.linked @ box).ravel()[idx]
        ext = rules.externality(same, linked, b.externalities, b.agglomeration_unit)
        shock = self.streams.production.standard_normal(a.size)
        productivity = c["productivity"][a] * np.exp(b.production.productivity_shock_sd * shock)
        c["productivity"][a] = productivity
        tl, lc = c["tailors"][a], c["locals"][a]
        out = rules.firm_output(
            self.chain.output_per_worker[s],
            productivity,
            ext,
            self.env.demand[s],
            tl,
            lc,
            b.production,
        )
        c["output"][a] = out
        age, plant_m2, plant_months = c["age"][a], c["plant_m2"][a], c["plant_months"][a]
        costs, rf, rb, rp, rent_due = rules.firm_accounts(
            out,
            self.env.input_cost_share[s],
            tl,
            lc,
            plant_m2,
            self.env.rent.ravel()[cell],
            self.county.base_rent[zone],
            c["debt"][a],
            plant_months,
            age,
            self.env.lever_terms[:, zone],
            b,
            self.spec.levers,
        )
        self._tmp = dict(
            s=s, out=out, costs=costs, rf=rf, rb=rb, rp=rp, rent_due=rent_due, age=age,
            plant_m2=plant_m2, plant_months=plant_months,
        )  # fmt: skip

    def _phase_accounts(self) -> None:
        c = self.firms.cols
        a = self._alive()
        t = self._tmp
        out, rf, rb, rp = t["out"], t["rf"], t["rb"], t["rp"]
        month, gov = self.month, self.gov
        s_fin = gov.grant("financing", float(rf.sum()), month)
        s_bur = gov.grant("burden", float(rb.sum()), month)
        s_pla = gov.grant("plant_supply", float(rp.sum()), month)
        profit = out - t["costs"] + (s_fin * rf + s_bur * rb + s_pla * rp)
        c["profit"][a] = profit
        positive = out > 0
        c["margin"][a] = np.where(positive, profit / np.where(positive, out, 1.0), 0.0)
        c["capital"][a] += profit
        c["debt"][a] *= 1.0 - self.spec.behaviour.production.amortization
        losing = (profit < 0) | ~positive
        c["loss_streak"][a] = np.where(losing, c["loss_streak"][a] + 1, 0)
        c["age"][a] = t["age"] + 1
        c["plant_months"][a] = t["plant_months"] + (t["plant_m2"] > 0)
        gov.plant_rent_collected += float((t["rent_due"] - rp * s_pla).sum())
        S = self.chain.n
        s = t["s"]
        self.world.record_accounts(
            np.bincount(s, weights=out, minlength=S),
            np.bincount(s, weights=profit, minlength=S),
        )
        t["profit"] = profit

    def _phase_exit(self) -> None:
        ex = self.spec.behaviour.exit
        if not ex.enabled:
            return
        c = self.firms.cols
        a = self._alive()
        profit = self._tmp["profit"]
        forced = (c["capital"][a] < 0) | (c["loss_streak"][a] >= ex.loss_months)
        u = self.streams.exit.random(a.size)
        gone = forced | (u < rules.exit_hazard(c["age"][a], profit < 0, ex))
        if not gone.any():
            return
        out = a[gone]
        zone = c["zone"][out].astype(np.int64)
        if self.gov.active("financing", self.month):
            owed = float(c["debt"][out][self.gov.eligible_zones["financing"][zone]].sum())
            if owed > 0:
                self.gov.grant(
                    "financing", self.spec.levers.financing.guarantee_share * owed, self.month
                )
        staff = _EMPTY
        if c["tailors"][out].any():
            dead = np.zeros(self.firms.n + 1, dtype=bool)  # [-1]: no employer
            dead[out] = True
            staff = dead[self.employer].nonzero()[0]
            self.employer[staff] = -1
        owners = c["owner"][out]
        released = np.concatenate([staff, owners[owners >= 0]])
        self._set_status(released, UNEMPLOYED_HOME)
        self._jobless = np.concatenate([self._jobless, released])
        self.local_pool += int(c["locals"][out].sum())
        cells = c["cell"][out].astype(np.int64)
        np.add.at(self._plant_flat, cells, c["plant_m2"][out])
        stage = c["stage"][out].astype(np.int64)
        weight = np.where(c["anchor"][out], self._anchor_weight, 1.0)
        self._update_counts(stage, zone, cells, weight, -1.0)
        self.deaths += np.bincount(c["origin"][out], minlength=3)
        c["alive"][out] = False
        c["died"][out] = self.month
        c["tailors"][out] = 0
        c["locals"][out] = 0
        self._a = None

    def _phase_measures(self) -> None:
        self._record()

    # ------------------------------------------------------------------ measures and tables
    def _record(self) -> None:
        """The month's aggregates for the measures (`MonthLog`); the columns come later."""
        c = self.firms.cols
        a = self._alive()
        world, gov = self.world, self.gov
        S, Z = self.chain.n, self.county.n_zones
        # int64 before the arithmetic: stage and zone are int16, and st * Z + zn would wrap in
        # int16 once stages x zones passes 32,767 (NumPy 2 keeps the array dtype)
        st, zn = c["stage"][a].astype(np.int64), c["zone"][a].astype(np.int64)
        tl = c["tailors"][a]
        wk = tl + c["locals"][a]
        wf = wk.astype(float)
        out = c["output"][a]
        self.log.record(
            month=self.month,
            cross=np.bincount(st * Z + zn, minlength=S * Z),
            employment=int(wk.sum()),
            tailor_workers=int(tl.sum()),
            output=float(out.sum()),
            profit=float(c["profit"][a].sum()),
            workers_sq=float((wf * wf).sum()),  # not `@`: BLAS threads would spin
            emp_zone=np.bincount(zn, weights=wf, minlength=Z),
            present=np.bincount(st[wk > 0], minlength=S) > 0,
            out_stage=np.bincount(st, weights=out, minlength=S),
            local_share=world.local_share,
            density=np.bincount(c["cell"][a], minlength=self._N),
            status_counts=self._counts.copy(),
            returns=self.returns,
            departures=self.departures,
            births=self.births,
            deaths=self.deaths,
            plant_free=float(world.plant.sum()),
            plant_rent=gov.plant_rent_collected,
            spent=[gov.spent[name] for name in LEVERS],
            takeoff_ready=world.takeoff_ready(self.month),
        )

    @property
    def current(self) -> dict[str, float]:
        """The last month's row of the timeseries (computed on first access)."""
        if self._row is None or self._row[0] != len(self.log):
            cols = self.log.frame(self.world, self.initial_employment, last=True)
            row = {k: cols[k][0].item() for k in columns(self.chain, self.county)}
            self._row = (len(self.log), row)
        return self._row[1]

    def snapshot(self) -> Snapshot:
        """End-of-month state as a `Snapshot`, for `sim.measures.monthly_measures`. The engine
        itself does not use it (its measures come from `MonthLog`): it is the oracle of
        tests/test_vector_measures.py, which checks `MonthLog.frame` against the Mesa path."""
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
            frame = pd.DataFrame(cols, columns=columns(self.chain, self.county))
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
                "productivity": f.productivity,
                "age_months": f.age,
                "in_plant": f.plant_m2 > 0,
                "output": f.output,
                "profit": f.profit,
            },
            columns=FIRM_COLUMNS,
        )
