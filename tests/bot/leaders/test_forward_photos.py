"""Photos a leader sends about forwarded complaints: where they go and how they become
the claim's or the case's evidence (bot/leaders/forward_photos.py).

The NLU is a small real one (the ``classify`` fixture): the project's intent and anger
models trained on its own training data. Messages are ones it reads with confidence, as a
leader would paste them. The demo shop's customers are described in
``tests.bot.leaders.forward_chat``.
"""
from __future__ import annotations

import pytest

from bot.db import AuditEntry, Evidence
from bot.enums import CaseState, Review
from bot.leaders.forward_confirming import confirm
from bot.leaders.forward_errors import EvidenceNotUsable, PhotoTargetAmbiguous, PhotoTargetNotFound
from bot.leaders.forward_items import summary_lines
from bot.leaders.forward_photos import attach_photo, photo_target
from bot.leaders.forward_reading import read_forward
from bot.leaders.forward_store import latest_forward
from tests.bot.leaders.forward_chat import SPEAKER_LINES, case, count, customer_id, leader_of, photo


def test_a_photo_before_confirming_becomes_the_claims_photo(session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    target = photo_target(session, liu)
    evidence = photo(session, app_db, target.customer_id)

    attach_photo(session, liu, None, evidence, now, policy)
    with_photo = latest_forward(session, liu)
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]

    assert (target.forward_id, target.number, target.case_id) == (draft.forward_id, 1, None)
    assert with_photo.item(1).evidence_ids == (evidence,)
    assert summary_lines(with_photo) == ["1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90"]
    row = case(session, created.ref)
    assert [e.id for e in row.evidence] == [evidence]
    # With a photo and within the limit the policy approves at once.
    assert (row.review, row.state) == (Review.AUTO, CaseState.REFUND_PENDING)


def test_a_photo_after_confirming_goes_to_the_only_case(session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]
    target = photo_target(session, liu)

    attach_photo(session, liu, None, photo(session, app_db, target.customer_id), now, policy)

    assert (target.case_id, target.case_ref) == (created.id, created.ref)
    assert len(case(session, created.ref).evidence) == 1
    assert count(session, AuditEntry, AuditEntry.action == "evidence.attached",
                 AuditEntry.actor == f"leader:{liu}") == 1


def test_photos_name_their_case_when_there_are_several(session, read, liu, now, policy, app_db) -> None:
    draft = read(SPEAKER_LINES)

    with pytest.raises(PhotoTargetAmbiguous) as several:
        photo_target(session, liu)
    second = photo_target(session, liu, "2")
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    eggs = done.created[2]
    by_ref = photo_target(session, liu, eggs.ref.lower())
    attach_photo(session, liu, eggs.ref, photo(session, app_db, by_ref.customer_id), now, policy)

    assert len(several.value.options) == 3
    assert (second.number, second.customer_id) == (2, customer_id(session, "小美"))
    assert by_ref.case_id == eggs.id and len(case(session, eggs.ref).evidence) == 1
    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, "9")
    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, "R9999")


def test_photos_of_another_point_or_customer_are_refused(session, read, liu, now, policy, app_db,
                                                          classify) -> None:
    chen = leader_of(session, "PP02")
    theirs = read_forward(session, chen, "leader-chen", "老李：东北大米里有虫子", now, policy, classify)
    their_case = confirm(session, chen, theirs.forward_id, None, now, policy).created[0]
    read("小美：草莓烂了一盒")
    someone_else = photo(session, app_db, customer_id(session, "豆豆妈妈"))

    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, their_case.ref)
    with pytest.raises(PhotoTargetNotFound):
        attach_photo(session, liu, their_case.ref, someone_else, now, policy)
    with pytest.raises(EvidenceNotUsable):
        attach_photo(session, liu, None, someone_else, now, policy)
    with pytest.raises(EvidenceNotUsable):
        attach_photo(session, liu, None, 999_999, now, policy)
    assert session.get(Evidence, someone_else).case_id is None
    assert photo_target(session, chen, their_case.ref).case_id == their_case.id
