"""Group nicknames: the matching key of a nickname, and whether a prefix could be one.

``normalise_nickname`` is the key nicknames are compared by, here and when matching a
speaker to a customer (``bot.leaders.matching``). ``plausible_name`` is the structural
test a ``昵称：`` prefix or a header's name must pass to be a speaker *candidate*;
``looks_like_nickname`` is the mark only nicknames carry, one of the ways a candidate is
*confirmed* (the rules are in ``bot.leaders.chat_lines``).
"""
from __future__ import annotations

import re
import unicodedata

from bot.leaders.chat_marks import DATE_LINE, EMOTICON

MAX_SPEAKER_CHARS = 16
"""Longest ``昵称：`` prefix taken as a speaker (WeChat nicknames are short)."""

MAX_HEADER_NAME_CHARS = 20
"""Longest nickname before the time in a ``昵称 10:32`` header line."""

ADDRESSES_TO_LEADER = frozenset({"团长", "群主", "老板"})
"""How customers address the leader; as a bare prefix it is not a speaker's name."""

_NAME_FORBIDDEN = set("，,。！!？?；;、…「」『』【】[]()（）<>《》\"“”'‘’@＠:：")
_NUMBERISH = re.compile(r"[\d\s./\-年月日号点:：]+")
_LABELS = frozenset(
    "电话 手机 手机号 号码 地址 备注 问题 原因 数量 订单 订单号 商品 品名 提货码 取货码 取件码 "
    "自提点 金额 价格 退款 补充 说明 原文 截图 图片 结果 情况 反馈 投诉 回复 答复 时间 今天 昨天 "
    "明天 现在 早上 上午 中午 下午 晚上 注意 通知 提醒 重要 请问 你好 您好 大家好 在吗 亲 亲们 "
    "大家 各位 宝宝们 ps p.s. 附 另外 还有 总结 我 你 他 她 大概 大约 约 预计 等 后天 今晚".split()
)
_ADDRESS_SUFFIX = re.compile(
    r"(?:阿姨|姨|姐|姐姐|哥|哥哥|叔|叔叔|伯|伯伯|大爷|大妈|大娘|奶奶|爷爷|姥姥|姥爷|外婆|婆婆|阿婆|阿公"
    r"|妈|妈妈|宝妈|爸|爸爸|老师|先生|女士|小姐|师傅|嫂|嫂子|团长|群主|太太|姑娘|宝宝)$"
)
_FAMILIAR = re.compile(r"[老小阿][\u4e00-\u9fff]")
_BUILDING = re.compile(r"(?:\d+|[一二三四五六七八九十]+)\s*(?:栋|幢|号楼|单元|座|期|区|室)")
_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or 0x1F000 <= ord(ch) <= 0x1FAFF


def plausible_name(name: str, max_chars: int) -> bool:
    """Whether ``name`` could be a group nickname at all (the structural test).

    Args:
        name: The prefix or header name, whitespace collapsed.
        max_chars: The longest name allowed in this position.

    Returns:
        False for names too long, with sentence punctuation, brackets, ``@`` or a colon,
        times and numbers, and label words (``电话``, ``地址``…).
    """
    if not name or len(name) > max_chars:
        return False
    if any(ch in _NAME_FORBIDDEN for ch in name):
        return False
    if _NUMBERISH.fullmatch(name) or DATE_LINE.fullmatch(name):
        return False
    return name.lower() not in _LABELS


def looks_like_nickname(name: str) -> bool:
    """Whether ``name`` carries a mark only nicknames have.

    Args:
        name: A plausible name.

    Returns:
        True when it contains an emoji, a Latin letter or a building address (``3栋``),
        ends in a form of address (``阿姨``, ``姐``, ``宝妈``…), or is ``老``/``小``/``阿``
        plus one character; never for a bare ``团长``/``群主``/``老板``.
    """
    if any(_is_emoji(ch) for ch in name) or _LATIN.search(name) or _BUILDING.search(name):
        return True
    core = "".join(ch for ch in name if not _is_emoji(ch) and not ch.isspace())
    core = core.strip("~～·.-_*")
    if core in ADDRESSES_TO_LEADER:
        return False
    return bool(_ADDRESS_SUFFIX.search(core) or _FAMILIAR.fullmatch(core))


def normalise_nickname(name: str) -> str:
    """A nickname's key for matching: ``"李阿姨🌸"`` and ``" 李阿姨 "`` both give ``"李阿姨"``.

    Full-width characters become half-width, Latin letters lower case; emoji, WeChat
    emoticon codes, symbols, punctuation, spaces and invisible characters go.

    Args:
        name: A nickname as shown in the group (or any label naming a person).

    Returns:
        The key; empty when nothing but decoration was left.
    """
    text = EMOTICON.sub("", unicodedata.normalize("NFKC", name or ""))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category in ("Mn", "Mc"):
            if not 0xFE00 <= ord(ch) <= 0xFE0F:  # variation selectors
                kept.append(ch)
    # Composed again: dropping a spacing mark can leave a letter and its combining mark
    # ("O¨" → "o" + U+0308), which must be the same key as "ö".
    return unicodedata.normalize("NFKC", "".join(kept).lower())
