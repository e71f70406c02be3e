"""What a reviewer reads about a risk flag: a label and one Chinese sentence with the
figures that raised it.

For staff only (the agent desk, the handoff summary): these texts name other customers'
cases and say why a claim looks unusual. Customers never see them; they only hear that
a colleague will check the case (``utter_case_opened_platform``,
``utter_escalate_manual_review``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.policy.model import Policy
from bot.risk.history import HistoryScore
from bot.risk.photos import PhotoFindings
from bot.timefmt import local_time

#: Every flag the policy engine raises, in its order, with the label staff see.
LABELS = {
    "frequent_returns": "近期售后频繁",
    "return_history": "退货历史评分高",
    "photo_reused": "照片与其他售后重复",
    "photo_stale": "照片拍摄早于收货",
}
#: Always added for the reviewer: these are reasons to look, not proof.
REVIEW_HINT = "仅供审核参考，请核实后再处理；不要向顾客提及风控原因。"


@dataclass(frozen=True)
class RiskNote:
    """One flag as staff read it; ``detail`` holds the figures (JSON-safe)."""

    code: str
    label: str
    text: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "text": self.text}


def _hours(minutes: float) -> str:
    minutes = int(minutes)
    if minutes < 120:
        return f"{minutes}分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60}小时"
    return f"{minutes // 1440}天"


def frequent_returns(score: HistoryScore, policy: Policy) -> RiskNote:
    history = score.history
    return RiskNote(
        "frequent_returns", LABELS["frequent_returns"],
        f"近{history.recent_days}天已有{history.recent_returns}次售后（规则：超过"
        f"{policy.frequent_returns_max}次转平台人工审核）。",
        {"recent_returns": history.recent_returns, "days": history.recent_days,
         "max": policy.frequent_returns_max},
    )


def return_history(score: HistoryScore) -> RiskNote:
    history = score.history
    rate = round(history.return_rate * 100)
    text = (f"退货历史评分{score.score}分（达到{score.review_score}分转人工）："
            f"近{history.recent_days}天售后{history.recent_returns}次 +{score.recent_points}；"
            f"近{history.days}天退货率{rate}%（{history.returns}次/{history.lines}件商品）"
            f" +{score.rate_points}；被驳回的申请{history.rejected}次 +{score.rejected_points}。")
    return RiskNote("return_history", LABELS["return_history"], text, {
        "score": score.score, "review_score": score.review_score,
        "recent_returns": history.recent_returns, "recent_days": history.recent_days,
        "returns": history.returns, "lines": history.lines, "rejected": history.rejected,
        "days": history.days, "points": {"recent": score.recent_points,
                                         "rate": score.rate_points,
                                         "rejected": score.rejected_points},
    })


def photo_reused(photo: PhotoFindings) -> RiskNote:
    parts = []
    for match in photo.matches:
        where = f"售后单{match.case_ref}的照片" if match.case_ref else "一张还没用在售后单上的照片"
        how = "同一个文件" if match.identical else (
            "同一张图（可能经过缩放、压缩、轻微裁剪或调亮）" if match.distance else "同一张图")
        parts.append(f"{where}（顾客{match.customer_name}，尾号{match.phone_tail}，"
                     f"{local_time(match.created_at)}上传）{how}")
    return RiskNote(
        "photo_reused", LABELS["photo_reused"],
        "这张照片与" + "；".join(parts) + "。请对比两张照片。",
        {"evidence_id": photo.evidence_id,
         "matches": [{"evidence_id": m.evidence_id, "customer_id": m.customer_id,
                      "case_ref": m.case_ref, "distance": m.distance,
                      "identical": m.identical} for m in photo.matches]},
    )


def photo_stale(photo: PhotoFindings, placed_at: datetime | None = None) -> RiskNote:
    assert photo.taken_at is not None and photo.received_at is not None
    gap = (photo.received_at - photo.taken_at).total_seconds() / 60
    before_order = placed_at is not None and photo.taken_at < placed_at
    return RiskNote(
        "photo_stale", LABELS["photo_stale"],
        f"照片的拍摄时间（EXIF）是{local_time(photo.taken_at)}，比收货时间"
        f"{local_time(photo.received_at)}早{_hours(gap)}"
        + ("，甚至早于下单时间" if before_order else "")
        + "，可能不是这次收到的商品。",
        {"evidence_id": photo.evidence_id, "taken_at": photo.taken_at.isoformat(),
         "received_at": photo.received_at.isoformat(), "minutes_before": int(gap),
         "before_order": before_order},
    )
