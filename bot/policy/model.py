"""The after-sales policy as typed, immutable data, loaded and validated from YAML.

The policy file (``after_sales.yml`` next to this module) is the single source of truth
for every window, threshold and customer-facing text; see the comments at its top.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
import string
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, TypeVar

import yaml

from bot.enums import Category, Disposition, Reason, Resolution

DEFAULT_PATH = Path(__file__).with_name("after_sales.yml")

_CENT = Decimal("0.01")
_DIGIT = re.compile(r"[0-9０-９]")
_E = TypeVar("_E", bound=Enum)

#: Placeholders every text may use (engine.policy_context renders exactly these).
POLICY_FIELDS = frozenset({
    "compensation", "auto_approve_limit", "leader_approval_limit", "high_value_price", "promoted",
    "frequent_returns_max", "frequent_returns_days", "leader_review_hours", "platform_review_hours",
})
#: Placeholders of decision texts (``texts.*`` except ``describe_*``).
DECISION_FIELDS = POLICY_FIELDS | {"category", "window", "age"}


class PolicyError(Exception):
    """The policy file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class CategoryRules:
    """After-pickup rules for one category (hours are inclusive windows after pickup).

    ``leader_review_hours`` None means the policy-wide ``Policy.leader_review_hours``.
    """

    name: str
    quality_hours: int
    leader_verifies: frozenset[Reason]
    no_reason_hours: int | None
    no_reason_leader_check: bool
    leader_review_hours: int | None
    disposition: Disposition
    disposition_note: str
    resolutions: tuple[Resolution, ...]
    describe: str


@dataclass(frozen=True)
class HistoryRules:
    """How a customer's return history scores (0–100; ``bot.risk.history``).

    Points: ``per_recent_return`` for each return in the policy's
    ``frequent_returns_days``; up to ``for_return_rate`` for the share of the order lines
    of the last ``days`` days that were returned, nothing up to
    ``usual_return_rate_percent`` and linearly more above it; ``per_rejected_claim`` for
    each claim rejected in the last ``days`` days. ``review_score`` or more raises the
    flag ``return_history``, which sends the claim to platform review.
    """

    days: int
    per_recent_return: int
    for_return_rate: int
    usual_return_rate_percent: int
    per_rejected_claim: int
    review_score: int


@dataclass(frozen=True)
class Texts:
    """Customer-facing Chinese templates; field names match rule-id suffixes."""

    before_pickup: str
    quality_window: str
    quality_expired: str
    no_reason_window: str
    no_reason_expired: str
    no_reason_opened: str
    no_reason_refused: str
    leader_verifies: str
    leader_accepts: str
    describe_before_pickup: str
    describe_compensation: str
    describe_review: str


@dataclass(frozen=True)
class Policy:
    """The whole after-sales policy: money in yuan (2 places), windows and service levels in hours.

    A leader's first check (初审) is due ``leader_review_hours_for(category)`` hours after the
    case opened and goes to the platform if still undecided ``leader_escalate_hours`` after
    it opened. ``supplier_alert_incidents`` quality cases for one supplier within
    ``supplier_alert_days`` days raise a procurement alert.
    """

    compensation_coupon: Decimal
    auto_approve_limit: Decimal
    leader_approval_limit: Decimal
    high_value_price: Decimal
    high_value_promotes: frozenset[Category]
    frequent_returns_max: int
    frequent_returns_days: int
    history: HistoryRules
    photo_match_bits: int
    photo_stale_minutes: int
    leader_review_hours: int
    leader_escalate_hours: int
    platform_review_hours: int
    supplier_alert_incidents: int
    supplier_alert_days: int
    before_pickup_resolutions: tuple[Resolution, ...]
    reason_resolutions: Mapping[Reason, tuple[Resolution, ...]]
    no_goods_reasons: frozenset[Reason]
    categories: Mapping[Category, CategoryRules]
    texts: Texts
    # Days a coupon (compensation, goodwill, a refund paid as a coupon) stays usable.
    coupon_valid_days: int = 30

    def leader_review_hours_for(self, category: Category) -> int:
        """Hours a leader has for the first check of a case about ``category`` goods.

        Args:
            category: The product's category.

        Returns:
            The category's own deadline, else the policy-wide ``leader_review_hours``.
        """
        own = self.categories[Category(category)].leader_review_hours
        return self.leader_review_hours if own is None else own


def load_policy(path: Path | None = None) -> Policy:
    """Loads and validates a policy file.

    Args:
        path: The YAML file; None loads the packaged ``after_sales.yml`` (cached).

    Returns:
        The validated policy.

    Raises:
        PolicyError: The file cannot be read or parsed, a key is missing or unknown, a
            name is not a known category/reason/resolution/disposition, a value is out of
            range, or a text has a digit or an unknown placeholder.
    """
    return _load_default() if path is None else _load(Path(path))


@lru_cache(maxsize=1)
def _load_default() -> Policy:
    return _load(DEFAULT_PATH)


class _Section:
    """A mapping read key by key, so that missing and unknown keys are both reported."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise PolicyError(f"{where}: expected a mapping, got {type(data).__name__}")
        self._data, self._where = dict(data), where

    def path(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where != "top level" else key

    def raw(self, key: str) -> Any:
        if key not in self._data:
            guess = difflib.get_close_matches(key, map(str, self._data), n=1)
            raise PolicyError(f"{self._where}: missing key '{key}'" + (f" (found '{guess[0]}')" if guess else ""))
        return self._data.pop(key)

    def section(self, key: str) -> _Section:
        return _Section(self.raw(key), self.path(key))

    def count(self, key: str, *, nullable: bool = False) -> int | None:
        value = self.raw(key)
        if (value is None and nullable) or (type(value) is int and value > 0):
            return value
        raise PolicyError(f"{self.path(key)}: expected a positive whole number, got {value!r}")

    def whole(self, key: str, low: int, high: int) -> int:
        value = self.raw(key)
        if type(value) is int and low <= value <= high:
            return value
        raise PolicyError(f"{self.path(key)}: expected a whole number from {low} to {high}, got {value!r}")

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if type(value) is bool:
            return value
        raise PolicyError(f"{self.path(key)}: expected true or false, got {value!r}")

    def money(self, key: str) -> Decimal:
        value = self.raw(key)
        if type(value) in (int, float) and math.isfinite(value) and value >= 0:
            return Decimal(str(value)).quantize(_CENT)
        raise PolicyError(f"{self.path(key)}: expected an amount in yuan, got {value!r}")

    def text(self, key: str) -> str:
        value = self.raw(key)
        if isinstance(value, str) and value.strip():
            return value
        raise PolicyError(f"{self.path(key)}: expected a text, got {value!r}")

    def names(self, key: str, enum: type[_E]) -> tuple[_E, ...]:
        value = self.raw(key)
        if isinstance(value, list):
            return tuple(_member(enum, item, self.path(key)) for item in value)
        raise PolicyError(f"{self.path(key)}: expected a list, got {value!r}")

    def keyed(self, enum: type[_E]) -> list[tuple[_E, str]]:
        """Reads the keys (not yet taken) as names of ``enum``: [(member, key)]."""
        return [(_member(enum, key, self._where), key) for key in list(self._data)]

    def done(self) -> None:
        if self._data:
            raise PolicyError(f"{self._where}: unknown key(s) {', '.join(map(str, self._data))}")


def _member(enum: type[_E], name: Any, where: str) -> _E:
    try:
        return enum(name)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise PolicyError(f"{where}: unknown {enum.__name__.lower()} '{name}' (expected one of {known})") from None


def _load(path: Path) -> Policy:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise PolicyError(f"cannot read policy {path}: {error}") from error
    try:
        return _build(data)
    except PolicyError as error:
        raise PolicyError(f"policy {path}: {error}") from None


def _build(data: Any) -> Policy:
    root = _Section(data, "top level")
    money, risk = root.section("money"), root.section("risk")
    levels, alert = root.section("service_levels"), root.section("supplier_alert")
    extra, groups = root.section("reason_resolutions"), root.section("categories")
    policy = Policy(
        compensation_coupon=money.money("compensation_coupon"),
        auto_approve_limit=money.money("auto_approve_limit"),
        leader_approval_limit=money.money("leader_approval_limit"),
        high_value_price=money.money("high_value_price"),
        high_value_promotes=frozenset(root.names("high_value_promotes", Category)),
        frequent_returns_max=risk.count("frequent_returns_max"),
        frequent_returns_days=risk.count("frequent_returns_days"),
        history=_history(risk.section("history")),
        photo_match_bits=risk.whole("photo_match_bits", 1, 71),
        photo_stale_minutes=risk.whole("photo_stale_minutes", 0, 7 * 24 * 60),
        leader_review_hours=levels.count("leader_review_hours"),
        leader_escalate_hours=levels.count("leader_escalate_hours"),
        platform_review_hours=levels.count("platform_review_hours"),
        supplier_alert_incidents=alert.count("incidents"),
        supplier_alert_days=alert.count("days"),
        before_pickup_resolutions=root.names("before_pickup_resolutions", Resolution),
        reason_resolutions=MappingProxyType({r: extra.names(key, Resolution) for r, key in extra.keyed(Reason)}),
        no_goods_reasons=frozenset(root.names("no_goods_reasons", Reason)),
        categories=MappingProxyType({c: _category(groups.section(key)) for c, key in groups.keyed(Category)}),
        texts=_texts(root.section("texts")),
        coupon_valid_days=money.count("coupon_valid_days"),
    )
    for section in (root, money, risk, levels, alert):
        section.done()
    _check(policy)
    return policy


def _category(section: _Section) -> CategoryRules:
    rules = CategoryRules(
        name=section.text("name"),
        quality_hours=section.count("quality_hours"),
        leader_verifies=frozenset(section.names("leader_verifies", Reason)),
        no_reason_hours=section.count("no_reason_hours", nullable=True),
        no_reason_leader_check=section.flag("no_reason_leader_check"),
        leader_review_hours=section.count("leader_review_hours", nullable=True),
        disposition=_member(Disposition, section.raw("disposition"), section.path("disposition")),
        disposition_note=section.text("disposition_note"),
        resolutions=section.names("resolutions", Resolution),
        describe=section.text("describe"),
    )
    section.done()
    return rules


def _history(section: _Section) -> HistoryRules:
    rules = HistoryRules(
        days=section.count("days"),
        per_recent_return=section.whole("points_per_recent_return", 0, 100),
        for_return_rate=section.whole("points_for_return_rate", 0, 100),
        usual_return_rate_percent=section.whole("usual_return_rate_percent", 0, 99),
        per_rejected_claim=section.whole("points_per_rejected_claim", 0, 100),
        review_score=section.whole("review_score", 1, 100),
    )
    section.done()
    return rules


def _texts(section: _Section) -> Texts:
    texts = Texts(**{f.name: section.text(f.name) for f in dataclasses.fields(Texts)})
    section.done()
    return texts


def _check(policy: Policy) -> None:
    missing = [c.value for c in Category if c not in policy.categories]
    if missing:
        raise PolicyError(f"categories: missing {', '.join(missing)}")
    if policy.history.days < policy.frequent_returns_days:
        raise PolicyError("risk.history.days must not be shorter than risk.frequent_returns_days")
    if policy.auto_approve_limit > policy.leader_approval_limit:
        raise PolicyError("money: auto_approve_limit must not exceed leader_approval_limit")
    for category in Category:
        review = policy.leader_review_hours_for(category)
        if policy.leader_escalate_hours <= review:
            raise PolicyError(
                f"service_levels: leader_escalate_hours ({policy.leader_escalate_hours}) must be "
                f"later than the first check deadline of {category.value} ({review})"
            )
    for field in dataclasses.fields(Texts):
        allowed = POLICY_FIELDS if field.name.startswith("describe_") else DECISION_FIELDS
        _check_template(f"texts.{field.name}", getattr(policy.texts, field.name), allowed)
    for category, rules in policy.categories.items():
        where = f"categories.{category.value}"
        _check_template(f"{where}.disposition_note", rules.disposition_note, DECISION_FIELDS)
        allowed = POLICY_FIELDS | {"category", "quality_window"}
        if rules.no_reason_hours is not None:
            allowed |= {"no_reason_window"}
        _check_template(f"{where}.describe", rules.describe, allowed)


def _check_template(where: str, template: str, allowed: frozenset[str]) -> None:
    if _DIGIT.search(template):
        raise PolicyError(f"{where}: type no numbers into texts; use a placeholder such as {{compensation}}")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise PolicyError(f"{where}: malformed template ({error})") from None
    unknown = fields - allowed
    if unknown:
        names = ", ".join("{" + name + "}" for name in sorted(unknown))
        raise PolicyError(f"{where}: unknown placeholder(s) {names} (available: {', '.join(sorted(allowed))})")
