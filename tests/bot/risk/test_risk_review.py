"""The return-history score, how risk flags route a claim to platform review, what the
reviewer reads and what the customer never hears (bot.risk, bot.cases.opening, the desk
and the handoff summary)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import select

from bot import messages
from bot.cases import ClaimDraft, open_case
from bot.cases.opening import assess
from bot.cases.views import customer_cases
from bot.customers import identify
from bot.db import AuditEntry, CaseRiskFlag, Customer, Evidence, OrderLine, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.evidence import store_photo
from bot.handoff.summary import HandoffRequest, build_ticket
from bot.orders import recent_lines
from bot.policy import Policy, load_policy
from bot.reports import case_report
from bot.risk import case_notes, gather
from bot.risk.history import ReturnHistory, load_history, score
from bot.settings import ROOT
from bot.timefmt import CHINA
from channels.console import views
from tests.images import encode, jpeg_bytes, photo, variant

#: Words that would tell a customer they are suspected. None may reach them.
ACCUSING = ("风控", "风险", "可疑", "欺诈", "骗", "评分", "重复", "拍摄时间", "旧照片", "频繁",
            "历史", "异常", "EXIF", "驳回")


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def now(app_db) -> datetime:
    return app_db.seeded_at + timedelta(minutes=5)


def customer(session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def line_of(session, external_id: str, product: str, now):
    return next(line for line in recent_lines(session, customer(session, external_id), now)
                if line.product_name == product)


def stored(session, app_db, external_id: str, data: bytes) -> int:
    return store_photo(session, data, customer_id=customer(session, external_id),
                       evidence_dir=app_db.data_dir / "evidence").id


def past_case(session, external_id: str, *, state: CaseState, days_ago: float, now: datetime,
              rule_id: str = "fresh.quality_window") -> ReturnCase:
    """A case of the customer's on one of their order lines, opened ``days_ago``."""
    customer_id = customer(session, external_id)
    taken = {c.order_line_id for c in session.scalars(select(ReturnCase))}
    line = next(line for line in session.scalars(select(OrderLine).order_by(OrderLine.id))
                if line.order.customer_id == customer_id and line.id not in taken)
    at = now - timedelta(days=days_ago)
    case = ReturnCase(customer_id=customer_id, order_line_id=line.id, state=state,
                      reason=Reason.SPOILED, quantity_affected=Decimal("1"),
                      disposition=Disposition.ON_SITE, review=Review.AUTO, rule_id=rule_id,
                      decision_text="", refund_amount=Decimal("1"), created_at=at, updated_at=at)
    session.add(case)
    session.flush()
    case.ref = f"R{7000 + case.id}"
    return case


# ---------------------------------------------------------------- the score


RULES = load_policy().history


@pytest.mark.parametrize(
    ("history", "expected", "high"),
    [
        (ReturnHistory(30, 0, 90, 0, 12, 0), 0, False),
        (ReturnHistory(30, 1, 90, 1, 5, 0), 10, False),  # 20% return rate: usual
        (ReturnHistory(30, 4, 90, 4, 6, 0), 61, True),  # demo-5: 40 + 21
        (ReturnHistory(30, 3, 90, 3, 30, 0), 30, False),  # many returns, many orders
        (ReturnHistory(30, 2, 90, 2, 10, 2), 60, True),  # two rejected claims: 20 + 0 + 40
        (ReturnHistory(30, 2, 90, 3, 3, 1), 80, True),  # everything bought was returned
        (ReturnHistory(30, 9, 90, 9, 9, 5), 100, True),  # capped
        (ReturnHistory(30, 0, 90, 2, 0, 0), 40, False),  # returns of lines bought earlier
    ],
)
def test_the_history_score(history: ReturnHistory, expected: int, high: bool) -> None:
    result = score(history, RULES)
    assert (result.score, result.high) == (expected, high)
    assert result.score == min(100, result.recent_points + result.rate_points
                               + result.rejected_points)


def test_the_score_follows_the_policys_numbers() -> None:
    history = ReturnHistory(30, 2, 90, 2, 10, 1)
    stricter = dataclasses.replace(RULES, per_rejected_claim=50, review_score=50)
    assert (score(history, RULES).score, score(history, RULES).high) == (40, False)
    assert (score(history, stricter).score, score(history, stricter).high) == (70, True)


def test_demo_5s_history_is_counted_from_the_database(app_db, policy, now) -> None:
    with unit_of_work() as session:
        history = load_history(session, customer(session, "demo-5"), now, policy)
        assert (history.recent_returns, history.returns, history.lines, history.rejected) == (
            4, 4, 6, 0)
        assert score(history, policy.history).score == 61


def test_what_counts_as_a_return(app_db, policy, now) -> None:
    with unit_of_work() as session:
        past_case(session, "demo-1", state=CaseState.CLOSED, days_ago=5, now=now)
        past_case(session, "demo-1", state=CaseState.REJECTED, days_ago=40, now=now)
        past_case(session, "demo-1", state=CaseState.CANCELLED, days_ago=2, now=now)  # withdrawn
        past_case(session, "demo-1", state=CaseState.APPROVED, days_ago=1, now=now,
                  rule_id="before_pickup.cancel")  # a presale cancellation
        past_case(session, "demo-1", state=CaseState.CLOSED, days_ago=120, now=now)  # too old
        history = load_history(session, customer(session, "demo-1"), now, policy)
        assert (history.recent_returns, history.returns, history.rejected) == (1, 2, 1)


# ---------------------------------------------------------------- routing


def _strawberry_claim(session, now, **changes) -> ClaimDraft:
    fields = dict(customer_id=customer(session, "demo-1"),
                  line_id=line_of(session, "demo-1", "丹东草莓", now).line_id,
                  reason=Reason.SPOILED, quantity_affected=Decimal("1"),
                  resolution=Resolution.REFUND_ORIGINAL, conversation_id="demo-1")
    fields.update(changes)
    return ClaimDraft(**fields)


def _flags(session, ref: str) -> dict[str, str]:
    case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
    return {f.code: f.explanation for f in session.scalars(
        select(CaseRiskFlag).where(CaseRiskFlag.case_id == case.id))}


def test_a_high_history_score_sends_the_claim_to_platform_review(app_db, policy, now) -> None:
    with unit_of_work() as session:
        for days in (3, 10, 50):
            past_case(session, "demo-1", state=CaseState.REJECTED, days_ago=days, now=now)
        expected = score(load_history(session, customer(session, "demo-1"), now, policy),
                         policy.history).score
        evidence = stored(session, app_db, "demo-1", encode(photo("mouldy"), "JPEG"))
        case = open_case(session, _strawberry_claim(session, now, evidence_id=evidence), now,
                         policy, "customer:demo-1").case
        assert (case.state, case.review) == (CaseState.SUBMITTED, Review.PLATFORM)
        flags = _flags(session, case.ref)
        assert list(flags) == ["return_history"]
        assert flags["return_history"].startswith(f"退货历史评分{expected}分（达到60分转人工）")
        assert "近30天售后2次 +20" in flags["return_history"]
        assert "被驳回的申请3次 +60" in flags["return_history"]
        row = session.scalars(select(ReturnCase).where(ReturnCase.ref == case.ref)).one()
        assert row.risk_flags == ["return_history"]
        audited = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "case.risk_flagged")).one()
        assert audited.detail["code"] == "return_history" and audited.detail["detail"]["score"] == expected


def test_the_threshold_is_the_policys(app_db, policy, now) -> None:
    strict = dataclasses.replace(policy, history=dataclasses.replace(policy.history,
                                                                     review_score=30))
    with unit_of_work() as session:
        past_case(session, "demo-1", state=CaseState.REJECTED, days_ago=3, now=now)  # 10 + 20
        evidence = stored(session, app_db, "demo-1", encode(photo("mouldy"), "JPEG"))
        draft = _strawberry_claim(session, now, evidence_id=evidence)
        usual = assess(session, draft, now, policy)
        assert usual.risk.history.score == 30
        assert (usual.decision.review, usual.decision.risk_flags) == (Review.AUTO, ())
        flagged = assess(session, draft, now, strict).decision
        assert (flagged.review, flagged.risk_flags) == (Review.PLATFORM, ("return_history",))


def test_demo_5_is_flagged_twice_with_both_explanations(app_db, policy, now) -> None:
    with unit_of_work() as session:
        evidence = stored(session, app_db, "demo-5", encode(photo("blueberries"), "JPEG"))
        draft = ClaimDraft(customer(session, "demo-5"),
                           line_of(session, "demo-5", "丹东蓝莓", now).line_id, Reason.SPOILED,
                           Decimal("1"), evidence_id=evidence)
        case = open_case(session, draft, now, policy, "customer:demo-5").case
        assert case.review is Review.PLATFORM
        flags = _flags(session, case.ref)
        assert flags["frequent_returns"] == "近30天已有4次售后（规则：超过3次转平台人工审核）。"
        assert flags["return_history"].startswith("退货历史评分61分（达到60分转人工）")


def test_a_reused_edited_photo_is_explained_with_the_other_case(app_db, policy, now) -> None:
    original = photo("someone-elses-strawberries")
    with unit_of_work() as session:
        other = past_case(session, "demo-2", state=CaseState.CLOSED, days_ago=20, now=now)
        earlier = stored(session, app_db, "demo-2", encode(original, "JPEG"))
        session.get(Evidence, earlier).case_id = other.id
        copy = stored(session, app_db, "demo-1", encode(variant(original, "all"), "JPEG"))
        case = open_case(session, _strawberry_claim(session, now, evidence_id=copy), now, policy,
                         "customer:demo-1").case
        assert case.review is Review.PLATFORM
        text = _flags(session, case.ref)["photo_reused"]
        demo_2 = session.get(Customer, customer(session, "demo-2"))
        assert f"售后单{other.ref}的照片" in text and demo_2.name in text
        assert f"尾号{demo_2.phone[-4:]}" in text and "轻微裁剪" in text


def test_a_photo_taken_before_pickup_is_explained_with_both_times(app_db, policy, now) -> None:
    with unit_of_work() as session:
        line = line_of(session, "demo-1", "丹东草莓", now)
        taken = (line.picked_up_at - timedelta(days=2)).astimezone(CHINA).replace(tzinfo=None)
        evidence = stored(session, app_db, "demo-1", jpeg_bytes(taken_at=taken))
        case = open_case(session, _strawberry_claim(session, now, evidence_id=evidence), now,
                         policy, "customer:demo-1").case
        assert case.review is Review.PLATFORM
        text = _flags(session, case.ref)["photo_stale"]
        assert text.startswith("照片的拍摄时间（EXIF）是") and "早2天" in text


# ---------------------------------------------------------------- who reads what


def test_staff_see_the_explanations_on_the_desk_and_in_the_summary(app_db, policy, now) -> None:
    with unit_of_work() as session:
        evidence = stored(session, app_db, "demo-5", encode(photo("blueberries"), "JPEG"))
        line = line_of(session, "demo-5", "丹东蓝莓", now)
        draft = ClaimDraft(customer(session, "demo-5"), line.line_id, Reason.SPOILED,
                           Decimal("1"), evidence_id=evidence)
        opened = open_case(session, draft, now, policy, "customer:demo-5").case
        cases = customer_cases(session, customer(session, "demo-5"), limit=10)
        risk = case_notes(session, [c.id for c in cases])
        rows = [views.case_row(c, risk.get(c.id)) for c in cases]
        [row] = [r for r in rows if r["ref"] == opened.ref]
        assert [r["label"] for r in row["risk"]] == ["近期售后频繁", "退货历史评分高"]
        assert all(r["text"] for r in row["risk"])
        assert all(r["risk"] == [] for r in rows if r["ref"] != opened.ref)
        ticket = build_ticket(session, HandoffRequest(
            conversation_id="demo-5", reason="manual_review",
            customer_id=customer(session, "demo-5"), order_line_id=line.line_id,
            problem_reason="spoiled", evidence_ids=(evidence,), case_ref=opened.ref), now, policy)
        assert [r["code"] for r in ticket.summary["risk"]] == ["frequent_returns", "return_history"]
        assert "退货历史评分61分" in ticket.summary["risk"][1]["text"]


def test_before_a_case_exists_the_summary_explains_the_assessment(app_db, policy, now) -> None:
    with unit_of_work() as session:
        evidence = stored(session, app_db, "demo-5", encode(photo("blueberries"), "JPEG"))
        ticket = build_ticket(session, HandoffRequest(
            conversation_id="demo-5", reason="angry", customer_id=customer(session, "demo-5"),
            order_line_id=line_of(session, "demo-5", "丹东蓝莓", now).line_id,
            problem_reason="spoiled", evidence_ids=(evidence,)), now, policy)
        assert ticket.summary["case"] is None
        assert [r["code"] for r in ticket.summary["risk"]] == ["frequent_returns", "return_history"]
        assert ticket.summary["decision"]["risk"] == ticket.summary["risk"]


def test_the_customer_hears_no_accusation(app_db, policy, now) -> None:
    original = photo("reused")
    with unit_of_work() as session:
        stored(session, app_db, "demo-2", encode(original, "JPEG"))
        for days in (3, 10, 50):
            past_case(session, "demo-1", state=CaseState.REJECTED, days_ago=days, now=now)
        line = line_of(session, "demo-1", "丹东草莓", now)
        taken = (line.picked_up_at - timedelta(days=2)).astimezone(CHINA).replace(tzinfo=None)
        reused = stored(session, app_db, "demo-1",
                        encode(variant(original, "crop5"), "JPEG", exif=_exif(taken)))
        draft = _strawberry_claim(session, now, evidence_id=reused)
        findings = gather(session, draft.customer_id, reused, line.picked_up_at, now, policy)
        assert findings.photo.reused and findings.photo.stale and findings.history.high
        case = open_case(session, draft, now, policy, "customer:demo-1").case
        assert set(_flags(session, case.ref)) == {"return_history", "photo_reused", "photo_stale"}
        customer_texts = [case.decision_text, case_report(case)]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in ("utter_case_opened_platform", "utter_escalate_manual_review",
                 "utter_photo_unclear"):
        customer_texts += [answer["text"] for answer in domain["responses"][name]]
    customer_texts += [messages.PHOTO_UNCLEAR, *messages.NEXT_STEP.values()]
    for text in customer_texts:
        assert not [word for word in ACCUSING if word in text], text


def _exif(taken: datetime):
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    return exif
