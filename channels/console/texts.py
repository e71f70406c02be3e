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
