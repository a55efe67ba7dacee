"""What one process of the SQLite multi-process test does (a module of its own, so that a spawned
child imports only this and orderflow): race the others to create the order ``created``, then add
offers to the order ``offered``, retrying on conflicts. Its exit code says whether it created."""

from __future__ import annotations

import sys
from datetime import datetime
from multiprocessing.synchronize import Barrier

import attrs

from orderflow import Decision, Money, OfferCustom, decide, place_order
from orderflow.adapters.sqlite import SQLiteStorage
from orderflow.example import example_placement
from orderflow.ports import ConcurrencyConflict, Storage
from orderflow.service.handling import persist

CREATED, LOST = 10, 11


def write(storage: Storage, order_id: str, decision: Decision, expected: int) -> None:
    with storage.unit_of_work() as uow:
        persist(uow, expected, decision, storage.snapshot_every)
        uow.commit()


def offer(storage: Storage, offer_id: str, now: datetime) -> None:
    """Add one offer to ``offered``, reading and writing in two transactions, until no one interferes."""
    while True:
        with storage.unit_of_work() as uow:
            order = uow.orders.load("offered")
        decision = decide(order, OfferCustom("seller", offer_id, Money("10", "EUR"), 1), now)
        try:
            write(storage, "offered", decision, order.version)
            return
        except ConcurrencyConflict:
            continue


def work(path: str, worker: int, offers: int, now: datetime, start: Barrier) -> None:
    storage = SQLiteStorage(path)
    creation = place_order(attrs.evolve(example_placement(), order_id="created", buyer=f"buyer-{worker}"))
    start.wait()
    try:
        write(storage, "created", creation, 0)
        created = True
    except ConcurrencyConflict:
        created = False
    for n in range(offers):
        offer(storage, f"offer-{worker}-{n}", now)
    storage.close()
    sys.exit(CREATED if created else LOST)
