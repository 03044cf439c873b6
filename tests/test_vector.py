"""The vector engine: invariants on every step, bit-for-bit reproducibility, and the same outputs
(columns, firm table) as the Mesa engine."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.codes import EMPLOYED_HOME, ENTREPRENEUR, STATUSES, UNEMPLOYED_HOME
from sim.engines.vector.model import VectorModel
from sim.engines.vector.soa import FIRM_FIELDS, Table
from tests.conftest import small
from tests.test_model import TIGHT


def check_invariants(m: VectorModel) -> None:
    spec, f = m.spec, m.firms
    status = np.bincount(m.status, minlength=4)
    assert status.sum() == spec.population.tailors  # tailors are conserved across states
    row = m.current
    for i, s in enumerate(STATUSES):
        assert row[f"tailors_{s}"] == status[i]
    employed = m.status == EMPLOYED_HOME
    assert ((m.employer >= 0) == employed).all()  # a job iff employed at home
    assert f.alive[m.employer[employed]].all()  # ... at a living firm
    assert np.array_equal(np.bincount(m.employer[employed], minlength=f.n), f.tailors)
    for firm in np.flatnonzero(f.tailors):  # each firm's staff list holds its tailor employees
        staff, t, before = [], f.first_staff[firm], -1
        while t >= 0:
            assert m._prev_staff[t] == before
            staff.append(t)
            before, t = t, m._next_staff[t]
        assert sorted(staff) == np.flatnonzero(m.employer == firm).tolist()
    assert (f.first_staff[f.tailors == 0] == -1).all()
    assert (f.tailors[~f.alive] == 0).all() and (f.locals[~f.alive] == 0).all()
    assert f.locals.sum() + m.local_pool == spec.population.local_workers
    assert row["employment"] == (f.tailors + f.locals)[f.alive].sum()
    owners = f.owner[f.alive & (f.owner >= 0)]
    assert np.array_equal(np.sort(owners), np.flatnonzero(m.status == ENTREPRENEUR))
    assert row["firms"] == f.alive.sum() == m.world.counts.sum()
    for key in ("chain_completeness", "local_sourcing_ratio"):
        assert math.isnan(row[key]) or 0.0 <= row[key] <= 1.0
    for name in spec.lever_names():
        lever = m.gov[name]
        assert -1e-6 <= lever.spent <= getattr(spec.levers, name).budget + 1e-6
        assert lever.cost == pytest.approx(lever.spent + lever.beyond_budget)
    occupied = f.plant_m2[f.alive].sum()
    assert m.world.plant.sum() + occupied == pytest.approx(m.world.plant_built.sum())


@pytest.mark.parametrize("name,extra", [("baseline", {}), ("combined", TIGHT)])
def test_invariants_hold_on_every_step(name, extra):
    scenario = small(name, **extra)
    m = VectorModel(scenario, seed=3)
    check_invariants(m)
    for _ in range(scenario.run.months):
        m.step()
        check_invariants(m)
    if extra:
        assert all(m.gov.exhausted[n] for n in ("burden", "plant_supply"))
    assert m.current["firms"] > 0


def test_same_seed_same_run_different_seed_different_run():
    scenario = small("combined")
    a = sim.run(scenario, engine="vector", seed=11)
    b = sim.run(scenario, engine="vector", seed=11)
    c = sim.run(scenario, engine="vector", seed=12)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.firms, b.firms)
    assert not a.timeseries.equals(c.timeseries)


def test_same_outputs_as_the_mesa_engine():
    scenario = small("baseline", **{"run.months": 6})
    mesa, vec = sim.run(scenario, engine="mesa", seed=2), sim.run(scenario, engine="vector", seed=2)
    assert list(mesa.timeseries.columns) == list(vec.timeseries.columns)
    assert list(mesa.firms.columns) == list(vec.firms.columns)
    # the same seed gives both engines the same county at month 0
    pd.testing.assert_series_equal(mesa.timeseries.iloc[0], vec.timeseries.iloc[0])


def _filled(dtype: np.dtype, default: float, start: int, n: int) -> np.ndarray:
    """n values of `dtype` none of which is the column's default: distinct numbers from `start`
    (so a value moved to another slot or column shows), True for a False default."""
    if dtype == np.bool_:
        return np.full(n, not default)
    return (default + 1.5 + start + np.arange(n)).astype(dtype)


def test_table_growth_keeps_every_column():
    """Table.reserve past its capacity grows every column (capacity doubles, or jumps to what is
    asked), keeps each value of the slots in use, puts the new slots at their defaults and keeps
    the dtypes; a reserve that fits moves nothing. Every firm field, off its default."""
    t = Table(FIRM_FIELDS, capacity=4)
    assert t.reserve(3) == 0 and (t.n, t.capacity) == (3, 4)
    for i, (name, (dtype, default)) in enumerate(FIRM_FIELDS.items()):
        setattr(t, name, _filled(np.dtype(dtype), default, 4 * i, 3))
    before = {name: getattr(t, name).copy() for name in FIRM_FIELDS}
    columns = dict(t.cols)
    assert t.reserve(1) == 3 and t.capacity == 4  # fits: the same arrays
    assert all(t.cols[k] is columns[k] for k in FIRM_FIELDS)
    for count, capacity in ((2, 8), (20, 26)):  # 4 + 2 > 4: double; 6 + 20 > 16: what is asked
        n = t.n
        snapshot = {name: getattr(t, name).copy() for name in FIRM_FIELDS}
        assert t.reserve(count) == n and t.n == n + count and t.capacity == capacity
        for name, (dtype, default) in FIRM_FIELDS.items():
            col = t.cols[name]
            assert col.dtype == np.dtype(dtype) and col.size == capacity, name
            np.testing.assert_array_equal(col[:n], snapshot[name], err_msg=name)
            np.testing.assert_array_equal(col[:3], before[name], err_msg=name)
            assert (col[n:] == np.asarray(default, dtype=dtype)).all(), name
    t.capital += 1.0  # attribute writes reach the grown arrays
    assert t.cols["capital"][0] == before["capital"][0] + 1.0


def test_firm_arrays_grow_without_losing_firms():
    """The engine's firm table grows while firms enter (combined, 120 months, from 64 slots): at
    every growth each column of every firm already in the table is the same after as before.
    Outside investors arrive at a base rate of 2 a month, not 0.2, so that enough firms enter to
    outgrow the first 64 slots (at the default rate and 48 months, combined used only 22-30
    slots once the publicity option was off by default; with these settings 108-152 on seeds
    4-7)."""
    busy = {"run.months": 120, "behaviour.outside_investment.base_rate": 2.0}
    m = VectorModel(small("combined", **busy), seed=4)
    table, reserve = m.firms, m.firms.reserve
    start_capacity, growths = table.capacity, []

    def checked_reserve(count: int) -> int:
        n, capacity = table.n, table.capacity
        snapshot = {name: getattr(table, name).copy() for name in FIRM_FIELDS}
        first = reserve(count)
        assert first == n and table.n == n + count and table.capacity >= table.n
        if table.capacity != capacity:
            growths.append((n, capacity, table.capacity))
            for name, values in snapshot.items():
                np.testing.assert_array_equal(table.cols[name][:n], values, err_msg=name)
        return first

    table.reserve = checked_reserve
    for _ in range(120):
        m.step()
    assert growths and start_capacity == growths[0][1] < table.capacity  # the table did grow
    assert table.n > start_capacity and table.alive.sum() > 0
    born = table.born
    assert (np.diff(born) >= 0).all()  # slots are handed out in order of entry


def test_founders_compete_for_the_free_plant_of_their_zone():
    """7.2: a founder finds plant when the zone it would set up in has a slot left
    (`rules.plant_slots`) on the plant the founders before it left, and takes it. Every
    candidate at home founds here (`entry_kernels.found` called with the founding probability 1
    with or without plant, savings that always finance), so in each zone exactly
    min(founders there, its slots at the start) founders get plant, and every one of them in a
    cell that had its need free; the others pay for premises. Some zone must have had more
    founders than slots (the founders competed) and some founder must have got plant."""
    from sim.engines.vector import entry_kernels
    from sim.engines.vector.bundles import FirmsEntry
    from sim.engines.vector.model import _WRAP

    rich = {"run.months": 24, "population.savings_mean": 5e6, "population.savings_sigma": 0.0}
    many = {"population.initial_home_share": 0.5, "behaviour.entrepreneurship.skill_min": 0.3}
    m = VectorModel(small("plants", **rich, **many), seed=3)
    for _ in range(12):
        m.step()
    world, ent, county = m.world, m.spec.behaviour.entrepreneurship, m.county
    need = float(world.plant_need(ent.startup_workers))
    slots = np.array([world.plant_slots(z, need) for z in range(county.n_zones)])
    free_before = world.plant.ravel().copy()
    home = (m.status == EMPLOYED_HOME) | (m.status == UNEMPLOYED_HOME)
    pos = np.flatnonzero(home & (m.skill >= ent.skill_min)).astype(np.int64)
    k = pos.size
    g = np.random.default_rng(0)
    ones = np.ones(m.chain.n)
    cap_z, lev_z = world.founder_credit_terms(m.month, m._zones)
    start = m.firms.reserve(k)
    founded, m._jobless = entry_kernels.found(
        pos, world.founder_shares.copy(), ones, ones, g.random(3 * k), g.random(2 * k),
        g.standard_normal(k), m._b_rec, m._location(), need, np.asarray(cap_z, dtype=float),
        np.asarray(lev_z, dtype=float), m.gov.guarantee_zones(m.month),
        m.gov.discount_zones(m.month), m._tailors, m._jobless, m.firms.bundle(FirmsEntry),
        m._grid, m.births, start, m.month, m.month % _WRAP,
    )  # fmt: skip
    assert founded == k  # every candidate founded: nothing thinned, everyone financed
    new = np.arange(start, start + founded)
    zone, in_plant, cell = m.firms.zone[new], m.firms.plant_m2[new] > 0, m.firms.cell[new]
    for z in range(county.n_zones):
        assert in_plant[zone == z].sum() == min((zone == z).sum(), slots[z]), z
    assert (free_before[cell[in_plant]] >= need).all()
    per_zone = np.bincount(zone, minlength=county.n_zones)
    assert ((per_zone > slots) & (slots > 0)).any() and in_plant.any()
