"""Parameter sweeps: a YAML file of arms x design points x replicates, run anywhere, resumable.

The sweep file, its validation, the designs and the seeds are `sim.experiments.plan`'s (its
docstring describes the file). This module runs a plan: each run in a worker (`execute_run`), the
driver that keeps an executor busy and stores every run as it finishes (`run_sweep`), and the
`python -m sim sweep` command (`sim.cli.sweep`).

Running. `run_sweep(path, out)` or `python -m sim sweep FILE --out results/NAME [--workers N]
[--scheduler local|tcp://host:port] [--restart]`. Results are stored per run as they finish
(sim.experiments.store); rerunning the same command resumes, running only what is missing. A run
that raises is recorded (status error, the error and its traceback) and the sweep goes on; such runs
are tried again when the sweep is resumed. A run's outcomes (`sim.measures.outcomes`: months to
take-off, to a complete chain...) are computed in the worker from its full timeseries, before
`keep_months` thins it, and stored with its record (columns of the runs table).
`sim.experiments.store.load_results(out)` reads it all back.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.executors import open_executor
from sim.experiments.plan import (
    RunTask,
    SweepPlan,
    load_sweep,
    run_seed,
    salib_problem,
)
from sim.experiments.store import (
    ARM_COPIES,
    BASE_COPY,
    POINTS,
    SWEEP_COPY,
    SweepError,
    SweepStore,
    column_value,
    load_results,
)
from sim.io.files import atomic_write, atomic_write_text, git_commit, package_versions
from sim.io.loading import scenario_to_yaml
from sim.measures.kdensity import localisation_outcomes

POOL_RETRIES = 2  # a run in flight when a local worker process dies is resubmitted this often

__all__ = [
    "SweepError",
    "SweepPlan",
    "load_results",
    "load_sweep",
    "run_seed",
    "run_sweep",
    "salib_problem",
]


# ----------------------------------------------------------------------------------- one run
def _keep(ts: pd.DataFrame, keep: Any) -> pd.DataFrame:
    if keep is None or ts.empty:
        return ts
    month = ts["month"]
    mask = (
        month.isin(keep) if isinstance(keep, list) else (month % keep == 0) | (month == month.max())
    )
    return ts[mask]


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one task (in a worker). Never raises for a failing run: returns its error instead."""
    from sim.experiments.run import run

    t0 = time.perf_counter()
    out: dict[str, Any] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        result = run(task.scenario(), engine=task.engine, seed=task.seed)
        # from the full series, before keep_months thins it: exact months whatever is kept
        out["outcomes"] = result.outcomes()
        if task.kdensity_draws:
            done = result.duranton_overman(task.kdensity_draws)
            out["outcomes"].update(localisation_outcomes(done))
        out["timeseries"] = _keep(result.timeseries, task.keep_months).reset_index(drop=True)
        out["status"] = "ok"
        out["error"] = ""
    except Exception as exc:
        out.update(_error_fields(exc))
        out["traceback"] = traceback.format_exc()
    out["wall_seconds"] = time.perf_counter() - t0
    return out


def _error_fields(exc: BaseException) -> dict[str, Any]:
    text = " ".join(str(exc).split()) or "(no message)"
    return {"status": "error", "error": f"{type(exc).__name__}: {text}"}


def _record(task: RunTask, out: dict[str, Any]) -> dict[str, Any]:
    return {
        "run": task.key,
        "point": task.point,
        "arm": task.arm,
        "replicate": task.replicate,
        "seed": task.seed,
        "factors": {k: _jsonable(v) for k, v in task.factors.items()},
        "outcomes": {k: _jsonable(v) for k, v in out.get("outcomes", {}).items()},
        "status": out["status"],
        "error": out.get("error", ""),
        "traceback": out.get("traceback", ""),
        "wall_seconds": round(float(out.get("wall_seconds", float("nan"))), 4),
        "worker": out.get("worker", ""),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _stored_frame(task: RunTask, ts: pd.DataFrame) -> pd.DataFrame:
    front = {
        "run": task.key,
        "point": task.point,
        "arm": task.arm,
        "replicate": task.replicate,
        "seed": task.seed,
    }
    front.update({k: column_value(v) for k, v in task.factors.items()})
    head = pd.DataFrame({k: [v] * len(ts) for k, v in front.items()}, index=ts.index)
    if "seed" in head:
        head["seed"] = head["seed"].astype("int64")
    return pd.concat([head, ts], axis=1)


# ----------------------------------------------------------------------------------- the driver
def _pump(
    executor: Executor,
    queue: deque[RunTask],
    attempts: Counter[str],
    handle: Callable[[RunTask, dict[str, Any]], None],
) -> bool:
    """Run the queue on `executor`, handling each result as it comes. Returns True if the
    executor broke (a local worker process died); the runs to retry are back in the queue."""
    slots = max(1, int(getattr(executor, "slots", 1)))
    inflight: dict[Future, RunTask] = {}
    broken = False
    while (queue and not broken) or inflight:
        while queue and not broken and len(inflight) < slots:
            task = queue.popleft()
            try:
                inflight[executor.submit(execute_run, task)] = task
            except BrokenExecutor:
                queue.appendleft(task)
                broken = True
        if not inflight:
            break
        done, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for future in done:
            task = inflight.pop(future)
            try:
                out = future.result()
            except BrokenExecutor as exc:
                broken = True
                attempts[task.key] += 1
                if attempts[task.key] <= POOL_RETRIES:
                    queue.append(task)
                    continue
                out = {**_error_fields(exc), "traceback": "a worker process died running it"}
            except Exception as exc:  # e.g. dask's KilledWorker after its retries
                out = {**_error_fields(exc), "traceback": "".join(traceback.format_exception(exc))}
            handle(task, out)
    return broken


def _versions() -> dict[str, str]:
    out = package_versions()
    for name in ("SALib", "dask", "distributed"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _manifest(plan: SweepPlan) -> dict[str, Any]:
    return {
        "name": plan.spec.name,
        "sweep_file": str(plan.path.resolve()),
        "sweep_sha256": plan.sweep_sha256,
        "base_file": str(plan.base_path.resolve()),
        "base_sha256": plan.base_sha256,
        "arm_files": _arm_files(plan),
        "arm_sha256": dict(plan.arm_sha256),
        "engine": plan.spec.engine,
        "root_seed": plan.spec.root_seed,
        "replicates": plan.spec.replicates,
        "arms": list(plan.arms),
        "points": len(plan.points),
        "runs": plan.n_runs,
        "run_key": "p{point:05d}-{arm}-r{replicate:04d}",
        "seed_rule": "int(np.random.SeedSequence([root_seed, point, replicate])"
        ".generate_state(1)[0])",
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": _versions(),
        "created": _now(),
        "sessions": [],
        "sweep": plan.resolved(),
    }


def _arm_files(plan: SweepPlan) -> dict[str, str]:
    """The scenario file of every arm that runs on one of its own (`scenario:`), resolved."""
    return {arm: str(plan.arm_file(arm).resolve()) for arm in plan.arm_scenarios}


@dataclass
class SweepOutcome:
    out: Path
    total: int
    skipped: int  # already done when this session started
    ok: int
    failed: int


def run_sweep(
    path: str | Path,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    restart: bool = False,
    progress: bool = False,
) -> Path:
    """Run (or resume) the sweep in `path` into `out` (default results/NAME); return `out`
    (`sweep_outcome` also says how many runs were done, skipped and failed).

    Raises SweepError / ScenarioError / ExecutorError (InputError: one line, nothing written) on
    bad input, a changed sweep file without `restart`, or an unreachable scheduler.
    """
    return sweep_outcome(path, out, workers, scheduler, restart, progress).out


def sweep_outcome(
    path: str | Path,
    out: str | Path | None,
    workers: int,
    scheduler: str | None,
    restart: bool,
    progress: bool,
) -> SweepOutcome:
    plan = load_sweep(path)
    root = Path(out) if out is not None else Path("results") / plan.spec.name
    store = SweepStore(root)
    inputs = (str(plan.path), plan.sweep_sha256, plan.base_sha256)
    arm_files = _arm_files(plan)
    mode = store.check_can_write(*inputs, restart, plan.arm_sha256, arm_files)
    tasks = plan.tasks()

    with open_executor(workers, scheduler) as executor, store.lock():
        # checked again under the lock: another process may have started meanwhile
        mode = store.check_can_write(*inputs, restart, plan.arm_sha256, arm_files)
        if mode == "restart":
            store.clear()
            mode = "new"
        manifest = store.read_manifest() if mode == "resume" else None
        if manifest is None:
            manifest = _manifest(plan)
        store.prepare()
        if mode == "new":
            atomic_write_text(root / SWEEP_COPY, plan.path.read_text(encoding="utf-8"))
            atomic_write_text(root / BASE_COPY, scenario_to_yaml(plan.base))
            for arm in plan.arm_scenarios:
                (root / ARM_COPIES).mkdir(exist_ok=True)
                text = scenario_to_yaml(plan.arm_base(arm))
                atomic_write_text(root / ARM_COPIES / f"{arm}.yaml", text)
            table = plan.points_table()
            atomic_write(root / POINTS, lambda p: table.to_parquet(p, index=False))
        store.restore_records()
        done = store.done_keys()
        pending = deque(t for t in tasks if t.key not in done)
        skipped = len(tasks) - len(pending)
        commit = git_commit()
        if manifest.get("git_commit") != commit and mode == "resume":
            print(
                f"warning: resuming a sweep started at commit {manifest.get('git_commit')} "
                f"with commit {commit}; runs of either may differ",
                file=sys.stderr,
            )
        session = {
            "started": _now(),
            "git_commit": commit,
            "executor": getattr(executor, "description", type(executor).__name__),
            "pending": len(pending),
        }
        manifest.setdefault("sessions", []).append(session)
        store.write_manifest(manifest)

        from tqdm import tqdm

        counts = Counter()
        bar = tqdm(
            total=len(tasks),
            initial=skipped,
            desc=plan.spec.name,
            unit="run",
            file=sys.stderr,
            disable=None if progress else True,
            dynamic_ncols=True,
            postfix={"failed": 0},
        )

        def handle(task: RunTask, result: dict[str, Any]) -> None:
            record = _record(task, result)
            if result["status"] == "ok":
                store.write_run(task.key, _stored_frame(task, result["timeseries"]), record)
                counts["ok"] += 1
            else:
                store.write_record(task.key, record)
                counts["failed"] += 1
                bar.set_postfix(failed=counts["failed"], refresh=False)
            bar.update(1)

        attempts: Counter[str] = Counter()
        try:
            broken = _pump(executor, pending, attempts, handle)
            while broken and pending:  # only a local process pool breaks: open a fresh one
                with open_executor(workers, None) as fresh:
                    broken = _pump(fresh, pending, attempts, handle)
        finally:
            bar.close()

        store.write_runs_table(store.runs_table(plan.arms, plan.factor_keys))
        session.update(finished=_now(), ok=counts["ok"], failed=counts["failed"])
        store.write_manifest(manifest)
    return SweepOutcome(root, len(tasks), skipped, counts["ok"], counts["failed"])
