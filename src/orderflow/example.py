"""The example order of the scenario format, the one docs, explanations and generated checks use.

40.00 for the service (2 days) + a 10.00 express option (1 day) + a 5.00 tip + a 2.50 platform fee:
57.50 paid, a seller's share of 55.00, 3 days of delivery; paid Saturday 2026-01-03 10:00 UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .domain.money import Money
from .domain.placement import Option, Placement
from .domain.policy import COMEUP, Policy

PAID_AT = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)


def example_placement(policy: Policy = COMEUP) -> Placement:
    """The example order, placed under ``policy``."""
    return Placement(
        order_id="o-1",
        buyer="b-1",
        seller="s-1",
        price=Money("40.00", "EUR"),
        delivery_days=2,
        options=(Option("express", Money("10.00", "EUR"), 1),),
        tip=Money("5.00", "EUR"),
        platform_fee=Money("2.50", "EUR"),
        paid_at=PAID_AT,
        policy=policy,
    )
