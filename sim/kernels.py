"""Compiled bookkeeping kernels of the vector engine (numba).

At small populations a NumPy month is a fixed count of small array calls, each costing a few
microseconds whatever its size; these kernels replace the engine's bookkeeping (status changes,
firm counts and their neighbourhood sums, drawing cells, layoffs and matching) by one compiled
call each. They hold no rule of the model: the rules stay in `sim.rules`, called by both engines
with NumPy values, and the kernels only move agents between states and draw from distributions
that the rules have already weighted. Each kernel reads and writes the engine's own arrays in
place; the random numbers come in as arguments, drawn from the engine's `Generator` streams, so
a seed fixes a run bit for bit.

The signatures are explicit, so the kernels compile (or load from numba's on-disk cache) when this
module is imported, not inside the first month, and a wrong dtype fails loudly instead of
compiling a second version.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.types import Tuple, boolean, float64, int8, int16, int32, int64, uint16, void

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}


@njit(inline="always", **_OPTS)
def _move(t, new, status, since, savings, saved, counts, month_mod):
    old = status[t]
    if saved[old] != 0.0:
        elapsed = (month_mod - np.int64(since[t])) & 0xFFFF  # uint16 clock, wraps
        savings[t] += saved[old] * elapsed
    counts[old] -= 1
    counts[new] += 1
    status[t] = new
    since[t] = month_mod


@njit(inline="always", **_OPTS)
def _link(t, f, first, nxt, prv):
    """Tailor t joins the staff list of firm f (at its head)."""
    h = first[f]
    nxt[t] = h
    prv[t] = -1
    if h >= 0:
        prv[h] = t
    first[f] = t


@njit(inline="always", **_OPTS)
def _unlink(t, f, first, nxt, prv):
    """Tailor t leaves the staff list of firm f."""
    p, n = prv[t], nxt[t]
    if p >= 0:
        nxt[p] = n
    else:
        first[f] = n
    if n >= 0:
        prv[n] = p


@njit(void(int64[:], int8, int8[:], uint16[:], float64[:], float64[:], int64[:], int64), **_OPTS)
def set_status(who, new, status, since, savings, saved, counts, month_mod):
    """Tailors `who` (distinct) take status `new`: savings accrued in the old status since
    `since` are settled, the status counts move, and `since` restarts at `month_mod`."""
    for t in who:
        _move(t, new, status, since, savings, saved, counts, month_mod)


@njit(
    void(int64[:], int64[:], int64[:], float64[:], float64, float64[:, :], float64[:],
         float64[:], int64[:, :], int64),
    **_OPTS,
)  # fmt: skip
def update_counts(stage, zone, cells, weight, delta, zone_counts, counts, boxes, window, n_cells):
    """Firm counts by stage and cell, their neighbourhood sums (by cell and in zone order, through
    each cell's precomputed `window` into `boxes`) and the weighted counts by stage and zone,
    after entries (delta +1) or exits (-1). Exact: the sums hold integers."""
    for i in range(cells.size):
        s, c = stage[i], cells[i]
        zone_counts[s, zone[i]] += delta * weight[i]
        off = s * n_cells
        counts[off + c] += delta
        for j in range(window.shape[1]):
            boxes[off + window[c, j]] += delta


@njit(float64[:](int64[:], float64[:], int64), **_OPTS)
def need_before(cells, need, n_cells):
    """For each entrant, the plant need of the entrants before it in the same cell."""
    acc = np.zeros(n_cells)
    out = np.empty(cells.size)
    for i in range(cells.size):
        out[i] = acc[cells[i]]
        acc[cells[i]] += need[i]
    return out


@njit(
    int64[:](int64[:], float64[:], float64[:], float64[:, :], float64[:, :], boolean, int64[:],
             float64[:], float64[:, :], float64[:], float64[:], int64[:], int64[:], int64[:],
             float64, float64),
    **_OPTS,
)  # fmt: skip
def draw_cells(
    group, u_zone, u_cell, zone_w, zone_plant, plant_only, group_stage, group_need, mass_coef,
    box_z, plant_z, zone_start, zone_end, zone_order, power, plant_factor,
):  # fmt: skip
    """Entrants' cells by inverse CDF: a zone from its group's weights `zone_w` (uniform if all
    are zero; with `plant_only`, among zones with plant if any has weight there), then a cell of
    that zone with weight (1 + mass_coef[stage] . box)^power, times `plant_factor` where the
    cell has the group's plant need free (with `plant_only`, such cells only, if the zone has
    any). `box_z` and `plant_z` hold the cells in zone order; the cell weights are computed once
    per (group, zone) drawn. These are the weights of `rules.zone_weights` and
    `rules.cell_weights` (the caller computes the zone weights with the rule; the cell mass is
    the rule's formula, checked against `World.cell_weights` by the tests)."""
    k = group.size
    G, Z = zone_w.shape
    S = mass_coef.shape[0]
    n_cells = plant_z.size
    cdf = np.empty((G, Z))
    for g in range(G):
        plant_sum = 0.0
        if plant_only:
            for z in range(Z):
                plant_sum += zone_w[g, z] * zone_plant[g, z]
        acc = 0.0
        for z in range(Z):
            w = zone_w[g, z] * zone_plant[g, z] if plant_sum > 0 else zone_w[g, z]
            acc += w
            cdf[g, z] = acc
        if not acc > 0:  # an empty urn: uniform
            for z in range(Z):
                cdf[g, z] = z + 1.0
    zone = np.empty(k, dtype=np.int64)
    for i in range(k):
        g = group[i]
        target = u_zone[i] * cdf[g, Z - 1]
        z = 0
        while z < Z - 1 and cdf[g, z] <= target:
            z += 1
        zone[i] = z
    key = group * Z + zone
    order = np.argsort(key)
    out = np.empty(k, dtype=np.int64)
    cum = np.empty(n_cells)
    i = 0
    while i < k:
        g, z = group[order[i]], zone[order[i]]
        lo, hi = zone_start[z], zone_end[z]
        s, need = group_stage[g], group_need[g]
        any_plant = False
        for p in range(lo, hi):
            if need > 0 and plant_z[p] >= need:
                any_plant = True
                break
        acc = 0.0
        for p in range(lo, hi):
            m = 1.0
            for q in range(S):
                m += mass_coef[s, q] * box_z[q * n_cells + p]
            if power != 1.0:
                m = m**power
            has = need > 0 and plant_z[p] >= need
            if has:
                m *= plant_factor
            elif plant_only and any_plant:
                m = 0.0
            acc += m
            cum[p] = acc
        j = i
        while j < k and key[order[j]] == key[order[i]]:
            e = order[j]
            target = u_cell[e] * acc
            p = lo
            while p < hi - 1 and cum[p] <= target:
                p += 1
            out[e] = zone_order[p]
            j += 1
        i = j
    return out


@njit(
    Tuple((int64[:], int64[:]))(int64[:], int64[:], int64[:], int64[:], float64[:], int64[:],
                                int32[:], int32[:], int32[:], int32[:]),
    **_OPTS,
)  # fmt: skip
def lay_off(firm, cut, tailors, locals_, u, employer, firm_tailors, first, nxt, prv):
    """Firms `firm` cut `cut` workers each, chosen uniformly among their `tailors` tailor and
    `locals_` local employees. Returns (the tailors let go; the locals let go per firm); the
    tailors leave their firm's staff list, their employer is cleared and the firm's count falls.

    Two exact samplers read the uniforms `u` in turn (at most sum(cut) + sum(tailors) of them):
    how many of the cut are tailors is hypergeometric, drawn as `cut` draws without replacement
    from the urn of tailors and locals (only where a firm has both); which tailors go is a
    simple random sample, drawn by selection sampling (Knuth's algorithm S) along the firm's
    staff list: a member goes with probability still-to-go / members-still-to-scan. The cost is
    that of the firms' staff, not of all tailors.
    """
    fired_l = np.empty(firm.size, dtype=np.int64)
    n_out = 0
    go = np.empty(firm.size, dtype=np.int64)
    k = 0
    for j in range(firm.size):
        rt, rl, go_t = tailors[j], locals_[j], 0
        if rl == 0:
            go_t = min(cut[j], rt)
        elif rt > 0:
            for _ in range(cut[j]):
                if u[k] * (rt + rl) < rt:
                    go_t += 1
                    rt -= 1
                else:
                    rl -= 1
                k += 1
        fired_l[j] = cut[j] - go_t
        go[j] = go_t
        n_out += go_t
    out = np.empty(n_out, dtype=np.int64)
    n = 0
    for j in range(firm.size):
        f, need, left = firm[j], go[j], tailors[j]
        t = first[f]
        while need > 0 and t >= 0:
            after = nxt[t]
            if u[k] * left < need:
                _unlink(t, f, first, nxt, prv)
                employer[t] = -1
                firm_tailors[f] -= 1
                out[n] = t
                n += 1
                need -= 1
            left -= 1
            k += 1
            t = after
    return out[:n], fired_l


@njit(void(int64[:], int64[:], int32[:], int32[:], int32[:], int32[:]), **_OPTS)
def leave_jobs(who, employer, firm_tailors, first, nxt, prv):
    """Tailors `who` stop working for their employer, if any."""
    for t in who:
        e = employer[t]
        if e >= 0:
            _unlink(t, e, first, nxt, prv)
            firm_tailors[e] -= 1
            employer[t] = -1


@njit(
    Tuple((int64, int64))(int64[:], int64[:], int64[:], int64[:], int64[:], int64[:], int64,
                          int32[:], int32[:], int32[:]),
    **_OPTS,
)  # fmt: skip
def match(seekers, firm_order, gap, firm_slot, employer, hired_at, local_pool, first, nxt, prv):
    """Job seekers, in the given (random) order, fill the vacancies `gap` of the firms taken in
    `firm_order`; then local workers fill what is left, firm by firm, while the pool lasts.

    Writes each hire's employer (`firm_slot` of the firm) and, into `hired_at`, per firm (in
    the caller's firm positions) the tailors hired then, after them, the locals taken (the
    second half of `hired_at`); hires join their firm's staff list. Returns (tailors hired,
    local pool left)."""
    n_firms = gap.size
    h = 0
    for f in firm_order:
        g = gap[f]
        while g > 0 and h < seekers.size:
            employer[seekers[h]] = firm_slot[f]
            _link(seekers[h], firm_slot[f], first, nxt, prv)
            hired_at[f] += 1
            h += 1
            g -= 1
    for f in firm_order:
        left = gap[f] - hired_at[f]
        if left > 0 and local_pool > 0:
            take = min(left, local_pool)
            hired_at[n_firms + f] = take
            local_pool -= take
    return h, local_pool


@njit(void(int64[:], float64[:], float64[:]), **_OPTS)
def add_at(index, values, target):
    """target[index] += values, repeats accumulating (np.add.at without its per-call cost)."""
    for i in range(index.size):
        target[index[i]] += values[i]


@njit(
    Tuple((int64[:], float64[:], boolean[:], float64[:], int64[:], float64[:]))(
        int64[:], int16[:], int16[:], int32[:], int32[:], int32[:], float64[:], float64[:],
        int64, int64, int64,
    ),
    **_OPTS,
)  # fmt: skip
def month_totals(alive, stage, zone, cell, tailors, locals_, output, profit, S, Z, n_cells):
    """The month's aggregates of the living firms `alive` for `sim.measures.MonthLog`, in one
    pass: firms by (stage, zone), employment by zone, stages present (with workers), output by
    stage, firms by cell, and the totals (employment, tailor workers, output, profit, sum of
    squared firm employment)."""
    cross = np.zeros(S * Z, dtype=np.int64)
    emp_zone = np.zeros(Z)
    present = np.zeros(S, dtype=np.bool_)
    out_stage = np.zeros(S)
    density = np.zeros(n_cells, dtype=np.int64)
    totals = np.zeros(5)
    for f in alive:
        s, z = np.int64(stage[f]), np.int64(zone[f])
        w = np.float64(tailors[f] + locals_[f])
        cross[s * Z + z] += 1
        emp_zone[z] += w
        if w > 0:
            present[s] = True
        out_stage[s] += output[f]
        density[cell[f]] += 1
        totals[0] += w
        totals[1] += tailors[f]
        totals[2] += output[f]
        totals[3] += profit[f]
        totals[4] += w * w
    return cross, emp_zone, present, out_stage, density, totals


@njit(int64[:](int64[:], int64), **_OPTS)
def positions_from_gaps(gaps, n):
    """Positions (in 0..n-1) of successes whose gaps (geometric, >= 1) are given in turn:
    the cumulative sums minus one, up to the first that reaches n. If every position is below
    n, the caller must draw more gaps (the returned last position + 1 is where to go on)."""
    out = np.empty(gaps.size, dtype=np.int64)
    pos = -1
    for i in range(gaps.size):
        pos += min(gaps[i], n)  # a gap of n already leaves the range; no overflow
        if pos >= n:
            return out[:i]
        out[i] = pos
    return out


@njit(Tuple((int64[:], float64[:]))(int64[:], int8[:], int32[:], int64[:], int64[:], int8),
      **_OPTS)  # fmt: skip
def away_with_peer_share(cand, status, village, home_count, village_size, away):
    """The candidates still away, and the share of each one's village at home."""
    keep = np.empty(cand.size, dtype=np.int64)
    share = np.empty(cand.size)
    n = 0
    for t in cand:
        if status[t] == away:
            v = village[t]
            keep[n] = t
            share[n] = home_count[v] / max(village_size[v], 1)
            n += 1
    return keep[:n], share[:n]


@njit(int64[:](int64[:], uint16[:], int64), **_OPTS)
def months_since(who, since, month_mod):
    """Months since each tailor's last change of status (the uint16 clock wraps)."""
    out = np.empty(who.size, dtype=np.int64)
    for i in range(who.size):
        out[i] = (month_mod - np.int64(since[who[i]])) & 0xFFFF
    return out


@njit(
    Tuple((int64[:], int64, int64))(
        int64[:], float64[:], float64, float64[:], int64[:], float64[:], float64[:], int8, int8,
        int8[:], uint16[:], float64[:], float64[:], int64[:], int64, int32[:], int64[:],
    ),
    **_OPTS,
)  # fmt: skip
def migrate(
    cand, u_back, max_hazard, p_back, jobless, u_leave, p_leave, home, away, status, since,
    savings, saved, counts, month_mod, village, home_count,
):  # fmt: skip
    """Return migration's moves, decided on the state at the start of the month: candidate i
    (away) returns if u_back[i] * max_hazard < p_back[i] (it passed a Bernoulli(max_hazard)
    draw before, so it returns with probability p_back); jobless tailor j leaves if
    u_leave[j] < p_leave[j]. Statuses and village home counts move. Returns (the new jobless
    list: those who stayed, then the returnees; returns; departures)."""
    out = np.empty(jobless.size + cand.size, dtype=np.int64)
    n = 0
    n_leave = 0
    for j in range(jobless.size):
        t = jobless[j]
        if u_leave[j] < p_leave[j]:
            _move(t, away, status, since, savings, saved, counts, month_mod)
            home_count[village[t]] -= 1
            n_leave += 1
        else:
            out[n] = t
            n += 1
    n_back = 0
    for i in range(cand.size):
        if u_back[i] * max_hazard < p_back[i]:
            t = cand[i]
            _move(t, home, status, since, savings, saved, counts, month_mod)
            home_count[village[t]] += 1
            out[n] = t
            n += 1
            n_back += 1
    return out[:n], n_back, n_leave


@njit(
    Tuple((int64[:], int64[:], float64[:], float64[:, :], float64[:, :], float64[:, :],
           float64[:]))(
        int64[:], int64[:], float64[:], float64[:, :], float64[:, :], boolean, float64[:],
        int64[:], int64[:], int64[:],
    ),
    **_OPTS,
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


PRODUCTION_ROWS = (
    "stage", "same", "linked", "productivity", "tailors", "locals", "age", "plant_m2",
    "plant_months", "debt", "rent", "plant_rent", "financing_on", "burden_on", "plant_on",
    "output_per_worker", "demand", "input_cost_share",
)  # fmt: skip


@njit(
    float64[:, :](
        int64[:], int16[:], int32[:], int16[:], float64[:], float64[:], float64, int32[:],
        int32[:], int32[:], float64[:], int32[:], float64[:], float64[:], float64[:, :], int64,
        float64[:], float64[:], float64[:, :], float64[:], float64[:], float64[:],
    ),
    **_OPTS,
)  # fmt: skip
def production_inputs(
    alive, stage, cell, zone, productivity, shock, shock_sd, tailors, locals_, age, plant_m2,
    plant_months, debt, box, linked, n_cells, rent, base_rent, lever_terms, output_per_worker,
    demand, input_cost_share,
):  # fmt: skip
    """Everything the production and accounts rules read of each living firm, gathered in one
    pass into the rows of one array (see `PRODUCTION_ROWS`). Productivity takes its monthly
    shock here (productivity *= exp(shock_sd * shock)), written back to the firm column."""
    n = alive.size
    out = np.empty((len(PRODUCTION_ROWS), n))
    S = linked.shape[0]
    for i in range(n):
        f = alive[i]
        s, c, z = np.int64(stage[f]), np.int64(cell[f]), np.int64(zone[f])
        lk = 0.0
        for q in range(S):
            lk += linked[s, q] * box[q * n_cells + c]
        productivity[f] *= np.exp(shock_sd * shock[i])
        out[0, i] = s
        out[1, i] = box[s * n_cells + c] - 1.0  # same-stage neighbours, the firm itself out
        out[2, i] = lk
        out[3, i] = productivity[f]
        out[4, i] = tailors[f]
        out[5, i] = locals_[f]
        out[6, i] = age[f]
        out[7, i] = plant_m2[f]
        out[8, i] = plant_months[f]
        out[9, i] = debt[f]
        out[10, i] = rent[c]
        out[11, i] = base_rent[z]
        out[12, i] = lever_terms[0, z]
        out[13, i] = lever_terms[1, z]
        out[14, i] = lever_terms[2, z]
        out[15, i] = output_per_worker[s]
        out[16, i] = demand[s]
        out[17, i] = input_cost_share[s]
    return out


@njit(
    void(int64[:], float64[:, :], float64[:], float64[:], float64[:], float64[:], float64[:],
         float64, float64, float64, float64, float64[:], float64[:], float64[:], float64[:],
         float64[:], int32[:], int32[:], int32[:], float64[:], float64[:]),
    **_OPTS,
)  # fmt: skip
def settle_accounts(
    alive, rows, output, costs, req_fin, req_burden, req_plant, share_fin, share_burden,
    share_plant, amortization, profit, margin, capital, debt, out_col, loss_streak, age,
    plant_months, profit_by_stage, output_by_stage,
):  # fmt: skip
    """The month's books of each living firm: profit (output less costs plus each lever's
    support, its request times the share granted), margin, capital, debt amortization, loss
    streak, age and months in plant; output and profit summed by stage (in firm order, as
    bincount does). `rows` is `production_inputs`' array."""
    for i in range(alive.size):
        f = alive[i]
        s = np.int64(rows[0, i])
        o = output[i]
        p = o - costs[i] + (share_fin * req_fin[i] + share_burden * req_burden[i]
                            + share_plant * req_plant[i])  # fmt: skip
        profit[f] = p
        out_col[f] = o
        positive = o > 0
        margin[f] = p / o if positive else 0.0
        capital[f] += p
        debt[f] *= 1.0 - amortization
        loss_streak[f] = loss_streak[f] + 1 if (p < 0 or not positive) else 0
        age[f] = np.int32(rows[6, i]) + 1
        plant_months[f] = np.int32(rows[8, i]) + (1 if rows[7, i] > 0 else 0)
        profit_by_stage[s] += p
        output_by_stage[s] += o


@njit(
    Tuple((int64[:], int64))(
        int64[:], int64, int64[:], int64[:], int32[:], int32[:], boolean[:], int32[:], int32[:],
        int16[:], int16[:], boolean[:], int8[:], float64[:], float64[:], float64,
        float64[:, :], float64[:], float64[:], int64[:, :], int64, int64[:], int8, int8[:],
        uint16[:], float64[:], float64[:], int64[:], int64, int32[:], int32[:],
    ),
    **_OPTS,
)  # fmt: skip
def close_firms(
    out, month, employer, owner, tailors, locals_, alive, died, cell, stage, zone, anchor,
    origin, plant_m2, plant, anchor_weight, zone_counts, counts, boxes, window, n_cells, deaths,
    jobless_status, status, since, savings, saved, status_counts, month_mod, first, nxt,
):  # fmt: skip
    """Firms `out` exit: their tailor employees (along each firm's staff list) and then their
    returnee owners become jobless at home, their plant space is freed, the firm counts and
    neighbourhood sums fall, deaths are counted by origin, and the firms are marked dead with
    no workers. Returns (the tailors released, the local workers released)."""
    n_staff = 0
    for f in out:
        n_staff += tailors[f]
    released = np.empty(n_staff + out.size, dtype=np.int64)
    n = 0
    for f in out:
        t = first[f]
        while t >= 0:
            employer[t] = -1
            released[n] = t
            n += 1
            t = nxt[t]
        first[f] = -1
    freed_locals = 0
    for f in out:
        if owner[f] >= 0:
            released[n] = owner[f]
            n += 1
        freed_locals += locals_[f]
        c = np.int64(cell[f])
        plant[c] += plant_m2[f]
        s = np.int64(stage[f])
        w = anchor_weight if anchor[f] else 1.0
        zone_counts[s, np.int64(zone[f])] -= w
        off = s * n_cells
        counts[off + c] -= 1.0
        for j in range(window.shape[1]):
            boxes[off + window[c, j]] -= 1.0
        deaths[origin[f]] += 1
        alive[f] = False
        died[f] = month
        tailors[f] = 0
        locals_[f] = 0
    released = released[:n]
    for t in released:
        _move(t, jobless_status, status, since, savings, saved, status_counts, month_mod)
    return released, freed_locals


@njit(
    void(
        int64, int64[:], int64[:], int8, boolean[:], int64[:], float64[:], float64[:], int64[:],
        float64[:], int64[:], int64, int64, boolean[:], float64[:], int64, int64[:], float64,
        boolean[:], int16[:], int16[:], int32[:], int32[:], int32[:], int8[:], boolean[:],
        int64[:], float64[:], float64[:], int32[:], float64[:], int32[:], int32[:], float64[:],
        float64[:], float64[:, :], float64[:], float64[:], int64[:, :], int64[:], boolean,
    ),
    **_OPTS,
)  # fmt: skip
def add_firms(
    start, cells, stage, origin, anchor, owner, capital, debt, target, productivity, age, born,
    plant_mode, gets, need, height, zone_of_cell, anchor_weight,
    c_alive, c_stage, c_zone, c_x, c_y, c_cell, c_origin, c_anchor, c_owner, c_capital, c_debt,
    c_target, c_productivity, c_age, c_born, c_plant_m2,
    plant, zone_counts, counts, boxes, window, births, count_births,
):  # fmt: skip
    """Entrants fill the firm slots from `start`, are counted in the firm counts, neighbourhood
    sums and zone counts, and (with `count_births`) in the births by origin. Plant: with
    `plant_mode` 0 none is taken; 1, an entrant takes its `need` of standard plant where its
    cell had it free before the batch after the needs of the entrants before it in the same
    cell (first come, first served); 2, those marked in `gets` take it."""
    k = cells.size
    n_cells = plant.size
    if plant_mode == 1:
        before = np.zeros(n_cells)
        for i in range(k):
            c = cells[i]
            gets[i] = need[i] > 0 and plant[c] - before[c] >= need[i]
            before[c] += need[i]
    for i in range(k):
        f = start + i
        c, s = cells[i], stage[i]
        z = zone_of_cell[c]
        c_alive[f] = True
        c_stage[f] = s
        c_zone[f] = z
        c_x[f] = c // height
        c_y[f] = c % height
        c_cell[f] = c
        c_origin[f] = origin
        c_anchor[f] = anchor[i]
        c_owner[f] = owner[i]
        c_capital[f] = capital[i]
        c_debt[f] = debt[i]
        c_target[f] = target[i]
        c_productivity[f] = productivity[i]
        c_age[f] = age[i]
        c_born[f] = born
        if plant_mode != 0 and gets[i]:
            plant[c] -= need[i]
            c_plant_m2[f] = need[i]
        zone_counts[s, z] += anchor_weight if anchor[i] else 1.0
        off = s * n_cells
        counts[off + c] += 1.0
        for j in range(window.shape[1]):
            boxes[off + window[c, j]] += 1.0
    if count_births:
        births[origin] += k
