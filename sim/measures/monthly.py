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
    for suffix in ("", "_zones"):  # on equal blocks, then on the zones
        cols += [f"eg_gamma_cluster{suffix}", *[f"eg_gamma_{s}{suffix}" for s in chain.stages]]
        cols += [f"egk_{a}_{b}{suffix}" for a, b in linked_pairs(chain)]
    cols += ["hhi_zones", "morans_i"]
    cols += [f"lq_{z}" for z, park in zip(county.zone_names, county.park, strict=True) if park]
    cols += ["park_share"]
    cols += [f"spec_{z}" for z, d in zip(county.zone_names, county.has_design, strict=True) if d]
    cols += ["chain_completeness", "local_sourcing_ratio", "plant_free_m2", "plant_rent_collected"]
    cols += [f"cost_{lever}" for lever in levers] + [
        "cost_total",
        "jobs_per_million_yuan",
        "taken_off",
    ]
    cols += fiscal.columns(levers)
    return cols


def linked_pairs(chain: ValueChain) -> list[tuple[str, str]]:
    """The pairs of stages (in chain order) that share a chain link in either direction: the
    pairs whose coagglomeration is measured."""
    S = chain.n
    return [
        (chain.stages[i], chain.stages[j])
        for i in range(S)
        for j in range(i + 1, S)
        if chain.linked[i, j] > 0
    ]


def firm_aggregates(snap: Snapshot, world: World) -> dict[str, object]:
    """The month's aggregates of the living firms that `MonthLog.record` takes, from a
    `Snapshot` (the Mesa engine's path; the vector engine computes the same in one compiled
    pass, `sim.engines.vector.kernels.month_totals`, and tests/test_vector_measures.py checks
    the two agree on the same state)."""
    county = world.county
    S, Z, B = world.chain.n, county.n_zones, county.n_blocks
    W, H = county.width, county.height
    block = county.block_of_cell[snap.x * H + snap.y]
    density = np.zeros((W, H))
    np.add.at(density, (snap.x, snap.y), 1.0)
    z = density - snap.stage.size / (W * H)
    return {
        "cross": np.bincount(snap.stage * Z + snap.zone, minlength=S * Z),
        "employment": float(snap.workers.sum()),
        "tailor_workers": float(snap.tailor_workers.sum()),
        "output": float(snap.output.sum()),
        "profit": float(snap.profit.sum()),
        "workers_sq_stage": np.bincount(snap.stage, weights=snap.workers**2, minlength=S),
        "emp_stage_zone": np.bincount(
            snap.stage * Z + snap.zone, weights=snap.workers, minlength=S * Z
        ),
        "emp_stage_block": np.bincount(
            snap.stage * B + block, weights=snap.workers, minlength=S * B
        ),
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
    "workers_sq_stage",  # (S,) sum over a stage's firms of workers^2 (EG plant Herfindahl)
    "emp_stage_zone",  # (S, Z) employment by stage and zone
    "emp_stage_block",  # (S, B) employment by stage and equal block
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

        # agglomeration on equal blocks and on the zones (`agglomeration_columns`)
        emp_sz = d["emp_stage_zone"].reshape(T, S, Z).astype(float)
        emp_sb = d["emp_stage_block"].reshape(T, S, county.n_blocks).astype(float)
        wsq = d["workers_sq_stage"].reshape(T, S).astype(float)
        pairs = linked_pairs(chain)
        for suffix, emp, other in (
            ("", emp_sb, county.other_emp_block),
            ("_zones", emp_sz, county.other_emp_zone),
        ):
            for name, col in agglomeration_columns(chain, emp, wsq, other, pairs).items():
                out[name + suffix] = col
        emp_zone = emp_sz.sum(axis=1)
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
        n_pairs = county.width * (county.height - 1) + (county.width - 1) * county.height
        with np.errstate(divide="ignore", invalid="ignore"):
            moran = (n / (2 * n_pairs)) * (2 * half) / den
        out["morans_i"] = np.where((constant > 0) | (n < 2), np.nan, moran)
        # location quotients of cluster employment in each park zone against the zone's total
        # employment, other industries included (metrics.location_quotient), the park's share of
        # cluster employment, and each designed zone's share of its employment in its stages
        total_zone = emp_zone + county.other_emp_zone
        E, T_all = emp_zone.sum(axis=1), total_zone.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lq = (emp_zone / total_zone) / (E / T_all)[:, None]
            park_share = emp_zone[:, county.park].sum(axis=1) / E
            spec = np.einsum("tsz,zs->tz", emp_sz, county.designated.astype(float)) / emp_zone
        lq = np.where((total_zone > 0) & (E > 0)[:, None], lq, np.nan)
        for i, zn in enumerate(county.zone_names):
            if county.park[i]:
                out[f"lq_{zn}"] = lq[:, i]
        out["park_share"] = np.where(E > 0, park_share, np.nan)
        for i, zn in enumerate(county.zone_names):
            if county.has_design[i]:
                out[f"spec_{zn}"] = np.where(emp_zone[:, i] > 0, spec[:, i], np.nan)

        # chain completeness (metrics.chain_completeness) and local sourcing
        links = chain.links & ~np.eye(S, dtype=bool)
        n_links = int(links.sum())
        present = d["present"].reshape(T, S).astype(bool)
        if n_links == 0:
            completeness = np.full(T, np.nan)
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


def agglomeration_columns(
    chain: ValueChain,
    emp: np.ndarray,
    workers_sq: np.ndarray,
    other: np.ndarray,
    pairs: list[tuple[str, str]],
) -> dict[str, np.ndarray]:
    """Ellison-Glaeser gamma of each stage and of the cluster (all stages as one industry), and
    the Ellison-Glaeser-Kerr coagglomeration of each linked pair, over a month axis: `emp` is
    (months, stages, areas) employment, `workers_sq` (months, stages) the sum of squared firm
    employment, `other` (areas,) the county's other employment. `x_m` is each area's share of
    all employment (cluster and other), as EG (1997) and EGK (2010) take aggregate employment
    (`metrics.ellison_glaeser`, `metrics.coagglomeration`); NaN where a share is undefined."""
    by_stage = emp.sum(axis=2)  # (T, S)
    total = emp.sum(axis=1) + other[None, :]  # (T, A)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = total / total.sum(axis=1, keepdims=True)
        one_minus_x2 = 1.0 - np.sum(x**2, axis=1)  # (T,)
        share = emp / by_stage[:, :, None]  # s_m of each stage
        cluster_emp = by_stage.sum(axis=1)
        cluster_share = emp.sum(axis=1) / cluster_emp[:, None]

    def gamma(s: np.ndarray, H: np.ndarray, ok: np.ndarray) -> np.ndarray:
        G = np.sum((s - x) ** 2, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (G - one_minus_x2 * H) / (one_minus_x2 * (1.0 - H))
        return np.where(ok & (one_minus_x2 > 0) & (H < 1.0), g, np.nan)

    out: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        H_cluster = workers_sq.sum(axis=1) / cluster_emp**2
    out["eg_gamma_cluster"] = gamma(cluster_share, H_cluster, cluster_emp > 0)
    for i, st in enumerate(chain.stages):
        with np.errstate(divide="ignore", invalid="ignore"):
            H = workers_sq[:, i] / by_stage[:, i] ** 2
        out[f"eg_gamma_{st}"] = gamma(share[:, i, :], H, by_stage[:, i] > 0)
    for a, b in pairs:
        i, j = chain.stages.index(a), chain.stages.index(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.sum((share[:, i, :] - x) * (share[:, j, :] - x), axis=1) / one_minus_x2
        ok = (by_stage[:, i] > 0) & (by_stage[:, j] > 0) & (one_minus_x2 > 0)
        out[f"egk_{a}_{b}"] = np.where(ok, c, np.nan)
    return out
