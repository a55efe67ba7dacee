"""``Draws`` mixes eight uniforms at once (its hot path): the same values, in the same order, as
SplitMix64 one draw at a time."""

from __future__ import annotations

import pytest

from orderflow.simulation.draws import _GOLDEN, _MASK, _UNIT, Draws, _mix


def plain_uniforms(seed: int, count: int) -> list[float]:
    """SplitMix64 one draw at a time: counter ``k`` is ``seed + k * golden``, mixed (the reference)."""
    return [(_mix((seed + (k + 1) * _GOLDEN) & _MASK) >> 11) * _UNIT for k in range(count)]


@pytest.mark.parametrize("seed", [0, 1, 7, _MASK, _MASK - _GOLDEN, 12345678901234567890, -3])
def test_the_eight_lanes_give_the_plain_splitmix_draws_in_order(seed: int) -> None:
    draws = Draws(seed)
    assert [draws.uniform() for _ in range(67)] == plain_uniforms(seed & _MASK, 67)


def test_every_kind_of_draw_takes_the_next_uniforms_of_the_stream() -> None:
    draws, plain = Draws(5), iter(plain_uniforms(5, 40))
    for _ in range(5):  # across block edges: 3 + 2 + 1 draws a round, blocks of 8
        assert draws.chance(0.5) is (next(plain) < 0.5)
        assert draws.between(2.0, 4.0) == 2.0 + 2.0 * next(plain)
        draws.lognormal(3.0, 0.5)
        next(plain), next(plain)
        assert draws.uniform() == next(plain)
        draws.normal()
        next(plain), next(plain)
    assert draws.uniform() == next(plain)
