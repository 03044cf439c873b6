"""The county's fiscal account, by month: what each lever gave or owes, by kind, the county's
standard plant as an asset, and the net fiscal cost, nominal and discounted.

Both engines record the government's books at the end of every month (`books`, through
`sim.measures.monthly.county_books` into the `MonthLog`), and `frame` turns them into the
columns of `columns`. Every column is cumulative (or a stock), so a thinned timeseries (a sweep
keeping some months) still holds the exact account at each month it keeps; the discounted
columns are computed from every month's flows before any thinning.

Per lever (docs/model.md, 4.11 and 7.9), cumulative yuan since month 0:

- `outlay_<lever>`: cash paid out (interest subsidies, rent relief, construction...);
- `forgone_<lever>`: revenue the county does not collect because of the lever (tax and fee
  cuts); counted here once, never again as an outlay;
- `guarantee_<lever>`: guarantee charges, the lever's share of the guaranteed debt of
  borrowers that defaulted, whenever they defaulted;
- `beyond_budget_<lever>`: the part of the above owed on commitments honoured after the
  lever's budget was spent (a guarantee called on an empty fund), included in them.

`cost_<lever>` (`sim.measures.monthly`) is the sum of the first three.

The county's standard plant: `plant_built_m2` (ever built, the month-0 stock included),
`plant_let_m2` (held by tenants), `plant_occupancy` (let over built), `plant_construction` (what
the levers paid to build it) and `plant_residual_value` (that cost depreciated straight line
over `fiscal.plant_life_years`, `rules.residual_value`). With the plant rent collected
(`plant_rent_collected`, sim.measures.monthly), the run's **net fiscal cost** is

    net_fiscal_cost = outlay_total + guarantee_total - plant_rent_collected - plant_residual_value

and `net_fiscal_cost_pv` the same with every month's flow discounted to month 0 at
`fiscal.discount_rate` (`rules.discount_factor`) and the residual value at its month's factor.
Forgone revenue is not in it: it is revenue not collected, which a comparison with a paired
counterfactual counts (sim.experiments.compare.fiscal_summary).

Taxes collected from every firm, every month, in every arm (cumulative): `tax_output`, output
taxes and fees net of the cuts the levers granted (which are `forgone_<lever>`), and `tax_cit`,
corporate income tax; `tax_revenue` is their sum and `tax_revenue_pv` its discounted value. The
paired difference against no_policy is the revenue a lever induces, net of what it forgoes.

`job_years` is the employment summed over the months run (1 to the month), over 12, and
`job_years_pv` the same with each month's employment discounted: the denominators of the cost per
job-year (sim.experiments.compare.fiscal_summary).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.core import rules
from sim.core.levers import BOOK_KINDS

if TYPE_CHECKING:
    from sim.core.world import World

# each lever's entries in `books`, in order, then the county's
LEVER_ENTRIES = (*BOOK_KINDS, "beyond_budget")
COUNTY_ENTRIES = ("construction", "plant_built", "tax_output", "tax_cit")
COUNTY_COLUMNS = (
    "plant_built_m2",
    "plant_let_m2",
    "plant_occupancy",
    "plant_construction",
    "plant_residual_value",
    "outlay_total",
    "forgone_total",
    "guarantee_total",
    "net_fiscal_cost",
    "net_fiscal_cost_pv",
    "tax_output",
    "tax_cit",
    "tax_revenue",
    "tax_revenue_pv",
    "job_years",
    "job_years_pv",
)


def columns(levers: Sequence[str]) -> list[str]:
    """The fiscal columns, in order (`levers`: the scenario's lever names, in order)."""
    return [f"{entry}_{lever}" for lever in levers for entry in LEVER_ENTRIES] + list(
        COUNTY_COLUMNS
    )


def books(world: World) -> np.ndarray:
    """The government's cumulative books at the end of the month, one flat vector: per lever
    (in order) its outlays, forgone revenue, guarantee charges and the part beyond its budget;
    then the plant construction paid so far, the plant floor space ever built (m2), and the
    output taxes and corporate income tax collected so far."""
    gov = world.gov
    out = []
    for lever in gov.levers:
        out += [lever.books[kind] for kind in BOOK_KINDS] + [lever.beyond_budget]
    out += [gov.construction, float(world.plant_built.sum()), gov.tax_output, gov.tax_cit]
    return np.array(out, dtype=float)


def flows(cumulative: np.ndarray) -> np.ndarray:
    """Each month's flow of a cumulative series (month 0's is its value)."""
    return np.diff(cumulative, prepend=0.0)


def plant_residual_value(months: np.ndarray, construction: np.ndarray, life_years: float):
    """The residual value at each month of the plant built so far: each month's construction
    (a vintage) at `rules.residual_value` of its age, summed over the vintages built by then."""
    built = flows(construction)
    value = np.zeros(months.size)
    for b in np.flatnonzero(built):  # construction months only: a lever's window at most
        age = months - months[b]
        value += np.where(age >= 0, rules.residual_value(built[b], age, life_years), 0.0)
    return value


def frame(log: dict[str, list], world: World, last: bool = False) -> dict[str, np.ndarray]:
    """The fiscal columns over every month of `log` (`MonthLog.data`: each month's `books`,
    month and employment), or only the last month's with `last`. The whole history is read
    either way, since the running sums need it."""
    names = world.gov.names
    fiscal = world.spec.fiscal
    T = len(log["fiscal"])
    data = np.asarray(log["fiscal"], dtype=float).reshape(T, -1)
    months = np.asarray(log["month"], dtype=float)
    out: dict[str, np.ndarray] = {}
    L = len(names) * len(LEVER_ENTRIES)
    per_lever = data[:, :L].reshape(T, len(names), -1)
    for i, lever in enumerate(names):
        for j, entry in enumerate(LEVER_ENTRIES):
            out[f"{entry}_{lever}"] = per_lever[:, i, j]
    county = dict(zip(COUNTY_ENTRIES, data[:, L:].T, strict=True))

    built = county["plant_built"]
    let = built - np.asarray(log["plant_free"], dtype=float)
    out["plant_built_m2"] = built
    out["plant_let_m2"] = let
    with np.errstate(divide="ignore", invalid="ignore"):
        out["plant_occupancy"] = np.where(built > 0, let / np.where(built > 0, built, 1.0), np.nan)
    out["plant_construction"] = county["construction"]
    residual = plant_residual_value(months, county["construction"], fiscal.plant_life_years)
    out["plant_residual_value"] = residual

    outlay, forgone, guarantee = (
        per_lever[:, :, LEVER_ENTRIES.index(kind)].sum(axis=1)
        for kind in ("outlay", "forgone", "guarantee")
    )
    rent = np.asarray(log["plant_rent"], dtype=float)
    out["outlay_total"], out["forgone_total"], out["guarantee_total"] = outlay, forgone, guarantee
    out["net_fiscal_cost"] = outlay + guarantee - rent - residual
    d = rules.discount_factor(months, fiscal.discount_rate)
    pv = np.cumsum(d * (flows(outlay) + flows(guarantee) - flows(rent)))
    out["net_fiscal_cost_pv"] = pv - d * residual
    out["tax_output"], out["tax_cit"] = county["tax_output"], county["tax_cit"]
    revenue = county["tax_output"] + county["tax_cit"]
    out["tax_revenue"] = revenue
    out["tax_revenue_pv"] = np.cumsum(d * flows(revenue))
    employment = np.where(months > 0, np.asarray(log["employment"], dtype=float), 0.0)
    out["job_years"] = np.cumsum(employment) / 12.0  # months 1..t: the months run
    out["job_years_pv"] = np.cumsum(d * employment) / 12.0
    if last:
        return {k: v[-1:] for k, v in out.items()}
    return out
