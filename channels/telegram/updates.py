"""What a Telegram update asks of the assistant, decided from python-telegram-bot's types."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telegram import Chat, Document, MessageEntity, PhotoSize, Update

from bot import messages

# Rasa reads a message starting with "/" as an intent; /start becomes a greeting.


class Kind(str, Enum):
    """The kinds of inbound update the channel handles differently."""

    TEXT = "text"
    START = "start"
    CALLBACK = "callback"
    PHOTO = "photo"
    UNSUPPORTED = "unsupported"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Inbound:
    """One update, reduced to what the channel acts on.

    Attributes:
        kind: What to do with it.
        update_id: Telegram's id of the update (the de-duplication key).
        sender_id: The Telegram user id as text (Rasa's sender id), if there is a user.
        text: The text for Rasa (TEXT, START, CALLBACK).
        file: The picture to fetch (PHOTO): the largest photo size or an image document.
        callback_query_id: The query to answer (CALLBACK).
        note: Why an update is IGNORED or UNSUPPORTED, for the log.
    """

    kind: Kind
    update_id: int
    sender_id: str | None = None
    text: str | None = None
    file: PhotoSize | Document | None = None
    callback_query_id: str | None = None
    note: str = ""


def largest_photo(sizes: tuple[PhotoSize, ...]) -> PhotoSize:
    """The size with the most pixels (then the biggest file)."""
    return max(sizes, key=lambda size: (size.width * size.height, size.file_size or 0))


def _command(text: str, entities: tuple[MessageEntity, ...]) -> str | None:
    """The bot command at the start of ``text`` (``/start@shop_bot x`` → ``start``)."""
    for entity in entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text[1:entity.length].split("@", 1)[0].lower()
    return None


def _text(update_id: int, sender: str, text: str, entities: tuple[MessageEntity, ...]) -> Inbound:
    if _command(text, entities) == "start":
        return Inbound(Kind.START, update_id, sender, messages.GREETING_PAYLOAD)
    # Typed text never names an intent directly: "/help" is read as "help".
    return Inbound(Kind.TEXT, update_id, sender, text.lstrip("/") if text.startswith("/") else text)


def classify(update: Update) -> Inbound:
    """Decides what ``update`` asks for.

    Args:
        update: An update parsed with ``Update.de_json``.

    Returns:
        The inbound item; anything the channel does not handle is IGNORED (no user to
        answer, or not for us) or UNSUPPORTED (a user sent something we cannot read).
    """
    update_id = update.update_id
    query = update.callback_query
    if query is not None:
        sender = str(query.from_user.id)
        if not query.data:
            return Inbound(Kind.IGNORED, update_id, sender, callback_query_id=query.id,
                           note="callback query without data")
        return Inbound(Kind.CALLBACK, update_id, sender, query.data, callback_query_id=query.id)
    message = update.message
    if message is None:
        kinds = [name for name, value in update.to_dict().items()
                 if name != "update_id" and value is not None]
        return Inbound(Kind.IGNORED, update_id, note=f"update type {kinds or ['empty']}")
    if message.from_user is None or message.chat.type != Chat.PRIVATE:
        return Inbound(Kind.IGNORED, update_id,
                       note=f"message in a {message.chat.type} chat, not a private chat")
    sender = str(message.from_user.id)
    if message.text:
        return _text(update_id, sender, message.text, message.entities)
    if message.photo:
        return Inbound(Kind.PHOTO, update_id, sender, file=largest_photo(message.photo))
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Inbound(Kind.PHOTO, update_id, sender, file=document)
    return Inbound(Kind.UNSUPPORTED, update_id, sender,
                   note=f"message with {_content_type(message.to_dict())}")


def _content_type(fields: dict[str, object]) -> str:
    """The content fields of a message, for the log (e.g. ``voice``, ``location``)."""
    envelope = {"message_id", "date", "chat", "from", "entities", "caption_entities",
                "message_thread_id", "sender_chat", "has_protected_content"}
    return ", ".join(sorted(key for key in fields if key not in envelope)) or "no content"
