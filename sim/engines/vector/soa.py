"""Structure-of-arrays storage with spare capacity, for the vector engine's firms.

Declared fields (name -> dtype, default) drive the allocation. Arrays grow geometrically, so
adding firms month after month copies each array only O(log n) times; dead firms are marked, not
compacted, so a firm keeps its slot (its id) for the whole run. A kernel takes the columns it
touches as one named tuple (`Table.bundle`, with a type of `sim.engines.vector.bundles` such as
`FirmsLabour`), whole capacity, by slot.
"""

from __future__ import annotations

import numpy as np

FIRM_FIELDS: dict[str, tuple[type | np.dtype, float]] = {
    "alive": (np.bool_, False),
    "stage": (np.int16, 0),
    "zone": (np.int16, 0),
    "x": (np.int32, 0),
    "y": (np.int32, 0),
    "cell": (np.int32, 0),  # flat cell index, x * height + y
    "origin": (np.int8, 0),
    "anchor": (np.bool_, False),
    "owner": (np.int64, -1),  # tailor index of a returnee founder, else -1
    "tailors": (np.int32, 0),  # tailor employees
    "first_staff": (np.int32, -1),  # head of the firm's list of tailor employees, -1 if none
    "locals": (np.int32, 0),  # local employees
    "target": (np.int32, 0),
    "capital": (np.float64, 0.0),
    "debt": (np.float64, 0.0),
    "guaranteed": (np.float64, 0.0),  # the part of the debt a lever guarantees (7.9)
    "productivity": (np.float64, 1.0),
    "age": (np.int32, 0),
    "born": (np.int32, 0),
    "died": (np.int32, -1),
    "plant_m2": (np.float64, 0.0),
    "plant_months": (np.int32, 0),
    "plant_discount": (np.bool_, False),  # its tenancy carries the plant lever's rent discount
    "margin": (np.float64, 0.0),
    "output": (np.float64, 0.0),
    "profit": (np.float64, 0.0),
    "loss_streak": (np.int32, 0),
}


class Table:
    """Columns of equal length with spare capacity; `n` slots are in use."""

    def __init__(self, fields: dict[str, tuple[type | np.dtype, float]], capacity: int = 64):
        self.fields = fields
        self.n = 0
        self.capacity = max(1, capacity)
        self.cols = {k: np.full(self.capacity, d, dtype=t) for k, (t, d) in fields.items()}
        self._bundles: dict[type, tuple] = {}

    def bundle(self, kind: type) -> tuple:
        """The columns named by the fields of `kind` (a named tuple type), at full capacity, in
        the order of its fields, as a plain tuple for a kernel, which names it again with `kind`
        (`sim.engines.vector.bundles.plain`); built once, and again only after the arrays grew."""
        b = self._bundles.get(kind)
        if b is None:
            b = self._bundles[kind] = tuple(self.cols[k] for k in kind._fields)
        return b

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    def __setattr__(self, name: str, value) -> None:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:  # `t.capital += x` writes into the live part
            cols[name][: self.n] = value
        else:
            super().__setattr__(name, value)

    def reserve(self, count: int) -> int:
        """Take `count` more slots, at their defaults (growing the arrays if needed); return
        the first. The caller fills them."""
        if self.n + count > self.capacity:
            new = max(2 * self.capacity, self.n + count)
            for k, (t, d) in self.fields.items():
                grown = np.full(new, d, dtype=t)
                grown[: self.n] = self.cols[k][: self.n]
                self.cols[k] = grown
            self.capacity = new
            self._bundles.clear()
        start = self.n
        self.n += count
        return start
