"""A sweep's results folder: one file per run, written whole or not at all, so a sweep resumes.

Layout of `results/NAME/`:

- `manifest.yaml`: sweep file sha256, resolved base scenario sha256 (and, for arms on a scenario
  file of their own, `arm_files` and `arm_sha256`: each file and its resolved scenario's sha256),
  git commit, package versions, root seed, engine, number of points and runs, the resolved sweep,
  and one entry per session (started, finished, executor, commit, runs ok and failed).
- `sweep.yaml`: the sweep file as given; `base_scenario.yaml`: the resolved base scenario (every
  default spelled out, `months` and `overrides` applied); `arm_scenarios/<arm>.yaml`: the same for
  each arm on a scenario file of its own.
- `points.parquet`: the design, one row per point: its factor values (one column per dotted key)
  and, for sampled designs, its unit-cube coordinates (`unit:KEY`).
- `runs/<run>.parquet`: one finished run: its kept timeseries with columns run, point, arm,
  replicate, seed, the factor values, then month and the measures; its status record is in the
  Parquet metadata too.
- `records/<run>.json`: the status record of a finished or failed run: status (ok/error), error,
  traceback, wall_seconds, worker, finished, and a finished run's outcomes
  (`sim.measures.outcomes.run_outcomes`, computed from its full timeseries).
- `runs.parquet`: every recorded run: run, point, arm, replicate, seed, factor values, status,
  error, wall_seconds, worker, finished, then one column per run-level outcome (horizon,
  takeoff_<m>x_month and _event per threshold, chain_complete_month..., self_sustaining; NaN for
  a failed run); rebuilt from the records when a session ends.

Every file is written to a temporary file in its folder and renamed when whole, so a file that
exists is complete: a sweep killed at any moment (even SIGKILL) loses at most the runs in flight.
A run counts as done when `runs/<run>.parquet` exists; a run with an error record only is tried
again when the sweep is resumed (errors from a dead worker or a full disk are often transient;
deterministic ones simply recur).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.io.errors import InputError
from sim.io.files import atomic_write, atomic_write_text
from sim.measures.outcomes import order_columns

MANIFEST = "manifest.yaml"
RUNS_DIR = "runs"
RECORDS_DIR = "records"
RUNS_TABLE = "runs.parquet"
POINTS = "points.parquet"
SWEEP_COPY = "sweep.yaml"
BASE_COPY = "base_scenario.yaml"
ARM_COPIES = "arm_scenarios"
LOCK = ".lock"
META_KEY = b"clustersim.run"
OURS = (MANIFEST, RUNS_TABLE, POINTS, SWEEP_COPY, BASE_COPY, LOCK)
RECORD_COLUMNS = ("status", "error", "wall_seconds", "worker", "finished")
KEY_COLUMNS = ("run", "point", "arm", "replicate", "seed")


class SweepError(InputError):
    """A sweep file, or the folder it writes to, cannot be used (one line, exit status 2)."""


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def column_value(value: Any) -> Any:
    """A factor value as a table cell: scalars as they are, lists and mappings as JSON text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, sort_keys=True)


class SweepStore:
    """The files of one sweep's results folder (see the module doc)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / RUNS_DIR
        self.records_dir = self.root / RECORDS_DIR
        self._lock_file: Any = None

    # ------------------------------------------------------------------ manifest and state
    def read_manifest(self) -> dict[str, Any] | None:
        path = self.root / MANIFEST
        if not path.is_file():
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            data = None
        if not isinstance(data, dict):
            raise SweepError(str(path), "", "is not a sweep manifest; move the folder away")
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
        atomic_write_text(self.root / MANIFEST, text)

    def check_can_write(
        self,
        sweep_file: str,
        sweep_sha: str,
        base_sha: str,
        restart: bool,
        arm_sha: dict[str, str] | None = None,
        arm_files: dict[str, str] | None = None,
    ) -> str:
        """Whether this folder may take the sweep: 'new', 'resume' or 'restart'. Reads only.

        Refuses (SweepError) a folder that holds something else than a sweep, and a sweep whose
        file, base scenario or arms' scenario files (`arm_sha`: arm -> sha256 of its resolved
        scenario, for arms on a file of their own; `arm_files`: arm -> file, for the message)
        changed since the folder was started, unless `restart`.
        """
        if not self.root.exists():
            return "new"
        if not self.root.is_dir():
            raise SweepError(str(self.root), "", "exists and is not a folder")
        manifest = self.read_manifest()
        if manifest is None:
            if any(p.name != LOCK for p in self.root.iterdir()):
                raise SweepError(
                    str(self.root),
                    "",
                    "exists, is not empty and holds no sweep manifest.yaml; "
                    "choose another --out (nothing is deleted here)",
                )
            return "new"
        if restart:
            return "restart"
        if manifest.get("sweep_sha256") != sweep_sha:
            done = len(self.done_keys())
            raise SweepError(
                sweep_file,
                "",
                f"changed since the sweep in {self.root} was started ({done} runs done with the "
                "old file); rerun with --restart to discard them, or write to another --out",
            )
        if manifest.get("base_sha256") != base_sha:
            raise SweepError(
                str(manifest.get("base_file", sweep_file)),
                "",
                f"the base scenario changed since the sweep in {self.root} was started; rerun "
                "with --restart to discard its runs, or write to another --out",
            )
        then, now = manifest.get("arm_sha256") or {}, arm_sha or {}
        for arm in sorted(set(then) | set(now)):
            if then.get(arm) != now.get(arm):
                file = (arm_files or {}).get(arm) or (manifest.get("arm_files") or {}).get(arm)
                raise SweepError(
                    str(file or sweep_file),
                    "",
                    f"the scenario of arm '{arm}' changed since the sweep in {self.root} was "
                    "started; rerun with --restart to discard its runs, or write to another --out",
                )
        return "resume"

    def clear(self) -> None:
        """Delete what a sweep wrote here (and only that): for --restart."""
        for name in (RUNS_DIR, RECORDS_DIR, ARM_COPIES):
            shutil.rmtree(self.root / name, ignore_errors=True)
        for name in OURS:
            if name != LOCK:
                (self.root / name).unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder while a sweep writes to it (released on exit or
        when the process dies, even by SIGKILL)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no locking
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        handle = (self.root / LOCK).open("a+")
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SweepError(
                    str(self.root), "", "another sweep process is writing to this folder"
                ) from None
            yield
        finally:
            handle.close()

    def prepare(self) -> None:
        """Create the folders and remove temporary files left by a killed sweep."""
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.records_dir.mkdir(parents=True, exist_ok=True)
        for folder in (self.root, self.runs_dir, self.records_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------------ runs
    def run_path(self, key: str) -> Path:
        return self.runs_dir / f"{key}.parquet"

    def record_path(self, key: str) -> Path:
        return self.records_dir / f"{key}.json"

    def done_keys(self) -> set[str]:
        """Runs whose timeseries file exists (hence is complete)."""
        if not self.runs_dir.is_dir():
            return set()
        return {p.stem for p in self.runs_dir.glob("*.parquet")}

    def write_run(self, key: str, timeseries: pd.DataFrame, record: dict[str, Any]) -> None:
        """The run's timeseries (record in its metadata), then its record: both atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(timeseries, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[META_KEY] = json.dumps(record, sort_keys=True).encode("utf-8")
        table = table.replace_schema_metadata(meta)
        atomic_write(self.run_path(key), lambda p: pq.write_table(table, p))
        self.write_record(key, record)

    def write_record(self, key: str, record: dict[str, Any]) -> None:
        atomic_write_text(self.record_path(key), json.dumps(record, sort_keys=True, indent=1))

    def restore_records(self) -> int:
        """Write the record of every finished run whose record file is missing or stale (the sweep
        was killed between the two writes), from the run file's metadata. Returns how many."""
        import pyarrow.parquet as pq

        restored = 0
        for key in sorted(self.done_keys()):
            path = self.record_path(key)
            if path.is_file():
                try:
                    if json.loads(path.read_text(encoding="utf-8")).get("status") == "ok":
                        continue
                except ValueError:
                    pass
            meta = pq.read_schema(self.run_path(key)).metadata or {}
            if META_KEY in meta:
                self.write_record(key, json.loads(meta[META_KEY]))
                restored += 1
        return restored

    def records(self) -> list[dict[str, Any]]:
        out = []
        if self.records_dir.is_dir():
            for path in sorted(self.records_dir.glob("*.json")):
                out.append(json.loads(path.read_text(encoding="utf-8")))
        return out

    def runs_table(self, arm_order: Iterable[str] = (), factor_keys: Iterable[str] = ()):
        """The runs table from the records, sorted by point, arm (sweep order), replicate."""
        rows = []
        factor_keys = list(factor_keys)
        outcome_keys: list[str] = []
        for rec in self.records():
            row = {k: rec.get(k) for k in KEY_COLUMNS}
            for k, v in (rec.get("factors") or {}).items():
                row[k] = column_value(v)
                if k not in factor_keys:
                    factor_keys.append(k)
            row.update({k: rec.get(k) for k in RECORD_COLUMNS})
            for k, v in (rec.get("outcomes") or {}).items():
                row[k] = v
                if k not in outcome_keys:
                    outcome_keys.append(k)
            rows.append(row)
        outcome_keys = order_columns(outcome_keys)
        columns = [*KEY_COLUMNS, *factor_keys, *RECORD_COLUMNS, *outcome_keys]
        table = pd.DataFrame(rows, columns=columns)
        for k in outcome_keys:  # numbers, NaN where a run failed (or its record predates them)
            table[k] = pd.to_numeric(table[k], errors="coerce").astype(float)
        return _sort_runs(table, list(arm_order))

    def write_runs_table(self, table: pd.DataFrame) -> None:
        atomic_write(self.root / RUNS_TABLE, lambda p: table.to_parquet(p, index=False))


def _sort_runs(table: pd.DataFrame, arm_order: list[str]) -> pd.DataFrame:
    if table.empty:
        return table.reset_index(drop=True)
    order = {a: i for i, a in enumerate(arm_order)}
    rank = table["arm"].map(lambda a: order.get(a, len(order)))
    keys = ["point", "_arm", "replicate"] + (["month"] if "month" in table else [])
    return (
        table.assign(_arm=rank)
        .sort_values(keys, kind="stable")
        .drop(columns="_arm")
        .reset_index(drop=True)
    )


def load_results(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs, timeseries) of a sweep's results folder, finished or not.

    `runs`: one row per recorded run (run, point, arm, replicate, seed, factor values, status,
    error, wall_seconds, worker, finished, then the run-level outcomes of
    `sim.measures.outcomes`, exact whatever months the sweep kept), from the per-run records, so
    an interrupted sweep loads too. `timeseries`: every finished run's kept months, stacked,
    sorted by point, arm (in the sweep file's order), replicate and month.
    """
    store = SweepStore(directory)
    manifest = store.read_manifest()
    if manifest is None:
        raise SweepError(str(directory), "", "holds no sweep manifest.yaml")
    arms = list((manifest.get("sweep") or {}).get("arms") or {})
    factors = [f["key"] for f in (manifest.get("sweep") or {}).get("factors") or []]
    runs = store.runs_table(arms, factors)
    files = sorted(store.runs_dir.glob("*.parquet")) if store.runs_dir.is_dir() else []
    frames = [pd.read_parquet(p) for p in files]
    ts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(KEY_COLUMNS))
    return runs, _sort_runs(ts, arms)
