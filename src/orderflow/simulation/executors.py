"""Where independent work runs: in this process, in a pool of processes, or on a Dask cluster.

An ``Executor`` runs ``function(item)`` for every item of a sequence and yields ``(index,
result)`` pairs as each finishes, in any order: simulation shards (``shards``) and experiment
cells use it, and never know which executor they run on. The choice is made at the edge
(``--workers``, ``--dask``) by ``make_executor``:

- ``SerialExecutor`` (one worker): in this process, in order; nothing to start.
- ``ProcessExecutor`` (N workers): a ``concurrent.futures`` pool of processes started by
  ``forkserver`` (``spawn`` where there is none), never ``fork``: a child starts from a clean
  interpreter that imports only what the function needs, with no copy of the parent's threads
  or locks (tqdm's, Dask's, a notebook's).
- ``DaskExecutor``: a ``distributed`` client on a scheduler's address, or on a ``LocalCluster``
  of worker processes for ``"local"``. ``distributed`` is imported only there (the
  ``distributed`` extra). When a worker dies mid-item, Dask's scheduler runs the item again on
  another worker; its result still reaches the caller once, as one future has one result.

At most a few items per worker are in flight at once (``IN_FLIGHT_PER_WORKER``), so memory
follows the items running, never the items finished. A failed item raises from ``map`` as the
error its function raised, with the worker's traceback as its cause; the items still in flight
are cancelled. Errors travel as (class, args, attributes) and are rebuilt without calling their
``__init__``, so typed errors whose constructor takes other arguments than their message (like
``InvalidBehaviour(key, message)``) survive the trip.
"""

from __future__ import annotations

import itertools
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # for the type checker only: each is imported where it is used (start-up time)
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    from distributed import Client, LocalCluster

from ..domain.errors import InvalidArgument

T = TypeVar("T")
R = TypeVar("R")

#: How long to wait for a Dask scheduler to answer before giving up.
CONNECT_SECONDS = 10

#: Items submitted ahead per worker: enough to keep every worker busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2


class Executor(Protocol):
    """Runs independent items, each a pure function call, and streams their results back."""

    workers: int

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``function(item)`` for every item, in separate processes where the executor has them;
        yields (index into items, result) as each finishes, in any order. ``function`` and the
        items are picklable (module-level functions, attrs values)."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


#: More processes than this on one machine is a typo (a cluster takes ``dask``): the bound of every
#: command line's ``--workers``.
MAX_WORKERS = 1024


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """Serial for workers=1, a process pool for N, Dask for an address or "local".

    ``workers`` defaults to the machine's cores; with ``dask="local"`` it is the number of
    worker processes of the ``LocalCluster``; with an address it is ignored (the cluster has
    its own workers).
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidArgument(f"workers must be a whole number >= 1, not {workers!r}")
    if dask is not None:
        if not isinstance(dask, str) or not dask.strip():
            raise InvalidArgument(f"the Dask address must be 'local' or an address, not {dask!r}")
        return DaskExecutor(dask.strip(), workers)
    count = machine_cores() if workers is None else workers
    return SerialExecutor() if count == 1 else ProcessExecutor(count)


# Errors crossing a process boundary -----------------------------------------------------------


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker, attached as its ``__cause__``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


#: An error as it travels: its class, args, attributes and the worker's formatted traceback.
Carried = tuple[type[BaseException], tuple[Any, ...], dict[str, Any], str]


def call(function: Callable[[T], R], item: T) -> tuple[bool, R | Carried]:
    """Run ``function(item)`` in a worker: (True, result), or (False, the error as it travels)."""
    try:
        return True, function(item)
    except Exception as error:  # every error goes back to the caller, which raises it
        state = dict(getattr(error, "__dict__", {}))
        return False, (type(error), error.args, state, traceback.format_exc())


def unwrap(outcome: tuple[bool, Any]) -> Any:
    """The result of ``call``, or its error raised again here, the worker's traceback as cause."""
    done, value = outcome
    if done:
        return value
    kind, args, state, trace = value
    error = kind.__new__(kind)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    raise error from RemoteTraceback(f'\n"""\n{trace}"""')


# The executors --------------------------------------------------------------------------------


class _Closing:
    """A context manager whose exit calls ``close``."""

    def close(self) -> None:
        """Release whatever the executor started (nothing by default)."""

    def __enter__(self) -> Executor:
        return self  # type: ignore[return-value]  # every subclass is an Executor

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class SerialExecutor(_Closing):
    """Every item in this process, one after the other, in order."""

    workers = 1

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        for index, item in enumerate(items):
            yield index, function(item)


def _context() -> BaseContext:
    """forkserver where the platform has it (Linux, macOS), else spawn: never fork."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessExecutor(_Closing):
    """Items in a pool of ``workers`` processes, started on first use and kept until ``close``."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_context())
        pool, limit = self._pool, self.workers * IN_FLIGHT_PER_WORKER
        pending: dict[Future[tuple[bool, Any]], int] = {}
        queue = iter(enumerate(items))
        try:
            while True:
                for index, item in queue:
                    pending[pool.submit(call, function, item)] = index
                    if len(pending) >= limit:
                        break
                if not pending:
                    return
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield pending.pop(future), unwrap(future.result())
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(_Closing):
    """Items on a Dask cluster: the scheduler at ``address``, or a ``LocalCluster`` of ``workers``
    processes (one thread each) for ``"local"``."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:
            raise ImportError(
                f"--dask needs the distributed extra (pip install 'orderflow[distributed]'): {error}"
            ) from None
        self.address = address
        self._cluster: LocalCluster | None = None
        if address == "local":
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or machine_cores(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never a clash, never a warning
            )
            self.client: Client = Client(self._cluster)  # type: ignore[no-untyped-call]
        else:
            try:
                self.client = Client(address, timeout=CONNECT_SECONDS)  # type: ignore[no-untyped-call]
            except (OSError, ValueError) as error:  # unreachable (TimeoutError is an OSError), or no address
                raise InvalidArgument(f"no Dask scheduler answered at {address!r}: {error}") from None
        self.workers = self._threads() or workers or 1

    def _threads(self) -> int:
        """The threads of every worker the scheduler knows now (0 while none has joined)."""
        workers = self.client.scheduler_info().get("workers", {})
        return sum(int(worker.get("nthreads", 1)) for worker in workers.values())

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        limit = max(self._threads(), 1) * IN_FLIGHT_PER_WORKER
        queue = iter(enumerate(items))
        indices: dict[Any, int] = {}  # future -> index of its item

        def submit(index: int, item: Any) -> Any:
            future = self.client.submit(call, function, item, pure=False)
            indices[future] = index
            return future

        first = [submit(index, item) for index, item in itertools.islice(queue, limit)]
        running = as_completed(first)  # type: ignore[no-untyped-call]
        try:
            for future in running:
                outcome = future.result()  # raises KilledWorker past the scheduler's allowed failures
                index = indices.pop(future)
                future.release()
                following = next(queue, None)
                if following is not None:
                    running.add(submit(*following))  # type: ignore[no-untyped-call]
                yield index, unwrap(outcome)
        finally:
            for future in list(indices):
                future.cancel()

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]
        if self._cluster is not None:
            self._cluster.close()
