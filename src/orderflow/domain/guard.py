"""What each pure entry point of the core (``place_order``, ``decide``, ``replay``) does around its work.

- It computes in the core's own decimal context, ``money.CONTEXT`` (50 digits, half-even, the usual
  traps), whatever context the host's thread has: a host that set ``prec=6`` must still get
  1,000,000.00 paid, not ``1.00000E+6`` (issue 13 item 6). The host's context is put back after.
- It reports an instant that Python's ``datetime`` cannot represent as ``InvalidTime``. The
  supported ranges (``dates.EARLIEST``..``dates.LATEST``, capped durations) keep every deadline
  representable, so this is a backstop for histories built around the checks, never a path
  that valid input takes.

Swapping the context costs two calls (about 0.2 µs), measured in docs/performance.md's core
section next to ``decide``'s 7 µs. Sharing one ``Context`` object between threads is safe: every
operation runs under the GIL and the core never reads the context's flags.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import getcontext, setcontext
from typing import ParamSpec, TypeVar

from .errors import InvalidTime
from .money import CONTEXT

P = ParamSpec("P")
R = TypeVar("R")


def entry_point(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run in the core's decimal context, an unrepresentable instant as InvalidTime."""

    @functools.wraps(function)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        host = getcontext()
        setcontext(CONTEXT)
        try:
            return function(*args, **kwargs)
        except OverflowError:
            raise InvalidTime("a deadline would fall outside the supported range of instants") from None
        finally:
            setcontext(host)

    return guarded
