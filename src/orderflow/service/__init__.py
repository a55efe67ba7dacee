"""The service layer: ``OrderService`` (commands in units of work), ``DeadlineRunner`` (fires due
deadlines from any number of worker processes) and ``OutboxRelay`` (delivers effects)."""

from ..errors import OrderExists
from .handling import OrderService
from .relay import OutboxRelay
from .runner import DeadlineRunner

__all__ = ["DeadlineRunner", "OrderExists", "OrderService", "OutboxRelay"]
