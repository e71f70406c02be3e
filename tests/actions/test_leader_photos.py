"""A leader's photo staged by the Telegram or WeChat channel lands on the right case as
the customer's evidence (actions/leader_photos.py through action_leader)."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select

from actions.leader import ActionLeader
from bot.db import Evidence, Leader, LeaderIdentity, PickupPoint, ReturnCase
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import stage_photo
from bot.leaders.forward_confirming import confirm
from bot.leaders.forward_items import Reading
from bot.leaders.forward_reading import read_forward
from bot.messages import PHOTO_TURN_TEXT
from bot.policy import load_policy
from tests.actions.trackers import run, tracker
from tests.images import jpeg_bytes

LEADER_CHAT = "7003"


def _spoiled(text: str) -> Reading:
    return Reading("report_spoiled", 0.95, 0.1)


@pytest.fixture
def leader(app_db) -> int:
    """PP01's leader, bound to Telegram chat ``LEADER_CHAT``."""
    with unit_of_work() as session:
        leader_id = session.scalars(select(Leader.id).join(PickupPoint)
                                   .where(PickupPoint.code == "PP01")).one()
        session.add(LeaderIdentity(leader_id=leader_id, channel="telegram",
                                   external_id=LEADER_CHAT, created_at=utcnow()))
    return leader_id


@pytest.fixture
def case_ref(leader) -> str:
    """A case the leader forwarded and confirmed: 小美's strawberries."""
    with unit_of_work() as session:
        draft = read_forward(session, leader, LEADER_CHAT, "小美：草莓烂了一盒",
                                      utcnow(), load_policy(), _spoiled)
        return confirm(session, leader, draft.forward_id, None, utcnow(),
                                load_policy()).created[0].ref


def _stage(app_db, sender: str = LEADER_CHAT, channel: str = "telegram") -> str:
    with unit_of_work() as session:
        return stage_photo(session, jpeg_bytes(), channel=channel, sender=sender,
                           source="telegram:u-egg", evidence_dir=app_db.data_dir / "evidence")


def _photo_turn(staged_id: str, channel: str = "telegram") -> Tracker:
    track = tracker(LEADER_CHAT, PHOTO_TURN_TEXT, metadata={"staged_photo": staged_id})
    track.events[-1]["input_channel"] = channel
    return track


def _evidence_of(ref: str) -> list[Evidence]:
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        return list(session.scalars(select(Evidence).where(Evidence.case_id == case.id)))


async def test_a_telegram_leaders_photo_lands_on_the_confirmed_case(app_db, case_ref):
    messages, _ = await run(ActionLeader(), _photo_turn(_stage(app_db)))

    assert [m["text"] for m in messages] == [f"照片已经加到 {case_ref} 了👌"]
    [photo] = _evidence_of(case_ref)
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == case_ref)).one()
        assert photo.customer_id == case.customer_id, "kept as the customer's evidence"
    assert photo.source_url == "telegram:u-egg"
    assert (app_db.data_dir / "evidence" / photo.path).read_bytes() == jpeg_bytes()


async def test_a_staged_photo_id_from_another_chat_attaches_nothing(app_db, case_ref):
    someone_elses = _stage(app_db, sender="8000")

    messages, _ = await run(ActionLeader(), _photo_turn(someone_elses))

    assert [m["text"] for m in messages] == ["这张照片没能保存😥 麻烦换一张清晰的 jpg/png 再发一次。"]
    assert _evidence_of(case_ref) == []


async def test_a_staged_id_typed_into_rest_metadata_attaches_nothing(app_db, case_ref):
    staged_id = _stage(app_db)
    with unit_of_work() as session:
        leader_id = session.scalars(select(LeaderIdentity.leader_id)
                                    .where(LeaderIdentity.external_id == LEADER_CHAT)).one()
        session.add(LeaderIdentity(leader_id=leader_id, channel="rest", external_id=LEADER_CHAT,
                                   created_at=utcnow()))

    messages, _ = await run(ActionLeader(), _photo_turn(staged_id, channel="rest"))

    assert "没能保存" in messages[0]["text"]
    assert _evidence_of(case_ref) == []
