"""The Telegram channel (python-telegram-bot): a webhook for updates, replies through the
outbox. Listed in ``credentials.yml`` as ``channels.telegram.TelegramInput``; configured by
``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_SECRET_TOKEN`` and ``TELEGRAM_API_BASE_URL``."""
from channels.telegram.input import TelegramInput
from channels.telegram.output import TelegramOutput

__all__ = ["TelegramInput", "TelegramOutput"]
