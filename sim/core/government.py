"""The government: lever windows, budgets and the fiscal cost of each lever.

Engine-agnostic bookkeeping. Each month an engine asks which levers are active, sums what firms
request from each lever, and `grant` scales the requests down so that no lever ever spends beyond
its budget; a lever whose budget is spent stops for good.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core.scenario import LeverWindow, Scenario
from sim.core.space import County

LEVERS = ("financing", "burden", "plant_supply")


@dataclass
class Government:
    levers: dict[str, LeverWindow]
    eligible_zones: dict[str, np.ndarray]  # bool per zone
    spent: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LEVERS, 0.0))
    exhausted: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(LEVERS, False))
    plant_rent_collected: float = 0.0  # rent paid by tenants of the county's standard plants

    @classmethod
    def from_scenario(cls, scenario: Scenario, county: County) -> Government:
        levers = {name: getattr(scenario.levers, name) for name in LEVERS}
        zones = {name: county.zone_mask(lever.zones) for name, lever in levers.items()}
        return cls(levers=levers, eligible_zones=zones)

    def active(self, name: str, month: int) -> bool:
        """A lever acts in months start..end inclusive, while it has budget left."""
        lever = self.levers[name]
        return lever.enabled and lever.start <= month <= lever.end and not self.exhausted[name]

    def active_count(self, month: int) -> int:
        return sum(self.active(n, month) for n in LEVERS)

    def zone_policy(self, month: int) -> np.ndarray:
        """Number of active levers for which each zone is eligible (location choice salience)."""
        out = np.zeros_like(next(iter(self.eligible_zones.values())), dtype=float)
        for name in LEVERS:
            if self.active(name, month):
                out += self.eligible_zones[name]
        return out

    def remaining(self, name: str) -> float:
        return max(0.0, self.levers[name].budget - self.spent[name])

    def grant(self, name: str, requested: float, month: int) -> float:
        """Pay up to `requested` from the lever's budget; return the share paid (0..1).

        Requests are scaled pro rata when the budget cannot cover them all, and the lever is
        marked exhausted once nothing is left.
        """
        if requested <= 0 or not self.active(name, month):
            return 0.0
        left = self.remaining(name)
        share = 1.0 if requested <= left else left / requested
        self.spent[name] = min(self.levers[name].budget, self.spent[name] + requested * share)
        if self.remaining(name) <= 1e-9 * max(1.0, self.levers[name].budget):
            self.exhausted[name] = True
        return share

    def eligible(self, name: str, month: int, zone: int) -> bool:
        """Whether a lever acts this month on a firm or founder in `zone`."""
        return self.active(name, month) and bool(self.eligible_zones[name][zone])

    @property
    def total_spent(self) -> float:
        return float(sum(self.spent.values()))
