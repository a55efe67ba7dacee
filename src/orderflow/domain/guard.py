"""What each pure entry point of the core (``place_order``, ``decide``, ``replay``) does around its work.

- It computes in a decimal context that represents every result of the core exactly, whatever
  context the host's thread has: a host that set ``prec=6`` must still get 1,000,000.00 paid,
  not ``1.00000E+6`` (issue 13 item 6). The core only adds, subtracts, compares and pads
  amounts below 10**15 with at most 4 decimals (its one product, the tip cap, is computed in
  ``money.CONTEXT`` explicitly), so any context of at least 28 digits and an ``Emax`` of at least
  99 gives exact results, whatever its rounding and traps: such a host context (the default one)
  is used as it is. Any other is swapped for ``money.CONTEXT`` for the call and put back after.
  (A host that also sets ``Emin`` above -99 or clamps exponents with a tiny ``Emax`` is not
  detected: reading each attribute of a context costs about 600 instructions on every call.)
- It reports an instant that Python's ``datetime`` cannot represent as ``InvalidTime``. The
  supported ranges (``dates.EARLIEST``..``dates.LATEST``, capped durations) keep every deadline
  representable, so this is a backstop for histories built around the checks, never a path
  that valid input takes.

Cost, in callgrind instructions per ``decide`` (about 28,000): swapping always costs about 4,800
(two context-variable sets and the wrapper), the check of ``prec`` and ``Emax`` about 2,200
(+7.6 %, measured side by side with ``decide.__wrapped__``). Sharing one ``Context`` object
between threads is safe: every operation runs under the GIL and the core never reads the
context's flags.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import getcontext, setcontext
from typing import ParamSpec, TypeVar

from .errors import InvalidTime
from .money import CONTEXT

_DIGITS = 28  # enough for any sum of supported amounts: 10**15 with 4 decimals is 20 digits
_EXPONENT = 99
_BEYOND = "a deadline would fall outside the supported range of instants"
P = ParamSpec("P")
R = TypeVar("R")


def entry_point(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run in the core's decimal context, an unrepresentable instant as InvalidTime."""

    @functools.wraps(function)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        host = getcontext()
        if host.prec >= _DIGITS and host.Emax >= _EXPONENT:
            try:
                return function(*args, **kwargs)
            except OverflowError:
                raise InvalidTime(_BEYOND) from None
        setcontext(CONTEXT)
        try:
            return function(*args, **kwargs)
        except OverflowError:
            raise InvalidTime(_BEYOND) from None
        finally:
            setcontext(host)

    return guarded
