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
        "hiring_target": (
            (ages, x - 0.5, money, 3e4, b.production),
            (ages, x - 0.5, money, 3e4, rb["production"]),
        ),
    }
    zone = (g.random(Z), g.random((2, Z)) * 9, g.random((2, Z)), g.random(Z), 5 + g.random(Z))
    zone_rest = (g.random((2, Z)) < 0.5).astype(float), g.random(Z)
    checks["zone_weights"] = (
        (*zone, *zone_rest, b.location, 2.0),
        (*zone, *zone_rest, rb["location"], 2.0),
    )
    lever_on = (g.random((3, N)) < 0.5).astype(float)
    accounts = (money, 0.3 * x, 20 * y, 5 * z, 100 * x, 10 * y, 8 * z, money, 30 * x, 40 * y)
    checks["firm_accounts"] = ((*accounts, lever_on, b, lv), (*accounts, lever_on, rb, rl))
    support = (money, 20 * y, 5 * z, 100 * x, money, 30 * x, 40 * y, lever_on)
    checks["firm_support"] = (
        (*support, b.taxes, b.production, lv),
        (*support, rb["taxes"], rb["production"], rl),
    )
    assert set(checks) == set(cr.COMPILED) - {"logistic"}
    for name, (numpy_args, compiled_args) in checks.items():
        want = getattr(rules, name)(*numpy_args)
        got = getattr(cr, name)(*compiled_args)
        for w, c in zip(
            want if isinstance(want, tuple) else (want,),
            got if isinstance(got, tuple) else (got,),
            strict=True,
        ):
            _close(c, w)


def test_the_scalar_path_is_compiled_away_but_kept_for_mesa():
    p = sim.load_scenario(SCENARIOS / "baseline.yaml").behaviour.production
    assert rules.SCALAR_FAST_PATH and not cr._namespace["SCALAR_FAST_PATH"]
    # the Mesa engine's scalar call and the array path give the same target
    for w, m, room in [(10, 0.05, 1e6), (10, -0.1, 0.0), (0, 0.05, 5e4), (33, 0.0, 1e5)]:
        one = rules.hiring_target(w, m, room, 3e4, p)
        arr = rules.hiring_target(np.array([w]), np.array([m]), np.array([room]), 3e4, p)
        assert isinstance(one, int) and one == int(arr[0])
