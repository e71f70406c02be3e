"""Splits group-chat text a leader forwards or pastes into the messages customers wrote.

Leaders copy WeChat group chat in a few shapes, all handled here:

* **speaker lines** — ``昵称：内容`` / ``昵称:内容`` (full- or half-width colon), several
  per block, as a leader types or copies them;
* **header lines** — ``昵称 10:32``, ``昵称 昨天 10:32``, ``昵称 2026/11/21 10:32``
  followed by one or more content lines, the way WeChat's merged forward
  (``群聊的聊天记录``) reads when copied; its title line and date rules such as
  ``—————  2026-11-21  —————`` are dropped;
* **a single message** pasted without a speaker (one message, speaker ``None``).

Which lines start a message, and which shape a block has, is decided line by line in
``bot.leaders.chat_lines`` (its docstring gives the rules). Lines without a speaker
continue the previous message. ``@mentions`` (WeChat puts a U+2005 space after one),
WeChat emoticon codes such as ``[捂脸]`` and media placeholders (``[图片]``, ``[语音]``,
``[动画表情]``) are taken out of the text used for matching and kept on the message
instead; real emoji stay in the text. WeChat system lines (``"张阿姨"撤回了一条消息``,
``你已添加了…``, joins, pats, red packets, standalone times) are dropped
(``bot.leaders.chat_marks``).

Messages without text
    A message left without text (only ``[图片]``, a sticker, an emoticon code or a
    mention) joins the latest earlier message of the same speaker, otherwise that
    speaker's next message — so ``张阿姨：[图片]`` after her complaint marks that complaint
    ``has_photo`` even when someone else spoke in between. If the speaker has no other
    message, it is kept when it carries a photo and dropped otherwise.

``@name`` typed without a following space is cut after ``团长``/``所有人``/``群主`` or
after a ``known_speakers`` name; otherwise the whole run up to a space or punctuation is
taken as the name.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.leaders.chat_lines import classify_line, confirmed_prefixes, headers_need_content
from bot.leaders.chat_marks import (
    EMOTICON,
    INVISIBLE,
    MENTION,
    MENTION_SPACED,
    MENTION_WORDS,
    PHOTO,
    PLACEHOLDER,
    collapse,
)
from bot.leaders.nicknames import normalise_nickname


@dataclass(frozen=True)
class GroupMessage:
    """One message of a forwarded group chat.

    Attributes:
        speaker: The group nickname as shown (whitespace collapsed), or ``None`` when the
            block names no speaker for this message (e.g. a single pasted message).
        text: What the customer wrote, lines joined with ``"\\n"``, without the speaker
            or time, ``@mentions``, WeChat emoticon codes and media placeholders, with
            whitespace collapsed. Real emoji and full-width characters are kept.
        raw: The message's lines exactly as pasted (speaker/header line included).
        time: The time a header gave (``"10:32"``, ``"昨天 10:32"``), else ``None``.
        mentions: Who the message ``@``-mentions, in order, e.g. ``("团长",)``.
        has_photo: Whether the message carried a ``[图片]`` (or ``[视频]``) placeholder.
        emoticons: WeChat emoticon codes found in it, e.g. ``("[捂脸]",)``; they carry
            mood for reading anger.
    """

    speaker: str | None
    text: str
    raw: str
    time: str | None = None
    mentions: tuple[str, ...] = ()
    has_photo: bool = False
    emoticons: tuple[str, ...] = ()


# --- cleaning --------------------------------------------------------------------------


def _cut_mention(token: str, known: set[str]) -> str:
    """The mentioned name in an ``@`` token typed without a separator after it."""
    for word in MENTION_WORDS:
        at = token.find(word)
        if at != -1 and (word != "团长" or at <= 6):
            return token[: at + len(word)]
    for end in range(len(token), 0, -1):
        if normalise_nickname(token[:end]) in known:
            return token[:end]
    return token


def _clean(line: str, known: set[str]) -> tuple[str, list[str], list[str], bool]:
    """Text, mentions, emoticon codes and photo flag of one content line."""
    line = INVISIBLE.sub("", line)
    has_photo = bool(PHOTO.search(line))
    line = PHOTO.sub(" ", line)
    line = PLACEHOLDER.sub(" ", line)
    emoticons = [m.group(0) for m in EMOTICON.finditer(line)]
    line = EMOTICON.sub(" ", line)
    mentions: list[str] = []

    def spaced(match: re.Match[str]) -> str:
        mentions.append(collapse(match[1]))
        return " "

    def typed(match: re.Match[str]) -> str:
        name = _cut_mention(match[1], known)
        mentions.append(name)
        return " " + match[1][len(name):]

    line = MENTION_SPACED.sub(spaced, line)
    line = MENTION.sub(typed, line)
    return collapse(line), mentions, emoticons, has_photo


# --- building messages -----------------------------------------------------------------


@dataclass
class _Draft:
    speaker: str | None
    time: str | None
    raw: list[str]
    texts: list[str]
    mentions: list[str]
    emoticons: list[str]
    has_photo: bool = False

    def add(self, raw: str, content: str, known: set[str]) -> None:
        self.raw.append(raw)
        text, mentions, emoticons, photo = _clean(content, known)
        if text:
            self.texts.append(text)
        self.mentions.extend(mentions)
        self.emoticons.extend(emoticons)
        self.has_photo = self.has_photo or photo

    def absorb(self, other: _Draft, before: bool) -> None:
        first, second = (other, self) if before else (self, other)
        self.raw = first.raw + second.raw
        self.texts = first.texts + second.texts
        self.mentions = first.mentions + second.mentions
        self.emoticons = first.emoticons + second.emoticons
        self.has_photo = self.has_photo or other.has_photo
        self.time = first.time or second.time

    def message(self) -> GroupMessage:
        return GroupMessage(
            speaker=self.speaker,
            text="\n".join(self.texts),
            raw="\n".join(self.raw),
            time=self.time,
            mentions=tuple(dict.fromkeys(m for m in self.mentions if m)),
            has_photo=self.has_photo,
            emoticons=tuple(self.emoticons),
        )


def _merge_empty(drafts: list[_Draft]) -> list[_Draft]:
    """Joins text-less messages to a message of the same speaker (module docstring)."""
    kept: list[_Draft] = []
    waiting: list[_Draft] = []  # text-less, no earlier message of theirs: may join a later
    for draft in drafts:
        if draft.texts:
            for early in reversed([w for w in waiting if w.speaker == draft.speaker]):
                draft.absorb(early, before=True)
            waiting = [w for w in waiting if w.speaker != draft.speaker]
            kept.append(draft)
            continue
        earlier = next((k for k in reversed(kept) if k.speaker == draft.speaker), None)
        if earlier is not None:
            earlier.absorb(draft, before=False)
        else:
            waiting.append(draft)
    orphans = [w for w in waiting if w.has_photo]
    # Orphaned photos keep their place among the messages.
    order = {id(d): i for i, d in enumerate(drafts)}
    return sorted(kept + orphans, key=lambda d: order[id(d)])


def split_messages(text: str, known_speakers: Iterable[str] = ()) -> list[GroupMessage]:
    """Splits forwarded or pasted group-chat text into the messages in it.

    Args:
        text: What the leader pasted or forwarded, in any of the shapes described in the
            module docstring.
        known_speakers: Nicknames that certainly are speakers (typically the group
            nicknames of the pickup point's customers); they confirm plain ``昵称：``
            prefixes and help cut ``@mentions`` typed without a space.

    Returns:
        The messages in order; empty when the text holds none (blank, only system lines).
    """
    known = {normalise_nickname(name) for name in known_speakers} - {""}
    raw_lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    lines = [line for line in map(classify_line, raw_lines.split("\n")) if line is not None]
    lines = headers_need_content(lines)
    confirmed = confirmed_prefixes(lines, known)
    headers = sum(line.kind == "header" for line in lines)
    header_shape = headers > 0 and headers >= sum(confirmed)

    drafts: list[_Draft] = []
    for line, is_speaker in zip(lines, confirmed):
        if header_shape and line.kind == "header":
            drafts.append(_Draft(line.name, line.time, [line.raw], [], [], []))
        elif not header_shape and is_speaker:
            drafts.append(_Draft(line.name, None, [], [], [], []))
            drafts[-1].add(line.raw, line.content, known)
        else:
            if not drafts:
                drafts.append(_Draft(None, None, [], [], [], []))
            content = line.content if line.kind == "text" else INVISIBLE.sub("", line.raw)
            drafts[-1].add(line.raw, content, known)
    return [draft.message() for draft in _merge_empty(drafts)]
