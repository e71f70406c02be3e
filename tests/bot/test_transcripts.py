"""Tracker events as the turns staff read (``channels.console.transcript``)."""
from __future__ import annotations

from bot.transcripts import (
    AGENT,
    BOT,
    CUSTOMER,
    MARKER,
    Button,
    Turn,
    photo_urls,
    to_turns,
)

T0 = 1_763_700_000.0  # 2025-11-21T04:40:00Z


def user(text: str, intent: str | None = "report_spoiled", confidence: float | None = 0.93,
         anger: float | None = 0.12, metadata: dict | None = None, at: float = T0) -> dict:
    parse: dict = {"text": text}
    if intent is not None:
        parse["intent"] = {"name": intent, "confidence": confidence}
    if anger is not None:
        parse["anger"] = {"score": anger, "is_angry": anger >= 0.6}
    return {"event": "user", "timestamp": at, "text": text, "parse_data": parse,
            "input_channel": "wechat", "metadata": metadata or {}}


def bot(text: str, *, buttons: list | None = None, metadata: dict | None = None,
        at: float = T0 + 1) -> dict:
    return {"event": "bot", "timestamp": at, "text": text,
            "data": {"buttons": buttons} if buttons is not None else {},
            "metadata": metadata or {}}


def test_a_customer_turn_carries_intent_confidence_anger_channel_and_time():
    [turn] = to_turns([user("草莓烂了")])

    assert turn == Turn(kind=CUSTOMER, at="2025-11-21T04:40:00+00:00", text="草莓烂了",
                        channel="wechat", intent="report_spoiled", confidence=0.93,
                        anger=0.12, misunderstood=False)


def test_fallback_and_low_confidence_turns_are_marked_misunderstood():
    turns = to_turns([
        user("阿巴阿巴", intent="nlu_fallback", confidence=0.7),
        user("嗯那个", intent="affirm", confidence=0.49),
        user("好的", intent="affirm", confidence=0.5),
    ])

    assert [t.misunderstood for t in turns] == [True, True, False]


def test_a_turn_without_parse_data_is_shown_but_not_judged():
    [turn] = to_turns([{"event": "user", "timestamp": T0, "text": "你好"}])

    assert (turn.kind, turn.text, turn.intent, turn.confidence, turn.anger) == (
        CUSTOMER, "你好", None, None, None)
    assert not turn.misunderstood


def test_a_channel_photo_is_its_evidence_id():
    turns = to_turns([
        user("[图片]", metadata={"evidence_id": 17}),
        user("[图片]", metadata={"evidence_id": "18"}),
        user("[图片]", metadata={"evidence_id": 19.0}),
        user("[图片]", metadata={"evidence_id": "x"}),
    ])

    assert [t.evidence_id for t in turns] == [17, 18, 19, None]


def test_a_photo_sent_as_an_address_is_matched_to_stored_evidence():
    events = [
        user("http://img.example/a.jpg"),
        user("看这个", metadata={"image_url": "https://img.example/b.png"}),
        user("https://img.example/never-stored.jpg"),
    ]

    assert photo_urls(events) == {"http://img.example/a.jpg", "https://img.example/b.png",
                                  "https://img.example/never-stored.jpg"}
    turns = to_turns(events, {"http://img.example/a.jpg": 5, "https://img.example/b.png": 6})
    assert [(t.evidence_id, t.photo_url) for t in turns] == [
        (5, "http://img.example/a.jpg"), (6, "https://img.example/b.png"),
        (None, "https://img.example/never-stored.jpg")]


def test_bot_turns_keep_their_buttons():
    [turn] = to_turns([bot("请选择退款方式", buttons=[
        {"title": "原路退回", "payload": "/choose{\"r\": 1}"}, {"title": "余额"}])])

    assert turn.kind == BOT and turn.text == "请选择退款方式"
    assert turn.buttons == (Button("原路退回", "/choose{\"r\": 1}"), Button("余额", ""))


def test_a_message_an_agent_sent_is_an_agent_turn():
    [turn] = to_turns([bot("您好，我是客服小李", metadata={"agent": "客服小李", "staff_id": 3})])

    assert (turn.kind, turn.text, turn.agent, turn.staff_id) == (AGENT, "您好，我是客服小李",
                                                                 "客服小李", 3)


def test_pause_resume_and_restart_are_markers_and_other_events_are_left_out():
    turns = to_turns([
        {"event": "action", "name": "action_listen", "timestamp": T0},
        {"event": "slot", "name": "x", "value": 1, "timestamp": T0},
        {"event": "session_started", "timestamp": T0},
        {"event": "pause", "timestamp": T0 + 1},
        {"event": "resume", "timestamp": T0 + 2},
        {"event": "restart", "timestamp": T0 + 3},
        bot("", metadata={}),  # an empty bot event (e.g. a custom payload) shows nothing
    ])

    assert [(t.kind, t.marker) for t in turns] == [
        (MARKER, "paused"), (MARKER, "resumed"), (MARKER, "restarted")]


def test_a_whole_conversation_keeps_its_order():
    turns = to_turns([
        user("草莓烂了", at=T0),
        bot("很抱歉！请问坏了几盒？", at=T0 + 1),
        user("你们怎么搞的！！！", intent="complain", confidence=0.8, anger=0.91, at=T0 + 2),
        {"event": "pause", "timestamp": T0 + 3},
        user("人呢", intent="request_human", confidence=0.95, at=T0 + 4),
        bot("您好，我是客服小李", metadata={"agent": "客服小李", "staff_id": 3}, at=T0 + 5),
    ])

    assert [t.kind for t in turns] == [CUSTOMER, BOT, CUSTOMER, MARKER, CUSTOMER, AGENT]
    assert turns[2].anger == 0.91


def test_script_in_text_is_kept_verbatim_for_the_page_to_escape():
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"

    [turn] = to_turns([user(payload)])

    assert turn.text == payload


def test_malformed_events_do_not_break_the_transcript():
    turns = to_turns([
        "not an event", {"event": "user", "text": None, "parse_data": "oops",
                         "timestamp": "yesterday", "metadata": None},
        {"event": "bot", "text": 5, "data": {"buttons": "nope"}},
    ])

    assert [(t.kind, t.text, t.at) for t in turns] == [(CUSTOMER, "", None)]


def test_turns_become_plain_dicts_for_json():
    [turn] = to_turns([bot("选一个", buttons=[{"title": "好", "payload": "/affirm"}])])

    data = turn.as_dict()

    assert data["kind"] == "bot" and data["buttons"] == ({"title": "好", "payload": "/affirm"},)
