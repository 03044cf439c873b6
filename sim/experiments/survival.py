"""Times to an event with censoring: the Kaplan-Meier estimate and the log-rank test.

A run's time to take-off (or to a complete chain) is known only if it happened before the run
ended; otherwise the run is censored at its horizon (`sim.measures.outcomes`). The Kaplan-Meier
estimate (Kaplan and Meier 1958) of the survival function S(t), the probability that the event
has not happened by month t, uses every run, censored or not; the probability of the event by the
horizon is 1 - S(horizon). Its pointwise 95% interval comes from Greenwood's (1926) variance,
Var S(t) = S(t)^2 sum_{t_i <= t} d_i / (n_i (n_i - d_i)), on the log(-log S) scale (Kalbfleisch
and Prentice 2002), which keeps it inside [0, 1]; `ci="plain"` gives S +- 1.96 sd, clipped.
The log-rank test (Mantel 1966) asks whether two groups' survival curves differ.

Conventions: at a month with both events and censorings, the events come first (a run censored
at month t was at risk at t); the median is the first month with S(t) <= 0.5, NaN when S stays
above 0.5 (not reached).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["KaplanMeier", "LogRank", "kaplan_meier", "logrank"]


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier estimate: one entry per distinct time (an event's or a censoring's).

    `survival[i]` is S just after `time[i]` (the curve is a step function, 1 before the first
    event); `greenwood[i]` the sum d/(n(n - d)) over event times up to `time[i]` (Var S / S^2;
    infinite once every run at risk had the event); `lo`, `hi` the pointwise interval of S.
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    greenwood: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: int
    level: float

    def at(self, t: float) -> tuple[float, float, float]:
        """(S, lo, hi) at time `t` (after any event at `t`); (1, 1, 1) before the first time;
        NaN for an estimate from no runs."""
        if self.n == 0:
            return math.nan, math.nan, math.nan
        i = int(np.searchsorted(self.time, t, side="right")) - 1
        if i < 0:
            return 1.0, 1.0, 1.0
        return float(self.survival[i]), float(self.lo[i]), float(self.hi[i])

    def p_by(self, t: float) -> tuple[float, float, float]:
        """The probability the event has happened by `t`, 1 - S(t), with its interval."""
        s, lo, hi = self.at(t)
        return 1.0 - s, 1.0 - hi, 1.0 - lo

    def median(self) -> float:
        """The first time with S(t) <= 0.5; NaN if S stays above 0.5 (median not reached)."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.time[below[0]]) if below.size else math.nan


def kaplan_meier(
    time: np.ndarray, event: np.ndarray, level: float = 0.95, ci: str = "log-log"
) -> KaplanMeier:
    """The Kaplan-Meier estimate from `time` (when each run's event happened or it was
    censored) and `event` (1/True: happened, 0/False: censored).

    S(t) = prod_{t_i <= t} (1 - d_i / n_i), with n_i the runs at risk at t_i (time >= t_i) and
    d_i the events at t_i. `ci`: "log-log" (default) or "plain" (see the module doc).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError(f"time and event must be 1-d of one length; got {t.shape}, {e.shape}")
    if np.isnan(t).any():
        raise ValueError("time holds NaN; drop the runs without a time first")
    if ci not in ("log-log", "plain"):
        raise ValueError(f"ci must be 'log-log' or 'plain'; got {ci!r}")
    if t.size == 0:
        empty = np.zeros(0)
        return KaplanMeier(empty, empty, empty, empty, empty, empty, empty, empty, 0, level)
    times, inverse = np.unique(t, return_inverse=True)
    events = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    total = np.bincount(inverse, minlength=times.size).astype(np.int64)
    at_risk = t.size - np.concatenate([[0], np.cumsum(total)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        terms = np.where(events > 0, events / (at_risk * (at_risk - events).astype(float)), 0.0)
    greenwood = np.cumsum(terms)  # inf from the first time every run at risk had the event
    z = float(stats.norm.ppf(0.5 + level / 2))
    lo, hi = _interval(survival, greenwood, z, ci)
    return KaplanMeier(
        time=times,
        at_risk=at_risk,
        events=events,
        censored=total - events,
        survival=survival,
        greenwood=greenwood,
        lo=lo,
        hi=hi,
        n=int(t.size),
        level=level,
    )


def _interval(s: np.ndarray, v: np.ndarray, z: float, ci: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval of S from Greenwood's V = Var S / S^2: S = 1 (no event yet) and S = 0
    (every run had it) are certain, [S, S]."""
    lo, hi = s.copy(), s.copy()
    inside = (s > 0) & (s < 1) & np.isfinite(v)
    si, vi = s[inside], v[inside]
    if ci == "plain":
        half = z * si * np.sqrt(vi)
        lo[inside], hi[inside] = np.clip(si - half, 0, 1), np.clip(si + half, 0, 1)
    else:
        # theta = log(-log S), se(theta) = sqrt(V) / |log S|; back: S^exp(+-z se)
        se = np.sqrt(vi) / np.abs(np.log(si))
        lo[inside], hi[inside] = si ** np.exp(z * se), si ** np.exp(-z * se)
    return lo, hi


@dataclass(frozen=True)
class LogRank:
    """The log-rank test of group a against group b: observed and expected events of a, the
    variance of their difference, the chi-square statistic (1 df) and its p-value."""

    observed: float
    expected: float
    variance: float
    chi2: float
    p: float


def logrank(
    time_a: np.ndarray, event_a: np.ndarray, time_b: np.ndarray, event_b: np.ndarray
) -> LogRank:
    """The two-sample log-rank test (Mantel 1966): at each event time t of the pooled sample,
    with n = n_a + n_b at risk and d = d_a + d_b events, E_a = d n_a / n and
    V_a = d (n_a / n)(n_b / n)(n - d)/(n - 1); chi2 = (sum (d_a - E_a))^2 / sum V_a, 1 df.

    It treats the groups as independent. Arms run on common seeds are positively correlated,
    which makes the test conservative for them (the paired effects of `sim.experiments.compare`
    use the pairing). NaN statistic and p when no event happened (V = 0)."""
    ta, tb = np.asarray(time_a, dtype=float), np.asarray(time_b, dtype=float)
    ea, eb = np.asarray(event_a).astype(bool), np.asarray(event_b).astype(bool)
    t_all = np.concatenate([ta[ea], tb[eb]])
    times = np.unique(t_all)
    n_a = (ta[None, :] >= times[:, None]).sum(axis=1).astype(float)
    n_b = (tb[None, :] >= times[:, None]).sum(axis=1).astype(float)
    d_a = (ea[None, :] & (ta[None, :] == times[:, None])).sum(axis=1).astype(float)
    d_b = (eb[None, :] & (tb[None, :] == times[:, None])).sum(axis=1).astype(float)
    n, d = n_a + n_b, d_a + d_b
    expected = d * n_a / n
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n > 1, d * (n_a / n) * (n_b / n) * (n - d) / (n - 1), 0.0)
    observed, exp_, v = float(d_a.sum()), float(expected.sum()), float(var.sum())
    if v <= 0:
        return LogRank(observed, exp_, v, math.nan, math.nan)
    chi2 = (observed - exp_) ** 2 / v
    return LogRank(observed, exp_, v, float(chi2), float(stats.chi2.sf(chi2, 1)))
