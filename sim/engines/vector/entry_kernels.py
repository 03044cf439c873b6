"""Compiled kernels of entry: location choice and the writing of new firms, and the founding and
outside-investment submodels that use them (numba; see `sim.engines.vector.kernels` for the engine's
other kernels and `sim.engines.vector.compiled_rules` for the rules they call).

A submodel kernel runs a whole phase in one call: it takes the month's random numbers drawn
beforehand from the engine's `Generator` streams (uniforms and normals, as many as the phase can use
at most), calls the rules of `sim.core.rules` compiled (the same source as the Mesa engine's), and
moves agents. Scenario sections come as `sim.engines.vector.compiled_rules.record` arrays, the
engine's state as named bundles (`sim.engines.vector.bundles`; of the firms, the columns an
entrant is written with, `FirmsEntry`).
"""

from __future__ import annotations

import numpy as np
from numba.types import Tuple, boolean, float64, int64

from sim.core.codes import EMPLOYED_HOME, ENTREPRENEUR, OUTSIDE, RETURNEE, UNEMPLOYED_HOME
from sim.engines.vector import compiled_rules as rules
from sim.engines.vector.bundles import FirmsEntry, Grid, Location, Tailors
from sim.engines.vector.jit import jit
from sim.engines.vector.kernels import _move, _mover, _unlink


@jit(
    Tuple((int64[:], int64[:], float64[:], float64[:, :], float64[:, :], float64[:, :],
           float64[:]))(
        int64[:], int64[:], float64[:], float64[:, :], float64[:, :], boolean, float64[:],
        int64[:], int64[:], int64[:],
    ),
    )  # fmt: skip
def location_groups(
    stage, need_idx, needs, zone_counts, linked, count_all_stages, plant, zone_order, zone_start,
    zone_end,
):  # fmt: skip
    """The inputs of `rules.zone_weights` for a batch of entrants, by (stage, plant need) group:
    each entrant's group, the groups' stages and needs, which zones have a cell with the need
    free (1.0 or 0.0), the firms of the same stage (or all, with `count_all_stages`) and of
    linked stages by zone, and the free plant by cell in zone order."""
    S, Z = zone_counts.shape
    nn = needs.size
    slot = np.full(S * nn, -1, dtype=np.int64)
    group = np.empty(stage.size, dtype=np.int64)
    G = 0
    for i in range(stage.size):
        r = stage[i] * nn + need_idx[i]
        if slot[r] < 0:
            slot[r] = 0
            G += 1
    gs = np.empty(G, dtype=np.int64)
    gn = np.empty(G)
    g = 0
    for r in range(S * nn):  # groups in (stage, need) order
        if slot[r] == 0:
            slot[r] = g
            gs[g] = r // nn
            gn[g] = needs[r % nn]
            g += 1
    for i in range(stage.size):
        group[i] = slot[stage[i] * nn + need_idx[i]]
    plant_z = np.empty(zone_order.size)
    for p in range(zone_order.size):
        plant_z[p] = plant[zone_order[p]]
    zone_max = np.empty(Z)
    for z in range(Z):
        m = -np.inf
        for p in range(zone_start[z], zone_end[z]):
            m = max(m, plant_z[p])
        zone_max[z] = m
    zplant = np.zeros((G, Z))
    same = np.zeros((G, Z))
    lk = np.zeros((G, Z))
    for g in range(G):
        s = gs[g]
        for z in range(Z):
            if gn[g] > 0 and zone_max[z] >= gn[g]:
                zplant[g, z] = 1.0
            acc = 0.0
            for q in range(S):
                if count_all_stages or q == s:
                    same[g, z] += zone_counts[q, z]
                acc += linked[s, q] * zone_counts[q, z]
            lk[g, z] = acc
    return group, gs, gn, zplant, same, lk, plant_z


@jit()
def draw_zones(group, u_zone, zone_w):
    """Each entrant's zone, drawn by `choose` from its group's zone weights `zone_w` (the rule
    `zone_weights`, as the Mesa engine's `World.zone_weights`)."""
    zone = np.empty(group.size, dtype=np.int64)
    for g in range(zone_w.shape[0]):
        members = np.flatnonzero(group == g)
        zone[members] = rules.choose(zone_w[g], u_zone[members])
    return zone


@jit()
def draw_cells(
    group, u_zone, u_cell, zone_w, group_stage, group_need, mass_coef, box_z, plant_z,
    zone_start, zone_end, zone_order, loc,
):  # fmt: skip
    """Entrants' cells, with the rules of the Mesa engine's `World.zone_weights` and
    `World.cell_weights`: a zone (`draw_zones`), then a cell of that zone by `choose` on the
    rule `cell_weights` of the rule `cell_mass`. `box_z` and `plant_z` hold the cells in zone
    order; the cell weights are computed once per (group, zone) drawn."""
    k = group.size
    S = mass_coef.shape[0]
    nbhd = box_z.reshape(S, plant_z.size)
    zone = draw_zones(group, u_zone, zone_w)
    key = group * zone_w.shape[1] + zone
    order = np.argsort(key)
    out = np.empty(k, dtype=np.int64)
    i = 0
    while i < k:
        g, z = group[order[i]], zone[order[i]]
        lo, hi = zone_start[z], zone_end[z]
        need = group_need[g]
        has_plant = (plant_z[lo:hi] >= need) & (need > 0)
        mass = rules.cell_mass(mass_coef[group_stage[g]], nbhd[:, lo:hi])
        w = rules.cell_weights(mass, has_plant, loc)
        j = i
        while j < k and key[order[j]] == key[order[i]]:
            j += 1
        members = order[i:j]
        out[members] = zone_order[lo + rules.choose(w, u_cell[members])]
        i = j
    return out


@jit()
def _write_entrants(
    start, cells, stage, origin, anchor, owner, capital, debt, guaranteed, target, productivity,
    age, born, gets, need, discount_z, firms, grid,
):  # fmt: skip
    """Entrants fill the firm slots from `start` and are counted in the firm counts,
    neighbourhood sums and zone counts; those marked in `gets` take their `need` of plant, and
    are promised the plant lever's rent discount where `discount_z` holds for their zone
    (`Government.discount_zones`). `guaranteed` is the part of each one's debt a lever
    guarantees (`rules.guaranteed_debt`)."""
    n_cells, height, window, boxes = grid.n_cells, grid.height, grid.window, grid.boxes
    zone_of_cell, plant, zone_counts, counts = (
        grid.zone_of_cell,
        grid.plant,
        grid.zone_counts,
        grid.counts,
    )
    anchor_weight = grid.anchor_weight
    f_alive, f_stage, f_zone, f_x, f_y = firms.alive, firms.stage, firms.zone, firms.x, firms.y
    f_cell, f_origin, f_anchor, f_owner = firms.cell, firms.origin, firms.anchor, firms.owner
    f_capital, f_debt, f_target, f_productivity = (
        firms.capital,
        firms.debt,
        firms.target,
        firms.productivity,
    )
    f_age, f_born, f_plant_m2 = firms.age, firms.born, firms.plant_m2
    f_guaranteed, f_plant_discount = firms.guaranteed, firms.plant_discount
    for i in range(cells.size):
        f = start + i
        c, s = cells[i], stage[i]
        z = zone_of_cell[c]
        f_alive[f] = True
        f_stage[f] = s
        f_zone[f] = z
        f_x[f] = c // height
        f_y[f] = c % height
        f_cell[f] = c
        f_origin[f] = origin
        f_anchor[f] = anchor[i]
        f_owner[f] = owner[i]
        f_capital[f] = capital[i]
        f_debt[f] = debt[i]
        f_guaranteed[f] = guaranteed[i]
        f_target[f] = target[i]
        f_productivity[f] = productivity[i]
        f_age[f] = age[i]
        f_born[f] = born
        f_plant_discount[f] = gets[i] and discount_z[z]
        if gets[i]:
            plant[c] -= need[i]
            f_plant_m2[f] = need[i]
        zone_counts[s, z] += anchor_weight if anchor[i] else 1.0
        off = s * n_cells
        counts[off + c] += 1.0
        for j in range(window.shape[1]):
            boxes[off + window[c, j]] += 1.0


@jit()
def _first_come(cells, need, plant):
    """Which entrants find their plant need free in their cell, on the plant before the batch
    less the needs of the entrants before them in the same cell (first come, first served)."""
    before = np.zeros(plant.size)
    gets = np.empty(cells.size, dtype=np.bool_)
    for i in range(cells.size):
        c = cells[i]
        gets[i] = need[i] > 0 and plant[c] - before[c] >= need[i]
        before[c] += need[i]
    return gets


@jit()
def add_firms(
    start, cells, stage, origin, anchor, owner, capital, debt, target, productivity, age, born,
    plant_mode, gets, need, discount_z, firms, grid, births, count_births,
):  # fmt: skip
    """New firms (the initial ones and the engine's tests): see `_write_entrants`; none of their
    debt is guaranteed. Plant: with `plant_mode` 0 none is taken; 1, first come first served
    (`_first_come`); 2, those marked in `gets`."""
    firms, grid = FirmsEntry(*firms), Grid(*grid)  # named again (`bundles.plain`)
    if plant_mode == 0:
        gets[:] = False
    elif plant_mode == 1:
        gets[:] = _first_come(cells, need, grid.plant)
    _write_entrants(
        start, cells, stage, origin, anchor, owner, capital, debt, np.zeros(cells.size), target,
        productivity, age, born, gets, need, discount_z, firms, grid,
    )  # fmt: skip
    if count_births:
        births[origin] += cells.size


@jit()
def _shuffle(a, b, u):
    """Shuffle two parallel arrays alike (Fisher-Yates, with uniforms `u`)."""
    for i in range(a.size - 1, 0, -1):
        j = int(u[i] * (i + 1))
        a[i], a[j] = a[j], a[i]
        b[i], b[j] = b[j], b[i]


@jit()
def zone_weights_of(stage, need_idx, needs, loc, unit, x):
    """The zone weights of the rule `zone_weights` for each (stage, need) group of a batch of
    entrants, on the counts at the start of the batch (`location_groups`; `x` a `Location`):
    (each entrant's group, the groups' stages and needs, the weights by group and zone, the free
    plant by cell in zone order)."""
    group, group_stage, group_need, zone_plant, same, linked, plant_z = location_groups(
        stage, need_idx, needs, x.zone_counts, x.linked, x.count_all_stages, x.plant,
        x.zone_order, x.zone_start, x.zone_end,
    )  # fmt: skip
    zone_w = rules.zone_weights(
        x.area, same, linked, x.advantage, x.base_rent, zone_plant, x.publicity, loc, unit
    )
    return group, group_stage, group_need, zone_w, plant_z


@jit()
def locate(stage, need_idx, needs, u_zone, u_cell, loc, unit, location):
    """Location submodel for a batch of entrants (the counts at the start of the batch): the
    zone weights of the rule `zone_weights` for each (stage, need) group, then a zone and a cell
    each (`draw_cells`). `location` is a `Location` (`VectorModel._location`). Returns flat
    cells."""
    x = Location(*location)
    group, group_stage, group_need, zone_w, plant_z = zone_weights_of(
        stage, need_idx, needs, loc, unit, x
    )
    return draw_cells(
        group, u_zone, u_cell, zone_w, group_stage, group_need, x.mass_coef, x.box_z, plant_z,
        x.zone_start, x.zone_end, x.zone_order, loc,
    )  # fmt: skip


@jit()
def found(
    pos, joint, p_plant, p_none, u, u_loc, shock, b_rec, location, need, cap_z, lev_z,
    guarantee_z, discount_z, tailors, jobless, firms, grid, births, start, month, month_mod,
):  # fmt: skip
    """The founding submodel, from the Bernoulli draws `pos` (candidates drawn with probability
    sum_s joint_s, joint_s = share_s x p_plant_s, `p_plant_s` the founding probability of stage
    s without the premises delay). Those at home (employed or jobless) with the skill draw a
    stage by `choose(joint)` and are put in a random order (who founds first where plant is
    short); each draws the zone it would set up in, by the zone weights of the location
    submodel on the counts at the start of the phase. Then, one after another: the founder finds
    plant when its zone has a slot left (the rule `plant_slots` on the plant still free after
    the founders before it), and is kept with probability p_s(z) / p_plant_s (`p_none` without
    a slot: the premises delay), so that it founds with the rule `founding_probability` of its
    zone; it draws a cell of the zone (among the cells with plant free, when it found plant:
    the rules `cell_mass`, `cell_weights` and `choose`); the start-up cost of the rule
    `startup_cost` must be met by savings and founder credit (by zone: `cap_z`, `lev_z`); a
    financed founder takes its plant, so the next founders see it gone. Founders leave their
    job and become entrepreneurs; their savings pay what they can of the cost and the rest is
    debt, of which the part beyond their credit on the unguaranteed terms is guaranteed where
    `guarantee_z` holds for their zone (`rules.guaranteed_debt`); those who move into plant
    where `discount_z` holds are promised the plant lever's rent discount. Uniforms: u (3 per
    draw: stage, order, keep), u_loc (2 per draw: zone, cell); shock: one normal per founder.
    `location`: the location inputs (a `Location`).
    Returns (firms founded, the jobless list after)."""
    tailors, firms, grid = Tailors(*tailors), FirmsEntry(*firms), Grid(*grid)
    x = Location(*location)
    status, skill, since, savings = tailors.status, tailors.skill, tailors.since, tailors.savings
    saved, employer, zone_of_cell = tailors.saved, tailors.employer, grid.zone_of_cell
    first_staff, firm_tailors = firms.first_staff, firms.tailors
    next_staff, prev_staff = tailors.next_staff, tailors.prev_staff
    zone_start, zone_end, zone_order = x.zone_start, x.zone_end, x.zone_order
    b = b_rec[0]
    ent = b.entrepreneurship
    n = 0
    who = np.empty(pos.size, dtype=np.int64)
    for t in pos:
        at_home = status[t] == EMPLOYED_HOME or status[t] == UNEMPLOYED_HOME
        if at_home and skill[t] >= ent.skill_min:
            who[n] = t
            n += 1
    if n == 0:
        return 0, jobless
    who = who[:n]
    stage = rules.choose(joint, u[:n])
    _shuffle(who, stage, u[n : 2 * n])
    keep = u[2 * n : 3 * n]
    group, _, _, zone_w, free = zone_weights_of(
        stage, np.zeros(n, dtype=np.int64), np.full(1, need), b.location, b.agglomeration_unit, x
    )  # `free`: the plant free by cell in zone order, a copy the founders take from in turn
    zone = draw_zones(group, u_loc[:n], zone_w)
    S = x.mass_coef.shape[0]
    nbhd = x.box_z.reshape(S, free.size)
    cost_with_without = rules.startup_cost(np.array([True, False]), ent)
    cap, lev, wealth = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        cap[i], lev[i] = cap_z[zone[i]], lev_z[zone[i]]
        t = who[i]
        wealth[i] = savings[t] + saved[status[t]] * ((month_mod - np.int64(since[t])) & 0xFFFF)
    credit = rules.founder_credit(wealth, cap, lev)
    unguaranteed = rules.founder_credit(wealth, ent.credit_cap, ent.credit_leverage)
    cells = np.empty(n, dtype=np.int64)
    cost = np.empty(n)
    has_plant = np.empty(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        s, z = stage[i], zone[i]
        lo, hi = zone_start[z], zone_end[z]
        in_plant = rules.plant_slots(free[lo:hi], need) >= 1
        if not keep[i] * p_plant[s] < (p_plant[s] if in_plant else p_none[s]):
            continue  # thinned: without plant in its zone the founder waits for premises
        with_plant = (free[lo:hi] >= need) & (need > 0)
        w = rules.cell_weights(
            rules.cell_mass(x.mass_coef[s], nbhd[:, lo:hi]), with_plant, b.location
        )
        if in_plant:
            w = np.where(with_plant, w, 0.0)
        place = lo + rules.choose(w, u_loc[n + i : n + i + 1])[0]
        got = free[place] >= need and need > 0
        c = cost_with_without[0] if got else cost_with_without[1]
        if not rules.can_finance(wealth[i], credit[i], c):
            continue
        if got:
            free[place] -= need
        who[m], stage[m], cells[m], cost[m], has_plant[m], unguaranteed[m] = (
            who[i], s, zone_order[place], c, got, unguaranteed[i],
        )  # fmt: skip
        m += 1
    if m == 0:
        return 0, jobless
    who, stage, cells, cost, has_plant = who[:m], stage[:m], cells[:m], cost[:m], has_plant[:m]
    equity, debt, guaranteed = np.empty(m), np.empty(m), np.empty(m)
    status, since, savings, saved, counts = _mover(tailors)
    for i in range(m):
        t = who[i]
        e = employer[t]
        if e >= 0:  # leaves the job
            _unlink(t, e, first_staff, next_staff, prev_staff)
            firm_tailors[e] -= 1
            employer[t] = -1
        _move(t, ENTREPRENEUR, status, since, savings, saved, counts, month_mod)
        equity[i], debt[i] = rules.founder_equity(savings[t], cost[i])
        guaranteed[i] = rules.guaranteed_debt(
            0.0, 0.0, debt[i], unguaranteed[i], guarantee_z[zone_of_cell[cells[i]]]
        )
        savings[t] -= equity[i]
    still = np.empty(jobless.size, dtype=np.int64)
    k = 0
    for t in jobless:
        if status[t] == UNEMPLOYED_HOME:
            still[k] = t
            k += 1
    workers = np.full(m, ent.startup_workers)
    productivity = rules.entry_productivity(workers.astype(np.float64), shock[:m], b.production)
    _write_entrants(
        start, cells, stage, RETURNEE, np.zeros(m, dtype=np.bool_), who, equity, debt, guaranteed,
        workers, productivity, np.zeros(m, dtype=np.int64), month, has_plant, np.full(m, need),
        discount_z, firms, grid,
    )  # fmt: skip
    births[RETURNEE] += m
    return m, still[:k]


@jit()
def invest(
    n, u, u_loc, shock, stage_weights, stage_margin, available_labour, b_rec, location, needs,
    discount_z, firms, grid, births, start, month,
):  # fmt: skip
    """The outside-investment submodel for `n` arrivals: a stage each (`choose` on
    `stage_weights`), an anchor with probability `anchor_share`; each stays with the
    probability of the rule `investor_acceptance` times the share of its workers it can find
    in the labour left after the expected take of the arrivals before it; stayers locate
    (plant first come, first served: `needs` holds the plant need of an ordinary firm and of an
    anchor) and enter with start-up capital. Uniforms: u (3 per arrival), u_loc (2 per
    arrival); shock: one normal per arrival. Returns the firms that entered."""
    firms, grid, location = FirmsEntry(*firms), Grid(*grid), Location(*location)
    b = b_rec[0]
    inv, ent = b.outside_investment, b.entrepreneurship
    stage = rules.choose(stage_weights, u[:n])
    anchor = u[n : 2 * n] < inv.anchor_share
    workers = np.where(anchor, inv.anchor_workers, inv.workers)
    margin_term = rules.investor_acceptance(stage_margin[stage], 1.0, np.zeros(n), inv)
    expected = margin_term * workers
    taken = np.cumsum(expected) - expected
    available = np.maximum(available_labour - taken, 0.0)
    labour = np.where(workers > 0, np.minimum(1.0, available / np.maximum(workers, 1)), 1.0)
    kept = u[2 * n : 3 * n] < margin_term * labour
    m = int(kept.sum())
    if m == 0:
        return 0
    stage, anchor, workers = stage[kept], anchor[kept], workers[kept]
    need_idx = anchor.astype(np.int64)
    cells = locate(
        stage, need_idx, needs, u_loc[:m], u_loc[m : 2 * m], b.location, b.agglomeration_unit,
        location,
    )  # fmt: skip
    productivity = rules.entry_productivity(workers.astype(np.float64), shock[:m], b.production)
    capital = rules.entrant_capital(workers, ent)
    need = needs[need_idx]
    _write_entrants(
        start, cells, stage, OUTSIDE, anchor, np.full(m, -1), capital, np.zeros(m), np.zeros(m),
        workers, productivity, np.zeros(m, dtype=np.int64), month,
        _first_come(cells, need, grid.plant), need, discount_z, firms, grid,
    )  # fmt: skip
    births[OUTSIDE] += m
    return m
