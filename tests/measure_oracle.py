"""The test oracle of the monthly measures: each month's row computed directly from the month's
living firms with the per-index functions of `sim.measures.indices` (one call per index, no month
axis), independently of `sim.measures.monthly.MonthLog`, which both engines use. Until issue 10 this
was the Mesa engine's own path (`monthly_measures`); it stays as the reference that the month-axis
formulas must reproduce (tests/test_vector_measures.py)."""

from __future__ import annotations

import numpy as np

from sim.core.codes import ORIGINS, STATUSES
from sim.core.world import World
from sim.measures import indices as metrics
from sim.measures.monthly import Snapshot


def measures_row(snap: Snapshot, world: World, initial_employment: float) -> dict[str, float]:
    """One timeseries row, computed from the month's living firms with the functions of
    `sim.measures.indices`, one index at a time. EG, LQ and HHI use the zones as areas and zone
    land area as the proxy for aggregate employment (the county's other industries are not
    modelled)."""
    chain, county, gov = world.chain, world.county, world.gov
    S, Z = chain.n, county.n_zones
    row: dict[str, float] = {"month": snap.month, "firms": int(snap.stage.size)}
    by_stage = np.bincount(snap.stage, minlength=S)
    for i, s in enumerate(chain.stages):
        row[f"firms_{s}"] = int(by_stage[i])
    by_zone = np.bincount(snap.zone, minlength=Z)
    for i, z in enumerate(county.zone_names):
        row[f"firms_zone_{z}"] = int(by_zone[i])
    cross = np.bincount(snap.stage * Z + snap.zone, minlength=S * Z).reshape(S, Z)
    for i, s in enumerate(chain.stages):
        for j, z in enumerate(county.zone_names):
            row[f"firms_{s}_in_{z}"] = int(cross[i, j])
    employment = float(snap.workers.sum())
    row["employment"] = employment
    row["employment_tailors"] = float(snap.tailor_workers.sum())
    row["employment_local"] = employment - row["employment_tailors"]
    row["output"] = float(snap.output.sum())
    row["margin"] = float(snap.profit.sum() / row["output"]) if row["output"] > 0 else float("nan")
    for i, s in enumerate(STATUSES):
        row[f"tailors_{s}"] = int(snap.status_counts[i])
    row["tailors_home"] = int(snap.status_counts[1:].sum())
    row["returns"], row["departures"] = snap.returns, snap.departures
    for i, o in enumerate(ORIGINS):
        row[f"births_{o}"] = int(snap.births[i])
    for i, o in enumerate(ORIGINS):
        row[f"deaths_{o}"] = int(snap.deaths[i])

    eg = metrics.ellison_glaeser(snap.workers, snap.zone, county.area)
    row["eg_gamma"], row["eg_G"], row["eg_H"] = eg.gamma, eg.G, eg.H
    emp_zone = np.bincount(snap.zone, weights=snap.workers, minlength=Z)
    row["hhi_zones"] = metrics.herfindahl(emp_zone)
    density = np.zeros((county.width, county.height))
    np.add.at(density, (snap.x, snap.y), 1.0)
    row["morans_i"] = metrics.morans_i(density, "rook")
    lq = metrics.location_quotient(emp_zone, county.area)
    for i, (z, k) in enumerate(zip(county.zone_names, county.zone_kinds, strict=True)):
        if k != "other":
            row[f"lq_{z}"] = float(lq[i])

    present = np.bincount(snap.stage, weights=(snap.workers > 0), minlength=S) > 0
    row["chain_completeness"] = metrics.chain_completeness(present, chain.links)
    out_stage = np.bincount(snap.stage, weights=snap.output, minlength=S)
    row["local_sourcing_ratio"] = metrics.local_sourcing_ratio(
        chain.io, out_stage, world.local_share
    )
    row["plant_free_m2"] = float(world.plant.sum())
    row["plant_rent_collected"] = gov.plant_rent_collected

    for lever in gov.levers:  # gross: within the budget and beyond it
        row[f"cost_{lever.name}"] = lever.spent + lever.beyond_budget
    total = sum(lever.spent + lever.beyond_budget for lever in gov.levers)
    row["cost_total"] = total
    jobs = employment - initial_employment
    row["jobs_per_million_yuan"] = jobs / (total / 1e6) if total > 0 else float("nan")
    completeness = row["chain_completeness"]
    tk = world.spec.takeoff
    row["taken_off"] = int(
        world.takeoff_ready(snap.month)
        and employment > 0
        and employment >= tk.employment_multiple * initial_employment
        and (np.isnan(completeness) or completeness >= tk.min_completeness)
    )
    row.update(fiscal_row(world))
    return row


def fiscal_row(world: World) -> dict[str, float]:
    """The fiscal columns (`sim.measures.fiscal`) of the month, read off the levers."""
    row: dict[str, float] = {}
    for lever in world.gov.levers:
        row[f"outlay_{lever.name}"] = lever.books["outlay"]
        row[f"forgone_{lever.name}"] = lever.books["forgone"]
        row[f"guarantee_{lever.name}"] = lever.books["guarantee"]
        row[f"beyond_budget_{lever.name}"] = lever.beyond_budget
    return row
