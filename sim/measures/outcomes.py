"""Run-level outcomes: what one run did over its months, as a few numbers per run.

The monthly columns (`sim.measures.monthly`) describe the county month by month; the questions
the lever comparison answers are about a run as a whole: how long the cluster took to reach a
size, whether its chain became complete and stayed so, and whether it kept going once the levers
stopped. Each outcome here is a pure function of one run's **full** monthly timeseries (every
month from 0 to the horizon) and of its scenario; no engine code. The sweep runner computes them
before it thins a run to `keep_months` (`sim.experiments.runner.execute_run`), so a stored run
keeps exact months whatever months it keeps (docs/model.md, section 4.11, "Run-level outcomes").

Times to an event are in months since month 0, with the event's indicator: a run in which the
event has not happened by its horizon is *censored* there (month = horizon, event = 0), which is
what a Kaplan-Meier estimate (`sim.experiments.survival`) takes. So a run that has not taken off
by month 120 counts as "not yet", not as "never": the model has no failure state, and the
comparison reports the probability of take-off *by the horizon* rather than pretending to know
what comes after it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.scenario import Scenario

__all__ = [
    "Timed",
    "completeness_auc",
    "first_held",
    "first_month",
    "label",
    "months_to_multiple",
    "order_columns",
    "outcome_columns",
    "push_end",
    "run_outcomes",
    "self_sustaining",
    "takeoff_name",
    "time_outcomes",
]


@dataclass(frozen=True)
class Timed:
    """Months to an event: the month it happened, or the horizon with `event` False (censored)."""

    month: int
    event: bool


def takeoff_name(multiple: float) -> str:
    """The outcome name of take-off at `multiple` x month-0 employment: takeoff_3x, takeoff_2.5x
    (its columns add _month and _event)."""
    return f"takeoff_{multiple:g}x"


def label(name: str) -> str:
    """What a time outcome measures, for tables and figure titles."""
    if name.startswith("takeoff_") and name.endswith("x"):
        return f"employment at {name.removeprefix('takeoff_')} month 0"
    return {"chain_complete": "a complete chain", "chain_held": "a complete chain held"}.get(
        name, name.replace("_", " ")
    )


def _full_months(months: np.ndarray) -> None:
    """Refuse anything but every month from 0 to the horizon: a thinned series (a sweep's
    `keep_months`) would move first months and shorten spells without a sign of it."""
    if months.size == 0 or months[0] != 0 or np.any(np.diff(months) != 1):
        shown = months[:6].tolist()
        raise ValueError(
            f"run outcomes need every month from 0 to the horizon; got months {shown}... "
            "(a thinned series? compute outcomes before keep_months)"
        )


# ----------------------------------------------------------------------------------- times
def first_month(months: np.ndarray, hit: np.ndarray) -> Timed:
    """The first month in which `hit` holds, or the last month, censored."""
    idx = np.flatnonzero(hit)
    if idx.size:
        return Timed(int(months[idx[0]]), True)
    return Timed(int(months[-1]), False)


def first_held(months: np.ndarray, hit: np.ndarray, hold: int) -> Timed:
    """The month in which `hit` has held for `hold` months in a row for the first time (the last
    month of that spell), or the last month, censored.

    Why the spell's last month and not its first: the event is known only once the spell has
    lasted `hold` months, so a spell that starts close to the horizon is censored there, as a
    Kaplan-Meier estimate requires (timing it at its start would count such spells as failures).
    """
    spell = 0
    for i, h in enumerate(np.asarray(hit, dtype=bool)):
        spell = spell + 1 if h else 0
        if spell >= hold:
            return Timed(int(months[i]), True)
    return Timed(int(months[-1]), False)


def months_to_multiple(months: np.ndarray, employment: np.ndarray, multiple: float) -> Timed:
    """First month in which employment is positive and at least `multiple` times month 0's.

    Only employment counts, from month 0 on, levers or not: the time to a size, the take-off of
    issue 15 (the monthly `taken_off` column also asks for chain coverage after the levers)."""
    hit = (employment > 0) & (employment >= multiple * employment[0])
    return first_month(months, hit)


# ----------------------------------------------------------------------------------- others
def completeness_auc(months: np.ndarray, completeness: np.ndarray) -> float:
    """The area under the chain-completeness curve per month run: the mean of
    `chain_completeness` over months 1..horizon (month 0, the initial state, is the same in
    every arm of a seed and is left out).

    Why a mean and not the area: the mean stays in [0, 1] and compares runs of any horizon (the
    area grows with it). NaN when completeness is undefined (a chain without links)."""
    c = np.asarray(completeness, dtype=float)[np.asarray(months) >= 1]
    if c.size == 0 or np.isnan(c).any():
        return math.nan
    return float(c.mean())


def push_end(scenario: Scenario) -> int:
    """The last month of the push: the last month any enabled lever acts (its window's `end`,
    inclusive: `Scenario.last_lever_end`), or `takeoff.push_end_without_levers` if none is
    enabled.

    Why the configured window, even when a budget runs out earlier: the month must not depend on
    the seed, so that the runs of a seed in every arm are read on the same months. Why a month
    for a run without levers: a paired `no_policy` run is read on the months the lever arms are
    (the default, 60, is the shipped levers' `end`); arms whose windows differ from the
    baseline's are flagged by the comparison (`sustain_from` differs)."""
    end = scenario.last_lever_end()
    return end if end >= 0 else scenario.takeoff.push_end_without_levers


def self_sustaining(months: np.ndarray, employment: np.ndarray, start: int, length: int) -> float:
    """1.0 if employment `length` months after `start` is positive and no lower than at `start`,
    0.0 if it is lower (or zero), NaN if the run ends before `start + length`.

    Brenner (2001) says a cluster exists when its local self-reinforcing processes keep it
    growing without the initial push, and that the way to tell is to switch the push off: here
    the push is the levers (`push_end`), and the cluster is self-sustaining when its employment
    does not decline over the `length` months after it (end to end: month `start + length`
    against month `start`, so one month's noise inside the window does not decide it)."""
    months = np.asarray(months)
    end = start + length
    if end > months[-1] or start < months[0]:
        return math.nan
    at = {int(m): float(e) for m, e in zip(months, employment, strict=True)}
    before, after = at[start], at[end]
    return 1.0 if after > 0 and after >= before else 0.0


# ----------------------------------------------------------------------------------- per run
def run_outcomes(timeseries: Mapping[str, Any], scenario: Scenario) -> dict[str, float | int]:
    """Every run-level outcome of one run, by column name (`outcome_columns` order):

    - `horizon`: the run's last month;
    - per take-off threshold m (`takeoff.thresholds`): `takeoff_<m>x_month`, `takeoff_<m>x_event`
      (`months_to_multiple`);
    - `chain_complete_month`, `chain_complete_event`: first month with `chain_completeness` 1;
    - `chain_held_month`, `chain_held_event`: first month closing `takeoff.chain_hold_months`
      complete months in a row (`first_held`);
    - `completeness_auc` (`completeness_auc`);
    - `sustain_from` (`push_end`), `sustain_to` (`takeoff.sustain_months` later) and
      `self_sustaining` (`self_sustaining` over that window).

    `timeseries`: one run's columns month, employment and chain_completeness, every month from
    0 to the horizon (a DataFrame or a mapping of arrays); raises ValueError otherwise.
    """
    months = np.asarray(timeseries["month"], dtype=np.int64)
    _full_months(months)
    employment = np.asarray(timeseries["employment"], dtype=float)
    completeness = np.asarray(timeseries["chain_completeness"], dtype=float)
    tk = scenario.takeoff
    out: dict[str, float | int] = {"horizon": int(months[-1])}
    complete = completeness >= 1.0  # NaN (no links) is never complete
    times = {takeoff_name(m): months_to_multiple(months, employment, m) for m in tk.thresholds}
    times["chain_complete"] = first_month(months, complete)
    times["chain_held"] = first_held(months, complete, tk.chain_hold_months)
    for name, t in times.items():
        out[f"{name}_month"] = t.month
        out[f"{name}_event"] = int(t.event)
    out["completeness_auc"] = completeness_auc(months, completeness)
    start = push_end(scenario)
    out["sustain_from"] = start
    out["sustain_to"] = start + tk.sustain_months
    out["self_sustaining"] = self_sustaining(months, employment, start, tk.sustain_months)
    return out


def outcome_columns(scenario: Scenario) -> list[str]:
    """The names `run_outcomes` returns for `scenario`, in order."""
    names = [takeoff_name(m) for m in scenario.takeoff.thresholds]
    names += ["chain_complete", "chain_held"]
    cols = ["horizon"] + [f"{n}_{part}" for n in names for part in ("month", "event")]
    return [*cols, "completeness_auc", "sustain_from", "sustain_to", "self_sustaining"]


def time_outcomes(columns: Iterable[str]) -> list[str]:
    """The time outcomes a table holds (both `<name>_month` and `<name>_event`), in its order."""
    cols = list(columns)
    have = set(cols)
    names = [c.removesuffix("_month") for c in cols if c.endswith("_month")]
    return [n for n in names if f"{n}_event" in have]


def order_columns(names: Iterable[str]) -> list[str]:
    """Outcome column names in `outcome_columns` order (thresholds ascending), others after them
    in the order given: records are stored as JSON with sorted keys, which loses the order."""
    fixed = ["chain_complete_month", "chain_complete_event", "chain_held_month"]
    fixed += ["chain_held_event", "completeness_auc", "sustain_from", "sustain_to"]
    fixed += ["self_sustaining"]

    def rank(name: str) -> tuple[int, float, int]:
        if name == "horizon":
            return (0, 0.0, 0)
        head, _, part = name.rpartition("_")
        if head.startswith("takeoff_") and head.endswith("x") and part in ("month", "event"):
            try:
                return (1, float(head[len("takeoff_") : -1]), part == "event")
            except ValueError:
                pass
        if name in fixed:
            return (2, float(fixed.index(name)), 0)
        return (3, 0.0, 0)

    return sorted(names, key=rank)  # stable: unknown names keep their order
