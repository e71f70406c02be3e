"""Token buckets on a fake clock: refill, burst, notices once a window, bounded memory;
and the RATE_LIMIT_* settings."""
from __future__ import annotations

import pytest

from bot.settings import RateLimitSettings, load_settings
from channels.ratelimit import Rate, TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_burst_passes_then_one_message_per_refill_interval(clock):
    buckets = TokenBuckets(Rate(per_minute=20, burst=3), clock=clock)

    assert [buckets.take("u").allowed for _ in range(4)] == [True, True, True, False]
    refused = buckets.take("u")
    assert refused.retry_after == pytest.approx(3.0) and refused.retry_after_seconds == 3

    clock.now = 2.9
    assert not buckets.take("u").allowed
    clock.now = 3.0
    assert buckets.take("u").allowed
    assert not buckets.take("u").allowed


def test_a_bucket_never_holds_more_than_its_burst(clock):
    buckets = TokenBuckets(Rate(per_minute=60, burst=2), clock=clock)
    buckets.take("u")
    clock.now = 3600  # an hour idle refills to the burst, not to 3600 tokens

    assert [buckets.take("u").allowed for _ in range(3)] == [True, True, False]


def test_retry_after_counts_the_fraction_of_a_token_already_back(clock):
    buckets = TokenBuckets(Rate(per_minute=6, burst=1), clock=clock)  # one per 10 s
    buckets.take("u")
    clock.now = 4.0

    decision = buckets.take("u")

    assert not decision.allowed and decision.retry_after == pytest.approx(6.0)


def test_keys_are_independent(clock):
    buckets = TokenBuckets(Rate(per_minute=1, burst=1), clock=clock)

    assert buckets.take("a").allowed and buckets.take("b").allowed
    assert not buckets.take("a").allowed and not buckets.take("b").allowed


def test_the_notice_flag_is_raised_once_per_window(clock):
    buckets = TokenBuckets(Rate(per_minute=1, burst=1), clock=clock, notice_seconds=60)
    buckets.take("u")

    flags = [buckets.take("u").notify for _ in range(5)]
    clock.now = 30
    flags.append(buckets.take("u").notify)
    clock.now = 59.9  # a token is back at 60 s; still inside the window
    flags.append(buckets.take("u").notify)

    assert flags == [True, False, False, False, False, False, False]
    clock.now = 130  # a token came back at 60 s; used up; refused again after the window
    assert buckets.take("u").allowed and buckets.take("u").notify


def test_peek_does_not_take_a_token_or_remember_strangers(clock):
    buckets = TokenBuckets(Rate(per_minute=60, burst=1), clock=clock)

    assert buckets.peek("stranger").allowed and len(buckets) == 0
    buckets.take("u")
    assert not buckets.peek("u").allowed and not buckets.peek("u").allowed
    clock.now = 1
    assert buckets.peek("u").allowed and buckets.peek("u").allowed and buckets.take("u").allowed


def test_a_zero_rate_or_burst_is_no_limit(clock):
    for rate in (Rate(0, 10), Rate(20, 0)):
        buckets = TokenBuckets(rate, clock=clock)
        assert all(buckets.take("u").allowed for _ in range(1000)) and len(buckets) == 0


def test_idle_buckets_are_dropped_only_when_dropping_changes_nothing(clock):
    # Full again after 3 / (20/min) = 9 s; the notice window (60 s) is longer, so 60 s.
    buckets = TokenBuckets(Rate(per_minute=20, burst=3), clock=clock, notice_seconds=60)
    for n in range(100):
        buckets.take(f"user-{n}")
    for _ in range(3):
        buckets.take("busy")
    assert buckets.take("busy").notify and len(buckets) == 101

    clock.now = 59
    buckets.take("late")
    assert len(buckets) == 102  # nobody idle long enough yet
    assert buckets.take("busy").allowed  # refilled; and touching it keeps it

    clock.now = 60
    buckets.take("late")
    assert len(buckets) == 2  # the 100 idle ones went; "busy" (touched at 59) and "late" stay

    clock.now = 200
    buckets.take("another")
    assert len(buckets) == 1


def test_memory_is_capped_by_dropping_the_least_recently_used(clock):
    buckets = TokenBuckets(Rate(per_minute=1, burst=1), clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        buckets.take(key)
    buckets.take("a")  # a is now the most recently used

    buckets.take("d")

    assert len(buckets) == 3
    assert buckets.take("b").allowed  # b was dropped: it starts afresh
    assert not buckets.take("a").allowed  # a was kept, still empty


def test_the_settings_default_to_limits_no_customer_notices():
    limits = load_settings({}).rate_limits

    assert limits == RateLimitSettings(sender_per_minute=20, sender_burst=15,
                                       ip_per_minute=300, ip_burst=100, max_keys=50_000)


def test_the_settings_are_read_from_the_environment_and_zero_turns_a_limit_off():
    limits = load_settings({"RATE_LIMIT_SENDER_PER_MINUTE": "0", "RATE_LIMIT_SENDER_BURST": "5",
                            "RATE_LIMIT_IP_PER_MINUTE": "100000", "RATE_LIMIT_IP_BURST": "5000",
                            "RATE_LIMIT_MAX_KEYS": "10"}).rate_limits

    assert limits == RateLimitSettings(0, 5, 100000, 5000, 10)
    assert not Rate(limits.sender_per_minute, limits.sender_burst).enabled


@pytest.mark.parametrize("name", ["RATE_LIMIT_SENDER_PER_MINUTE", "RATE_LIMIT_IP_BURST"])
def test_a_negative_limit_is_refused_at_start(name):
    with pytest.raises(ValueError, match=name):
        load_settings({name: "-1"})
