"""The load generator's figures: nearest-rank percentiles, throughput over wall time."""
from __future__ import annotations

import pytest

from bot.bench.stats import Latency, Recorder, fmt, percentile, ratio


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))  # 1 … 100

    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([3, 1, 2], 0.5) == 2  # unsorted input
    assert percentile([], 0.5) is None


def test_a_single_slow_message_in_a_hundred_is_the_p99_not_the_p95():
    values = [0.010] * 99 + [2.0]

    latency = Latency.of(values)

    assert latency.count == 100
    assert latency.p95 == pytest.approx(10.0) and latency.p99 == pytest.approx(10.0)
    assert latency.max == pytest.approx(2000.0)
    assert Latency.of([0.010] * 98 + [2.0, 2.0]).p99 == pytest.approx(2000.0)


@pytest.mark.parametrize("fraction", [0, -0.1, 1.5])
def test_a_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(ValueError):
        percentile([1, 2], fraction)


def test_throughput_is_answered_messages_over_wall_time():
    recorder = Recorder(started_at=100.0, finished_at=110.0)
    for _ in range(50):
        recorder.ok(0.2)
    recorder.error("HTTP 500")
    recorder.error("HTTP 500")

    assert recorder.messages == 50
    assert recorder.throughput == pytest.approx(5.0)
    assert recorder.error_count() == 2 and recorder.errors == {"HTTP 500": 2}
    assert Recorder().throughput == 0.0


def test_ratio_and_formatting():
    assert ratio(48.0, 60.0) == pytest.approx(0.8)
    assert ratio(10.0, None) is None and ratio(None, 3.0) is None
    assert fmt(1234.5) == "1,234" or fmt(1234.5) == "1,235"
    assert fmt(None) == "–"
    assert fmt(0.8123, 2) == "0.81"
