"""The python-telegram-bot ``Bot`` for the configured Bot API."""
from __future__ import annotations

from telegram import Bot

from bot.settings import TelegramSettings


def make_bot(settings: TelegramSettings) -> Bot:
    """A ``Bot`` talking to ``settings.api_base_url`` (Telegram, or a local fake in tests).

    Args:
        settings: The bot token and Bot API base address (without ``/bot``).
    """
    return Bot(
        settings.bot_token,
        base_url=f"{settings.api_base_url}/bot",
        base_file_url=f"{settings.api_base_url}/file/bot",
    )
