"""Table tests of the after-sales engine against the default policy file."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from bot.enums import Category, Disposition, OrderStage, Reason, Resolution, Review
from bot.policy import DEFAULT_PATH, ClaimFacts, Policy, describe, evaluate, human_age, load_policy

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
S = timedelta(seconds=1)
D = timedelta(days=1)
FRESH, STANDARD, CUSTOM, HIGH = Category.FRESH, Category.STANDARD, Category.CUSTOM, Category.HIGH_VALUE
SPOILED, DAMAGED, WRONG, MISSING, NO_REASON = list(Reason)
QUALITY = [SPOILED, DAMAGED, WRONG, MISSING]
R_ORIG, R_BAL, COUPON, EXCHANGE = (Resolution.REFUND_ORIGINAL, Resolution.REFUND_BALANCE,
                                   Resolution.COUPON, Resolution.EXCHANGE)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def claim(category: Category = FRESH, reason: Reason = SPOILED, ago: timedelta | None = H, *,
          price: str = "10.00", bought: str = "2", affected: str | None = None, **extra: Any) -> ClaimFacts:
    """A claim picked up ``ago`` before NOW (None: not picked up), with a photo unless told."""
    extra.setdefault("has_photo", True)
    return ClaimFacts(
        category=category, unit_price=Decimal(price), quantity_bought=Decimal(bought),
        quantity_affected=None if affected is None else Decimal(affected), reason=reason,
        stage=extra.pop("stage", OrderStage.PICKED_UP if ago is not None else OrderStage.ARRIVED),
        picked_up_at=None if ago is None else NOW - ago, now=NOW, **extra,
    )


def custom_policy(tmp_path: Path, change: Callable[[dict], None]) -> Policy:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize("stage", [s for s in OrderStage if s is not OrderStage.PICKED_UP])
@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("reason", [NO_REASON, SPOILED])
def test_before_pickup_anything_can_be_cancelled_for_a_full_refund(policy, stage, category, reason):
    decision = evaluate(policy, claim(category, reason, None, stage=stage, price="250.00",
                                      has_photo=False, returns_last_30_days=9, photo_reused=True))
    assert decision.eligible and decision.rule_id == "before_pickup.cancel"
    assert (decision.refund_amount, decision.full_refund) == (Decimal("500.00"), True)
    assert decision.review is Review.AUTO and decision.missing == () and decision.risk_flags == ()
    assert decision.resolutions == (R_ORIG, R_BAL)
    assert (decision.compensation, decision.disposition, decision.leader_check) == (0, Disposition.NONE, False)
    assert "提货前" in decision.explanation


@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("reason", list(Reason))
def test_every_category_and_reason_within_an_hour(policy, category, reason):
    decision = evaluate(policy, claim(category, reason, H, unopened=True))
    if (category, reason) == (CUSTOM, NO_REASON):
        assert not decision.eligible and decision.rule_id == "custom.no_reason_refused"
    else:
        kind = "quality" if reason.is_quality else "no_reason"
        assert decision.eligible and decision.rule_id == f"{category.value}.{kind}_window"
        assert "1小时前" in decision.explanation


@pytest.mark.parametrize("category, reason, ago, unopened, rule_id", [
    (FRESH, SPOILED, 23 * H + 59 * 60 * S, None, "fresh.quality_window"),
    (FRESH, SPOILED, 24 * H, None, "fresh.quality_window"),
    (FRESH, SPOILED, 24 * H + S, None, "fresh.quality_expired"),
    (FRESH, DAMAGED, 24 * H + S, None, "fresh.quality_expired"),
    (FRESH, WRONG, 24 * H, None, "fresh.quality_window"),
    (FRESH, MISSING, 24 * H + S, None, "fresh.quality_expired"),
    (FRESH, NO_REASON, 2 * H, True, "fresh.no_reason_window"),
    (FRESH, NO_REASON, 2 * H + S, True, "fresh.no_reason_expired"),
    (FRESH, NO_REASON, 3 * D, False, "fresh.no_reason_expired"),
    (FRESH, NO_REASON, H, False, "fresh.no_reason_opened"),
    (STANDARD, SPOILED, 7 * D, None, "standard.quality_window"),
    (STANDARD, DAMAGED, 7 * D + S, None, "standard.quality_expired"),
    (STANDARD, NO_REASON, 7 * D, True, "standard.no_reason_window"),
    (STANDARD, NO_REASON, 7 * D + S, True, "standard.no_reason_expired"),
    (STANDARD, NO_REASON, D, False, "standard.no_reason_opened"),
    (CUSTOM, SPOILED, 24 * H, None, "custom.quality_window"),
    (CUSTOM, DAMAGED, 24 * H + S, None, "custom.quality_expired"),
    (CUSTOM, NO_REASON, timedelta(minutes=5), True, "custom.no_reason_refused"),
    (HIGH, DAMAGED, 7 * D, None, "high_value.quality_window"),
    (HIGH, DAMAGED, 7 * D + S, None, "high_value.quality_expired"),
    (HIGH, NO_REASON, 7 * D, True, "high_value.no_reason_window"),
    (HIGH, NO_REASON, 7 * D + S, True, "high_value.no_reason_expired"),
    (HIGH, NO_REASON, D, False, "high_value.no_reason_opened"),
])
def test_windows_are_inclusive_to_the_second(policy, category, reason, ago, unopened, rule_id):
    decision = evaluate(policy, claim(category, reason, ago, unopened=unopened))
    assert decision.rule_id == rule_id
    assert decision.eligible is rule_id.endswith("_window")
    if not decision.eligible:
        assert decision.refund_amount == 0 and decision.resolutions == () and decision.compensation == 0


@pytest.mark.parametrize("category, reason, ago, mentions", [
    (FRESH, SPOILED, H, ["生鲜", "24小时", "1小时前", "在时限内"]),
    (FRESH, SPOILED, 3 * D, ["生鲜", "24小时", "3天前", "超过", "转人工"]),
    (FRESH, NO_REASON, 3 * H, ["2小时", "3小时前", "超过", "转人工"]),
    (STANDARD, DAMAGED, 8 * D, ["7天", "8天前", "超过"]),
    (CUSTOM, NO_REASON, H, ["定制", "不支持无理由退", "24小时"]),
    (FRESH, SPOILED, timedelta(seconds=20), ["刚刚提的货"]),
])
def test_explanation_quotes_the_rule_and_the_pickup_time(policy, category, reason, ago, mentions):
    explanation = evaluate(policy, claim(category, reason, ago, unopened=True)).explanation
    for text in mentions:
        assert text in explanation


@pytest.mark.parametrize("category, reason, has_photo, missing, review, leader_check", [
    (FRESH, SPOILED, False, ("photo",), Review.LEADER, False),
    (FRESH, SPOILED, True, (), Review.AUTO, False),
    (FRESH, WRONG, False, ("photo",), Review.LEADER, False),
    (FRESH, MISSING, False, (), Review.LEADER, True),
    (STANDARD, DAMAGED, False, ("photo",), Review.LEADER, False),
    (STANDARD, DAMAGED, True, (), Review.AUTO, False),
    (CUSTOM, SPOILED, False, ("photo",), Review.LEADER, False),
    (CUSTOM, SPOILED, True, (), Review.AUTO, False),
    (HIGH, DAMAGED, False, ("photo",), Review.PLATFORM, False),
    (HIGH, DAMAGED, True, (), Review.PLATFORM, False),
])
def test_quality_claims_need_a_photo_except_missing_items(policy, category, reason, has_photo, missing,
                                                          review, leader_check):
    decision = evaluate(policy, claim(category, reason, H, has_photo=has_photo))
    assert decision.eligible
    assert (decision.missing, decision.review, decision.leader_check) == (missing, review, leader_check)


def test_missing_items_are_checked_by_the_leader_with_nothing_to_return(policy):
    decision = evaluate(policy, claim(FRESH, MISSING, H, has_photo=False))
    assert decision.disposition is Disposition.NONE
    assert "团长" in decision.explanation and "核实" in decision.explanation


@pytest.mark.parametrize("category, unopened, eligible, missing", [
    (FRESH, None, True, ("unopened",)),
    (FRESH, True, True, ()),
    (FRESH, False, False, ()),
    (STANDARD, None, True, ("unopened",)),
    (STANDARD, True, True, ()),
    (STANDARD, False, False, ()),
    (HIGH, None, True, ("unopened",)),
    (HIGH, False, False, ()),
])
def test_no_reason_returns_need_unopened_goods(policy, category, unopened, eligible, missing):
    decision = evaluate(policy, claim(category, NO_REASON, H, unopened=unopened, has_photo=False))
    assert (decision.eligible, decision.missing) == (eligible, missing)
    assert decision.compensation == 0


@pytest.mark.parametrize("unopened", [None, True, False])
def test_quality_claims_on_standard_goods_do_not_need_them_unopened(policy, unopened):
    decision = evaluate(policy, claim(STANDARD, DAMAGED, 3 * D, unopened=unopened))
    assert decision.eligible and decision.missing == () and decision.review is Review.AUTO


@pytest.mark.parametrize("category, leader_check, review", [
    (FRESH, True, Review.LEADER),
    (STANDARD, False, Review.LEADER),
    (HIGH, False, Review.PLATFORM),
])
def test_no_reason_returns_are_never_approved_automatically(policy, category, leader_check, review):
    decision = evaluate(policy, claim(category, NO_REASON, H, unopened=True))
    assert (decision.leader_check, decision.review) == (leader_check, review)
    if leader_check:
        assert "团长" in decision.explanation


@pytest.mark.parametrize("category, disposition, mention", [
    (FRESH, Disposition.ON_SITE, "就地处理"),
    (STANDARD, Disposition.RETURN_TRIP, "返程车"),
    (CUSTOM, Disposition.ON_SITE, "就地处理"),
    (HIGH, Disposition.COURIER_PICKUP, "上门取件"),
])
def test_disposition_per_category_is_told_to_the_customer(policy, category, disposition, mention):
    decision = evaluate(policy, claim(category, DAMAGED, H))
    assert decision.disposition is disposition and mention in decision.explanation


@pytest.mark.parametrize("category, reason, resolutions", [
    (FRESH, SPOILED, (R_ORIG, R_BAL, COUPON)),
    (FRESH, WRONG, (R_ORIG, R_BAL, COUPON, EXCHANGE)),
    (FRESH, NO_REASON, (R_ORIG, R_BAL, COUPON)),
    (STANDARD, DAMAGED, (R_ORIG, R_BAL, COUPON, EXCHANGE)),
    (STANDARD, WRONG, (R_ORIG, R_BAL, COUPON, EXCHANGE)),
    (CUSTOM, WRONG, (R_ORIG, R_BAL, COUPON, EXCHANGE)),
    (HIGH, DAMAGED, (R_ORIG, R_BAL, COUPON)),
])
def test_resolutions_offered_in_display_order(policy, category, reason, resolutions):
    assert evaluate(policy, claim(category, reason, H, unopened=True)).resolutions == resolutions


@pytest.mark.parametrize("price, bought, affected, amount, full", [
    ("12.50", "2", None, "25.00", True),
    ("12.50", "2", "1", "12.50", False),
    ("12.50", "2", "2", "25.00", True),
    ("9.99", "2.5", "1.5", "14.99", False),  # 14.985 rounds half up
    ("3.33", "3", "0.5", "1.67", False),  # 1.665 rounds half up
    ("0.00", "1", None, "0.00", True),
])
def test_refund_follows_the_affected_quantity(policy, price, bought, affected, amount, full):
    decision = evaluate(policy, claim(FRESH, SPOILED, H, price=price, bought=bought, affected=affected))
    assert (decision.refund_amount, decision.full_refund) == (Decimal(amount), full)
    assert decision.refund_amount <= Decimal(price) * Decimal(bought)


@pytest.mark.parametrize("category, reason, ago, compensation", [
    (FRESH, SPOILED, H, "3.00"),
    (FRESH, MISSING, H, "3.00"),
    (STANDARD, WRONG, H, "3.00"),
    (HIGH, DAMAGED, H, "3.00"),
    (FRESH, SPOILED, 2 * D, "0"),  # refused: no coupon
    (FRESH, NO_REASON, H, "0"),
    (STANDARD, NO_REASON, H, "0"),
    (FRESH, SPOILED, None, "0"),  # cancelled before pickup
])
def test_quality_problems_earn_a_compensation_coupon(policy, category, reason, ago, compensation):
    decision = evaluate(policy, claim(category, reason, ago, unopened=True))
    assert decision.compensation == Decimal(compensation)


@pytest.mark.parametrize("category, reason, price, review", [
    (FRESH, SPOILED, "15.00", Review.AUTO),
    (FRESH, SPOILED, "15.01", Review.PLATFORM),  # 30.02
    (STANDARD, DAMAGED, "15.00", Review.AUTO),
    (FRESH, MISSING, "15.00", Review.LEADER),
    (FRESH, MISSING, "15.01", Review.PLATFORM),
    (STANDARD, NO_REASON, "15.00", Review.LEADER),
    (STANDARD, NO_REASON, "15.01", Review.PLATFORM),
])
def test_review_level_at_the_thirty_yuan_limit(policy, category, reason, price, review):
    decision = evaluate(policy, claim(category, reason, H, price=price, unopened=True))
    assert decision.review is review


@pytest.mark.parametrize("amount, review", [("30.00", Review.AUTO), ("30.01", Review.PLATFORM)])
def test_review_boundary_is_thirty_yuan_exactly(policy, amount, review):
    decision = evaluate(policy, claim(FRESH, SPOILED, H, price=amount, bought="1"))
    assert decision.refund_amount == Decimal(amount) and decision.review is review


@pytest.mark.parametrize("amount, review", [
    ("20.00", Review.AUTO), ("20.01", Review.LEADER), ("50.00", Review.LEADER), ("50.01", Review.PLATFORM),
])
def test_auto_and_leader_limits_are_separate_settings(tmp_path, amount, review):
    changed = custom_policy(tmp_path, lambda d: d["money"].update(auto_approve_limit=20, leader_approval_limit=50))
    assert evaluate(changed, claim(FRESH, SPOILED, H, price=amount, bought="1")).review is review


@pytest.mark.parametrize("category, price, rule_id, disposition", [
    (STANDARD, "200.00", "standard.quality_window", Disposition.RETURN_TRIP),
    (STANDARD, "200.01", "high_value.quality_window", Disposition.COURIER_PICKUP),
    (FRESH, "268.00", "fresh.quality_window", Disposition.ON_SITE),
    (HIGH, "20.00", "high_value.quality_window", Disposition.COURIER_PICKUP),
])
def test_high_value_threshold(policy, category, price, rule_id, disposition):
    decision = evaluate(policy, claim(category, DAMAGED, 3 * H, price=price, bought="1"))
    assert (decision.rule_id, decision.disposition) == (rule_id, disposition)
    assert decision.review is Review.PLATFORM


def test_high_value_standard_goods_get_the_high_value_window(policy):
    assert evaluate(policy, claim(STANDARD, NO_REASON, 7 * D, price="200.01", unopened=True)).eligible


@pytest.mark.parametrize("extra, flags", [
    ({"returns_last_30_days": 3}, ()),
    ({"returns_last_30_days": 4}, ("frequent_returns",)),
    ({"photo_reused": True}, ("photo_reused",)),
    ({"photo_stale": True}, ("photo_stale",)),
    ({"returns_last_30_days": 5, "photo_reused": True, "photo_stale": True},
     ("frequent_returns", "photo_reused", "photo_stale")),
])
def test_risk_flags_send_eligible_claims_to_the_platform(policy, extra, flags):
    decision = evaluate(policy, claim(FRESH, SPOILED, H, **extra))
    assert decision.eligible and decision.risk_flags == flags
    assert decision.review is (Review.PLATFORM if flags else Review.AUTO)


def test_risk_flags_are_reported_on_refused_claims_too(policy):
    decision = evaluate(policy, claim(FRESH, SPOILED, 3 * D, photo_reused=True))
    assert not decision.eligible and decision.risk_flags == ("photo_reused",)


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


@pytest.mark.parametrize("changes", [
    {"now": naive(NOW)},
    {"picked_up_at": naive(NOW - H)},
    {"picked_up_at": None},
    {"stage": OrderStage.ARRIVED},
    {"picked_up_at": NOW + S},
    {"quantity_affected": Decimal("0")},
    {"quantity_affected": Decimal("-1")},
    {"quantity_affected": Decimal("2.01")},
    {"quantity_bought": Decimal("0")},
    {"unit_price": Decimal("-0.01")},
    {"returns_last_30_days": -1},
])
def test_impossible_facts_are_rejected(policy, changes):
    facts = claim(FRESH, SPOILED, H, bought="2")
    with pytest.raises(ValueError):
        evaluate(policy, replace(facts, **changes))


def test_pickup_in_another_timezone_is_compared_correctly(policy):
    beijing = timezone(timedelta(hours=8))
    facts = claim(FRESH, SPOILED, H)
    moved = replace(facts, picked_up_at=(NOW - 24 * H).astimezone(beijing))
    assert evaluate(policy, moved).eligible


def test_describe_all_quotes_the_real_numbers(policy):
    text = "\n".join(describe(policy))
    for fact in ["提货前", "生鲜", "24小时", "2小时", "标品", "7天", "定制", "高价值", "200元", "3元", "30元"]:
        assert fact in text


@pytest.mark.parametrize("category, mentions, absent", [
    (FRESH, ["生鲜", "24小时", "2小时", "3元"], "标品（"),
    (CUSTOM, ["定制", "24小时", "不支持无理由退"], "生鲜"),
    (STANDARD, ["标品", "7天", "返程车"], "生鲜"),
])
def test_describe_one_category(policy, category, mentions, absent):
    text = "\n".join(describe(policy, category))
    assert all(m in text for m in mentions) and absent not in text


def test_changed_numbers_change_both_the_rule_and_its_explanation(tmp_path):
    def change(data: dict) -> None:
        data["categories"]["fresh"]["quality_hours"] = 48
        data["money"]["compensation_coupon"] = 5

    changed = custom_policy(tmp_path, change)
    decision = evaluate(changed, claim(FRESH, SPOILED, 30 * H))
    assert decision.eligible and decision.compensation == Decimal("5.00")
    assert "2天" in decision.explanation and "24小时" not in decision.explanation
    assert not evaluate(changed, claim(FRESH, SPOILED, 48 * H + S)).eligible
    text = "\n".join(describe(changed, FRESH))
    assert "2天" in text and "5元" in text


@pytest.mark.parametrize("age, text", [
    (timedelta(0), "刚刚"), (59 * S, "刚刚"), (60 * S, "1分钟前"), (59 * 60 * S, "59分钟前"),
    (H, "1小时前"), (H + 5 * 60 * S, "1小时5分钟前"), (23 * H + 59 * 60 * S, "23小时59分钟前"),
    (24 * H + S, "24小时前"), (47 * H + 30 * 60 * S, "47小时前"), (2 * D, "2天前"), (3 * D + 5 * H, "3天前"),
])
def test_ages_are_rendered_humanly(age, text):
    assert human_age(age) == text
