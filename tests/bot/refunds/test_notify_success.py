"""WeChat Pay's SUCCESS notification for a refund on its way, through the real endpoint code
(``RefundNotifyEndpoint``) reading bodies the fake WeChat Pay encrypts with the merchant
key, the payout job paying through the same fake over loopback: the refund is paid once,
exactly as the payout job would (customer told once); a replay, or the notice for a refund
the job paid, changes nothing; notices racing the job and each other pay once."""
from __future__ import annotations

import threading
from datetime import timedelta

from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.refunds import payout
from tests.bot.refunds.support import (
    PAID_NEWS,
    POLICY,
    approved_case,
    audit,
    balanced,
    case_row,
    count,
    lost_answer,
    notify_rows,
    paid_by_job,
    receive,
    refunds_of,
    snapshot,
    told,
)

# ---------------------------------------------------------------- success


def test_a_success_notice_pays_a_refund_whose_answer_was_lost_once_and_the_customer_is_told_once(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund, result = lost_answer(app_db, now, gateway, fake_pay)
    assert (result.result, refund.state, refund.uncertain) == ("retry", "failed", True)

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.status, reply.accepted, reply.outcome) == (200, True, "paid")
    assert "<return_code><![CDATA[SUCCESS]]></return_code>" in reply.body
    [paid] = refunds_of(case.id)
    assert (paid.state, paid.paid_by, paid.external_ref, paid.uncertain) == (
        "succeeded", "gateway:wechatpay", fake_pay.refunds[paid.out_refund_no].refund_id, False)
    assert paid.gateway_answer["refund_status"] == "SUCCESS"
    assert case_row(case.id).state is CaseState.REFUNDED
    [succeeded] = audit("refund.succeeded")
    assert (succeeded.detail["via"], succeeded.detail["previous_state"]) == ("notify", "failed")
    assert count("refund.notify_paid") == 1
    assert notify_rows(paid.id) == [("notify", "paid", "SUCCESS")]
    assert told(paid.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(paid.id, now) is None, "told once"
    assert payout.run_round(gateway, now + timedelta(hours=2), POLICY) == [], "nothing due"
    assert balanced(now) == []


def test_a_replayed_notice_is_answered_success_and_changes_nothing(app_db, now, gateway,
                                                                   fake_pay, endpoint):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    body = fake_pay.notification(refund.out_refund_no)
    first = endpoint.receive(body)
    assert told(refund.id, now) is not None
    before = snapshot(refund.id)

    again = [endpoint.receive(body) for _ in range(3)]

    assert [(r.status, r.accepted, r.outcome) for r in again] == [(200, True, "replayed")] * 3
    assert first.outcome == "paid" and snapshot(refund.id) == before
    assert count("refund.succeeded") == 1 and count("refund.notify_replayed") == 3
    assert told(refund.id, now) is None, "not told again"
    assert [o for _, o, _ in notify_rows(refund.id)] == ["paid"] + ["replayed"] * 3


def test_the_notice_for_a_refund_the_job_paid_confirms_it_and_changes_nothing(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund = paid_by_job(app_db, now, gateway)
    before = snapshot(refund.id)

    reply = receive(endpoint, fake_pay, refund.out_refund_no)
    replay = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome, replay.outcome) == (True, "confirmed", "replayed")
    assert snapshot(refund.id) == before
    assert count("refund.succeeded") == 1 and count("refund.notify_confirmed") == 1


def test_a_notice_arriving_while_the_job_waits_for_the_answer_pays_it_once(
        app_db, now, gateway, fake_pay, endpoint):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    calls = payout.attempt(gateway, claimed)  # WeChat Pay made it; our answer is on its way
    assert refunds_of(case.id)[0].state == "sending"

    reply = receive(endpoint, fake_pay, refund.out_refund_no)
    with unit_of_work() as session:
        late = payout.finish(session, claimed, calls, now, POLICY)

    assert (reply.outcome, late.result) == ("paid", "lost")
    [paid] = refunds_of(case.id)
    assert (paid.state, paid.lease_until) == ("succeeded", None)
    assert count("refund.succeeded") == 1
    assert told(paid.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(paid.id, now) is None
    assert balanced(now) == []


def test_notices_racing_the_job_and_each_other_pay_once(app_db, now, gateway, fake_pay,
                                                        endpoint):
    """The payout job records WeChat Pay's answer while two replicas receive the same
    notification (threads on one SQLite file; PostgreSQL: tests/services)."""
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    calls = payout.attempt(gateway, claimed)
    body = fake_pay.notification(refund.out_refund_no)
    start, outcomes = threading.Barrier(3), []

    def job() -> None:
        start.wait()
        with unit_of_work() as session:
            outcomes.append("job:" + payout.finish(session, claimed, calls, now, POLICY).result)

    def replica() -> None:
        start.wait()
        outcomes.append("notice:" + endpoint.receive(body).outcome)

    threads = [threading.Thread(target=work) for work in (job, replica, replica)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(o for o in outcomes if o.startswith("notice:")) in (
        ["notice:confirmed", "notice:replayed"], ["notice:paid", "notice:replayed"])
    assert ("job:succeeded" in outcomes) == ("notice:confirmed" in outcomes)
    assert count("refund.succeeded") == 1
    assert told(refund.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(refund.id, now) is None
