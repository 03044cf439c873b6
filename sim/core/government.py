"""The government: the scenario's levers (`sim.core.levers`), and what the engines ask of them all.

Engine-agnostic bookkeeping. Each month an engine asks which levers are active, sums what firms
request from each lever that pays firms, and the lever's `grant` scales the requests down so
that it never spends beyond its budget; a lever whose budget is spent stops for good. Nothing
here names a lever: the levers' own classes say what each changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.levers import LEVER_TYPES, SUPPORT_ROWS, Lever, lever_sections
from sim.core.scenario import Scenario
from sim.core.space import County

if TYPE_CHECKING:
    from sim.core.world import World


class Government:
    """The scenario's levers, in schema order, and the questions engines ask of all of them."""

    def __init__(self, levers: list[Lever]) -> None:
        self.levers = levers
        self.by_name = {lever.name: lever for lever in levers}
        self.names = tuple(self.by_name)
        # the levers that pay towards firms' costs, in the rows of `levers.firm_support`
        self.support = [self.by_name[name] for name in SUPPORT_ROWS]
        covering = [lever for lever in levers if lever.covers_exit_debt]
        assert len(covering) <= 1, "at most one lever repays the debt of firms that exit"
        self.exit_cover: Lever | None = covering[0] if covering else None
        self.plant_rent_collected = 0.0  # rent paid by tenants of the county's standard plants

    @classmethod
    def from_scenario(cls, scenario: Scenario, county: County) -> Government:
        levers = []
        for name, section in lever_sections(scenario.levers):
            lever_type = LEVER_TYPES.get(name)
            if lever_type is None:
                raise ValueError(f"levers.{name}: no lever class registered for this section")
            levers.append(lever_type(section, county))
        return cls(levers)

    def __getitem__(self, name: str) -> Lever:
        return self.by_name[name]

    @property
    def spent(self) -> dict[str, float]:
        """What each lever has spent so far, by name."""
        return {lever.name: lever.spent for lever in self.levers}

    @property
    def exhausted(self) -> dict[str, bool]:
        """Whether each lever's budget is spent, by name."""
        return {lever.name: lever.exhausted for lever in self.levers}

    @property
    def total_spent(self) -> float:
        return float(sum(self.spent.values()))

    def start_month(self, world: World, month: int) -> None:
        """What each lever does itself at the start of the month (building plants)."""
        for lever in self.levers:
            lever.start_month(world, month)

    def publicised_count(self, month: int) -> int:
        """Active publicised levers: the publicity tailors and investors respond to, with the
        weights `publicity` of return migration and outside investment (0 by default: the
        term rewards a lever for being active, not for what it does; docs/model.md 7.11)."""
        return sum(lever.active(month) for lever in self.levers if lever.publicised)

    def zone_publicity(self, month: int) -> np.ndarray:
        """Per zone, the active publicised levers it is eligible for (location choice, with the
        weight `behaviour.location.publicity`, 0 by default)."""
        out = np.zeros(self.levers[0].eligible_zones.shape, dtype=float)
        for lever in self.levers:
            if lever.publicised and lever.active(month):
                out += lever.eligible_zones
        return out

    def support_terms(self, month: int) -> np.ndarray:
        """(support rows, zones): 1.0 where a lever that pays firms acts this month."""
        return np.array([lever.acting_zones(month) for lever in self.support], dtype=float)

    def grant_support(self, requested, month: int) -> np.ndarray:
        """Each paying lever grants its share of the month's requests (rows of `support`)."""
        return np.array([lever.grant(requested[i], month) for i, lever in enumerate(self.support)])

    def founder_credit_terms(self, cap: float, leverage: float, month: int, zone):
        """Founders' (credit cap, leverage) in `zone` (int or array) after every lever."""
        cap_z, lev_z = np.asarray(cap, dtype=float), np.asarray(leverage, dtype=float)
        for lever in self.levers:
            cap_z, lev_z = lever.founder_credit(cap_z, lev_z, month, zone)
        return cap_z, lev_z

    def firm_leverage(self, leverage: float, month: int, zone):
        """Firms' debt allowed per yuan of net worth in `zone` after every lever."""
        out = np.asarray(leverage, dtype=float)
        for lever in self.levers:
            out = lever.firm_leverage(out, month, zone)
        return out

    def exit_cover_zones(self, month: int) -> np.ndarray:
        """Per zone, whether the debt of a firm exiting there this month is partly repaid."""
        if self.exit_cover is None:
            return np.zeros(self.levers[0].eligible_zones.shape, dtype=bool)
        return self.exit_cover.acting_zones(month)

    def pay_exit_debt(self, debt: float, month: int) -> None:
        """Repay the covered share of `debt`, left by firms that exited where cover acts."""
        if self.exit_cover is not None:
            self.exit_cover.pay_exit_debt(debt, month)
