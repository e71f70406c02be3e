"""Fragments of customer-facing Chinese that actions compose into domain responses.

Whole replies live in ``domain.yml``; the pieces that vary with data (stage names,
how an order line is labelled, resolution names) live here, in one place.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.enums import CaseState, Disposition, OrderStage, Reason, Resolution
from bot.settings import get_settings

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
    "to_platform": "转平台审核",
    "disposition": "团长已处理退回的商品",
    "warehouse_check": "仓库已验收退回的商品",
    "refund_manual": "退款需要工作人员人工办理，办好后通知您",
    "refund_wechat": "已退回微信零钱（预计1-3天到账）",
    "refund_balance": "已退到账户余额",
    "refund_coupon": "已按等额优惠券退还",
    "refund_offline": "工作人员已人工退款",
}


def money(amount) -> str:
    """``¥25.80``."""
    return f"¥{amount:.2f}"


def numbered(options: list[str]) -> str:
    """Numbered lines a customer can answer with a digit."""
    return "\n".join(f"{i}. {text}" for i, text in enumerate(options, start=1))

# --- refunds --------------------------------------------------------------------------
# What a customer hears about their money says only what has really happened
# (bot.refunds): a store-balance or coupon refund is paid the moment it is approved; an
# original-payment refund is "on its way back to WeChat" only while WeChat Pay really has
# it, and "paid" only after WeChat Pay said so.
REFUND_DONE = {
    Resolution.REFUND_ORIGINAL: "已退回微信零钱，预计1-3天到账",
    Resolution.REFUND_BALANCE: "已退到您的账户余额",
    Resolution.COUPON: "已按等额优惠券发到您的账户（说「我的优惠券」可以查看）",
}
REFUND_TO_WECHAT = "正在原路退回您的微信，微信支付确认退款后会马上通知您"
REFUND_BY_HAND = "需要工作人员人工原路退回您的微信，办好后会通知您"


class _RefundRoute(Mapping):
    """What happens to a refund just approved, by resolution: balance and coupon refunds
    are paid at once; an original-payment refund goes to WeChat Pay when it is configured,
    otherwise to an agent who pays it by hand (``bot.refunds.ledger.start_payout``)."""

    def __getitem__(self, resolution: Resolution) -> str:
        resolution = Resolution(resolution)
        if resolution is Resolution.REFUND_ORIGINAL:
            return REFUND_TO_WECHAT if get_settings().wechat_pay is not None else REFUND_BY_HAND
        return REFUND_DONE[resolution]

    def __iter__(self) -> Iterator[Resolution]:
        return iter(REFUND_DONE)

    def __len__(self) -> int:
        return len(REFUND_DONE)


REFUND_ROUTE: Mapping[Resolution, str] = _RefundRoute()

# Told later, when the payout job or an agent finished what the approval started.
REFUND_NOTICE = {
    "succeeded": "您的售后单 {ref} 的退款 {amount} " + REFUND_DONE[Resolution.REFUND_ORIGINAL] + "～",
    "manual": ("您的售后单 {ref} 的退款 {amount} 暂时没能自动退回微信，已转给工作人员人工办理，"
               "办好后会通知您，给您添麻烦了🙏"),
    "offline": "您的售后单 {ref} 的退款 {amount} 已由工作人员人工退给您，请留意查收～",
}

# "我的优惠券": the customer's usable coupons and store balance.
COUPONS_HEAD = "您有 {count} 张可用的无门槛优惠券："
COUPON_LINE = "· {amount}（{code}），{expires} 前有效{source}"
COUPON_SOURCE = {
    "compensation": "，售后单 {ref} 的补偿",
    "refund": "，售后单 {ref} 的退款",
    "goodwill": "",
}
NO_COUPONS = "您目前没有可用的优惠券。"
BALANCE_LINE = "账户余额：{amount}，下单时可以直接抵扣。"
COUPONS_HINT = "下单时在优惠券里选择就能直接抵扣～"

NEXT_STEP = {
    CaseState.SUBMITTED: "平台同事会在{due}前审核，有结果马上通知您。",
    CaseState.LEADER_REVIEW: "团长会在{due}前核实，有结果马上通知您。",
    CaseState.APPROVED: "已经同意了，正在安排后续处理。",
    CaseState.REFUND_PENDING: "退款正在处理，到账后会通知您。",
    CaseState.REFUNDED: "退款已经退给您了，请留意查收～",
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
# A real picture too small or one flat colour (bot.evidence.PhotoUnclear): never blames.
PHOTO_UNCLEAR = "这张照片有点小或者看不太清😅 麻烦对着商品有问题的地方，再拍一张清楚的发给我～"
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
DESK_APPROVED_REFUND = "您的售后单 {ref} 已同意退款 {amount}，{route}～"
DESK_APPROVED_PARTIAL = "您的售后单 {ref} 已同意部分退款 {amount}，{route}～"
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


# --- leaders -------------------------------------------------------------------------
# What the assistant tells group leaders (团长) about first checks (初审): the task card,
# what to look at, the answers to their decisions. ``bot.leaders.tasks`` and ``bot.leaders.first_check`` fill them.
LEADER_CHECK = {
    Reason.MISSING: "请在自提点清点一下这位顾客的{product}，看看是不是真的少了{quantity}。",
    Reason.SPOILED: "请看一下商品或照片，确认是不是坏了、发霉或不新鲜。",
    Reason.DAMAGED: "请看一下商品或照片，确认破损是不是属实。",
    Reason.WRONG_ITEM: "请核对一下顾客拿到的商品，看看是不是发错了。",
    Reason.NO_REASON: "请确认商品没拆封、包装完好，还能二次销售。",
}
LEADER_DISPOSITION = {
    Disposition.ON_SITE: "现场处理",
    Disposition.RETURN_TRIP: "留存，随返程车带回",
    Disposition.COURIER_PICKUP: "交给快递",
    Disposition.NONE: "无需处理",
}
LEADER_CARD_HEAD = "📋 售后初审 {ref}（请在{due}前处理）"
LEADER_CARD_CUSTOMER = "顾客：{name}"
LEADER_CARD_ITEM = "商品：{product} {quantity} · {reason}"
LEADER_CARD_CLAIM = "顾客说：{claim}"
LEADER_CARD_PHOTOS = "照片：{count}张"
LEADER_CARD_NO_PHOTO = "照片：没有"
LEADER_CARD_REFUND_OWN = "退款：{amount}（在您的审批额度内，您同意即可退款）"
LEADER_CARD_REFUND_PLATFORM = "退款：{amount}（需平台审核，您核实后平台会尽快处理）"
LEADER_CARD_CHECK = "请核实：{check}"
LEADER_CARD_REPLY = "回复「1」同意，「2 原因」拒绝；也可以发「同意 {ref}」或「拒绝 {ref} 原因」。"
LEADER_APPROVED = "已同意 {ref}，{amount} 的退款已经提交，顾客会收到通知，辛苦啦～"
LEADER_APPROVED_NO_REFUND = "已同意 {ref}，顾客会收到通知，辛苦啦～"
LEADER_TO_PLATFORM = "收到，{ref} 退款 {amount} 超出您的审批额度 {limit}，已转平台审核，谢谢您帮忙核实～"
LEADER_TO_PLATFORM_REVIEW = "收到，{ref} 需要平台审核，已经把您的核实结果转给平台，谢谢～"
LEADER_REJECTED = "已拒绝 {ref}（{reason}），我们会跟顾客说明原因。"
LEADER_ASK_REASON = "请说一下拒绝 {ref} 的原因，比如「包装完好」或「照片看不出问题」，顾客会看到。"
LEADER_ASK_DISPOSITION = "退回的商品是怎么处理的？回复：\n1. 现场处理\n2. 留存，随返程车带回\n3. 交给快递"
LEADER_DISPOSED = "好的，{ref} 已记录：{disposition}。"
LEADER_REMINDER = "⏰ {ref} 已经过了处理时限，顾客还在等，麻烦您尽快看一下～"
LEADER_ESCALATED = "{ref} 超时还没处理，已转给平台审核，这单您不用再管了。"
LEADER_NO_SUCH_CASE = "没找到售后单 {ref}，麻烦核对一下单号～"
LEADER_NOT_YOUR_POINT = "{ref} 不是您自提点的售后单，没法在这里处理哦。"
LEADER_NOT_FOR_CHECK = "{ref} 不需要您初审，平台会处理。"
LEADER_ALREADY_DECIDED = "{ref} 已经处理过了（{decision}），不用再处理啦。"
LEADER_CASE_CLOSED = "{ref} 现在是「{state}」，不用再初审了。"
LEADER_NOT_APPROVED = "{ref} 还没有同意退款，等同意后再登记商品处理就好。"
LEADER_REASON_TOO_LONG = "原因有点长，麻烦精简到{limit}个字以内～"
LEADER_UNKNOWN = "您还不是已登记的团长，没法处理售后单。"
LEADER_DECISION = {
    "approved": "已同意",
    "rejected": "已拒绝",
    "to_platform": "已转平台审核",
}


# --- leaders: forwarded complaints -----------------------------------------------------
# The numbered summary a leader reads after forwarding group chat (bot.leaders.forward_items),
# how to answer it, and what a customer is told when their leader opened a case for them.
FORWARD_REASON = {
    Reason.SPOILED: "变质",
    Reason.DAMAGED: "破损",
    Reason.WRONG_ITEM: "发错",
    Reason.MISSING: "少发",
    Reason.NO_REASON: "不想要了",
}
FORWARD_READY = "{n}. {who} {product} {quantity} {reason} — 可退 {amount}{notes}"
FORWARD_CREATED = "{n}. {who} {product} {quantity} {reason} — 已登记 {ref}"
FORWARD_ALREADY_OPEN = "{n}. {who} {product} — 已有售后单 {ref}，不重复登记"
FORWARD_REFUSED = "{n}. {who} {product} {reason} — 不能退：{rule}"
FORWARD_UNKNOWN_CUSTOMER = "{n}. 「{who}」找不到这位顾客，请回复「{n} 是 手机尾号1234」"
FORWARD_NO_SPEAKER = "{n}. 不知道是哪位顾客说的，请回复「{n} 是 手机尾号1234」"
FORWARD_CHOOSE_CUSTOMER = "{n}. 「{who}」是哪一位？{options}，请回复「{n} 是 序号」或「{n} 是 手机尾号1234」"
FORWARD_CHOOSE_LINE = "{n}. {who} 说的是哪件商品？{options}，请回复「{n} 是 序号」"
FORWARD_NOT_BOUGHT = "{n}. {who} 没买过{product}"
FORWARD_NO_ORDERS = "{n}. {who} 最近没有订单"
FORWARD_NEEDS_REASON = "{n}. {who} {product} — 没看出是什么问题，请回复「{n} 改 变质」（或破损、发错、少发）"
FORWARD_NEEDS_UNOPENED = "{n}. {who} {product} {quantity} 不想要了 — 没拆封才能退，没拆封请回复「{n} 没拆封」"
FORWARD_DROPPED = "{n}. {who} — 已取消"
FORWARD_NOTE_NO_PHOTO = "无照片，请当面核实"
FORWARD_NOTE_GROUP_PHOTO = "群里的照片可以转发给我"
FORWARD_NOTE_PLATFORM = "需平台审核"
FORWARD_NOTE_ANGRY = "顾客很生气"
FORWARD_HINT = "回复「确认」全部登记，「确认 1 3」只登记其中几条，「2 改 3盒」修改，「取消」作废。"
FORWARD_EMPTY = "没有看出投诉😅 请把顾客在群里说的话原样粘贴或转发给我。"
FORWARD_REPEATED = "这段聊天记录之前已经转发过了，不会重复登记。"
FORWARD_CUSTOMER_NOTICE = "团长已帮您登记售后单 {ref}（{product}），{next_step}"


def option_mark(number: int) -> str:
    """``①`` … ``⑳`` for the options inside one summary line, ``(21)`` beyond."""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


# --- leaders: the chat around forwards and first checks --------------------------------
LEADER_WHICH_CASE = "您有几个待初审的售后单，麻烦带上单号，比如「同意 R1024」或「拒绝 R1024 原因」。"
FORWARD_CONFIRMED = "已登记：{refs}。顾客绑定了微信的会收到通知；需要您初审的单子我会再发给您。"
FORWARD_NOTHING_CONFIRMED = "这次没有可以登记的，麻烦先按上面的提示补充或修改～"
LEADER_PHOTO_ATTACHED = "照片已经加到 {target} 了👌"
LEADER_PHOTO_UNREADABLE = "这张照片没能保存😥 麻烦换一张清晰的 jpg/png 再发一次。"
FORWARD_ITEM_NAME = "第 {n} 条"
LEADER_TO_PLATFORM_NOTICE = "您的售后单 {ref} 团长已经核实，退款金额需要平台再审核一下，{due}前会有结果，请放心～"
FORWARD_ERRORS = {
    "ForwardNotFound": "没找到这次转发的记录，麻烦把群聊内容重新发给我～",
    "ForwardClosed": "这次转发已经取消了，需要的话请重新转发。",
    "ItemNotFound": "没有这个编号，麻烦对照上面的列表再回复～",
    "ItemClosed": "这一条已经登记或取消了，不用再改啦。",
    "AnswerNotUnderstood": "没看懂这个回复😅 可以回复「2 是 手机尾号1234」「2 改 3盒」或「确认」。",
    "CustomerNotFound": "您的自提点没有找到这位顾客，麻烦核对手机尾号或取货码～",
    "QuantityNotAccepted": "这个数量不对（要大于 0，且不超过顾客买的数量），麻烦再核对一下～",
    "PhotoTargetNotFound": "这张照片不知道该加到哪个售后单😅 请先发单号（比如「R1024」）再发照片。",
    "PhotoTargetAmbiguous": "有几个售后单都可能，麻烦先发单号或编号：{options}",
    "EvidenceNotUsable": "这张照片没法加到这个售后单，麻烦重新拍一张发给我～",
    "LeaderNotFound": "您还不是已登记的团长，没法处理售后单。",
}


def forward_error(error: Exception) -> str:
    """What to tell the leader about a refused forward request."""
    template = FORWARD_ERRORS.get(type(error).__name__, TECHNICAL_PROBLEM)
    return template.format(options="、".join(getattr(error, "options", ())))
