"""Intervals over seeds: Student's t from SciPy, paired differences; and honest experiments:
a variant that changes nothing shows no difference, a real effect is detected."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from orderflow import InvalidArgument
from orderflow.experiments import Arm, Experiment, interval, paired, run
from orderflow.experiments.figures import KEYS


def test_the_interval_is_students_t_interval_of_the_mean() -> None:
    values = [89.1, 89.6, 88.7, 90.2, 89.0]
    found = interval(values)
    assert found is not None
    low, high = stats.t.interval(0.95, len(values) - 1, loc=sum(values) / 5, scale=stats.sem(values))
    assert found.n == 5
    assert found.low is not None
    assert found.high is not None
    assert found.low == pytest.approx(low)
    assert found.high == pytest.approx(high)
    assert found.low < found.mean < found.high


def test_one_seed_gives_a_mean_without_an_interval_and_a_missing_value_none() -> None:
    alone = interval([3.0])
    assert alone is not None
    assert (alone.mean, alone.low, alone.high) == (3.0, None, None)
    assert interval([]) is None
    assert interval([1.0, math.nan]) is None


def test_a_paired_difference_is_the_interval_of_the_seed_by_seed_differences() -> None:
    baseline, variant = [10.0, 12.0, 11.0, 15.0], [10.5, 12.4, 11.6, 15.3]
    found = paired(variant, baseline)
    assert found is not None
    assert found.excludes_zero
    assert interval(variant) is not None
    assert not _separate(interval(variant), interval(baseline))
    assert paired(baseline, baseline) == interval([0.0] * 4)
    with pytest.raises(InvalidArgument):
        paired([1.0], [1.0, 2.0])


def _separate(first: object, second: object) -> bool:
    return first.low > second.high or second.low > first.high  # type: ignore[attr-defined,no-any-return]


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_an_interval_always_holds_its_mean(values: list[float]) -> None:
    found = interval(values)
    assert found is not None
    assert found.low is not None
    assert found.high is not None
    assert found.low <= found.mean <= found.high or math.isclose(found.low, found.high)


def test_95_percent_intervals_hold_the_true_mean_95_percent_of_the_time() -> None:
    draw = random.Random(11)
    held = 0
    for _ in range(2000):
        found = interval([draw.gauss(5.0, 2.0) for _ in range(8)])
        assert found is not None
        assert found.low is not None
        assert found.high is not None
        held += found.low <= 5.0 <= found.high
    assert 0.935 <= held / 2000 <= 0.965


SETTINGS = {"market": {"orders": 600}}
SEEDS = tuple(range(1, 7))


@pytest.fixture(scope="module")
def honest() -> object:
    arms = (
        Arm("baseline"),
        Arm("same", ()),  # changes nothing
        Arm("no cap reached", (("policy.revision_cap", 50),)),  # changes a setting that never binds
        Arm("unreliable", (("seller.on_time_probability", 0.5),)),  # a real effect
    )
    return run(Experiment(settings=SETTINGS, arms=arms, seeds=SEEDS))


@pytest.mark.parametrize("arm", ["same", "no cap reached"])
def test_a_variant_that_changes_nothing_differs_by_exactly_zero(honest: object, arm: str) -> None:
    """Under common random numbers, a change with no effect leaves every life as it was."""
    for figure in honest.figure_names:  # type: ignore[attr-defined]
        found = honest.difference(arm, figure)  # type: ignore[attr-defined]
        if found is not None:
            assert (found.mean, found.low, found.high) == (0.0, 0.0, 0.0), figure
            assert not found.excludes_zero
    assert honest.headline()[0 if arm == "same" else 1].endswith("beyond chance over 6 seeds")  # type: ignore[attr-defined]


def test_a_variant_with_a_real_effect_is_detected(honest: object) -> None:
    late = honest.difference("unreliable", "rates.late_delivery_percent")  # type: ignore[attr-defined]
    completed = honest.difference("unreliable", "outcomes.completed.percent")  # type: ignore[attr-defined]
    assert late is not None
    assert late.excludes_zero
    assert late.low > 20
    assert completed is not None
    assert completed.excludes_zero
    assert completed.high < 0
    line = honest.headline()[2]  # type: ignore[attr-defined]
    assert line.startswith("unreliable: completed orders -")
    assert "95 % CI" in line


def test_without_common_random_numbers_a_null_variant_shows_noise_that_the_interval_covers() -> None:
    """Two arms alike but for their seeds: their difference is chance, and the interval says so."""
    shifted = run(Experiment(settings=SETTINGS, arms=(Arm("baseline"),), seeds=tuple(s + 100 for s in SEEDS)))
    alone = run(Experiment(settings=SETTINGS, arms=(Arm("baseline"),), seeds=SEEDS))
    covered = 0
    for key in KEYS:
        found = paired(shifted.values("baseline", key.figure), alone.values("baseline", key.figure))
        assert found is not None
        assert found.deviation or key.figure.endswith("acceptance.p50")  # other seeds: other lives
        covered += not found.excludes_zero
    assert covered >= len(KEYS) - 2  # 95 % intervals: one or two of 16 may miss by chance
