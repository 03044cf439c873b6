"""The county's levers, one class each: when and where a lever acts, what it changes, what it asks
of its budget and what it has cost.

A lever's schema section (`sim.core.scenario`, under `levers:`) holds its parameters; its class
here holds its behaviour. Everything a lever does goes through the hooks of `Lever`, which the
engines and the world call for every lever alike, so an engine never names a lever:

- `start_month`: what the government does itself at the start of a month (the plant lever
  builds standard plants);
- `founder_credit`, `firm_leverage`: the credit terms it sets for founders and firms;
- `support_row`: the row of `firm_support` (the support a firm asks of each lever, compiled
  for the vector engine with the rules) whose requests it pays, pro rata within its budget;
- `guarantees_loans` and `charge_guarantee`: a lever that guarantees the loans made where it
  acts (the debt beyond what the borrower could raise without it, `rules.guaranteed_debt`) is
  charged `guarantee_share` of a guaranteed loan's outstanding debt when the borrower defaults,
  whenever that happens;
- `publicised`: whether tailors and investors count it among the active levers they hear of
  (publicity: `sim.core.rules.return_probability`, `investor_arrival_rate`, `zone_weights`,
  each with its weight `publicity`, 0 by default; docs/model.md 7.11).

Adding a lever means one subclass here (or anywhere: `register_lever`) and its schema section;
tests/test_placebo_lever.py defines one outside the core and runs it on both engines. `Placebo`
is the control lever: it spends and does nothing else.

Budgets and books (docs/model.md, "Government and budgets"). A lever acts (makes new
commitments: new guarantees, this month's support, construction) while it is in its window and
its budget is not spent; `grant` pays such requests, never beyond the budget. A commitment made
earlier is honoured in full whatever is left (`honour`: a guarantee called when a guaranteed
borrower defaults): what the budget cannot cover is recorded as `beyond_budget`, owed all the
same. Every yuan a lever gives or owes is booked by kind (`BOOK_KINDS`): a cash outlay, revenue
the county forgoes, or a guarantee charge; `cost` is their sum, `spent + beyond_budget`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.core.scenario import (
    BurdenLever,
    FinancingLever,
    LeversSpec,
    LeverWindow,
    PlaceboLever,
    PlantLever,
    ProductionSpec,
    TaxSpec,
)
from sim.core.space import County

if TYPE_CHECKING:
    from sim.core.world import World

Float = np.ndarray | float

# the kinds of yuan a lever's books hold (sim.measures.fiscal reports each): cash paid out,
# revenue the county forgoes (taxes, fees or rent it does not collect), and guarantee charges
# (its share of the debt a guaranteed borrower defaults on)
BOOK_KINDS = ("outlay", "forgone", "guarantee")


class Lever:
    """One lever of the county's policy: its window, eligible zones, budget and spending.

    Subclasses set `name` (its section under `levers:`), `spec_type` (the schema of that
    section) and override the hooks for what the lever changes; the defaults change nothing.
    """

    name: ClassVar[str]
    spec_type: ClassVar[type[LeverWindow]] = LeverWindow
    support_row: ClassVar[int | None] = None  # its row of `firm_support`'s requests, if any
    guarantees_loans: ClassVar[bool] = False  # guarantees the debt it lets borrowers raise
    # its support to firms is revenue the county forgoes (a discount on the rent of its own
    # plant), not cash; whatever the lever, the tax part of a request is forgone revenue
    support_forgone: ClassVar[bool] = False
    # its support to a firm is a commitment made when the firm moves into standard plant while
    # the lever acts in its zone (`Government.discount_zones`), honoured in full to its end
    # whatever the lever's window or budget then (`honour`), not a grant of the month
    commits_tenancies: ClassVar[bool] = False
    publicised: ClassVar[bool] = True  # counted by the publicity terms (weights 0 by default)
    # fields that are sizes of the county, multiplied when a scenario is scaled (sim.core.scaling)
    scaled_fields: ClassVar[tuple[str, ...]] = ("budget",)

    def __init__(self, spec: LeverWindow, county: County) -> None:
        self.spec = spec
        self.eligible_zones = county.zone_mask(spec.zones)  # bool per zone
        self.spent = 0.0  # paid from the budget, never more than it
        self.beyond_budget = 0.0  # commitments honoured after the budget was spent
        self.books = dict.fromkeys(BOOK_KINDS, 0.0)  # every yuan given or owed, by kind
        self.construction = 0.0  # the outlays that built plant the county keeps (an asset)
        self.exhausted = False

    # ------------------------------------------------------------------ window and budget
    def active(self, month: int) -> bool:
        """A lever acts in months start..end inclusive, while it has budget left."""
        s = self.spec
        return s.enabled and s.start <= month <= s.end and not self.exhausted

    def eligible(self, month: int, zone: int) -> bool:
        """Whether the lever acts this month on a firm or founder in `zone`."""
        return self.active(month) and bool(self.eligible_zones[zone])

    def acting_zones(self, month: int) -> np.ndarray:
        """Per zone, whether the lever acts there this month (bool)."""
        return self.eligible_zones & self.active(month)

    def remaining(self) -> float:
        return max(0.0, self.spec.budget - self.spent)

    @property
    def cost(self) -> float:
        """Every yuan the lever has given or owes so far (its books: outlays, forgone revenue,
        guarantee charges), within its budget or beyond it: `spent + beyond_budget`."""
        return float(sum(self.books.values()))

    def grant(self, requested: float, month: int, forgone: float = 0.0) -> float:
        """Pay up to `requested` from the budget; return the share paid (0..1).

        Requests are scaled pro rata when the budget cannot cover them all, and the lever is
        marked exhausted once nothing is left. Of `requested`, `forgone` yuan are revenue the
        county forgoes (a tax cut), the rest a cash outlay; the share paid of each is booked.
        """
        if requested <= 0 or not self.active(month):
            return 0.0
        left = self.remaining()
        share = 1.0 if requested <= left else left / requested
        self.spent = min(self.spec.budget, self.spent + requested * share)
        self.books["outlay"] += (requested - forgone) * share
        self.books["forgone"] += forgone * share
        self._check_exhausted()
        return share

    def honour(self, amount: float, kind: str) -> None:
        """Pay `amount` in full on a commitment made earlier (booked as `kind`), whatever the
        month: from the budget while it lasts, the rest `beyond_budget` (owed all the same)."""
        if amount <= 0:
            return
        paid = min(amount, self.remaining())
        self.spent = min(self.spec.budget, self.spent + paid)
        self.beyond_budget += amount - paid
        self.books[kind] += amount
        self._check_exhausted()

    def _check_exhausted(self) -> None:
        if self.remaining() <= 1e-9 * max(1.0, self.spec.budget):
            self.exhausted = True

    # ------------------------------------------------------------------ what a lever changes
    def start_month(self, world: World, month: int) -> None:
        """What the government does itself this month (before tailors and firms act)."""

    def founder_credit(self, cap: Float, leverage: Float, month: int, zone) -> tuple[Float, Float]:
        """Founders' (credit cap, leverage) in `zone` (scalar or array) after this lever."""
        return cap, leverage

    def firm_leverage(self, leverage: Float, month: int, zone) -> Float:
        """Firms' debt allowed per yuan of net worth in `zone` after this lever."""
        return leverage

    def charge_guarantee(self, guaranteed_debt: float) -> None:
        """Be charged for `guaranteed_debt`, the outstanding guaranteed debt of borrowers that
        defaulted (exited) this month (only levers with `guarantees_loans`)."""


class Financing(Lever):
    """Credit access and cost: guarantee loans to founders and firms, interest subsidies, and a
    guarantee fund that pays a share of a guaranteed loan when its borrower defaults."""

    name = "financing"
    spec_type = FinancingLever
    support_row = 0
    guarantees_loans = True
    spec: FinancingLever

    def founder_credit(self, cap, leverage, month, zone):
        on = self.acting_zones(month)[zone]
        cap = np.where(on, np.maximum(cap, self.spec.founder_credit_cap), cap)
        leverage = np.where(on, np.maximum(leverage, self.spec.founder_credit_leverage), leverage)
        return cap, leverage

    def firm_leverage(self, leverage, month, zone):
        on = self.acting_zones(month)[zone]
        return np.where(on, np.maximum(leverage, self.spec.firm_credit_leverage), leverage)

    def charge_guarantee(self, guaranteed_debt: float) -> None:
        """`guarantee_share` of the defaulted guaranteed debt, a liability of the guarantee
        fund: honoured in full, within the window or after it, from the budget while it lasts
        (docs/model.md, 7.9)."""
        if guaranteed_debt > 0:
            self.honour(self.spec.guarantee_share * guaranteed_debt, "guarantee")


class BurdenReduction(Lever):
    """Tax and fee cuts and rent relief for young firms."""

    name = "burden"
    spec_type = BurdenLever
    support_row = 1


class PlantSupply(Lever):
    """Standardized factory floor space built by the county and let cheaply."""

    name = "plant_supply"
    spec_type = PlantLever
    support_row = 2
    support_forgone = True  # a rent discount on the county's own plant
    commits_tenancies = True  # ...promised at move-in for rent_discount_months
    scaled_fields = ("budget", "m2_per_month")
    spec: PlantLever

    def start_month(self, world: World, month: int) -> None:
        """Build standard plants while the lever acts, spread over its eligible zones by area,
        within its budget."""
        s = self.spec
        if not self.active(month) or s.construction_cost_per_m2 <= 0:
            return
        cost = s.m2_per_month * s.construction_cost_per_m2
        share = self.grant(cost, month)
        self.construction += cost * share
        area = world.county.area * self.eligible_zones
        if area.sum() > 0 and share > 0:
            world.build_plant(s.m2_per_month * share * area / area.sum())


class Placebo(Lever):
    """The control lever: spends its budget evenly over the months of its window that a run
    steps through, as a transfer that reaches no agent, and changes nothing else. It is not
    publicised, and it does not move the take-off window (`PlaceboLever.acts`), so a placebo
    arm reproduces no_policy exactly but for its cost."""

    name = "placebo"
    spec_type = PlaceboLever
    publicised = False

    def monthly_outlay(self) -> float:
        """The budget over the months max(start, 1)..end: month 0 is the initial state, which
        no lever acts in (a run steps months 1, 2, ...), so a window 0-60 spends in 60 months
        (a window of month 0 alone never acts)."""
        months = self.spec.end - max(self.spec.start, 1) + 1
        return self.spec.budget / max(months, 1)

    def start_month(self, world: World, month: int) -> None:
        if self.active(month):
            self.grant(self.monthly_outlay(), month)


# the levers a scenario can hold, by their section under `levers:`
LEVER_TYPES: dict[str, type[Lever]] = {
    cls.name: cls for cls in (Financing, BurdenReduction, PlantSupply, Placebo)
}
# the rows of `firm_support`, in order: the levers that pay towards firms' costs
SUPPORT_ROWS = ("financing", "burden", "plant_supply")


def register_lever(cls: type[Lever]) -> type[Lever]:
    """Make a lever class known by its `name` (a class decorator); its schema section must be a
    field of the scenario's `levers` of type `cls.spec_type`. A lever defined outside this module
    cannot pay firms (`support_row` must be None): `firm_support` is compiled with the rules."""
    if cls.support_row is not None and SUPPORT_ROWS[cls.support_row] != cls.name:
        raise ValueError(f"lever {cls.name!r}: support_row {cls.support_row} is not its row")
    LEVER_TYPES[cls.name] = cls
    return cls


def lever_sections(levers: LeversSpec) -> list[tuple[str, LeverWindow]]:
    """(name, section) of every lever a scenario's `levers` holds, in schema order."""
    return [(name, getattr(levers, name)) for name in type(levers).model_fields]


def firm_support(
    output: Float,
    wages: Float,
    rent_market: Float,
    rent_plant: Float,
    debt: Float,
    plant_months: Float,
    firm_age: Float,
    lever_on: np.ndarray,
    discounted: Float,
    taxes: TaxSpec,
    production: ProductionSpec,
    lv: LeversSpec,
) -> tuple[Float, Float, Float, Float, Float, Float]:
    """What each lever that pays firms would pay towards a firm's costs this month, before its
    budget (rows `SUPPORT_ROWS`; `lever_on` holds whether each acts in the firm's zone):

    - financing: the interest subsidy, `rate_subsidy` (at most the loan rate) a year on debt;
    - burden: for firms younger than `max_firm_age_months`, the cut in output taxes and fees
      and in employer social insurance (each at most the rate itself), and `rent_relief` of
      the rent left after the plant discount;
    - plant supply: `rent_discount` of the plant rent, for `rent_discount_months` after moving
      in, to a firm whose tenancy carries the discount (`discounted`: it moved in while the
      lever acted in its zone; the plant row of `lever_on` is not read).

    Returns the three requests, then the part of each that is output tax and fees waived
    (burden's tax cut; none of the others'): the county books that part as forgone revenue and
    collects the tax net of it (docs/model.md 7.8, 7.9).
    Called by `sim.core.rules.firm_accounts`; compiled with it for the vector engine."""
    fin_on, burden_on = lever_on[0], lever_on[1]
    req_fin = fin_on * min(lv.financing.rate_subsidy, production.loan_rate) / 12.0 * debt
    in_window = np.asarray(plant_months) < lv.plant_supply.rent_discount_months
    req_plant = discounted * in_window * lv.plant_supply.rent_discount * rent_plant
    young = np.asarray(firm_age) < lv.burden.max_firm_age_months
    tax_cut = min(lv.burden.output_tax_cut, taxes.output_tax) * output
    req_burden = (
        burden_on
        * young
        * (
            tax_cut
            + min(lv.burden.social_insurance_cut, taxes.social_insurance) * wages
            + lv.burden.rent_relief * (rent_market + rent_plant - req_plant)
        )
    )
    tax_burden = burden_on * young * tax_cut
    return req_fin, req_burden, req_plant, 0.0 * req_fin, tax_burden, 0.0 * req_plant
