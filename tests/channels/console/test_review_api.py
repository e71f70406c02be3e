"""The leads' review API on a real server: who may use it, filters and their refusals,
transcripts with audited reveal, annotations, exports and photos."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import select

from bot.db import AuditEntry
from bot.db.session import unit_of_work
from tests.bot.review.conftest import at
from tests.review_data import Script, save


@pytest.fixture
def conversations(app_db) -> None:
    save([Script("demo-1", at()).says("草莓烂了，电话13816624571", "greet", confidence=0.4)
          .bot("您好！"),
          Script("demo-2", at(minutes=5)).says("订单到哪了", "ask_order_status")])


@pytest.fixture
async def lead(desk, conversations):
    return await desk.signed_in("lead1")


async def rows(browser, query: str = "from=2026-11-14&to=2026-11-20") -> list[dict]:
    answer = await browser.get(f"/console/api/review/conversations?{query}")
    assert answer.status == 200, answer.body
    return answer.body["conversations"]


async def test_agents_and_leaders_are_refused_leads_and_admins_served(desk, conversations):
    for username, status in (("agent1", 403), ("leader1", 403), ("lead1", 200),
                             ("admin1", 200)):
        browser = await desk.signed_in(username)
        answer = await browser.get("/console/api/review/conversations")
        assert answer.status == status, username
    anonymous = await desk.browser().get("/console/api/review/conversations")
    assert anonymous.status == 401


async def test_the_list_indexes_new_conversations_and_masks_phones(lead):
    listed = await rows(lead)
    assert [row["sender_id"] for row in listed] == ["demo-2", "demo-1"]
    assert listed[1]["snippet"] == "草莓烂了，电话138****4571"
    assert listed[1]["phone"].startswith("138****")


async def test_bad_filters_get_a_clear_message_and_the_field(lead):
    answer = await lead.get("/console/api/review/conversations?from=2026-02-30")
    assert answer.status == 400 and answer.body["field"] == "from"
    assert "开始日期" in answer.error
    answer = await lead.get("/console/api/review/conversations?from=2024-01-01&to=2026-11-20")
    assert answer.status == 400 and "最多 366 天" in answer.error
    answer = await lead.get("/console/api/review/conversations?intent=1%27%20OR%201=1")
    assert answer.status == 400 and "意图" in answer.error


async def test_reveal_shows_the_number_and_is_audited(lead):
    record_id = (await rows(lead))[1]["id"]
    masked = await lead.get(f"/console/api/review/conversations/{record_id}")
    assert "13816624571" not in str(masked.body)
    refused = await lead.post(f"/console/api/review/conversations/{record_id}/reveal", {},
                              csrf=False)
    assert refused.status == 403
    revealed = await lead.post(f"/console/api/review/conversations/{record_id}/reveal", {})
    assert revealed.status == 200 and "13816624571" in str(revealed.body)
    with unit_of_work() as session:
        reveals = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "review.personal_data_revealed")).all()
    assert [entry.entity_id for entry in reveals] == [str(record_id)]


async def test_mark_a_wrong_intent_and_export_it_as_nlu_yaml(lead, tmp_path):
    record_id = (await rows(lead))[1]["id"]
    view = (await lead.get(f"/console/api/review/conversations/{record_id}")).body
    message = next(item for item in view["items"] if item["kind"] == "customer")
    marked = await lead.post(f"/console/api/review/conversations/{record_id}/annotations",
                             {"kind": "wrong_intent", "event_id": message["event_id"],
                              "correct_intent": "report_spoiled"})
    assert marked.status == 200
    assert marked.body["annotations"][0]["correct_intent"] == "report_spoiled"

    export = await lead.get("/console/api/review/nlu-export")
    assert export.status == 200
    assert "attachment" in export.headers["Content-Disposition"]
    path = tmp_path / "reviewed.yml"
    path.write_text(export.body, encoding="utf-8")
    examples = {(m.get("text"), m.get("intent"))
                for m in load_data(str(path)).training_examples}
    assert examples == {("草莓烂了，电话13816624571", "report_spoiled")}


async def test_bad_annotations_change_nothing(lead):
    record_id = (await rows(lead))[1]["id"]
    answer = await lead.post(f"/console/api/review/conversations/{record_id}/annotations",
                             {"kind": "wrong_intent", "event_id": 999999,
                              "correct_intent": "report_spoiled"})
    assert answer.status == 400 and "顾客说的一句话" in answer.error
    missing = await lead.post("/console/api/review/conversations/999999/annotations",
                              {"kind": "tag", "text": "x"})
    assert missing.status == 404
    view = (await lead.get(f"/console/api/review/conversations/{record_id}")).body
    assert view["annotations"] == []


async def test_transcript_export_downloads_and_is_audited(lead):
    answer = await lead.get("/console/api/review/export?format=csv&from=2026-11-14&to=2026-11-20")
    assert answer.status == 200
    assert answer.body.splitlines()[0].lstrip("\ufeff").startswith("conversation,sender_id")
    assert "13816624571" not in answer.body
    bad = await lead.get("/console/api/review/export?format=xlsx")
    assert bad.status == 400
    with unit_of_work() as session:
        assert session.query(AuditEntry).filter_by(
            action="review.transcripts_exported").count() == 1


async def test_the_page_is_served_to_signed_in_staff(desk, lead):
    page = await lead.get("/console/review")
    assert page.status == 200 and "会话审阅" in page.body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = await lead.get("/console/static/review.js")
    assert script.status == 200
    anonymous = await desk.browser().get("/console/review")
    assert anonymous.status in (301, 302, 303)
