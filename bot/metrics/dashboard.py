"""Everything the metrics dashboard shows for a period, read in one session."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.metrics.cases import CaseFigures, case_figures
from bot.metrics.conversations import ConversationFigures, conversation_figures
from bot.metrics.leaders import PointHandling, leader_handling
from bot.metrics.money import CostFigures, cost_figures
from bot.metrics.period import Period
from bot.metrics.resolution import (
    ResaleFigures,
    ResolutionFigures,
    resale_figures,
    resolution_figures,
)
from bot.metrics.satisfaction import SatisfactionFigures, satisfaction_figures
from bot.policy import Policy
from bot.suppliers.alerts import SupplierAlert, supplier_alerts
from bot.suppliers.incidents import SupplierSummary, incident_rows, summarise


@dataclass(frozen=True)
class Dashboard:
    """The figures of one period; see the README section "Metrics dashboard"."""

    period: Period
    conversations: ConversationFigures
    cases: CaseFigures
    resolution: ResolutionFigures
    resale: ResaleFigures
    costs: CostFigures
    leaders: list[PointHandling]
    satisfaction: SatisfactionFigures
    alerts: list[SupplierAlert]
    suppliers: list[SupplierSummary]


def load_dashboard(session: Session, period: Period, policy: Policy) -> Dashboard:
    """Reads every figure of the dashboard for ``period``."""
    category_names = {category: rules.name for category, rules in policy.categories.items()}
    return Dashboard(
        period=period,
        conversations=conversation_figures(session, period),
        cases=case_figures(session, period, category_names),
        resolution=resolution_figures(session, period),
        resale=resale_figures(session, period),
        costs=cost_figures(session, period),
        leaders=leader_handling(session, period),
        satisfaction=satisfaction_figures(session, period),
        alerts=supplier_alerts(session, period, policy),
        suppliers=summarise(incident_rows(session, period)),
    )
