"""The codec benchmark: µs to encode and to decode each event, snapshot, effect and command.

Replays the six benchmark lives (``baselines.PATHS``, the orders of ``bench_core``), keeps what a
storage adapter would store, and times ``orderflow.codec`` on it: per item, the best of several
``timeit`` repeats in CPU time, as Python values and through the JSON text (``dumps`` / ``loads``). Run
``.venv/bin/python bench/bench_codec.py`` (a few seconds). A benchmark is a report, not a test.

``--cattrs`` adds the comparison of docs/persistence.md (codec section): the same events and
snapshots through a cattrs converter writing the same JSON (``bench/cattrs_codec.py``), in the
same run, as a ratio of CPU times.
"""

from __future__ import annotations

import sys
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the ``bench`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import attrs

from bench.baselines import PATHS
from bench.bench_core import Orderflow
from orderflow import decide, place_order
from orderflow.codec import (
    decode_command,
    decode_effect,
    decode_event,
    decode_order,
    dumps,
    encode_command,
    encode_effect,
    encode_event,
    encode_order,
    loads,
)
from orderflow.domain.events import OrderPlaced
from orderflow.example import example_placement

GOAL_EVENT_US = 20.0
REPEATS, NUMBER = 7, 200


def stored() -> dict[str, list[Any]]:
    """What an adapter stores of the benchmark lives: every event, snapshot, effect and command."""
    subject = Orderflow()
    found: dict[str, list[Any]] = {"event": [], "order": [], "effect": [], "command": []}
    for serial, path in enumerate(PATHS.values()):
        decision = place_order(attrs.evolve(example_placement(), order_id=f"o-{serial}"))
        for move in [None, *subject.plan(path)]:
            if move is not None:
                command, now = subject.command(move)
                found["command"].append(command)
                decision = decide(decision.order, command, now)
            found["order"].append(decision.order)
            found["event"] += decision.events
            found["effect"] += decision.effects
    return found


def compose(outer: Callable[[Any], Any], inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: outer(inner(value))


def per_item(work: Callable[[Any], Any], items: Sequence[Any]) -> float:
    """The best µs per item of ``work`` over ``items``."""

    def run() -> None:
        for item in items:
            work(item)

    # CPU time, not wall time: the figures hold on a machine shared with other work.
    return (
        min(timeit.repeat(run, timer=time.process_time, repeat=REPEATS, number=NUMBER))
        / NUMBER
        / len(items)
        * 1e6
    )


CODECS: dict[str, tuple[Callable[[Any], dict[str, Any]], Callable[[Any], Any]]] = {
    "event": (encode_event, decode_event),
    "order": (encode_order, decode_order),
    "effect": (encode_effect, decode_effect),
    "command": (encode_command, decode_command),
}


def compare_with_cattrs(found: dict[str, list[Any]]) -> None:
    """µs per event and snapshot, each way, for the codec's compiler and for cattrs, side by side."""
    from bench.cattrs_codec import codec_of

    print(f"\n{'µs per item':<26}{'items':>6}{'compiler':>10}{'cattrs':>9}{'ratio':>7}")
    for label in ("event", "order"):
        items = found[label]
        ours = CODECS[label]
        theirs = [codec_of(type(item)) for item in items]
        payloads = [ours[0](item) for item in items]
        assert [encode(item) for (encode, _), item in zip(theirs, items, strict=True)] == payloads
        assert [decode(p) for (_, decode), p in zip(theirs, payloads, strict=True)] == items
        pairs = iter(theirs)
        for way, our_work, work_items in (("encode", ours[0], items), ("decode", ours[1], payloads)):
            index = 0 if way == "encode" else 1
            chosen = [pair[index] for pair in theirs]
            calls = list(zip(chosen, work_items, strict=True))
            compiler = per_item(our_work, work_items)
            cattrs_time = per_item(lambda call: call[0](call[1]), calls)
            print(
                f"{label + ' ' + way:<26}{len(items):>6}{compiler:>10.1f}{cattrs_time:>9.1f}"
                f"{cattrs_time / compiler:>7.2f}"
            )
        del pairs


def main() -> None:
    found = stored()
    placed = [event for event in found["event"] if isinstance(event, OrderPlaced)]
    rows = [*((kind, found[kind]) for kind in CODECS), ("event (OrderPlaced only)", placed)]
    print(f"{'µs per item':<26}{'items':>6}{'encode':>9}{'decode':>9}{'+dumps':>9}{'+loads':>9}")
    for label, items in rows:
        encode, decode = CODECS[label.split()[0]]
        payloads = [encode(item) for item in items]
        texts = [dumps(payload) for payload in payloads]
        assert [decode(loads(text)) for text in texts] == items
        figures = (
            per_item(encode, items),
            per_item(decode, payloads),
            per_item(compose(dumps, encode), items),
            per_item(compose(decode, loads), texts),
        )
        print(f"{label:<26}{len(items):>6}" + "".join(f"{figure:>9.1f}" for figure in figures))
        if label == "event":
            worst = max(figures[2:])
            verdict = "PASS" if worst <= GOAL_EVENT_US else "MISS"
            print(
                f"{verdict}: an event each way through JSON in {worst:.1f} µs (goal {GOAL_EVENT_US:.0f} µs)"
            )


if __name__ == "__main__":
    main()
    if "--cattrs" in sys.argv[1:]:
        compare_with_cattrs(stored())
