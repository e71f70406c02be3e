"""Assessing a claim against the policy and opening its case, exactly once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.cases.errors import CaseError, InvalidTransition, LineNotFound, QuantityInvalid
from bot.cases.states import add_event, transition
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Coupon, Evidence, Product, Refund, ReturnCase, SupplierIncident
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.orders import LineView, customer_line
from bot.policy import ClaimFacts, Decision, Policy, evaluate
from bot.risk import RiskFindings, gather, notes, record_flags
from bot.suppliers.alerts import note_incident

# The default policy's coupon_valid_days (bot/policy/after_sales.yml decides).
COUPON_VALID_DAYS = 30


@dataclass(frozen=True)
class ClaimDraft:
    """What the customer has told us so far."""

    customer_id: int
    line_id: int
    reason: Reason
    quantity_affected: Decimal | None = None
    unopened: bool | None = None
    evidence_id: int | None = None
    resolution: Resolution | None = None
    conversation_id: str | None = None
    description: str | None = None
    # Set when a group leader opens the case for the customer from forwarded group chat:
    # the leader, and the customer's own words.
    forwarded_by_leader_id: int | None = None
    source_text: str | None = None

    @property
    def claim_key(self) -> str:
        return f"{self.line_id}:{self.reason.value}"


@dataclass(frozen=True)
class Assessment:
    line: LineView
    decision: Decision
    # What the risk checks found (history score, photo checks), for the reviewer.
    risk: RiskFindings | None = None


@dataclass(frozen=True)
class Opened:
    case: CaseView
    created: bool


class ClaimRefused(CaseError):
    """The policy does not allow the claim; ``decision`` says which rule."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.rule_id)
        self.decision = decision


class ClaimIncomplete(CaseError):
    """Something the policy requires (photo, unopened) has not been given."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


def _own_evidence(session: Session, draft: ClaimDraft) -> Evidence | None:
    """The draft's photo, if it exists and was sent by this customer."""
    if draft.evidence_id is None:
        return None
    evidence = session.get(Evidence, draft.evidence_id)
    return evidence if evidence is not None and evidence.customer_id == draft.customer_id else None


def assess(session: Session, draft: ClaimDraft, now: datetime, policy: Policy) -> Assessment:
    """Applies the policy to the draft with everything the database knows.

    Raises:
        LineNotFound: the line is not the customer's.
        QuantityInvalid: the affected quantity is not positive or exceeds what was bought.
    """
    line = customer_line(session, draft.customer_id, draft.line_id)
    if line is None:
        raise LineNotFound(draft.line_id)
    affected = draft.quantity_affected
    if affected is not None and not (Decimal(0) < affected <= line.quantity):
        raise QuantityInvalid(f"{affected} of {line.quantity}")
    evidence = _own_evidence(session, draft)
    risk = gather(session, draft.customer_id, evidence and evidence.id,
                  line.picked_up_at or line.arrived_at, now, policy, placed_at=line.placed_at)
    photo = risk.photo
    facts = ClaimFacts(
        category=line.category, unit_price=line.unit_price, quantity_bought=line.quantity,
        quantity_affected=affected, reason=draft.reason, stage=line.stage,
        picked_up_at=line.picked_up_at, now=now, has_photo=evidence is not None,
        unopened=draft.unopened, photo_reused=bool(photo and photo.reused),
        photo_stale=bool(photo and photo.stale),
        returns_last_30_days=risk.returns_recent, history_score=risk.history.score,
    )
    return Assessment(line, evaluate(policy, facts), risk)


def _existing(session: Session, claim_key: str) -> ReturnCase | None:
    return session.scalars(cases_query().where(ReturnCase.open_key == claim_key)).first()


def _attribute_to_supplier(session: Session, case: ReturnCase, product_id: int,
                           now: datetime, policy: Policy) -> None:
    product = session.get(Product, product_id)
    incident = SupplierIncident(supplier_id=product.supplier_id, product_id=product.id,
                                batch=product.batch, case_id=case.id, reason=case.reason,
                                created_at=now)
    session.add(incident)
    session.flush()
    audit.record(session, "bot", "supplier_incident.recorded", "supplier_incident", incident.id,
                 ref=case.ref, supplier_id=product.supplier_id, batch=product.batch)
    note_incident(session, incident, policy)


def issue_case_coupon(session: Session, case: ReturnCase, *, amount: Decimal, kind: str,
                      actor: str, at: datetime) -> Coupon:
    """Gives the case's customer a no-threshold coupon valid for the policy's
    ``coupon_valid_days`` (``COUPON_VALID_DAYS`` by default).

    Audited as ``coupon.issued``; the caller records any timeline entry.

    Raises:
        CouponAlreadyIssued: a second compensation coupon for the case.
    """
    from bot.refunds import coupons

    return coupons.issue(session, customer_id=case.customer_id, case=case, amount=amount,
                         kind=kind, actor=actor, at=at)


def request_refund(session: Session, case: ReturnCase, *, actor: str, at: datetime) -> Refund:
    """Records the case's refund in the ledger (``bot.refunds.cap``), moves the approved
    case to REFUND_PENDING and pays the refund where that can be done at once
    (``bot.refunds.ledger``): store balance and coupon refunds succeed (the case becomes
    REFUNDED), an original-payment refund waits for WeChat Pay or, without it, for an
    agent's manual payout.

    Raises:
        InvalidTransition: the case is not approved.
        RefundError: the ledger refuses it (e.g. more than was paid for the line).
    """
    from bot.refunds import cap, ledger

    if case.state is not CaseState.APPROVED:
        raise InvalidTransition(case.state, CaseState.REFUND_PENDING)
    refund = cap.create_refund(session, case, amount=case.refund_amount,
                               destination=case.resolution, actor=actor, at=at)
    transition(session, case, CaseState.REFUND_PENDING, actor=actor, at=at,
               note=f"refund {case.refund_amount}")
    ledger.start_payout(session, refund, actor=actor, at=at)
    return refund


def settle_approved(session: Session, case: ReturnCase, *, actor: str, at: datetime) -> None:
    """Records what a just-approved case owes: its compensation coupon (once: never a
    second one for the case), and the refund unless the customer gets an exchange or
    nothing is owed."""
    from bot.refunds import coupons

    if case.compensation > 0 and not coupons.has_compensation(session, case.id):
        issue_case_coupon(session, case, amount=case.compensation, kind=coupons.COMPENSATION,
                          actor=actor, at=at)
    if case.resolution is not Resolution.EXCHANGE and case.refund_amount > 0:
        request_refund(session, case, actor=actor, at=at)


def _route(session: Session, case: ReturnCase, decision: Decision, policy: Policy,
           now: datetime) -> None:
    """Moves a new case to where the decision sends it, with money owed recorded."""
    if decision.review is Review.LEADER:
        category = case.order_line.product.category
        case.review_due_at = now + timedelta(hours=policy.leader_review_hours_for(category))
        transition(session, case, CaseState.LEADER_REVIEW, actor="bot", at=now,
                   note=decision.rule_id)
        return
    if decision.review is Review.PLATFORM:
        case.review_due_at = now + timedelta(hours=policy.platform_review_hours)
        return
    transition(session, case, CaseState.APPROVED, actor="bot", at=now, note=decision.rule_id)
    settle_approved(session, case, actor="bot", at=now)


def open_case(
    session: Session, draft: ClaimDraft, now: datetime, policy: Policy, actor: str
) -> Opened:
    """Opens the case for a complete, eligible claim, or returns the one already open.

    Raises:
        LineNotFound, QuantityInvalid: see ``assess``.
        ClaimRefused: the policy does not allow it.
        ClaimIncomplete: a required photo or answer is missing.
    """
    assessment = assess(session, draft, now, policy)
    existing = _existing(session, draft.claim_key)
    if existing is not None:
        return Opened(case_view(existing), created=False)
    decision = assessment.decision
    if not decision.eligible:
        raise ClaimRefused(decision)
    missing = decision.missing
    if draft.forwarded_by_leader_id is not None:
        # The leader has the goods in front of them: a forwarded claim opens without a
        # photo. Without one the policy never approves automatically, so the case waits
        # for the leader's check (or the platform's), and photos can be attached later.
        missing = tuple(item for item in missing if item != "photo")
    if missing:
        raise ClaimIncomplete(missing)
    resolution = draft.resolution if draft.resolution in decision.resolutions else None
    case = ReturnCase(
        customer_id=draft.customer_id, order_line_id=draft.line_id, state=CaseState.SUBMITTED,
        reason=draft.reason, description=draft.description,
        quantity_affected=draft.quantity_affected or assessment.line.quantity,
        resolution=resolution or (decision.resolutions[0] if decision.resolutions else None),
        resellable=decision.disposition is Disposition.RETURN_TRIP,
        disposition=decision.disposition, review=decision.review, rule_id=decision.rule_id,
        decision_text=decision.explanation, refund_amount=decision.refund_amount,
        compensation=decision.compensation, risk_flags=list(decision.risk_flags),
        source="customer" if draft.forwarded_by_leader_id is None else "leader_forward",
        forwarded_by_leader_id=draft.forwarded_by_leader_id, source_text=draft.source_text,
        conversation_id=draft.conversation_id, open_key=draft.claim_key,
        created_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # Another request opened the same claim between our check and insert.
        return Opened(case_view(_existing(session, draft.claim_key)), created=False)
    case.ref = f"R{1000 + case.id}"
    add_event(session, case, actor=actor, kind="created", at=now, to_state=CaseState.SUBMITTED,
              note=decision.rule_id)
    evidence = _own_evidence(session, draft)
    if evidence is not None:
        evidence.case_id = case.id
        audit.record(session, actor, "evidence.attached", "evidence", evidence.id, ref=case.ref)
    if decision.risk_flags and assessment.risk is not None:
        # The reviewer's explanations; the customer only hears a colleague will check.
        record_flags(session, case, notes(assessment.risk, decision.risk_flags, policy),
                     actor="bot", at=now)
    if draft.reason.is_quality:
        _attribute_to_supplier(session, case, assessment.line.product_id, now, policy)
    _route(session, case, decision, policy, now)
    session.flush()
    session.refresh(case)
    return Opened(case_view(_existing(session, draft.claim_key)), created=True)
