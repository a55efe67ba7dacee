"""Production hardening of the service layer (issue 13): hosts' clocks that differ, rejections of
the environment never bound to a key, keys reused for another request naming what differs, dead
letters, the operator's logging, stats and metrics, and a rolled-back batch logged with its cause."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import attrs
import pytest

from orderflow import Accept, IdempotencyConflict, InvalidTime, Order, Role, State, StorageUnavailable
from orderflow.adapters.memory import MemoryStorage
from orderflow.ports import Message
from orderflow.service import DeadlineRunner, OrderService, OutboxRelay, telemetry
from orderflow.testing import FakeClock
from storage_wrappers import OrdersProxy, WrappedStorage, WrappedUnit

from support import HOUR, PAID_AT, eur, placement

SELLER, BUYER = Role.SELLER, Role.BUYER


class SkewedClock:
    """The host's clock: a ``FakeClock`` read ``offset`` off (negative: behind)."""

    def __init__(self, clock: FakeClock, offset: timedelta) -> None:
        self.clock, self.offset = clock, offset

    def now(self) -> datetime:
        return self.clock.now() + self.offset


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(PAID_AT + HOUR)


# Item 1: clock skew


def test_a_host_two_seconds_behind_the_last_event_is_decided_at_that_event(clock: FakeClock) -> None:
    storage = MemoryStorage()
    ahead = OrderService(storage, SkewedClock(clock, timedelta(seconds=2)))
    behind = OrderService(storage, clock)
    ahead.place(placement(paid_at=clock.now() + timedelta(seconds=2)))
    decision = behind.handle("o-1", Accept(SELLER), key="req-1")
    assert decision.order.state is State.IN_PROGRESS
    assert decision.order.accepted_at == clock.now() + timedelta(seconds=2)  # the later of the two


def test_beyond_the_tolerance_the_rejection_is_not_bound_to_the_key(clock: FakeClock) -> None:
    storage = MemoryStorage()
    OrderService(storage, SkewedClock(clock, timedelta(seconds=30))).place(
        placement(paid_at=clock.now() + timedelta(seconds=30))
    )
    behind = OrderService(storage, clock, clock_tolerance=timedelta(seconds=5))
    with pytest.raises(InvalidTime, match="tolerance"):
        behind.handle("o-1", Accept(SELLER), key="req-1")
    assert storage.keys == {}  # the host's clock failed, not the rules: nothing recorded
    clock.advance(minutes=10)
    assert behind.handle("o-1", Accept(SELLER), key="req-1").order.state is State.IN_PROGRESS


def test_the_tolerance_is_configurable_and_zero_refuses_any_skew(clock: FakeClock) -> None:
    storage = MemoryStorage()
    OrderService(storage, SkewedClock(clock, timedelta(seconds=1))).place(
        placement(paid_at=clock.now() + timedelta(seconds=1))
    )
    with pytest.raises(InvalidTime):
        OrderService(storage, clock, clock_tolerance=timedelta(0)).handle("o-1", Accept(SELLER))
    with pytest.raises(ValueError, match="clock_tolerance"):
        OrderService(storage, clock, clock_tolerance=timedelta(seconds=-1))


def test_an_unavailable_storage_records_nothing_under_the_key(clock: FakeClock) -> None:
    storage = MemoryStorage()
    service = OrderService(storage, clock)
    service.place(placement())

    class Down(OrdersProxy):
        def load(self, order_id: str):  # type: ignore[no-untyped-def]
            raise StorageUnavailable("the server went away")

    with pytest.raises(StorageUnavailable):
        OrderService(WrappedStorage(storage, orders=Down), clock).handle("o-1", Accept(SELLER), key="k")
    assert storage.keys == {}
    assert service.handle("o-1", Accept(SELLER), key="k").order.state is State.IN_PROGRESS


class Flaky(WrappedStorage):
    """A storage whose first ``failures`` units of work fail: before committing (the load), or
    while committing (after the commit went through, as a connection lost on the way back)."""

    def __init__(self, inner: MemoryStorage, failures: int, while_committing: bool = False) -> None:
        super().__init__(inner)
        self.failures, self.while_committing = failures, while_committing

    def unit_of_work(self) -> WrappedUnit:
        unit = super().unit_of_work()
        if self.failures <= 0:
            return unit
        self.failures -= 1
        if self.while_committing:

            def commit() -> None:
                WrappedUnit.commit(unit)
                raise StorageUnavailable.while_committing("the connection was lost on the way back")

            unit.commit = commit  # type: ignore[method-assign]
        else:

            class Down(OrdersProxy):
                def load(self, order_id: str) -> Order:
                    raise StorageUnavailable("the connection was dead")

            unit.orders = Down(unit.orders)
        return unit


def test_a_unit_of_work_that_never_reached_the_database_is_run_again(clock: FakeClock) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    flaky = Flaky(storage, failures=1)
    assert OrderService(flaky, clock).handle("o-1", Accept(SELLER)).order.state is State.IN_PROGRESS
    assert flaky.units == 2
    with pytest.raises(StorageUnavailable):
        OrderService(Flaky(storage, failures=2), clock).advance("o-1")  # one retry, not two


def test_a_commit_lost_on_the_way_back_is_retried_only_under_a_key(clock: FakeClock) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    lost = Flaky(storage, failures=1, while_committing=True)
    with pytest.raises(StorageUnavailable) as unknown:
        OrderService(lost, clock).handle("o-1", Accept(SELLER))  # it may have been written: not again
    assert unknown.value.outcome_unknown
    assert (lost.units, storage.streams["o-1"].order.version) == (1, 2)  # it was, once
    OrderService(storage, clock).place(placement(order_id="o-2"))
    keyed = Flaky(storage, failures=1, while_committing=True)
    decision = OrderService(keyed, clock).handle("o-2", Accept(SELLER), key="k")
    assert (keyed.units, decision.order.version, storage.streams["o-2"].order.version) == (2, 2, 2)


# Item 9: which fields differ


def test_a_key_reused_for_another_command_names_the_fields_that_differ(clock: FakeClock) -> None:
    service = OrderService(MemoryStorage(), clock)
    service.place(placement())
    service.place(placement(order_id="o-2"))
    service.handle("o-1", Accept(SELLER))
    from orderflow import ProposePartialRefund

    service.handle("o-1", ProposePartialRefund(BUYER, amount=eur("5.00"), reason="late"), key="k")
    with pytest.raises(IdempotencyConflict) as conflict:
        service.handle("o-1", ProposePartialRefund(BUYER, amount=eur("6.00"), reason="late"), key="k")
    assert conflict.value.differing == ("amount",)
    assert "differs in amount" in str(conflict.value)
    with pytest.raises(IdempotencyConflict) as other_order:
        service.handle("o-2", Accept(SELLER), key="k")
    assert set(other_order.value.differing) >= {"order_id", "action"}


def test_a_placement_key_reused_for_another_placement_names_the_fields(clock: FakeClock) -> None:
    service = OrderService(MemoryStorage(), clock)
    service.place(placement(), key="p")
    with pytest.raises(IdempotencyConflict) as conflict:
        service.place(placement(buyer="b-2"), key="p")
    assert conflict.value.differing == ("buyer",)


# Item 7: dead letters


class Refusing:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, message: Message) -> None:
        self.calls += 1
        raise ConnectionError("the wallet refuses it")


def test_a_message_that_always_fails_becomes_a_dead_letter_after_max_attempts(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    messages = len(storage.outbox)
    publish = Refusing()
    relay = OutboxRelay(storage, clock, publish, backoff=timedelta(seconds=1), max_attempts=3)
    with caplog.at_level(logging.WARNING, logger="orderflow.service.relay"):
        for _ in range(12):
            relay.run_once()
            clock.advance(hours=2)
    assert publish.calls == 3 * messages  # not 12 rounds of attempts
    dead = relay.dead_letters()
    assert [d.message.attempts for d in dead] == [3] * messages
    assert all("the wallet refuses it" in d.error for d in dead)
    assert storage.stats(clock.now()).dead_letters == messages
    assert next(r for r in caplog.records if "dead letter" in r.getMessage()).message_id  # type: ignore[attr-defined]
    relay.publish = lambda message: None
    relay.revive([dead[0].message.message_id])
    assert relay.run_once() == 1
    relay.drop([d.message.message_id for d in dead[1:]])
    assert relay.dead_letters() == []
    assert storage.stats(clock.now()).outbox_backlog == 0


def test_a_message_older_than_max_age_becomes_a_dead_letter(clock: FakeClock) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    relay = OutboxRelay(storage, clock, Refusing(), max_attempts=None, max_age=timedelta(days=1))
    relay.run_once()
    assert relay.dead_letters() == []
    clock.advance(days=2)
    relay.run_once()
    assert len(relay.dead_letters()) == len(storage.outbox)


# Item 8: logging, stats, metrics


def test_runner_and_relay_log_a_line_per_round_with_structured_extras(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    clock.advance(days=3)  # the acceptance window ran out
    with caplog.at_level(logging.INFO, logger="orderflow.service"):
        assert DeadlineRunner(storage, clock).run_once() == 1
        OutboxRelay(storage, clock, lambda message: None).run_once()
    rounds = {r.name: r for r in caplog.records if r.levelno == logging.INFO}
    runner, relay = rounds["orderflow.service.runner"], rounds["orderflow.service.relay"]
    assert (runner.claimed, runner.fired, runner.postponed) == (1, 1, 0)  # type: ignore[attr-defined]
    assert (relay.published, relay.dead) == (len(storage.outbox), 0)  # type: ignore[attr-defined]


def test_stats_show_the_deadline_lag_and_the_outbox_age(clock: FakeClock) -> None:
    storage = MemoryStorage()
    placed = OrderService(storage, clock).place(placement()).order
    due = placed.timer_due
    assert due is not None
    stats = storage.stats(due + timedelta(minutes=3))
    assert (stats.orders_due, stats.deadline_lag) == (1, timedelta(minutes=3))
    assert stats.outbox_age == due + timedelta(minutes=3) - placed.updated_at


def test_metrics_go_through_the_opentelemetry_api(clock: FakeClock) -> None:
    sdk = pytest.importorskip("opentelemetry.sdk.metrics")
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    provider = sdk.MeterProvider(metric_readers=[reader])
    telemetry.reset()
    telemetry._meter = provider.get_meter("orderflow")  # a provider of the test's own, not the global one
    try:
        storage = MemoryStorage()
        service = OrderService(storage, clock)
        service.place(placement())
        service.handle("o-1", Accept(SELLER))
        OutboxRelay(storage, clock, lambda message: None).run_once()
        data = reader.get_metrics_data()
    finally:
        telemetry.reset()
    assert data is not None
    points = {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert set(points) <= set(telemetry.INSTRUMENTS)
    commands = points["orderflow.service.commands"]
    assert {tuple(sorted((p.attributes or {}).items())) for p in commands.data.data_points} == {
        (("action", "place"), ("result", "accepted")),
        (("action", "accept"), ("result", "accepted")),
    }
    assert points["orderflow.relay.published"].unit == "{message}"
    assert points["orderflow.relay.batch_duration"].unit == "s"


def test_without_opentelemetry_metrics_are_a_no_op(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    import sys

    telemetry.reset()
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if not installed
    try:
        telemetry.count("orderflow.service.commands", 1, {"action": "accept", "result": "accepted"})
        assert telemetry._missing
        OrderService(MemoryStorage(), clock).place(placement())
    finally:
        telemetry.reset()


# Issue 17 item 6: a rolled-back batch is logged with its exception


def test_a_rolled_back_batch_is_logged_with_its_exception(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    storage = MemoryStorage()
    OrderService(storage, clock).place(placement())
    clock.advance(days=3)

    class FailingAppend(OrdersProxy):
        def append(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise OSError("disk full")

    with caplog.at_level(logging.WARNING, logger="orderflow.service.runner"):
        DeadlineRunner(WrappedStorage(storage, orders=FailingAppend), clock).run_once()
    [rolled_back] = [r for r in caplog.records if "rolled back" in r.getMessage()]
    assert rolled_back.exc_info is not None
    assert isinstance(rolled_back.exc_info[1], OSError)


def test_docs_list_every_metric_with_its_kind_and_unit() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    rows = {
        line.split("|")[1].strip(" `"): tuple(cell.strip(" `") for cell in line.split("|")[2:4])
        for line in text.splitlines()
        if line.startswith("| `orderflow.") and line.split("|")[2].strip() in {"counter", "histogram"}
    }
    assert rows == {name: (kind, unit) for name, (kind, unit, _) in telemetry.INSTRUMENTS.items()}


def test_a_runner_whose_clock_is_slightly_behind_fires_at_the_last_event(clock: FakeClock) -> None:
    storage = MemoryStorage()
    placed = OrderService(storage, clock).place(placement()).order
    due = placed.timer_due
    assert due is not None
    stream = storage.streams["o-1"]  # as if a host 2 s ahead had written the order last, at the deadline
    written = attrs.evolve(stream, order=attrs.evolve(placed, updated_at=due + timedelta(seconds=2)))
    storage.streams["o-1"] = written
    clock.set(due)
    assert DeadlineRunner(storage, clock).run_once() == 1  # before: InvalidTime, postponed
    assert storage.streams["o-1"].order.state is State.CANCELED
