"""Mesa agents: migrant tailors and firms.

Agents hold their own state and make their own choices by calling the shared rules in
`sim.core.rules`; the model (sim.engines.mesa.model) supplies the month's environment (job chances,
peer shares, neighbourhood counts) and does the bookkeeping that needs the whole population
(matching, budgets). Only the model imports this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from sim.core import rules
from sim.core.codes import AWAY, EMPLOYED_HOME, UNEMPLOYED_HOME
from sim.core.levers import PlantSupply

if TYPE_CHECKING:
    from sim.engines.mesa.model import ClusterModel


class Tailor(Agent):
    """A migrant garment worker: away on the coast or home (employed, founder or jobless)."""

    model: ClusterModel

    def __init__(
        self,
        model: ClusterModel,
        skill: float,
        savings: float,
        village: int,
        attachment: float,
        status: int,
    ) -> None:
        super().__init__(model)
        self.skill = skill
        self.savings = savings
        self.village = village
        self.attachment = attachment  # fixed individual pull of home (threshold heterogeneity)
        self.status = status
        self.months_jobless = 0
        self.employer: Firm | None = None

    def migrate(self) -> None:
        """Return-migration submodel: save, then decide to come home or to leave again."""
        m = self.model
        spec = m.spec.behaviour
        if self.status == AWAY:
            self.savings += spec.wages.saving_rate * spec.wages.coastal
            p = rules.return_probability(
                m.env.home_income,
                spec.wages.coastal,
                m.peer_share(self.village),
                m.env.publicised_levers,
                self.attachment,
                spec.return_migration,
            )
            if m.streams.migration.random() < p:
                m.set_status(self, UNEMPLOYED_HOME)
                m.flows.returns += 1
        elif self.status == UNEMPLOYED_HOME:
            self.months_jobless += 1
            if m.streams.migration.random() < rules.leave_probability(
                self.months_jobless, spec.return_migration
            ):
                m.set_status(self, AWAY)
                m.flows.departures += 1
        elif self.status == EMPLOYED_HOME:
            self.savings += spec.wages.saving_rate * spec.wages.home

    def consider_founding(self) -> None:
        """Entrepreneurship submodel: a stage, the zone the firm would be set up in (the
        location submodel's zone draw), then found if it pays, with the premises delay unless
        that zone has free standard plant left, and if it can be financed."""
        m = self.model
        spec = m.spec.behaviour.entrepreneurship
        stage = int(rules.choose(m.env.founder_stage_weights, m.streams.founding.random()))
        zone = int(rules.choose(m.founder_view("zone weights", stage), m.streams.location.random()))
        p = rules.founding_probability(
            m.env.owner_income[stage],
            m.spec.behaviour.wages.home,
            m.founder_view("slots", zone) >= 1,
            spec,
        )
        if m.streams.founding.random() >= p:
            return
        m.found_firm(self, stage, zone)


class Firm(FixedAgent):
    """A firm at one grid cell, in one value-chain stage."""

    model: ClusterModel

    def __init__(
        self,
        model: ClusterModel,
        cell,
        stage: int,
        zone: int,
        origin: int,
        anchor: bool,
        owner: Tailor | None,
        capital: float,
        debt: float,
        productivity: float,
        target: int,
        age: int = 0,
        guaranteed: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.cell = cell
        self.stage = stage
        self.zone = zone
        self.origin = origin
        self.anchor = anchor
        self.owner = owner
        self.staff: list[Tailor] = []
        self.locals = 0
        self.capital = capital
        self.debt = debt
        self.guaranteed = guaranteed  # the part of the debt a lever guarantees (7.9)
        self.productivity = productivity
        self.age = age
        self.born = model.month
        self.target = target
        self.plant_m2 = 0.0
        self.plant_months = 0
        self.plant_discount = False  # its tenancy carries the plant lever's rent discount
        self.margin = 0.0
        self.output = 0.0
        self.profit = 0.0
        self.loss_streak = 0
        self.requests = np.zeros(len(model.gov.support))  # support asked of each paying lever
        self.tax_parts = np.zeros(len(model.gov.support))  # of which output tax waived
        self.costs = 0.0
        self.plant_rent_due = 0.0
        self.income_tax = 0.0  # this month's corporate income tax

    @property
    def workers(self) -> int:
        return len(self.staff) + self.locals

    @property
    def xy(self) -> tuple[int, int]:
        return self.cell.coordinate

    def plan_employment(self) -> None:
        """Hiring submodel, first half: the employment the firm wants this month."""
        m = self.model
        if self.age == 0 and self.workers == 0:
            return  # an entrant keeps its start-up target
        self.target = rules.hiring_target(
            self.workers,
            self.margin,
            m.credit_room(self),
            m.spec.behaviour.entrepreneurship.capital_per_worker,
            m.spec.behaviour.production,
        )

    def produce(self) -> None:
        """Production and local sourcing: output, costs and support requested from levers."""
        m = self.model
        env = m.env
        b = m.spec.behaviour
        x, y = self.xy
        s = self.stage
        same = env.box[s, x, y] - 1.0
        linked = float(m.chain.linked[s] @ env.box[:, x, y])
        ext = rules.externality(same, linked, b.externalities, b.agglomeration_unit)
        self.productivity = float(
            rules.shocked_productivity(
                self.productivity, m.streams.production.standard_normal(), b.production
            )
        )
        self.output = float(
            rules.firm_output(
                m.chain.output_per_worker[s],
                self.productivity,
                ext,
                env.demand[s],
                len(self.staff),
                self.locals,
                b.production,
            )
        )
        acc = rules.firm_accounts(
            self.output,
            env.input_cost_share[s],
            len(self.staff),
            self.locals,
            self.plant_m2,
            env.rent[x, y],
            m.county.base_rent[self.zone],
            self.debt,
            self.plant_months,
            self.age,
            env.lever_terms[:, self.zone],
            float(self.plant_discount),
            b,
            m.spec.levers,
        )
        self.costs, self.requests = float(acc[0]), np.array(acc[1:4], dtype=float)
        self.plant_rent_due = float(acc[4])
        self.tax_parts = np.array(acc[5:8], dtype=float)

    def settle(self, granted_share: np.ndarray) -> None:
        """Profit after supports actually granted; capital, debt and loss streak update."""
        m = self.model
        support = float(self.requests @ granted_share)
        plant = PlantSupply.support_row  # the plant lever's discount is rent the county forgoes
        m.gov.plant_rent_collected += (
            self.plant_rent_due - self.requests[plant] * granted_share[plant]
        )
        (
            self.profit,
            self.margin,
            self.capital,
            self.debt,
            self.guaranteed,
            self.loss_streak,
            self.age,
            self.plant_months,
            self.income_tax,
        ) = rules.settle_firm(
            self.output,
            self.costs,
            support,
            self.capital,
            self.debt,
            self.guaranteed,
            self.loss_streak,
            self.age,
            self.plant_m2 > 0,
            self.plant_months,
            m.spec.behaviour.production.amortization,
            m.spec.behaviour.taxes.corporate_income_tax,
        )

    def should_exit(self) -> bool:
        """Exit submodel: forced by negative capital or sustained losses, else an age hazard."""
        ex = self.model.spec.behaviour.exit
        if not ex.enabled:
            return False
        if rules.forced_exit(self.capital, self.loss_streak, ex):
            return True
        return bool(
            self.model.streams.exit.random() < rules.exit_hazard(self.age, self.profit < 0, ex)
        )
