"""Fragments of customer-facing Chinese that actions compose into domain responses.

Whole replies live in ``domain.yml``; the pieces that vary with data (stage names,
how an order line is labelled, resolution names) live here, in one place.
"""
from __future__ import annotations

from bot.enums import CaseState, OrderStage, Reason, Resolution

STAGE = {
    OrderStage.PAID: "已下单，等待仓库备货",
    OrderStage.PACKED: "仓库已打包，等待发车",
    OrderStage.DEPARTED: "已发车，正在送往自提点",
    OrderStage.ARRIVED: "已到自提点，可以取货了",
    OrderStage.PICKED_UP: "已取货",
}

CASE_STATE = {
    CaseState.SUBMITTED: "已提交，等待平台审核",
    CaseState.LEADER_REVIEW: "等待团长核实",
    CaseState.APPROVED: "已同意",
    CaseState.REJECTED: "未通过",
    CaseState.REFUND_PENDING: "退款处理中",
    CaseState.REFUNDED: "已退款",
    CaseState.CLOSED: "已完结",
    CaseState.CANCELLED: "已撤销",
}

REASON = {
    Reason.SPOILED: "变质/不新鲜",
    Reason.DAMAGED: "破损",
    Reason.WRONG_ITEM: "发错货",
    Reason.MISSING: "少发/漏发",
    Reason.NO_REASON: "不想要了",
}

RESOLUTION = {
    Resolution.REFUND_ORIGINAL: "原路退回（微信）",
    Resolution.REFUND_BALANCE: "退到账户余额",
    Resolution.COUPON: "换成等额优惠券",
    Resolution.EXCHANGE: "下次送货时换新",
}

EVENT_KIND = {
    "created": "提交申请",
    "urged": "您催促了一次",
    "state": "状态更新",
    "coupon": "给您发了一张优惠券",
    "resolution": "处理方式已更改",
}


def money(amount) -> str:
    """``¥25.80``."""
    return f"¥{amount:.2f}"


def numbered(options: list[str]) -> str:
    """Numbered lines a customer can answer with a digit."""
    return "\n".join(f"{i}. {text}" for i, text in enumerate(options, start=1))

REFUND_ROUTE = {
    Resolution.REFUND_ORIGINAL: "原路退回您的微信",
    Resolution.REFUND_BALANCE: "退到您的账户余额",
    Resolution.COUPON: "以等额优惠券发给您",
}

NEXT_STEP = {
    CaseState.SUBMITTED: "平台同事会在{due}前审核，有结果马上通知您。",
    CaseState.LEADER_REVIEW: "团长会在{due}前核实，有结果马上通知您。",
    CaseState.APPROVED: "已经同意了，正在安排后续处理。",
    CaseState.REFUND_PENDING: "退款正在处理，到账后会通知您。",
}

# What a channel itself says, for messages that never reach the assistant (photos
# that could not be taken, message types it cannot read).
PHOTO_TURN_TEXT = "[图片]"  # the user turn an accepted photo becomes; the photo is metadata
GREETING_PAYLOAD = "/greet"  # what a new follower or /start "says"
UNSUPPORTED_MESSAGE = "抱歉，这类消息我暂时看不了😅 麻烦直接打字告诉我，或者拍一张照片发给我～"
VOICE_NOT_RECOGNISED = "这段语音我没听清😅 麻烦打字告诉我，好吗？"
BIND_FIRST = ("收到照片啦，不过您还没有绑定下单账号😥 请先发送下单手机号和最近一次取货码后4位，"
              "例如：13812345678 1234，绑定后再把照片发给我～")
PHOTO_NOT_IMAGE = "这个文件我没能当成图片打开😥 麻烦重新拍一张发给我，jpg或png都可以。"
PHOTO_DOWNLOAD_FAILED = "图片没有收到，可能是网络问题，麻烦再发一次～"
PHOTO_TOO_LARGE = "图片太大了（超过{limit_mb}MB），麻烦截个图或压缩一下再发～"
TECHNICAL_PROBLEM = "抱歉，系统开小差了😥 请稍后再发一次；着急的话可以说「转人工」。"


def photo_too_large(limit_bytes: int) -> str:
    """The too-large answer with the limit in whole megabytes."""
    return PHOTO_TOO_LARGE.format(limit_mb=max(1, limit_bytes // (1024 * 1024)))


# --- desk ----------------------------------------------------------------------------
# What the agent desk sends customers: replies agents can pick, and notices of what an
# agent decided on a case (sent in the customer's chat, in the agent's name).
DESK_QUICK_REPLIES = (
    "您好，我是人工客服，您的情况我已经看到了，马上为您处理～",
    "非常抱歉给您带来不好的体验，我们一定负责到底。",
    "麻烦您拍一张商品问题部位的照片发给我，好吗？",
    "已经为您加急处理，有结果第一时间通知您。",
    "请问还有其他可以帮您的吗？",
)
DESK_APPROVED_REFUND = "您的售后单 {ref} 已同意退款 {amount}，将{route}，到账后会通知您～"
DESK_APPROVED_PARTIAL = "您的售后单 {ref} 已同意部分退款 {amount}，将{route}，到账后会通知您～"
DESK_APPROVED_EXCHANGE = "您的售后单 {ref} 已同意，下次送货时为您换新～"
DESK_APPROVED = "您的售后单 {ref} 已同意～"
DESK_REJECTED = "很抱歉，您的售后单 {ref} 未通过：{reason}。如有疑问可以随时告诉我。"
DESK_COUPON = "给您发了一张 {amount} 无门槛优惠券（{code}），{expires} 前有效，下单时可直接使用～"
DESK_RESOLUTION = "您的售后单 {ref} 处理方式已改为：{resolution}。"


def desk_approved(ref: str, resolution: Resolution | None, refund, requested) -> str:
    """The notice of an approval; ``refund`` is what was approved, ``requested`` what the
    case asked for."""
    if resolution is Resolution.EXCHANGE:
        return DESK_APPROVED_EXCHANGE.format(ref=ref)
    if not refund or resolution is None:
        return DESK_APPROVED.format(ref=ref)
    template = DESK_APPROVED_PARTIAL if refund < requested else DESK_APPROVED_REFUND
    return template.format(ref=ref, amount=money(refund), route=REFUND_ROUTE[resolution])
