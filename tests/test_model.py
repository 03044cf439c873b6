"""The Mesa engine: invariants on every step, reproducibility, and the run API's outputs."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.core.codes import EMPLOYED_HOME, ENTREPRENEUR, STATUSES
from sim.engines.mesa.model import ClusterModel
from tests.conftest import small

TIGHT = {  # budgets small enough to run out mid-window, so the budget cap is exercised
    "levers.financing.budget": 2.0e4,
    "levers.burden.budget": 3.0e5,
    "levers.plant_supply.budget": 1.5e6,
}


def check_invariants(m: ClusterModel) -> None:
    spec = m.spec
    tailors = m.tailors.to_list()
    firms = m.firms.to_list()
    status = np.bincount([t.status for t in tailors], minlength=4)
    # tailors are conserved across states, and the model's running counts agree with the agents
    assert status.sum() == spec.population.tailors
    assert np.array_equal(status, m.status_counts)
    row = m.current
    for i, s in enumerate(STATUSES):
        assert row[f"tailors_{s}"] == status[i]
    # employment equals the sum over firms, and every job is held by one tailor or local worker
    staff = [t for f in firms for t in f.staff]
    assert len(staff) == len(set(staff)) == status[EMPLOYED_HOME]
    assert all(t.status == EMPLOYED_HOME and t.employer in firms for t in staff)
    assert all(t.employer is not None for t in tailors if t.status == EMPLOYED_HOME)
    locals_ = sum(f.locals for f in firms)
    assert locals_ + m.local_pool == spec.population.local_workers
    assert row["employment"] == sum(f.workers for f in firms) == len(staff) + locals_
    owners = [f.owner for f in firms if f.owner is not None]
    assert len(owners) == status[ENTREPRENEUR] and all(o.status == ENTREPRENEUR for o in owners)
    assert row["firms"] == len(firms) == m.world.counts.sum()
    # ratios lie in [0, 1] (NaN only where undefined: no chain links or no purchases)
    for key in ("chain_completeness", "local_sourcing_ratio"):
        assert math.isnan(row[key]) or 0.0 <= row[key] <= 1.0
    # no lever pays beyond its budget; reported costs are the government's, gross: what it paid
    # from its budget and what it owes on commitments beyond it
    for name in spec.lever_names():
        budget = getattr(spec.levers, name).budget
        lever = m.gov[name]
        assert -1e-6 <= lever.spent <= budget + 1e-6
        assert row[f"cost_{name}"] == pytest.approx(lever.spent + lever.beyond_budget)
        assert lever.cost == pytest.approx(lever.spent + lever.beyond_budget)
    # plant floor space is conserved: free + occupied == built
    occupied = sum(f.plant_m2 for f in firms)
    assert m.grid.plant_m2.data.sum() + occupied == pytest.approx(m.world.plant_built.sum())


@pytest.mark.parametrize("name,extra", [("baseline", {}), ("combined", TIGHT)])
def test_invariants_hold_on_every_step(name, extra):
    scenario = small(name, **extra)
    m = ClusterModel(scenario, seed=3)
    check_invariants(m)
    for _ in range(scenario.run.months):
        m.step()
        check_invariants(m)
    if extra:  # the tight budgets did bind
        assert all(m.gov.exhausted[n] for n in ("burden", "plant_supply"))
    assert m.current["firms"] > 0


def test_same_seed_same_run_different_seed_different_run():
    scenario = small("baseline", **{"run.months": 24})
    a = sim.run(scenario, seed=11)
    b = sim.run(scenario, seed=11)
    c = sim.run(scenario, seed=12)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.firms, b.firms)
    assert not a.timeseries.equals(c.timeseries)


def test_run_result_shape_and_save(tmp_path):
    res = sim.run(small("baseline"), seed=5, steps=6)
    ts = res.timeseries
    assert list(ts["month"]) == list(range(7))  # month 0 is the initial state
    assert ts.columns.is_unique and "eg_gamma_garment" in ts and "chain_completeness" in ts
    assert {"firm_id", "stage", "zone", "origin", "alive", "workers"} <= set(res.firms.columns)
    assert res.firms["alive"].sum() == ts["firms"].iloc[-1]
    assert res.scenario.run.months == 6 and res.seed == 5
    out = res.save(tmp_path / "r")
    back = pd.read_parquet(out / "timeseries.parquet")
    pd.testing.assert_frame_equal(back, ts, check_dtype=False)
    manifest = (out / "manifest.yaml").read_text()
    assert "seed: 5" in manifest and "mesa:" in manifest and "git_commit" in manifest
    # the run-level outcomes (sim.measures.outcomes) in the manifest: 6 months, so every time
    # outcome is at the horizon or before it, and the self-sustaining window (60-84) is NaN
    saved = yaml.safe_load(manifest)["outcomes"]
    assert list(saved) == list(res.outcomes()) and saved["horizon"] == 6
    assert all(saved[k] <= 6 for k in saved if k.endswith("_month"))
    assert math.isnan(saved["self_sustaining"])
    # written through a temp file, yet with a plain open's permissions (not mkstemp's 0600)
    umask = os.umask(0)
    os.umask(umask)
    for f in out.iterdir():
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask, f


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        sim.run(small("baseline"), engine="warp", steps=1)


def test_measure_rows_follow_the_declared_columns():
    from sim.measures.monthly import columns

    m = ClusterModel(small("baseline"), seed=1)
    assert list(m.current) == columns(m.chain, m.county, m.gov.names)
