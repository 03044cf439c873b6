"""Kaplan-Meier and log-rank (sim.experiments.survival): a small example worked by hand, then a
brute-force computation from the definitions on random data, and SciPy's estimate as a second,
independent implementation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.experiments.survival import kaplan_meier, logrank

Z = stats.norm.ppf(0.975)  # 1.959964...

# eight runs: month of take-off (event 1) or of the horizon they were censored at (event 0)
TIME = np.array([2, 3, 3, 5, 6, 6, 8, 10])
EVENT = np.array([1, 1, 0, 1, 0, 1, 1, 0])


def test_kaplan_meier_by_hand():
    km = kaplan_meier(TIME, EVENT)
    # distinct times 2, 3, 5, 6, 8, 10; at risk: everyone with time >= t
    assert km.time.tolist() == [2, 3, 5, 6, 8, 10]
    assert km.at_risk.tolist() == [8, 7, 5, 4, 2, 1]
    assert km.events.tolist() == [1, 1, 1, 1, 1, 0]
    assert km.censored.tolist() == [0, 1, 0, 1, 0, 1]
    # S(2) = 7/8; S(3) = 7/8 x 6/7 = 0.75 (the run censored at 3 is still at risk at 3);
    # S(5) = 0.75 x 4/5 = 0.6; S(6) = 0.6 x 3/4 = 0.45; S(8) = 0.45 x 1/2 = 0.225; S(10) = 0.225
    assert km.survival == pytest.approx([0.875, 0.75, 0.6, 0.45, 0.225, 0.225])
    # Greenwood's sum d / (n (n - d)): 1/56, + 1/42, + 1/20, + 1/12, + 1/2, + 0
    gw = np.cumsum([1 / 56, 1 / 42, 1 / 20, 1 / 12, 1 / 2, 0.0])
    assert km.greenwood == pytest.approx(gw)
    # at month 5: V = 1/56 + 1/42 + 1/20 = 77/840; log-log: se = sqrt(V) / |ln 0.6|,
    # interval 0.6 ^ exp(+-1.96 se) = [0.1955, 0.8523]
    v = 77 / 840
    se = math.sqrt(v) / abs(math.log(0.6))
    s5, lo5, hi5 = km.at(5)
    assert s5 == pytest.approx(0.6)
    assert (lo5, hi5) == pytest.approx((0.6 ** math.exp(Z * se), 0.6 ** math.exp(-Z * se)))
    assert (lo5, hi5) == pytest.approx((0.1955, 0.8523), abs=1e-4)
    # plain: 0.6 +- 1.96 x 0.6 sqrt(V) = 0.6 +- 0.3560
    plain = kaplan_meier(TIME, EVENT, ci="plain")
    half = Z * 0.6 * math.sqrt(v)
    assert plain.at(5)[1:] == pytest.approx((0.6 - half, 0.6 + half))
    assert half == pytest.approx(0.3560, abs=1e-4)
    # the step function: 1 before month 2, S(4) = S(3), S(100) = S(10)
    assert km.at(1.9) == (1.0, 1.0, 1.0)
    assert km.at(4)[0] == pytest.approx(0.75) and km.at(100)[0] == pytest.approx(0.225)
    # median: the first month with S <= 0.5 is 6 (0.45); P(by 10) = 1 - 0.225
    assert km.median() == 6.0
    p, lo, hi = km.p_by(10)
    assert p == pytest.approx(0.775)
    assert (lo, hi) == pytest.approx((1 - km.hi[-1], 1 - km.lo[-1]))


def test_edge_cases():
    # nobody takes off: S stays 1, the median is not reached, P(by t) = 0 exactly
    none = kaplan_meier([120, 120, 120], [0, 0, 0])
    assert none.survival.tolist() == [1.0] and math.isnan(none.median())
    assert none.p_by(120) == (0.0, 0.0, 0.0)
    # everybody takes off: S falls to 0, where the interval is [0, 0] (V is infinite)
    every = kaplan_meier([3, 5], [1, 1])
    assert every.survival.tolist() == [0.5, 0.0] and every.median() == 3.0
    assert math.isinf(every.greenwood[-1]) and every.at(5) == (0.0, 0.0, 0.0)
    # no runs at all: NaN, not a probability of 0
    assert all(math.isnan(v) for v in kaplan_meier([], []).p_by(10))
    with pytest.raises(ValueError, match="ci"):
        kaplan_meier(TIME, EVENT, ci="arcsine")


def test_logrank_by_hand():
    # a: events at 1 and 3; b: an event at 2, censored at 4. Event times 1, 2, 3:
    #   t=1: n_a 2, n_b 2, d 1 (a): E_a = 1 x 2/4 = 1/2, V = 1 (2/4)(2/4)(4-1)/(4-1) = 1/4
    #   t=2: n_a 1, n_b 2, d 1 (b): E_a = 1/3,           V = 1 (1/3)(2/3)(3-1)/(3-1) = 2/9
    #   t=3: n_a 1, n_b 1, d 1 (a): E_a = 1/2,           V = 1 (1/2)(1/2)(2-1)/(2-1) = 1/4
    # O_a = 2, E_a = 4/3, V = 13/18: chi2 = (2/3)^2 / (13/18) = 8/13
    test = logrank([1, 3], [1, 1], [2, 4], [1, 0])
    assert test.observed == 2 and test.expected == pytest.approx(4 / 3)
    assert test.variance == pytest.approx(13 / 18)
    assert test.chi2 == pytest.approx(8 / 13)
    assert test.p == pytest.approx(stats.chi2.sf(8 / 13, 1))
    # no event anywhere: no test
    assert math.isnan(logrank([5, 5], [0, 0], [5], [0]).p)


# ----------------------------------------------------------------------------------- brute force
def brute_km(time: np.ndarray, event: np.ndarray, t: float) -> tuple[float, float]:
    """S(t) and Greenwood's sum straight from the definitions, one event time at a time."""
    s, v = 1.0, 0.0
    for u in sorted(set(time[event.astype(bool)].tolist())):
        if u > t:
            break
        n = int(np.sum(time >= u))
        d = int(np.sum((time == u) & event.astype(bool)))
        s *= 1 - d / n
        v += d / (n * (n - d)) if n > d else math.inf
    return s, v


def brute_logrank(ta, ea, tb, eb) -> float:
    o = e = v = 0.0
    for u in sorted(set(ta[ea].tolist()) | set(tb[eb].tolist())):
        na, nb = np.sum(ta >= u), np.sum(tb >= u)
        da, db = np.sum((ta == u) & ea), np.sum((tb == u) & eb)
        n, d = na + nb, da + db
        o += da
        e += d * na / n
        if n > 1:
            v += d * (na / n) * (nb / n) * (n - d) / (n - 1)
    return (o - e) ** 2 / v if v > 0 else math.nan


runs = st.lists(st.tuples(st.integers(0, 15), st.booleans()), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(runs)
def test_kaplan_meier_matches_brute_force_and_scipy(data):
    time = np.array([t for t, _ in data], dtype=float)
    event = np.array([e for _, e in data])
    km = kaplan_meier(time, event)
    for t in range(-1, 17):
        s, v = brute_km(time, event, t)
        assert km.at(t)[0] == pytest.approx(s, abs=1e-12)
        i = np.searchsorted(km.time, t, side="right") - 1
        if i >= 0:
            assert km.greenwood[i] == pytest.approx(v, abs=1e-12) or (
                math.isinf(v) and math.isinf(km.greenwood[i])
            )
    below = [t for t in km.time if brute_km(time, event, t)[0] <= 0.5]
    if below:
        assert km.median() == below[0]
    else:
        assert math.isnan(km.median())
    if not event.any():
        return
    # SciPy's Kaplan-Meier (scipy.stats.ecdf on censored data), with its Greenwood intervals
    data_ = stats.CensoredData(uncensored=time[event], right=time[~event])
    res = stats.ecdf(data_)
    for ci in ("log-log", "plain"):
        mine = kaplan_meier(time, event, ci=ci)
        with warnings.catch_warnings():  # SciPy warns where S is 0 or 1 (no interval there)
            warnings.simplefilter("ignore", RuntimeWarning)
            bounds = res.sf.confidence_interval(0.95, method="linear" if ci == "plain" else ci)
        for t in np.unique(time[event]):
            s, lo, hi = mine.at(t)
            assert s == pytest.approx(res.sf.evaluate(t), abs=1e-12)
            if 0 < s < 1 and math.isfinite(mine.greenwood[np.searchsorted(mine.time, t)]):
                assert lo == pytest.approx(float(bounds.low.evaluate(t)), abs=1e-9)
                assert hi == pytest.approx(float(bounds.high.evaluate(t)), abs=1e-9)


def test_without_censoring_the_estimate_is_the_share_still_waiting():
    g = np.random.default_rng(5)
    time = g.integers(0, 40, 50)
    km = kaplan_meier(time, np.ones(50))
    for t in range(41):
        assert km.at(t)[0] == pytest.approx(np.mean(time > t))


def test_censoring_only_at_a_common_horizon_gives_the_share_reached():
    # what a sweep stores: censored runs all sit at the horizon, so 1 - S(H) is the share reached
    g = np.random.default_rng(6)
    time = g.integers(1, 200, 60)
    event = time <= 120
    time = np.minimum(time, 120)
    assert kaplan_meier(time, event).p_by(120)[0] == pytest.approx(event.mean())


@settings(max_examples=100, deadline=None)
@given(runs, runs)
def test_logrank_matches_brute_force_and_scipy(a, b):
    ta, ea = np.array([t for t, _ in a], float), np.array([e for _, e in a])
    tb, eb = np.array([t for t, _ in b], float), np.array([e for _, e in b])
    test = logrank(ta, ea, tb, eb)
    want = brute_logrank(ta, ea, tb, eb)
    if math.isnan(want):
        assert math.isnan(test.chi2)
        return
    assert test.chi2 == pytest.approx(want, rel=1e-9, abs=1e-12)
    if ea.any() and eb.any():
        x = stats.CensoredData(uncensored=ta[ea], right=ta[~ea])
        y = stats.CensoredData(uncensored=tb[eb], right=tb[~eb])
        ref = stats.logrank(x, y)
        assert test.chi2 == pytest.approx(ref.statistic**2, rel=1e-9, abs=1e-12)
