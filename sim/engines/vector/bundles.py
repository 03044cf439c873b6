"""The vector engine's state as named bundles: what a compiled kernel reads and writes.

A kernel takes a few bundles (named tuples of arrays, which numba types by their fields and reads
by name) instead of dozens of positional arrays. The firms are `sim.engines.vector.soa.Firms`
(the columns of the firm `Table`); the rest is here. Each bundle holds the engine's own arrays,
not copies: a kernel that writes `tailors.status[t]` writes `VectorModel.status`. `Tailors` and
`Grid` are built once per model, `Location` each time the location submodel runs (the zone policy
changes by month); `Accounts` and `MonthTotals` are what kernels return.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Tailors(NamedTuple):
    """Every tailor (index t), and the counts kept with each change of status."""

    status: np.ndarray  # int8, a code of sim.core.codes.STATUSES
    skill: np.ndarray  # float32
    since: np.ndarray  # uint16, the month (mod 2^16) of the last change of status
    savings: np.ndarray  # float64, settled up to `since`
    saved: np.ndarray  # float64 by status: what a month in that status saves
    status_counts: np.ndarray  # int64 by status
    employer: np.ndarray  # int64, the firm employing t, else -1
    next_staff: np.ndarray  # int32, the next tailor on the employer's staff list, else -1
    prev_staff: np.ndarray  # int32, the previous one, else -1
    village: np.ndarray  # int32
    attachment: np.ndarray  # float32
    home_count: np.ndarray  # int64 by village: tailors at home
    village_size: np.ndarray  # int64 by village


class Grid(NamedTuple):
    """The county's cells (flat index x * height + y) and the firm counts kept on them."""

    height: int
    n_cells: int
    zone_of_cell: np.ndarray  # int64 by cell
    anchor_weight: float  # an anchor's weight in `zone_counts`
    plant: np.ndarray  # float64 by cell: free plant floor space (a view of World.plant)
    counts: np.ndarray  # float64 by (stage, cell), flat: living firms (a view of World.counts)
    zone_counts: np.ndarray  # float64 (stage, zone): anchor-weighted firms (World.zone_counts)
    # the neighbourhood sums by (stage, cell), the same in zone order, then a scratch part;
    # the first part is World.box (VectorModel.__init__)
    boxes: np.ndarray
    window: np.ndarray  # int64 (cell, neighbour): the neighbours' places in `boxes`
    linked: np.ndarray  # float64 (stage, stage): the chain's input-output links
    base_rent: np.ndarray  # float64 by zone


class Location(NamedTuple):
    """What the location submodel (`entry_kernels.locate`) reads: the zones' attributes and the
    month's lever policy, the firm counts and free plant, the cells in zone order."""

    area: np.ndarray
    advantage: np.ndarray
    base_rent: np.ndarray
    policy: np.ndarray  # by zone: the levers for which it is eligible (Government.zone_policy)
    linked: np.ndarray
    count_all_stages: bool
    zone_counts: np.ndarray
    plant: np.ndarray  # by cell (Grid.plant)
    zone_order: np.ndarray  # int64: the cells, zone by zone
    zone_start: np.ndarray  # int64 by zone: its first place in `zone_order`
    zone_end: np.ndarray  # int64 by zone: one past its last
    mass_coef: np.ndarray  # (stage, stage): a cell's mass is 1 + mass_coef[s] . box
    box_z: np.ndarray  # the neighbourhood sums by (stage, place in zone order), flat
    power: float  # cell_increasing_returns
    plant_factor: float  # exp(cell_plant)


class Accounts(NamedTuple):
    """Each living firm's month before support (`kernels.produce`, for `settle_accounts`)."""

    output: np.ndarray
    costs: np.ndarray
    financing_request: np.ndarray
    burden_request: np.ndarray
    plant_request: np.ndarray
    rent_due: np.ndarray
    stage: np.ndarray  # int64


class MonthTotals(NamedTuple):
    """The month's aggregates of the living firms (`kernels.month_totals`)."""

    cross: np.ndarray  # int64, firms by (stage, zone), flat
    emp_zone: np.ndarray  # employment by zone
    present: np.ndarray  # bool by stage: a firm with workers
    out_stage: np.ndarray  # output by stage
    employment: float
    tailor_workers: float
    output: float
    profit: float
    workers_sq: float  # the sum of squared firm employment
    moran_parts: np.ndarray  # Moran's I of firms per cell: (den, half, constant)


def empty_accounts() -> Accounts:
    """The accounts of no firm (before the first production)."""
    z = np.empty(0)
    return Accounts(z, z, z, z, z, z, np.empty(0, dtype=np.int64))
