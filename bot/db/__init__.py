"""Data layer: tables, engine and sessions, repositories."""
from bot.db.accounting import (
    LossEntry,
    LossState,
    ResponsibleParty,
    StockMovement,
    WarehouseCheck,
)
from bot.db.base import Base
from bot.db.cases import (
    AuditEntry,
    CaseEvent,
    Evidence,
    ReturnCase,
    SupplierIncident,
)
from bot.db.handoff import HandoffTicket, TicketNote, TicketStatus
from bot.db.leaders import (
    ForwardState,
    LeaderBindCode,
    LeaderForward,
    LeaderIdentity,
    LeaderTask,
    TaskDecision,
)
from bot.db.messaging import InboundKey, InboundMessage, OutboundMessage
from bot.db.refunds import (
    BalanceEntry,
    Coupon,
    CustomerBalance,
    OrderLineRefundTotal,
    Refund,
    RefundAttempt,
    RefundState,
)
from bot.db.review import (
    AnnotationKind,
    ConversationIntent,
    ConversationRecord,
    IndexCursor,
    ReviewAnnotation,
)
from bot.db.risk import CaseRiskFlag, EvidenceCropHash
from bot.db.satisfaction import FollowUp, FollowUpStatus, SatisfactionSurvey, SurveySubject
from bot.db.shop import (
    ChannelIdentity,
    Customer,
    Leader,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Supplier,
)
from bot.db.staff import LoginAttempt, StaffAccount

__all__ = [
    "AuditEntry", "Base", "CaseEvent", "ChannelIdentity", "Coupon", "Customer", "Evidence",
    "HandoffTicket", "InboundKey", "InboundMessage", "Leader", "LoginAttempt", "Order", "OutboundMessage",
    "OrderLine", "PickupPoint", "Product", "Refund", "ReturnCase", "StaffAccount", "Supplier",
    "SupplierIncident", "TicketNote", "TicketStatus", "ForwardState", "LeaderBindCode",
    "LeaderForward", "LeaderIdentity", "LeaderTask", "TaskDecision", "AnnotationKind",
    "ConversationIntent", "ConversationRecord", "IndexCursor", "ReviewAnnotation",
    "FollowUp", "FollowUpStatus", "SatisfactionSurvey", "SurveySubject",
    "CaseRiskFlag", "EvidenceCropHash", "LossEntry", "LossState", "ResponsibleParty",
    "StockMovement", "WarehouseCheck",
    "BalanceEntry", "CustomerBalance", "OrderLineRefundTotal", "RefundAttempt", "RefundState",
]
