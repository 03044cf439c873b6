"""Compiled kernels of the vector engine (numba): each phase of the month in one call.

At the county's real size a NumPy month is a few hundred small array calls, each costing some
microseconds whatever its size. Here each phase (migration, labour, production, accounts, exit and
the month's aggregates; entry is in `sim.engines.vector.entry_kernels`) is one compiled call that
loops over the agents concerned. The kernels hold no rule of the model: they call the rules of
`sim.core.rules` compiled from the same source (`sim.engines.vector.compiled_rules`), and only
gather the rules' inputs, move agents between states and keep the books (status counts, staff lists,
firm counts and their neighbourhood sums). Random numbers come in as arguments, drawn beforehand
from the engine's `Generator` streams (as many as a phase can use at most), so a seed fixes a run
bit for bit.

Kernels with scenario records compile for the records' types on their first call
(`sim.engines.vector.model.warm_up` loads them ahead); the others have explicit signatures and load
when this module is imported. numba's on-disk cache is keyed by the source of every compiled module
(`sim.engines.vector.jit`), so a changed rule is never served from a stale cache.
"""

from __future__ import annotations

import numpy as np
from numba.types import Tuple, float64, int32, int64

from sim.core.codes import AWAY, EMPLOYED_HOME, UNEMPLOYED_HOME
from sim.engines.vector import compiled_rules as rules
from sim.engines.vector.bundles import (
    Accounts,
    FirmsBooks,
    FirmsExit,
    FirmsLabour,
    FirmsProduction,
    Grid,
    MonthTotals,
    Tailors,
)
from sim.engines.vector.jit import jit


@jit(inline="always")
def _move(t, new, status, since, savings, saved, counts, month_mod):
    """Tailor t changes status to `new`: its savings are settled, the status counts follow.
    Takes the `Tailors` fields, not the bundle: a field read from a bundle costs a reference
    count each time, and this runs once per tailor moved."""
    old = status[t]
    if saved[old] != 0.0:
        elapsed = (month_mod - np.int64(since[t])) & 0xFFFF  # uint16 clock, wraps
        savings[t] += saved[old] * elapsed
    counts[old] -= 1
    counts[new] += 1
    status[t] = new
    since[t] = month_mod


@jit(inline="always")
def _mover(tailors):
    """The `Tailors` fields `_move` takes (status, since, savings, saved, counts)."""
    return (tailors.status, tailors.since, tailors.savings, tailors.saved,
            tailors.status_counts)  # fmt: skip


@jit(inline="always")
def _link(t, f, first, nxt, prv):
    """Tailor t joins the staff list of firm f (at its head)."""
    h = first[f]
    nxt[t] = h
    prv[t] = -1
    if h >= 0:
        prv[h] = t
    first[f] = t


@jit(inline="always")
def _unlink(t, f, first, nxt, prv):
    """Tailor t leaves the staff list of firm f."""
    p, n = prv[t], nxt[t]
    if p >= 0:
        nxt[p] = n
    else:
        first[f] = n
    if n >= 0:
        prv[n] = p


@jit(
    Tuple((int64[:], int64[:]))(int64[:], int64[:], int64[:], int64[:], float64[:], int64[:],
                                int32[:], int32[:], int32[:], int32[:]),
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


@jit()
def month_totals(
    alive, stage, zone, cell, tailors, locals_, output, profit, block_of_cell, S, Z, B, width,
    height,
):  # fmt: skip
    """The month's aggregates of the living firms `alive` for `sim.measures.monthly.MonthLog`, in
    one pass, as a `MonthTotals`: firms by (stage, zone), employment by (stage, zone) and by
    (stage, block), stages present (with workers), output by stage, the sum of squared firm
    employment by stage, the totals (employment, tailor workers, output, profit), and the parts of
    Moran's I of firms per cell with rook contiguity (`metrics.morans_i`): the sum of squared
    deviations from the mean, the sum over neighbouring pairs of the products of deviations, and
    1 if every cell holds as many."""
    cross = np.zeros(S * Z, dtype=np.int64)
    emp_stage_zone = np.zeros(S * Z)
    emp_stage_block = np.zeros(S * B)
    workers_sq_stage = np.zeros(S)
    present = np.zeros(S, dtype=np.bool_)
    out_stage = np.zeros(S)
    totals = np.zeros(4)
    n_cells = width * height
    density = np.zeros(n_cells)
    for f in alive:
        s, z = np.int64(stage[f]), np.int64(zone[f])
        w = np.float64(tailors[f] + locals_[f])
        cross[s * Z + z] += 1
        emp_stage_zone[s * Z + z] += w
        emp_stage_block[s * B + block_of_cell[cell[f]]] += w
        workers_sq_stage[s] += w * w
        if w > 0:
            present[s] = True
        out_stage[s] += output[f]
        totals[0] += w
        totals[1] += tailors[f]
        totals[2] += output[f]
        totals[3] += profit[f]
        density[cell[f]] += 1.0
    mean = alive.size / n_cells
    lo, hi = np.inf, -np.inf
    den, half = 0.0, 0.0
    for x in range(width):
        for y in range(height):
            d = density[x * height + y]
            lo, hi = min(lo, d), max(hi, d)
            z = d - mean
            den += z * z
            if y + 1 < height:
                half += z * (density[x * height + y + 1] - mean)
            if x + 1 < width:
                half += z * (density[(x + 1) * height + y] - mean)
    moran_parts = np.array([den, half, 1.0 if lo == hi else 0.0])
    return MonthTotals(
        cross, emp_stage_zone, emp_stage_block, workers_sq_stage, present, out_stage, totals[0],
        totals[1], totals[2], totals[3], moran_parts,
    )  # fmt: skip


@jit(int64[:](int64[:], int64))
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


@jit()
def migrate(
    cand, u_back, jobless, u_leave, home_income, coastal_wage, publicised_levers, b_rec, tailors,
    month_mod,
):  # fmt: skip
    """Return migration's moves, decided on the state at the start of the month. Candidate i
    passed a Bernoulli(max_hazard) draw before; if still away, it returns when
    u_back[i] * max_hazard < p, p the rule `return_probability` on its village's share at home
    (so it returns with probability p). Jobless tailor j at home leaves when u_leave[j] is below
    the rule `leave_probability` of its months jobless. Statuses and village home counts move.
    Returns (the new jobless list: those who stayed, then the returnees; returns; departures)."""
    tailors = Tailors(*tailors)  # named again (it came as a plain tuple: `bundles.plain`)
    rm = b_rec[0].return_migration
    status, since, savings, saved, counts = _mover(tailors)
    village, attachment = tailors.village, tailors.attachment
    home_count, village_size = tailors.home_count, tailors.village_size
    away_now = np.empty(cand.size, dtype=np.int64)
    share = np.empty(cand.size)
    n = 0
    for t in cand:
        if status[t] == AWAY:
            v = village[t]
            away_now[n] = t
            share[n] = home_count[v] / max(village_size[v], 1)
            n += 1
    att = np.empty(n)
    for i in range(n):
        att[i] = attachment[away_now[i]]
    p_back = rules.return_probability(
        home_income, coastal_wage, share[:n], publicised_levers, att, rm
    )
    months = np.empty(jobless.size, dtype=np.int64)
    for j in range(jobless.size):
        months[j] = (month_mod - np.int64(since[jobless[j]])) & 0xFFFF  # uint16 clock
    p_leave = rules.leave_probability(months, rm)
    out = np.empty(jobless.size + n, dtype=np.int64)
    m = 0
    n_leave = 0
    for j in range(jobless.size):
        t = jobless[j]
        if u_leave[j] < p_leave[j]:
            _move(t, AWAY, status, since, savings, saved, counts, month_mod)
            home_count[village[t]] -= 1
            n_leave += 1
        else:
            out[m] = t
            m += 1
    n_back = 0
    for i in range(n):
        if u_back[i] * rm.max_hazard < p_back[i]:
            t = away_now[i]
            _move(t, UNEMPLOYED_HOME, status, since, savings, saved, counts, month_mod)
            home_count[village[t]] += 1
            out[m] = t
            m += 1
            n_back += 1
    return out[:m], n_back, n_leave


@jit()
def close_firms(out, month, month_mod, tailors, firms, grid, deaths):
    """Firms `out` exit: their tailor employees (along each firm's staff list) and then their
    returnee owners become jobless at home, their plant space is freed, the firm counts and
    neighbourhood sums fall, deaths are counted by origin, and the firms are marked dead with
    no workers. Returns (the tailors released, the local workers released)."""
    employer, nxt, first = tailors.employer, tailors.next_staff, firms.first_staff
    tailors_n, locals_n, owner, cell = firms.tailors, firms.locals, firms.owner, firms.cell
    plant_m2, stage, anchor, zone = firms.plant_m2, firms.stage, firms.anchor, firms.zone
    origin, alive, died = firms.origin, firms.alive, firms.died
    window, boxes, plant, counts_cell = grid.window, grid.boxes, grid.plant, grid.counts
    zone_counts, anchor_weight, n_cells = grid.zone_counts, grid.anchor_weight, grid.n_cells
    status, since, savings, saved, counts = _mover(tailors)
    n_staff = 0
    for f in out:
        n_staff += tailors_n[f]
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
        freed_locals += locals_n[f]
        c = np.int64(cell[f])
        plant[c] += plant_m2[f]
        s = np.int64(stage[f])
        w = anchor_weight if anchor[f] else 1.0
        zone_counts[s, np.int64(zone[f])] -= w
        off = s * n_cells
        counts_cell[off + c] -= 1.0
        for j in range(window.shape[1]):
            boxes[off + window[c, j]] -= 1.0
        deaths[origin[f]] += 1
        alive[f] = False
        died[f] = month
        tailors_n[f] = 0
        locals_n[f] = 0
    released = released[:n]
    for t in released:
        _move(t, UNEMPLOYED_HOME, status, since, savings, saved, counts, month_mod)
    return released, freed_locals


@jit()
def labour_plan(alive, firms, leverage, kpw, b_rec):
    """Each living firm's employment target for the month (the rule `hiring_target`, with the
    credit room its zone's leverage allows; entrants without workers keep their start-up
    target), written to `firms.target`. Returns (targets, the uniforms the month's labour market
    needs at most: `labour_market`)."""
    firms = FirmsLabour(*firms)
    tailors, locals_, age, target_col = firms.tailors, firms.locals, firms.age, firms.target
    capital, debt, margin, zone = firms.capital, firms.debt, firms.margin, firms.zone
    production = b_rec[0].production
    n = alive.size
    workers = np.empty(n, dtype=np.int64)
    target = np.empty(n, dtype=np.int64)
    for i in range(n):
        f = alive[i]
        workers[i] = tailors[f] + locals_[f]
        room = rules.credit_room(capital[f], debt[f], leverage[zone[f]])
        target[i] = rules.hiring_target(workers[i], margin[f], room, kpw, production)
    need = 0
    for i in range(n):
        f = alive[i]
        if age[f] == 0 and workers[i] == 0:  # an entrant keeps its start-up target
            target[i] = target_col[f]
        target_col[f] = target[i]
        cut = workers[i] - target[i]
        if cut > 0:
            need += cut + tailors[f]
        else:
            need += 1 - cut  # its place in the order of firms, and its vacancies
    return target, need


@jit()
def labour_market(
    alive, target, u, firms, kpw, base_leverage, guarantee_z, tailor_state, jobless, local_pool,
    month_mod,
):  # fmt: skip
    """Layoffs, then matching, on the targets of `labour_plan`.

    Layoffs: a firm above its target cuts the excess, uniformly among its tailor and local
    employees (as `lay_off`). Matching: the job seekers (the jobless, the laid off included)
    in random order fill the vacancies of the firms in random order; then local workers fill
    what is left, firm by firm in the same order, while the pool lasts. Only as many seekers as
    there are vacancies are drawn (a partial Fisher-Yates shuffle), which gives the hired the
    same distribution as shuffling them all. New debt pays the machines of a grown firm's new
    workers; the part of it beyond what the firm could borrow at `base_leverage` is guaranteed
    where `guarantee_z` holds for its zone (`rules.guaranteed_debt`). Returns (the jobless list
    after, the local pool after, seekers, vacancies)."""
    firms, tailor_state = FirmsLabour(*firms), Tailors(*tailor_state)
    tailors, locals_, age, debt = firms.tailors, firms.locals, firms.age, firms.debt
    capital, guaranteed, zone = firms.capital, firms.guaranteed, firms.zone
    employer, first = tailor_state.employer, firms.first_staff
    nxt, prv = tailor_state.next_staff, tailor_state.prev_staff
    status, since, savings, saved, counts = _mover(tailor_state)
    n = alive.size
    k = 0
    cut_firms = 0
    for i in range(n):
        if tailors[alive[i]] + locals_[alive[i]] > target[i]:
            cut_firms += 1
    firm = np.empty(cut_firms, dtype=np.int64)
    cut, nt, nl = (
        np.empty(cut_firms, np.int64),
        np.empty(cut_firms, np.int64),
        np.empty(cut_firms, np.int64),
    )
    j = 0
    for i in range(n):
        f = alive[i]
        w = tailors[f] + locals_[f]
        if w > target[i]:
            firm[j], cut[j], nt[j], nl[j] = f, w - target[i], tailors[f], locals_[f]
            j += 1
    fired, fired_l = lay_off(firm, cut, nt, nl, u, employer, tailors, first, nxt, prv)
    for j in range(cut_firms):
        k += cut[j] + nt[j]
        locals_[firm[j]] -= fired_l[j]
        local_pool += fired_l[j]
    seekers = np.empty(jobless.size + fired.size, dtype=np.int64)
    seekers[: jobless.size] = jobless
    seekers[jobless.size :] = fired
    for t in fired:
        _move(t, UNEMPLOYED_HOME, status, since, savings, saved, counts, month_mod)
    # firms with vacancies, in random order
    gap = np.zeros(n, dtype=np.int64)
    hiring = 0
    for i in range(n):
        f = alive[i]
        gap[i] = max(target[i] - tailors[f] - locals_[f], 0)
        if gap[i] > 0:
            hiring += 1
    order = np.empty(hiring, dtype=np.int64)
    j = 0
    vacancies = 0
    for i in range(n):
        if gap[i] > 0:
            order[j] = i
            vacancies += gap[i]
            j += 1
    for i in range(hiring - 1, 0, -1):
        r = int(u[k] * (i + 1))
        k += 1
        order[i], order[r] = order[r], order[i]
    # the hired: the first `hires` of a random order of the seekers
    hires = min(vacancies, seekers.size)
    for i in range(hires):
        r = i + int(u[k] * (seekers.size - i))
        k += 1
        seekers[i], seekers[r] = seekers[r], seekers[i]
    h = 0
    for i in order:
        f = alive[i]
        took_t = 0
        while took_t < gap[i] and h < hires:
            t = seekers[h]
            employer[t] = f
            _link(t, f, first, nxt, prv)
            _move(t, EMPLOYED_HOME, status, since, savings, saved, counts, month_mod)
            took_t += 1
            h += 1
        tailors[f] += took_t
        took_l = min(gap[i] - took_t, local_pool)
        locals_[f] += took_l
        local_pool -= took_l
        if age[f] > 0:
            new_debt = rules.machine_debt(took_t + took_l, age[f], kpw)
            guaranteed[f] = rules.guaranteed_debt(
                guaranteed[f], debt[f], new_debt, rules.credit_room(capital[f], 0.0, base_leverage),
                guarantee_z[zone[f]],
            )  # fmt: skip
            debt[f] += new_debt
    return seekers[hires:].copy(), local_pool, seekers.size, vacancies


@jit()
def produce(
    alive, shock, firms, grid, rent, lever_terms, output_per_worker, demand, input_cost_share,
    b_rec, lv_rec,
):  # fmt: skip
    """Production and the costs before support of each living firm: productivity takes its
    monthly shock (the rule `shocked_productivity`, written back), then the rules
    `externality` (neighbours of the same stage, the firm itself out, and of linked stages),
    `firm_output` and `firm_accounts`. Returns the firms' `Accounts` (output, costs, the
    financing, burden and plant requests, plant rent due, stage, and the tax part of each
    lever's requests summed over the firms)."""
    firms, grid = FirmsProduction(*firms), Grid(*grid)
    b = b_rec[0]
    n = alive.size
    linked, box, n_cells, base_rent = grid.linked, grid.boxes, grid.n_cells, grid.base_rent
    f_stage, f_cell, f_zone, f_productivity = (
        firms.stage,
        firms.cell,
        firms.zone,
        firms.productivity,
    )
    f_tailors, f_locals, f_age, f_debt = firms.tailors, firms.locals, firms.age, firms.debt
    f_plant_m2, f_plant_months, f_discount = (
        firms.plant_m2,
        firms.plant_months,
        firms.plant_discount,
    )
    S = linked.shape[0]
    stage = np.empty(n, dtype=np.int64)
    same, linked_sum, productivity = np.empty(n), np.empty(n), np.empty(n)
    tailors, locals_, age = np.empty(n), np.empty(n), np.empty(n)
    plant_m2, plant_months, debt = np.empty(n), np.empty(n), np.empty(n)
    discounted = np.empty(n)
    rent_cell, rent_zone = np.empty(n), np.empty(n)
    per_worker, stage_demand, input_share = np.empty(n), np.empty(n), np.empty(n)
    lever = np.empty((3, n))
    production = b.production
    for i in range(n):
        f = alive[i]
        si, c, z = np.int64(f_stage[f]), np.int64(f_cell[f]), np.int64(f_zone[f])
        acc = 0.0
        for q in range(S):
            acc += linked[si, q] * box[q * n_cells + c]
        f_productivity[f] = rules.shocked_productivity(f_productivity[f], shock[i], production)
        stage[i] = si
        same[i] = box[si * n_cells + c] - 1.0
        linked_sum[i] = acc
        productivity[i] = f_productivity[f]
        tailors[i], locals_[i], age[i] = f_tailors[f], f_locals[f], f_age[f]
        plant_m2[i], plant_months[i] = f_plant_m2[f], f_plant_months[f]
        discounted[i] = f_discount[f]
        debt[i] = f_debt[f]
        rent_cell[i], rent_zone[i] = rent[c], base_rent[z]
        for r in range(3):
            lever[r, i] = lever_terms[r, z]
        per_worker[i], stage_demand[i] = output_per_worker[si], demand[si]
        input_share[i] = input_cost_share[si]
    ext = rules.externality(same, linked_sum, b.externalities, b.agglomeration_unit)
    out = rules.firm_output(
        per_worker, productivity, ext, stage_demand, tailors, locals_, b.production
    )
    costs, req_fin, req_burden, req_plant, rent_due, tax_fin, tax_burden, tax_plant = (
        rules.firm_accounts(
            out, input_share, tailors, locals_, plant_m2, rent_cell, rent_zone, debt,
            plant_months, age, lever, discounted, b, lv_rec[0],
        )
    )  # fmt: skip
    tax_requested = np.array([tax_fin.sum(), tax_burden.sum(), tax_plant.sum()])
    return Accounts(out, costs, req_fin, req_burden, req_plant, rent_due, stage, tax_requested)


@jit()
def settle_accounts(
    alive, accounts, share_fin, share_burden, share_plant, amortization, income_tax, firms,
    n_stages,
):  # fmt: skip
    """The month's books of each living firm (on `produce`'s `Accounts`): profit (output less
    costs plus each lever's support, its request times the share granted, less the corporate
    income tax at the rate `income_tax`), margin, capital, debt amortization, loss streak, age
    and months in plant. Returns (output by stage, profit by stage, plant rent collected net of
    the plant lever's discount, the corporate income tax of all firms)."""
    accounts, firms = Accounts(*accounts), FirmsBooks(*firms)
    profit, margin, capital, debt = firms.profit, firms.margin, firms.capital, firms.debt
    guaranteed = firms.guaranteed
    loss_streak, age, plant_months = firms.loss_streak, firms.age, firms.plant_months
    f_output, plant_m2 = firms.output, firms.plant_m2
    output, costs, stage, rent_due = (
        accounts.output,
        accounts.costs,
        accounts.stage,
        accounts.rent_due,
    )
    req_fin, req_burden = accounts.financing_request, accounts.burden_request
    req_plant = accounts.plant_request
    out_stage, profit_stage = np.zeros(n_stages), np.zeros(n_stages)
    rent = 0.0
    tax = 0.0
    for i in range(alive.size):
        f = alive[i]
        o = output[i]
        support = (share_fin * req_fin[i] + share_burden * req_burden[i]
                   + share_plant * req_plant[i])  # fmt: skip
        (
            p, margin[f], capital[f], debt[f], guaranteed[f], loss_streak[f], age[f],
            plant_months[f], t,
        ) = rules.settle_firm(
            o, costs[i], support, capital[f], debt[f], guaranteed[f], loss_streak[f], age[f],
            plant_m2[f] > 0, plant_months[f], amortization, income_tax,
        )  # fmt: skip
        profit[f] = p
        f_output[f] = o
        s = stage[i]
        out_stage[s] += o
        profit_stage[s] += p
        rent += rent_due[i] - req_plant[i] * share_plant
        tax += t
    return out_stage, profit_stage, rent, tax


@jit()
def exit_firms(alive, u, b_rec, month, month_mod, tailors, firms, grid, deaths):
    """Exit: a firm goes when its capital is negative or its losses have lasted `loss_months`,
    or else with the hazard of the rule `exit_hazard` (uniforms `u`, one per firm). Then as
    `close_firms`. Returns (the tailors released, the local workers released, the guaranteed
    debt of the firms gone, for `Government.charge_guarantees`)."""
    tailors, firms, grid = Tailors(*tailors), FirmsExit(*firms), Grid(*grid)
    ex = b_rec[0].exit
    age, profit, capital, loss_streak = firms.age, firms.profit, firms.capital, firms.loss_streak
    guaranteed = firms.guaranteed
    n = alive.size
    ages, losing = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_)
    for i in range(n):
        ages[i] = age[alive[i]]
        losing[i] = profit[alive[i]] < 0
    hazard = rules.exit_hazard(ages, losing, ex)
    out = np.empty(n, dtype=np.int64)
    m = 0
    owed = 0.0
    for i in range(n):
        f = alive[i]
        if rules.forced_exit(capital[f], loss_streak[f], ex) or u[i] < hazard[i]:
            out[m] = f
            m += 1
            owed += guaranteed[f]
    if m == 0:
        return np.empty(0, dtype=np.int64), 0, 0.0
    released, freed = close_firms(out[:m], month, month_mod, tailors, firms, grid, deaths)
    return released, freed, owed
