"""action_leader: everything a group leader sends, in leader mode (``LeaderPolicy``).

In order: a photo attaches to the leader's case; a first-check command (``同意 R1024``,
``拒绝 R1024 包装完好``, ``1``/``2`` after a card, a disposition) is carried out; an answer
to the latest forward summary (``确认``, ``2 改 3盒``…) settles it; anything else is read
as forwarded group chat. Each step is a ``bot.leaders`` service in its own unit of work;
customers hear about decisions and new cases in their own chats through Rasa's API, and
are asked to score a case the leader decided for good (``actions.satisfaction``).
"""
from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
import urllib.request
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import IDENTITY_CHANNEL, SafeAction, latest_raw_text, now, policy
from actions.leader_photos import is_photo, leader_photo
from bot import messages
from bot.db import TaskDecision
from bot.db.session import unit_of_work
from bot.leaders import first_check, tasks
from bot.leaders.check_errors import FirstCheckError
from bot.leaders.commands import Approve, Dispose, Expecting, Reject, parse_command
from bot.leaders.forward_confirming import confirm
from bot.leaders.forward_corrections import cancel_forward, correct_item, resolve_item
from bot.leaders.forward_errors import ForwardError
from bot.leaders.forward_items import ForwardDraft, Reading, summary_lines
from bot.leaders.forward_reading import read_forward
from bot.leaders.forward_replies import ForwardReply, ReplyAction, parse_forward_reply
from bot.leaders.forward_store import latest_forward
from bot.leaders.identity import identify_leader
from bot.leaders.notices import customer_notices, decision_notices
from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from bot.satisfaction.asking import ask_case_in_chat
from bot.settings import get_settings

logger = logging.getLogger(__name__)

CONTEXT_SLOT = "leader_context"


def leader_of(tracker: Tracker) -> int | None:
    """The leader bound to this chat on the channel the message came in on."""
    channel = tracker.get_latest_input_channel() or "rest"
    with unit_of_work() as session:
        leader = identify_leader(session, IDENTITY_CHANNEL.get(channel, channel),
                                 tracker.sender_id)
    return leader.id if leader else None


def _context(tracker: Tracker) -> tuple[Expecting | None, str | None]:
    """What the assistant last asked the leader, and about which case (``reason:R1024``)."""
    raw = tracker.get_slot(CONTEXT_SLOT) or ""
    kind, _, ref = raw.partition(":")
    try:
        return Expecting(kind), ref or None
    except ValueError:
        return None, None


def _set_context(expecting: Expecting | None, ref: str | None = None) -> dict[str, Any]:
    return SlotSet(CONTEXT_SLOT, f"{expecting.value}:{ref or ''}" if expecting else None)


async def tell_customers(notices: list[tuple[str, str, str]]) -> None:
    """Sends each ``(channel, external_id, text)`` into that customer's own chat."""
    rasa = RasaClient.from_settings()
    for channel, external_id, text in notices:
        try:
            await rasa.send_bot_message(external_id, text, {"from_leader": True},
                                        output_channel=channel)
        except RasaUnavailable:
            logger.warning("could not tell %s on %s", external_id, channel)


def nlu_reading(text: str) -> Reading:
    """What the running NLU makes of one forwarded message (Rasa's ``/model/parse``).

    Synchronous on purpose: ``read_forward`` asks message by message, and runs in a
    worker thread, off the action server's event loop.
    """
    settings = get_settings()
    query = f"?{urllib.parse.urlencode({'token': settings.rasa_api_token})}" \
        if settings.rasa_api_token else ""
    request = urllib.request.Request(f"{settings.rasa_url}/model/parse{query}",
                                     json.dumps({"text": text}).encode("utf-8"),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        parsed = json.loads(response.read())
    intent = parsed.get("intent") or {}
    return Reading(intent.get("name") or "nlu_fallback",
                   float(intent.get("confidence") or 0.0),
                   float((parsed.get("anger") or {}).get("score") or 0.0))


def _read_forward(leader_id: int, conversation_id: str, text: str) -> ForwardDraft:
    with unit_of_work() as session:
        return read_forward(session, leader_id, conversation_id, text, now(), policy(),
                            nlu_reading)


def _decision_notice(case_id: int) -> list[tuple[str, str, str]]:
    with unit_of_work() as session:
        return [tuple(n) for n in decision_notices(session, case_id)]


class ActionLeader(SafeAction):
    """The leader's assistant: first checks, forwarded complaints, photos."""

    def name(self) -> str:
        return "action_leader"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        leader_id = leader_of(tracker)
        if leader_id is None:
            dispatcher.utter_message(text=messages.LEADER_UNKNOWN)
            return []
        text = latest_raw_text(tracker).strip()
        if is_photo(tracker, text):
            dispatcher.utter_message(text=await leader_photo(tracker, leader_id, text))
            return []
        expecting, context_ref = _context(tracker)
        command = parse_command(text, expecting)
        if command is not None:
            return await self._command(dispatcher, leader_id, command, context_ref)
        reply = parse_forward_reply(text)
        if reply is not None:
            with unit_of_work() as session:
                pending = latest_forward(session, leader_id)
            if pending is not None and pending.forward_id is not None:
                return await self._forward_reply(dispatcher, leader_id, pending.forward_id, reply)
        return await self._forward(dispatcher, tracker, leader_id, text)

    async def _command(self, dispatcher: CollectingDispatcher, leader_id: int, command,
                       context_ref: str | None) -> list[dict[str, Any]]:
        ref = command.ref or context_ref or self._only_open_task(leader_id)
        if ref is None:
            dispatcher.utter_message(text=messages.LEADER_WHICH_CASE)
            return []
        if isinstance(command, Reject) and not command.reason:
            dispatcher.utter_message(text=messages.LEADER_ASK_REASON.format(ref=ref))
            return [_set_context(Expecting.REASON, ref)]
        try:
            with unit_of_work() as session:
                if isinstance(command, Dispose):
                    done = first_check.confirm_disposition(session, leader_id, ref,
                                                           command.disposition, now())
                    dispatcher.utter_message(text=done.leader_text)
                    return [_set_context(None)]
                decision = (TaskDecision.APPROVED if isinstance(command, Approve)
                            else TaskDecision.REJECTED)
                decided = first_check.decide(
                    session, leader_id, ref, decision, now=now(), policy=policy(),
                    reason=command.note if isinstance(command, Approve) else command.reason)
        except FirstCheckError as refused:
            dispatcher.utter_message(text=refused.leader_text)
            return [_set_context(None)]
        dispatcher.utter_message(text=decided.leader_text)
        await tell_customers(await asyncio.to_thread(_decision_notice, decided.case.id))
        # A case decided for good (rejected, or approved with the refund requested): its
        # customer is asked to score it, after the notice.
        await ask_case_in_chat(decided.case.id, RasaClient.from_settings(), now())
        if decided.needs_disposition:
            dispatcher.utter_message(text=messages.LEADER_ASK_DISPOSITION)
            return [_set_context(Expecting.DISPOSITION, decided.case.ref)]
        return [_set_context(None)]

    @staticmethod
    def _only_open_task(leader_id: int) -> str | None:
        with unit_of_work() as session:
            open_ids = tasks.open_tasks(session, leader_id)
            if len(open_ids) != 1:
                return None
            return tasks.task_card(session, open_ids[0]).case_ref

    async def _forward_reply(self, dispatcher: CollectingDispatcher, leader_id: int,
                             forward_id: int, reply: ForwardReply) -> list[dict[str, Any]]:
        at, rules = now(), policy()
        try:
            with unit_of_work() as session:
                if reply.action is ReplyAction.CONFIRM:
                    confirmation = confirm(session, leader_id, forward_id,
                                           reply.numbers and set(reply.numbers), at, rules)
                    created = [case.id for case in confirmation.created]
                    notices = [tuple(n) for n in customer_notices(session, created)]
                    refs = "、".join(case.ref for case in confirmation.cases)
                    dispatcher.utter_message(text=messages.FORWARD_CONFIRMED.format(refs=refs)
                                             if refs else messages.FORWARD_NOTHING_CONFIRMED)
                    confirmed = True
                else:
                    confirmed, notices = False, []
                    if reply.action is ReplyAction.CANCEL:
                        draft = cancel_forward(session, leader_id, forward_id,
                                               reply.numbers and set(reply.numbers))
                    elif reply.action is ReplyAction.RESOLVE:
                        draft = resolve_item(session, forward_id, leader_id, reply.number,
                                             reply.answer, now=at, policy=rules)
                    else:
                        draft = correct_item(
                            session, forward_id, leader_id, reply.number, now=at, policy=rules,
                            quantity=reply.quantity, reason=reply.reason, unopened=reply.unopened)
                    dispatcher.utter_message(text="\n".join(summary_lines(draft)))
        except ForwardError as refused:
            dispatcher.utter_message(text=messages.forward_error(refused))
            return []
        if confirmed:
            await tell_customers(notices)
        return []

    async def _forward(self, dispatcher: CollectingDispatcher, tracker: Tracker, leader_id: int,
                       text: str) -> list[dict[str, Any]]:
        draft = await asyncio.to_thread(_read_forward, leader_id, tracker.sender_id, text)
        if not draft.items:
            dispatcher.utter_message(text=messages.FORWARD_EMPTY)
            return []
        lines = summary_lines(draft)
        head = messages.FORWARD_REPEATED if draft.repeated else None
        dispatcher.utter_message(text="\n".join([*([head] if head else []), *lines,
                                                 messages.FORWARD_HINT]))
        return []
