"""Leaders' photos staged by a channel and taken by the leader's assistant, and stored
photos read back for sending (bot/evidence/staging.py, store.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.customers import identify
from bot.db import AuditEntry, Evidence
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import (
    MissingEvidence,
    NotAnImage,
    StagedPhotoNotFound,
    read_stored_photo,
    stage_photo,
    store_photo,
    take_staged,
)
from bot.evidence.staging import STAGED_TTL
from tests.images import jpeg_bytes

LEADER_CHAT = "7003"


def _customer_id() -> int:
    with unit_of_work() as session:
        return identify(session, "rest", "demo-1").id


def _stage(app_db, data: bytes, sender: str = LEADER_CHAT) -> str:
    with unit_of_work() as session:
        return stage_photo(session, data, channel="telegram", sender=sender,
                           source="telegram:u-egg", evidence_dir=app_db.data_dir / "evidence")


def _take(app_db, staged_id: str, *, channel: str = "telegram", sender: str = LEADER_CHAT,
          at=None):
    with unit_of_work() as session:
        return take_staged(session, staged_id, channel=channel, sender=sender,
                           customer_id=_customer_id(), evidence_dir=app_db.data_dir / "evidence",
                           now=at or utcnow())


def test_a_staged_photo_becomes_the_customers_evidence_once(app_db):
    picture = jpeg_bytes()
    staged_id = _stage(app_db, picture)

    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == [], "nobody's evidence until taken"
        [staged] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.staged")).all()
        assert staged.actor == f"telegram:{LEADER_CHAT}" and staged.entity_id == staged_id

    stored = _take(app_db, staged_id)

    with app_db.session() as session:
        evidence = session.get(Evidence, stored.id)
        assert evidence.customer_id == _customer_id() and evidence.case_id is None
        assert evidence.source_url == "telegram:u-egg" and evidence.conversation_id == LEADER_CHAT
    assert (app_db.data_dir / "evidence" / stored.path).read_bytes() == picture
    with pytest.raises(StagedPhotoNotFound):
        _take(app_db, staged_id)


@pytest.mark.parametrize(("channel", "sender"), [("telegram", "9999"), ("wechat", LEADER_CHAT),
                                                 ("rest", LEADER_CHAT)])
def test_only_the_chat_that_sent_it_can_take_it(app_db, channel, sender):
    staged_id = _stage(app_db, jpeg_bytes())

    with pytest.raises(StagedPhotoNotFound):
        _take(app_db, staged_id, channel=channel, sender=sender)

    assert _take(app_db, staged_id).id


def test_a_made_up_or_expired_id_is_refused(app_db):
    staged_id = _stage(app_db, jpeg_bytes())

    with pytest.raises(StagedPhotoNotFound):
        _take(app_db, "not-a-staged-photo")
    with pytest.raises(StagedPhotoNotFound):
        _take(app_db, staged_id, at=utcnow() + STAGED_TTL + timedelta(minutes=1))


def test_a_file_changed_after_staging_is_refused(app_db):
    staged_id = _stage(app_db, jpeg_bytes())
    [stored] = (app_db.data_dir / "evidence").glob("*/*.jpg")
    stored.write_bytes(jpeg_bytes(color=(1, 2, 3)))

    with pytest.raises(StagedPhotoNotFound):
        _take(app_db, staged_id)


def test_what_is_not_a_picture_is_not_staged(app_db):
    with pytest.raises(NotAnImage):
        _stage(app_db, b"MZ\x90\x00 not a picture" * 20)

    with app_db.session() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.staged")).all() == []


def test_a_stored_photo_is_read_back_and_a_missing_one_is_said_to_be(app_db):
    picture = jpeg_bytes()
    evidence_dir = app_db.data_dir / "evidence"
    with unit_of_work() as session:
        evidence_id = store_photo(session, picture, customer_id=_customer_id(),
                                  evidence_dir=evidence_dir).id

    with unit_of_work() as session:
        photo = read_stored_photo(session, evidence_id, evidence_dir)
        assert (photo.data, photo.mime_type, photo.extension) == (picture, "image/jpeg", "jpg")
        with pytest.raises(MissingEvidence):
            read_stored_photo(session, evidence_id + 1, evidence_dir)
    next(evidence_dir.glob("*/*.jpg")).unlink()
    with unit_of_work() as session, pytest.raises(MissingEvidence):
        read_stored_photo(session, evidence_id, evidence_dir)
