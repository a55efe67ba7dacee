"""Intervals over seeds: the mean of a figure with its confidence interval, and the paired
difference between two arms run under the same seeds (common random numbers).

Theory. Each seed is one independent replication, so the values of a figure over the seeds are a
sample; the interval is Student's t interval of its mean, ``mean ± t(0.975, n - 1) · s / √n``
for 95 %, with the quantile from SciPy (``scipy.special.stdtrit``). Two arms under the same seed
share arrivals, parties and draws, so their values are correlated: the difference is taken seed
by seed first and the interval is that of the differences' mean (the paired t interval), far
narrower than two separate intervals. When nothing differs, every difference is exactly 0 and so
is the interval. The functions take plain sequences of floats (one per seed), so they serve any
caller that has per-seed figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import attrs

from ..domain.errors import InvalidArgument

CONFIDENCE = 0.95


@attrs.frozen
class Interval:
    """A mean over ``n`` seeds with its confidence interval (``low``/``high`` None when n < 2)."""

    mean: float
    low: float | None
    high: float | None
    n: int
    deviation: float | None  # the sample standard deviation

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or below 0: a difference that is not chance."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    @property
    def half_width(self) -> float | None:
        return None if self.low is None or self.high is None else (self.high - self.low) / 2


@lru_cache(maxsize=256)
def t_quantile(degrees: int, confidence: float = CONFIDENCE) -> float:
    """Student's t quantile for a two-sided ``confidence`` interval: SciPy's inverse of the t
    distribution function (``scipy.special.stdtrit``, what ``scipy.stats.t.ppf`` computes, for a
    third of ``scipy.stats``' import time)."""
    from scipy.special import stdtrit  # the experiments extra; imported here to keep imports fast

    return float(stdtrit(degrees, 1 - (1 - confidence) / 2))


def interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval | None:
    """The mean of ``values`` and its t interval; None without values or with a missing (NaN) one."""
    n = len(values)
    if n == 0 or any(math.isnan(value) for value in values):
        return None
    mean = math.fsum(values) / n
    if n < 2:
        return Interval(mean, None, None, n, None)
    deviation = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (n - 1))
    half = t_quantile(n - 1, confidence) * deviation / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, deviation)


def paired(
    variant: Sequence[float], baseline: Sequence[float], confidence: float = CONFIDENCE
) -> Interval | None:
    """The mean of the seed-by-seed differences ``variant - baseline`` and its t interval."""
    if len(variant) != len(baseline):
        raise InvalidArgument(f"paired values need the same seeds: {len(variant)} against {len(baseline)}")
    return interval([mine - theirs for mine, theirs in zip(variant, baseline, strict=True)], confidence)
