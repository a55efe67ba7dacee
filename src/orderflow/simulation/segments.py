"""Which segment a party belongs to: a pure function of its id, its role and the run's seed.

A party's place is a uniform number in [0, 1) hashed from ``(seed, role, id)`` (BLAKE2b, so it
is the same on every machine and Python version); the segments take consecutive stretches of
[0, 1) in the order they are listed, each as wide as its share. So every arm of an experiment
run under a seed puts the same parties in the same segments, whatever the arm changes in their
behaviour, and a larger share of a segment only moves parties into it from the next one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .behaviour import Party, Segment

_SCALE = 2.0**-64


def place(seed: int, role: str, party: str) -> float:
    """The party's uniform place in [0, 1) under ``seed``."""
    digest = hashlib.blake2b(f"{seed}:{role}:{party}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") * _SCALE


def segment_of(seed: int, role: str, party: str, segments: Sequence[Segment[Party]]) -> Segment[Party]:
    """The segment of ``segments`` (not empty) that ``party`` belongs to under ``seed``."""
    at, edge = place(seed, role, party), 0.0
    for segment in segments:
        edge += segment.share
        if at < edge:
            return segment
    return segments[-1]  # the shares add up to 1 within rounding: the last takes what is left
