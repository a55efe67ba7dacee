"""``orderflow.simulation``: many orders' lives on a virtual clock, driven by the real core.

``simulate(Setup(...))`` runs a discrete-event simulation of a marketplace (arrivals, sellers and
buyers behaving by ``Behaviour``, a ``Policy``) and returns a ``Run``; ``report(run)`` sums it up
as JSON-ready data, ``text(...)`` as a terminal table. See docs/simulation.md.
"""

from . import config
from .behaviour import Behaviour, BuyerBehaviour, Delay, InvalidBehaviour, MediatorBehaviour, SellerBehaviour
from .config import Config
from .engine import Run, Setup, simulate
from .population import Market
from .report import Report, report, text

__all__ = [
    "Behaviour",
    "BuyerBehaviour",
    "Config",
    "Delay",
    "InvalidBehaviour",
    "Market",
    "MediatorBehaviour",
    "Report",
    "Run",
    "SellerBehaviour",
    "Setup",
    "config",
    "report",
    "simulate",
    "text",
]
