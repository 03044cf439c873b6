"""The initial population, drawn the same way for both engines.

Drawing the month-0 tailors and incumbent firms in one place, from the run's `init` stream, gives
both engines the same starting county for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import rules
from sim.core.chain import ValueChain
from sim.core.scenario import Scenario
from sim.core.space import County


@dataclass
class InitialTailors:
    skill: np.ndarray
    savings: np.ndarray
    village: np.ndarray
    attachment: np.ndarray
    home: np.ndarray  # bool: starts at home (jobless)


@dataclass
class InitialFirms:
    stage: np.ndarray
    zone: np.ndarray
    cell: np.ndarray  # flat cell index
    workers: np.ndarray  # local workers each
    productivity: np.ndarray
    age: np.ndarray  # months
    capital: np.ndarray


def draw_tailors(scenario: Scenario, g: np.random.Generator) -> InitialTailors:
    """Skill ~ Beta, savings ~ lognormal with the given mean, a village, a fixed attachment."""
    pop = scenario.population
    n = pop.tailors
    skill = g.beta(pop.skill_beta[0], pop.skill_beta[1], n)
    sigma = pop.savings_sigma
    if pop.savings_mean > 0:
        savings = g.lognormal(np.log(pop.savings_mean) - sigma**2 / 2, sigma, n)
    else:
        savings = np.zeros(n)
    village = g.integers(0, pop.villages, n)
    attachment = g.normal(0.0, scenario.behaviour.return_migration.attachment_sd, n)
    home = g.random(n) < pop.initial_home_share
    return InitialTailors(skill, savings, village, attachment, home)


def draw_firms(
    scenario: Scenario, county: County, chain: ValueChain, g: np.random.Generator
) -> InitialFirms:
    """Incumbents: uniform over their zone's cells, staffed from the local labour pool (first
    come, first served if the pool is short), aged 2-10 years, productive enough for their size."""
    ent = scenario.behaviour.entrepreneurship
    stage, zone, cell, workers = [], [], [], []
    pool = scenario.population.local_workers
    for group in scenario.population.initial_firms:
        z = county.zone_index(group.zone)
        for _ in range(group.count):
            stage.append(chain.index(group.stage))
            zone.append(z)
            cell.append(int(g.choice(county.cells_of_zone[z])))
            w = min(group.workers, pool)
            pool -= w
            workers.append(w)
    n = len(stage)
    w = np.array(workers, dtype=np.int64)
    return InitialFirms(
        stage=np.array(stage, dtype=np.int64),
        zone=np.array(zone, dtype=np.int64),
        cell=np.array(cell, dtype=np.int64),
        workers=w,
        productivity=np.asarray(
            rules.entry_productivity(w, g.standard_normal(n), scenario.behaviour.production),
            dtype=float,
        ),
        age=g.integers(24, 121, n),
        capital=rules.entrant_capital(w.astype(float), ent),
    )
