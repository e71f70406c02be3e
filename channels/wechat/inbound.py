"""What a WeChat message means for the assistant: text, a photo, a greeting, a fixed
answer, or nothing."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from wechatpy.messages import BaseMessage

from bot import messages as texts

logger = logging.getLogger(__name__)

# Message types the assistant cannot read; the customer is asked for text or a photo.
UNSUPPORTED_TYPES = frozenset({"location", "link", "video", "shortvideo", "file", "music",
                               "news", "miniprogrampage"})
GREETING_EVENTS = frozenset({"subscribe", "subscribe_scan"})


class Kind(str, Enum):
    """What the channel does with a message."""

    TEXT = "text"          # pass the text to the assistant
    PHOTO = "photo"        # fetch and store the picture, then tell the assistant
    GREETING = "greeting"  # a new follower: the assistant says hello
    REPLY = "reply"        # answer with a fixed sentence, the assistant is not involved
    IGNORE = "ignore"      # nothing to say (unsubscribe, menu views, unknown events)


@dataclass(frozen=True)
class Inbound:
    """One accepted WeChat message, reduced to what the channel needs."""

    openid: str
    key: str
    kind: Kind
    msg_type: str
    text: str = ""
    media_id: str | None = None
    pic_url: str | None = None

    def as_payload(self) -> dict[str, str | None]:
        """What the inbox keeps of the message (``from_payload`` reads it back)."""
        return {"kind": self.kind.value, "msg_type": self.msg_type, "text": self.text,
                "media_id": self.media_id, "pic_url": self.pic_url}

    @classmethod
    def from_payload(cls, openid: str, key: str, payload: dict) -> "Inbound":
        return cls(openid=openid, key=key, kind=Kind(payload["kind"]),
                   msg_type=str(payload.get("msg_type") or ""), text=payload.get("text") or "",
                   media_id=payload.get("media_id"), pic_url=payload.get("pic_url"))


def dedup_key(message: BaseMessage) -> str:
    """``msg:<MsgId>`` for messages; ``event:<openid>:<CreateTime>:<Event>`` for events,
    which carry no MsgId."""
    fields = message._data  # wechatpy keeps the raw fields here
    msg_id = str(fields.get("MsgId") or fields.get("MsgID") or "").strip()
    if msg_id:
        return f"msg:{msg_id}"
    event = str(fields.get("Event") or fields.get("MsgType") or "").lower()
    return f"event:{message.source}:{fields.get('CreateTime') or ''}:{event}"


def _field(message: BaseMessage, name: str) -> str:
    value = message._data.get(name)
    return value.strip() if isinstance(value, str) else ""


def classify(message: BaseMessage) -> Inbound:
    """Decides what to do with ``message``; unknown types and events never raise."""
    msg_type = _field(message, "MsgType").lower()
    openid = _field(message, "FromUserName")
    key = dedup_key(message)

    def make(kind: Kind, **extra: str | None) -> Inbound:
        return Inbound(openid=openid, key=key, kind=kind, msg_type=msg_type, **extra)

    if msg_type == "text":
        content = _field(message, "Content")
        return make(Kind.TEXT, text=content) if content else make(Kind.IGNORE)
    if msg_type == "image":
        return make(Kind.PHOTO, media_id=_field(message, "MediaId") or None,
                    pic_url=_field(message, "PicUrl") or None)
    if msg_type == "voice":
        recognised = _field(message, "Recognition")
        if recognised:
            return make(Kind.TEXT, text=recognised)
        return make(Kind.REPLY, text=texts.VOICE_NOT_RECOGNISED)
    if msg_type == "event":
        event = getattr(message, "event", "") or _field(message, "Event").lower()
        return make(Kind.GREETING, text=texts.GREETING_PAYLOAD) if event in GREETING_EVENTS \
            else make(Kind.IGNORE)
    if msg_type not in UNSUPPORTED_TYPES:
        logger.info("wechat: unknown message type %r from %s, answered politely", msg_type, openid)
    return make(Kind.REPLY, text=texts.UNSUPPORTED_MESSAGE)
