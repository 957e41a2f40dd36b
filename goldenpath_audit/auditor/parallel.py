"""Parse and extract facts in worker processes on cold runs over many files.

Parsing and fact extraction are nearly all of a cold run's time and are
independent per file, so they spread over the machine's cores. Everything
else stays in the main process, in discovery order: reading files, the cache,
the rules and the report, so the output is the same whatever the scheduling.

Workers are forked (POSIX), so they start in milliseconds with the run's
plan already in memory. They read each file and return the digest of the
bytes they read with a `CacheEntry` (facts, or the syntax problem that stopped
the parse); the main process reads the file too and uses the entry only if its
digest is the same, so a file edited mid-run is never checked from stale facts. A file a worker cannot handle
(too deep to parse, out of memory) comes back as None and the main process
tries it itself, which reports the problem the usual way. Below
`MIN_FILES` files, or on one core, or where `fork` is unavailable, there is no
pool: process start-up would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goldenpath_audit.auditor.cache import CacheEntry  # noqa: F401 - named in Result

# Fewer files than this are parsed in-process.
MIN_FILES = 100
# Environment variable that caps the number of worker processes (1 disables the pool).
JOBS_VARIABLE = "GOLDENPATH_AUDIT_JOBS"

Job = tuple[Path, str]  # path, display path
Result = "tuple[str, CacheEntry] | None"  # the digest of the bytes the worker read, and its entry
Extract = Callable[[Path, str], Result]

_extract: Extract | None = None  # set in the parent just before forking


def worker_count(files: int, *, minimum: int = MIN_FILES) -> int:
    """How many worker processes `files` files deserve (0: none)."""
    if files < minimum:
        return 0
    import multiprocessing  # ~5 ms: not for the runs that check a handful of files

    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = os.environ.get(JOBS_VARIABLE, "").strip()
    if limit.isdigit() and int(limit) > 0:
        cpus = min(cpus, int(limit))
    return cpus if cpus > 1 else 0


def extract_in_workers(jobs: list[Job], extract: Extract, workers: int) -> Iterator[tuple[Path, Result]]:
    """(path, result of `extract`) for each job, in job order, computed by `workers` forked processes."""
    global _extract
    _extract = extract
    import multiprocessing

    context = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(jobs) // (workers * 8) or 1))
    # Pool internals (locks, helper threads, terminate) must never be cut by a
    # SIGINT/SIGTERM handler that raises: that can leave a lock held and hang
    # the exit. Signals are blocked while inside them and arrive between results.
    pool = None
    finished = False
    try:
        # A signal that came while they were blocked is delivered as this block ends: the pool
        # must already be one the `finally` below stops, or its finaliser fails at exit.
        with _signals_blocked():
            pool = context.Pool(workers, initializer=_quiet_worker)
            results = pool.imap(_run_job, jobs, chunksize=chunk)
        while True:
            with _signals_blocked():
                item = next(results, None)
            if item is None:
                finished = True
                return
            yield item
    finally:
        with _signals_blocked():
            if pool is not None:
                if finished:
                    pool.close()
                else:
                    pool.terminate()
                pool.join()
        _extract = None


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _quiet_worker() -> None:
    """Interrupts are the main process's business: it stops the pool, which ends workers silently."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)  # forked while the parent blocked them
    gc.freeze()  # what the fork inherited is never collected: no copy-on-write page faults for it


def _run_job(job: Job) -> tuple[Path, Result]:
    assert _extract is not None
    try:
        return job[0], _extract(*job)
    except (RecursionError, MemoryError):
        return job[0], None
