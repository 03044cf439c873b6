"""One-month rate tests: each submodel's events against the sum of its rule's probabilities,
per engine (issue 14).

A run of a rate scenario (below) is watched through the engine's `phase_hook`
(`sim.engines.PhaseHook`). Just before a phase, the test reads the state the phase starts from
(through an engine view: `MesaView`, `VectorView`) and computes, with the rules of
`sim.core.rules` and nothing of the engine's own code, each agent's probability of the phase's
event; just after, it counts the events from the state (status changes, firms born or gone,
workforce changes), not from the engine's own counters. Conditional on the state before the
phase, the count is a sum of independent Bernoulli draws (a Poisson-binomial: mean sum p,
variance sum p(1-p)), or a Poisson count for investors' arrivals. Summed over the months and
seeds of the runs, the centred counts are a martingale, so

    z = (observed - sum p) / sqrt(sum p (1 - p))

is standard normal when the engine does what the rules say. The test rejects when |z| > 3.29
(two-sided alpha = 0.001; with 2 engines x 6 counts the chance that any fails by chance is
about 1%).

**Power.** Let an engine multiply one hazard by c = 1.1 or 0.9 (a 10% change). On the same
states the count's mean moves to E1 = sum min(c p, 1) with variance V1 = sum p'(1 - p'), so the
test rejects with probability about Phi((|E1 - E0| - 3.29 sqrt(V0)) / sqrt(V1)). For a rare
event (p small) this is 0.9 once sum p >= (3.29 + 1.28)^2 / 0.1^2, about 2,100 events. Each
test computes this power from the states it saw and asserts it is at least 0.9 for both
directions, so the test says so if the scenario stops producing enough events to see a 10%
change. The figures (vector engine, seeds 0-1; Mesa, seed 0) are in the closing note of
issue 14 and printed by `pytest -s`.

Where the counts are exact. The rate scenario makes every count a function of the start-of-phase
state alone, in both engines (section 8.3 of docs/model.md lists where the engines order things
differently within a phase):

* returns: the peer weight is 0, so the Mesa engine's within-phase peer updates (8.3 a) cannot
  change a tailor's probability;
* foundings: every candidate's savings cover the largest start-up cost, so the financing check
  never refuses (a founder's decision is the rule's probability alone); the test asserts it. A
  candidate founds with sum_s share_s sum_z pi_s(z) p_s(z): a stage by its share, the zone it
  would set up in by the zone weights (`rules.zone_weights`, normalised), and the founding
  probability with or without the premises delay as that zone has a plant slot left or not
  (`rules.plant_slots`, `rules.founding_probability`). Two settings keep these the same for
  every candidate of a month, in Mesa too, where founders act one after another: location has no
  increasing returns (`increasing_returns` 0: a founder's firm does not change the zone weights
  of the next), and the core holds far more free plant than a month's founders can take, while
  no other zone has any (the plant lever off), so a zone never runs out of plant within the
  phase; the test asserts it;
* investors: the local labour pool is so large that the labour factor of
  `rules.investor_acceptance` is 1 for every arrival (8.3 c); the test asserts it;
* hires and layoffs are not random in number: targets are `rules.hiring_target` and a month's
  hires are min(vacancies, seekers + idle locals); they must match exactly;
* exits: forced exits (`rules.forced_exit`) must all happen; the others are Bernoulli draws of
  `rules.exit_hazard`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pytest
from scipy import stats

import sim
from sim.core import rules
from sim.core.codes import AWAY, EMPLOYED_HOME, RETURNEE, UNEMPLOYED_HOME
from sim.engines import make_model
from tests.conftest import SCENARIOS

Z_REJECT = 3.29  # two-sided alpha = 0.001
SHIFT = 0.10  # the hazard change each test must see...
POWER = 0.90  # ...with at least this probability

# The baseline's mechanisms and levers, with rates raised so that one run has thousands of
# events of each kind, and the three conditions above that make every count exact.
RATE_SCENARIO = {
    "run.months": 36,
    "population.tailors": 6000,
    "population.initial_home_share": 0.3,
    "population.savings_mean": 5.0e6,  # far above the largest start-up cost (0.7 M)
    "population.savings_sigma": 0.0,
    "population.local_workers": 2_000_000,  # the labour factor of investors stays 1
    "behaviour.return_migration.peer": 0.0,
    "behaviour.return_migration.max_hazard": 0.3,
    "behaviour.return_migration.intercept": 2.0,
    "behaviour.return_migration.leave_after_months": 1,
    "behaviour.return_migration.leave_hazard": 0.3,
    "behaviour.entrepreneurship.max_hazard": 0.2,
    "behaviour.entrepreneurship.intercept": 0.0,
    "behaviour.entrepreneurship.skill_min": 0.3,
    "behaviour.outside_investment.base_rate": 80.0,
    "behaviour.outside_investment.intercept": 0.0,
    "behaviour.exit.hazard_by_year": [0.3, 0.45, 0.5],
    "behaviour.location.increasing_returns": 0.0,  # zone weights do not move within a phase
    "space.zones.1.plant_stock_m2": 3.0e6,  # the core: 8,000 start-ups' worth of free plant...
    "levers.plant_supply.enabled": False,  # ...and no other zone gets any
}
SEEDS = {"mesa": (0,), "vector": (0, 1)}


@dataclass
class Tally:
    """A pooled count of events against the probabilities of its draws."""

    observed: int = 0
    p: list[np.ndarray] = field(default_factory=list)  # Bernoulli probabilities of the draws
    poisson: float = 0.0  # expected count of Poisson draws (variance = mean)
    alt_poisson: dict[float, float] = field(default_factory=dict)

    def bernoulli(self, p: np.ndarray, observed: int) -> None:
        self.p.append(np.asarray(p, dtype=float).ravel())
        self.observed += int(observed)

    def poisson_count(self, rate: float, observed: int) -> None:
        self.poisson += rate
        self.observed += int(observed)

    def moments(self, c: float = 1.0) -> tuple[float, float]:
        """(mean, variance) of the count if every probability or rate were c times the rule's."""
        p = np.minimum(c * np.concatenate(self.p), 1.0) if self.p else np.zeros(0)
        return float(p.sum() + c * self.poisson), float((p * (1 - p)).sum() + c * self.poisson)

    def z(self) -> float:
        mean, var = self.moments()
        return (self.observed - mean) / np.sqrt(var)

    def power(self, c: float) -> float:
        """Probability that |z| > Z_REJECT if the engine's hazard were c times the rule's."""
        m0, v0 = self.moments()
        m1, v1 = self.moments(c)
        return float(stats.norm.cdf((abs(m1 - m0) - Z_REJECT * np.sqrt(v0)) / np.sqrt(v1)))


# ---------------------------------------------------------------------------- engine views
@dataclass
class Tailors:
    status: np.ndarray
    village: np.ndarray
    attachment: np.ndarray
    skill: np.ndarray
    savings: np.ndarray
    months_jobless: np.ndarray  # as the rule sees it this month (0 unless jobless at home)


@dataclass
class Firms:
    """The living firms, keyed by an id that stays with a firm for its life."""

    id: np.ndarray
    workers: np.ndarray
    target: np.ndarray
    age: np.ndarray
    margin: np.ndarray
    capital: np.ndarray
    debt: np.ndarray
    zone: np.ndarray
    profit: np.ndarray
    loss_streak: np.ndarray
    origin: np.ndarray


def _column(agents: list, value, dtype=float) -> np.ndarray:
    """One attribute of each agent, as an array."""
    return np.fromiter((value(a) for a in agents), dtype=dtype, count=len(agents))


class MesaView:
    """The state of a `ClusterModel`, as arrays."""

    def __init__(self, model) -> None:
        self.m = model

    def tailors(self) -> Tailors:
        ts = list(self.m.tailors)

        def arr(value, dtype=float):
            return _column(ts, value, dtype)

        status = arr(lambda t: t.status, np.int64)
        # the migration phase adds the month to `months_jobless` before the rule reads it
        jobless = arr(lambda t: t.months_jobless + 1, np.int64)
        return Tailors(
            status=status,
            village=arr(lambda t: t.village, np.int64),
            attachment=arr(lambda t: t.attachment),
            skill=arr(lambda t: t.skill),
            savings=arr(lambda t: t.savings),
            months_jobless=np.where(status == UNEMPLOYED_HOME, jobless, 0),
        )

    def firms(self) -> Firms:
        fs = list(self.m.firms)

        def arr(value, dtype=float):
            return _column(fs, value, dtype)

        return Firms(
            id=arr(lambda f: f.unique_id, np.int64),
            workers=arr(lambda f: f.workers, np.int64),
            target=arr(lambda f: f.target, np.int64),
            age=arr(lambda f: f.age, np.int64),
            margin=arr(lambda f: f.margin),
            capital=arr(lambda f: f.capital),
            debt=arr(lambda f: f.debt),
            zone=arr(lambda f: f.zone, np.int64),
            profit=arr(lambda f: f.profit),
            loss_streak=arr(lambda f: f.loss_streak, np.int64),
            origin=arr(lambda f: f.origin, np.int64),
        )

    def local_pool(self) -> int:
        return int(self.m.local_pool)


class VectorView:
    """The state of a `VectorModel`, as arrays (copies)."""

    def __init__(self, model) -> None:
        self.m = model

    def tailors(self) -> Tailors:
        m = self.m
        return Tailors(
            status=m.status.astype(np.int64),
            village=m.village.astype(np.int64),
            attachment=m.attachment.astype(float),
            skill=m.skill.astype(float),
            savings=m.savings,
            months_jobless=np.asarray(m.jobless, dtype=np.int64),
        )

    def firms(self) -> Firms:
        t = self.m.firms
        alive = np.flatnonzero(t.alive)
        col = lambda k: np.array(t.cols[k][alive])  # noqa: E731
        return Firms(
            id=alive.astype(np.int64),
            workers=(col("tailors") + col("locals")).astype(np.int64),
            target=col("target").astype(np.int64),
            age=col("age").astype(np.int64),
            margin=col("margin").astype(float),
            capital=col("capital").astype(float),
            debt=col("debt").astype(float),
            zone=col("zone").astype(np.int64),
            profit=col("profit").astype(float),
            loss_streak=col("loss_streak").astype(np.int64),
            origin=col("origin").astype(np.int64),
        )

    def local_pool(self) -> int:
        return int(self.m.local_pool)


VIEWS = {"mesa": MesaView, "vector": VectorView}


# ---------------------------------------------------------------------------- the probe
@dataclass
class Rates:
    """What the runs of one engine saw, pooled."""

    returns: Tally = field(default_factory=Tally)
    departures: Tally = field(default_factory=Tally)
    foundings: Tally = field(default_factory=Tally)
    arrivals: Tally = field(default_factory=Tally)
    acceptances: Tally = field(default_factory=Tally)
    exits: Tally = field(default_factory=Tally)
    hires: list[tuple[int, int]] = field(default_factory=list)  # (expected, observed) per month
    layoffs: list[tuple[int, int]] = field(default_factory=list)
    forced: list[tuple[int, int]] = field(default_factory=list)  # (forced, of which gone)
    poorest_candidate: float = np.inf  # least savings of a founding candidate
    dearest_start: float = 0.0  # the largest start-up cost
    plant_ran_out: int = 0  # founding phases in which a zone used up its free plant
    zones_with_plant: set = field(default_factory=set)  # zones that had a slot in some month
    n_zones: int = 0
    least_labour_room: float = np.inf  # min over months of available - (arrivals + 1) x need


class Probe:
    """A `PhaseHook` that computes each phase's expected events before it and counts them
    after it."""

    def __init__(self, model, view, rates: Rates) -> None:
        self.m, self.view, self.r = model, view, rates
        self.spec = model.spec.behaviour
        self.arrivals: int | None = None
        world = model.world
        recorded = world.investor_arrivals

        def investor_arrivals(*args, **kwargs) -> int:  # the draw, recorded for the test
            self.arrivals = recorded(*args, **kwargs)
            return self.arrivals

        world.investor_arrivals = investor_arrivals
        ent = self.spec.entrepreneurship
        rates.dearest_start = float(rules.startup_cost(False, ent))  # without plant
        rates.n_zones = model.county.n_zones

    def __call__(self, phase: str, done: bool) -> None:
        handler = getattr(self, f"_{phase}", None)
        if handler is not None:
            handler(done)

    # ---- return migration (7.1)
    def _migration(self, done: bool) -> None:
        t = self.view.tailors()
        if not done:
            self.before = t
            return
        b, rm = self.before, self.spec.return_migration
        away, jobless = b.status == AWAY, b.status == UNEMPLOYED_HOME
        village_home = np.bincount(b.village[~away], minlength=b.village.max() + 1)
        share = village_home / np.maximum(np.bincount(b.village), 1)
        p_back = rules.return_probability(
            self.m.world.home_income(),
            self.spec.wages.coastal,
            share[b.village[away]],
            self.m.gov.publicised_count(self.m.month),
            b.attachment[away],
            rm,
        )
        self.r.returns.bernoulli(p_back, np.sum(away & (t.status != AWAY)))
        p_leave = rules.leave_probability(b.months_jobless[jobless], rm)
        self.r.departures.bernoulli(p_leave, np.sum(jobless & (t.status == AWAY)))

    # ---- entrepreneurship (7.2)
    def _has_plant(self) -> np.ndarray:
        """Per zone, whether a start-up finds plant there: a slot left (`rules.plant_slots`)."""
        m, ent, prod = self.m, self.spec.entrepreneurship, self.spec.production
        need = prod.m2_per_worker * ent.startup_workers * prod.plant_headroom
        free = m.world.plant.ravel()
        return np.array([rules.plant_slots(free[c], need) >= 1 for c in m.county.cells_of_zone])

    def _founding(self, done: bool) -> None:
        if not done:
            self.before_firms = self.view.firms()
            t = self.view.tailors()
            ent, loc = self.spec.entrepreneurship, self.spec.location
            m, world, county = self.m, self.m.world, self.m.county
            home = (t.status == EMPLOYED_HOME) | (t.status == UNEMPLOYED_HOME)
            candidates = home & (t.skill >= ent.skill_min)
            income = rules.expected_owner_income(
                world.stage_margin, m.chain.output_per_worker, ent.startup_workers
            )
            self.has_plant = self._has_plant()
            self.r.zones_with_plant |= set(np.flatnonzero(self.has_plant).tolist())
            shares = world.founder_shares / world.founder_shares.sum()
            p = 0.0
            for s in range(m.chain.n):
                counts = world.zone_counts
                same = counts.sum(axis=0) if loc.count_all_stages else counts[s]
                w = rules.zone_weights(
                    county.area, same, m.chain.linked[s] @ counts, county.advantage,
                    county.base_rent, self.has_plant.astype(float),
                    m.gov.zone_publicity(m.month), loc, self.spec.agglomeration_unit,
                )  # fmt: skip
                p_zone = rules.founding_probability(
                    income[s], self.spec.wages.home, self.has_plant, ent
                )
                p += shares[s] * float(w / w.sum() @ p_zone)
            self.p_found = np.full(int(candidates.sum()), p)
            if candidates.any():
                poorest = t.savings[candidates].min()
                self.r.poorest_candidate = min(self.r.poorest_candidate, poorest)
            return
        new = self.view.firms()
        born = ~np.isin(new.id, self.before_firms.id)
        assert (new.origin[born] == RETURNEE).all()
        self.r.foundings.bernoulli(self.p_found, born.sum())
        self.r.plant_ran_out += int(np.any(self.has_plant & ~self._has_plant()))

    # ---- outside investment (7.3)
    def _investment(self, done: bool) -> None:
        if not done:
            self.before_firms = self.view.firms()
            self.arrivals = None
            return
        inv = self.spec.outside_investment
        m = self.m
        rate = rules.investor_arrival_rate(
            inv.base_rate,
            inv.pull,
            self.before_firms.id.size,
            m.gov.publicised_count(m.month),
            inv.publicity,
            self.spec.agglomeration_unit,
        )
        n = int(self.arrivals)
        self.r.arrivals.poisson_count(float(rate), n)
        new = self.view.firms()
        born = ~np.isin(new.id, self.before_firms.id)
        weights = m.world.investor_stage_weights()
        q = float(
            (weights / weights.sum())
            @ rules.investor_acceptance(m.world.stage_margin, np.inf, 1.0, inv)
        )
        self.r.acceptances.bernoulli(np.full(n, q), born.sum())
        t = self.view.tailors()  # the labour the arrivals could draw on (8.3 c)
        available = np.sum(t.status == UNEMPLOYED_HOME) + self.view.local_pool()
        self.r.least_labour_room = min(
            self.r.least_labour_room,
            available - (n + 1) * max(inv.anchor_workers, inv.workers),
        )

    # ---- hiring (7.5)
    def _labour(self, done: bool) -> None:
        f = self.view.firms()
        if not done:
            self.before_firms = f
            t = self.view.tailors()
            self.seekers = int(np.sum(t.status == UNEMPLOYED_HOME)) + self.view.local_pool()
            return
        b, m = self.before_firms, self.m
        kpw = self.spec.entrepreneurship.capital_per_worker
        leverage = np.asarray(m.world.firm_leverage(m.month, np.arange(m.county.n_zones)))
        target = np.array(
            [
                rules.hiring_target(
                    int(b.workers[i]),
                    float(b.margin[i]),
                    rules.credit_room(float(b.capital[i]), float(b.debt[i]), leverage[b.zone[i]]),
                    kpw,
                    self.spec.production,
                )
                for i in range(b.id.size)
            ],
            dtype=np.int64,
        )
        entrant = (b.age == 0) & (b.workers == 0)  # keeps its start-up target
        target = np.where(entrant, b.target, target)
        layoffs = int(np.maximum(b.workers - target, 0).sum())
        vacancies = int(np.maximum(target - b.workers, 0).sum())
        expected_hires = min(vacancies, self.seekers + layoffs)
        assert np.array_equal(f.id, b.id), "firms came or went in the labour phase"
        change = f.workers - b.workers
        self.r.layoffs.append((layoffs, int(np.maximum(-change, 0).sum())))
        self.r.hires.append((expected_hires, int(np.maximum(change, 0).sum())))

    # ---- exit (7.10)
    def _exit(self, done: bool) -> None:
        if not done:
            self.before_firms = self.view.firms()
            return
        b, ex = self.before_firms, self.spec.exit
        gone = ~np.isin(b.id, self.view.firms().id)
        forced = (b.capital < 0) | (b.loss_streak >= ex.loss_months)
        self.r.forced.append((int(forced.sum()), int(gone[forced].sum())))
        p = rules.exit_hazard(b.age[~forced], b.profit[~forced] < 0, ex)
        self.r.exits.bernoulli(p, gone[~forced].sum())


@cache
def rates(engine: str) -> Rates:
    """Run the rate scenario on one engine (its seeds), every month watched by a `Probe`."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml", RATE_SCENARIO)
    out = Rates()
    for seed in SEEDS[engine]:
        model = make_model(scenario, engine, seed)
        model.phase_hook = Probe(model, VIEWS[engine](model), out)
        for _ in range(scenario.run.months):
            model.step()
    return out


ENGINES = ("mesa", "vector")
RANDOM_COUNTS = ("returns", "departures", "foundings", "arrivals", "acceptances", "exits")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("count", RANDOM_COUNTS)
def test_one_month_counts_match_the_rules(engine: str, count: str) -> None:
    """Pooled over the months of the runs, each random count is within 3.29 SE of the sum of
    the rule's probabilities, and the test would see a 10% change of the hazard."""
    r = rates(engine)
    tally: Tally = getattr(r, count)
    mean, var = tally.moments()
    powers = {c: tally.power(c) for c in (1 - SHIFT, 1 + SHIFT)}
    print(
        f"{engine} {count}: observed {tally.observed}, expected {mean:.1f} "
        f"(SE {np.sqrt(var):.1f}), z = {tally.z():+.2f}, "
        f"power at x0.9 / x1.1 {powers[1 - SHIFT]:.3f} / {powers[1 + SHIFT]:.3f}"
    )
    assert min(powers.values()) >= POWER, (
        f"{engine} {count}: too few events to see a {SHIFT:.0%} change "
        f"(power {min(powers.values()):.2f} < {POWER}); expected {mean:.0f}"
    )
    assert abs(tally.z()) <= Z_REJECT, (
        f"{engine} {count}: observed {tally.observed} against {mean:.1f} expected "
        f"(SE {np.sqrt(var):.1f}, z = {tally.z():+.2f})"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_the_rate_scenario_makes_the_counts_exact(engine: str) -> None:
    """The conditions under which the expected counts above are exact held in every month."""
    r = rates(engine)
    assert r.poorest_candidate >= r.dearest_start, "financing refused some founders"
    assert r.least_labour_room >= 0, "the labour factor of investors fell below 1"
    assert r.plant_ran_out == 0, "a zone's free plant ran out within a founding phase"
    # both branches of the plant rule occur: zones with a slot (the core) and without
    assert r.zones_with_plant and len(r.zones_with_plant) < r.n_zones


@pytest.mark.parametrize("engine", ENGINES)
def test_hires_layoffs_and_forced_exits_are_exact(engine: str) -> None:
    """Hires and layoffs are not random in number; forced exits are certain. Every month's
    count equals the one worked out from the rules, and there were enough of them that a 10%
    change of the hiring rate would have changed some month's count."""
    r = rates(engine)
    for name, pairs in (("hires", r.hires), ("layoffs", r.layoffs), ("forced exits", r.forced)):
        wrong = [(month, e, o) for month, (e, o) in enumerate(pairs, 1) if e != o]
        assert not wrong, f"{engine} {name}: (month, expected, observed) {wrong[:5]}"
    assert sum(e for e, _ in r.hires) >= 1000
    assert sum(e for e, _ in r.layoffs) >= 100
    assert sum(e for e, _ in r.forced) >= 20
