"""The county's fiscal account, by month: what each lever gave or owes, by kind.

Both engines record the government's books at the end of every month (`books`, through
`sim.measures.monthly.county_books` into the `MonthLog`), and `frame` turns them into the
columns of `columns`. The books are cumulative, so a thinned timeseries (a sweep keeping some
months) still holds the exact account at each month it keeps.

Per lever (docs/model.md, 4.11 and 7.9), cumulative yuan since month 0:

- `outlay_<lever>`: cash paid out (interest subsidies, rent relief, construction...);
- `forgone_<lever>`: revenue the county does not collect because of the lever (tax and fee
  cuts); counted here once, never again as an outlay;
- `guarantee_<lever>`: guarantee charges, the lever's share of the guaranteed debt of
  borrowers that defaulted, whenever they defaulted;
- `beyond_budget_<lever>`: the part of the above owed on commitments honoured after the
  lever's budget was spent (a guarantee called on an empty fund), included in them.

`cost_<lever>` (`sim.measures.monthly`) is the sum of the first three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.core.levers import BOOK_KINDS

if TYPE_CHECKING:
    from sim.core.world import World

# each lever's entries in `books`, in order
LEVER_ENTRIES = (*BOOK_KINDS, "beyond_budget")


def columns(levers: Sequence[str]) -> list[str]:
    """The fiscal columns, in order (`levers`: the scenario's lever names, in order)."""
    return [f"{entry}_{lever}" for lever in levers for entry in LEVER_ENTRIES]


def books(world: World) -> np.ndarray:
    """The government's cumulative books at the end of the month, one flat vector: per lever
    (in order) its outlays, forgone revenue, guarantee charges and the part beyond its budget."""
    out = []
    for lever in world.gov.levers:
        out += [lever.books[kind] for kind in BOOK_KINDS] + [lever.beyond_budget]
    return np.array(out, dtype=float)


def frame(log: dict[str, list], world: World, last: bool = False) -> dict[str, np.ndarray]:
    """The fiscal columns over every month of `log` (`MonthLog.data`: each month's `books`,
    month and employment), or only the last month's with `last`. The whole history is read
    either way, since the running sums need it."""
    names = world.gov.names
    T = len(log["fiscal"])
    data = np.asarray(log["fiscal"], dtype=float).reshape(T, -1)
    out: dict[str, np.ndarray] = {}
    per_lever = data[:, : len(names) * len(LEVER_ENTRIES)].reshape(T, len(names), -1)
    for i, lever in enumerate(names):
        for j, entry in enumerate(LEVER_ENTRIES):
            out[f"{entry}_{lever}"] = per_lever[:, i, j]
    if last:
        return {k: v[-1:] for k, v in out.items()}
    return out
