"""Monthly measures: the timeseries columns (`columns`), from plain arrays.

Two paths, with the same formulas (those of `sim.measures.indices`):

* the Mesa engine hands over a `Snapshot` of its state at the end of each month, and
  `monthly_measures` turns it into one row of the timeseries;
* the vector engine records, at the end of each month, only the small aggregates the measures
  need (`MonthLog.record`), and `MonthLog.frame` computes every column for all months at once,
  along a month axis.

tests/test_vector_measures.py checks that the two paths agree month by month (to float
round-off), with `monthly_measures` on a `Snapshot` of the vector engine as the oracle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.chain import ValueChain
from sim.core.codes import ORIGINS, STATUSES
from sim.core.space import County
from sim.measures import indices as metrics

if TYPE_CHECKING:
    from sim.core.world import World


@dataclass
class Snapshot:
    """End-of-month state, as arrays over living firms plus counts and flows of the month."""

    month: int
    stage: np.ndarray  # int per living firm
    zone: np.ndarray
    x: np.ndarray
    y: np.ndarray
    workers: np.ndarray
    tailor_workers: np.ndarray
    output: np.ndarray
    profit: np.ndarray
    status_counts: np.ndarray  # tailors per status (STATUSES order)
    returns: int
    departures: int
    births: np.ndarray  # per origin (ORIGINS order)
    deaths: np.ndarray


def columns(chain: ValueChain, county: County, levers: Sequence[str]) -> list[str]:
    """All timeseries columns, in order (`levers`: the scenario's lever names, in order)."""
    cols = ["month", "firms", *[f"firms_{s}" for s in chain.stages]]
    cols += [f"firms_zone_{z}" for z in county.zone_names]
    cols += [f"firms_{s}_in_{z}" for s in chain.stages for z in county.zone_names]
    cols += ["employment", "employment_tailors", "employment_local", "output", "margin"]
    cols += [f"tailors_{s}" for s in STATUSES] + ["tailors_home", "returns", "departures"]
    cols += [f"births_{o}" for o in ORIGINS] + [f"deaths_{o}" for o in ORIGINS]
    cols += ["eg_gamma", "eg_G", "eg_H", "hhi_zones", "morans_i"]
    cols += [
        f"lq_{z}" for z, k in zip(county.zone_names, county.zone_kinds, strict=True) if k != "other"
    ]
    cols += ["chain_completeness", "local_sourcing_ratio", "plant_free_m2", "plant_rent_collected"]
    cols += [f"cost_{lever}" for lever in levers] + [
        "cost_total",
        "jobs_per_million_yuan",
        "taken_off",
    ]
    return cols


def monthly_measures(snap: Snapshot, world: World, initial_employment: float) -> dict[str, float]:
    """One timeseries row. EG, LQ and HHI use the zones as areas and zone land area as the
    proxy for aggregate employment (the county's other industries are not modelled)."""
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

    for lever in gov.levers:
        row[f"cost_{lever.name}"] = lever.spent
    row["cost_total"] = gov.total_spent
    jobs = employment - initial_employment
    row["jobs_per_million_yuan"] = (
        jobs / (gov.total_spent / 1e6) if gov.total_spent > 0 else float("nan")
    )
    completeness = row["chain_completeness"]
    tk = world.spec.takeoff
    row["taken_off"] = int(
        world.takeoff_ready(snap.month)
        and employment > 0
        and employment >= tk.employment_multiple * initial_employment
        and (np.isnan(completeness) or completeness >= tk.min_completeness)
    )
    return row


# ------------------------------------------------------------------ month-axis measures
# The vector engine records, at the end of each month, only the small aggregates the measures
# need (`MonthLog.record`), and computes every column for all months at once, vectorized along
# the month axis (`MonthLog.frame`). The formulas are those of `monthly_measures` and of
# `sim.measures.indices`, written over a month axis; values agree with them up to float round-off
# (tests/test_vector_measures.py checks this month by month).

_LOG_FIELDS = (
    "month",
    "cross",  # (S, Z) firms by stage and zone
    "employment",
    "tailor_workers",
    "output",
    "profit",
    "workers_sq",  # sum over firms of workers^2 (EG plant Herfindahl)
    "emp_zone",  # (Z,) employment by zone
    "present",  # (S,) stage has a firm with workers
    "out_stage",  # (S,) output by stage
    "local_share",  # (S,)
    "moran_parts",  # (3,) of firms per cell: sum of z^2, sum over rook pairs of z z', constant
    "status_counts",
    "returns",
    "departures",
    "births",
    "deaths",
    "plant_free",
    "plant_rent",
    "spent",  # (levers,)
    "takeoff_ready",
)


class MonthLog:
    """Per-month aggregates of a run, turned into the timeseries columns on demand."""

    def __init__(self) -> None:
        self.data: dict[str, list] = {k: [] for k in _LOG_FIELDS}

    def __len__(self) -> int:
        return len(self.data["month"])

    def record(self, **values) -> None:
        for k, v in values.items():
            self.data[k].append(v)

    def frame(
        self, world: World, initial_employment: float, last: bool = False
    ) -> dict[str, np.ndarray]:
        """Every column of `columns` as an array over the recorded months (the last only with
        `last`)."""
        chain, county, tk = world.chain, world.county, world.spec.takeoff
        S, Z = chain.n, county.n_zones
        sl = slice(-1, None) if last else slice(None)
        d = {k: np.asarray(v[sl]) for k, v in self.data.items()}
        T = d["month"].size
        out: dict[str, np.ndarray] = {"month": d["month"].astype(np.int64)}
        cross = d["cross"].reshape(T, S, Z).astype(np.int64)
        by_stage, by_zone = cross.sum(axis=2), cross.sum(axis=1)
        firms = by_stage.sum(axis=1)
        out["firms"] = firms
        for i, s in enumerate(chain.stages):
            out[f"firms_{s}"] = by_stage[:, i]
        for j, z in enumerate(county.zone_names):
            out[f"firms_zone_{z}"] = by_zone[:, j]
        for i, s in enumerate(chain.stages):
            for j, z in enumerate(county.zone_names):
                out[f"firms_{s}_in_{z}"] = cross[:, i, j]
        employment = d["employment"].astype(float)
        out["employment"] = employment
        out["employment_tailors"] = d["tailor_workers"].astype(float)
        out["employment_local"] = employment - out["employment_tailors"]
        output = d["output"].astype(float)
        out["output"] = output
        with np.errstate(divide="ignore", invalid="ignore"):
            out["margin"] = np.where(
                output > 0, d["profit"] / np.where(output > 0, output, 1), np.nan
            )
        status = d["status_counts"].reshape(T, 4).astype(np.int64)
        for i, s in enumerate(STATUSES):
            out[f"tailors_{s}"] = status[:, i]
        out["tailors_home"] = status[:, 1:].sum(axis=1)
        out["returns"] = d["returns"].astype(np.int64)
        out["departures"] = d["departures"].astype(np.int64)
        births = d["births"].reshape(T, 3).astype(np.int64)
        deaths = d["deaths"].reshape(T, 3).astype(np.int64)
        for i, o in enumerate(ORIGINS):
            out[f"births_{o}"] = births[:, i]
        for i, o in enumerate(ORIGINS):
            out[f"deaths_{o}"] = deaths[:, i]

        # Ellison-Glaeser over zones, land area as aggregate employment (metrics.ellison_glaeser)
        emp_zone = d["emp_zone"].reshape(T, Z).astype(float)
        area = county.area.astype(float)
        nan = np.full(T, np.nan)
        gamma, G, H = nan.copy(), nan.copy(), nan.copy()
        ok = (firms > 0) & (employment > 0) & (area.sum() > 0)
        if ok.any():
            x = area / area.sum()
            tot = employment[ok]
            s_ = emp_zone[ok] / tot[:, None]
            G[ok] = np.sum((s_ - x) ** 2, axis=1)
            H[ok] = d["workers_sq"][ok] / tot**2
            one_minus_x2 = 1.0 - float(np.sum(x**2))
            den = one_minus_x2 * (1.0 - H[ok])
            with np.errstate(divide="ignore", invalid="ignore"):
                gamma[ok] = np.where(den > 0, (G[ok] - one_minus_x2 * H[ok]) / den, np.nan)
        out["eg_gamma"], out["eg_G"], out["eg_H"] = gamma, G, H
        # Herfindahl of zone employment (metrics.herfindahl)
        peak = emp_zone.max(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = emp_zone / np.where(peak > 0, peak, 1.0)[:, None]
            shares = scaled / scaled.sum(axis=1, keepdims=True)
            out["hhi_zones"] = np.where(peak > 0, np.sum(shares**2, axis=1), np.nan)
        # Moran's I of living firms per cell, rook contiguity (metrics.morans_i), from the
        # month's sums (deviations from the mean count z: sum z^2, sum over neighbours z z')
        den, half, constant = d["moran_parts"].reshape(T, 3).T
        n = county.width * county.height
        pairs = county.width * (county.height - 1) + (county.width - 1) * county.height
        with np.errstate(divide="ignore", invalid="ignore"):
            moran = (n / (2 * pairs)) * (2 * half) / den
        out["morans_i"] = np.where((constant > 0) | (n < 2), np.nan, moran)
        # location quotients of zone employment against zone area (metrics.location_quotient)
        E = area.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = (emp_zone / np.where(area > 0, area, 1.0)) / (employment / E)[:, None]
        lq = np.where((area > 0)[None, :] & (employment > 0)[:, None] & (E > 0), lq, np.nan)
        for i, (zn, k) in enumerate(zip(county.zone_names, county.zone_kinds, strict=True)):
            if k != "other":
                out[f"lq_{zn}"] = lq[:, i]

        # chain completeness (metrics.chain_completeness) and local sourcing
        links = chain.links & ~np.eye(S, dtype=bool)
        n_links = int(links.sum())
        present = d["present"].reshape(T, S).astype(bool)
        if n_links == 0:
            completeness = nan.copy()
        else:
            both = present[:, :, None] & present[:, None, :]
            completeness = (both & links).reshape(T, -1).sum(axis=1) / n_links
        out["chain_completeness"] = completeness
        demand = d["out_stage"].reshape(T, S) @ chain.io.T  # (T, supplier)
        total = demand.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.sum(demand * d["local_share"].reshape(T, S), axis=1) / total
        out["local_sourcing_ratio"] = np.where(total == 0, np.nan, ratio)
        out["plant_free_m2"] = d["plant_free"].astype(float)
        out["plant_rent_collected"] = d["plant_rent"].astype(float)
        names = world.gov.names
        spent = d["spent"].reshape(T, len(names)).astype(float)
        for i, lever in enumerate(names):
            out[f"cost_{lever}"] = spent[:, i]
        cost_total = spent.sum(axis=1)
        out["cost_total"] = cost_total
        with np.errstate(divide="ignore", invalid="ignore"):
            jobs = (employment - initial_employment) / (cost_total / 1e6)
        out["jobs_per_million_yuan"] = np.where(cost_total > 0, jobs, np.nan)
        out["taken_off"] = (
            d["takeoff_ready"].astype(bool)
            & (employment > 0)
            & (employment >= tk.employment_multiple * initial_employment)
            & (np.isnan(completeness) | (completeness >= tk.min_completeness))
        ).astype(np.int64)
        return out
