"""Metrics of the service layer through OpenTelemetry's API, a no-op when it is not installed.

Install the ``telemetry`` extra (``opentelemetry-api``) and configure a ``MeterProvider`` in the
host (the SDK and an exporter are the host's choice); orderflow only calls the API, on the meter
named ``orderflow``. Without the package, or without a provider, every call does nothing.
``INSTRUMENTS`` lists every metric, its kind, unit and meaning (docs/operations.md shows it).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

#: name -> (kind, unit, description). Counters only go up; histograms record one value per event.
INSTRUMENTS: Mapping[str, tuple[str, str, str]] = {
    "orderflow.service.commands": ("counter", "{command}", "commands decided, by action and result"),
    "orderflow.service.conflicts": ("counter", "{conflict}", "version conflicts retried, by action"),
    "orderflow.service.clock_skew_refusals": (
        "counter",
        "{command}",
        "commands refused because the host's clock was behind an order beyond the tolerance",
    ),
    "orderflow.runner.fired": ("counter", "{order}", "orders advanced by deadline runners"),
    "orderflow.runner.postponed": ("counter", "{order}", "orders postponed after failing to advance"),
    "orderflow.runner.batch_duration": ("histogram", "s", "wall time of one runner round"),
    "orderflow.relay.published": ("counter", "{message}", "outbox messages delivered"),
    "orderflow.relay.retried": ("counter", "{message}", "deliveries failed and scheduled again"),
    "orderflow.relay.dead_lettered": ("counter", "{message}", "messages given up on (dead letters)"),
    "orderflow.relay.batch_duration": ("histogram", "s", "wall time of one relay round"),
}

_lock = threading.Lock()
_instruments: dict[str, Any] = {}
_meter: Any = None
_missing = False


def _instrument(name: str) -> Any:
    """The instrument called ``name``, created on first use; None without OpenTelemetry."""
    global _meter, _missing
    found = _instruments.get(name)
    if found is not None or _missing:
        return found
    with _lock:
        if _meter is None:
            try:
                from opentelemetry import metrics
            except ImportError:
                _missing = True
                return None
            _meter = metrics.get_meter("orderflow")
        kind, unit, description = INSTRUMENTS[name]
        create = _meter.create_counter if kind == "counter" else _meter.create_histogram
        found = _instruments[name] = create(name, unit=unit, description=description)
    return found


def count(name: str, value: int, attributes: Mapping[str, str] | None = None) -> None:
    """Add ``value`` to the counter ``name``."""
    if value and (instrument := _instrument(name)) is not None:
        instrument.add(value, attributes=attributes)


def record(name: str, value: float, attributes: Mapping[str, str] | None = None) -> None:
    """Record ``value`` in the histogram ``name``."""
    if (instrument := _instrument(name)) is not None:
        instrument.record(value, attributes=attributes)


def reset() -> None:
    """Forget the instruments (a test installs a new ``MeterProvider`` and calls this)."""
    global _meter, _missing
    with _lock:
        _instruments.clear()
        _meter, _missing = None, False
