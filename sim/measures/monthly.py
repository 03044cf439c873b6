"""Monthly measures: the timeseries columns (`columns`), one path for both engines.

At the end of each month an engine records the month's aggregates in a `MonthLog`: those of its
living firms (firms by stage and zone, employment by zone, output by stage, the parts of Moran's
I...; the Mesa engine from a `Snapshot` with `firm_aggregates`, the vector engine in one compiled
pass), the county's books (`county_books`) and the month's flows. `MonthLog.frame` computes every
column from them along the month axis, with the formulas of `sim.measures.indices`; the last row
is the engine's `current`, for the DataCollector and the dashboard.

tests/test_vector_measures.py checks `frame` month by month against the indices computed row by
row from each month's firms (tests/measure_oracle.py), and the two engines' aggregates against
each other on the same state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.chain import ValueChain
from sim.core.codes import ORIGINS, STATUSES
from sim.core.space import County
from sim.measures import fiscal

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
    cols += fiscal.columns(levers)
    return cols


def firm_aggregates(snap: Snapshot, world: World) -> dict[str, object]:
    """The month's aggregates of the living firms that `MonthLog.record` takes, from a
    `Snapshot` (the Mesa engine's path; the vector engine computes the same in one compiled
    pass, `sim.engines.vector.kernels.month_totals`, and tests/test_vector_measures.py checks
    the two agree on the same state)."""
    S, Z = world.chain.n, world.county.n_zones
    W, H = world.county.width, world.county.height
    density = np.zeros((W, H))
    np.add.at(density, (snap.x, snap.y), 1.0)
    z = density - snap.stage.size / (W * H)
    return {
        "cross": np.bincount(snap.stage * Z + snap.zone, minlength=S * Z),
        "employment": float(snap.workers.sum()),
        "tailor_workers": float(snap.tailor_workers.sum()),
        "output": float(snap.output.sum()),
        "profit": float(snap.profit.sum()),
        "workers_sq": float(np.sum(snap.workers**2)),
        "emp_zone": np.bincount(snap.zone, weights=snap.workers, minlength=Z),
        "present": np.bincount(snap.stage, weights=(snap.workers > 0), minlength=S) > 0,
        "out_stage": np.bincount(snap.stage, weights=snap.output, minlength=S),
        "moran_parts": np.array(
            [
                float(np.sum(z * z)),
                float(np.sum(z[:, :-1] * z[:, 1:]) + np.sum(z[:-1, :] * z[1:, :])),
                1.0 if density.min() == density.max() else 0.0,
            ]
        ),
    }


def county_books(world: World, month: int) -> dict[str, object]:
    """The month's county-level figures that `MonthLog.record` takes: local sourcing shares,
    free plant, plant rent, each lever's gross cost (`Lever.cost`), whether the take-off window
    is open, and the fiscal books (`sim.measures.fiscal.books`)."""
    gov = world.gov
    return {
        "local_share": world.local_share,
        "plant_free": float(world.plant.sum()),
        "plant_rent": gov.plant_rent_collected,
        "spent": [lever.cost for lever in gov.levers],
        "takeoff_ready": world.takeoff_ready(month),
        "fiscal": fiscal.books(world),
    }


# ------------------------------------------------------------------ month-axis measures
# Both engines record, at the end of each month, only the small aggregates the measures need
# (`MonthLog.record`), and every column is computed from them along the month axis
# (`MonthLog.frame`). The formulas are those of `sim.measures.indices`, written over a month axis;
# tests/test_vector_measures.py checks them month by month against the indices computed row by
# row from each month's firms (tests/measure_oracle.py).

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
    "spent",  # (levers,) each lever's gross cost, Lever.cost
    "takeoff_ready",
    "fiscal",  # sim.measures.fiscal.books
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

    def last_row(self, world: World, initial_employment: float) -> dict[str, float]:
        """The last recorded month's row, as Python numbers by column."""
        cols = self.frame(world, initial_employment, last=True)
        names = columns(world.chain, world.county, world.gov.names)
        return {k: cols[k][0].item() for k in names}

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
        out.update(fiscal.frame(self.data, world, last))  # from the whole history
        return out
