"""The leader's short answers to a forward summary: ``确认``, ``确认 1 3``, ``取消 2``,
``2 是 尾号1234``, ``2 改 3盒``, ``2 没拆封`` (pure functions, no I/O)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from bot import answers
from bot.choices import parse_choice
from bot.enums import Reason
from bot.quantity import parse_quantity


class ReplyAction(str, Enum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    RESOLVE = "resolve"
    CORRECT = "correct"


@dataclass(frozen=True)
class ForwardReply:
    """A leader's answer to a forward summary.

    ``numbers`` (confirm, cancel): the items named, None for all. ``number`` (resolve,
    correct): the item. ``answer`` (resolve): who or which product. ``quantity`` (the
    words, read against the line by ``correct_item``), ``reason``, ``unopened``: corrections.
    """

    action: ReplyAction
    numbers: frozenset[int] | None = None
    number: int | None = None
    answer: str | None = None
    quantity: str | None = None
    reason: Reason | None = None
    unopened: bool | None = None


_N = r"\d{1,2}"
_ITEM = rf"(?:第\s*)?(?P<n>{_N})\s*(?:号|条|个)?"
_LIST = rf"(?:第\s*)?(?P<list>{_N}(?:\s*(?:[,，、;；/和及跟]|\s)\s*{_N})*)\s*(?:号|条)?"
_CONFIRM_WORD = r"(?:确认|确定|提交|登记|通过)"
_CONFIRM_ALL = re.compile(
    rf"(?:全部|都|全都|好的?|ok|没问题)?\s*{_CONFIRM_WORD}(?:全部|所有|都|吧|了|无误|一下|登记)*")
_CONFIRM_SOME = re.compile(rf"(?:{_CONFIRM_WORD}|只登记)?\s*{_LIST}\s*(?:{_CONFIRM_WORD})?")
_CANCEL_WORD = r"(?:取消|作废|撤销|删除|删掉|去掉|不要了?|不用了?|算了)"
_CANCEL_ALL = re.compile(rf"(?:全部|都|全都)?{_CANCEL_WORD}(?:全部|所有|吧|了)*")
_CANCEL_SOME = (re.compile(rf"{_CANCEL_WORD}\s*{_LIST}"), re.compile(rf"{_LIST}\s*{_CANCEL_WORD}"))
_RESOLVE = re.compile(rf"{_ITEM}\s*(?:就是|是|为|=|→)\s*(?P<rest>.+)")
_CORRECT = re.compile(rf"{_ITEM}\s*(?:改成|改为|改|应该是|更正为?)\s*(?P<rest>.+)")
_UNOPENED_YES = r"没拆封|未拆封|没拆|没开封|未开封|没打开|原封未动|原封不动|包装完好"
_UNOPENED_NO = r"已拆封|拆封了|拆开了|已经拆了|拆了|打开了|开封了"
_UNOPENED = re.compile(rf"{_ITEM}\s*(?:是|改|改成)?\s*(?P<rest>{_UNOPENED_YES}|{_UNOPENED_NO})")


def _tidy(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text or "").strip().lower()
    return " ".join(cleaned.rstrip("。.!！~～ ").split())


def _numbers(listing: str) -> frozenset[int]:
    return frozenset(int(n) for n in re.findall(r"\d+", listing))


def _correction(number: int, rest: str) -> ForwardReply | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", rest):
        return ForwardReply(ReplyAction.CORRECT, number=number, quantity=rest)
    unopened = answers.unopened(rest, None) if re.search(
        rf"{_UNOPENED_YES}|{_UNOPENED_NO}", rest) else None
    quantity = rest if parse_quantity(rest) is not None else None
    wording = re.sub(r"\d+(?:\.\d+)?", "", rest)
    reason = None if parse_choice(wording, 5) is not None else answers.reason(wording)
    if unopened is not None and reason is Reason.NO_REASON:
        reason = None  # "没拆封" is about the goods, not a new reason
    if quantity is None and reason is None and unopened is None:
        return None
    return ForwardReply(ReplyAction.CORRECT, number=number, quantity=quantity, reason=reason,
                        unopened=unopened)


def parse_forward_reply(text: str) -> ForwardReply | None:
    """Reads a leader's answer to a forward summary; None when it is not one.

    Understood: ``确认`` / ``全部确认`` / ``都确认`` / ``没问题`` (all); ``确认 1 3`` /
    ``1,3`` / ``1、3确认`` / ``2`` (those items); ``取消`` (all) / ``取消 2`` / ``2 不要了``
    (those items); ``2 是 尾号1234`` / ``2是1`` / ``2 是 蓝莓`` (who or which product);
    ``2 改 3盒`` / ``2 改 变质`` / ``2 改成一半`` (corrections); ``2 没拆封``.
    """
    tidy = _tidy(text)
    if not tidy:
        return None
    if _CONFIRM_ALL.fullmatch(tidy):
        return ForwardReply(ReplyAction.CONFIRM)
    if match := _CONFIRM_SOME.fullmatch(tidy):
        return ForwardReply(ReplyAction.CONFIRM, numbers=_numbers(match["list"]))
    if _CANCEL_ALL.fullmatch(tidy):
        return ForwardReply(ReplyAction.CANCEL)
    for pattern in _CANCEL_SOME:
        if match := pattern.fullmatch(tidy):
            return ForwardReply(ReplyAction.CANCEL, numbers=_numbers(match["list"]))
    if match := _UNOPENED.fullmatch(tidy):
        unopened = re.fullmatch(_UNOPENED_YES, match["rest"]) is not None
        return ForwardReply(ReplyAction.CORRECT, number=int(match["n"]), unopened=unopened)
    if match := _CORRECT.fullmatch(tidy):
        return _correction(int(match["n"]), match["rest"].strip())
    if match := _RESOLVE.fullmatch(tidy):
        return ForwardReply(ReplyAction.RESOLVE, number=int(match["n"]),
                            answer=match["rest"].strip())
    return None


def pick(answer: str, count: int) -> int | None:
    """A 1-based pick among ``count`` options (``1``, ``①``, ``第二个``).

    Args:
        answer: The leader's words.
        count: How many options there are.

    Returns:
        The option's number, or None when the answer picks none (or there are none).
    """
    return parse_choice(unicodedata.normalize("NFKC", answer or ""), count) if count else None
