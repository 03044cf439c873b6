"""Tests for sim.measures.indices: hand-worked examples, edge cases and statistical properties.

Every expected number in the hand examples is worked out in the comment next to it.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import rules
from sim.measures.indices import (
    EGResult,
    chain_completeness,
    ellison_glaeser,
    herfindahl,
    local_sourcing_ratio,
    location_quotient,
    morans_i,
    morans_i_expectation,
)

Contiguity = Literal["rook", "queen"]


def _all_nan(result: EGResult) -> bool:
    return all(math.isnan(v) for v in result)


# ============================================================================================
# Ellison-Glaeser
# ============================================================================================


class TestEllisonGlaeserHandExamples:
    def test_two_equal_areas_mixed(self) -> None:
        # Areas: aggregate employment [50, 50] -> x = [0.5, 0.5], sum x^2 = 0.5.
        # Plants: employment [30, 10, 10] in areas [0, 0, 1]; industry total 50.
        #   s = [40/50, 10/50] = [0.8, 0.2]
        #   G = (0.8 - 0.5)^2 + (0.2 - 0.5)^2 = 0.09 + 0.09 = 0.18
        #   z = [0.6, 0.2, 0.2], H = 0.36 + 0.04 + 0.04 = 0.44
        #   gamma = (0.18 - 0.5 * 0.44) / (0.5 * 0.56) = -0.04 / 0.28 = -1/7
        res = ellison_glaeser([30, 10, 10], np.array([0, 0, 1]), [50, 50])
        assert isinstance(res, EGResult)
        np.testing.assert_allclose(res, [-1 / 7, 0.18, 0.44], rtol=1e-12, atol=1e-15)

    def test_full_concentration_in_two_equal_areas_gives_one(self) -> None:
        # Four plants of 5 workers, all in area 0; areas [100, 100] -> x = [0.5, 0.5].
        #   s = [1, 0]; G = 0.25 + 0.25 = 0.5; 1 - sum x^2 = 0.5
        #   z = [1/4]*4, H = 4/16 = 0.25
        #   gamma = (0.5 - 0.5 * 0.25) / (0.5 * 0.75) = 0.375 / 0.375 = 1
        res = ellison_glaeser([5, 5, 5, 5], np.array([0, 0, 0, 0]), [100, 100])
        np.testing.assert_allclose(res, [1.0, 0.5, 0.25], rtol=1e-12, atol=1e-15)

    def test_empty_areas_change_nothing(self) -> None:
        # Same as test_two_equal_areas_mixed plus two areas with zero aggregate employment
        # (x_j = 0 and s_j = 0 there, so they add (0 - 0)^2 = 0 to G and 0 to sum x^2).
        res = ellison_glaeser([30, 10, 10], np.array([0, 0, 3]), [50, 0, 0, 50])
        np.testing.assert_allclose(res, [-1 / 7, 0.18, 0.44], rtol=1e-12, atol=1e-15)

    def test_zero_employment_plants_are_ignored(self) -> None:
        # A plant with 0 workers has z_k = 0: no effect on s, G or H.
        base = ellison_glaeser([30, 10, 10], np.array([0, 0, 1]), [50, 50])
        extra = ellison_glaeser([30, 10, 10, 0], np.array([0, 0, 1, 1]), [50, 50])
        assert extra == pytest.approx(base)


class TestEllisonGlaeserEdgeCases:
    def test_one_plant(self) -> None:
        # One plant of 10 in area 0; areas [30, 70] -> x = [0.3, 0.7], s = [1, 0].
        #   G = 0.7^2 + 0.7^2 = 0.98, H = 1 -> gamma's denominator (1 - H) = 0 -> NaN.
        res = ellison_glaeser([10], np.array([0]), [30, 70])
        np.testing.assert_allclose(res, [np.nan, 0.98, 1.0], rtol=1e-12, atol=1e-15)

    def test_only_one_plant_with_employment(self) -> None:
        # Two plants but one has 0 workers: z = [0, 1], H = 1 -> gamma NaN.
        #   s = [0, 1], x = [0.3, 0.7]: G = 0.3^2 + 0.3^2 = 0.18
        res = ellison_glaeser([0, 10], np.array([0, 1]), [30, 70])
        np.testing.assert_allclose(res, [np.nan, 0.18, 1.0], rtol=1e-12, atol=1e-15)

    def test_one_area(self) -> None:
        # Single area: x = [1], sum x^2 = 1 -> gamma NaN. s = [1] so G = 0.
        #   z = [1/3, 2/3], H = 1/9 + 4/9 = 5/9.
        res = ellison_glaeser([1, 2], np.array([0, 0]), [100])
        np.testing.assert_allclose(res, [np.nan, 0.0, 5 / 9], rtol=1e-12, atol=1e-15)

    def test_all_aggregate_employment_in_one_area(self) -> None:
        # Three areas but x = [0, 1, 0]: sum x^2 = 1 -> gamma NaN; G, H still reported.
        #   s = [0.5, 0.5, 0]: G = 0.25 + 0.25 + 0 = 0.5; H = 0.5.
        res = ellison_glaeser([5, 5], np.array([0, 1]), [0, 80, 0])
        np.testing.assert_allclose(res, [np.nan, 0.5, 0.5], rtol=1e-12, atol=1e-15)

    def test_no_plants(self) -> None:
        assert _all_nan(ellison_glaeser([], [], [10, 20]))
        assert _all_nan(ellison_glaeser(np.zeros(0), np.zeros(0, dtype=int), [10, 20]))

    def test_zero_industry_employment(self) -> None:
        assert _all_nan(ellison_glaeser([0, 0], np.array([0, 1]), [10, 20]))

    def test_zero_aggregate_employment(self) -> None:
        # x_j = area_employment_j / 0 is undefined.
        assert _all_nan(ellison_glaeser([3, 4], np.array([0, 1]), [0, 0]))

    def test_returns_python_floats(self) -> None:
        res = ellison_glaeser([30, 10, 10], np.array([0, 0, 1]), [50, 50])
        assert all(type(v) is float for v in res)


class TestEllisonGlaeserValidation:
    def test_length_mismatch(self) -> None:
        with pytest.raises(ValueError, match="same length"):
            ellison_glaeser([1, 2, 3], np.array([0, 1]), [5, 5])

    @pytest.mark.parametrize("bad_area", [2, -1])
    def test_area_index_out_of_range(self, bad_area: int) -> None:
        with pytest.raises(ValueError, match="plant_area indices"):
            ellison_glaeser([1, 2], np.array([0, bad_area]), [5, 5])

    def test_float_area_index(self) -> None:
        with pytest.raises(ValueError, match="integer"):
            ellison_glaeser([1, 2], np.array([0.0, 1.0]), [5, 5])

    @pytest.mark.parametrize(
        ("plants", "areas"), [([1, -2], [5, 5]), ([1, 2], [5, -5])], ids=["plant", "area"]
    )
    def test_negative_values(self, plants: list[int], areas: list[int]) -> None:
        with pytest.raises(ValueError, match="non-negative"):
            ellison_glaeser(plants, np.array([0, 1]), areas)

    def test_not_1d(self) -> None:
        with pytest.raises(ValueError, match="1-D"):
            ellison_glaeser([[1, 2]], np.array([[0, 1]]), [5, 5])

    def test_non_finite(self) -> None:
        with pytest.raises(ValueError, match="finite"):
            ellison_glaeser([1, np.nan], np.array([0, 1]), [5, 5])


class TestEllisonGlaeserStatistics:
    def test_dartboard_mean_gamma_is_zero(self) -> None:
        # EG (1997) Prop. 1: if each plant independently lands in area j with probability x_j,
        # E[G] = (1 - sum x^2) H, and gamma is linear in G for fixed plant sizes, so
        # E[gamma] = 0 exactly. Check the Monte Carlo mean is within 3 standard errors of 0.
        rng = np.random.default_rng(20240611)
        area_employment = np.array([400.0, 250.0, 150.0, 100.0, 60.0, 30.0, 10.0])
        x = area_employment / area_employment.sum()
        plant_employment = np.round(rng.lognormal(mean=3.0, sigma=1.0, size=25)) + 1
        n_reps = 2000
        areas = rng.choice(len(x), size=(n_reps, plant_employment.size), p=x)
        gammas = np.array(
            [ellison_glaeser(plant_employment, a, area_employment).gamma for a in areas]
        )
        assert np.all(np.isfinite(gammas))
        se = gammas.std(ddof=1) / math.sqrt(n_reps)
        assert abs(gammas.mean()) < 3 * se, (gammas.mean(), se)

    def test_concentrated_industry_has_positive_gamma(self) -> None:
        # 30 equal plants, 27 of them in the small area 4 (2% of aggregate employment): far more
        # concentrated than the dartboard, so gamma is clearly positive.
        area_employment = np.array([500.0, 200.0, 150.0, 130.0, 20.0])
        plant_area = np.array([4] * 27 + [0, 1, 2])
        res = ellison_glaeser(np.full(30, 10.0), plant_area, area_employment)
        assert res.gamma > 0.5


# ============================================================================================
# Location quotient
# ============================================================================================


class TestLocationQuotient:
    def test_hand_example(self) -> None:
        # e_ij = [10, 30, 0, 0], e_j = [100, 100, 200, 0]; E_i = 40, E = 400, E_i/E = 0.1.
        #   area 0: (10/100) / 0.1 = 1
        #   area 1: (30/100) / 0.1 = 3
        #   area 2: (0/200)  / 0.1 = 0
        #   area 3: e_j = 0 -> NaN
        lq = location_quotient([10, 30, 0, 0], [100, 100, 200, 0])
        np.testing.assert_allclose(lq, [1.0, 3.0, 0.0, np.nan])
        assert lq.dtype == np.float64

    def test_employment_weighted_mean_is_one(self) -> None:
        # sum_j (e_j / E) * LQ_j = sum_j e_ij / E_i = 1, a standard LQ identity.
        e_ij = np.array([5.0, 12.0, 3.0, 40.0])
        e_j = np.array([50.0, 60.0, 90.0, 100.0])
        lq = location_quotient(e_ij, e_j)
        assert np.sum(e_j / e_j.sum() * lq) == pytest.approx(1.0)

    def test_zero_industry_total_is_all_nan(self) -> None:
        assert np.all(np.isnan(location_quotient([0, 0, 0], [10, 20, 30])))

    def test_zero_totals_everywhere(self) -> None:
        assert np.all(np.isnan(location_quotient([0, 0], [0, 0])))

    def test_validation(self) -> None:
        with pytest.raises(ValueError, match="same length"):
            location_quotient([1, 2], [1, 2, 3])
        with pytest.raises(ValueError, match="non-negative"):
            location_quotient([1, -2], [3, 4])


# ============================================================================================
# Herfindahl
# ============================================================================================


class TestHerfindahl:
    def test_hand_example(self) -> None:
        # values [1, 1, 2]: shares [1/4, 1/4, 1/2]; H = 1/16 + 1/16 + 1/4 = 0.375
        assert herfindahl([1, 1, 2]) == pytest.approx(0.375)

    def test_equal_and_monopoly(self) -> None:
        assert herfindahl([7, 7, 7, 7]) == pytest.approx(0.25)  # 4 * (1/4)^2
        assert herfindahl([0, 9, 0]) == 1.0  # one holder: share 1

    def test_zero_total_is_nan(self) -> None:
        assert math.isnan(herfindahl([0, 0, 0]))
        assert math.isnan(herfindahl([]))

    def test_negative_raises(self) -> None:
        with pytest.raises(ValueError, match="non-negative"):
            herfindahl([1, -1, 2])

    def test_huge_values_do_not_overflow(self) -> None:
        assert herfindahl([1e308, 1e308]) == pytest.approx(0.5)

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False),
            min_size=1,
            max_size=60,
        )
    )
    def test_bounds_for_positive_values(self, values: list[float]) -> None:
        # For N strictly positive entries: 1/N <= H <= 1 (Cauchy-Schwarz gives the lower
        # bound; equality for equal shares). Small relative slack for float rounding.
        h = herfindahl(values)
        n = len(values)
        assert 1 / n * (1 - 1e-12) <= h <= 1 + 1e-12


# ============================================================================================
# Moran's I
# ============================================================================================


def _dense_morans_i(grid: np.ndarray, contiguity: str) -> float:
    """Reference implementation with an explicit n x n weight matrix (tests only)."""
    rows, cols = grid.shape
    n = rows * cols
    w = np.zeros((n, n))
    for r in range(rows):
        for c in range(cols):
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if (dr, dc) == (0, 0):
                        continue
                    if contiguity == "rook" and dr != 0 and dc != 0:
                        continue
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < rows and 0 <= cc < cols:
                        w[r * cols + c, rr * cols + cc] = 1.0
    z = grid.ravel() - grid.mean()
    return float(n / w.sum() * (z @ w @ z) / (z @ z))


def _checkerboard(rows: int, cols: int) -> np.ndarray:
    return (np.add.outer(np.arange(rows), np.arange(cols)) % 2).astype(float)


class TestMoransIHandExamples:
    def test_checkerboard_rook_is_minus_one(self) -> None:
        # 4x4 checkerboard of 0/1: mean 0.5, z = +-0.5, sum z^2 = 16 * 0.25 = 4.
        # Rook pairs: 4 rows * 3 horizontal + 3 * 4 vertical = 24, all of opposite colour,
        # each z_i z_j = -0.25 -> pair sum -6; both orderings: sum_ij w z z = -12; S0 = 48.
        #   I = (16 / 48) * (-12 / 4) = (1/3) * (-3) = -1
        assert morans_i(_checkerboard(4, 4), "rook") == pytest.approx(-1.0)
        assert morans_i(_checkerboard(4, 4)) == pytest.approx(-1.0)  # rook is the default

    def test_checkerboard_queen(self) -> None:
        # Queen adds 2 * 3 * 3 = 18 diagonal pairs, all same colour (+0.25 each): +4.5.
        # Pair sum = -6 + 4.5 = -1.5 -> sum_ij = -3; S0 = 2 * (24 + 18) = 84.
        #   I = (16 / 84) * (-3 / 4) = -12 / 84 = -1/7
        assert morans_i(_checkerboard(4, 4), "queen") == pytest.approx(-1 / 7)

    def test_two_halves_is_strongly_positive(self) -> None:
        # 4x4, left two columns 0, right two columns 1: z = +-0.5, sum z^2 = 4.
        # Horizontal: per row 3 pairs, 1 crossing (-0.25) and 2 same (+0.25) -> +0.25; x4 = 1.
        # Vertical: 12 pairs all same colour -> 12 * 0.25 = 3. Pair sum 4 -> sum_ij = 8.
        #   I = (16 / 48) * (8 / 4) = 2/3
        grid = np.zeros((4, 4))
        grid[:, 2:] = 1.0
        assert morans_i(grid, "rook") == pytest.approx(2 / 3)
        assert morans_i(grid, "queen") > 0.5

    def test_affine_invariance(self) -> None:
        rng = np.random.default_rng(3)
        grid = rng.random((5, 6))
        assert morans_i(3.0 * grid + 7.0) == pytest.approx(morans_i(grid))

    def test_accepts_integer_grid(self) -> None:
        assert morans_i(_checkerboard(4, 4).astype(int)) == pytest.approx(-1.0)


class TestMoransIEdgeCases:
    @pytest.mark.parametrize("value", [0.0, 5.0, 0.1])
    def test_constant_grid_is_nan(self, value: float) -> None:
        # 0.1 is not exactly representable: the mean may differ from 0.1 by rounding, which
        # would give garbage if constancy were judged from the variance.
        assert math.isnan(morans_i(np.full((3, 7), value)))

    def test_fewer_than_two_cells_is_nan(self) -> None:
        assert math.isnan(morans_i(np.array([[4.0]])))
        assert math.isnan(morans_i(np.zeros((0, 3))))

    def test_single_row(self) -> None:
        # 1x2 grid [0, 1]: one pair, z = [-0.5, 0.5]; sum_ij = 2 * -0.25 = -0.5, S0 = 2,
        # sum z^2 = 0.5 -> I = (2/2) * (-0.5 / 0.5) = -1. Queen adds nothing in one row.
        assert morans_i(np.array([[0.0, 1.0]]), "rook") == pytest.approx(-1.0)
        assert morans_i(np.array([[0.0, 1.0]]), "queen") == pytest.approx(-1.0)

    def test_unknown_contiguity(self) -> None:
        with pytest.raises(ValueError, match="contiguity"):
            morans_i(np.eye(3), "bishop")

    def test_not_2d(self) -> None:
        with pytest.raises(ValueError, match="2-D"):
            morans_i(np.arange(5.0))

    def test_non_finite(self) -> None:
        with pytest.raises(ValueError, match="finite"):
            morans_i(np.array([[1.0, np.nan], [0.0, 2.0]]))

    def test_large_grid_is_cheap(self) -> None:
        # 1000x1000 = 1e6 cells: a dense weight matrix would need 1e12 entries (8 TB).
        grid = np.random.default_rng(0).random((1000, 1000))
        i = morans_i(grid, "queen")
        assert abs(i) < 0.01


class TestMoransIAgainstDense:
    @pytest.mark.parametrize("contiguity", ["rook", "queen"])
    @pytest.mark.parametrize("shape", [(1, 5), (5, 1), (2, 2), (2, 3), (4, 4), (5, 7), (8, 3)])
    def test_matches_dense_weight_matrix(
        self, contiguity: Contiguity, shape: tuple[int, int]
    ) -> None:
        rng = np.random.default_rng([*shape, len(contiguity)])
        for _ in range(5):
            grid = rng.normal(size=shape)
            assert morans_i(grid, contiguity) == pytest.approx(
                _dense_morans_i(grid, contiguity), rel=1e-10, abs=1e-12
            )

    @pytest.mark.parametrize("contiguity", ["rook", "queen"])
    def test_matches_dense_on_patterns(self, contiguity: Contiguity) -> None:
        for grid in (_checkerboard(5, 6), np.arange(20.0).reshape(4, 5)):
            assert morans_i(grid, contiguity) == pytest.approx(_dense_morans_i(grid, contiguity))


class TestMoransIExpectation:
    def test_formula(self) -> None:
        assert morans_i_expectation(2) == -1.0
        assert morans_i_expectation(36) == pytest.approx(-1 / 35)
        assert math.isnan(morans_i_expectation(1))
        assert math.isnan(morans_i_expectation(0))
        with pytest.raises(ValueError):
            morans_i_expectation(-3)

    @pytest.mark.parametrize("contiguity", ["rook", "queen"])
    def test_permutation_mean(self, contiguity: Contiguity) -> None:
        # Under random permutation of the values, E[I] = -1/(n-1) exactly (Cliff & Ord 1981).
        # 6x6 grid (n = 36, E[I] = -1/35 ~ -0.0286), 3000 permutations with a fixed seed.
        # Tolerance: 4 Monte Carlo standard errors of the mean (SE ~ 0.002 here), so a
        # correct implementation fails with probability < 1e-4 for an arbitrary seed.
        rng = np.random.default_rng(7)
        values = rng.lognormal(size=36)
        n_perm = 3000
        samples = np.array(
            [morans_i(rng.permutation(values).reshape(6, 6), contiguity) for _ in range(n_perm)]
        )
        se = samples.std(ddof=1) / math.sqrt(n_perm)
        expected = morans_i_expectation(36)
        assert abs(samples.mean() - expected) < 4 * se, (samples.mean(), expected, se)


# ============================================================================================
# Value chain
# ============================================================================================


class TestChainCompleteness:
    def test_hand_example(self) -> None:
        # Stages 0 fibre, 1 yarn, 2 fabric, 3 garment. Links (supplier -> buyer):
        #   0->1, 1->2, 2->3, 1->3, plus a self-link 2->2 that must be ignored.
        # Present: yarn, fabric, garment (no fibre).
        #   Links with both ends present: 1->2, 2->3, 1->3 -> 3 of 4 = 0.75
        links = np.zeros((4, 4), dtype=bool)
        for i, j in [(0, 1), (1, 2), (2, 3), (1, 3), (2, 2)]:
            links[i, j] = True
        present = np.array([False, True, True, True])
        assert chain_completeness(present, links) == pytest.approx(0.75)

    def test_full_and_empty(self) -> None:
        links = np.array([[0, 1], [0, 0]], dtype=bool)
        assert chain_completeness([True, True], links) == 1.0
        assert chain_completeness([False, True], links) == 0.0
        assert chain_completeness([False, False], links) == 0.0

    def test_accepts_zero_one_ints(self) -> None:
        assert chain_completeness([1, 1, 0], [[0, 1, 0], [0, 0, 1], [0, 0, 0]]) == 0.5

    def test_no_links_is_nan(self) -> None:
        assert math.isnan(chain_completeness([True, True], np.zeros((2, 2), dtype=bool)))
        # Only diagonal "links": ignored, so still no links.
        assert math.isnan(chain_completeness([True, True], np.eye(2, dtype=bool)))
        assert math.isnan(chain_completeness(np.zeros(0, dtype=bool), np.zeros((0, 0), bool)))

    def test_validation(self) -> None:
        with pytest.raises(ValueError, match="shape"):
            chain_completeness([True, True, True], np.zeros((2, 2), dtype=bool))
        with pytest.raises(ValueError, match="boolean"):
            chain_completeness([0.5, 1.0], np.zeros((2, 2), dtype=bool))


class TestLocalSourcingRatio:
    def test_hand_example(self) -> None:
        # Stages 0 yarn, 1 fabric, 2 garment. io[supplier, buyer]:
        #   yarn per unit fabric 0.5, fabric per unit garment 0.6, yarn per unit garment 0.1.
        # Local output [0, 100, 200]; local shares [0.2, 0.9, 0.0].
        #   purchases: yarn by fabric 0.5*100 = 50, fabric by garment 0.6*200 = 120,
        #              yarn by garment 0.1*200 = 20 -> total 190
        #   local:     50*0.2 + 120*0.9 + 20*0.2 = 10 + 108 + 4 = 122
        #   ratio = 122 / 190 = 61/95
        io = np.array([[0.0, 0.5, 0.1], [0.0, 0.0, 0.6], [0.0, 0.0, 0.0]])
        ratio = local_sourcing_ratio(io, [0, 100, 200], [0.2, 0.9, 0.0])
        assert ratio == pytest.approx(61 / 95)

    def test_diagonal_flows_count(self) -> None:
        # One stage buying 0.25 of its own good per unit, output 40, half bought locally:
        #   purchases 0.25 * 40 = 10, local 10 * 0.5 = 5 -> 0.5
        assert local_sourcing_ratio([[0.25]], [40], [0.5]) == pytest.approx(0.5)

    def test_uniform_local_share_is_returned(self) -> None:
        rng = np.random.default_rng(11)
        io = rng.random((4, 4))
        assert local_sourcing_ratio(io, rng.random(4), np.full(4, 0.3)) == pytest.approx(0.3)

    def test_zero_denominator_is_nan(self) -> None:
        io = np.array([[0.0, 0.5], [0.0, 0.0]])
        assert math.isnan(local_sourcing_ratio(io, [10, 0], [1.0, 1.0]))  # buyer has no output
        assert math.isnan(local_sourcing_ratio(np.zeros((2, 2)), [10, 10], [1.0, 1.0]))

    def test_validation(self) -> None:
        io = np.array([[0.0, 0.5], [0.0, 0.0]])
        with pytest.raises(ValueError, match="square"):
            local_sourcing_ratio(np.zeros((2, 3)), [1, 1, 1], [0.5, 0.5])
        with pytest.raises(ValueError, match="output"):
            local_sourcing_ratio(io, [1, 1, 1], [0.5, 0.5])
        with pytest.raises(ValueError, match="local_share"):
            local_sourcing_ratio(io, [1, 1], [0.5])
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            local_sourcing_ratio(io, [1, 1], [0.5, 1.5])
        with pytest.raises(ValueError, match="non-negative"):
            local_sourcing_ratio(-io, [1, 1], [0.5, 0.5])


# --------------------------------------------------------------------------------------------
# the neighbourhood-sum rule of the model (sim.core.rules.box_sum), used by both engines
# --------------------------------------------------------------------------------------------


def _box_sum_cumsum(grid: np.ndarray, radius: int) -> np.ndarray:
    """The window sums by 2-D cumulative sums (the form rules.box_sum had before)."""
    g = np.asarray(grid, dtype=float)
    pad = [(0, 0)] * (g.ndim - 2) + [(radius + 1, radius), (radius + 1, radius)]
    c = np.pad(g, pad).cumsum(axis=-2).cumsum(axis=-1)
    k = 2 * radius + 1
    return c[..., k:, k:] - c[..., :-k, k:] - c[..., k:, :-k] + c[..., :-k, :-k]


def _box_sum_brute(grid: np.ndarray, radius: int) -> np.ndarray:
    """The window sums cell by cell, the window cut at the edges of the grid."""
    W, H = grid.shape[-2:]
    out = np.zeros(grid.shape)
    for x in range(W):
        for y in range(H):
            win = grid[
                ..., max(0, x - radius) : x + radius + 1, max(0, y - radius) : y + radius + 1
            ]
            out[..., x, y] = win.sum(axis=(-2, -1))
    return out


class TestBoxSum:
    @pytest.mark.parametrize("shape", [(40, 30), (7, 13), (13, 7), (1, 5), (1, 1)])
    @pytest.mark.parametrize("radius", [0, 1, 2, 5, 50])  # 50: a window larger than the grid
    def test_band_form_equals_cumsum_and_brute_force(self, shape, radius) -> None:
        counts = np.random.default_rng(radius).poisson(0.7, size=(3, *shape)).astype(float)
        band = rules.box_sum(counts, radius)
        assert band.shape == counts.shape
        # counts are integers, so every form is exact: equal, not approximately equal
        assert np.array_equal(band, _box_sum_cumsum(counts, radius))
        assert np.array_equal(band, _box_sum_brute(counts, radius))
        bands = (rules.box_band(shape[0], radius), rules.box_band(shape[1], radius))
        assert np.array_equal(rules.box_sum(counts, radius, bands), band)
        assert np.array_equal(rules.box_sum(counts[1], radius), band[1])  # one 2-D grid

    def test_radius_zero_is_the_grid_and_a_huge_radius_the_total(self) -> None:
        counts = np.random.default_rng(1).poisson(2.0, size=(4, 6)).astype(float)
        assert np.array_equal(rules.box_sum(counts, 0), counts)
        assert (rules.box_sum(counts, 10) == counts.sum()).all()
        # a corner cell sees 2 x 2 cells, an edge cell 2 x 3 (x = 0: two rows of the window)
        assert np.array_equal(rules.box_sum(np.ones((4, 6)), 1)[0], [4, 6, 6, 6, 6, 4])
