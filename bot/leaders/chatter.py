"""Group-chat chatter: messages that are obviously not complaints (``收到``, ``+1``, 接龙
lines, greetings, "the goods have arrived"), left out before the NLU reads the rest.
"""
from __future__ import annotations

import re
import unicodedata

from bot.leaders.group_chat import GroupMessage

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
        message: A message from ``bot.leaders.group_chat.split_messages``.

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
