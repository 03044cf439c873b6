"""The value chain: stages, the input-output matrix, chain links and output per worker.

Derived once per run from the scenario and shared by both engines, so that 'what counts as a link'
and 'what a stage buys' are defined in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.scenario import Scenario


@dataclass(frozen=True)
class ValueChain:
    stages: tuple[str, ...]
    io: np.ndarray  # [supplier, buyer]: yuan of supplier input per yuan of buyer output
    input_share: np.ndarray  # per buyer: IO column sum plus inputs always bought outside
    links: np.ndarray  # bool [supplier, buyer]: supplier != buyer and io >= threshold
    linked: np.ndarray  # float [s, k]: 1 where s and k share a link in either direction
    output_per_worker: np.ndarray  # yuan per worker-month

    @property
    def n(self) -> int:
        return len(self.stages)

    def index(self, stage: str) -> int:
        return self.stages.index(stage)


def output_per_worker(scenario: Scenario, input_share: np.ndarray) -> np.ndarray:
    """Output per worker by stage: given in the scenario, else calibrated to `base_margin`.

    The calibration solves margin = 1 - inputs - tax - (wage cost + rent) / Y for Y, for an
    isolated firm of returned tailors paying the rest-of-county rent. This keeps every stage
    equally viable at the start, so that which stages appear is decided by the dynamics (local
    demand, linkages) and not by arbitrary price levels.
    """
    b = scenario.behaviour
    wage_cost = b.wages.home * (1.0 + b.taxes.social_insurance)
    rent_cost = scenario.space.rest.rent * b.production.m2_per_worker
    denom = 1.0 - input_share - b.taxes.output_tax - scenario.chain.base_margin
    calibrated = (wage_cost + rent_cost) / np.maximum(denom, 1e-3)
    given = scenario.chain.output_per_worker
    return np.array(
        [given.get(s, calibrated[i]) for i, s in enumerate(scenario.chain.stages)], dtype=float
    )


def build_chain(scenario: Scenario) -> ValueChain:
    stages = tuple(scenario.chain.stages)
    n = len(stages)
    io = np.zeros((n, n))
    for sup, row in scenario.chain.io.items():
        for buyer, coef in row.items():
            io[stages.index(sup), stages.index(buyer)] = coef
    input_share = io.sum(axis=0) + scenario.chain.external_input_share
    links = (io >= scenario.chain.link_threshold) & ~np.eye(n, dtype=bool)
    if scenario.chain.link_threshold == 0:
        links &= io > 0
    linked = (links | links.T).astype(float)
    return ValueChain(
        stages=stages,
        io=io,
        input_share=input_share,
        links=links,
        linked=linked,
        output_per_worker=output_per_worker(scenario, input_share),
    )
