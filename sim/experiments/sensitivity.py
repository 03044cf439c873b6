"""Global sensitivity analysis of a Sobol or Morris sweep: which parameters move which outcomes.

`analyze_sweep(SPEC, out)` runs the sweep file SPEC through `sim.experiments.runner.run_sweep` (so
it is resumable, and runs the same on one process, a process pool or a Dask cluster) and analyses
it with SALib; `python -m sim sensitivity SPEC.yaml [--out results/NAME] [--workers N]
[--scheduler ADDR] [--restart] [--outcomes firms employment ...] [--month M]`
(`sim.cli.sensitivity`) does the same and writes, next to the sweep's results in `--out` (default
results/NAME):

- `sensitivity.csv`: tidy, one row per (arm, outcome, parameter, index): columns arm, outcome,
  parameter, index, value, conf. Sobol indices: `S1` (first order), `ST` (total order) and, for a
  design with `second_order: true`, `S2` (parameter `a:b`, a pair). Morris: `mu_star` (conf: its
  bootstrap half-width), `sigma` and `mu` (no conf). `conf` is the half-width of SALib's bootstrap
  95% interval. `arm` is the sweep's arm (`base` when the file has none): each arm is analysed on
  its own, as its own sensitivity question.
- `sensitivity.md`: the setup, the method and one table per arm and outcome, with the share of
  the variance that is replicate noise (below); `sensitivity.png`: per outcome, S1 and ST with
  error bars (Sobol), or mu_star against sigma (Morris).

Only `design: {kind: sobol}` and `{kind: morris}` can be analysed; any other design is refused
before anything runs or is written (one line naming the file and key, exit status 2).

What is analysed, exactly:

- Outcome: a measure (a timeseries column) at the horizon, i.e. each run's last stored month, or
  at `--month M` (which must be stored: see the sweep's `keep_months`).
- Replicates: the outcome is averaged over the replicates of each design point (and arm), and the
  analysis is done on these point means. The indices therefore apportion the variance of the
  *expected* outcome E[Y | parameters] (estimated with R replicates), which is the question
  "which parameters matter" asks; the seeds' own randomness is not a factor. Replicate noise left
  in the means (its variance is the within-point variance / R) acts like an interaction in the
  estimators: it lowers the sum of S1 below 1 and raises every ST above its S1. `sensitivity.md`
  reports it as the noise share, mean within-point variance / R / variance of the point means; when
  it is large, add replicates (or base samples) before reading small indices.
- Inputs: the analysis uses `sim.experiments.runner.salib_problem(plan)` (names and number of
factors; the
  bounds do not enter either estimator) and the design's sample matrix as the sweep made it: the
  unit-cube coordinates stored in points.parquet (`unit:KEY` columns), one row per point in point
  order, which is SALib's sampler order (sim.experiments.runner keeps it). The structure SALib's
  estimators assume is checked before analysing (Saltelli blocks A, AB_j, [BA_j,] B; Morris
  trajectories that move one factor per step). The unit coordinates, not the factor values, are what
  Morris reads: an integer factor can map two neighbouring levels onto one value. Morris' elementary
  effects are therefore in outcome units per full factor range (the step is divided by its length in
  the unit cube); Sobol indices do not depend on the parametrisation. Log factors are analysed as
  sampled, log-uniformly.
- Confidence: SALib's bootstrap (1,000 resamples, 95%), its random stream seeded from the sweep's
  root_seed, so the whole report is reproducible.

A run that failed stops the analysis (exit status 1): the point means would be biased, and Sobol
needs every point. Rerun the same command: the sweep resumes and retries failed runs only. The
analysis itself (`analyze_design`, `sensitivity_table`) is a pure function of (design, outputs).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.compare import OUTCOMES
from sim.io.errors import InputError

__all__ = [
    "ANALYSED",
    "DEFAULT_OUTCOMES",
    "SensitivityError",
    "analyze_design",
    "analyze_sweep",
    "check_structure",
    "sensitivity_table",
]

ANALYSED = ("sobol", "morris")
DEFAULT_OUTCOMES = OUTCOMES  # the outcomes the lever comparison reports
RESAMPLES = 1000  # bootstrap resamples for the confidence intervals
CONF_LEVEL = 0.95
CI_STREAM = 0x5E45  # spawn key of the bootstrap's stream (apart from runs' and design's)
CSV = "sensitivity.csv"
MD = "sensitivity.md"
PNG = "sensitivity.png"
COLUMNS = ["arm", "outcome", "parameter", "index", "value", "conf"]


class SensitivityError(InputError):
    """A sensitivity request that cannot be served (one line, exit status 2, nothing written)."""


class IncompleteSweepError(RuntimeError):
    """Some runs of the sweep failed or are missing: the analysis needs every design point."""


# ----------------------------------------------------------------------------------- analysis
def check_structure(
    kind: str, X: np.ndarray, *, second_order: bool = False, levels: int = 4
) -> None:
    """Raise ValueError unless X (points x factors, in point order) has the layout SALib's
    estimators read: Saltelli blocks of A, AB_1..AB_D, [BA_1..BA_D,] B for sobol (AB_j is A with
    column j from B); trajectories of D+1 points moving one factor at a time for morris."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError(f"the design matrix must be 2-D with at least one column, got {X.shape}")
    n, d = X.shape
    if kind == "sobol":
        size = 2 * d + 2 if second_order else d + 2
        if n % size:
            raise ValueError(f"{n} points are not whole Saltelli blocks of {size} (D={d})")
        blocks = X.reshape(n // size, size, d)
        a, b = blocks[:, 0], blocks[:, -1]
        for j in range(d):
            ab = a.copy()
            ab[:, j] = b[:, j]
            if not np.array_equal(blocks[:, 1 + j], ab):
                raise ValueError(
                    f"row {1 + j} of the Saltelli blocks is not A with column {j} of B"
                )
            if second_order:
                ba = b.copy()
                ba[:, j] = a[:, j]
                if not np.array_equal(blocks[:, 1 + d + j], ba):
                    raise ValueError(
                        f"row {1 + d + j} of the Saltelli blocks is not B with column {j} of A"
                    )
        return
    if kind == "morris":
        size = d + 1
        if n % size:
            raise ValueError(f"{n} points are not whole Morris trajectories of {size} (D={d})")
        steps = np.diff(X.reshape(n // size, size, d), axis=1)
        moved = (np.abs(steps) > 1e-12).sum(axis=2)
        if not (moved == 1).all():
            raise ValueError("a Morris trajectory step moves more or less than one factor")
        if not (np.abs(steps) > 1e-12).any(axis=1).all():
            raise ValueError("a Morris trajectory does not move every factor once")
        return
    raise ValueError(f"design '{kind}' is not analysed: use {' or '.join(ANALYSED)}")


def analyze_design(
    kind: str,
    problem: dict[str, Any],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    second_order: bool = False,
    levels: int = 4,
    seed: int = 1,
    num_resamples: int = RESAMPLES,
    conf_level: float = CONF_LEVEL,
) -> pd.DataFrame:
    """Sensitivity indices of one outcome vector Y over the design X (rows in SALib's sample
    order): a DataFrame with columns parameter, index, value, conf. A pure function.

    sobol: S1 and ST per parameter (and S2 per pair `a:b` with `second_order`), from SALib's
    Saltelli estimators; X is only checked for structure. morris: mu_star (conf: bootstrap half
    width), sigma and mu per parameter, from the elementary effects of X (unit-cube coordinates)
    and Y. Y must be finite and not constant (see `sensitivity_table` for how that is handled).
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).ravel()
    names = list(problem["names"])
    if X.shape != (Y.size, len(names)):
        raise ValueError(f"X is {X.shape}, Y has {Y.size} values and there are {len(names)} names")
    check_structure(kind, X, second_order=second_order, levels=levels)
    seed = int(seed) or 1  # SALib's sobol.analyze ignores a seed of 0
    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if kind == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(
                problem,
                Y,
                calc_second_order=second_order,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed,
            )
            for index in ("S1", "ST"):
                for j, name in enumerate(names):
                    rows.append(_row(name, index, si[index][j], si[f"{index}_conf"][j]))
            if second_order:
                for j in range(len(names)):
                    for k in range(j + 1, len(names)):
                        pair = f"{names[j]}:{names[k]}"
                        rows.append(_row(pair, "S2", si["S2"][j, k], si["S2_conf"][j, k]))
        else:
            from SALib.analyze import morris

            si = morris.analyze(
                problem,
                X,
                Y,
                num_resamples=num_resamples,
                conf_level=conf_level,
                num_levels=levels,
                seed=seed,
            )
            for j, name in enumerate(names):
                rows.append(_row(name, "mu_star", si["mu_star"][j], si["mu_star_conf"][j]))
                rows.append(_row(name, "sigma", si["sigma"][j], math.nan))
                rows.append(_row(name, "mu", si["mu"][j], math.nan))
    return pd.DataFrame(rows, columns=["parameter", "index", "value", "conf"])


def _row(parameter: str, index: str, value: Any, conf: Any) -> dict[str, Any]:
    return {"parameter": parameter, "index": index, "value": float(value), "conf": float(conf)}


@dataclass
class OutcomeNote:
    """What was found about one (arm, outcome) besides its indices."""

    arm: str
    outcome: str
    mean: float = math.nan  # of the point means
    sd: float = math.nan  # of the point means
    noise_share: float = math.nan  # replicate noise in the variance of the point means
    skipped: str = ""  # why it was not analysed ("" if it was)


@dataclass
class Analysis:
    table: pd.DataFrame  # COLUMNS
    notes: list[OutcomeNote] = field(default_factory=list)
    month: str = "horizon"  # what month was analysed, in words


def outcome_at(timeseries: pd.DataFrame, month: int | None) -> pd.DataFrame:
    """One row per run: the horizon (each run's last stored month) or `month`."""
    ts = timeseries
    if month is None:
        last = ts.groupby("run")["month"].transform("max")
        return ts[ts["month"] == last]
    return ts[ts["month"] == month]


def sensitivity_table(
    kind: str,
    problem: dict[str, Any],
    X: np.ndarray,
    timeseries: pd.DataFrame,
    outcomes: Sequence[str],
    *,
    month: int | None = None,
    replicates: int | None = None,
    second_order: bool = False,
    levels: int = 4,
    seed: int = 1,
    num_resamples: int = RESAMPLES,
) -> Analysis:
    """The indices of every (arm, outcome) from stacked per-run timeseries (columns run, point,
    arm, replicate, month and the outcomes; point p is row p of X). A pure function.

    Each outcome is taken at `month` (default: each run's last month) and averaged over the
    replicates of each point, per arm; every point must have the same number of replicates
    (`replicates`, if given). An outcome that is not finite at every point, or constant over the
    points, is skipped, with the reason in the notes.
    """
    X = np.asarray(X, dtype=float)
    n_points = X.shape[0]
    at = outcome_at(timeseries, month)
    frames, notes = [], []
    for arm, grp in at.groupby("arm", sort=False):
        counts = grp.groupby("point")["run"].nunique().reindex(range(n_points), fill_value=0)
        if replicates is not None and not (counts == replicates).all():
            bad = int(counts.index[counts != replicates][0])
            raise IncompleteSweepError(
                f"arm {arm}: point {bad} has {int(counts[bad])} runs at the month analysed, "
                f"expected {replicates}"
            )
        if counts.min() < 1 or counts.nunique() != 1:
            raise IncompleteSweepError(
                f"arm {arm}: the points have {counts.min()} to {counts.max()} runs each; "
                "the analysis needs every point with the same number of replicates"
            )
        r = int(counts.iloc[0])
        for outcome in outcomes:
            by_point = grp.groupby("point")[outcome]
            y = by_point.mean().reindex(range(n_points)).to_numpy(dtype=float)
            note = OutcomeNote(str(arm), outcome)
            notes.append(note)
            if not np.isfinite(y).all():
                bad = int(np.flatnonzero(~np.isfinite(y))[0])
                note.skipped = f"not finite at {int((~np.isfinite(y)).sum())} points (e.g. {bad})"
                continue
            note.mean, note.sd = float(y.mean()), float(y.std(ddof=1)) if y.size > 1 else 0.0
            if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
                note.skipped = f"constant over the points ({y[0]:g}): no variance to apportion"
                continue
            if r > 1:
                within = float(by_point.var(ddof=1).mean())
                note.noise_share = within / r / float(y.var(ddof=1))
            res = analyze_design(
                kind,
                problem,
                X,
                y,
                second_order=second_order,
                levels=levels,
                seed=seed,
                num_resamples=num_resamples,
            )
            res.insert(0, "outcome", outcome)
            res.insert(0, "arm", str(arm))
            frames.append(res)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    label = "horizon (each run's last month)" if month is None else f"month {month}"
    return Analysis(table=table[COLUMNS], notes=notes, month=label)


# ----------------------------------------------------------------------------------- checks
def _check_request(plan: Any, outcomes: Sequence[str], month: int | None) -> None:
    """Refuse, before anything runs, a design that cannot be analysed, an unknown outcome and a
    month that is not stored (SensitivityError: one line)."""
    from sim.core.chain import build_chain
    from sim.core.space import build_county
    from sim.io.loading import with_overrides
    from sim.measures.monthly import columns

    source = str(plan.path)
    kind = plan.spec.design.kind
    if kind not in ANALYSED:
        raise SensitivityError(
            source,
            "design.kind",
            f"design '{kind}' cannot be analysed for sensitivity; allowed: sobol (Saltelli: first "
            "and total order indices) or morris (elementary effects), with factor ranges",
        )
    arms = {name: with_overrides(plan.arm_base(name), ov) for name, ov in plan.arms.items()}
    known: set[str] | None = None
    for sc in arms.values():
        cols = set(columns(build_chain(sc), build_county(sc), sc.lever_names())) - {"month"}
        known = cols if known is None else known & cols
    known = known or set()
    if not outcomes:
        raise SensitivityError("--outcomes", "", "give at least one measure")
    for name in outcomes:
        if name not in known:
            shown = ", ".join(m for m in DEFAULT_OUTCOMES if m in known)
            raise SensitivityError(
                "--outcomes",
                "",
                f"'{name}' is not a measure of this sweep; e.g. {shown} (any column of a "
                "run's timeseries.parquet but month)",
            )
    if month is None:
        return
    if month < 0:
        raise SensitivityError("--month", "", f"a month is >= 0, got {month}")
    if any(k == "run.months" or k.startswith("run.months.") for k in plan.factor_keys):
        return  # horizons vary by point: checked on the results
    keep = plan.spec.keep_months
    for name, sc in arms.items():
        horizon = sc.run.months
        if month > horizon:
            raise SensitivityError(
                "--month", "", f"month {month} is after the horizon of arm '{name}' ({horizon})"
            )
        kept = (
            True
            if keep is None
            else month in keep
            if isinstance(keep, list)
            else month % keep == 0 or month == horizon
        )
        if not kept:
            raise SensitivityError(
                "--month",
                "",
                f"month {month} is not stored by the sweep (keep_months: {keep}); use a stored "
                f"month or leave --month out for the horizon ({horizon})",
            )


def _design_matrix(out: Path, plan: Any) -> np.ndarray:
    """The unit-cube sample as the sweep stored it (points.parquet), in point order."""
    from sim.experiments.store import POINTS

    points = pd.read_parquet(out / POINTS).sort_values("point")
    cols = [f"unit:{k}" for k in plan.factor_keys]
    missing = [c for c in cols if c not in points]
    if missing or list(points["point"]) != list(range(len(plan.points))):
        raise IncompleteSweepError(
            f"{out / POINTS} does not hold the sweep's {len(plan.points)} points with columns "
            f"{cols}"
        )
    X = points[cols].to_numpy(dtype=float)
    if plan.unit is not None and not np.array_equal(X, np.asarray(plan.unit, dtype=float)):
        raise IncompleteSweepError(f"{out / POINTS} differs from the design of {plan.path}")
    return X


def _ci_seed(root_seed: int) -> int:
    seq = np.random.SeedSequence(root_seed, spawn_key=(CI_STREAM,))
    return int(seq.generate_state(1)[0]) or 1


# ----------------------------------------------------------------------------------- a sweep
@dataclass
class SweepAnalysis:
    """A sensitivity sweep's plan, its results folder and its analysis."""

    plan: Any
    root: Path
    analysis: Analysis


def analyze_sweep(
    path: str | Path,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    restart: bool = False,
    outcomes: Sequence[str] | None = None,
    month: int | None = None,
    progress: bool = False,
) -> SweepAnalysis:
    """Run (or resume) the sweep in `path` into its results folder `out` (default
    results/NAME) and analyse it; nothing is written beyond the sweep's own results
    (`sim.cli.sensitivity.run_sensitivity` writes the report).

    Raises SweepError / SensitivityError (InputError: one line, nothing written) on bad input,
    and IncompleteSweepError when some runs failed (rerun to retry them).
    """
    from sim.experiments.runner import load_sweep, run_sweep, salib_problem
    from sim.experiments.store import load_results

    plan = load_sweep(path)
    outcomes = list(outcomes) if outcomes else list(DEFAULT_OUTCOMES)
    _check_request(plan, outcomes, month)
    root = run_sweep(path, out, workers, scheduler, restart, progress)

    runs, ts = load_results(root)
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    if len(failed) or len(runs) != plan.n_runs:
        raise IncompleteSweepError(
            f"{len(failed)} of {plan.n_runs} runs failed and {plan.n_runs - len(runs)} are "
            f"missing (see the status and error columns of {root / 'runs.parquet'}); rerun the "
            "same command to retry them"
        )
    if month is not None:
        have = ts[ts["month"] == month].groupby("run").size()
        if len(have) != plan.n_runs:
            raise SensitivityError(
                "--month", "", f"month {month} is not stored in every run of {root}"
            )
    X = _design_matrix(root, plan)
    design = plan.spec.design
    analysis = sensitivity_table(
        design.kind,
        salib_problem(plan),
        X,
        ts,
        outcomes,
        month=month,
        replicates=plan.spec.replicates,
        second_order=design.kind == "sobol" and design.second_order,
        levels=design.levels,
        seed=_ci_seed(plan.spec.root_seed),
    )
    return SweepAnalysis(plan, root, analysis)
