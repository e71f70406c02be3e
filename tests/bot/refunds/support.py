"""Refund test helpers: approved demo cases, WeChat Pay configured against the local fake,
and quick looks at the ledger."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import open_case
from bot.cases.review import approve
from bot.db import Refund, RefundAttempt, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.policy import load_policy
from bot.settings import get_settings
from channels.wechatpay.fake_api import FakeWeChatPay
from tests.bot.cases.claims import strawberry_claim

APP_ID, MCH_ID, API_KEY = "wx-pay-test", "1900000109", "k" * 32


@pytest.fixture
def fake_pay() -> Iterator[FakeWeChatPay]:
    """WeChat Pay's refund API on loopback."""
    fake = FakeWeChatPay(APP_ID, MCH_ID, API_KEY)
    yield fake
    fake.close()


def use_wechat_pay(monkeypatch: pytest.MonkeyPatch, fake: FakeWeChatPay, *,
                   sign_type: str = "MD5", timeout: float = 0.5, api_key: str = API_KEY) -> None:
    """Configures WeChat Pay (by environment, as in production) against ``fake``."""
    for name, value in {"WECHAT_PAY_APP_ID": APP_ID, "WECHAT_PAY_MCH_ID": MCH_ID,
                        "WECHAT_PAY_API_KEY": api_key, "WECHAT_PAY_API_BASE_URL": fake.url,
                        "WECHAT_PAY_SIGN_TYPE": sign_type,
                        "WECHAT_PAY_TIMEOUT": str(timeout)}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def approved_case(app_db, now: datetime, *, resolution: Resolution = Resolution.REFUND_ORIGINAL,
                  amount: Decimal | None = None, quantity: str = "2") -> ReturnCase:
    """demo-1's strawberries (2 boxes, ¥59.80 paid) spoiled, approved by staff; the refund
    goes to ``resolution``."""
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, quantity_affected=Decimal(quantity),
                                 resolution=resolution)
        case = open_case(session, draft, now, load_policy(), "customer:demo-1").case
    with unit_of_work() as session:
        approve(session, case.id, actor="staff:1", now=now, amount=amount)
    return case_row(case.id)


def exchange_case(app_db, now: datetime) -> ReturnCase:
    """demo-1's strawberries (¥59.80 paid) were the wrong item; an exchange approved: the
    case is APPROVED and owes no refund, so tests can ask the ledger for refunds."""
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, reason=Reason.WRONG_ITEM,
                                 quantity_affected=Decimal("2"), resolution=Resolution.EXCHANGE)
        case = open_case(session, draft, now, load_policy(), "customer:demo-1").case
    with unit_of_work() as session:
        approve(session, case.id, actor="staff:1", now=now)
    row = case_row(case.id)
    assert row.state is CaseState.APPROVED
    return row


def case_row(case_id: int) -> ReturnCase:
    with unit_of_work() as session:
        row = session.get(ReturnCase, case_id)
        session.expunge(row)
        return row


def refunds_of(case_id: int) -> list[Refund]:
    with unit_of_work() as session:
        rows = session.scalars(select(Refund).where(Refund.case_id == case_id)
                               .order_by(Refund.id)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def attempts_of(refund_id: int) -> list[tuple[int, str, str, str | None]]:
    with unit_of_work() as session:
        return [(a.number, a.operation, a.outcome, a.code) for a in session.scalars(
            select(RefundAttempt).where(RefundAttempt.refund_id == refund_id)
            .order_by(RefundAttempt.id))]
