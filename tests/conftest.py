"""Shared fixtures: paths and small, fast versions of the project's scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# A reduced baseline for tests: same mechanisms, 1:100 scale, 48 months.
SMALL = {
    "population.tailors": 2000,
    "population.local_workers": 400,
    "run.months": 48,
}


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS


def small(name: str, **extra):
    """A scenario from scenarios/NAME.yaml at test size, with extra dotted overrides."""
    return sim.load_scenario(SCENARIOS / f"{name}.yaml", {**SMALL, **extra})
