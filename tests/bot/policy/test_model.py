"""Loading and validating the policy file."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
import yaml

from bot.enums import Category, Disposition, Reason, Resolution
from bot.policy import DEFAULT_PATH, Policy, PolicyError, load_policy


def default_data() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_policy_has_the_product_defaults():
    policy = load_policy()
    assert (policy.compensation_coupon, policy.auto_approve_limit, policy.leader_approval_limit,
            policy.high_value_price) == (Decimal("3"), Decimal("30"), Decimal("30"), Decimal("200"))
    assert (policy.frequent_returns_max, policy.frequent_returns_days) == (3, 30)
    assert (policy.leader_review_hours, policy.platform_review_hours) == (4, 24)
    assert (policy.supplier_alert_incidents, policy.supplier_alert_days) == (3, 7)
    windows = {c: (r.quality_hours, r.no_reason_hours) for c, r in policy.categories.items()}
    assert windows == {Category.FRESH: (24, 2), Category.STANDARD: (168, 168),
                       Category.CUSTOM: (24, None), Category.HIGH_VALUE: (168, 168)}
    assert policy.categories[Category.FRESH].disposition is Disposition.ON_SITE
    assert policy.reason_resolutions[Reason.WRONG_ITEM] == (Resolution.EXCHANGE,)


def test_default_load_is_cached_but_other_files_are_read_afresh(tmp_path):
    assert load_policy() is load_policy()
    path = write(tmp_path, default_data())
    first, second = load_policy(path), load_policy(path)
    assert first is not second and first == second


def test_policy_is_immutable():
    policy = load_policy()
    with pytest.raises(AttributeError):
        policy.compensation_coupon = Decimal("100")  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.categories[Category.FRESH] = policy.categories[Category.CUSTOM]  # type: ignore[index]


def test_money_may_have_cents(tmp_path):
    data = default_data()
    data["money"]["compensation_coupon"] = 2.5
    assert load_policy(write(tmp_path, data)).compensation_coupon == Decimal("2.50")


def drop(*keys: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        section = data
        for key in keys[:-1]:
            section = section[key]
        del section[keys[-1]]
    return change


def put(value: object, *keys: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        section = data
        for key in keys[:-1]:
            section = section[key]
        section[keys[-1]] = value
    return change


def rename(new: str, *keys: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        section = data
        for key in keys[:-1]:
            section = section[key]
        section[new] = section.pop(keys[-1])
    return change


@pytest.mark.parametrize("change, message", [
    (drop("money", "compensation_coupon"), "missing key 'compensation_coupon'"),
    (drop("categories", "fresh", "quality_hours"), "missing key 'quality_hours'"),
    (drop("texts", "quality_expired"), "missing key 'quality_expired'"),
    (drop("service_levels"), "missing key 'service_levels'"),
    (drop("categories", "custom"), "missing custom"),
    (rename("quality_hour", "categories", "fresh", "quality_hours"),
     "missing key 'quality_hours' (found 'quality_hour')"),
    (put(1, "money", "refund_cap"), "unknown key(s) refund_cap"),
    (rename("fruit", "categories", "fresh"), "unknown category 'fruit'"),
    (put(["standard", "gadgets"], "high_value_promotes"), "unknown category 'gadgets'"),
    (put(["rotten"], "categories", "fresh", "leader_verifies"), "unknown reason 'rotten'"),
    (rename("wrong", "reason_resolutions", "wrong_item"), "unknown reason 'wrong'"),
    (put(["refund", "coupon"], "categories", "standard", "resolutions"), "unknown resolution 'refund'"),
    (put("ship_back", "categories", "standard", "disposition"), "unknown disposition 'ship_back'"),
    (put(-1, "money", "compensation_coupon"), "compensation_coupon"),
    (put("3元", "money", "compensation_coupon"), "compensation_coupon"),
    (put(24.5, "categories", "fresh", "quality_hours"), "quality_hours"),
    (put(0, "categories", "fresh", "quality_hours"), "quality_hours"),
    (put("24", "categories", "fresh", "quality_hours"), "quality_hours"),
    (put(True, "risk", "frequent_returns_max"), "frequent_returns_max"),
    (put("yes", "categories", "fresh", "no_reason_leader_check"), "no_reason_leader_check"),
    (put("spoiled", "categories", "fresh", "leader_verifies"), "expected a list"),
    (put("", "texts", "leader_accepts"), "leader_accepts"),
    (put(40, "money", "auto_approve_limit"), "auto_approve_limit"),
    (put("生鲜提货后24小时内可以退。", "texts", "quality_window"), "numbers"),
    (put("有质量问题送您一张３元券。", "texts", "describe_compensation"), "numbers"),
    (put("{category}{windw}内可以退。", "texts", "quality_window"), "windw"),
    (put("{category}{window内可以退。", "texts", "quality_window"), "malformed"),
    (put("{age}", "texts", "describe_review"), "age"),
    (put("{no_reason_window}内可以无理由退。", "categories", "custom", "describe"), "no_reason_window"),
    (drop("categories", "standard", "disposition_note"), "disposition_note"),
    (put("{windw}", "categories", "fresh", "disposition_note"), "windw"),
    (put(["a list"], "categories"), "expected a mapping"),
    (drop("service_levels", "leader_escalate_hours"), "missing key 'leader_escalate_hours'"),
    (drop("categories", "standard", "leader_review_hours"), "missing key 'leader_review_hours'"),
    (put(0, "categories", "fresh", "leader_review_hours"), "leader_review_hours"),
    (put(1.5, "categories", "fresh", "leader_review_hours"), "leader_review_hours"),
    (put(4, "service_levels", "leader_escalate_hours"), "leader_escalate_hours (4) must be later"),
    (put(8, "categories", "custom", "leader_review_hours"), "first check deadline of custom (8)"),
])
def test_broken_policy_files_are_rejected_clearly(tmp_path, change, message):
    data = default_data()
    change(data)
    with pytest.raises(PolicyError) as error:
        load_policy(write(tmp_path, data))
    assert message in str(error.value)


@pytest.mark.parametrize("content", [
    "money: [unclosed\n",
    "- just\n- a list\n",
    "",
    b"\xff\xfe not utf-8",
])
def test_unreadable_policy_files_are_rejected(tmp_path, content):
    path = tmp_path / "policy.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy(path)


def test_missing_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nowhere.yml")


def test_default_file_loads_from_its_packaged_path():
    assert isinstance(load_policy(DEFAULT_PATH), Policy)
    assert DEFAULT_PATH.name == "after_sales.yml" and DEFAULT_PATH.parent.name == "policy"


def test_fresh_goods_get_a_shorter_first_check_deadline_others_the_policy_wide_one():
    policy = load_policy()
    deadlines = {c: policy.leader_review_hours_for(c) for c in Category}
    assert deadlines == {Category.FRESH: 2, Category.STANDARD: 4, Category.CUSTOM: 4,
                         Category.HIGH_VALUE: 4}
    assert policy.leader_escalate_hours == 6


def test_category_deadlines_follow_the_policy_wide_deadline_when_not_overridden(tmp_path):
    data = default_data()
    data["service_levels"]["leader_review_hours"] = 3
    data["categories"]["custom"]["leader_review_hours"] = 1
    policy = load_policy(write(tmp_path, data))
    assert policy.leader_review_hours_for(Category.STANDARD) == 3
    assert policy.leader_review_hours_for(Category.CUSTOM) == 1
    assert policy.leader_review_hours_for(Category.FRESH) == 2
