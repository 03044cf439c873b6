"""Scaling a scenario to another size (sim.core.scaling): what grows with the county, and the
super-individual invariance of the concave agglomeration terms (docs/model.md, 8.6)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rules
from sim.core.scaling import scale_overrides
from sim.io.loading import load_scenario, with_overrides
from tests.conftest import SCENARIOS

K = (0.5, 3.0, 20.0)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.mark.parametrize("k", K)
def test_size_like_quantities_grow_with_the_county(baseline, k):
    big = with_overrides(
        baseline, scale_overrides(baseline, round(baseline.population.tailors * k))
    )
    assert big.population.tailors == round(baseline.population.tailors * k)
    assert big.behaviour.agglomeration_unit == pytest.approx(k)
    assert big.levers.financing.budget == pytest.approx(k * baseline.levers.financing.budget)
    assert big.levers.plant_supply.m2_per_month == pytest.approx(
        k * baseline.levers.plant_supply.m2_per_month
    )
    inv, inv0 = big.behaviour.outside_investment, baseline.behaviour.outside_investment
    assert (inv.base_rate, inv.pull) == pytest.approx((k * inv0.base_rate, k * inv0.pull))
    # behaviour that is not size-like stays as it is
    assert big.behaviour.externalities == baseline.behaviour.externalities
    assert big.behaviour.congestion == baseline.behaviour.congestion
    assert big.behaviour.location == baseline.behaviour.location


@pytest.mark.parametrize("k", K)
def test_concave_terms_see_density_not_sampling(baseline, k):
    """k times the firms counted in units of k firms give the same externality, location
    weights and rents, and k times the arrivals: the county is the same, sampled more finely."""
    b = baseline.behaviour
    rng = np.random.default_rng(7)
    same, linked = rng.integers(0, 30, 6).astype(float), rng.integers(0, 60, 6).astype(float)
    np.testing.assert_allclose(
        rules.externality(k * same, k * linked, b.externalities, k),
        rules.externality(same, linked, b.externalities, 1.0),
    )
    zone_args = (np.full(6, 1.0), np.zeros(6), np.full(6, 9.0), np.zeros(6), np.zeros(6))
    area, adv, rent, plant, publicity = zone_args
    np.testing.assert_allclose(
        rules.zone_weights(area, k * same, k * linked, adv, rent, plant, publicity, b.location, k),
        rules.zone_weights(area, same, linked, adv, rent, plant, publicity, b.location, 1.0),
    )
    has_plant = np.array([0, 1, 0, 1, 0, 0], dtype=bool)
    chain_links = (rng.random((6, 6)) < 0.3).astype(float)
    nbhd = rng.integers(0, 30, (6, 6)).astype(float)  # firms by (stage, cell) near 6 cells

    def cell_weights(counts, unit):
        coef = rules.cell_mass_coefficients(chain_links, b.location, unit)
        return rules.cell_weights(rules.cell_mass(coef[2], counts), has_plant, b.location)

    np.testing.assert_allclose(cell_weights(k * nbhd, k), cell_weights(nbhd, 1.0))
    np.testing.assert_allclose(
        rules.congested_rent(np.full(6, 9.0), k * same, np.full(6, 25.0), 0.3, k),
        rules.congested_rent(np.full(6, 9.0), same, np.full(6, 25.0), 0.3, 1.0),
    )
    inv = b.outside_investment
    publicity = 0.2  # the option on (0 by default), so that its factor is scaled too
    assert rules.investor_arrival_rate(
        k * inv.base_rate, k * inv.pull, int(k * 40), 2, publicity, k
    ) == pytest.approx(
        k * rules.investor_arrival_rate(inv.base_rate, inv.pull, 40, 2, publicity, 1)
    )


def test_raw_counts_would_not_be_invariant(baseline):
    """The check above can fail: counting agents instead of units makes a finer sample of the
    same county more productive (the log favours the first neighbours)."""
    b = baseline.behaviour.externalities
    same, linked = np.array([2.0]), np.array([3.0])
    raw = rules.externality(20 * same, 20 * linked, b, 1.0)
    assert raw[0] > rules.externality(same, linked, b, 1.0)[0] + 0.05
