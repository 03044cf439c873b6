"""Scaling a scenario to another population size, keeping its ratios.

The shipped scenarios are at 1:20 of Qianjiang's ~200,000 tailors. `scale_overrides` gives the
dotted overrides that multiply every size-like quantity (tailors, villages, local workers, initial
firms, plant stock, lever budgets and construction pace) by one factor, so that a run at another
scale is the same county, larger or smaller, and not a different policy intensity. Outside
investor arrivals scale too. Every agent stands for 1/k as many real firms, so the agglomeration
unit (the firms that count as one in the externality, the location mass, investors' pull and
congestion) is multiplied by k: a neighbourhood's pull and productivity gain depend on its density,
not on how finely the county is sampled (super-individual scaling, as in Covasim's pop_scale).

What scaling cannot remove is granularity: at 1:20 a stage of two or three agent firms has a
noisy, often negative, margin that deters entrants, which a stage of forty firms at 1:1 does not.
The same behaviour therefore grows faster at 1:1 (docs/model.md, section 6, "Scale"); runs at 1:1
use the full-scale recalibration that scenarios/sweeps/levers.yaml states.
"""

from __future__ import annotations

from typing import Any

from sim.core.levers import LEVER_TYPES, lever_sections
from sim.core.scenario import Scenario


def scale_overrides(scenario: Scenario, tailors: int) -> dict[str, Any]:
    """Overrides that scale `scenario` to `tailors` migrant tailors."""
    base = max(scenario.population.tailors, 1)
    k = tailors / base
    out: dict[str, Any] = {
        "population.tailors": int(tailors),
        "population.villages": max(1, round(scenario.population.villages * k)),
        "population.local_workers": round(scenario.population.local_workers * k),
        "population.other_employment": round(scenario.population.other_employment * k),
    }
    for i, group in enumerate(scenario.population.initial_firms):
        out[f"population.initial_firms.{i}.count"] = max(
            1 if group.count else 0, round(group.count * k)
        )
    for i, zone in enumerate(scenario.space.zones):
        out[f"space.zones.{i}.plant_stock_m2"] = zone.plant_stock_m2 * k
    for name, section in lever_sections(scenario.levers):
        for key in LEVER_TYPES[name].scaled_fields:  # budgets, construction pace
            out[f"levers.{name}.{key}"] = getattr(section, key) * k
    inv = scenario.behaviour.outside_investment
    out["behaviour.outside_investment.base_rate"] = inv.base_rate * k  # a k-times larger county
    out["behaviour.outside_investment.pull"] = inv.pull * k  # draws k times the investors
    out["behaviour.agglomeration_unit"] = scenario.behaviour.agglomeration_unit * k
    out["space.plant_cell_capacity_m2"] = max(
        scenario.space.plant_cell_capacity_m2 * k, scenario.space.plant_cell_capacity_m2
    )
    return out
