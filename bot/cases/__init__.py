"""Return cases: opening, following up, the state machine and read models."""
from bot.cases.errors import (
    CaseError,
    CaseNotFound,
    CaseNotOpen,
    InvalidTransition,
    LineNotFound,
    QuantityInvalid,
)
from bot.cases.followup import Urged, cancel_case, urge_case
from bot.cases.opening import (
    Assessment,
    ClaimDraft,
    ClaimIncomplete,
    ClaimRefused,
    Opened,
    assess,
    open_case,
)
from bot.cases.states import CANCELLABLE, OPEN, TRANSITIONS, transition
from bot.cases.views import CaseView, EventView, customer_cases, open_customer_cases

__all__ = [
    "Assessment", "CANCELLABLE", "CaseError", "CaseNotFound", "CaseNotOpen", "CaseView", "ClaimDraft",
    "ClaimIncomplete", "ClaimRefused", "EventView", "InvalidTransition", "LineNotFound", "OPEN",
    "Opened", "QuantityInvalid", "TRANSITIONS", "Urged", "assess", "cancel_case",
    "customer_cases", "open_case", "open_customer_cases", "transition", "urge_case",
]
