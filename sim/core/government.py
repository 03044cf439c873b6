"""The government: the scenario's levers (`sim.core.levers`), and what the engines ask of them all.

Engine-agnostic bookkeeping. Each month an engine asks which levers are active, sums what firms
request from each lever that pays firms, and the lever's `grant` scales the requests down so
that it never spends beyond its budget; a lever whose budget is spent makes no new commitments.
Guarantees are commitments: the guarantor is charged when a guaranteed borrower defaults,
whenever that happens (`charge_guarantees`). Nothing here names a lever: the levers' own classes
say what each changes.
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

    def __init__(self, levers: list[Lever], output_tax: float = 0.0) -> None:
        self.levers = levers
        self.output_tax = output_tax  # behaviour.taxes.output_tax, the rate collected on output
        self.by_name = {lever.name: lever for lever in levers}
        self.names = tuple(self.by_name)
        # the levers that pay towards firms' costs, in the rows of `levers.firm_support`
        self.support = [self.by_name[name] for name in SUPPORT_ROWS]
        guarantors = [lever for lever in levers if lever.guarantees_loans]
        assert len(guarantors) <= 1, "at most one lever guarantees loans"
        self.guarantor: Lever | None = guarantors[0] if guarantors else None
        self.plant_rent_collected = 0.0  # rent paid by tenants of the county's standard plants
        # taxes collected from every firm, cumulative (yuan): output taxes and fees, net of the
        # cuts the levers grant, and corporate income tax
        self.tax_output = 0.0
        self.tax_cit = 0.0

    @classmethod
    def from_scenario(cls, scenario: Scenario, county: County) -> Government:
        levers = []
        for name, section in lever_sections(scenario.levers):
            lever_type = LEVER_TYPES.get(name)
            if lever_type is None:
                raise ValueError(f"levers.{name}: no lever class registered for this section")
            levers.append(lever_type(section, county))
        return cls(levers, scenario.behaviour.taxes.output_tax)

    def __getitem__(self, name: str) -> Lever:
        return self.by_name[name]

    @property
    def spent(self) -> dict[str, float]:
        """What each lever has paid from its budget so far, by name (at most the budget)."""
        return {lever.name: lever.spent for lever in self.levers}

    @property
    def cost(self) -> dict[str, float]:
        """What each lever has given or owes so far, by name (`Lever.cost`: its budget spent
        plus the commitments honoured beyond it)."""
        return {lever.name: lever.cost for lever in self.levers}

    @property
    def exhausted(self) -> dict[str, bool]:
        """Whether each lever's budget is spent, by name."""
        return {lever.name: lever.exhausted for lever in self.levers}

    @property
    def total_spent(self) -> float:
        return float(sum(self.spent.values()))

    @property
    def total_cost(self) -> float:
        return float(sum(self.cost.values()))

    @property
    def construction(self) -> float:
        """What the levers have paid to build standard plant so far (yuan): the county's
        plant asset at cost (`rules.residual_value` depreciates it)."""
        return float(sum(lever.construction for lever in self.levers))

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
        """(support rows, zones): 1.0 where a lever that pays firms acts this month (the row of
        a lever that `commits_tenancies` is not read: its support follows the tenancy)."""
        return np.array([lever.acting_zones(month) for lever in self.support], dtype=float)

    def discount_zones(self, month: int) -> np.ndarray:
        """Per zone, whether a firm moving into standard plant there this month is promised the
        rent discount (where a lever that `commits_tenancies` acts)."""
        out = np.zeros(self.levers[0].eligible_zones.shape, dtype=bool)
        for lever in self.levers:
            if lever.commits_tenancies:
                out |= lever.acting_zones(month)
        return out

    def grant_support(self, requested, tax_parts, month: int) -> np.ndarray:
        """Each paying lever pays its share of the month's requests (rows of `support`) and
        books it: the tax part of each request (`tax_parts`, output tax and fees waived) and
        the whole support of a lever that gives revenue (`support_forgone`) as forgone revenue,
        the rest as an outlay. A lever that `commits_tenancies` honours its requests in full
        (they are commitments made at move-in, 7.9); the others grant them within the budget,
        while they act. The taxes collected are net of the tax parts paid."""
        shares = np.zeros(len(self.support))
        for i, lever in enumerate(self.support):
            forgone = requested[i] if lever.support_forgone else tax_parts[i]
            if lever.commits_tenancies:
                lever.honour(requested[i] - forgone, "outlay")
                lever.honour(forgone, "forgone")
                shares[i] = 1.0
            else:
                shares[i] = lever.grant(requested[i], month, forgone=forgone)
            self.tax_output -= shares[i] * tax_parts[i]
        return shares

    def collect_taxes(self, output: float, income_tax: float) -> None:
        """The month's taxes, from every firm: `output_tax` of `output`, the month's output of
        all firms (the cuts granted are taken off in `grant_support`), and `income_tax`, their
        corporate income tax (`rules.settle_firm`)."""
        self.tax_output += self.output_tax * output
        self.tax_cit += income_tax

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

    def guarantee_zones(self, month: int) -> np.ndarray:
        """Per zone, whether debt raised there this month beyond the unguaranteed credit terms
        is guaranteed (`rules.guaranteed_debt`): where the guarantor acts."""
        if self.guarantor is None:
            return np.zeros(self.levers[0].eligible_zones.shape, dtype=bool)
        return self.guarantor.acting_zones(month)

    def charge_guarantees(self, guaranteed_debt: float) -> None:
        """Charge the guarantor for `guaranteed_debt`, the guaranteed debt outstanding of
        borrowers that defaulted (exited) this month, whenever they took it."""
        if self.guarantor is not None:
            self.guarantor.charge_guarantee(guaranteed_debt)
