"""Splits group-chat text a leader forwards or pastes into the messages customers wrote.

Leaders copy WeChat group chat in a few shapes, all handled here:

* **speaker lines** — ``昵称：内容`` / ``昵称:内容`` (full- or half-width colon), several
  per block, as a leader types or copies them;
* **header lines** — ``昵称 10:32``, ``昵称 昨天 10:32``, ``昵称 2026/11/21 10:32``
  followed by one or more content lines, the way WeChat's merged forward
  (``群聊的聊天记录``) reads when copied; its title line and date rules such as
  ``—————  2026-11-21  —————`` are dropped;
* **a single message** pasted without a speaker (one message, speaker ``None``).

Lines without a speaker continue the previous message. ``@mentions`` (WeChat puts a
U+2005 space after one), WeChat emoticon codes such as ``[捂脸]`` and media placeholders
(``[图片]``, ``[语音]``, ``[动画表情]``) are taken out of the text used for matching and
kept on the message instead; real emoji stay in the text. WeChat system lines
(``"张阿姨"撤回了一条消息``, ``你已添加了…``, joins, pats, red packets, standalone
times) are dropped.

Deciding whether ``X：…`` names a speaker
    ``我买的草莓:两盒都坏了`` must not make ``我买的草莓`` a speaker. A prefix is a
    *candidate* when it is short (1-16 characters), contains no sentence punctuation,
    brackets, ``@`` or second colon, is not a time or number, and is not a label word
    (``电话``, ``地址``, ``备注``, ``问题``…). A candidate is *confirmed* — only then
    does it start a message — when at least one holds:

    1. it is one of ``known_speakers`` (compared with :func:`normalise_nickname`);
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
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GroupMessage", "is_chatter", "normalise_nickname", "split_messages"]

MAX_SPEAKER_CHARS = 16
"""Longest ``昵称：`` prefix taken as a speaker (WeChat nicknames are short)."""

MAX_HEADER_NAME_CHARS = 20
"""Longest nickname before the time in a ``昵称 10:32`` header line."""

_HEADER_SCAN_CHARS = 64  # longer lines are never headers (and keep the regex cheap)


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


# --- times and dates -------------------------------------------------------------------

_DATE = (r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
         r"|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)")
_DAY = r"(?:昨天|前天|今天|星期[一二三四五六日天]|周[一二三四五六日天]|礼拜[一二三四五六日天])"
_PERIOD = r"(?:上午|下午|中午|晚上|凌晨|早上|傍晚)"
_CLOCK = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
_STAMP = rf"(?:(?:{_DATE}|{_DAY})(?:\s*{_DAY})?\s*)?(?:{_PERIOD}\s*)?{_CLOCK}"
_HEADER = re.compile(rf"(?P<name>\S.*?)\s+(?P<time>{_STAMP})")
_RULE = r"[\s\-—–─━=_~～·.…]*"
_DATE_LINE = re.compile(
    rf"{_RULE}(?:(?:{_DATE}|{_DAY})(?:\s*{_DAY})?(?:\s*{_PERIOD})?(?:\s*{_CLOCK})?"
    rf"|(?:{_PERIOD}\s*)?{_CLOCK}){_RULE}"
)
_RULE_ONLY = re.compile(r"[\s\-—–─━=_~～·.…]+")  # date rules, the quote divider "- - - -"

# --- WeChat system lines ---------------------------------------------------------------

_QUOTED = r"[\"“”「」]?[^\"“”「」]{1,24}[\"“”「」]?"
_SYSTEM = re.compile(
    "|".join(
        (
            r"(?:群聊|.{1,30}和.{1,30})的聊天记录|聊天记录",
            rf"(?:你|{_QUOTED})\s*撤回了一条消息(?:\s*重新编辑)?",
            r"你已添加了.{1,40}[，,]\s*现在可以开始聊天了[。.]?",
            r"以下为新消息|以下是新消息|以上是打招呼的内容|查看更多消息",
            r".{1,40}邀请.{1,200}加入了群聊.{0,30}",
            r".{1,40}通过扫描.{0,40}二维码加入群聊.{0,20}",
            r".{1,40}(?:退出了群聊|移出了群聊|被移出群聊|已成为新群主|修改群名为.{0,40})",
            r"(?:你|[\"“].{1,20}[\"”])\s*拍了拍\s*(?:我|你|自己|[\"“].{1,20}[\"”]).{0,20}",
            rf"(?:你|{_QUOTED})\s*领取了.{{0,24}}红包.{{0,10}}",
            r".{1,60}与群里其他人都不是(?:微信)?朋友关系.{0,40}",
        )
    )
)

# --- placeholders, emoticons, mentions -------------------------------------------------

_PHOTO = re.compile(r"[\[【](?:图片|照片|视频|Photo|Image|Video)[\]】]", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\[(?:语音|动画表情|表情|文件|链接|位置|名片|小程序|聊天记录|红包|转账|语音通话|视频通话"
    r"|音乐|视频号|直播|公众号|系统消息|Voice|Sticker|File|Link|Location)\]",
    re.IGNORECASE,
)
_EMOTICON = re.compile(r"\[(?:[\u4e00-\u9fff]{1,4}|OK|Emm|666|Yeah!|Smile|Facepalm|Rose)\]",
                       re.IGNORECASE)
_MENTION_SPACED = re.compile(r"(?<![0-9A-Za-z])[@＠]([^@＠\u2005\n]{1,20}?)\u2005")
_MENTION = re.compile(r"(?<![0-9A-Za-z])[@＠]([^\s@＠，,。！!？?：:、；;]{1,16})")
_MENTION_WORDS = ("所有人", "团长", "群主")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")

# --- speaker prefixes ------------------------------------------------------------------

_COLON_LINE = re.compile(rf"(?P<name>[^:：\n]{{1,{MAX_SPEAKER_CHARS + 4}}}?)\s*[:：](?P<content>.*)")
_NAME_FORBIDDEN = set("，,。！!？?；;、…「」『』【】[]()（）<>《》\"“”'‘’@＠:：")
_NUMBERISH = re.compile(r"[\d\s./\-年月日号点:：]+")
_LABELS = frozenset(
    "电话 手机 手机号 号码 地址 备注 问题 原因 数量 订单 订单号 商品 品名 提货码 取货码 取件码 "
    "自提点 金额 价格 退款 补充 说明 原文 截图 图片 结果 情况 反馈 投诉 回复 答复 时间 今天 昨天 "
    "明天 现在 早上 上午 中午 下午 晚上 注意 通知 提醒 重要 请问 你好 您好 大家好 在吗 亲 亲们 "
    "大家 各位 宝宝们 ps p.s. 附 另外 还有 总结 我 你 他 她 大概 大约 约 预计 等 后天 今晚".split()
)
_ADDRESSES_TO_LEADER = frozenset({"团长", "群主", "老板"})
_ADDRESS_SUFFIX = re.compile(
    r"(?:阿姨|姨|姐|姐姐|哥|哥哥|叔|叔叔|伯|伯伯|大爷|大妈|大娘|奶奶|爷爷|姥姥|姥爷|外婆|婆婆|阿婆|阿公"
    r"|妈|妈妈|宝妈|爸|爸爸|老师|先生|女士|小姐|师傅|嫂|嫂子|团长|群主|太太|姑娘|宝宝)$"
)
_FAMILIAR = re.compile(r"[老小阿][\u4e00-\u9fff]")
_BUILDING = re.compile(r"(?:\d+|[一二三四五六七八九十]+)\s*(?:栋|幢|号楼|单元|座|期|区|室)")
_CLAUSE = re.compile(r"[我你您他她的了吗呢吧都也还就没买坏烂要把被给]")
_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or 0x1F000 <= ord(ch) <= 0x1FAFF


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_dropped(line: str) -> bool:
    """Whether a stripped line is WeChat furniture: a system line, a date rule, a time."""
    if len(line) > 300:
        return False
    return bool(_SYSTEM.fullmatch(line) or _DATE_LINE.fullmatch(line)
                or _RULE_ONLY.fullmatch(line))


def _plausible_name(name: str, max_chars: int) -> bool:
    """Whether ``name`` could be a group nickname at all (the structural test)."""
    if not name or len(name) > max_chars:
        return False
    if any(ch in _NAME_FORBIDDEN for ch in name):
        return False
    if _NUMBERISH.fullmatch(name) or _DATE_LINE.fullmatch(name):
        return False
    return name.lower() not in _LABELS


def _looks_like_nickname(name: str) -> bool:
    """Whether ``name`` carries a mark only nicknames have (see the module docstring)."""
    if any(_is_emoji(ch) for ch in name) or _LATIN.search(name) or _BUILDING.search(name):
        return True
    core = "".join(ch for ch in name if not _is_emoji(ch) and not ch.isspace())
    core = core.strip("~～·.-_*")
    if core in _ADDRESSES_TO_LEADER:
        return False
    return bool(_ADDRESS_SUFFIX.search(core) or _FAMILIAR.fullmatch(core))


# --- line classification ---------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    raw: str
    kind: str  # "text" | "header" | "colon"
    name: str = ""
    time: str | None = None
    content: str = ""


def _classify(raw: str) -> _Line | None:
    """A line's kind, or ``None`` when it is blank or dropped."""
    line = _INVISIBLE.sub("", raw).strip()
    if not line or _is_dropped(line):
        return None
    if len(line) <= _HEADER_SCAN_CHARS:
        header = _HEADER.fullmatch(line)
        if header and _plausible_name(header["name"].strip(), MAX_HEADER_NAME_CHARS):
            return _Line(raw, "header", _collapse(header["name"]), _collapse(header["time"]))
    colon = _COLON_LINE.match(line[: MAX_SPEAKER_CHARS + 6])
    if colon:
        name = _collapse(colon["name"])
        if _plausible_name(name, MAX_SPEAKER_CHARS):
            content = line[colon.end("name"):].lstrip()[1:]  # after the colon
            return _Line(raw, "colon", name, content=content)
    return _Line(raw, "text", content=line)


def _headers_need_content(lines: list[_Line]) -> list[_Line]:
    """Demotes header-looking lines not followed by content (``我明天来拿 10:30``) to text."""
    result = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if line.kind == "header" and (following is None or following.kind == "header"):
            line = _Line(line.raw, "text", content=line.raw.strip())
        result.append(line)
    return result


def _confirmed_prefixes(lines: list[_Line], known: set[str]) -> list[bool]:
    """For each line, whether it is a confirmed ``昵称：`` speaker line."""
    uses = Counter(line.name for line in lines if line.kind == "colon")
    strong = [
        line.kind == "colon" and line.name not in _ADDRESSES_TO_LEADER
        and (normalise_nickname(line.name) in known or _looks_like_nickname(line.name)
             or uses[line.name] >= 2)
        for line in lines
    ]
    def name_like(line: _Line) -> bool:
        return line.kind == "colon" and not _CLAUSE.search(line.name)

    consistent = bool(lines) and (strong[0] or name_like(lines[0])) and (
        any(strong) or (len(lines) >= 2 and all(map(name_like, lines)))
    )
    confirmed: list[bool] = []
    for line, is_strong in zip(lines, strong):
        ok = is_strong
        if line.kind == "colon" and not ok:
            if line.name in _ADDRESSES_TO_LEADER:
                ok = any(confirmed)
            else:
                ok = consistent and name_like(line)
        confirmed.append(ok)
    return confirmed


# --- cleaning --------------------------------------------------------------------------


def _cut_mention(token: str, known: set[str]) -> str:
    """The mentioned name in an ``@`` token typed without a separator after it."""
    for word in _MENTION_WORDS:
        at = token.find(word)
        if at != -1 and (word != "团长" or at <= 6):
            return token[: at + len(word)]
    for end in range(len(token), 0, -1):
        if normalise_nickname(token[:end]) in known:
            return token[:end]
    return token


def _clean(line: str, known: set[str]) -> tuple[str, list[str], list[str], bool]:
    """Text, mentions, emoticon codes and photo flag of one content line."""
    line = _INVISIBLE.sub("", line)
    has_photo = bool(_PHOTO.search(line))
    line = _PHOTO.sub(" ", line)
    line = _PLACEHOLDER.sub(" ", line)
    emoticons = [m.group(0) for m in _EMOTICON.finditer(line)]
    line = _EMOTICON.sub(" ", line)
    mentions: list[str] = []

    def spaced(match: re.Match[str]) -> str:
        mentions.append(_collapse(match[1]))
        return " "

    def typed(match: re.Match[str]) -> str:
        name = _cut_mention(match[1], known)
        mentions.append(name)
        return " " + match[1][len(name):]

    line = _MENTION_SPACED.sub(spaced, line)
    line = _MENTION.sub(typed, line)
    return _collapse(line), mentions, emoticons, has_photo


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


# --- public API ------------------------------------------------------------------------


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
    lines = [line for line in map(_classify, raw_lines.split("\n")) if line is not None]
    lines = _headers_need_content(lines)
    confirmed = _confirmed_prefixes(lines, known)
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
            content = line.content if line.kind == "text" else _INVISIBLE.sub("", line.raw)
            drafts[-1].add(line.raw, content, known)
    return [draft.message() for draft in _merge_empty(drafts)]


def normalise_nickname(name: str) -> str:
    """A nickname's key for matching: ``"李阿姨🌸"`` and ``" 李阿姨 "`` both give ``"李阿姨"``.

    Full-width characters become half-width, Latin letters lower case; emoji, WeChat
    emoticon codes, symbols, punctuation, spaces and invisible characters go.

    Args:
        name: A nickname as shown in the group (or any label naming a person).

    Returns:
        The key; empty when nothing but decoration was left.
    """
    text = _EMOTICON.sub("", unicodedata.normalize("NFKC", name or ""))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category in ("Mn", "Mc"):
            if not 0xFE00 <= ord(ch) <= 0xFE0F:  # variation selectors
                kept.append(ch)
    # Composed again: dropping a spacing mark can leave a letter and its combining mark
    # ("O¨" → "o" + U+0308), which must be the same key as "ö".
    return unicodedata.normalize("NFKC", "".join(kept).lower())


# --- chatter ---------------------------------------------------------------------------

_PROBLEM_WORDS = re.compile(
    r"坏|烂|霉|臭|馊|酸|变质|过期|破|碎|漏|压|瘪|蔫|化了|虫|少|缺|错|不对|不够|不新鲜|不好|没收到|"
    r"没拿到|没到|没有|还没|怎么|退|换|赔|投诉|问题|质量|差|假|短斤|不甜|不能吃|扔|难吃|异味|发黑|"
    r"发黄|软了|空的|生的|漏发|发错|售后|客服"
)
_ACK = re.compile(
    r"(?:(?:团长|亲|亲们|老板|姐|阿姨)?"
    r"(?:收到|好的?|好滴|好哒|好嘞|好咧|嗯+|哦+|噢+|ok|okay|知道了|明白了?|了解|谢谢|谢啦|多谢|感谢|"
    r"thx|thanks|辛苦了?|辛苦啦|麻烦了|麻烦你了|拿到了|取到了|已取|已拿|已收到|没事|没关系|不客气)"
    r"(?:团长|亲|啦|了|哈+|呀|啊|哦|你|您|大家|你了|您了|哈哈)*)+"
)
_GREETING = re.compile(
    r"(?:团长|大家|亲们?)?(?:早上好|早安|早|晚安|大家好|你好|您好|在吗|在不在|在么)(?:团长|呀|啊|哦)?"
)
_ARRIVED = re.compile(
    r"(?:今天|今日)?的?(?:货|菜|商品)?(?:已经|都)?(?:到了|到齐了|已到|到货了)"
    r"(?:大家|请|麻烦大家)?(?:尽快|有空)?来?(?:取|拿|提货|取货|自提)?(?:一下)?(?:哦|啦|了)?"
)
_PICKUP_TIME = re.compile(r"(?:几点|什么时候|啥时候|何时|多久)(?:能|可以|会)?(?:到|来|送|发|取|拿|提)")
_ASK_ARRIVED = re.compile(r".*(?:到了|到货了)(?:吗|没|么|嘛)")
_PLUS_ONE = re.compile(r"[+＋]\s*[0-9０-９]{1,2}")
_CHAIN_ITEM = re.compile(r"\d{1,3}\s*[.、．)）]\s*\S.{0,40}")
_MAX_CHATTER_CHARS = 20


def _core(text: str) -> str:
    """Text without emoji, symbols, punctuation or spaces, half-width and lower case."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def is_chatter(message: GroupMessage) -> bool:
    """Whether a message is *obviously* not a complaint, so it need not be classified.

    Deliberately conservative: the NLU classifies everything this lets through, so it
    only answers ``True`` for short acknowledgements and thanks (``收到``, ``好的``,
    ``谢谢团长[玫瑰]``), ``+1``, 接龙 lines (``1. 张三 草莓2``), greetings, pure emoji or
    emoticons, "goods have arrived" notices and pickup-time questions (``几点到``). A
    message with a photo, or mentioning any problem word (坏, 烂, 少, 退, 没收到…), is
    never chatter. Note that ``+1`` right after a complaint may mean "me too"; callers
    that care should read it in context.

    Args:
        message: A message from :func:`split_messages`.

    Returns:
        ``True`` only for obvious chatter.
    """
    if message.has_photo:
        return False
    text = message.text.strip()
    if not text:
        return True
    if _PROBLEM_WORDS.search(text):
        return False
    core = _core(text)
    if not core:
        return True  # emoji and punctuation only
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if all(_CHAIN_ITEM.fullmatch(line) for line in lines) or "接龙" in text:
        return True
    if len(core) > _MAX_CHATTER_CHARS:
        return False
    if _PLUS_ONE.fullmatch(text.rstrip("!！~～。. ")):
        return True
    if any(pattern.fullmatch(core) for pattern in (_ACK, _GREETING, _ARRIVED, _ASK_ARRIVED)):
        return True
    return bool(_PICKUP_TIME.search(core))
