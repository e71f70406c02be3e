"""Acting on one accepted update: to Rasa as a user message, or a short answer back."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from telegram import Bot
from telegram.error import TelegramError

from bot import messages as replies
from bot.settings import get_settings
from channels.telegram.output import TelegramOutput
from channels.telegram.photos import photo_evidence
from channels.telegram.updates import Inbound, Kind

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Dispatcher:
    """Acts on updates the inbox hands over (one at a time per user, oldest first).

    Args:
        bot: The bot (to answer callback queries and fetch photos).
        output: The output channel replies go through.
        input_channel: The name Rasa records as the message's input channel.
    """

    def __init__(self, bot: Bot, output: TelegramOutput, input_channel: str) -> None:
        self._bot = bot
        self._output = output
        self._input_channel = input_channel

    async def act(self, inbound: Inbound, key: str, on_new_message: OnNewMessage) -> None:
        """Acts on ``inbound``; raising means the inbox tries it again later.

        Args:
            inbound: The classified update (one with a sender: the webhook queues no
                other).
            key: The update's inbox key; Rasa stores it as the user message's id, so a
                retry after an interruption is not handled twice.
            on_new_message: Rasa's handler.
        """
        sender = inbound.sender_id
        if inbound.callback_query_id is not None:
            try:
                await self._bot.answer_callback_query(inbound.callback_query_id)
            except TelegramError as error:
                logger.warning("telegram: callback query not answered: %s", error)
        if inbound.kind in (Kind.TEXT, Kind.START, Kind.CALLBACK):
            await self._to_rasa(inbound, key, inbound.text, {}, on_new_message)
        elif inbound.kind is Kind.PHOTO:
            result = await photo_evidence(self._bot, inbound.file, sender, get_settings())
            if result.reply:
                await self._output.send_text_message(sender, result.reply)
            else:
                await self._to_rasa(inbound, key, replies.PHOTO_TURN_TEXT, result.metadata,
                                    on_new_message)
        elif inbound.kind is Kind.UNSUPPORTED:
            logger.info("telegram: update %s from %s not readable: %s", inbound.update_id,
                        sender, inbound.note)
            await self._output.send_text_message(sender, replies.UNSUPPORTED_MESSAGE)
        else:
            logger.info("telegram: update %s from %s ignored: %s", inbound.update_id, sender,
                        inbound.note)

    async def _to_rasa(self, inbound: Inbound, key: str, text: str, metadata: dict[str, Any],
                       on_new_message: OnNewMessage) -> None:
        await on_new_message(UserMessage(
            text, self._output, inbound.sender_id, input_channel=self._input_channel,
            message_id=key, metadata={**metadata, "telegram_update_id": inbound.update_id},
        ))
