"""Agglomeration as economic geographers compute it: Ellison-Glaeser per stage against all
employment, Ellison-Glaeser-Kerr coagglomeration, Duranton-Overman K-density, on hand-worked
examples with exact figures, and what the model's own scenarios give (docs/model.md, "Outputs")."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

import sim
from sim.core.chain import build_chain
from sim.core.space import build_county, equal_blocks
from sim.measures import indices as metrics
from sim.measures.kdensity import (
    _global_bands,
    duranton_overman,
    k_density,
    pair_distance_counts,
    silverman_bandwidth,
)
from sim.measures.monthly import agglomeration_columns, linked_pairs
from tests.conftest import SCENARIOS

# Three areas whose aggregate employment is [50, 40, 10] (x = 0.5, 0.4, 0.1; 1 - sum x^2 = 0.58).
# Industry i: plants of 10 and 10 workers in area 0 and 20 in area 1 (s_i = 0.5, 0.5, 0;
# H_i = 0.25^2 + 0.25^2 + 0.5^2 = 0.375). Industry j: 15 workers in area 1, 5 in area 2
# (s_j = 0, 0.75, 0.25; H_j = 0.75^2 + 0.25^2 = 0.625). The other industries: [30, 5, 5].
AGGREGATE = np.array([50.0, 40.0, 10.0])
I_PLANTS = (np.array([10.0, 10.0, 20.0]), np.array([0, 0, 1]))
J_PLANTS = (np.array([15.0, 5.0]), np.array([1, 2]))
# G_i = 0^2 + 0.1^2 + 0.1^2 = 0.02; gamma_i = (0.02/0.58 - 0.375) / 0.625 = (1/29 - 3/8) * 8/5
GAMMA_I = -79 / 145
# G_j = 0.5^2 + 0.35^2 + 0.15^2 = 0.395; gamma_j = (0.395/0.58 - 0.625) / 0.375 = 13/232 * 8/3
GAMMA_J = 13 / 87
# sum (s_i - x)(s_j - x) = 0 * -0.5 + 0.1 * 0.35 + -0.1 * 0.15 = 0.02; / 0.58
EGK_IJ = 1 / 29
# both as one industry: s = [20, 35, 5] / 60, G = (1/6)^2 + (11/60)^2 + (1/60)^2 = 222/3600,
# H = (10^2 + 10^2 + 20^2 + 15^2 + 5^2) / 60^2 = 17/72; gamma = (37/348 - 17/72) / (55/72)
GAMMA_BOTH = -271 / 1595


def test_ellison_glaeser_by_hand():
    assert metrics.ellison_glaeser(*I_PLANTS, AGGREGATE).gamma == pytest.approx(GAMMA_I)
    assert metrics.ellison_glaeser(*J_PLANTS, AGGREGATE).gamma == pytest.approx(GAMMA_J)
    both = (np.concatenate([I_PLANTS[0], J_PLANTS[0]]), np.concatenate([I_PLANTS[1], J_PLANTS[1]]))
    assert metrics.ellison_glaeser(*both, AGGREGATE).gamma == pytest.approx(GAMMA_BOTH)


def test_coagglomeration_by_hand():
    e_i = np.bincount(I_PLANTS[1], I_PLANTS[0], 3)
    e_j = np.bincount(J_PLANTS[1], J_PLANTS[0], 3)
    assert metrics.coagglomeration(e_i, e_j, AGGREGATE) == pytest.approx(EGK_IJ)
    assert metrics.coagglomeration(e_j, e_i, AGGREGATE) == pytest.approx(EGK_IJ)  # symmetric
    assert np.isnan(metrics.coagglomeration(e_i, np.zeros(3), AGGREGATE))
    with pytest.raises(ValueError, match="same length"):
        metrics.coagglomeration(e_i, e_j[:2], AGGREGATE)


def test_the_month_axis_columns_give_the_hand_figures():
    """`agglomeration_columns`, the formulas both engines' timeseries use, on the example: the
    aggregate is the cluster's employment plus the other industries' [30, 5, 5]."""
    chain = build_chain(
        sim.Scenario(
            chain={"stages": ["i", "j"], "io": {"i": {"j": 0.3}}},
            behaviour={"entrepreneurship": {"stage_shares": {"j": 1.0}}},
        )
    )
    emp = np.array(
        [[np.bincount(I_PLANTS[1], I_PLANTS[0], 3), np.bincount(J_PLANTS[1], J_PLANTS[0], 3)]]
    )
    wsq = np.array([[np.sum(I_PLANTS[0] ** 2), np.sum(J_PLANTS[0] ** 2)]])
    pairs = linked_pairs(chain)
    assert pairs == [("i", "j")]
    cols = agglomeration_columns(chain, emp, wsq, np.array([30.0, 5.0, 5.0]), pairs)
    assert cols["eg_gamma_i"][0] == pytest.approx(GAMMA_I)
    assert cols["eg_gamma_j"][0] == pytest.approx(GAMMA_J)
    assert cols["egk_i_j"][0] == pytest.approx(EGK_IJ)
    assert cols["eg_gamma_cluster"][0] == pytest.approx(GAMMA_BOTH)


def test_equal_blocks_and_other_employment_by_hand():
    # a 7 x 4 grid in blocks of 3: block columns x 0-2, 3-5, 6; rows y 0-2, 3 -> 3 x 2 blocks
    block, n = equal_blocks(7, 4, 3)
    assert n == 6
    assert block[0 * 4 + 0] == 0 and block[0 * 4 + 3] == 1  # (0, 0) and (0, 3)
    assert block[5 * 4 + 2] == 2 and block[6 * 4 + 3] == 5  # (5, 2) and (6, 3)
    assert np.bincount(block).tolist() == [9, 3, 9, 3, 3, 1]
    # other employment spread by weight per cell: a 2x2 zone of weight 3 in a 4x3 grid of 12
    # cells; the 8 other cells weigh 1: 4 * 3 + 8 = 20, so the zone holds 12/20 of 1,000
    sc = sim.Scenario(
        space={
            "width": 4,
            "height": 3,
            "block_cells": 2,
            "zones": [
                {"name": "core", "kind": "core", "rect": [0, 0, 2, 2], "other_employment_weight": 3}
            ],
        },
        population={"other_employment": 1000, "tailors": 0},
    )
    county = build_county(sc)
    assert county.other_emp_zone.tolist() == pytest.approx([600.0, 400.0])
    # blocks of 2: (x 0-1, y 0-1) is the zone, (x 0-1, y 2), (x 2-3, y 0-1), (x 2-3, y 2)
    assert county.other_emp_block.tolist() == pytest.approx([600.0, 100.0, 200.0, 100.0])
    assert county.park.tolist() == [True, False]


# ------------------------------------------------------------------ Duranton-Overman
def test_pair_distances_by_hand():
    """Plants in cells (0, 0), (0, 0) and (3, 4) of a 4 x 5 grid: one pair 0 cells apart, two
    pairs at dx = 3, dy = 4, a squared offset of 25 (5 cells)."""
    counts = np.zeros((4, 5))
    counts[0, 0], counts[3, 4] = 2, 1
    sq, pairs = pair_distance_counts(counts)
    assert pairs[sq == 0].tolist() == [1.0] and pairs[sq == 25].tolist() == [2.0]
    assert pairs.sum() == 3.0


def test_pair_distances_match_all_pairs_on_random_grids():
    g = np.random.default_rng(3)
    for _ in range(20):
        W, H = g.integers(1, 9, 2)
        counts = g.poisson(0.7, (W, H)).astype(float)
        sq, pairs = pair_distance_counts(counts)
        xs, ys = np.nonzero(counts)
        pts = np.repeat(np.stack([xs, ys], 1), counts[xs, ys].astype(int), axis=0)
        i, j = np.triu_indices(len(pts), 1)
        want = np.bincount(np.searchsorted(sq, ((pts[i] - pts[j]) ** 2).sum(1)), minlength=sq.size)
        np.testing.assert_array_equal(pairs, want)


def test_k_density_by_hand():
    """The pairs above at 1 km a cell: one pair at 0 km, two at 5 km; bandwidth 1 km. Reflected
    at 0: K(d) = [phi(d) + phi(-d) + 2 (phi(d - 5) + phi(d + 5))] / 3 (3 pairs, h = 1)."""
    d = np.array([0.0, 5.0])
    k = k_density(np.array([0.0, 5.0]), np.array([0.0, 5.0]), np.array([1.0, 2.0]), 1.0)
    p0, p5, p10 = norm.pdf(0), norm.pdf(5), norm.pdf(10)
    assert k[0] == pytest.approx((2 * p0 + 4 * p5) / 3)
    assert k[1] == pytest.approx((2 * p5 + 2 * (p0 + p10)) / 3)
    assert k[0] == pytest.approx(0.2659635, rel=1e-6)  # (0.7978846 + 0.0000059) / 3
    # a density on [0, inf): it integrates to 1
    grid = np.linspace(0, 20, 4001)
    dens = k_density(grid, d, np.array([1.0, 2.0]), 1.0)
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, rel=1e-4)


def test_silverman_bandwidth_by_hand():
    # distances 1, 2, 3, 4 once each: sd = sqrt(5/3) = 1.291; quartiles at 2 and 4 by the
    # weighted lower quantile rule (cum 0.25 -> 1, 0.75 -> 3): IQR/1.34 = 2/1.34 = 1.493;
    # h = 0.9 * 1.291 * 4^-0.2 = 0.8990
    h = silverman_bandwidth(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4))
    assert h == pytest.approx(0.9 * np.sqrt(5 / 3) * 4**-0.2)


def test_global_bands_let_five_percent_cross():
    g = np.random.default_rng(0)
    sims = g.normal(size=(1000, 30)).cumsum(axis=1)  # dependent across distances, like K
    lo, hi = _global_bands(sims, 0.05)
    above = np.mean((sims > hi).any(axis=1))
    below = np.mean((sims < lo).any(axis=1))
    assert 0.04 <= above <= 0.05 and 0.04 <= below <= 0.05
    # wider than the local bands
    assert (hi >= np.quantile(sims, 0.95, axis=0)).all()


def test_a_clustered_industry_is_localised_and_a_random_one_is_not():
    g = np.random.default_rng(5)
    W, H = 40, 30
    others = g.integers(0, W * H, 400)
    # 40 plants within a 3 x 3 patch of cells: localised at short distances
    x, y = g.integers(10, 13, 40), g.integers(10, 13, 40)
    patch = x * H + y
    res = duranton_overman(patch, np.concatenate([patch, others]), W, H, 1.25, g, draws=500)
    assert res.localised and res.localisation_index > 0
    assert res.k[0] > res.global_hi[0]
    # 40 of the sites drawn at random are not (one draw at a 5% test)
    sites = np.concatenate([patch, others])
    rand = g.choice(sites, 40, replace=False)
    res = duranton_overman(rand, sites, W, H, 1.25, g, draws=500)
    assert not res.localised
    assert duranton_overman(rand[:1], sites, W, H, 1.25, g) is None


# ------------------------------------------------------------------ the model's scenarios
DARTBOARD = SCENARIOS / "benchmarks" / "dartboard.yaml"


@pytest.mark.parametrize("engine", ["vector", "mesa"])
def test_dartboard_k_density_stays_in_its_band(engine):
    """Under the dartboard every stage's sites are a random subset of all firm sites, the
    K-density test's null: each (run, stage) is called localised with probability at most 5%.
    Over 30 runs x 3 stages (90 tests, dependent within a run) at most 12 localised: P(X >= 13)
    for Binomial(90, 0.05) is 0.004."""
    scenario = sim.load_scenario(DARTBOARD)
    localised = 0
    for seed in range(30):
        res = sim.run(scenario, engine=engine, seed=seed)
        for stage, r in res.duranton_overman(draws=200).items():
            assert r is not None, stage
            localised += r.localised
    assert localised <= 12


def test_linked_location_gives_positive_coagglomeration():
    """With a strong pull of IO-linked firms in location choice (linkage weight 10 in the zone
    and cell choice, no pull of the own stage), fabric and garment share places: their
    coagglomeration on the blocks is above 0 in at least 90% of runs, while under the dartboard
    it is centred on 0 (tests/test_benchmarks.py)."""
    linked = {
        "behaviour.location.increasing_returns": 1.0,
        "behaviour.location.cell_increasing_returns": 1.0,
        "behaviour.location.linkage_weight": 10.0,
        "behaviour.location.pseudo_count": 0.2,
    }
    scenario = sim.load_scenario(DARTBOARD, linked)
    egk = np.array(
        [
            sim.run(scenario, engine="vector", seed=s).final()["egk_fabric_garment"]
            for s in range(40)
        ]
    )
    assert np.mean(egk > 0) >= 0.9, np.round(egk, 3)
