"""Telling a comment on the service apart from "no comment" and from a new request."""
from __future__ import annotations

import re
import unicodedata

# What the NLU contract (../shared/spec/intents.md) calls a request the assistant acts
# on, plus binding an account and a greeting: said right after the comment prompt, these
# start a new turn of the dialogue instead of being kept as a comment.
NEW_REQUEST_INTENTS = frozenset({
    "request_return", "report_spoiled", "report_damaged", "report_wrong_item",
    "report_missing_item", "return_no_reason", "ask_return_policy", "ask_case_status",
    "urge_case", "cancel_case", "request_human", "complain_leader", "ask_order_status",
    "bind_account", "greet",
})
# From this confidence an intent above counts as clearly meant. Comments on the service
# often look like a request to the classifier ("客服回复太慢了，等了好久" reads as urge_case
# at about 0.6, "客服态度不好" as greet at 0.65) while real requests score above 0.9.
NEW_REQUEST_CONFIDENCE = 0.8

# Short answers that decline to comment (compared without punctuation or spaces).
_NO_COMMENT = frozenset({
    "没有", "没有了", "没了", "没", "无", "不用", "不用了", "算了", "没什么", "没啥", "没事",
    "没事了", "不了", "没意见", "没有意见", "没有建议", "暂时没有", "就这样", "就这样吧", "不说了",
    "好", "好的", "嗯", "嗯嗯", "哦", "ok", "okay", "no", "谢谢", "谢谢你", "谢谢了", "多谢",
    "感谢", "拜拜", "再见",
})
_NOISE = re.compile(r"[\s,.!?~～、，。！？…:;；：\"'“”‘’()（）]+")


def _plain(text: str | None) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def is_no_comment(text: str | None) -> bool:
    """Whether ``text`` declines the invitation to comment (``没有``, ``不用了``, ``算了``,
    a plain ``谢谢``…), or says nothing at all."""
    plain = _plain(text)
    return not plain or plain in _NO_COMMENT


def is_new_request(intent: str | None, confidence: float,
                   threshold: float = NEW_REQUEST_CONFIDENCE) -> bool:
    """Whether a message with this NLU reading is clearly a new request rather than a
    comment on the service just scored."""
    return intent in NEW_REQUEST_INTENTS and confidence >= threshold
