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

Cost, in callgrind instructions: swapping always costs about 4,800 (two context-variable sets and
the wrapper), the check of ``prec`` and ``Emax`` with the wrapper about 1,600 (of a ``decide`` of
about 20,000). So ``decide`` itself is not wrapped. With no deadline due, a command that computes
no amount (``decide.AMOUNT_FREE``) decides the same in any context and skips the guard; a command
that computes amounts makes the guard's test inline (``DIGITS``, ``EXPONENT``) and, in a wide
context, takes the same path; both report an overflow as the guard does. Every other call goes
through the guarded ``_decide_in_context``. Sharing one ``Context`` object between threads is
safe: every operation runs under the GIL and the core never reads the context's flags.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from decimal import getcontext, setcontext
from typing import Any, ParamSpec, TypeVar

from .drafts import compile_function
from .errors import InvalidTime
from .money import CONTEXT

#: A host context with at least ``DIGITS`` digits and an ``Emax`` of at least ``EXPONENT`` is used
#: as it is (``decide`` makes the same test inline): 10**15 with 4 decimals is 20 digits.
DIGITS = 28
EXPONENT = 99
BEYOND = "a deadline would fall outside the supported range of instants"
P = ParamSpec("P")
R = TypeVar("R")


def entry_point(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run in the core's decimal context, an unrepresentable instant as InvalidTime.

    The wrapper takes the function's own parameters (positional, without defaults), not
    ``*args, **kwargs``: packing and unpacking them cost a third of the wrapper.
    """
    parameters = list(inspect.signature(function).parameters.values())
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty for p in parameters):
        raise TypeError(f"entry_point needs plain positional parameters: {function.__qualname__}")
    names = ", ".join(p.name for p in parameters)
    source = (
        f"def {function.__name__}({names}):\n"
        "    host = getcontext()\n"
        "    if host.prec >= _DIGITS and host.Emax >= _EXPONENT:\n"
        "        try:\n"
        f"            return function({names})\n"
        "        except OverflowError:\n"
        "            raise InvalidTime(BEYOND) from None\n"
        f"    return _in_core_context(function, {names})\n"
    )
    namespace: dict[str, Any] = {
        "function": function,
        "getcontext": getcontext,
        "_DIGITS": DIGITS,
        "_EXPONENT": EXPONENT,
        "InvalidTime": InvalidTime,
        "BEYOND": BEYOND,
        "_in_core_context": _in_core_context,
    }
    guarded = compile_function(function, "guarded", source, namespace, function.__name__)
    functools.update_wrapper(guarded, function)
    return guarded


def _in_core_context(function: Callable[..., R], *args: Any) -> R:
    """``function(*args)`` with ``money.CONTEXT`` current, the host's context put back after."""
    host = getcontext()
    setcontext(CONTEXT)
    try:
        return function(*args)
    except OverflowError:
        raise InvalidTime(BEYOND) from None
    finally:
        setcontext(host)
