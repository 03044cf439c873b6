"""Where a sweep's runs execute: in this process, on a local process pool, or on a Dask cluster.

`open_executor(workers, scheduler)` is the one entry point. It is a context manager that yields a
`concurrent.futures.Executor` (submit / shutdown) carrying two extra attributes the sweep driver
reads:

- `description`: what it is, for the manifest and the progress bar ("sequential", "process pool,
  4 workers", "dask tcp://10.0.0.5:8786, 32 threads");
- `slots`: how many runs to keep in flight at once. The driver submits at most this many, so the
  results are written (and the sweep can be resumed) as they finish, and memory stays bounded.

| workers | scheduler        | executor                                                         |
|---------|------------------|------------------------------------------------------------------|
| 1       | None             | `SequentialExecutor`: runs in this process, one after another    |
| N > 1   | None             | `ProcessPoolExecutor(N)`, spawned processes                       |
| N       | "local"          | a `dask.distributed.LocalCluster` of N single-threaded processes  |
| any     | "tcp://host:port"| the Dask scheduler at that address (workers come with it)         |

On Dask, a task whose worker dies is started again on another worker by the scheduler itself, up
to `distributed.scheduler.allowed-failures` times (default 3; then it fails with `KilledWorker`,
which the sweep records as that run's error). Every task is also submitted with `retries=2`
(`Client.get_executor` passes it on to `Client.submit`): in Dask, `retries` re-runs a task that
*raised*, which for a sweep means a failure around the run (a task or result that cannot be
(de)serialized on a worker, memory exhausted while returning it), since a run's own exceptions are
caught and recorded by the run function (they are deterministic under a fixed seed; retrying them
would only repeat them). A local process pool has no retries: a worker that dies breaks the whole
pool (`BrokenProcessPool`); the sweep driver then opens a new pool and resubmits the runs that
were in flight, at most twice each (sim.experiments.runner). Pool workers exit when the sweep
process dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from sim.io.errors import InputError

DASK_RETRIES = 2  # a task whose worker dies is retried this many times on Dask
CONNECT_TIMEOUT = "20s"


class ExecutorError(InputError):
    """An executor cannot be opened: bad --workers, or a Dask scheduler that cannot be reached."""


class SequentialExecutor(Executor):
    """Runs each call at submit time, in this process: no pickling, easy to debug and to patch.

    The returned Future is already done; an exception raised by the call is stored in it like a
    pool would (KeyboardInterrupt and SystemExit propagate at once).
    """

    description = "sequential (this process)"
    slots = 1

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


def _exit_with_parent(parent: int) -> None:
    """Pool worker initializer: exit when the sweep process dies (a SIGKILLed parent would
    otherwise leave its idle workers behind for ever, blocked on the task queue)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _process_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the driver has threads (tqdm's monitor, Dask's loop), and forking a
    # multi-threaded process can deadlock; spawn is also what macOS and Windows do.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
    pool.description = f"process pool, {workers} workers"  # type: ignore[attr-defined]
    pool.slots = 2 * workers  # type: ignore[attr-defined]
    return pool


@contextmanager
def _dask(workers: int, scheduler: str) -> Iterator[Executor]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExecutorError(
            "--scheduler", "", f"needs dask[distributed] installed ({exc})"
        ) from None
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        where = f"dask LocalCluster {cluster.scheduler_address}"
    else:
        if "://" not in scheduler:
            raise ExecutorError(
                "--scheduler",
                "",
                f"'{scheduler}' is not a scheduler address; allowed: 'local' or tcp://host:port",
            )
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            msg = f"cannot connect to the Dask scheduler at {scheduler}: {exc}"
            raise ExecutorError("--scheduler", "", msg) from None
        where = f"dask {scheduler}"
    try:
        threads = sum(client.nthreads().values())
        # pure=False: two runs are never the same task, and hashing a Scenario is wasted work
        executor = client.get_executor(retries=DASK_RETRIES, pure=False)
        executor.description = f"{where}, {threads} threads"  # type: ignore[attr-defined]
        # the cluster may grow (adaptive); keep it busy without holding every result in memory
        executor.slots = max(4 * threads, 64)  # type: ignore[attr-defined]
        try:
            yield executor
        except BaseException:
            executor.shutdown(wait=False)  # cancel what is still queued
            raise
        executor.shutdown(wait=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """An Executor for `workers` local processes, or for a Dask scheduler (see module doc).

    Raises ExecutorError (one line, exit status 2 in the CLI) for workers < 1 or a scheduler that
    cannot be reached, before anything runs.
    """
    if workers < 1:
        raise ExecutorError("--workers", "", f"must be at least 1, got {workers}")
    if scheduler:
        with _dask(workers, scheduler) as executor:
            yield executor
        return
    if workers == 1:
        executor: Executor = SequentialExecutor()
        try:
            yield executor
        finally:
            executor.shutdown()
        return
    pool = _process_pool(workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
