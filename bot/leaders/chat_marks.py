"""WeChat's marks in pasted group chat: times and date rules, system lines, media
placeholders, emoticon codes, ``@mentions`` and invisible characters.

Patterns only, plus the two checks every line goes through (``is_dropped``,
``collapse``). ``bot.leaders.chat_lines`` uses them to classify lines and
``bot.leaders.group_chat`` to clean a message's text.
"""
from __future__ import annotations

import re

# --- times and dates -------------------------------------------------------------------

_DATE = (r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
         r"|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)")
_DAY = r"(?:昨天|前天|今天|星期[一二三四五六日天]|周[一二三四五六日天]|礼拜[一二三四五六日天])"
_PERIOD = r"(?:上午|下午|中午|晚上|凌晨|早上|傍晚)"
_CLOCK = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
_STAMP = rf"(?:(?:{_DATE}|{_DAY})(?:\s*{_DAY})?\s*)?(?:{_PERIOD}\s*)?{_CLOCK}"
HEADER = re.compile(rf"(?P<name>\S.*?)\s+(?P<time>{_STAMP})")
"""A merged forward's ``昵称 10:32`` header line (``name``, ``time``)."""
_RULE = r"[\s\-—–─━=_~～·.…]*"
DATE_LINE = re.compile(
    rf"{_RULE}(?:(?:{_DATE}|{_DAY})(?:\s*{_DAY})?(?:\s*{_PERIOD})?(?:\s*{_CLOCK})?"
    rf"|(?:{_PERIOD}\s*)?{_CLOCK}){_RULE}"
)
"""A date or time on its own, possibly inside a rule (``—————  2026-11-21  —————``)."""
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

PHOTO = re.compile(r"[\[【](?:图片|照片|视频|Photo|Image|Video)[\]】]", re.IGNORECASE)
"""A photo or video placeholder: the message carried a picture."""
PLACEHOLDER = re.compile(
    r"\[(?:语音|动画表情|表情|文件|链接|位置|名片|小程序|聊天记录|红包|转账|语音通话|视频通话"
    r"|音乐|视频号|直播|公众号|系统消息|Voice|Sticker|File|Link|Location)\]",
    re.IGNORECASE,
)
"""Any other media placeholder (voice, sticker, file…)."""
EMOTICON = re.compile(r"\[(?:[\u4e00-\u9fff]{1,4}|OK|Emm|666|Yeah!|Smile|Facepalm|Rose)\]",
                      re.IGNORECASE)
"""A WeChat emoticon code such as ``[捂脸]``."""
MENTION_SPACED = re.compile(r"(?<![0-9A-Za-z])[@＠]([^@＠\u2005\n]{1,20}?)\u2005")
"""An ``@name`` followed by the U+2005 space WeChat puts after a mention."""
MENTION = re.compile(r"(?<![0-9A-Za-z])[@＠]([^\s@＠，,。！!？?：:、；;]{1,16})")
"""An ``@name`` typed by hand: the run up to a space or punctuation."""
MENTION_WORDS = ("所有人", "团长", "群主")
"""Words an ``@`` typed without a following space is cut after."""
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
"""Zero-width and soft-hyphen characters WeChat copies along."""
_SPACES = re.compile(r"\s+")


def collapse(text: str) -> str:
    """The text with runs of whitespace made one space, stripped.

    Args:
        text: Any text.

    Returns:
        The collapsed text.
    """
    return _SPACES.sub(" ", text).strip()


def is_dropped(line: str) -> bool:
    """Whether a stripped line is WeChat furniture: a system line, a date rule, a time.

    Args:
        line: One line, stripped.

    Returns:
        True when the line carries nothing a customer wrote.
    """
    if len(line) > 300:
        return False
    return bool(_SYSTEM.fullmatch(line) or DATE_LINE.fullmatch(line)
                or _RULE_ONLY.fullmatch(line))
