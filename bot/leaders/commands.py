"""Reads what group leaders type about first checks (初审) into commands.

Pure functions, no I/O. What leaders actually type, after full-width characters become
half-width (``Ｒ１０２４`` is ``R1024``) and case is ignored (``r1024``, ``OK``):

- approve: ``同意 R1024``, ``同意R1024``, ``通过 R1024``, ``ok R1024``, ``R1024 同意``,
  ``同意 R1024 确实少了一盒`` (the rest is a note), or just ``同意`` (no case: the caller
  uses the one pending task);
- reject: ``拒绝 R1024 包装完好``, ``驳回 R1024：照片看不出问题``, ``R1024 不同意``, ``拒绝``
  (a reject without a reason: the caller asks for one);
- disposition after an approval: ``R1024 现场处理``, ``R1024 留存``, ``交快递 R1024``;
- numbers, only when the caller says what it just asked (``Expecting``): after a task
  card ``1`` approves and ``2`` / ``2 包装完好`` rejects; after asking how the goods were
  handled ``1`` / ``2`` / ``3`` are on site / held for the return trip / handed to courier;
  after asking why, any text is the reason.

Anything else (questions, chatter, ``同意 R12``, two case numbers at once) is not a
command: ``parse_command`` returns None and nothing should happen.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Union

from bot.choices import parse_choice
from bot.enums import Disposition


class Expecting(str, Enum):
    """What the assistant just asked the leader, which gives bare numbers a meaning."""

    DECISION = "decision"        # a task card: 1 approve, 2 reject
    REASON = "reason"            # why the leader rejects: any text is the reason
    DISPOSITION = "disposition"  # how the goods were handled: 1 / 2 / 3


@dataclass(frozen=True)
class Approve:
    """Approve the case ``ref`` (None: the one the leader is looking at)."""

    ref: str | None
    note: str | None = None


@dataclass(frozen=True)
class Reject:
    """Reject the case ``ref`` because of ``reason`` (None: still to be asked)."""

    ref: str | None
    reason: str | None = None


@dataclass(frozen=True)
class Dispose:
    """The goods of the approved case ``ref`` were handled as ``disposition``."""

    ref: str | None
    disposition: Disposition


Command = Union[Approve, Reject, Dispose]

#: The numbered answers to ``messages.LEADER_ASK_DISPOSITION``, in its order.
DISPOSITION_CHOICES: tuple[Disposition, ...] = (
    Disposition.ON_SITE, Disposition.RETURN_TRIP, Disposition.COURIER_PICKUP,
)

_APPROVE_STRONG = ("同意", "通过", "批准")
_APPROVE_WEAK = ("情况属实", "属实", "可以", "okay", "ok", "好的", "好", "行")
_REJECT = ("不予通过", "不同意", "不通过", "不批准", "不属实", "拒绝", "驳回", "拒")
_DISPOSITIONS = {
    Disposition.ON_SITE: ("现场处理", "就地处理", "现场处置", "就地处置", "现场销毁", "就地销毁",
                          "处理掉", "销毁", "扔掉", "丢掉", "捐掉"),
    Disposition.RETURN_TRIP: ("随返程车带回", "返程车带回", "随车带回", "带回仓库", "退回仓库",
                              "留存", "留着", "暂存", "返仓"),
    Disposition.COURIER_PICKUP: ("交给快递", "交快递", "给快递", "快递取走", "快递拿走", "快递收走",
                                 "已寄出", "寄回"),
}


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_VERB = {w: "approve" for w in _APPROVE_STRONG + _APPROVE_WEAK} | {w: "reject" for w in _REJECT}
_DISPOSITION = {w: d for d, words in _DISPOSITIONS.items() for w in words}
_STRONG = _APPROVE_STRONG + _REJECT
# ``R1024``; digits alone (``同意 1024``) only after a strong verb and standing apart, so
# that ``可以 2024年`` in chatter is never read as a case.
_REF = r"R ?\d{3,}(?!\d)"
_DIGITS_REF = r"\d{4,}(?=$|[\s:,、。.])"
_SEP = r"[\s:,、。.\-—~]*"
_WITH_REF = (
    re.compile(rf"^(?P<verb>{_alternatives(_VERB)}){_SEP}(?P<ref>{_REF})(?P<rest>.*)$",
               re.IGNORECASE),
    re.compile(rf"^(?P<verb>{_alternatives(_STRONG)}){_SEP}(?P<ref>{_DIGITS_REF})(?P<rest>.*)$"),
    re.compile(rf"^(?P<ref>{_REF}){_SEP}(?P<verb>{_alternatives(_VERB)})(?P<rest>.*)$",
               re.IGNORECASE),
)
_BARE = re.compile(rf"^(?P<verb>{_alternatives(_STRONG)})(?:$|[\s:,、。!]+(?P<rest>.*)$)")
_DISPOSE_WORD = rf"(?:已经?)?(?P<disp>{_alternatives(_DISPOSITION)})"
_DISPOSE = (
    re.compile(rf"^(?P<ref>{_REF}){_SEP}{_DISPOSE_WORD}(?P<rest>.*)$", re.IGNORECASE),
    re.compile(rf"^{_DISPOSE_WORD}{_SEP}(?P<ref>{_REF})(?P<rest>.*)$", re.IGNORECASE),
    re.compile(rf"^{_DISPOSE_WORD}(?P<ref>)(?P<rest>.*)$"),
)
_NUMBERED = re.compile(r"^(?P<n>[12])(?:[\s:,、.]*(?P<rest>\D.*))?$")
_ANY_REF = re.compile(r"R ?\d+", re.IGNORECASE)
_LEADING = re.compile(r"^[\s:,、。.\-—~]+")
_TRAILING = re.compile(r"[\s。.!~]+$")
_REASON_LABEL = re.compile(r"^(?:原因|理由|因为)[\s:是]*")
_DECORATION = re.compile(r"\[[^\[\]\s]{1,6}\]|[^\w\s:,、。.\-—~()（）/%¥$]")
# Half-width punctuation next to Chinese goes back to full width: reasons are shown to customers.
_CJK_PUNCT = re.compile(r"(?<=[\u4e00-\u9fff])[,:;!?()]|[,:;!?()](?=[\u4e00-\u9fff])")
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_FILLER = frozenset({"", "了", "吧", "啦", "哈", "哦", "噢", "的", "啊", "呀", "嗯", "好了", "了哈"})
_QUESTION = re.compile(r"(?:[?]|吗|么|呢)$")


def parse_command(text: str | None, expecting: Expecting | None = None) -> Command | None:
    """The first-check command in what a leader typed, or None if it is not one.

    Args:
        text: The leader's message.
        expecting: What the assistant just asked, if anything; only then are bare numbers
            (and, for ``REASON``, free text) read as answers.

    Returns:
        An ``Approve``, ``Reject`` or ``Dispose`` (``ref`` upper-cased like ``R1024``, or
        None when the message names no case), or None.
    """
    cleaned = _clean(text)
    if not cleaned or _QUESTION.search(cleaned):
        return None
    command = _with_ref(cleaned) or _dispose(cleaned) or _bare(cleaned)
    if command is not None:
        return command
    if expecting is Expecting.DECISION:
        return _numbered_decision(cleaned)
    if expecting is Expecting.DISPOSITION:
        choice = parse_choice(cleaned, len(DISPOSITION_CHOICES))
        return Dispose(None, DISPOSITION_CHOICES[choice - 1]) if choice else None
    if expecting is Expecting.REASON and not cleaned.isdigit():
        reason = _rest(cleaned)
        return Reject(None, reason) if reason else None
    return None


def _clean(text: str | None) -> str:
    """Half-width, single spaces, trimmed; letters keep their case (reasons are shown)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _ref(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    return f"R{digits}"


def _rest(raw: str | None) -> str | None:
    """A note or reason without separators, labels and filler words; None if nothing is left."""
    rest = _TRAILING.sub("", _LEADING.sub("", _DECORATION.sub("", raw or "")))
    rest = _REASON_LABEL.sub("", rest).strip()
    if rest in _FILLER:
        return None
    return _CJK_PUNCT.sub(lambda match: _FULL_WIDTH[match.group(0)], rest)


def _verb_command(verb: str, ref: str | None, rest: str | None) -> Command | None:
    if rest and (_ANY_REF.search(rest) or rest.isdigit()):
        return None  # a second case number, or a number that is no case: ambiguous
    if _VERB[verb.lower()] == "approve":
        return Approve(ref, rest)
    return Reject(ref, rest)


def _with_ref(text: str) -> Command | None:
    for pattern in _WITH_REF:
        match = pattern.match(text)
        if match:
            return _verb_command(match["verb"], _ref(match["ref"]), _rest(match["rest"]))
    return None


def _dispose(text: str) -> Dispose | None:
    for pattern in _DISPOSE:
        match = pattern.match(text)
        if match and _rest(match["rest"]) is None:
            return Dispose(_ref(match["ref"]) if match["ref"] else None,
                           _DISPOSITION[match["disp"]])
    return None


def _bare(text: str) -> Command | None:
    match = _BARE.match(text)
    if not match:
        return None
    return _verb_command(match["verb"], None, _rest(match["rest"]))


def _numbered_decision(text: str) -> Command | None:
    choice = parse_choice(text, 2)
    rest = None
    if choice is None:
        match = _NUMBERED.match(text)
        if match is None:
            return None
        choice, rest = int(match["n"]), _rest(match["rest"])
    return Approve(None, rest) if choice == 1 else Reject(None, rest)
