"""The rules as the vector engine runs them (`sim.engines.vector.compiled_rules`: the source of
`sim.core.rules` compiled by numba) agree with the NumPy rules the Mesa engine runs, on random
inputs and the parameters of two scenarios. Tolerance: 1e-12 relative, for compiled exp, log and pow
rounding differently in the last places; integer results (hiring targets, choices) must be equal."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core import rules
from sim.engines.vector import compiled_rules as cr
from tests.conftest import SCENARIOS

N = 257


def _cases():
    for name in ("baseline", "combined"):
        scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml")
        yield pytest.param(scenario, id=name)


@pytest.fixture(params=list(_cases()))
def scenario(request):
    return request.param


def _close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    if want.dtype.kind in "iub":
        assert np.array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def test_record_keeps_every_number_of_a_section(scenario):
    rec = cr.record(scenario.behaviour)[0]
    b = scenario.behaviour
    assert rec["production"]["loan_rate"] == b.production.loan_rate
    assert rec["entrepreneurship"]["startup_workers"] == b.entrepreneurship.startup_workers
    assert np.array_equal(rec["exit"]["hazard_by_year"], b.exit.hazard_by_year)
    assert "stage_shares" not in rec["entrepreneurship"].dtype.names  # a dict: left out
    lv = cr.record(scenario.levers)[0]
    assert lv["burden"]["output_tax_cut"] == scenario.levers.burden.output_tax_cut


def test_compiled_rules_agree_with_numpy(scenario):
    g = np.random.default_rng(5)
    b, lv = scenario.behaviour, scenario.levers
    rb, rl = cr.record(b)[0], cr.record(lv)[0]
    x, y, z = g.random(N), g.random(N), g.random(N)
    money = 1e5 * g.random(N)
    ages = g.integers(0, 200, N)
    loss = g.random(N) < 0.3
    plant = g.random(N) < 0.5
    S, Z = 6, 7
    checks = {
        "return_probability": (
            (0.4, b.wages.coastal, x, 2, z - 0.5, b.return_migration),
            (0.4, b.wages.coastal, x, 2, z - 0.5, rb["return_migration"]),
        ),
        "leave_probability": ((ages, b.return_migration), (ages, rb["return_migration"])),
        "startup_cost": ((plant, b.entrepreneurship), (plant, rb["entrepreneurship"])),
        "founder_credit": ((money, 1e5, 1.5), (money, 1e5, 1.5)),
        "founding_probability": (
            (money, b.wages.home, True, b.entrepreneurship),
            (money, b.wages.home, True, rb["entrepreneurship"]),
        ),
        "investor_acceptance": (
            (x - 0.5, 1.0, np.zeros(N), b.outside_investment),
            (x - 0.5, 1.0, np.zeros(N), rb["outside_investment"]),
        ),
        "expected_owner_income": ((x[:S], money[:S], 10), (x[:S], money[:S], 10)),
        "choose": ((x[:S], y), (x[:S], y)),
        "externality": (
            (10 * x, 10 * y, b.externalities, 2.0),
            (10 * x, 10 * y, rb["externalities"], 2.0),
        ),
        "firm_output": (
            (money, 1 + x, 1 + y, 1 + z, 40 * x, 10 * y, b.production),
            (money, 1 + x, 1 + y, 1 + z, 40 * x, 10 * y, rb["production"]),
        ),
        "entry_productivity": ((30 * x + 1, y, b.production), (30 * x + 1, y, rb["production"])),
        "exit_hazard": ((ages, loss, b.exit), (ages, loss, rb["exit"])),
    }
    zone = (g.random(Z), g.random((2, Z)) * 9, g.random((2, Z)), g.random(Z), 5 + g.random(Z))
    zone_rest = (g.random((2, Z)) < 0.5).astype(float), g.random(Z)
    checks["zone_weights"] = (
        (*zone, *zone_rest, b.location, 2.0),
        (*zone, *zone_rest, rb["location"], 2.0),
    )
    lever_on = (g.random((3, N)) < 0.5).astype(float)
    accounts = (money, 0.3 * x, 20 * y, 5 * z, 100 * x, 10 * y, 8 * z, money, 30 * x, 40 * y)
    discounted = (g.random(N) < 0.5).astype(float)
    checks["firm_accounts"] = (
        (*accounts, lever_on, discounted, b, lv),
        (*accounts, lever_on, discounted, rb, rl),
    )
    support = (money, 20 * y, 5 * z, 100 * x, money, 30 * x, 40 * y, lever_on, discounted)
    checks["firm_support"] = (
        (*support, b.taxes, b.production, lv),
        (*support, rb["taxes"], rb["production"], rl),
    )
    coef = g.random((S, S))
    nbhd = 3 * g.random((S, N))
    checks["cell_mass"] = ((coef[2], nbhd), (coef[2], nbhd))
    checks["cell_weights"] = ((1 + x, plant, b.location), (1 + x, plant, rb["location"]))
    checks["entrant_capital"] = ((ages, b.entrepreneurship), (ages, rb["entrepreneurship"]))
    checks["plant_slots"] = ((1500 * x, 375.0), (1500 * x, 375.0))  # 0 to 3 slots a cell
    assert set(checks) | set(SCALAR_CASES) == set(cr.COMPILED) - {"logistic"}
    for name, (numpy_args, compiled_args) in checks.items():
        want = getattr(rules, name)(*numpy_args)
        got = getattr(cr, name)(*compiled_args)
        for w, c in zip(
            want if isinstance(want, tuple) else (want,),
            got if isinstance(got, tuple) else (got,),
            strict=True,
        ):
            _close(c, w)


# The state transitions take one agent's scalars (the kernels call them per agent): cases that
# reach each branch, as (arguments, the scenario sections they take by name).
SCALAR_CASES = {
    "hiring_target": [
        ((10, 0.05, 1e6, 3e4), "production"),  # grows by hire_rate, finance not binding
        ((10, 0.05, 4e4, 3e4), "production"),  # grows as far as credit allows: one machine
        ((10, 0.05, -5.0, 3e4), "production"),  # no credit room: stays
        ((10, -0.1, 0.0, 3e4), "production"),  # shrinks by fire_rate, at least one
        ((0, 0.05, 5e4, 3e4), "production"),  # an empty firm grows by at least one
        ((33, 0.0, 1e5, 3e4), "production"),  # between the thresholds: stays
    ],
    "credit_room": [((1e5, 2e4, 1.5), None), ((-1e5, 2e4, 1.5), None)],
    "machine_debt": [((3, 5, 3e4), None), ((3, 0, 3e4), None)],
    "guaranteed_debt": [
        ((0.0, 0.0, 3e5, 1e5, True), None),  # a founder: the loan beyond its unguaranteed credit
        ((2e4, 9e4, 6e4, 1e5, True), None),  # unguaranteed room 1e4 of the 6e4
        ((2e4, 9e4, 6e4, 1e5, False), None),  # no guarantee where it is raised
        ((0.0, 0.0, 5e4, 1e5, True), None),  # within the unguaranteed limit
    ],
    "shocked_productivity": [((1.2, -0.7), "production"), ((0.9, 2.0), "production")],
    "forced_exit": [((-1.0, 0), "exit"), ((5.0, 99), "exit"), ((5.0, 0), "exit")],
    "can_finance": [((1e4, 5e4, 6e4), None), ((1e4, 4e4, 6e4), None)],
    "founder_equity": [((1e4, 6e4), None), ((9e4, 6e4), None)],
    "settle_firm": [
        ((1e5, 9e4, 2e3, 5e4, 1e4, 4e3, 2, 13, True, 3, 0.01, 0.05), None),  # profit, plant
        ((1e5, 1.2e5, 0.0, 5e4, 1e4, 0.0, 2, 13, False, 0, 0.01, 0.05), None),  # a loss
        ((0.0, 1e3, 0.0, 5e4, 1e4, 1e4, 2, 0, False, 0, 0.01, 0.05), None),  # idle: no output
    ],
}


TRANSCENDENTAL = {"shocked_productivity"}


@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_compiled_transitions_agree_with_python(scenario, name):
    """Each transition gives, compiled for one agent's scalars, what the Mesa engine's
    plain-Python call gives, of the same kind (an integer stays an integer): exactly (same
    arithmetic), or to the last bit where an exp is compiled."""
    b = scenario.behaviour
    rb = cr.record(b)[0]
    for args, section in SCALAR_CASES[name]:
        extra = ((getattr(b, section),), (rb[section],)) if section else ((), ())
        want = getattr(rules, name)(*args, *extra[0])
        got = getattr(cr, name)(*args, *extra[1])
        want_t = want if isinstance(want, tuple) else (want,)
        got_t = got if isinstance(got, tuple) else (got,)
        assert len(got_t) == len(want_t)
        for w, c in zip(want_t, got_t, strict=True):
            assert np.asarray(c).dtype.kind == np.asarray(w).dtype.kind, (name, args)
            if name in TRANSCENDENTAL:  # compiled exp may round the last bit differently
                assert c == pytest.approx(w, rel=1e-15), (name, args)
            else:
                assert c == w, (name, args)
