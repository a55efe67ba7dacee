#!/usr/bin/env python3
"""Write ``src/orderflow/domain/currencies.py`` from the ISO 4217 list of the ``iso4217`` package.

That package (``pip install iso4217``, in the ``dev`` extra) ships the list that ISO's maintenance
agency publishes, with each currency's minor unit. The core depends only on attrs, so the table is
copied into a small module; ``tests/unit/test_currencies.py`` checks the copy against the package
whenever it is installed. Run this script again when ISO publishes a new list::

    .venv/bin/python scripts/gen_currencies.py
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from iso4217 import Currency

TARGET = Path(__file__).resolve().parent.parent / "src/orderflow/domain/currencies.py"


def table() -> dict[str, int]:
    """Every ISO 4217 code with a minor unit (gold, test and fund codes without one are left out)."""
    return {c.code: c.exponent for c in Currency if isinstance(c.exponent, int)}


def source() -> str:
    rows = sorted(table().items())
    lines = [f'        "{code}": {units},' for code, units in rows]
    return (
        '"""ISO 4217 currencies and their minor units (decimals), generated: do not edit by hand.\n\n'
        f"Written by ``scripts/gen_currencies.py`` from the ``iso4217`` package {version('iso4217')}\n"
        "(ISO's published list); ``tests/unit/test_currencies.py`` checks it against that package.\n"
        'Codes without a minor unit (gold "XAU", the test code "XTS", "XXX") are not currencies an\n'
        "order can be paid in and are left out.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from collections.abc import Mapping\n"
        "from types import MappingProxyType\n\n"
        "#: Each ISO 4217 code and the number of decimals of its minor unit (JPY 0, EUR 2, KWD 3).\n"
        "MINOR_UNITS: Mapping[str, int] = MappingProxyType(\n    {\n" + "\n".join(lines) + "\n    }\n)\n"
    )


if __name__ == "__main__":
    TARGET.write_text(source(), encoding="utf-8")
    print(f"wrote {len(table())} currencies to {TARGET}")
