"""The month-axis measures both engines use (`sim.measures.monthly.MonthLog`) against the indices
computed row by row from each month's firms (tests/measure_oracle.py), the two engines' month
aggregates against each other, and the vector engine's lazy tailor state (savings, months jobless)
against a plain month-by-month account."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import sim
from sim.core import rules
from sim.core.codes import AWAY, EMPLOYED_HOME, ENTREPRENEUR, UNEMPLOYED_HOME
from sim.core.scaling import scale_overrides
from sim.engines.mesa.model import ClusterModel
from sim.engines.vector.model import _SETTLE_EVERY, _WRAP, VectorModel, _bernoulli_positions
from sim.measures.monthly import firm_aggregates
from tests.conftest import SCENARIOS, small
from tests.measure_oracle import measures_row
from tests.test_model import TIGHT


def _same_row(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        x, y = a[k], b[k]
        if isinstance(y, float) and math.isnan(y):
            assert math.isnan(x), k
        else:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-9), k


def _edge(name: str, **extra):
    """A benchmark scenario of scenarios/benchmarks/ (small, short)."""
    return sim.load_scenario(SCENARIOS / "benchmarks" / f"{name}.yaml", extra)


MEASURE_CASES = {
    "baseline": lambda: small("baseline", **{"run.months": 30}),
    "combined": lambda: small("combined", **{"run.months": 30, **TIGHT}),
    "no_policy": lambda: small("no_policy", **{"run.months": 24}),
    # one stage, no IO links (completeness and sourcing NaN), firms without workers (EG, HHI and
    # LQ NaN), two zones that fill the grid
    "arthur_urn": lambda: _edge("arthur_urn", **{"run.months": 24}),
    # no tailors at all, local workers only, a zone "rest"
    "dartboard": lambda: _edge("dartboard", **{"run.months": 24}),
    # tailors but no firms ever: every firm measure empty
    "cascade": lambda: _edge("cascade", **{"run.months": 24, "population.tailors": 1000}),
}


@pytest.mark.parametrize(
    "engine,case",
    [("vector", case) for case in MEASURE_CASES] + [("mesa", "baseline"), ("mesa", "arthur_urn")],
)
def test_month_axis_measures_match_the_indices_row_by_row(engine, case):
    scenario = MEASURE_CASES[case]()
    months = scenario.run.months if engine == "vector" else 12
    m = (VectorModel if engine == "vector" else ClusterModel)(scenario, seed=5)
    rows = [measures_row(m.snapshot(), m.world, m.initial_employment)]
    for _ in range(months):
        m.step()
        rows.append(measures_row(m.snapshot(), m.world, m.initial_employment, rows))
        _same_row(m.current, rows[-1])
    ts = m.timeseries()
    assert len(ts) == len(rows)
    for i, row in enumerate(rows):
        _same_row({k: ts[k].iloc[i].item() for k in ts.columns}, row)


@pytest.mark.parametrize("case", ["baseline", "dartboard"])
def test_both_engines_aggregate_the_same_firms_alike(case):
    """The Mesa engine's aggregates (`firm_aggregates`, NumPy, from a snapshot) and the vector
    engine's (its compiled `month_totals` pass) on the vector engine's state each month: the
    counts equal, the sums equal to float round-off (the summation orders differ)."""
    scenario = MEASURE_CASES[case]()
    m = VectorModel(scenario, seed=11)
    for _ in range(scenario.run.months):
        m.step()
        mesa_way = firm_aggregates(m.snapshot(), m.world)
        for key, value in mesa_way.items():
            recorded = np.asarray(m.log.data[key][-1])
            if key in ("cross", "present"):
                np.testing.assert_array_equal(np.asarray(value), recorded, err_msg=key)
            else:
                np.testing.assert_allclose(value, recorded, rtol=1e-9, atol=1e-6, err_msg=key)


def test_lazy_savings_and_months_jobless_follow_the_statuses():
    m = VectorModel(small("baseline", **{"run.months": 24}), seed=1)
    saved = m._saved
    savings = m.savings.copy()
    jobless = np.zeros(m.status.size, dtype=np.int64)
    for _ in range(24):
        status = m.status.copy()
        m.step()
        # savings accrue by the status at the start of the month; founders pay equity
        expect = savings + saved[status]
        changed = ~np.isclose(m.savings, expect, rtol=1e-12, atol=1e-6)
        assert (m.savings[changed] < expect[changed]).all()
        assert (m.status[changed] == ENTREPRENEUR).all()
        assert np.allclose(m.savings[~changed], expect[~changed])
        savings = m.savings.copy()
        # the kept set of jobless tailors is exactly the tailors jobless at home
        assert np.array_equal(np.sort(m._jobless), np.flatnonzero(m.status == UNEMPLOYED_HOME))
        # months jobless: +1 a month for those jobless at the start and still jobless now
        stay = (status == UNEMPLOYED_HOME) & (m.status == UNEMPLOYED_HOME)
        jobless = np.where(stay & (m.since != m.month % (1 << 16)), jobless + 1, 0)
        assert np.array_equal(m.jobless[stay], jobless[stay])
    assert (m.status == AWAY).any() and (m.status == EMPLOYED_HOME).any()


def test_lazy_savings_survive_the_settle_and_the_wrap_of_since():
    """`since` holds the month modulo 2^16 and savings are settled every 2^15 months
    (`_settle_all`), so a saving tailor's elapsed months never wrap. Quiet stretches (months in
    which nobody changes status: the clock moves, the state does not) take the run to month
    2^15 and then past 2^16, where the month wraps to 0 and a settle falls; around both, months
    are stepped and checked against a plain account. A tailor away since month 0 has been away
    for more than 2^16 months by the end: without the settle at 2^15 its savings would be off by
    2^16 months of saving."""
    m = VectorModel(small("baseline"), seed=4)
    saved = m._saved
    savings = m.savings.copy()
    jobless = np.zeros(m.status.size, dtype=np.int64)  # the true count, never wrapped

    def quiet(months: int) -> None:
        nonlocal savings, jobless
        assert (m.month + months) // _SETTLE_EVERY == m.month // _SETTLE_EVERY  # no settle
        m.month += months
        savings = savings + saved[m.status] * months
        jobless = np.where(m.status == UNEMPLOYED_HOME, jobless + months, 0)
        assert np.allclose(m.savings, savings, rtol=1e-12, atol=1e-6)

    def step(months: int) -> None:
        nonlocal savings, jobless, always_away
        for _ in range(months):
            status = m.status.copy()
            m.step()
            expect = savings + saved[status]
            changed = ~np.isclose(m.savings, expect, rtol=1e-12, atol=1e-6)
            assert (m.status[changed] == ENTREPRENEUR).all()  # founders pay equity
            assert (m.savings[changed] < expect[changed]).all()
            savings = m.savings.copy()
            always_away &= m.status == AWAY
            stay = (status == UNEMPLOYED_HOME) & (m.status == UNEMPLOYED_HOME)
            jobless = np.where(stay & (m.since != m.month % _WRAP), jobless + 1, 0)
            # months jobless are read modulo 2^16 (documented): compare where they fit
            fits = stay & (jobless < _WRAP)
            assert np.array_equal(m.jobless[fits], jobless[fits])
            if m.month % _SETTLE_EVERY == 0:  # every saving tailor was settled this month
                settled = saved[m.status] != 0
                assert (m.since[settled] == m.month % _WRAP).all()

    always_away = m.status == AWAY
    step(3)
    quiet(_SETTLE_EVERY - 3 - m.month)
    step(6)  # through month 2^15: a settle
    quiet(_WRAP - 3 - m.month)
    step(6)  # through month 2^16: `since` wraps to 0, and a settle
    assert m.month > _WRAP
    still = always_away  # away since month 0, over 2^16 months ago
    assert still.sum() > 0
    assert np.allclose(m.savings[still], savings[still], rtol=1e-12)
    assert (m.savings[still] > saved[AWAY] * _WRAP).all()


def test_bernoulli_positions_are_bernoulli():
    g = np.random.default_rng(0)
    n, q = 50_000, 0.01
    hits = np.zeros(n)
    for _ in range(40):
        pos = _bernoulli_positions(g, n, q)
        assert (np.diff(pos) > 0).all() and (pos >= 0).all() and (pos < n).all()
        hits[pos] += 1
    # the total is Binomial(2e6, 0.01): mean 20,000, sd sqrt(2e6 x 0.01 x 0.99) = 140.7, so
    # rel=0.03 (600) is 4.3 sd (two-sided p = 2e-5); the difference of the halves has the same
    # sd, and rel=0.06 of a half (600) is again 4.3 sd
    assert hits.sum() == pytest.approx(40 * n * q, rel=0.03)
    assert hits[: n // 2].sum() == pytest.approx(hits[n // 2 :].sum(), rel=0.06)
    assert _bernoulli_positions(g, n, 0.0).size == 0
    assert _bernoulli_positions(g, 10, 1.0).tolist() == list(range(10))


def test_bernoulli_positions_with_a_vanishing_probability():
    """Gaps of ~1/q overflowed int64 when summed (q = 1.5e-18 in a Morris run, chain base margin
    -0.05), letting indices outside 0..n-1 through. The seed below produced garbage before."""
    for seed in range(50):
        g = np.random.default_rng(seed)
        for n, q in ((180_000, 1.5e-18), (5, 1e-300), (1_000_000, 3e-12)):
            pos = _bernoulli_positions(g, n, q)
            assert ((pos >= 0) & (pos < n)).all() and (np.diff(pos) > 0).all(), (seed, n, q)


def test_kept_counts_and_neighbourhoods_match_a_recount():
    m = VectorModel(small("combined", **{"run.months": 24}), seed=2)
    S, N = m.chain.n, m._N
    for _ in range(24):
        m.step()
        f, a = m.firms, m._alive()
        counts = np.zeros(S * N)
        np.add.at(counts, f.stage[a].astype(np.int64) * N + f.cell[a], 1.0)
        assert np.array_equal(m.world.counts.ravel(), counts)
        box = rules.box_sum(m.world.counts, m.world.radius).reshape(S, N)
        assert np.array_equal(m._box_flat.reshape(S, N), box)
        assert np.array_equal(m._box_z.reshape(S, N), box[:, m._zone_order])
        # the world's sums are the engine's buffer, not a copy that could drift
        assert np.shares_memory(m.world.box, m._boxes)
        assert np.array_equal(
            np.bincount(m.village[m.status != AWAY], minlength=m.home_count.size), m.home_count
        )
        assert np.array_equal(np.bincount(m.status, minlength=4), m.status_counts)


def test_the_world_recomputes_its_sums_into_the_vector_engines_buffer():
    """`World.neighbourhoods` writes a recompute into `world.box` in place, so a view of the
    engine's buffer stays one: the two engines' state cannot split."""
    m = VectorModel(small("combined", **{"run.months": 6}), seed=2)
    for _ in range(6):
        m.step()
    view = m.world.box
    expect = m._box_flat.copy()
    m._box_flat[:] = -1.0  # spoil the buffer, then make the world recompute it
    m.world._box_stale = True
    assert m.world.neighbourhoods() is view and np.shares_memory(m.world.box, m._boxes)
    assert np.array_equal(m._box_flat, expect)
    m.world.environment(m.month, m.env, np.random.default_rng(0))  # box_fresh=False recomputes
    assert m.world.box is view and m.env.box is view
    assert np.array_equal(m._box_flat, expect)


def _plants(scale: int):
    """The plants scenario at test size, or scaled `scale` times by `scale_overrides` (which
    multiplies the agglomeration unit by the same factor)."""
    base = small("plants", **{"run.months": 24})
    if scale == 1:
        return base
    grown = scale_overrides(base, scale * base.population.tailors)
    return small("plants", **{**grown, "run.months": 24})


@pytest.mark.parametrize("scale", [1, 5])
def test_batched_location_choice_has_the_world_probabilities(scale):
    """The batched inverse-CDF draw of `_choose_cells` (investors) against the probabilities of
    `World.zone_weights` x `World.cell_weights` (the functions the Mesa engine uses), at
    agglomeration unit 1 and 5 (the unit is folded into `rules.cell_mass_coefficients`).
    Founders draw their zone by the same weights and their cell one by one
    (tests/test_vector.py::test_founders_compete_for_the_free_plant_of_their_zone)."""
    m = VectorModel(_plants(scale), seed=3)
    assert m.spec.behaviour.agglomeration_unit == scale
    for _ in range(24):
        m.step()
    m._set_zone_publicity(m.gov.zone_publicity(m.month))  # as World.zone_weights sees it now
    world, county = m.world, m.county
    need = float(world.plant_need(m.spec.behaviour.entrepreneurship.startup_workers))
    stages = np.array([0, 3])
    draws = 20_000
    g = np.random.default_rng(0)
    for s in stages:
        zw = world.zone_weights(int(s), need, m.month)
        p = np.zeros(county.n_cells)
        for z in range(county.n_zones):
            cells, cw = world.cell_weights(int(s), z, need, plant_only=False)
            p[cells] = zw[z] / zw.sum() * cw / cw.sum()
        got = m._choose_cells(np.full(draws, s), 0, np.array([need]), g)
        hits = np.bincount(got, minlength=county.n_cells)
        assert (hits[p == 0] == 0).all()
        # each cell's count is Binomial(draws, p): it must lie in its central interval of
        # probability at least 1 - ALPHA / cells (Bonferroni over the cells with p > 0), so that
        # with the right probabilities the whole check fails with probability at most
        # ALPHA = 1e-3 (tighter in every cell than the former 5 x sqrt(max p / draws))
        pos = p > 0
        tail = 1e-3 / pos.sum() / 2
        lo = stats.binom.ppf(tail, draws, p[pos])
        hi = stats.binom.isf(tail, draws, p[pos])
        assert ((hits[pos] >= lo) & (hits[pos] <= hi)).all(), (s, np.abs(hits / draws - p).max())
