"""The two engines are statistically the same model (issue: vector engine).

For baseline, no_policy and each lever scenario at a reduced size, 30 seeded runs per engine. At
the horizon, for each outcome: a two-sample Kolmogorov-Smirnov test does not reject at 1%, and the
means agree within 3 pooled standard errors. Over time: each engine's mean trajectory of firms stays
inside the other engine's 95% band (2.5th-97.5th percentiles over runs) at every tenth month.
The engines share no random streams' order of use, only the rules and distributions.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

import sim
from tests.conftest import SCENARIOS

RUNS = 30
SIZE = {"population.tailors": 1500, "population.local_workers": 300, "run.months": 60}
OUTCOMES = (
    "firms",
    "employment",
    "tailors_home",
    "chain_completeness",
    "local_sourcing_ratio",
    "eg_gamma",
    "cost_total",
)


@cache
def runs(name: str, engine: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Outcomes at the horizon (per outcome, one value per run) and firm paths (runs x months)."""
    scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml", SIZE)
    finals, paths = [], []
    for seed in range(RUNS):
        ts = sim.run(scenario, engine=engine, seed=seed).timeseries
        finals.append(ts.iloc[-1])
        paths.append(ts["firms"].to_numpy(dtype=float))
    return {k: np.array([f[k] for f in finals], dtype=float) for k in OUTCOMES}, np.array(paths)


def engines_agree_at_the_horizon(name: str) -> None:
    mesa, _ = runs(name, "mesa")
    vec, _ = runs(name, "vector")
    for key in OUTCOMES:
        a, b = mesa[key][~np.isnan(mesa[key])], vec[key][~np.isnan(vec[key])]
        assert a.size >= RUNS // 2 and b.size >= RUNS // 2, f"{key}: too many undefined values"
        if np.ptp(np.r_[a, b]) == 0:
            continue  # both engines give the same constant (e.g. zero cost with no lever)
        ks = stats.ks_2samp(a, b)
        assert ks.pvalue > 0.01, f"{name} {key}: KS rejects, D={ks.statistic:.3f} p={ks.pvalue:.4f}"
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        gap = abs(a.mean() - b.mean())
        assert gap <= 3 * se, (
            f"{name} {key}: means {a.mean():.4g} vs {b.mean():.4g}, 3 SE = {3 * se:.3g}"
        )


def engines_agree_over_time(name: str) -> None:
    _, mesa = runs(name, "mesa")
    _, vec = runs(name, "vector")
    for month in range(10, mesa.shape[1], 10):
        for this, other, label in ((mesa, vec, "mesa"), (vec, mesa, "vector")):
            lo, hi = np.percentile(other[:, month], [2.5, 97.5])
            mean = this[:, month].mean()
            assert lo <= mean <= hi, (
                f"{name} month {month}: {label} mean {mean:.2f} outside [{lo}, {hi}]"
            )


def _engines_agree(names: tuple[str, ...]) -> type:
    """A test class for these scenarios: pytest-xdist's `--dist loadscope` sends each class to
    one worker, so two classes share the scenarios' runs between the two test workers."""

    class Scenarios:
        @pytest.mark.slow
        @pytest.mark.parametrize("name", names)
        def test_engines_agree_at_the_horizon(self, name):
            engines_agree_at_the_horizon(name)

        @pytest.mark.slow
        @pytest.mark.parametrize("name", names)
        def test_engines_agree_over_time(self, name):
            engines_agree_over_time(name)

    return Scenarios


TestBaselineNoPolicyFinancing = _engines_agree(("baseline", "no_policy", "financing"))
TestBurdenPlantsCombined = _engines_agree(("burden", "plants", "combined"))
