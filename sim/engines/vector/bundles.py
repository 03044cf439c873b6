"""The vector engine's state as named bundles: what a compiled kernel reads and writes.

A kernel takes a few bundles (named tuples of arrays, which numba types by their fields and reads
by name) instead of dozens of positional arrays. Each bundle holds the engine's own arrays, not
copies: a kernel that writes `tailors.status[t]` writes `VectorModel.status`. The firms come as
the columns of the firm `Table` a phase touches (`Table.bundle(FirmsLabour)` and so on: numba
types and unboxes every field of a bundle on each call, about 0.2 microseconds a field, so a
kernel is not handed the columns it never reads). `Tailors` and `Grid` are built once per model,
`Location` once a month (the zone policy changes by month); `Accounts` and `MonthTotals` are what
kernels return. A kernel reads each field it uses into a local name once, before its loops (a
field read inside a loop costs a reference count each time).

From Python a bundle goes to a kernel as a plain tuple (`plain`) and the kernel names it again on
entry (`tailors = Tailors(*tailors)`, free in compiled code): numba's dispatcher types a plain
tuple in its C fast path, but a named tuple through Python, some microseconds a call, which at
the county's real size is a tenth of a month's time. The field order is the bundle class's, so
the names still come from one place.
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


# the firm columns (sim.engines.vector.soa.FIRM_FIELDS, whole capacity, by slot) each phase touches


class FirmsEntry(NamedTuple):
    """What an entrant's slot is written with (`entry_kernels`: found, invest, add_firms); a
    founder leaving a job leaves its employer's staff list (`first_staff`, `tailors`)."""

    alive: np.ndarray
    stage: np.ndarray
    zone: np.ndarray
    x: np.ndarray
    y: np.ndarray
    cell: np.ndarray
    origin: np.ndarray
    anchor: np.ndarray
    owner: np.ndarray
    capital: np.ndarray
    debt: np.ndarray
    guaranteed: np.ndarray
    target: np.ndarray
    productivity: np.ndarray
    age: np.ndarray
    born: np.ndarray
    plant_m2: np.ndarray
    plant_discount: np.ndarray
    first_staff: np.ndarray
    tailors: np.ndarray


class FirmsLabour(NamedTuple):
    """The labour phase (`kernels.labour_plan`, `kernels.labour_market`)."""

    tailors: np.ndarray
    locals: np.ndarray
    first_staff: np.ndarray
    target: np.ndarray
    age: np.ndarray
    capital: np.ndarray
    debt: np.ndarray
    guaranteed: np.ndarray
    margin: np.ndarray
    zone: np.ndarray


class FirmsProduction(NamedTuple):
    """Production (`kernels.produce`)."""

    stage: np.ndarray
    cell: np.ndarray
    zone: np.ndarray
    productivity: np.ndarray
    tailors: np.ndarray
    locals: np.ndarray
    age: np.ndarray
    plant_m2: np.ndarray
    plant_months: np.ndarray
    plant_discount: np.ndarray
    debt: np.ndarray


class FirmsBooks(NamedTuple):
    """The month's books (`kernels.settle_accounts`)."""

    output: np.ndarray
    profit: np.ndarray
    margin: np.ndarray
    capital: np.ndarray
    debt: np.ndarray
    guaranteed: np.ndarray
    loss_streak: np.ndarray
    age: np.ndarray
    plant_m2: np.ndarray
    plant_months: np.ndarray


class FirmsExit(NamedTuple):
    """Exit and closing (`kernels.exit_firms`, `kernels.close_firms`)."""

    alive: np.ndarray
    died: np.ndarray
    age: np.ndarray
    profit: np.ndarray
    capital: np.ndarray
    guaranteed: np.ndarray
    loss_streak: np.ndarray
    stage: np.ndarray
    zone: np.ndarray
    cell: np.ndarray
    origin: np.ndarray
    anchor: np.ndarray
    owner: np.ndarray
    plant_m2: np.ndarray
    first_staff: np.ndarray
    tailors: np.ndarray
    locals: np.ndarray


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
    month's lever publicity, the firm counts and free plant, the cells in zone order."""

    area: np.ndarray
    advantage: np.ndarray
    base_rent: np.ndarray
    publicity: np.ndarray  # by zone: the publicised levers it is eligible for (zone_publicity)
    linked: np.ndarray
    count_all_stages: bool
    zone_counts: np.ndarray
    plant: np.ndarray  # by cell (Grid.plant)
    zone_order: np.ndarray  # int64: the cells, zone by zone
    zone_start: np.ndarray  # int64 by zone: its first place in `zone_order`
    zone_end: np.ndarray  # int64 by zone: one past its last
    mass_coef: np.ndarray  # (stage, stage): a cell's mass is 1 + mass_coef[s] . box
    box_z: np.ndarray  # the neighbourhood sums by (stage, place in zone order), flat


class Accounts(NamedTuple):
    """Each living firm's month before support (`kernels.produce`, for `settle_accounts`)."""

    output: np.ndarray
    costs: np.ndarray
    financing_request: np.ndarray
    burden_request: np.ndarray
    plant_request: np.ndarray
    rent_due: np.ndarray
    stage: np.ndarray  # int64
    tax_requested: np.ndarray  # (3,) the tax part of each lever's requests, summed over firms


class MonthTotals(NamedTuple):
    """The month's aggregates of the living firms (`kernels.month_totals`)."""

    cross: np.ndarray  # int64, firms by (stage, zone), flat
    emp_stage_zone: np.ndarray  # employment by (stage, zone), flat
    emp_stage_block: np.ndarray  # employment by (stage, block), flat
    workers_sq_stage: np.ndarray  # by stage, the sum of squared firm employment
    present: np.ndarray  # bool by stage: a firm with workers
    out_stage: np.ndarray  # output by stage
    employment: float
    tailor_workers: float
    output: float
    profit: float
    moran_parts: np.ndarray  # Moran's I of firms per cell: (den, half, constant)


def plain(bundle: tuple) -> tuple:
    """`bundle`'s fields as a plain tuple, to hand to a kernel from Python (see the module
    docstring); the kernel names it again with the bundle's class."""
    return tuple(bundle)


def empty_accounts() -> Accounts:
    """The accounts of no firm (before the first production)."""
    z = np.empty(0)
    return Accounts(z, z, z, z, z, z, np.empty(0, dtype=np.int64), np.zeros(3))
