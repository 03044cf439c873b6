"""The county grid and its zones (one headquarters, one core, bases, and the rest).

Arrays are indexed [x, y] to match mesa.discrete_space grid coordinates. Zone 'rest' holds every
cell that no listed zone covers; it exists only when such cells exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.scenario import REST_ZONE, Scenario


@dataclass(frozen=True)
class County:
    width: int
    height: int
    zone_names: tuple[str, ...]
    zone_kinds: tuple[str, ...]
    zone_of_cell: np.ndarray  # int [x, y] -> zone index
    area: np.ndarray  # cells per zone
    advantage: np.ndarray  # natural advantage per zone
    base_rent: np.ndarray  # yuan/m2/month per zone
    initial_plant_m2: np.ndarray  # per zone
    cells_of_zone: tuple[np.ndarray, ...]  # flat cell indices (x * height + y) per zone
    plant_sites: tuple[np.ndarray, ...]  # per zone: its cells from the centre outwards
    plant_cell_capacity_m2: float
    cell_km: float  # side of a cell
    block_of_cell: np.ndarray  # int per flat cell: its equal block (measures on blocks)
    n_blocks: int
    other_emp_cell: np.ndarray  # the county's other (non-cluster) employment per flat cell
    designated: np.ndarray  # bool (zones, stages): the stages a zone is laid out for
    has_design: np.ndarray  # bool per zone: the zone names designated stages

    @property
    def n_zones(self) -> int:
        return len(self.zone_names)

    @property
    def n_cells(self) -> int:
        return self.width * self.height

    @property
    def park(self) -> np.ndarray:
        """Bool per zone: part of the park (every zone but those of kind 'other', and `rest`)."""
        return np.array([k != "other" for k in self.zone_kinds], dtype=bool)

    @property
    def other_emp_zone(self) -> np.ndarray:
        return np.bincount(self.zone_of_cell.ravel(), self.other_emp_cell, self.n_zones)

    @property
    def other_emp_block(self) -> np.ndarray:
        return np.bincount(self.block_of_cell, self.other_emp_cell, self.n_blocks)

    def zone_index(self, name: str) -> int:
        return self.zone_names.index(name)

    def zone_mask(self, names: list[str] | None) -> np.ndarray:
        """Bool per zone: eligible for a lever restricted to `names` (None = all zones)."""
        if names is None:
            return np.ones(self.n_zones, dtype=bool)
        return np.array([z in names for z in self.zone_names], dtype=bool)

    def cell_xy(self, flat: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        return np.divmod(flat, self.height)


def equal_blocks(width: int, height: int, side: int) -> tuple[np.ndarray, int]:
    """Each flat cell's block when the grid is cut into squares of `side` cells from (0, 0); the
    last row and column of blocks are narrower when `side` does not divide the grid. Returns
    (block per flat cell, number of blocks)."""
    bx, by = -(-width // side), -(-height // side)
    x, y = np.divmod(np.arange(width * height), height)
    return (x // side) * by + y // side, bx * by


def build_county(scenario: Scenario) -> County:
    sp = scenario.space
    stages = list(scenario.chain.stages)
    zone_of_cell = np.full((sp.width, sp.height), -1, dtype=np.int16)
    names, kinds, adv, rent, plant, other_w, design = [], [], [], [], [], [], []
    for i, z in enumerate(sp.zones):
        x, y, w, h = z.rect
        zone_of_cell[x : x + w, y : y + h] = i
        names.append(z.name)
        kinds.append(z.kind)
        adv.append(z.natural_advantage)
        rent.append(z.rent)
        plant.append(z.plant_stock_m2)
        other_w.append(z.other_employment_weight)
        design.append(z.designated_stages)
    if (zone_of_cell < 0).any():
        zone_of_cell[zone_of_cell < 0] = len(names)
        names.append(REST_ZONE)
        kinds.append("other")
        adv.append(sp.rest.natural_advantage)
        rent.append(sp.rest.rent)
        plant.append(0.0)
        other_w.append(sp.rest.other_employment_weight)
        design.append(None)
    flat = zone_of_cell.ravel()
    n = len(names)
    cells_of_zone = tuple(np.flatnonzero(flat == k) for k in range(n))
    designated = np.array([[s in (d or ()) for s in stages] for d in design], dtype=bool)
    block_of_cell, n_blocks = equal_blocks(sp.width, sp.height, sp.block_cells)
    weight = np.asarray(other_w, dtype=float)[flat]
    total = scenario.population.other_employment
    other = total * weight / weight.sum() if weight.sum() > 0 else np.zeros(flat.size)
    return County(
        width=sp.width,
        height=sp.height,
        zone_names=tuple(names),
        zone_kinds=tuple(kinds),
        zone_of_cell=zone_of_cell,
        area=np.bincount(flat, minlength=n).astype(float),
        advantage=np.array(adv, dtype=float),
        base_rent=np.array(rent, dtype=float),
        initial_plant_m2=np.array(plant, dtype=float),
        cells_of_zone=cells_of_zone,
        plant_sites=tuple(_centre_out(c, sp.height) for c in cells_of_zone),
        plant_cell_capacity_m2=sp.plant_cell_capacity_m2,
        cell_km=sp.cell_km,
        block_of_cell=block_of_cell,
        n_blocks=n_blocks,
        other_emp_cell=other,
        designated=designated,
        has_design=np.array([d is not None for d in design], dtype=bool),
    )


def _centre_out(cells: np.ndarray, height: int) -> np.ndarray:
    """A zone's cells ordered by distance from its centre (ties by cell index)."""
    x, y = np.divmod(cells, height)
    d = (x - x.mean()) ** 2 + (y - y.mean()) ** 2
    return cells[np.lexsort((cells, d))]


def place_plant(built: np.ndarray, sites: np.ndarray, m2: float, capacity: float) -> np.ndarray:
    """Where new plant floor space goes: it fills the zone's sites from the centre outwards, each
    up to `capacity` m2, as a park is built block by block (and not thinly over every cell).
    Returns the m2 added per flat cell; `built` holds the m2 built so far per flat cell."""
    added = np.zeros_like(built, dtype=float)
    room = np.maximum(capacity - built[sites], 0.0)
    fill = np.minimum(room, np.maximum(m2 - (np.cumsum(room) - room), 0.0))
    added[sites] = fill
    overflow = m2 - fill.sum()
    if overflow > 1e-9 and sites.size:
        added[sites[0]] += overflow
    return added
