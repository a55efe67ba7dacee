"""Per-order and per-party random draws: a tiny counter-based generator (SplitMix64).

Every order draws from its own stream, seeded from the run's seed and the order's index in the
arrivals, so the same order meets the same draws under two policies (``--compare-policy``) as
long as its life goes the same way, and in whichever shard runs it (``shards``). Every party
draws its trait from a stream of its own (``party_seed``: the seed, its role and its name), so a
party is the same whichever orders meet it first. A ``random.Random`` per live order would cost
2.5 KB each; this costs one int.
"""

from __future__ import annotations

from hashlib import blake2b
from math import cos, exp, log, pi, sqrt

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_UNIT = 2.0**-53
_TAU = 2.0 * pi


def _mix(value: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit value of ``value``."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def stream_seed(seed: int, index: int) -> int:
    """The seed of stream ``index`` of a run seeded with ``seed``."""
    return _mix((_mix(seed & _MASK) + index * _GOLDEN) & _MASK)


class Streams:
    """The streams of a run seeded with ``seed``: ``Streams(seed).draws(index)`` draws as
    ``Draws(stream_seed(seed, index))``, the run's own half of the seed mixed once, not per order."""

    __slots__ = ("base",)

    def __init__(self, seed: int) -> None:
        self.base = _mix(seed & _MASK)

    def draws(self, index: int) -> Draws:
        return Draws(_mix((self.base + index * _GOLDEN) & _MASK))


def party_seed(seed: int, role: str, name: str) -> int:
    """The seed of the stream of party ``name`` playing ``role`` in a run seeded with ``seed``."""
    digest = blake2b(f"{role}:{name}".encode(), digest_size=8, person=b"orderflow-party").digest()
    return stream_seed(seed, int.from_bytes(digest, "big"))


class Draws:
    """One stream of uniform, Bernoulli and log-normal draws."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def uniform(self) -> float:
        """A float in [0, 1)."""
        self.state = value = (self.state + _GOLDEN) & _MASK
        value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK  # _mix, inlined: the hot path
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((value ^ (value >> 31)) >> 11) * _UNIT

    def chance(self, probability: float) -> bool:
        """True with ``probability``; always draws, so later draws do not depend on it."""
        self.state = value = (self.state + _GOLDEN) & _MASK  # uniform(), inlined: the hottest call
        value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((value ^ (value >> 31)) >> 11) * _UNIT < probability

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.uniform()

    def normal(self) -> float:
        """A standard normal draw (Box-Muller, from two uniforms)."""
        first, second = self.uniform(), self.uniform()
        return sqrt(-2.0 * log(1.0 - first)) * cos(_TAU * second)

    def lognormal(self, median: float, spread: float) -> float:
        """``median`` times e to a normal of deviation ``spread`` (Box-Muller)."""
        first = (self.state + _GOLDEN) & _MASK  # two uniform()s, inlined: a delay is drawn per plan
        self.state = second = (first + _GOLDEN) & _MASK
        first = ((first ^ (first >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        first = ((first ^ (first >> 27)) * 0x94D049BB133111EB) & _MASK
        second = ((second ^ (second >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        second = ((second ^ (second >> 27)) * 0x94D049BB133111EB) & _MASK
        radius = sqrt(-2.0 * log(1.0 - ((first ^ (first >> 31)) >> 11) * _UNIT))
        return median * exp(spread * radius * cos(_TAU * (((second ^ (second >> 31)) >> 11) * _UNIT)))
