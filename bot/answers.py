"""Reads customers' short answers to the return form's questions."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from bot.choices import parse_choice
from bot.enums import Reason, Resolution
from bot.quantity import in_line_unit, parse_quantity

# The order of the numbered reason question in domain.yml (utter_ask_problem_reason).
REASON_OPTIONS = (Reason.SPOILED, Reason.DAMAGED, Reason.WRONG_ITEM, Reason.MISSING,
                  Reason.NO_REASON)
REASON_BY_INTENT = {
    "report_spoiled": Reason.SPOILED,
    "report_damaged": Reason.DAMAGED,
    "report_wrong_item": Reason.WRONG_ITEM,
    "report_missing_item": Reason.MISSING,
    "return_no_reason": Reason.NO_REASON,
}
# Checked in this order: the customer's own mistake before "错", "漏发" before "漏",
# "压坏/摔坏" (damage) before "坏" (spoiled).
_REASON_WORDS = (
    (Reason.NO_REASON, r"不想要|不要了|买多|拍错|下错|无理由|没问题"),
    (Reason.MISSING, r"少|漏发|没收到|缺|不够"),
    (Reason.DAMAGED, r"破|碎|裂|压|漏|化了|瘪|摔"),
    (Reason.WRONG_ITEM, r"错|不是我买的|不对"),
    (Reason.SPOILED, r"坏|烂|霉|臭|馊|变质|不新鲜|虫|酸了|过期"),
)
_UNOPENED_YES = re.compile(r"没拆|未拆|没开|没打开|没有拆|没有打开|没动|原封|完好|未开封|没开封")
_UNOPENED_NO = re.compile(r"拆了|拆开|打开了|开了|开封了|吃了|用了|尝了|已拆|拆过")
_RESOLUTION_WORDS = (
    (Resolution.REFUND_BALANCE, r"余额"),
    (Resolution.COUPON, r"券"),
    (Resolution.EXCHANGE, r"换"),
    (Resolution.REFUND_ORIGINAL, r"原路|微信|退钱|退款|银行卡|支付宝|原来"),
)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def reason(text: str, intent: str | None = None) -> Reason | None:
    """A reason from a digit (the numbered list), the understood intent, or the words used."""
    if intent in REASON_BY_INTENT:
        return REASON_BY_INTENT[intent]
    picked = parse_choice(text, len(REASON_OPTIONS))
    if picked is not None:
        return REASON_OPTIONS[picked - 1]
    cleaned = _clean(text)
    for candidate, pattern in _REASON_WORDS:
        if re.search(pattern, cleaned):
            return candidate
    return None


def quantity(text: str, line_unit: str, bought: Decimal) -> Decimal | None:
    """The affected amount in the line's unit; ``None`` if no positive amount is given."""
    parsed = parse_quantity(text)
    if parsed is None:
        return None
    amount = in_line_unit(parsed, line_unit, bought)
    return amount if amount > 0 else None


def unopened(text: str, intent: str | None) -> bool | None:
    """Answer to "商品拆封了吗？ 1. 没拆封 2. 已经拆了"."""
    picked = parse_choice(text, 2)
    if picked is not None:
        return picked == 1
    cleaned = _clean(text)
    if _UNOPENED_YES.search(cleaned):
        return True
    if _UNOPENED_NO.search(cleaned):
        return False
    # The question is "opened?": "没有" (deny) means unopened, "是的" means opened.
    if intent == "deny":
        return True
    if intent == "affirm":
        return False
    return None


def resolution(text: str, options: tuple[Resolution, ...]) -> Resolution | None:
    """A resolution among ``options`` by number or by the words used."""
    picked = parse_choice(text, len(options))
    if picked is not None:
        return options[picked - 1]
    cleaned = _clean(text)
    for candidate, pattern in _RESOLUTION_WORDS:
        if candidate in options and re.search(pattern, cleaned):
            return candidate
    return None


def plain_number(value: Decimal) -> str:
    """``2`` rather than ``2.00``; ``1.5`` stays."""
    return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
