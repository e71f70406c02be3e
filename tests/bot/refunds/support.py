"""Refund test helpers: approved demo cases, WeChat Pay configured against the local fake,
refunds requested and quick looks at the ledger, and what WeChat Pay's refund result
notifications leave behind."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.accounting.reconcile import reconcile
from bot.cases import open_case
from bot.cases.review import approve
from bot.db import AuditEntry, Refund, RefundAttempt, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.policy import load_policy
from bot.refunds import cap, notices, payout
from bot.refunds.gateway import Gateway
from bot.settings import get_settings
from channels.wechatpay.fake_api import FakeWeChatPay
from channels.wechatpay.notify import RefundNotifyEndpoint, Reply
from tests.bot.cases.claims import strawberry_claim

APP_ID, MCH_ID, API_KEY = "wx-pay-test", "1900000109", "k" * 32
POLICY = payout.RetryPolicy(max_attempts=4, base_seconds=30)
PAID_NEWS = "您的售后单 {ref} 的退款 ¥59.80 已退回微信零钱，预计1-3天到账～"


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


def request(case_id: int, amount, destination=Resolution.REFUND_ORIGINAL, *,
            now: datetime) -> Refund:
    """Requests a refund for the case in a unit of work of its own."""
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        refund = cap.create_refund(session, case, amount=amount, destination=destination,
                                   actor="staff:1", at=now)
        session.expunge(refund)
        return refund


# ---------------------------------------------------------------- refund result notifications


def receive(endpoint: RefundNotifyEndpoint, fake: FakeWeChatPay, key: str, status=None, /,
            **options) -> Reply:
    return endpoint.receive(fake.notification(key, status, **options), "127.0.0.1")


def audit(action: str) -> list[AuditEntry]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def count(action: str) -> int:
    return len(audit(action))


def notify_rows(refund_id: int) -> list[tuple[str, str, str | None]]:
    with unit_of_work() as session:
        return [(a.operation, a.outcome, a.code) for a in session.scalars(
            select(RefundAttempt).where(RefundAttempt.refund_id == refund_id,
                                        RefundAttempt.operation.in_(("notify", "query")))
            .order_by(RefundAttempt.id))]


def told(refund_id: int, at: datetime) -> str | None:
    """The refund's news the payout job would send now (taken once), if any."""
    with unit_of_work() as session:
        if refund_id not in notices.due(session):
            return None
        notice = notices.take(session, refund_id, at)
        return notice and notice.text


def snapshot(refund_id: int) -> tuple:
    with unit_of_work() as session:
        r = session.get(Refund, refund_id)
        attempts = session.scalar(select(func.count(RefundAttempt.id)).where(
            RefundAttempt.refund_id == refund_id,
            RefundAttempt.operation.not_in(("notify", "query"))))
        return (r.state, r.paid_at, r.paid_by, r.external_ref, r.notify, r.notified_at,
                r.manual_reason, r.failure, r.attempts, attempts)


def balanced(now: datetime) -> list[str]:
    with unit_of_work() as session:
        return reconcile(session, now - timedelta(days=1), now + timedelta(days=1),
                         title="t").problems


def lost_answer(app_db, now: datetime, gateway: Gateway, fake_pay: FakeWeChatPay,
                policy: payout.RetryPolicy = POLICY
                ) -> tuple[ReturnCase, Refund, payout.Result]:
    """An approved strawberry refund WeChat Pay made, whose answer was not believed (a bad
    signature): ``failed``, uncertain, a retry scheduled."""
    case = approved_case(app_db, now)
    fake_pay.tamper_next(process=True)
    [result] = payout.run_round(gateway, now, policy)
    [refund] = refunds_of(case.id)
    assert fake_pay.refunds[refund.out_refund_no].status == "SUCCESS"
    return case, refund, result


def paid_by_job(app_db, now: datetime, gateway: Gateway) -> tuple[ReturnCase, Refund]:
    case = approved_case(app_db, now)
    [result] = payout.run_round(gateway, now, POLICY)
    assert result.result == "succeeded"
    [refund] = refunds_of(case.id)
    return case, refund
