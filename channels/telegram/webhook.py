"""Checking a webhook request and reading its update with python-telegram-bot."""
from __future__ import annotations

import hmac
import json

from telegram import Bot, Update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # updates are small; photos come by getFile, not in the body


class BadUpdate(ValueError):
    """The request body is not a Telegram update."""


class BodyTooLarge(BadUpdate):
    """The request body is far larger than any update."""


class UnreadableUpdate(Exception):
    """An update (it has an ``update_id``) that python-telegram-bot cannot read, for
    example one from a newer Bot API. Refusing it would make Telegram retry it forever
    and hold back the updates after it, so it is acknowledged and logged."""

    def __init__(self, update_id: int, reason: str) -> None:
        super().__init__(f"update {update_id}: {reason}")
        self.update_id = update_id


def secret_matches(expected: str | None, given: str | None) -> bool:
    """Whether the secret-token header is right (constant-time); no secret set accepts all."""
    if expected is None:
        return True
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


def read_update(body: bytes, bot: Bot) -> Update:
    """Parses a webhook body into an ``Update``.

    Raises:
        BodyTooLarge: the body is over ``MAX_BODY_BYTES``.
        BadUpdate: not JSON, or no numeric ``update_id``.
        UnreadableUpdate: an update python-telegram-bot cannot parse.
    """
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"body of {len(body)} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadUpdate(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise BadUpdate(f"JSON {type(data).__name__}, not an object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise BadUpdate("update_id missing or not a number")
    try:
        return Update.de_json(data, bot)
    except Exception as error:  # python-telegram-bot raises KeyError, TypeError, ...
        raise UnreadableUpdate(update_id, f"{type(error).__name__}: {error}") from error
