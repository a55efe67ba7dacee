"""Executors: every item's result exactly once, with its index, and a failed item's typed error."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from orderflow.domain.errors import InvalidArgument
from orderflow.simulation.behaviour import InvalidBehaviour
from orderflow.simulation.executors import (
    Executor,
    ProcessExecutor,
    RemoteTraceback,
    SerialExecutor,
    make_executor,
)


def square(value: int) -> int:
    return value * value


def square_slowly_first(value: int) -> tuple[int, int]:
    """The first item finishes last: results come back as they finish, not in order."""
    if value == 0:
        time.sleep(0.5)
    return value * value, os.getpid()


def refuse_three(value: int) -> int:
    if value == 3:
        raise InvalidBehaviour("seller.accept_probability", "must be a probability from 0 to 1, not 3")
    return value


@pytest.fixture(params=["serial", "processes"])
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    with make_executor(1 if request.param == "serial" else 2) as made:
        yield made


def test_make_executor_picks_serial_for_one_worker_and_processes_for_more() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    made = make_executor(3)
    assert isinstance(made, ProcessExecutor)
    assert made.workers == 3


def test_make_executor_defaults_to_the_machines_cores() -> None:
    with make_executor() as made:
        assert made.workers == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("workers", [0, -1, True, 1.5, "2"])
def test_make_executor_refuses_a_bad_worker_count(workers: object) -> None:
    with pytest.raises(InvalidArgument, match="workers must be a whole number"):
        make_executor(workers)  # type: ignore[arg-type]


def test_every_item_once_with_its_index(executor: Executor) -> None:
    items = list(range(25))
    results = list(executor.map(square, items))
    assert sorted(index for index, _ in results) == items
    assert all(result == items[index] ** 2 for index, result in results)


def test_no_items_no_results(executor: Executor) -> None:
    assert list(executor.map(square, [])) == []


def test_serial_yields_in_order() -> None:
    with SerialExecutor() as serial:
        assert list(serial.map(square, [3, 1, 2])) == [(0, 9), (1, 1), (2, 4)]


def test_processes_stream_results_as_they_finish_from_other_processes() -> None:
    with make_executor(2) as pool:
        results = list(pool.map(square_slowly_first, [0, 1, 2, 3]))
    assert results[-1][0] == 0  # the slow first item came back last
    assert {index for index, _ in results} == {0, 1, 2, 3}
    assert os.getpid() not in {pid for _, (_, pid) in results}


def test_a_failed_item_raises_its_typed_error_in_the_caller(executor: Executor) -> None:
    with pytest.raises(InvalidBehaviour) as raised:
        list(executor.map(refuse_three, range(6)))
    assert raised.value.key == "seller.accept_probability"
    assert str(raised.value) == "seller.accept_probability: must be a probability from 0 to 1, not 3"


def test_a_failed_item_in_a_worker_carries_the_workers_traceback() -> None:
    with make_executor(2) as pool, pytest.raises(InvalidBehaviour) as raised:
        list(pool.map(refuse_three, [3]))
    assert isinstance(raised.value.__cause__, RemoteTraceback)
    assert "refuse_three" in str(raised.value.__cause__)


def test_a_pool_serves_several_maps_and_closes() -> None:
    pool = ProcessExecutor(2)
    with pool:
        assert sorted(pool.map(square, [1, 2])) == [(0, 1), (1, 4)]
        assert sorted(pool.map(square, [3])) == [(0, 9)]
    assert pool._pool is None
