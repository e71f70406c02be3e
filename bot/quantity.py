"""Reads quantities the way customers write them: 两个, 3盒, 1.5kg, 八两, 一半, 全部.

Weights are converted into the order line's unit when both are weights
(斤/两/公斤/kg/克); counts are taken as the line's unit.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Jin (斤) per unit, for weights.
_WEIGHT_IN_JIN = {
    "斤": Decimal("1"), "两": Decimal("0.1"), "公斤": Decimal("2"), "千克": Decimal("2"),
    "kg": Decimal("2"), "克": Decimal("0.002"), "g": Decimal("0.002"),
}
_COUNT_UNITS = ("个", "盒", "袋", "箱", "瓶", "只", "颗", "份", "台", "包", "把", "根",
                "条", "块", "枚", "串", "杯", "桶", "罐", "提", "板", "支", "听", "件", "粒")
_UNITS = sorted([*_WEIGHT_IN_JIN, *_COUNT_UNITS], key=len, reverse=True)

_CN_NUMBER = "(?:[零〇一二三四五六七八九十百]+|[两俩])"
_NUMBER = rf"(?P<num>\d+(?:\.\d+)?|{_CN_NUMBER}(?:点[零〇一二三四五六七八九]+)?)"
_UNIT = "(?P<unit>" + "|".join(re.escape(u) for u in _UNITS) + ")"
_QUANTITY = re.compile(rf"{_NUMBER}\s*{_UNIT}?(?P<half>半)?", re.IGNORECASE)
_LIANG_AFTER_JIN = re.compile(rf"\s*{_NUMBER}\s*两")
_HALF_ONLY = re.compile(rf"半\s*{_UNIT}")
_EVERYTHING = re.compile(r"全部|全都|都坏|都烂|都破|都是|所有|一整|整[盒箱袋份个]|全坏|全烂|全碎|全破|一个都")
_HALF_OF_IT = re.compile(r"一半")


@dataclass(frozen=True)
class Quantity:
    """What the customer said: an amount (with unit), everything, or a fraction."""

    amount: Decimal | None = None
    unit: str | None = None
    everything: bool = False
    fraction: Decimal | None = None


def _chinese_integer(text: str) -> int | None:
    if all(ch in _DIGITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _number(text: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    whole, _, fraction = text.partition("点")
    integer = _chinese_integer(whole)
    if integer is None:
        return None
    if fraction:
        return Decimal(f"{integer}.{''.join(str(_DIGITS[ch]) for ch in fraction)}")
    return Decimal(integer)


def parse_quantity(text: str) -> Quantity | None:
    """Finds the first quantity in ``text``; ``None`` when there is none."""
    normalised = unicodedata.normalize("NFKC", text or "").lower()
    if _HALF_OF_IT.search(normalised):
        return Quantity(fraction=Decimal("0.5"))
    if _EVERYTHING.search(normalised):
        return Quantity(everything=True)
    half_only = _HALF_ONLY.search(normalised)
    match = _QUANTITY.search(normalised)
    if half_only and (not match or half_only.start() < match.start()):
        return Quantity(amount=Decimal("0.5"), unit=half_only.group("unit"))
    if not match:
        return None
    amount = _number(match.group("num"))
    if amount is None:
        return None
    if match.group("half"):
        amount += Decimal("0.5")
    unit = match.group("unit")
    if unit == "斤":
        # 一斤二两: jin and liang together
        liang = _LIANG_AFTER_JIN.match(normalised, match.end())
        if liang and (extra := _number(liang.group("num"))) is not None:
            amount += extra * _WEIGHT_IN_JIN["两"]
    return Quantity(amount=amount, unit=unit)


def find_quantities(text: str) -> list[tuple[int, int, Quantity]]:
    """Every amount with a unit in ``text`` (``(start, end, quantity)``), in order.

    ``text`` should already be normalised (half-width, lower case); bare numbers
    are left out, since "1" is as likely a pick from a list as an amount.
    """
    found: list[tuple[int, int, Quantity]] = []
    for match in _QUANTITY.finditer(text):
        if found and match.start() < found[-1][1]:
            continue  # the 二两 of 一斤二两, already counted
        unit = match.group("unit")
        amount = _number(match.group("num"))
        if unit is None or amount is None:
            continue
        if match.group("half"):
            amount += Decimal("0.5")
        end = match.end()
        if unit == "斤" and (liang := _LIANG_AFTER_JIN.match(text, end)):
            if (extra := _number(liang.group("num"))) is not None:
                amount += extra * _WEIGHT_IN_JIN["两"]
                end = liang.end()
        found.append((match.start(), end, Quantity(amount=amount, unit=unit)))
    return found


def canonical(quantity: Quantity) -> tuple[Decimal, str | None]:
    """Weights in 斤 (the unit Chinese grocers weigh in); counts as said."""
    assert quantity.amount is not None
    if quantity.unit in _WEIGHT_IN_JIN:
        jin = (quantity.amount * _WEIGHT_IN_JIN[quantity.unit]).normalize()
        return jin, "斤"
    return quantity.amount, quantity.unit


def in_line_unit(quantity: Quantity, line_unit: str, bought: Decimal) -> Decimal:
    """The affected amount expressed in the order line's unit.

    Args:
        quantity: What the customer said.
        line_unit: The unit the line was sold in (斤, 盒, ...).
        bought: How much the line contains, for "everything" and fractions.
    """
    if quantity.everything:
        return bought
    if quantity.fraction is not None:
        return (bought * quantity.fraction).quantize(Decimal("0.01"))
    assert quantity.amount is not None
    unit = quantity.unit
    if unit in _WEIGHT_IN_JIN and line_unit in _WEIGHT_IN_JIN and unit != line_unit:
        jin = quantity.amount * _WEIGHT_IN_JIN[unit]
        return (jin / _WEIGHT_IN_JIN[line_unit]).quantize(Decimal("0.01"))
    return quantity.amount
