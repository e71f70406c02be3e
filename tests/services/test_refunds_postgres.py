"""The refund ledger's invariants on PostgreSQL: the per-line cap under concurrent requests,
one compensation coupon per case, one payout per refund with two replicas, and migration
0008 carrying old refunds over and back."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db import Coupon, OrderLineRefundTotal, ReturnCase
from bot.db.base import utcnow
from bot.db.migrate import alembic_config, upgrade
from bot.db.session import get_sessionmaker, unit_of_work
from bot.refunds import cap, coupons, payout
from bot.refunds.errors import AmountAbovePaid, CouponAlreadyIssued
from bot.refunds.gateway import WeChatPayGateway
from bot.seed import seed_demo
from bot.settings import get_settings
from channels.wechatpay.fake_api import REFUND, FakeWeChatPay
from tests.bot.db.test_refund_ledger_migration import round_trip
from tests.bot.refunds.support import (
    API_KEY,
    APP_ID,
    MCH_ID,
    approved_case,
    exchange_case,
    refunds_of,
    use_wechat_pay,
)

pytestmark = pytest.mark.services


class PostgresDatabase:
    def __init__(self, url: str, data_dir, seeded_at) -> None:
        self.url, self.data_dir, self.seeded_at = url, data_dir, seeded_at


@pytest.fixture
def pg_db(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator:
    """The application on a migrated, seeded PostgreSQL database (like ``app_db``)."""
    command.downgrade(alembic_config(postgres_url), "base")
    upgrade(postgres_url)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()
    seeded_at = utcnow()
    with unit_of_work() as session:
        seed_demo(session, seeded_at)
    yield PostgresDatabase(postgres_url, tmp_path, seeded_at)
    get_sessionmaker().kw["bind"].dispose()
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()


@pytest.fixture
def pay_server() -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(APP_ID, MCH_ID, API_KEY)
    yield fake
    fake.close()


@pytest.fixture
def now(pg_db):
    return pg_db.seeded_at + timedelta(minutes=5)


def _together(count: int, work) -> list[str]:
    start, outcomes, lock = threading.Barrier(count), [], threading.Lock()

    def run() -> None:
        start.wait()
        result = work()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(outcomes)


def test_concurrent_refunds_never_exceed_what_was_paid_on_postgres(pg_db, now):
    case = exchange_case(pg_db, now)  # ¥59.80 paid for the line

    def request() -> str:
        try:
            with unit_of_work() as session:
                cap.create_refund(session, session.get(ReturnCase, case.id),
                                  amount=Decimal("15.00"), destination="refund_balance",
                                  actor="staff:1", at=now)
            return "ok"
        except AmountAbovePaid:
            return "refused"

    assert _together(10, request) == ["ok"] * 3 + ["refused"] * 7
    assert sum(r.amount for r in refunds_of(case.id)) == Decimal("45.00")
    with unit_of_work() as session:
        total = session.get(OrderLineRefundTotal, case.order_line_id)
        assert (total.paid_cents, total.refunded_cents) == (5980, 4500)
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(update(OrderLineRefundTotal).values(refunded_cents=9999))


def test_one_compensation_coupon_per_case_on_postgres(pg_db, now):
    case = exchange_case(pg_db, now)  # has its compensation coupon already

    def issue() -> str:
        try:
            with unit_of_work() as session:
                row = session.get(ReturnCase, case.id)
                coupons.issue(session, customer_id=row.customer_id, case=row,
                              amount=Decimal("3"), kind="compensation", actor="bot", at=now)
            return "issued"
        except CouponAlreadyIssued:
            return "refused"

    assert _together(4, issue) == ["refused"] * 4
    with unit_of_work() as session:
        assert len(session.scalars(select(Coupon).where(
            Coupon.case_id == case.id, Coupon.kind == "compensation")).all()) == 1


def test_two_replicas_pay_a_refund_once_on_postgres(pg_db, now, pay_server, monkeypatch):
    use_wechat_pay(monkeypatch, pay_server)
    case = approved_case(pg_db, now)
    gateway = WeChatPayGateway(get_settings().wechat_pay)
    policy = payout.RetryPolicy(3, 30)

    results = _together(2, lambda: tuple(r.result for r in payout.run_round(gateway, now,
                                                                            policy)))

    assert results == [(), ("succeeded",)]
    assert len(pay_server.calls_to(REFUND)) == 1
    [refund] = refunds_of(case.id)
    assert refund.state == "succeeded" and refund.external_ref


def test_migration_0008_carries_old_refunds_over_and_back_on_postgres(postgres_url):
    command.downgrade(alembic_config(postgres_url), "base")
    round_trip(postgres_url)
    command.downgrade(alembic_config(postgres_url), "base")


def test_wechat_pay_s_notice_racing_the_job_and_itself_pays_once_on_postgres(
        pg_db, now, pay_server, monkeypatch):
    """The payout job records WeChat Pay's answer while two replicas receive the refund
    result notification for the same refund: one of them pays it, nothing twice."""
    from bot.db import AuditEntry
    from bot.refunds import notices
    from channels.wechatpay.notify import RefundNotifyEndpoint

    use_wechat_pay(monkeypatch, pay_server)
    case = approved_case(pg_db, now)
    [refund] = refunds_of(case.id)
    gateway = WeChatPayGateway(get_settings().wechat_pay)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    calls = payout.attempt(gateway, claimed)
    body = pay_server.notification(refund.out_refund_no)
    endpoint = RefundNotifyEndpoint(get_settings().wechat_pay, clock=lambda: now)
    work = iter([lambda: "job:" + _finish(claimed, calls, now)] +
                [lambda: "notice:" + endpoint.receive(body).outcome] * 2)
    lock = threading.Lock()

    def next_work() -> str:
        with lock:
            job = next(work)
        return job()

    outcomes = _together(3, next_work)

    assert sorted(o for o in outcomes if o.startswith("notice:")) in (
        ["notice:confirmed", "notice:replayed"], ["notice:paid", "notice:replayed"])
    assert ("job:succeeded" in outcomes) == ("notice:confirmed" in outcomes)
    [paid] = refunds_of(case.id)
    assert paid.state == "succeeded" and paid.notify == "succeeded"
    with unit_of_work() as session:
        assert len(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.succeeded")).all()) == 1
        assert notices.take(session, paid.id, now) is not None
        assert notices.take(session, paid.id, now) is None


def _finish(claimed, calls, now) -> str:
    with unit_of_work() as session:
        return payout.finish(session, claimed, calls, now, payout.RetryPolicy(3, 30)).result
