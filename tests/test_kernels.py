"""The vector engine's compiled kernels against what they stand for: exact samplers checked
against their distributions (fixed seeds; chi-square and binomial tests at the 0.1% level),
bookkeeping against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engines.vector import entry_kernels, kernels
from sim.engines.vector.bundles import FirmsLabour, Tailors
from sim.engines.vector.soa import FIRM_FIELDS, Table
from sim.measures import indices as metrics


def staff_lists(employer: np.ndarray, n_firms: int):
    """The staff lists (`first`, `nxt`, `prv`) that hold each firm's tailors, in index order."""
    first = np.full(n_firms, -1, dtype=np.int32)
    nxt = np.full(employer.size, -1, dtype=np.int32)
    prv = np.full(employer.size, -1, dtype=np.int32)
    for t in range(employer.size - 1, -1, -1):  # linked at the head: walk backwards
        f = employer[t]
        if f >= 0:
            h = first[f]
            nxt[t], prv[t] = h, -1
            if h >= 0:
                prv[h] = t
            first[f] = t
    return first, nxt, prv


def walk(first, nxt, f):
    out, t = [], first[f]
    while t >= 0:
        out.append(int(t))
        t = nxt[t]
    return out


def test_layoffs_are_hypergeometric_and_uniform_within_the_firm():
    # 4,000 firms of 6 tailors and 4 locals each cut 5 workers: the tailors among the 5 follow
    # Hypergeometric(10, 6, 5), and each tailor goes with probability E[tailors cut] / 6 = 1/2
    firms, nt, nl, cut = 4000, 6, 4, 5
    employer = np.repeat(np.arange(firms), nt).astype(np.int64)
    first, nxt, prv = staff_lists(employer, firms)
    firm_tailors = np.full(firms, nt, dtype=np.int32)
    g = np.random.default_rng(11)
    n = np.full(firms, 1, dtype=np.int64)
    fired, fired_l = kernels.lay_off(
        np.arange(firms, dtype=np.int64), n * cut, n * nt, n * nl,
        g.random(firms * (cut + nt)), employer, firm_tailors, first, nxt, prv,
    )  # fmt: skip
    gone_t = cut - fired_l
    assert np.array_equal(firm_tailors, nt - gone_t)  # counts follow the layoffs
    assert (employer[fired] == -1).all() and (employer >= 0).sum() == firms * nt - fired.size
    for f in range(0, firms, 97):  # the staff lists hold exactly the tailors still employed
        assert sorted(walk(first, nxt, f)) == np.flatnonzero(employer == f).tolist()
    observed = np.bincount(gone_t, minlength=cut + 1)
    expected = firms * stats.hypergeom(nt + nl, nt, cut).pmf(np.arange(cut + 1))
    keep = expected > 5
    chi2 = stats.chisquare(
        observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()
    )
    assert chi2.pvalue > 1e-3
    position = np.asarray(fired) % nt  # the tailor's place in its firm (index order)
    share = np.bincount(position, minlength=nt) / firms
    assert np.all(np.abs(share - 0.5) < 4 * np.sqrt(0.25 / firms))


def test_layoffs_without_locals_fall_on_tailors():
    employer = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    first, nxt, prv = staff_lists(employer, 2)
    firm_tailors = np.array([3, 2], dtype=np.int32)
    _fired, fired_l = kernels.lay_off(
        np.array([0, 1]), np.array([2, 5]), np.array([3, 2]), np.array([0, 0]),
        np.random.default_rng(1).random(20), employer, firm_tailors, first, nxt, prv,
    )  # fmt: skip
    assert fired_l.tolist() == [0, 3]  # firm 1 cuts 5 but has 2 tailors and no locals
    assert firm_tailors.tolist() == [1, 0] and sorted(employer[[3, 4]]) == [-1, -1]
    assert walk(first, nxt, 1) == [] and len(walk(first, nxt, 0)) == 1


def market(seekers: int, seed: int, pool: int = 0):
    """A labour market of three firms (targets 5, 2, 9 for 3, 2, 4 workers, the second an
    entrant of age 0) and `seekers` jobless tailors; returns what `labour_market` leaves."""
    n = seekers
    alive = np.arange(3, dtype=np.int64)
    target = np.array([5, 2, 9], dtype=np.int64)
    table = Table(FIRM_FIELDS, capacity=3)
    table.reserve(3)
    table.tailors, table.locals, table.age = [3, 2, 0], [0, 0, 4], [7, 0, 30]
    employer = np.full(n + 5, -1, dtype=np.int64)
    employer[n : n + 3], employer[n + 3 : n + 5] = 0, 1
    first, nxt, prv = staff_lists(employer, 3)
    table.first_staff = first
    status = np.where(employer >= 0, 1, 3).astype(np.int8)
    counts = np.bincount(status, minlength=4).astype(np.int64)
    people = Tailors(
        status=status, skill=np.zeros(n + 5, np.float32), since=np.zeros(n + 5, np.uint16),
        savings=np.zeros(n + 5), saved=np.zeros(4), status_counts=counts, employer=employer,
        next_staff=nxt, prev_staff=prv, village=np.zeros(n + 5, np.int32),
        attachment=np.zeros(n + 5, np.float32), home_count=np.zeros(1, np.int64),
        village_size=np.zeros(1, np.int64),
    )  # fmt: skip
    jobless = np.arange(n, dtype=np.int64)
    u = np.random.default_rng(seed).random(64)
    no_guarantee = np.zeros(1, dtype=bool)  # the firms' zone 0: their new debt unguaranteed
    left, pool_after, n_seekers, vacancies = kernels.labour_market(
        alive, target, u, table.bundle(FirmsLabour), 30.0, 1.0, no_guarantee, people, jobless,
        pool, 0,
    )  # fmt: skip
    f = table
    return dict(left=left, pool=pool_after, seekers=n_seekers, vacancies=vacancies,
                tailors=f.tailors, locals=f.locals, debt=f.debt, employer=employer,
                status=status, counts=counts, first=f.first_staff, nxt=nxt)  # fmt: skip


def test_matching_fills_vacancies_then_locals():
    r = market(seekers=4, seed=0, pool=10)
    assert r["vacancies"] == 2 + 5 and r["seekers"] == 4
    assert r["tailors"].sum() == 5 + 4 and r["left"].size == 0  # every seeker hired
    assert (r["tailors"] + r["locals"]).tolist() == [5, 2, 9]  # locals fill the rest
    assert r["pool"] == 10 - 3
    hired_0 = r["tailors"][0] - 3
    assert r["debt"][0] == 30.0 * hired_0 and r["debt"][2] == 30.0 * 5  # machines, age > 0
    assert (r["status"][:4] == 1).all() and np.array_equal(
        r["counts"], np.bincount(r["status"], minlength=4)
    )
    for f in range(3):
        assert sorted(walk(r["first"], r["nxt"], f)) == np.flatnonzero(r["employer"] == f).tolist()


def test_the_hired_are_a_uniform_sample_of_the_seekers():
    # 12 seekers, 7 vacancies: each seeker is hired with probability 7/12
    draws = 3000
    hired = np.zeros(12)
    for seed in range(draws):
        r = market(seekers=12, seed=seed)
        hired += r["employer"][:12] >= 0
        assert (
            r["left"].size == 5
            and sorted(r["left"]) == np.flatnonzero(r["employer"][:12] < 0).tolist()
        )
    p = 7 / 12
    assert np.all(np.abs(hired / draws - p) < 4 * np.sqrt(p * (1 - p) / draws))


def test_first_come_counts_the_needs_of_earlier_entrants_in_the_cell():
    """Investors' plant (`_first_come`): an entrant gets plant when its cell's free plant, less
    the needs of the entrants before it in the same cell (whether or not they got any), covers
    its own need."""
    g = np.random.default_rng(3)
    cells = g.integers(0, 5, 40)
    need = g.random(40)
    plant = 3 * g.random(5)
    before = [need[:i][cells[:i] == cells[i]].sum() for i in range(40)]
    want = [plant[cells[i]] - before[i] >= need[i] for i in range(40)]
    got = entry_kernels._first_come(cells, need, plant)
    assert got.tolist() == want and 0 < sum(want) < 40


@pytest.mark.parametrize("firms", [0, 1, 60, 400])
def test_month_totals_give_morans_i(firms):
    g = np.random.default_rng(firms)
    W, H = 9, 7
    cell = g.integers(0, W * H, firms).astype(np.int32)
    zeros16 = np.zeros(firms, dtype=np.int16)
    ones = np.ones(firms, dtype=np.int32)
    tot = kernels.month_totals(
        np.arange(firms, dtype=np.int64), zeros16, zeros16, cell, ones, ones, np.ones(firms),
        np.zeros(firms), np.zeros(W * H, dtype=np.int64), 1, 1, 1, W, H,
    )  # fmt: skip
    den, half, constant = tot.moran_parts
    grid = np.bincount(cell, minlength=W * H).reshape(W, H).astype(float)
    want = metrics.morans_i(grid, "rook")
    n, pairs = W * H, W * (H - 1) + (W - 1) * H
    got = np.nan if constant else (n / (2 * pairs)) * (2 * half) / den
    if np.isnan(want):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(want, rel=1e-12)


def test_the_kernel_cache_is_keyed_by_source_settings_and_folder(monkeypatch, tmp_path):
    # a kernel inlines the compiled rules it calls, and numba checks a cache only against the
    # kernel's own file: the folder's name must change with any compiled module or setting
    import shutil

    import numba

    from sim.engines.vector import jit

    base = jit._cache_dir()
    monkeypatch.setattr(numba.config, "BOUNDSCHECK", 1)
    assert jit._cache_dir() != base  # a bounds-checked run never loads unchecked code
    monkeypatch.undo()
    src = tmp_path / "src"
    src.mkdir()
    for name in jit._COMPILED_MODULES:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(jit._SIM / name, src / name)
    monkeypatch.setattr(jit, "_SIM", src)
    assert jit._cache_dir().name == base.name
    (src / "core/rules.py").write_text((src / "core/rules.py").read_text() + "\n# a changed rule\n")
    assert jit._cache_dir().name != base.name
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "user"))
    assert jit._cache_dir().parent == tmp_path / "user"  # a user's folder, still keyed
