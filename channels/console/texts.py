"""What the desk tells staff (labels and refusals). What customers read is in
``bot/messages.py``."""
from __future__ import annotations

import math
from datetime import datetime

from bot.db import TicketStatus

HANDOFF_REASON = {
    "angry": "情绪激动",
    "repeated_anger": "多次不满",
    "human_requested": "要求人工",
    "not_understood": "机器人多次没听懂",
    "manual_review": "需人工审核",
    "overdue_case": "售后单超时",
}
TICKET_STATUS = {
    TicketStatus.WAITING: "等待接手",
    TicketStatus.CLAIMED: "处理中",
    TicketStatus.RETURNED: "已交还机器人",
    TicketStatus.CLOSED: "已结束",
}
UNBOUND_CUSTOMER = "未绑定顾客"

BAD_CREDENTIALS = "用户名或密码不对"
LOCKED = "登录失败次数过多，请 {minutes} 分钟后再试"
NOT_SIGNED_IN = "请先登录"
FORBIDDEN = "您的账号没有这个权限"
CSRF_FAILED = "页面已过期，请刷新后再试"
BAD_REQUEST = "请求格式不对"
TICKET_NOT_FOUND = "没有这个会话"
ALREADY_CLAIMED = "已被 {agent} 接手"
SOMEONE_ELSE = "其他同事"
NOT_YOUR_TICKET = "请先接手这个会话"
TICKET_ENDED = "该会话已交还/结束"
REPLY_LENGTH = "回复需要 1 到 {limit} 个字"
CLIENT_ID_MISSING = "缺少消息编号，请刷新页面后再发"
NOTE_LENGTH = "备注需要 1 到 1000 个字"
TRANSCRIPT_UNAVAILABLE = "对话记录暂时取不到（机器人服务连不上），稍后会自动刷新"
RASA_DOWN = "机器人服务暂时连不上，消息没有发出，请稍后再试"
ENDED_BUT_NOT_RESUMED = ("会话已{action}，但机器人服务暂时连不上，顾客还没收到通知；"
                         "请稍后点「重新通知顾客」")
ACTION_HANDED_BACK = "交还机器人"
ACTION_CLOSED = "结束"
RESUME_NOT_NEEDED = "这个会话不需要再通知顾客"
EVIDENCE_NOT_FOUND = "没有这张照片"
CASE_NOT_FOUND = "没有这个售后单"
CASE_NOT_THIS_CUSTOMER = "这个售后单不属于当前会话的顾客"
CASE_WRONG_STATE = "售后单当前状态不能这样处理（{state}）"
CASE_NOT_OPEN = "售后单已经结束，不能再操作"
AMOUNT_INVALID = "金额不对：需在 ¥0.01 到 ¥{limit} 之间，最多两位小数"
EXCHANGE_NO_AMOUNT = "换货的售后单不能填写退款金额"
NOTE_INVALID = "原因需要 1 到 {limit} 个字"
RESOLUTION_MISSING = "这个售后单还没选择退款方式，请先更改处理方式"
REFUND_ALREADY_PAID = "退款已经在路上，不能再更改"
RESOLUTION_INVALID = "不认识这个处理方式"
NOTICE_FAILED = "已处理，但通知顾客失败（机器人服务连不上），请在对话中告诉顾客"


def locked(until: datetime, now: datetime) -> str:
    """The lock-out refusal with whole minutes left (at least 1)."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return LOCKED.format(minutes=minutes)

# Transcript review (leads).
REVIEW_FIELD = {
    "from": "开始日期", "to": "结束日期", "channel": "渠道", "customer": "顾客",
    "point": "自提点", "intent": "意图", "escalated": "是否转人工", "angry": "是否有情绪",
    "fallback": "是否没听懂", "outcome": "处理结果", "satisfaction": "满意度",
    "q": "搜索内容", "cursor": "翻页位置", "format": "导出格式", "limit": "每页条数",
}
REVIEW_BAD_FILTER = "筛选条件「{field}」不对，请检查后再试"
REVIEW_DATE_ORDER = "开始日期不能晚于结束日期"
REVIEW_DATE_RANGE = "时间范围最多 {days} 天，请缩小范围"
REVIEW_NOT_FOUND = "没有这个会话"
REVIEW_ANNOTATION = {
    "text": "标签需要 1 到 30 个字，备注需要 1 到 1000 个字",
    "intent": "请选择一个不同于机器人判断的正确意图",
    "message": "请选择这个会话里顾客说的一句话",
    "kind": "不认识这种标注",
}
REVIEW_ANNOTATION_GONE = "这条标注已经撤销或不存在"
REVIEW_EXPORT_TOO_LARGE = "符合条件的会话有 {matched} 个，一次最多导出 {limit} 个，请缩小范围"

# Metrics dashboard (leads and admins).
METRICS_FORBIDDEN = "没有权限查看数据看板：只有客服主管和管理员可以查看。"
METRICS_NO_DATA = "该时间段暂无数据"
METRICS_FIELD = {"from": "开始日期", "to": "结束日期", "week": "周"}
METRICS_NOT_A_DATE = "「{field}」不是有效的日期，请按 年-月-日 填写，例如 2026-11-20"
METRICS_OUT_OF_RANGE = "「{field}」超出可查询的范围（{earliest} 到 {latest}）"
METRICS_REVERSED = "开始日期不能晚于结束日期"
METRICS_TOO_LONG = "时间范围最多 {days} 天，请缩小范围"
METRICS_NOT_A_WEEK = "「周」请写成 2026-W47 这样的格式（年-W周数），且那一年要有这一周"
METRICS_SUPPLIER_NOT_FOUND = "没有这个供应商"
METRICS_EXPORT_TOO_LARGE = "这一周有 {rows} 条记录，一次最多导出 {limit} 条，请按供应商分别导出"
METRICS_CARD = {
    "conversations": "顾客会话", "cases": "售后单", "automatic_rate": "机器人独立处理率",
    "escalation_rate": "转人工率", "fallback_rate": "没听懂的比例",
    "first_response": "首次响应 p50 / p90", "resolution": "处理时长 p50 / p90",
    "refunds": "退款金额", "compensation": "补偿金额", "resale": "退回标品可再售率",
    "satisfaction": "平均满意度",
}
METRICS_CHART = {
    "volume": "每日顾客会话与售后单",
    "handled": "机器人独立处理 vs 转人工",
    "rates": "每日处理率与没听懂的比例",
    "reasons_product": "售后原因（按商品，前 {top} 名）",
    "reasons_category": "售后原因（按品类）",
    "reasons_supplier": "售后原因（按供应商）",
    "first_response": "首次响应时间（秒）",
    "resolution": "售后处理时长（小时，按办结日）",
    "leaders": "团长初审用时（中位数，分钟）",
    "costs": "每日退款与补偿（元）",
    "resale": "退回标品：可再售 vs 不可再售",
    "satisfaction": "满意度分布",
    "satisfaction_trend": "每日平均满意度",
}
METRICS_SERIES = {
    "conversations": "顾客会话", "cases": "售后单", "automatic": "机器人独立处理",
    "escalated": "转人工", "fallback": "没听懂", "p50": "中位数 p50", "p90": "p90",
    "refunds": "退款", "compensation": "补偿", "resellable": "可再售",
    "not_resellable": "不可再售", "mean": "平均分", "minutes": "中位数（分钟）",
    "answers": "评价数",
}
METRICS_COLUMN = {
    "day": "日期", "label": "名称", "total": "合计", "point": "自提点", "leader": "团长",
    "tasks": "初审任务", "open": "未处理", "decided": "已处理", "median": "中位数（分钟）",
    "average": "平均（分钟）", "reminded": "被提醒", "escalated": "超时转平台",
    "overturned": "被平台改判", "score": "评分", "count": "人数", "share": "比例",
    "value": "数量",
}
METRICS_UNIT = {"count": "个", "cases": "单", "seconds": "秒", "hours": "小时", "yuan": "元",
                "minutes": "分钟", "score": "分"}
METRICS_SCORE = "{score}分"
METRICS_ALERT = "{name}（{code}）{days} 天内有 {peak} 起质量问题，达到预警线 {threshold} 起（{at} 首次达到）"


# Follow-ups (待回访) after a low satisfaction score.
FOLLOW_UP_REASON = {"low_satisfaction": "满意度低"}
SURVEY_SUBJECT = {"handoff": "人工服务", "case": "售后单"}
FOLLOW_UP_NOT_FOUND = "没有这条回访"
FOLLOW_UP_ALREADY_DONE = "这条回访已由 {agent} 在 {at} 标记完成"
OUTCOME_LENGTH = "回访结果需要 1 到 {limit} 个字"
