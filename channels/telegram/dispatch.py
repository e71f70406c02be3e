"""Handing one accepted update on: to Rasa as a user message, or a short answer back."""
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
from channels.telegram.turns import KeyedLock
from channels.telegram.updates import Inbound, Kind

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Dispatcher:
    """Acts on inbound updates, one at a time per user, in the order they arrive.

    Args:
        bot: The bot (to answer callback queries and fetch photos).
        output: The output channel replies go through.
        input_channel: The name Rasa records as the message's input channel.
    """

    def __init__(self, bot: Bot, output: TelegramOutput, input_channel: str) -> None:
        self._bot = bot
        self._output = output
        self._input_channel = input_channel
        self._turns = KeyedLock()

    async def handle(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        """Acts on ``inbound``; never raises (a failure is logged and apologised for)."""
        if inbound.sender_id is None:
            logger.info("telegram: update %s ignored: %s", inbound.update_id, inbound.note)
            return
        async with self._turns.hold(inbound.sender_id):
            try:
                await self._act(inbound, on_new_message)
            except Exception:
                logger.exception("telegram: update %s from %s failed", inbound.update_id,
                                 inbound.sender_id)
                await self._output.send_text_message(inbound.sender_id, replies.TECHNICAL_PROBLEM)

    async def _act(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        sender = inbound.sender_id
        if inbound.callback_query_id is not None:
            try:
                await self._bot.answer_callback_query(inbound.callback_query_id)
            except TelegramError as error:
                logger.warning("telegram: callback query not answered: %s", error)
        if inbound.kind in (Kind.TEXT, Kind.START, Kind.CALLBACK):
            await self._to_rasa(inbound, inbound.text, {}, on_new_message)
        elif inbound.kind is Kind.PHOTO:
            result = await photo_evidence(self._bot, inbound.file, sender, get_settings())
            if result.reply:
                await self._output.send_text_message(sender, result.reply)
            else:
                await self._to_rasa(inbound, replies.PHOTO_TURN_TEXT, result.metadata,
                                    on_new_message)
        elif inbound.kind is Kind.UNSUPPORTED:
            logger.info("telegram: update %s from %s not readable: %s", inbound.update_id,
                        sender, inbound.note)
            await self._output.send_text_message(sender, replies.UNSUPPORTED_MESSAGE)
        else:
            logger.info("telegram: update %s from %s ignored: %s", inbound.update_id, sender,
                        inbound.note)

    async def _to_rasa(self, inbound: Inbound, text: str, metadata: dict[str, Any],
                       on_new_message: OnNewMessage) -> None:
        await on_new_message(UserMessage(
            text, self._output, inbound.sender_id, input_channel=self._input_channel,
            metadata={**metadata, "telegram_update_id": inbound.update_id},
        ))
