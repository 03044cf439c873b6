"""Random streams: one SeedSequence per run, one Generator per submodel.

Tying each submodel's draws to its own stream keeps arms of a lever comparison in step (common
random numbers): a lever changes the draws only of the submodels it touches. No global RNG.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAM_NAMES = (
    "init",
    "migration",
    "founding",
    "investment",
    "location",
    "labour",
    "production",
    "exit",
    "mesa",
    "measures",  # after the model's: adding it left every model stream as it was
)


@dataclass(frozen=True)
class Streams:
    init: np.random.Generator
    migration: np.random.Generator
    founding: np.random.Generator
    investment: np.random.Generator
    location: np.random.Generator
    labour: np.random.Generator
    production: np.random.Generator
    exit: np.random.Generator
    mesa: np.random.Generator
    measures: np.random.Generator  # counterfactual draws of measures computed after a run


def spawn_streams(seed: int) -> Streams:
    """Independent generators for each submodel, all fixed by `seed`."""
    children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
    return Streams(
        **{n: np.random.default_rng(c) for n, c in zip(STREAM_NAMES, children, strict=True)}
    )
