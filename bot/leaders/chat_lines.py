"""The lines of pasted group chat: what each line is, and which lines start a message.

``classify_line`` reads one line as plain text, a ``昵称 10:32`` header or a ``昵称：…``
speaker line (or drops it as WeChat furniture); ``headers_need_content`` and
``confirmed_prefixes`` then decide, for the whole block, which of them really start a
message. ``bot.leaders.group_chat`` builds the messages from that.

Deciding whether ``X：…`` names a speaker
    ``我买的草莓:两盒都坏了`` must not make ``我买的草莓`` a speaker. A prefix is a
    *candidate* when it is short (1-16 characters), contains no sentence punctuation,
    brackets, ``@`` or second colon, is not a time or number, and is not a label word
    (``电话``, ``地址``, ``备注``, ``问题``…) — ``bot.leaders.nicknames.plausible_name``.
    A candidate is *confirmed* — only then does it start a message — when at least one
    holds:

    1. it is one of ``known_speakers`` (compared with ``normalise_nickname``);
    2. it looks like a group nickname: it contains an emoji or a Latin letter, a
       building address (``3栋``, ``5号楼``), ends in a form of address (``阿姨``,
       ``姐``, ``叔``, ``宝妈``, ``老师``, ``团长``…), or is ``老``/``小``/``阿`` plus one
       character (``老王``, ``小李``);
    3. it is used consistently: the same prefix starts two or more lines of the block;
    4. the block is consistently in speaker-line shape and the prefix reads like a name,
       not a clause (none of 我你的了吗都也还没买坏烂…): the block's first line is such a
       name-like (or confirmed) prefix and either some prefix is confirmed by 1-3 or
       every line (at least two) is a name-like prefix — so ``小雨：…`` then ``晴天：…``
       are two speakers, while ``我买的草莓:…`` then ``葡萄:…`` stay one message.

    A bare ``团长``/``群主``/``老板`` prefix is how a customer *addresses* the leader
    (``团长：草莓坏了``), so it is confirmed only after another confirmed speaker in the
    block (then it is the leader answering). An unconfirmed prefix stays in the text,
    where nothing is lost; a lone ``小雨：草莓坏了`` stays unsplit unless ``known_speakers``
    (the pickup point's nicknames) says 小雨 is a person. The price of rule 4 is that a
    list typed under a speaker (``草莓：2盒`` on its own line) is read as a speaker, which
    then matches no customer and is asked about rather than silently misattributed.

Deciding the shape of a block
    Header lines (a plausible nickname of at most 20 characters, whitespace, then a
    time at the end of the line, followed by a content line — so a lone
    ``我明天来拿 10:30`` stays a message) win when there are at least as many of them as confirmed
    speaker lines; colons inside header-shaped content are then ordinary text. Otherwise
    confirmed speaker lines split the block, and a header-looking line is content.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.leaders.chat_marks import HEADER, INVISIBLE, collapse, is_dropped
from bot.leaders.nicknames import (
    ADDRESSES_TO_LEADER,
    MAX_HEADER_NAME_CHARS,
    MAX_SPEAKER_CHARS,
    looks_like_nickname,
    normalise_nickname,
    plausible_name,
)

_HEADER_SCAN_CHARS = 64  # longer lines are never headers (and keep the regex cheap)
_COLON_LINE = re.compile(rf"(?P<name>[^:：\n]{{1,{MAX_SPEAKER_CHARS + 4}}}?)\s*[:：](?P<content>.*)")
_CLAUSE = re.compile(r"[我你您他她的了吗呢吧都也还就没买坏烂要把被给]")


@dataclass(frozen=True)
class Line:
    """One kept line of the block.

    Attributes:
        raw: The line exactly as pasted.
        kind: ``"text"``, ``"header"`` (``昵称 10:32``) or ``"colon"`` (``昵称：…``).
        name: The nickname of a header or colon line, whitespace collapsed.
        time: A header's time.
        content: What follows a colon line's colon, or a text line's stripped text.
    """

    raw: str
    kind: str  # "text" | "header" | "colon"
    name: str = ""
    time: str | None = None
    content: str = ""


def classify_line(raw: str) -> Line | None:
    """A line's kind, or ``None`` when it is blank or dropped.

    Args:
        raw: One line as pasted.

    Returns:
        The line read as a header, a speaker line or text; None for blank lines and
        WeChat furniture (system lines, date rules, lone times).
    """
    line = INVISIBLE.sub("", raw).strip()
    if not line or is_dropped(line):
        return None
    if len(line) <= _HEADER_SCAN_CHARS:
        header = HEADER.fullmatch(line)
        if header and plausible_name(header["name"].strip(), MAX_HEADER_NAME_CHARS):
            return Line(raw, "header", collapse(header["name"]), collapse(header["time"]))
    colon = _COLON_LINE.match(line[: MAX_SPEAKER_CHARS + 6])
    if colon:
        name = collapse(colon["name"])
        if plausible_name(name, MAX_SPEAKER_CHARS):
            content = line[colon.end("name"):].lstrip()[1:]  # after the colon
            return Line(raw, "colon", name, content=content)
    return Line(raw, "text", content=line)


def headers_need_content(lines: list[Line]) -> list[Line]:
    """Demotes header-looking lines not followed by content (``我明天来拿 10:30``) to text.

    Args:
        lines: The block's classified lines.

    Returns:
        The lines, a header without a content line after it read as text.
    """
    result = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if line.kind == "header" and (following is None or following.kind == "header"):
            line = Line(line.raw, "text", content=line.raw.strip())
        result.append(line)
    return result


def confirmed_prefixes(lines: list[Line], known: set[str]) -> list[bool]:
    """For each line, whether it is a confirmed ``昵称：`` speaker line (module docstring).

    Args:
        lines: The block's classified lines.
        known: Normalised nicknames certainly of speakers.

    Returns:
        One flag per line.
    """
    uses = Counter(line.name for line in lines if line.kind == "colon")
    strong = [
        line.kind == "colon" and line.name not in ADDRESSES_TO_LEADER
        and (normalise_nickname(line.name) in known or looks_like_nickname(line.name)
             or uses[line.name] >= 2)
        for line in lines
    ]
    def name_like(line: Line) -> bool:
        return line.kind == "colon" and not _CLAUSE.search(line.name)

    consistent = bool(lines) and (strong[0] or name_like(lines[0])) and (
        any(strong) or (len(lines) >= 2 and all(map(name_like, lines)))
    )
    confirmed: list[bool] = []
    for line, is_strong in zip(lines, strong):
        ok = is_strong
        if line.kind == "colon" and not ok:
            if line.name in ADDRESSES_TO_LEADER:
                ok = any(confirmed)
            else:
                ok = consistent and name_like(line)
        confirmed.append(ok)
    return confirmed
