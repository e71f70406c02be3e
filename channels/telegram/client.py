"""The python-telegram-bot ``Bot`` for the configured Bot API."""
from __future__ import annotations

import logging

from telegram import Bot

from bot.settings import TelegramSettings

# httpx logs every request's address at INFO, and Bot API addresses contain the token.
HTTP_LOGGER = "httpx"
REDACTED = "<secret>"


class TokenRedactor(logging.Filter):
    """Replaces the bot token's secret in a log record's message, so it never reaches a
    log. The secret is the part after the colon (``123456:<secret>``): addresses carry
    the colon percent-encoded, the secret never is."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self._secret = token.split(":", 1)[-1]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, REDACTED), ()
        return True


def redact_token_in_logs(token: str) -> None:
    """Keeps ``token`` out of the HTTP client's log records (once per token)."""
    logger = logging.getLogger(HTTP_LOGGER)
    if not any(isinstance(f, TokenRedactor) and f.token == token for f in logger.filters):
        logger.addFilter(TokenRedactor(token))


def make_bot(settings: TelegramSettings) -> Bot:
    """A ``Bot`` talking to ``settings.api_base_url`` (Telegram, or a local fake in tests).

    Args:
        settings: The bot token and Bot API base address (without ``/bot``).
    """
    redact_token_in_logs(settings.bot_token)
    return Bot(
        settings.bot_token,
        base_url=f"{settings.api_base_url}/bot",
        base_file_url=f"{settings.api_base_url}/file/bot",
    )
