"""The loss-booking job books an approved case's disposed goods once, whichever replica
runs it, so the loss ledger never waits for a reconciliation run."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.cases import open_case
from bot.cases.opening import ClaimDraft
from bot.db.accounting import LossEntry, ResponsibleParty
from bot.db.session import unit_of_work
from bot.enums import Reason, Resolution
from bot.evidence import store_photo
from bot.orders import recent_lines
from bot.policy import load_policy
from channels.console.losses_job import LossBookingJob
from tests.bot.accounting.support import customer
from tests.images import encode, photo


def _spoiled_strawberries_approved(app_db) -> str:
    now = app_db.seeded_at
    with unit_of_work() as session:
        demo_1 = customer(session, "demo-1")
        line = next(item for item in recent_lines(session, demo_1, now)
                    if item.product_name == "丹东草莓")
        evidence = store_photo(session, encode(photo("job-mould"), "JPEG"), customer_id=demo_1,
                               evidence_dir=app_db.data_dir / "evidence").id
        draft = ClaimDraft(demo_1, line.line_id, Reason.SPOILED, Decimal("1"),
                           evidence_id=evidence, resolution=Resolution.REFUND_BALANCE)
        return open_case(session, draft, now, load_policy(), "customer:demo-1").case.ref


async def test_an_approved_disposed_case_is_booked_once(app_db):
    _spoiled_strawberries_approved(app_db)
    first, second = LossBookingJob(), LossBookingJob()

    booked = await first.check_once()

    assert len(booked) == 1 and await second.check_once() == []
    with unit_of_work() as session:
        [entry] = session.scalars(select(LossEntry)).all()
        assert entry.party is ResponsibleParty.SUPPLIER and entry.amount == Decimal("29.90")
