"""The two engines are statistically the same model (issue: vector engine; power: issue 14).

Two parts.

**The shipped scenarios** (baseline, no_policy and each lever) at a reduced size, 30 seeded runs
per engine. At the horizon, for each outcome: a two-sample Kolmogorov-Smirnov test does not
reject at 1%, and the means agree within 3 pooled standard errors. Over time: at every tenth
month the two engines' mean numbers of firms differ by at most 3.5 standard errors of the
difference (sqrt(s_m^2/n + s_v^2/n); 36 comparisons, so the chance of a false alarm is about
2%). (The earlier check asked only that each mean lie inside the other engine's 2.5-97.5%
band across runs, which let the means differ by about 11 standard errors.) These runs check
the engines' different orders within a phase (docs/model.md 8.3) on the real scenarios; with 30
runs of bimodal outcomes they have little power against a small error of one engine.

**Hazard rates, with stated power.** For that, `TestHazardRates` runs a scenario with all the
model's mechanisms on (peer effects, financing limits, plant, labour limits: every difference
of 8.3) and enough events that a run's rates are precise: 8,000 tailors for 36 months, the
founding hazard raised (max_hazard 0.05) and made independent of the state (profit weight 0, no
premises delay; the margin and free plant would otherwise make it vary from run to run), exits
raised and forced only by negative capital within the 36 months (a 12-month loss streak would
force so many exits that a shift of the hazard moved the exit rate by only 4.5%). Two
outcomes per run, each an observed rate with its exposure:

* founding rate F = returnee foundings / tailor-months at home (at the start of each month),
* exit rate X = exits / firm-months at risk (firms at the start of a month plus its entrants).

The test: Welch's z = (mean_mesa - mean_vector) / SE, SE = sqrt(s_m^2/n_m + s_v^2/n_v), rejects
at |z| > 2.576 (alpha = 0.01 for each outcome).

Power against a 10% hazard shift in one engine. The shift of an outcome when one engine's
hazard is 10% higher is measured, not assumed: the vector engine is run again on the same seeds
with the founding hazard x1.1 (max_hazard x1.1, exact since p = max_hazard x logistic(.)) and,
separately, with the monthly exit hazard of every age year x1.1 (annual hazards
1 - (1 - 1.1 m)^12, m the monthly hazard). delta = the shifted mean minus the unshifted one
(less than 10%: a higher founding hazard uses up the founders who can finance sooner; forced
exits do not move). The power is then Phi(delta / SE - 2.576), SE from the engines' spreads; the
test asserts it is at least 0.9 for both outcomes. Measured when this was written (n_m = 16
Mesa runs, n_v = 80 vector runs): founding delta about +8% of the mean with a run-to-run CV of
about 4-5.5%, exit delta about +9% with a CV of about 5%. With 10 Mesa runs the computed power
was 0.94-0.95, and one engine-only mutation (Mesa's exit hazard x1.1, `make mutants ARGS="--group
engines"`) moved Mesa's exit rate by only +5.4% on those seeds and was not seen (z = 2.08), so
the test uses 16. The closing
note of issue 14 gives the figures of the committed test (`pytest -s` prints them).

Seeds: fresh ones (SEED0 below, chosen once before any run of this version and not changed
after), not the 0-29 of the earlier version, on which the unchanged engines happened to
differ by about 2 SE.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from tests.conftest import SCENARIOS

SEED0 = 7_340_000  # fresh seeds: SEED0, SEED0 + 1, ...
RUNS = 30
SIZE = {"population.tailors": 1500, "population.local_workers": 300, "run.months": 60}
OUTCOMES = (
    "firms",
    "employment",
    "tailors_home",
    "chain_completeness",
    "local_sourcing_ratio",
    "eg_gamma_cluster",
    "eg_gamma_garment",
    "cost_total",
)
Z_OVER_TIME = 3.5


@cache
def runs(name: str, engine: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Outcomes at the horizon (per outcome, one value per run) and firm paths (runs x months)."""
    scenario = sim.load_scenario(SCENARIOS / f"{name}.yaml", SIZE)
    finals, paths = [], []
    for seed in range(SEED0, SEED0 + RUNS):
        ts = sim.run(scenario, engine=engine, seed=seed).timeseries
        finals.append(ts.iloc[-1])
        paths.append(ts["firms"].to_numpy(dtype=float))
    return {k: np.array([f[k] for f in finals], dtype=float) for k in OUTCOMES}, np.array(paths)


def welch_z(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(z, SE) of the difference of the means of two independent samples (z infinite when
    both samples are constant and differ)."""
    se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    gap = float(a.mean() - b.mean())
    if se == 0:
        return (0.0 if gap == 0 else float(np.copysign(np.inf, gap))), se
    return gap / se, se


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
        z, se = welch_z(a, b)
        assert abs(z) <= 3, (
            f"{name} {key}: means {a.mean():.4g} vs {b.mean():.4g}, 3 SE = {3 * se:.3g}"
        )


def engines_agree_over_time(name: str) -> None:
    _, mesa = runs(name, "mesa")
    _, vec = runs(name, "vector")
    for month in range(10, mesa.shape[1], 10):
        a, b = mesa[:, month], vec[:, month]
        if np.ptp(np.r_[a, b]) == 0:
            continue
        z, se = welch_z(a, b)
        assert abs(z) <= Z_OVER_TIME, (
            f"{name} month {month}: mean firms {a.mean():.2f} (mesa) vs {b.mean():.2f} "
            f"(vector), z = {z:+.2f} (SE {se:.2f})"
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


# ---------------------------------------------------------------------------- hazard rates
HAZARD_SCENARIO = {
    "population.tailors": 8000,
    "population.local_workers": 1600,
    "population.initial_home_share": 0.3,
    "population.savings_mean": 1.0e6,
    "run.months": 36,
    "behaviour.entrepreneurship.max_hazard": 0.05,
    "behaviour.entrepreneurship.intercept": 0.0,
    "behaviour.entrepreneurship.profit": 0.0,
    "behaviour.entrepreneurship.premises_delay_months": 0.0,
    "behaviour.outside_investment.base_rate": 20.0,
    "behaviour.exit.hazard_by_year": [0.3, 0.45, 0.5],
    "behaviour.exit.loss_months": 36,  # forced exits (which no hazard moves) only by capital < 0
}
HAZARD_RUNS = {"mesa": 16, "vector": 80}
Z_REJECT = stats.norm.ppf(1 - 0.01 / 2)  # 2.576
SHIFT = 1.10
RATES = ("founding_rate", "exit_rate")


def shifted(which: str) -> dict:
    """The hazard scenario with one hazard 10% higher (None: unchanged)."""
    s = dict(HAZARD_SCENARIO)
    if which == "founding_rate":
        s["behaviour.entrepreneurship.max_hazard"] *= SHIFT
    elif which == "exit_rate":
        monthly = 1 - (1 - np.array(s["behaviour.exit.hazard_by_year"])) ** (1 / 12)
        s["behaviour.exit.hazard_by_year"] = list(1 - (1 - SHIFT * monthly) ** 12)
    return s


def hazard_rates(ts: pd.DataFrame) -> dict[str, float]:
    """A run's founding rate and exit rate, each events over exposure (see the docstring)."""
    home = (ts["tailors_employed_home"] + ts["tailors_unemployed_home"]).to_numpy(float)
    origins = ("incumbent", "returnee", "outside")
    births = sum(ts[f"births_{o}"] for o in origins).to_numpy(float)
    deaths = sum(ts[f"deaths_{o}"] for o in origins).to_numpy(float)
    firms = ts["firms"].to_numpy(float)
    return {
        "founding_rate": ts["births_returnee"].to_numpy(float)[1:].sum() / home[:-1].sum(),
        "exit_rate": deaths[1:].sum() / (firms[:-1] + births[1:]).sum(),
    }


@cache
def rate_runs(engine: str, shift: str | None = None) -> dict[str, np.ndarray]:
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml", shifted(shift))
    rows = [
        hazard_rates(sim.run(scenario, engine=engine, seed=seed).timeseries)
        for seed in range(SEED0, SEED0 + HAZARD_RUNS[engine])
    ]
    return {k: np.array([r[k] for r in rows]) for k in RATES}


@pytest.mark.slow
class TestHazardRates:
    @pytest.mark.parametrize("rate", RATES)
    def test_engines_agree_on_the_rate(self, rate: str) -> None:
        mesa, vec = rate_runs("mesa")[rate], rate_runs("vector")[rate]
        z, se = welch_z(mesa, vec)
        print(
            f"{rate}: mesa {mesa.mean():.5f} (sd {mesa.std(ddof=1):.5f}, n {mesa.size}), "
            f"vector {vec.mean():.5f} (sd {vec.std(ddof=1):.5f}, n {vec.size}), z = {z:+.2f}"
        )
        assert abs(z) <= Z_REJECT, f"{rate}: the engines differ, z = {z:+.2f} (SE {se:.3g})"

    @pytest.mark.parametrize("rate", RATES)
    def test_a_ten_percent_hazard_shift_would_be_seen(self, rate: str) -> None:
        """Power of `test_engines_agree_on_the_rate` against the hazard x1.1 in one engine,
        with the shift measured on the vector engine (same seeds) and the SE of the test."""
        mesa, vec = rate_runs("mesa")[rate], rate_runs("vector")[rate]
        delta = rate_runs("vector", rate)[rate].mean() - vec.mean()
        _, se = welch_z(mesa, vec)
        power = float(stats.norm.cdf(abs(delta) / se - Z_REJECT))
        print(
            f"{rate}: hazard x{SHIFT} moves it by {delta / vec.mean():+.1%} "
            f"(CV of a run {vec.std(ddof=1) / vec.mean():.1%}), SE {se / vec.mean():.2%} "
            f"of the mean, power {power:.3f}"
        )
        assert delta > 0, f"{rate}: a higher hazard did not raise the rate"
        assert power >= 0.9, f"{rate}: power {power:.2f} < 0.9 against a 10% hazard shift"
