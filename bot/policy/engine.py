"""Applies the after-sales policy to the facts of one claim, and explains the rules.

Pure functions: no I/O and no clock (the current time is one of the facts).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.enums import Category, Disposition, OrderStage, Reason, Resolution, Review
from bot.policy.model import CategoryRules, Policy

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimFacts:
    """What is known about one order line and the customer's claim.

    Quantities are in the order line's unit (盒, 斤, 个...); ``quantity_affected`` None means
    not known yet (the whole line is assumed). Datetimes are tz-aware; ``picked_up_at`` is None
    unless the stage is ``picked_up``. ``unopened`` None means not asked yet.
    ``returns_last_30_days`` counts the customer's other returns in the policy's risk period
    (``frequent_returns_days``); ``history_score`` is their return-history score, 0–100,
    computed by ``bot.risk.history`` with the policy's ``history`` rules. ``photo_reused``:
    the photo (or an edited copy) is evidence of another case or customer; ``photo_stale``:
    its camera time is well before pickup (``bot.risk.photos``).
    """

    category: Category
    unit_price: Decimal
    quantity_bought: Decimal
    quantity_affected: Decimal | None
    reason: Reason
    stage: OrderStage
    picked_up_at: datetime | None
    now: datetime
    has_photo: bool = False
    unopened: bool | None = None
    photo_reused: bool = False
    photo_stale: bool = False
    returns_last_30_days: int = 0
    history_score: int = 0


@dataclass(frozen=True)
class Decision:
    """The policy's answer to a claim.

    ``missing`` lists what the bot should still ask for ("photo", "unopened"); the claim may
    be eligible meanwhile. A refused claim has no resolutions, refund, compensation or
    disposition, and review AUTO (refused by the rules; the customer can still ask for a human).
    """

    eligible: bool
    rule_id: str
    explanation: str
    missing: tuple[str, ...]
    review: Review
    resolutions: tuple[Resolution, ...]
    refund_amount: Decimal
    full_refund: bool
    compensation: Decimal
    disposition: Disposition
    risk_flags: tuple[str, ...]
    leader_check: bool


def evaluate(policy: Policy, facts: ClaimFacts) -> Decision:
    """Decides whether a claim is eligible and how it is handled.

    Args:
        policy: The after-sales policy.
        facts: The claim; see ClaimFacts.

    Returns:
        The decision, with a customer-facing explanation quoting the rule that decided.

    Raises:
        ValueError: The facts are impossible (naive datetimes, pickup in the future or
            inconsistent with the stage, non-positive or excessive quantities, negative price).
    """
    _check(facts)
    affected = facts.quantity_bought if facts.quantity_affected is None else facts.quantity_affected
    amount = (facts.unit_price * affected).quantize(_CENT, rounding=ROUND_HALF_UP)
    full = affected == facts.quantity_bought
    if facts.stage is not OrderStage.PICKED_UP:
        return Decision(
            eligible=True, rule_id="before_pickup.cancel", explanation=_render(policy, policy.texts.before_pickup),
            missing=(), review=Review.AUTO, resolutions=policy.before_pickup_resolutions, refund_amount=amount,
            full_refund=full, compensation=_ZERO, disposition=Disposition.NONE, risk_flags=(), leader_check=False,
        )
    assert facts.picked_up_at is not None  # guaranteed by _check
    key = _rules_key(policy, facts)
    rules = policy.categories[key]
    quality = facts.reason.is_quality
    window = rules.quality_hours if quality or rules.no_reason_hours is None else rules.no_reason_hours
    age = facts.now - facts.picked_up_at
    context = {"category": rules.name, "window": format_hours(window), "age": human_age(age)}
    flags = _risk_flags(policy, facts)
    refusal = _refusal(facts, rules, age > timedelta(hours=window))
    if refusal:
        return Decision(
            eligible=False, rule_id=f"{key.value}.{refusal}",
            explanation=_render(policy, getattr(policy.texts, refusal), **context), missing=(), review=Review.AUTO,
            resolutions=(), refund_amount=_ZERO, full_refund=False, compensation=_ZERO,
            disposition=Disposition.NONE, risk_flags=flags, leader_check=False,
        )
    if quality:
        leader_check = facts.reason in rules.leader_verifies
        missing = () if leader_check or facts.has_photo else ("photo",)
        notes = [policy.texts.quality_window] + ([policy.texts.leader_verifies] if leader_check else [])
    else:
        leader_check = rules.no_reason_leader_check
        missing = () if facts.unopened else ("unopened",)
        notes = [policy.texts.no_reason_window] + ([policy.texts.leader_accepts] if leader_check else [])
    disposition = Disposition.NONE if facts.reason in policy.no_goods_reasons else rules.disposition
    if disposition is not Disposition.NONE:
        notes.append(rules.disposition_note)
    extra = policy.reason_resolutions.get(facts.reason, ())
    return Decision(
        eligible=True, rule_id=f"{key.value}.{'quality_window' if quality else 'no_reason_window'}",
        explanation="".join(_render(policy, note, **context) for note in notes), missing=missing,
        review=_review(policy, key, flags, amount, auto=quality and not leader_check and not missing),
        resolutions=rules.resolutions + tuple(r for r in extra if r not in rules.resolutions),
        refund_amount=amount, full_refund=full, compensation=policy.compensation_coupon if quality else _ZERO,
        disposition=disposition, risk_flags=flags, leader_check=leader_check,
    )


def describe(policy: Policy, category: Category | None = None) -> list[str]:
    """Explains the rules to a customer (e.g. "水果能退吗", "几天内能退").

    Args:
        policy: The after-sales policy.
        category: Only this category's rules; None for all categories.

    Returns:
        Short Chinese lines: before pickup, the category rules, compensation and approval.
    """
    texts = policy.texts
    lines = [_render(policy, texts.describe_before_pickup)]
    for shown in [category] if category else list(Category):
        rules = policy.categories[shown]
        windows = {"quality_window": format_hours(rules.quality_hours)}
        if rules.no_reason_hours is not None:
            windows["no_reason_window"] = format_hours(rules.no_reason_hours)
        lines.append(_render(policy, rules.describe, category=rules.name, **windows))
    return lines + [_render(policy, texts.describe_compensation), _render(policy, texts.describe_review)]


def policy_context(policy: Policy) -> dict[str, str]:
    """Values of the placeholders every text may use (model.POLICY_FIELDS)."""
    promoted = (policy.categories[c].name for c in Category if c in policy.high_value_promotes)
    return {
        "compensation": format_money(policy.compensation_coupon),
        "auto_approve_limit": format_money(policy.auto_approve_limit),
        "leader_approval_limit": format_money(policy.leader_approval_limit),
        "high_value_price": format_money(policy.high_value_price),
        "promoted": "、".join(promoted),
        "frequent_returns_max": str(policy.frequent_returns_max),
        "frequent_returns_days": str(policy.frequent_returns_days),
        "leader_review_hours": str(policy.leader_review_hours),
        "platform_review_hours": str(policy.platform_review_hours),
    }


def format_money(value: Decimal) -> str:
    """Renders yuan: ``3`` for whole amounts, else ``12.50``."""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def format_hours(hours: int) -> str:
    """Renders a window: whole days from two days up (``7天``), else hours (``24小时``)."""
    return f"{hours // 24}天" if hours >= 48 and hours % 24 == 0 else f"{hours}小时"


def human_age(age: timedelta) -> str:
    """Renders how long ago something happened: 刚刚, 5分钟前, 3小时20分钟前, 30小时前, 3天前."""
    minutes = int(age.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if minutes < 1:
        return "刚刚"
    if hours < 1:
        return f"{minutes}分钟前"
    if hours < 24 and rest:
        return f"{hours}小时{rest}分钟前"
    return f"{hours}小时前" if hours < 48 else f"{hours // 24}天前"


def _render(policy: Policy, template: str, **values: str) -> str:
    return template.format(**policy_context(policy), **values)


def _rules_key(policy: Policy, facts: ClaimFacts) -> Category:
    if facts.category in policy.high_value_promotes and facts.unit_price > policy.high_value_price:
        return Category.HIGH_VALUE
    return facts.category


def _refusal(facts: ClaimFacts, rules: CategoryRules, expired: bool) -> str | None:
    """The rule-id suffix (and text name) refusing the claim, or None if it is in time."""
    if facts.reason.is_quality:
        return "quality_expired" if expired else None
    if rules.no_reason_hours is None:
        return "no_reason_refused"
    if expired:
        return "no_reason_expired"
    return "no_reason_opened" if facts.unopened is False else None


def _risk_flags(policy: Policy, facts: ClaimFacts) -> tuple[str, ...]:
    """The policy's risk flags for the facts, in a fixed order (``bot.risk.FLAG_CODES``)."""
    flags = {
        "frequent_returns": facts.returns_last_30_days > policy.frequent_returns_max,
        "return_history": facts.history_score >= policy.history.review_score,
        "photo_reused": facts.photo_reused,
        "photo_stale": facts.photo_stale,
    }
    return tuple(flag for flag, raised in flags.items() if raised)


def _review(policy: Policy, key: Category, flags: tuple[str, ...], amount: Decimal, *, auto: bool) -> Review:
    """PLATFORM for risk, high value or above the leaders' limit; AUTO for clear small quality claims."""
    if flags or key is Category.HIGH_VALUE or amount > policy.leader_approval_limit:
        return Review.PLATFORM
    if auto and amount <= policy.auto_approve_limit:
        return Review.AUTO
    return Review.LEADER


def _check(facts: ClaimFacts) -> None:
    for name in ("now", "picked_up_at"):
        moment = getattr(facts, name)
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    if (facts.stage is OrderStage.PICKED_UP) != (facts.picked_up_at is not None):
        raise ValueError(f"picked_up_at must be set exactly when the stage is picked_up (stage {facts.stage.value})")
    if facts.picked_up_at is not None and facts.picked_up_at > facts.now:
        raise ValueError(f"picked_up_at {facts.picked_up_at} is after now {facts.now}")
    if facts.unit_price < 0 or facts.quantity_bought <= 0 or facts.returns_last_30_days < 0:
        raise ValueError("unit_price and returns_last_30_days must not be negative, quantity_bought must be positive")
    if not 0 <= facts.history_score <= 100:
        raise ValueError(f"history_score must be 0..100, got {facts.history_score}")
    affected = facts.quantity_affected
    if affected is not None and not 0 < affected <= facts.quantity_bought:
        raise ValueError(f"quantity_affected {affected} must be above 0 and at most quantity_bought "
                         f"{facts.quantity_bought}")
