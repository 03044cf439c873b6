"""Each lever's effect on its own channel, as values, month by month, on the vector engine.

tests/test_levers.py checks the signs of the levers' effects on outcomes (Mesa, paired t-tests);
an interest subsidy of zero or a plant rent discount paid outside its window passes it. Here each
lever's requests and spending are recomputed by hand from the firms' state, per firm and per
month, with the formulas of the ODD (docs/model.md 7.8, 7.9), and compared at relative tolerance
1e-9 (the same arithmetic):

- financing: each firm asks `min(rate_subsidy, loan_rate) / 12 x debt` where the lever acts and 0
  elsewhere; the accounts phase spends the sum of the requests; founders and growing firms
  take guaranteed debt by `rules.guaranteed_debt` (the debt beyond the unguaranteed terms,
  where the lever acts); the exit phase charges `guarantee_share x` the guaranteed debt of the
  firms that exit, within the window or after it, beyond the budget if need be;
- plant supply: construction spends `m2_per_month x construction_cost_per_m2` (an outlay) and
  adds `m2_per_month` of plant while the lever acts; a firm moving into plant where it acts is
  promised the discount, and asks `rent_discount x` its plant rent while `plant_months <
  rent_discount_months`, whatever the lever's window or budget then; the discount is honoured in
  full (beyond the budget once it is spent), booked as forgone revenue, and the county collects
  plant rent net of it;
- burden: firms younger than `max_firm_age_months` ask for the tax, social insurance and rent
  cuts, older firms for nothing; the tax cut granted is booked as forgone revenue, the rest as
  outlays, and the county collects `output_tax` of every firm's output less the cut granted, and
  `corporate_income_tax` of each firm's positive profit, which the firm's profit is net of.

The vector engine runs these small scenarios in a fraction of a second, so many seeds replace the
few Mesa replicates; every test asserts that the cases inside and outside each window occur.
"""

from __future__ import annotations

import numpy as np

from sim.engines import make_model
from tests.conftest import small

SEEDS = range(12)
MONTHS = 40
RTOL = 1e-9
PARK = ["hq", "core", "base_fabric", "base_trims", "base_logistics"]


def close(actual, expected) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-9)


def run_probed(scenario, seed: int, probe) -> None:
    """Run the vector engine for `MONTHS` months, calling `probe(model, phase, before)` after
    each phase, with `before` the spending of every lever and the firms' columns as they were
    when the phase began."""
    model = make_model(scenario, "vector", seed)

    def wrap(name, run):
        def phase():
            f = model.firms
            before = {
                "spent": {lever.name: lever.spent for lever in model.gov.levers},
                "remaining": {lever.name: lever.remaining() for lever in model.gov.levers},
                "active": {lever.name: lever.active(model.month) for lever in model.gov.levers},
                "alive": f.alive[: f.n].copy(),
                "debt": f.debt[: f.n].copy(),
                "guaranteed": f.guaranteed[: f.n].copy(),
                "capital": f.capital[: f.n].copy(),
                "savings": model.savings,
                "guarantee_zones": model.gov.guarantee_zones(model.month),
                "discount_zones": model.gov.discount_zones(model.month),
                "books": {lever.name: dict(lever.books) for lever in model.gov.levers},
                "beyond": {lever.name: lever.beyond_budget for lever in model.gov.levers},
                "zone": f.zone[: f.n].copy(),
                "plant_built": model.world.plant_built.sum(),
                "rent_collected": model.gov.plant_rent_collected,
                "tax_output": model.gov.tax_output,
                "tax_cit": model.gov.tax_cit,
            }
            run()
            probe(model, name, before)

        return phase

    model._phases = [(name, wrap(name, run)) for name, run in model._phases]
    for _ in range(MONTHS):
        model.step()


def firm_terms(model) -> dict[str, np.ndarray]:
    """The inputs of `firm_accounts` per living firm, in the order of the engine's accounts,
    read from the firm columns between production and accounts."""
    a = model._alive()
    f, b = model.firms, model.spec.behaviour
    tailors, locals_ = f.tailors[a].astype(float), f.locals[a].astype(float)
    used = b.production.m2_per_worker * (tailors + locals_)
    plant_m2 = f.plant_m2[a]
    zone = f.zone[a].astype(np.int64)
    return {
        "zone": zone,
        "debt": f.debt[a],
        "age": f.age[a],
        "plant_months": f.plant_months[a],
        "wages": b.wages.home * tailors + b.wages.local * locals_,
        "rent_market": np.maximum(0.0, used - plant_m2) * model.env.rent.ravel()[f.cell[a]],
        "rent_plant": np.minimum(used, plant_m2) * model.county.base_rent[zone],
    }


def granted(request: float, active: bool, remaining: float) -> float:
    """What `Lever.grant` pays for `request`: all of it within the budget, else what is left."""
    return min(request, remaining) if active and request > 0 else 0.0


def test_financing_pays_the_interest_subsidy_and_guarantees_as_values():
    scenario = small(
        "financing",
        **{
            "levers.financing.end": 20,
            "levers.financing.zones": ["hq", "core"],
            "levers.financing.budget": 2.0e5,  # spent before the horizon: charges go beyond it
            # enough founders (guaranteed loans) and exits (defaults) at this size
            "behaviour.entrepreneurship.intercept": 3.0,
            "behaviour.entrepreneurship.max_hazard": 0.05,
            "behaviour.return_migration.intercept": 2.0,
            "behaviour.exit.hazard_by_year": [0.2, 0.4],
        },
    )
    lv, loan_rate = scenario.levers.financing, scenario.behaviour.production.loan_rate
    ent, prod = scenario.behaviour.entrepreneurship, scenario.behaviour.production
    seen = {
        "paid": 0, "ineligible": 0, "after_end": 0, "guarantee": 0, "guarantee_after_end": 0,
        "beyond_budget": 0, "founders_guaranteed": 0, "growth_guaranteed": 0,
    }  # fmt: skip

    def probe(model, phase, before):
        month, lever = model.month, model.gov["financing"]
        spent = lever.spent - before["spent"]["financing"]
        f = model.firms
        n0 = before["alive"].size
        acts = before["guarantee_zones"]
        if phase == "founding":  # G = max(0, D - min(credit_cap, credit_leverage x savings))
            new = np.arange(n0, f.n)
            new = new[f.alive[new]]
            savings = before["savings"][f.owner[new]]
            limit = np.minimum(ent.credit_cap, ent.credit_leverage * savings)
            on = acts[f.zone[new]]
            close(f.guaranteed[new], on * np.maximum(0.0, f.debt[new] - limit))
            seen["founders_guaranteed"] += int((f.guaranteed[new] > 0).sum())
        elif phase == "labour":  # new debt beyond credit_leverage x max(capital, 0), where it acts
            old = np.flatnonzero(before["alive"])
            g0, d0 = before["guaranteed"][old], before["debt"][old]
            new_debt = f.debt[old] - d0
            limit = prod.credit_leverage * np.maximum(before["capital"][old], 0.0)
            room = np.maximum(0.0, limit - d0)
            on = acts[f.zone[old]] & (new_debt > 0)
            close(f.guaranteed[old], g0 + on * np.maximum(0.0, new_debt - room))
            seen["growth_guaranteed"] += int((f.guaranteed[old] > g0).sum())
        if phase == "founding" or phase == "labour":
            assert spent == 0.0, phase
        elif phase == "production":
            t = firm_terms(model)
            on = lever.acting_zones(month)[t["zone"]]
            expected = on * min(lv.rate_subsidy, loan_rate) / 12.0 * t["debt"]
            close(model._accounts.financing_request, expected)
            seen["paid"] += int((expected > 0).sum())
            seen["ineligible"] += int(((t["debt"] > 0) & ~on & lever.active(month)).sum())
            seen["after_end"] += int(((t["debt"] > 0) & (month > lv.end)).sum())
        elif phase == "accounts":
            request = float(model._accounts.financing_request.sum())
            active, left = before["active"]["financing"], before["remaining"]["financing"]
            close(spent, granted(request, active, left))
        elif phase == "exit":  # charged for the guaranteed debt of every firm that exits
            exited = before["alive"] & ~f.alive[:n0]
            charge = lv.guarantee_share * float(before["guaranteed"][exited].sum())
            left = before["remaining"]["financing"]
            close(lever.books["guarantee"] - before["books"]["financing"]["guarantee"], charge)
            close(spent, min(charge, left))  # from the fund while it lasts...
            close(lever.beyond_budget - before["beyond"]["financing"], max(0.0, charge - left))
            seen["guarantee"] += int(charge > 0)
            seen["guarantee_after_end"] += int(charge > 0 and month > lv.end)
            seen["beyond_budget"] += int(charge > left)
        else:
            assert spent == 0.0, phase

    for seed in SEEDS:
        run_probed(scenario, seed, probe)
    # subsidies, ineligible zones, months after the window, guaranteed founders and growth,
    # charges inside and after the window, and beyond the budget
    assert all(seen.values()), seen


def test_plant_supply_builds_and_honours_the_discounts_it_promised_as_values():
    scenario = small(
        "plants",
        **{
            # construction (500 m2 a month at 1000 yuan) spends the budget by about month 12,
            # the end of the window: discounts promised before run on after both
            "levers.plant_supply.end": 12,
            "levers.plant_supply.budget": 6.0e6,
            "levers.plant_supply.rent_discount": 0.75,
            "levers.plant_supply.rent_discount_months": 24,
        },
    )
    lv = scenario.levers.plant_supply
    seen = {
        "built": 0, "promised": 0, "not_promised": 0, "in_window": 0, "out_of_window": 0,
        "honoured_after_end": 0, "beyond_budget": 0,
    }  # fmt: skip

    def probe(model, phase, before):
        month, lever, f = model.month, model.gov["plant_supply"], model.firms
        spent = lever.spent - before["spent"]["plant_supply"]
        active, left = before["active"]["plant_supply"], before["remaining"]["plant_supply"]
        if phase == "levers":
            cost = granted(lv.m2_per_month * lv.construction_cost_per_m2, active, left)
            close(spent, cost)
            close(lever.books["outlay"] - before["books"]["plant_supply"]["outlay"], cost)
            close(model.world.plant_built.sum() - before["plant_built"],
                  cost / lv.construction_cost_per_m2)  # fmt: skip
            seen["built"] += int(cost > 0)
        elif phase in ("founding", "investment"):  # the promise is made at move-in
            new = np.arange(before["alive"].size, f.n)
            new = new[f.alive[new] & (f.plant_m2[new] > 0)]
            promise = before["discount_zones"][f.zone[new]]
            assert np.array_equal(f.plant_discount[new], promise), phase
            seen["promised"] += int(promise.sum())
            seen["not_promised"] += int((~promise).sum())
            assert spent == 0.0, phase
        elif phase == "production":  # paid on promised tenancies, in their first months
            t = firm_terms(model)
            promised = f.plant_discount[model._alive()]
            window = t["plant_months"] < lv.rent_discount_months
            expected = promised * window * lv.rent_discount * t["rent_plant"]
            close(model._accounts.plant_request, expected)
            close(model._accounts.rent_due, t["rent_plant"])
            tenants = promised & (t["rent_plant"] > 0)
            seen["in_window"] += int((tenants & window).sum())
            seen["out_of_window"] += int((tenants & ~window).sum())
            seen["honoured_after_end"] += int(((expected > 0) & (month > lv.end)).sum())
        elif phase == "accounts":  # honoured in full: from the budget while it lasts
            request = float(model._accounts.plant_request.sum())
            close(spent, min(request, left))
            close(lever.beyond_budget - before["beyond"]["plant_supply"], max(0.0, request - left))
            close(lever.books["forgone"] - before["books"]["plant_supply"]["forgone"], request)
            close(model.gov.plant_rent_collected - before["rent_collected"],
                  float(model._accounts.rent_due.sum()) - request)  # fmt: skip
            seen["beyond_budget"] += int(request > left)
        else:
            assert spent == 0.0, phase

    for seed in SEEDS:
        run_probed(scenario, seed, probe)
    assert all(seen.values()), seen


def test_burden_relieves_only_young_firms_as_values():
    scenario = small("burden", **{"levers.burden.end": 30})
    lv, taxes = scenario.levers.burden, scenario.behaviour.taxes
    seen = {"young": 0, "old": 0, "after_end": 0, "income_tax": 0, "loss": 0}

    def probe(model, phase, before):
        month, lever = model.month, model.gov["burden"]
        spent = lever.spent - before["spent"]["burden"]
        if phase == "production":
            t, acc = firm_terms(model), model._accounts
            on = lever.acting_zones(month)[t["zone"]]
            young = t["age"] < lv.max_firm_age_months
            expected = (
                on
                * young
                * (
                    min(lv.output_tax_cut, taxes.output_tax) * acc.output
                    + min(lv.social_insurance_cut, taxes.social_insurance) * t["wages"]
                    + lv.rent_relief * (t["rent_market"] + t["rent_plant"] - acc.plant_request)
                )
            )
            close(acc.burden_request, expected)
            seen["young"] += int((on & young & (expected > 0)).sum())
            seen["old"] += int((on & ~young).sum())
            seen["after_end"] += int((young & (month > lv.end)).sum())
        elif phase == "accounts":
            acc, gov = model._accounts, model.gov
            request = float(acc.burden_request.sum())
            active, left = before["active"]["burden"], before["remaining"]["burden"]
            paid = granted(request, active, left)
            close(spent, paid)
            g = paid / request if request > 0 else 0.0
            cut = g * acc.tax_requested[1]  # the output tax waived: forgone, not an outlay
            close(lever.books["forgone"] - before["books"]["burden"]["forgone"], cut)
            close(lever.books["outlay"] - before["books"]["burden"]["outlay"], paid - cut)
            close(gov.tax_output - before["tax_output"], taxes.output_tax * acc.output.sum() - cut)
            before_tax = acc.output - acc.costs + g * acc.burden_request  # the only lever paying
            income_tax = taxes.corporate_income_tax * np.maximum(before_tax, 0.0)
            close(gov.tax_cit - before["tax_cit"], income_tax.sum())
            close(model.firms.profit[model._alive()], before_tax - income_tax)
            seen["income_tax"] += int((income_tax > 0).sum())
            seen["loss"] += int((before_tax < 0).sum())
        else:
            assert spent == 0.0, phase

    for seed in SEEDS:
        run_probed(scenario, seed, probe)
    assert all(seen.values()), seen
