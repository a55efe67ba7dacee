"""The simulation's shortcuts change nothing: each gives what the plain way gives.

The engine asks ``next_due`` only when the core's cheap test cannot rule out a deadline before
the planned action; a reference engine that always asks must make the very same run.
"""

from __future__ import annotations

import heapq
import json
from datetime import datetime, timedelta

from hypothesis import given

from orderflow.domain.timers import next_due, nothing_due_by
from orderflow.simulation import Market, Setup, report
from orderflow.simulation.actors import Live
from orderflow.simulation.engine import Engine
from orderflow.testing import Life, lives

TICK = timedelta(microseconds=1)


@given(lives(max_steps=8))
def test_nothing_due_by_an_instant_means_next_due_comes_after_it(life: Life) -> None:
    for decision in life.play():
        order = decision.order
        due = next_due(order)
        instants = [order.updated_at, order.updated_at + timedelta(days=1), order.expires_at]
        if due is not None:
            instants += [due.at - TICK, due.at, due.at + TICK]
        for instant in (i for i in instants if i >= order.updated_at):
            if nothing_due_by(order, instant):
                assert due is None or due.at > instant


class PlainEngine(Engine):
    """The engine as it was before its shortcuts: ``next_due`` after every change."""

    def _schedule(self, live: Live, now: datetime) -> None:
        due = next_due(live.order)
        live.due = None if due is None else due.at
        plan = live.plan = self.actors.plan(live, now)
        wake = live.due if plan is None or (live.due is not None and live.due <= plan[0]) else plan[0]
        if wake is not None:
            heapq.heappush(self.heap, (wake, next(self.sequence), live))


def test_the_engine_makes_the_same_run_as_the_plain_one() -> None:
    setup = Setup(seed=3, market=Market(orders=600), horizon_days=3)
    fast, plain = Engine(setup).run(), PlainEngine(setup).run()
    assert json.dumps(report(fast)) == json.dumps(report(plain))
    assert [(live.index, live.order, live.plan) for live in fast.unfinished] == [
        (live.index, live.order, live.plan) for live in plain.unfinished
    ]
