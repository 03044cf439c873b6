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
from sim.measures.monthly import Snapshot, linked_pairs


def measures_row(
    snap: Snapshot, world: World, initial_employment: float, previous: list[dict] | None = None
) -> dict[str, float]:
    """One timeseries row, computed from the month's living firms with the functions of
    `sim.measures.indices`, one index at a time: EG per stage and for the cluster, EGK per
    linked pair (on the equal blocks and on the zones), LQ and the park's and designed zones'
    shares on the zones, with the county's other employment in the aggregate. The running sums
    of the fiscal account (`fiscal_row`) take the rows of the months before (`previous`, none
    at month 0)."""
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

    # agglomeration: on equal blocks, then on the zones; x from all employment, cluster and other
    block = county.block_of_cell[snap.x * county.height + snap.y]
    for suffix, area, n_areas, other in (
        ("", block, county.n_blocks, county.other_emp_block),
        ("_zones", snap.zone, Z, county.other_emp_zone),
    ):
        cluster = np.bincount(area, weights=snap.workers, minlength=n_areas)
        total = cluster + other
        row[f"eg_gamma_cluster{suffix}"] = metrics.ellison_glaeser(snap.workers, area, total).gamma
        by_stage = []
        for i, s in enumerate(chain.stages):
            mine = snap.stage == i
            row[f"eg_gamma_{s}{suffix}"] = metrics.ellison_glaeser(
                snap.workers[mine], area[mine], total
            ).gamma
            by_stage.append(np.bincount(area[mine], weights=snap.workers[mine], minlength=n_areas))
        for a, b in linked_pairs(chain):
            row[f"egk_{a}_{b}{suffix}"] = metrics.coagglomeration(
                by_stage[chain.stages.index(a)], by_stage[chain.stages.index(b)], total
            )
    emp_zone = np.bincount(snap.zone, weights=snap.workers, minlength=Z)
    row["hhi_zones"] = metrics.herfindahl(emp_zone)
    density = np.zeros((county.width, county.height))
    np.add.at(density, (snap.x, snap.y), 1.0)
    row["morans_i"] = metrics.morans_i(density, "rook")
    lq = metrics.location_quotient(emp_zone, emp_zone + county.other_emp_zone)
    for i, z in enumerate(county.zone_names):
        if county.park[i]:
            row[f"lq_{z}"] = float(lq[i])
    E = emp_zone.sum()
    row["park_share"] = float(emp_zone[county.park].sum() / E) if E > 0 else float("nan")
    for i, z in enumerate(county.zone_names):
        if county.has_design[i]:
            mine = (snap.zone == i) & county.designated[i][snap.stage]
            row[f"spec_{z}"] = (
                float(snap.workers[mine].sum() / emp_zone[i]) if emp_zone[i] > 0 else float("nan")
            )

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
    row.update(fiscal_row(world, snap.month, row, previous or []))
    return row


def fiscal_row(world: World, month: int, row: dict, previous: list[dict]) -> dict[str, float]:
    """The fiscal columns (`sim.measures.fiscal`) of the month, read off the levers and the
    world, the running sums carried on from the previous month's row (month by month, where
    `fiscal.frame` sums along the month axis): the value of each month's construction,
    1 - age / (12 x life) of it while positive, and each month's flows discounted by
    (1 + r)^(-month / 12)."""
    gov, spec = world.gov, world.spec.fiscal
    out: dict[str, float] = {}
    for lever in gov.levers:
        out[f"outlay_{lever.name}"] = lever.books["outlay"]
        out[f"forgone_{lever.name}"] = lever.books["forgone"]
        out[f"guarantee_{lever.name}"] = lever.books["guarantee"]
        out[f"beyond_budget_{lever.name}"] = lever.beyond_budget
    built = float(world.plant_built.sum())
    let = built - float(world.plant.sum())
    out["plant_built_m2"], out["plant_let_m2"] = built, let
    out["plant_occupancy"] = let / built if built > 0 else float("nan")
    construction = sum(lever.construction for lever in gov.levers)
    out["plant_construction"] = construction
    vintages = [  # (month built, cost) of each month's construction so far
        (r["month"], r["plant_construction"] - (previous[i - 1]["plant_construction"] if i else 0))
        for i, r in enumerate(previous)
    ]
    vintages.append((month, construction - (previous[-1]["plant_construction"] if previous else 0)))
    life = 12.0 * spec.plant_life_years
    residual = sum(cost * max(0.0, 1.0 - (month - b) / life) for b, cost in vintages)
    out["plant_residual_value"] = residual
    outlay = sum(lever.books["outlay"] for lever in gov.levers)
    guarantee = sum(lever.books["guarantee"] for lever in gov.levers)
    out["outlay_total"] = outlay
    out["forgone_total"] = sum(lever.books["forgone"] for lever in gov.levers)
    out["guarantee_total"] = guarantee
    rent = row["plant_rent_collected"]
    out["net_fiscal_cost"] = outlay + guarantee - rent - residual
    d = (1.0 + spec.discount_rate) ** (-month / 12.0)
    before = previous[-1] if previous else None
    flow = outlay + guarantee - rent
    if before is not None:
        flow -= before["outlay_total"] + before["guarantee_total"] - before["plant_rent_collected"]
    # the previous row's PV holds its residual value at its factor; take that back out
    pv_flows = d * flow
    if before is not None:
        d_before = (1.0 + spec.discount_rate) ** (-before["month"] / 12.0)
        pv_flows += before["net_fiscal_cost_pv"] + d_before * before["plant_residual_value"]
    out["net_fiscal_cost_pv"] = pv_flows - d * residual
    out["tax_output"], out["tax_cit"] = gov.tax_output, gov.tax_cit
    revenue = gov.tax_output + gov.tax_cit
    out["tax_revenue"] = revenue
    out["tax_revenue_pv"] = (
        before["tax_revenue_pv"] + d * (revenue - before["tax_revenue"]) if before else d * revenue
    )
    employed = row["employment"] if month > 0 else 0.0  # month 0 is not a month run
    out["job_years"] = (before["job_years"] if before else 0.0) + employed / 12.0
    out["job_years_pv"] = (before["job_years_pv"] if before else 0.0) + d * employed / 12.0
    return out
