"""OutboxRelay on the memory adapter: it publishes each message once, in order, retries a failed
one with growing backoff, never publishes a delivered one again, and redelivers what a dead
relay had leased once the lease runs out (at least once)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderflow import Accept, Role
from orderflow.adapters.memory import MemoryStorage
from orderflow.ports import Message
from orderflow.service import OrderService, OutboxRelay
from orderflow.testing import FakeClock

from support import HOUR, PAID_AT, placement

BACKOFF = timedelta(seconds=10)
LEASE = timedelta(minutes=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(PAID_AT + HOUR)


@pytest.fixture
def storage(clock: FakeClock) -> MemoryStorage:
    """Two orders, one placed and accepted: three decisions' messages in the outbox."""
    storage = MemoryStorage()
    service = OrderService(storage, clock)
    service.place(placement())
    service.place(placement(order_id="o-2"))
    service.handle("o-1", Accept(Role.SELLER))
    return storage


class Recorder:
    """A publish callable that records what it got and fails for chosen messages, ``times`` times."""

    def __init__(self, failing: frozenset[str] = frozenset(), times: int = 1) -> None:
        self.got: list[str] = []
        self.failures = dict.fromkeys(failing, times)

    def __call__(self, message: Message) -> None:
        if self.failures.get(message.message_id, 0) > 0:
            self.failures[message.message_id] -= 1
            raise ConnectionError("wallet unreachable")
        self.got.append(message.message_id)


def relay(storage: MemoryStorage, clock: FakeClock, publish: Recorder, batch: int = 100) -> OutboxRelay:
    return OutboxRelay(storage, clock, publish, batch=batch, lease=LEASE, backoff=BACKOFF)


def test_it_publishes_every_message_once_in_order(storage: MemoryStorage, clock: FakeClock) -> None:
    publish = Recorder()
    every = list(storage.outbox)
    assert relay(storage, clock, publish).run_once() == len(every)
    assert publish.got == every
    clock.advance(LEASE * 10)
    assert relay(storage, clock, publish).run_once() == 0, "published, never again"
    assert publish.got == every


def test_a_batch_leaves_the_rest_for_the_next_round(storage: MemoryStorage, clock: FakeClock) -> None:
    publish = Recorder()
    assert relay(storage, clock, publish, batch=2).run_once() == 2
    assert relay(storage, clock, publish, batch=100).run_once() == len(storage.outbox) - 2
    assert publish.got == list(storage.outbox)


def test_a_failed_message_is_retried_with_growing_backoff(storage: MemoryStorage, clock: FakeClock) -> None:
    first, *others = list(storage.outbox)
    publish = Recorder(frozenset({first}), times=2)
    assert relay(storage, clock, publish).run_once() == len(others)
    assert storage.outbox[first].message.attempts == 1
    assert storage.outbox[first].error == "ConnectionError: wallet unreachable"
    clock.advance(BACKOFF - timedelta(microseconds=1))
    assert relay(storage, clock, publish).run_once() == 0, "not before its backoff"
    clock.advance(timedelta(microseconds=1))
    assert relay(storage, clock, publish).run_once() == 0, "fails a second time"
    assert storage.outbox[first].message.attempts == 2
    clock.advance(2 * BACKOFF - timedelta(microseconds=1))
    assert relay(storage, clock, publish).run_once() == 0, "the backoff doubled"
    clock.advance(timedelta(microseconds=1))
    assert relay(storage, clock, publish).run_once() == 1
    assert publish.got == [*others, first]
    clock.advance(HOUR)
    assert relay(storage, clock, publish).run_once() == 0


class Crash(BaseException):
    """The relay's process dying in the middle of a round."""


def test_messages_of_a_dead_relay_are_delivered_again_after_the_lease(
    storage: MemoryStorage, clock: FakeClock
) -> None:
    def die(message: Message) -> None:
        raise Crash

    with pytest.raises(Crash):
        OutboxRelay(storage, clock, die, lease=LEASE).run_once()
    publish = Recorder()
    assert relay(storage, clock, publish).run_once() == 0, "still leased to the dead relay"
    clock.advance(LEASE)
    assert relay(storage, clock, publish).run_once() == len(storage.outbox)
