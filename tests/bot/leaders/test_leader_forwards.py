"""Forwarded group-chat complaints, from the pasted chat to confirmed cases.

The NLU is a small real one: the project's intent and anger models trained on its own
training data (``data/``) once per module, character n-grams up to two so that it trains
in seconds; ``classify`` reads messages with it the way the Rasa action reads the NLU's
parse. Messages are ones it reads with confidence, as a leader would paste them.

Demo shop (bot/seed/demo_shop.yml): 阳光花园 (PP01, leader 刘芳): 王小美 「小美」 (bound
as rest demo-1) picked up 丹东草莓 ×2 (¥29.90), 土鸡蛋, 光明鲜牛奶 ×2 and 光明原味酸奶
an hour before seeding, 洗衣液 two days before; 陈晓雯 「豆豆妈妈」 (demo-4) 基围虾 1斤 and
菠菜 20 hours and a 定制生日蛋糕 5 hours before; 马丽华 is 「小王妈妈」. 翠湖湾 (PP02,
leader 陈建国): 李建华 「老李」 bought 东北大米 three days before.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases import ClaimDraft, ClaimIncomplete, open_case
from bot.db import (
    AuditEntry,
    Customer,
    Evidence,
    ForwardState,
    Leader,
    LeaderForward,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Refund,
    ReturnCase,
)
from bot.enums import CaseState, OrderStage, Reason, Review
from bot.evidence import store_photo
from bot.leaders.forwards import (
    AnswerNotUnderstood,
    Classify,
    CustomerNotFound,
    EvidenceNotUsable,
    ForwardClosed,
    ForwardNotFound,
    ForwardReply,
    ItemClosed,
    ItemStatus,
    PhotoTargetAmbiguous,
    PhotoTargetNotFound,
    QuantityNotAccepted,
    Reading,
    ReplyAction,
    Skipped,
    attach_photo,
    cancel_forward,
    confirm,
    correct_item,
    customer_notices,
    latest_forward,
    parse_forward_reply,
    photo_target,
    read_forward,
    resolve_item,
    summary_lines,
)
from bot.orders import recent_lines
from bot.policy import Policy, load_policy
from tests.images import png_bytes

MERGED_FORWARD = """群聊的聊天记录
—————  2026-11-21  —————
小美 10:32
@团长 今天拿的草莓两盒都烂了[捂脸]
[图片]
琴琴 10:33
收到
豆豆妈妈 10:35
昨天买的大虾有一股臭味，不新鲜
浩然爸爸 10:36
今天几点到货啊
小王 10:40
我的牛奶少了一瓶
阳台上的猫 10:41
我的酸奶少了一盒
"""

SPEAKER_LINES = """豆豆妈妈：团长，昨天拿的大虾坏了
豆豆妈妈：有一半都是臭的😡
小美：我家草莓也烂了一盒
小美：还有鸡蛋碎了两个
刘奶奶：谢谢团长[玫瑰]
团长：好的，我下午去看看
"""


@pytest.fixture(scope="module")
def classify() -> Classify:
    from rasa.shared.data import is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.anger import AngerModel
    from bot.nlu.components.anger import anger_label
    from bot.nlu.intent import IntentModel
    from bot.settings import ROOT

    texts, intents, anger_texts, angry = [], [], [], []
    for path in sorted((ROOT / "data").rglob("*.yml")):
        if not is_nlu_file(str(path)):
            continue
        for example in load_data(str(path)).training_examples:
            if example.get("text") and example.get("intent"):
                texts.append(example.get("text"))
                intents.append(example.get("intent"))
                if (label := anger_label(example)) is not None:
                    anger_texts.append(example.get("text"))
                    angry.append(label)
    intent_model = IntentModel.train(texts, intents, max_ngram=2)
    anger_model = AngerModel.train(anger_texts, angry, threshold=0.5)

    def read(text: str) -> Reading:
        intent, confidence = intent_model.rank(text, 1)[0]
        return Reading(intent, confidence, anger_model.score(text).score)

    return read


@pytest.fixture
def policy() -> Policy:
    return load_policy()


def leader_of(session: Session, code: str) -> int:
    return session.scalars(select(Leader.id).join(PickupPoint).where(PickupPoint.code == code)).one()


@pytest.fixture
def liu(session) -> int:
    """刘芳, leader of 阳光花园 (PP01)."""
    return leader_of(session, "PP01")


@pytest.fixture
def read(session, now, policy, classify, liu):
    def read(text: str, leader: int | None = None, conversation: str = "leader-liu"):
        return read_forward(session, leader or liu, conversation, text, now, policy, classify)
    return read


def count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def case(session: Session, ref: str) -> ReturnCase:
    return session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()


def customer_id(session: Session, nickname: str) -> int:
    return session.scalars(select(Customer.id).where(Customer.nickname == nickname)).one()


def photo(session: Session, app_db, customer: int, color=(200, 30, 40)) -> int:
    return store_photo(session, png_bytes(color=color), customer_id=customer,
                       evidence_dir=Path(app_db.data_dir) / "evidence").id


def unbound_shopper(session: Session, now: datetime) -> int:
    """秀兰奶奶 of PP01, who never bound a chat: one box of 丹东蓝莓 picked up 2 hours ago."""
    point = session.scalars(select(PickupPoint.id).where(PickupPoint.code == "PP01")).one()
    person = Customer(name="孙秀兰", nickname="秀兰奶奶", phone="13600009999", pickup_point_id=point)
    session.add(person)
    session.flush()
    product = session.scalars(select(Product).where(Product.sku == "F002")).one()
    order = Order(order_no="T-XIULAN-1", customer_id=person.id, pickup_point_id=point,
                  pickup_code="765432", placed_at=now - timedelta(hours=24))
    session.add(order)
    session.flush()
    session.add(OrderLine(order_id=order.id, product_id=product.id, quantity=Decimal("1"),
                          unit_price=product.price, stage=OrderStage.PICKED_UP,
                          arrived_at=now - timedelta(hours=5), picked_up_at=now - timedelta(hours=2)))
    session.flush()
    return person.id


# --------------------------------------------------------------------------- reading


def test_a_merged_wechat_forward_becomes_a_numbered_summary(session, read, liu) -> None:
    draft = read(MERGED_FORWARD)

    assert [(i.number, i.speaker, i.status) for i in draft.items] == [
        (1, "小美", ItemStatus.READY),
        (2, "豆豆妈妈", ItemStatus.READY),
        (3, "小王", ItemStatus.CHOOSE_CUSTOMER),
        (4, "阳台上的猫", ItemStatus.UNKNOWN_CUSTOMER),
    ]
    assert summary_lines(draft) == [
        "1. 小美 丹东草莓 2盒 变质 — 可退 ¥59.80（群里的照片可以转发给我，需平台审核）",
        "2. 豆豆妈妈 基围虾 1斤 变质 — 可退 ¥49.90（无照片，请当面核实，需平台审核）",
        "3. 「小王」是哪一位？① 马丽华（小王妈妈） 尾号9340，请回复「3 是 序号」或「3 是 手机尾号1234」",
        "4. 「阳台上的猫」找不到这位顾客，请回复「4 是 手机尾号1234」",
    ]
    first = draft.item(1)
    assert (first.reason, first.quantity, first.has_photo, first.eligible) == (
        Reason.SPOILED, Decimal("2"), True, True)
    assert first.raw == "小美 10:32\n@团长 今天拿的草莓两盒都烂了[捂脸]\n[图片]"
    row = session.get(LeaderForward, draft.forward_id)
    assert (row.state, row.leader_id, row.conversation_id, len(row.items)) == (
        ForwardState.PENDING, liu, "leader-liu", 4)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.read",
                 AuditEntry.actor == f"leader:{liu}") == 1
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0


def test_speaker_lines_merge_a_customers_messages_and_keep_products_apart(read) -> None:
    draft = read(SPEAKER_LINES)

    assert [(i.speaker, i.product, i.reason, i.quantity) for i in draft.items] == [
        ("豆豆妈妈", "基围虾", Reason.SPOILED, Decimal("0.5")),   # "有一半都是臭的" joins her first line
        ("小美", "丹东草莓", Reason.SPOILED, Decimal("1")),
        ("小美", "土鸡蛋", Reason.DAMAGED, None),                  # 两个 eggs of one box: the box
    ]
    assert draft.item(1).text == "团长，昨天拿的大虾坏了\n有一半都是臭的😡"
    assert all(i.status is ItemStatus.READY for i in draft.items)


def test_a_product_never_bought_and_another_points_customer(session, read, liu, now, policy) -> None:
    draft = read("小美：蓝莓也是坏的\n老李：东北大米里有虫子\n")

    assert summary_lines(draft) == [
        "1. 小美 没买过丹东蓝莓",
        "2. 「老李」找不到这位顾客，请回复「2 是 手机尾号1234」",  # 老李 shops at 翠湖湾
    ]
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    assert done.cases == ()
    assert done.skipped == (Skipped(1, ItemStatus.NOT_BOUGHT), Skipped(2, ItemStatus.UNKNOWN_CUSTOMER))
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0


def test_one_message_pasted_without_a_speaker(session, read, liu, now, policy) -> None:
    draft = read("团长，我昨天拿的大虾臭了")

    assert summary_lines(draft) == ["1. 不知道是哪位顾客说的，请回复「1 是 手机尾号1234」"]
    reply = parse_forward_reply("1 是 豆豆妈妈")
    fixed = resolve_item(session, draft.forward_id, liu, reply.number, reply.answer,
                         now=now, policy=policy)
    assert summary_lines(fixed) == ["1. 陈晓雯 基围虾 1斤 变质 — 可退 ¥49.90（无照片，请当面核实，需平台审核）"]


@pytest.mark.parametrize("text", [
    "琴琴：收到\n小周：谢谢团长[玫瑰]\n徐老师：今天几点到货？\n",
    "浩然爸爸 09:01\n早上好[太阳]\n吴阿姨 09:05\n+1\n",
    "[图片]",
    "   \n",
    "",
])
def test_chat_without_a_complaint_stores_nothing(session, read, text: str) -> None:
    draft = read(text)

    assert draft.empty and draft.forward_id is None and summary_lines(draft) == []
    assert count(session, LeaderForward) == 0


def test_complaints_the_nlu_is_unsure_of_are_left_out(session, now, policy, liu) -> None:
    def unsure(text: str) -> Reading:
        return Reading("report_spoiled", 0.1, 0.0)

    draft = read_forward(session, liu, "leader-liu", "小美：草莓烂了一盒", now, policy, unsure)

    assert draft.empty


def test_an_angry_customer_is_flagged(read) -> None:
    draft = read("小美：你们这草莓什么玩意！！全是烂的，垃圾，退钱！")

    assert draft.item(1).anger >= 0.6
    assert summary_lines(draft) == [
        "1. 小美 丹东草莓 2盒 变质 — 可退 ¥59.80（无照片，请当面核实，需平台审核，顾客很生气）"]


# --------------------------------------------------------------------------- the same text twice


def test_the_same_text_twice_is_the_same_forward(app_db, now, policy, classify, liu) -> None:
    with app_db.session() as session:
        first = read_forward(session, liu, "leader-liu", MERGED_FORWARD, now, policy, classify)
        session.commit()
    with app_db.session() as session:
        again = read_forward(session, liu, "leader-liu", MERGED_FORWARD.replace("\n", "\r\n  "),
                             now + timedelta(minutes=3), policy, classify)
        done = confirm(session, liu, again.forward_id, None, now, policy)
        session.commit()
    with app_db.session() as session:
        third = read_forward(session, liu, "leader-liu", MERGED_FORWARD, now, policy, classify)
        redo = confirm(session, liu, third.forward_id, None, now, policy)

        assert not first.repeated and again.repeated and third.repeated
        assert first.forward_id == again.forward_id == third.forward_id
        assert third.state is ForwardState.CONFIRMED
        assert third.case_refs == tuple(c.ref for c in done.created) and len(third.case_refs) == 2
        assert redo.created == () and [c.ref for c in redo.existing] == list(third.case_refs)
        assert count(session, LeaderForward) == 1
        assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 2


def test_another_leader_forwarding_the_same_text_finds_only_their_own_customers(read, session) -> None:
    chen = leader_of(session, "PP02")

    mine, theirs = read(MERGED_FORWARD), read(MERGED_FORWARD, leader=chen)

    assert theirs.forward_id != mine.forward_id and not theirs.repeated
    assert {i.status for i in theirs.items} == {ItemStatus.UNKNOWN_CUSTOMER}


# --------------------------------------------------------------------------- confirming


def test_confirming_opens_the_ready_cases_in_the_customers_name(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)

    done = confirm(session, liu, draft.forward_id, None, now, policy)

    assert [c.product_name for c in done.created] == ["丹东草莓", "基围虾"]
    assert done.skipped == (Skipped(3, ItemStatus.CHOOSE_CUSTOMER), Skipped(4, ItemStatus.UNKNOWN_CUSTOMER))
    strawberries = case(session, done.created[0].ref)
    assert strawberries.customer.name == "王小美"
    assert (strawberries.source, strawberries.forwarded_by_leader_id, strawberries.conversation_id) == (
        "leader_forward", liu, "demo-1")
    assert strawberries.source_text == "小美 10:32\n@团长 今天拿的草莓两盒都烂了[捂脸]\n[图片]"
    assert strawberries.quantity_affected == Decimal("2") and strawberries.refund_amount == Decimal("59.80")
    assert (strawberries.state, strawberries.review) == (CaseState.SUBMITTED, Review.PLATFORM)
    assert strawberries.events[0].actor == f"leader:{liu}"
    assert case(session, done.created[1].ref).conversation_id == "demo-4"
    row = session.get(LeaderForward, draft.forward_id)
    assert (row.state, row.confirmed_at) == (ForwardState.CONFIRMED, now)
    assert row.case_ids == sorted(c.id for c in done.created)
    assert summary_lines(done.draft)[:2] == [
        f"1. 小美 丹东草莓 2盒 变质 — 已登记 {done.created[0].ref}",
        f"2. 豆豆妈妈 基围虾 1斤 变质 — 已登记 {done.created[1].ref}",
    ]
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.confirmed") == 1


def test_confirming_by_number_then_all_then_again(session, read, liu, now, policy) -> None:
    draft = read(SPEAKER_LINES)
    reply = parse_forward_reply("确认 2")

    second = confirm(session, liu, draft.forward_id, set(reply.numbers), now, policy)
    rest = confirm(session, liu, draft.forward_id, None, now, policy)
    again = confirm(session, liu, draft.forward_id, None, now, policy)

    assert [c.product_name for c in second.created] == ["丹东草莓"]
    assert [c.product_name for c in rest.created] == ["基围虾", "土鸡蛋"]
    assert [c.ref for c in rest.existing] == [second.created[0].ref]
    assert again.created == () and again.skipped == ()
    assert sorted(c.ref for c in again.existing) == sorted(c.ref for c in rest.cases)
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 3
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.confirmed") == 2


def test_confirming_an_unknown_number_reports_it(session, read, liu, now, policy) -> None:
    draft = read("小美：草莓烂了一盒")

    done = confirm(session, liu, draft.forward_id, {1, 7}, now, policy)

    assert len(done.created) == 1 and done.skipped == (Skipped(7, None),)


def test_a_missing_photo_is_waived_and_the_case_waits_for_the_leaders_check(
        session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    item = draft.item(1)

    assert (item.status, item.photo_waived, item.review) == (ItemStatus.READY, True, "leader")
    assert summary_lines(draft) == ["1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90（无照片，请当面核实）"]
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]
    row = case(session, created.ref)
    assert (row.state, row.review, row.evidence) == (CaseState.LEADER_REVIEW, Review.LEADER, [])
    assert count(session, Refund, Refund.case_id == row.id) == 0
    # A customer's own claim still needs the photo.
    line = next(v for v in recent_lines(session, row.customer_id, now) if v.product_name == "丹东草莓")
    with pytest.raises(ClaimIncomplete):
        open_case(session, ClaimDraft(row.customer_id, line.line_id, Reason.DAMAGED), now, policy,
                  "customer:1")


def test_the_customers_own_case_is_reported_not_duplicated(session, read, liu, now, policy, app_db) -> None:
    xiaomei = customer_id(session, "小美")
    line = next(v for v in recent_lines(session, xiaomei, now) if v.product_name == "丹东草莓")
    own = open_case(session, ClaimDraft(xiaomei, line.line_id, Reason.SPOILED, Decimal("1"),
                                        evidence_id=photo(session, app_db, xiaomei)),
                    now, policy, f"customer:{xiaomei}").case
    draft = read("小美：草莓烂了一盒")

    done = confirm(session, liu, draft.forward_id, None, now, policy)

    assert done.created == () and [c.ref for c in done.existing] == [own.ref]
    assert case(session, own.ref).source == "customer"
    assert summary_lines(done.draft) == [f"1. 小美 丹东草莓 — 已有售后单 {own.ref}，不重复登记"]


def test_a_no_reason_return_needs_the_goods_unopened(session, read, liu, now, policy) -> None:
    draft = read("小美：洗衣液不想要了")

    assert summary_lines(draft) == [
        "1. 小美 洗衣液 1瓶 不想要了 — 没拆封才能退，没拆封请回复「1 没拆封」"]
    reply = parse_forward_reply("1 没拆封")
    fixed = correct_item(session, draft.forward_id, liu, reply.number, unopened=reply.unopened,
                         now=now, policy=policy)
    assert summary_lines(fixed) == ["1. 小美 洗衣液 1瓶 不想要了 — 可退 ¥29.90"]
    created = confirm(session, liu, draft.forward_id, None, now, policy).created
    assert [(c.product_name, c.reason) for c in created] == [("洗衣液", Reason.NO_REASON)]


# --------------------------------------------------------------------------- the leader's fixes


def test_an_unknown_speaker_is_named_by_phone_tail(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    reply = parse_forward_reply("4 是 手机尾号4571")

    fixed = resolve_item(session, draft.forward_id, liu, reply.number, reply.answer, now=now,
                         policy=policy)

    assert summary_lines(fixed)[3] == "4. 阳台上的猫（王小美） 光明原味酸奶 1盒 少发 — 可退 ¥12.90"
    assert fixed.item(4).customer_id == customer_id(session, "小美")
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_resolved") == 1


def test_an_ambiguous_customer_is_picked_from_the_candidates(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)

    with pytest.raises(AnswerNotUnderstood):
        resolve_item(session, draft.forward_id, liu, 3, "5", now=now, policy=policy)
    with pytest.raises(CustomerNotFound):
        resolve_item(session, draft.forward_id, liu, 3, "路人甲", now=now, policy=policy)
    fixed = resolve_item(session, draft.forward_id, liu, 3, "①", now=now, policy=policy)

    assert fixed.item(3).customer_name == "马丽华"
    assert fixed.item(3).status not in (ItemStatus.CHOOSE_CUSTOMER, ItemStatus.UNKNOWN_CUSTOMER)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_resolved") == 1


def test_an_unclear_product_is_picked_by_name_or_number(session, read, liu, now, policy) -> None:
    draft = read("豆豆妈妈：收到的东西是烂的")

    assert summary_lines(draft) == [
        "1. 豆豆妈妈 说的是哪件商品？① 定制生日蛋糕 1个 ② 基围虾 1斤 ③ 菠菜 1把，请回复「1 是 序号」"]
    by_number = resolve_item(session, draft.forward_id, liu, 1, "3", now=now, policy=policy)
    assert by_number.item(1).product == "菠菜"
    by_name = resolve_item(session, draft.forward_id, liu, 1, "蛋糕", now=now, policy=policy)
    assert summary_lines(by_name) == [
        "1. 豆豆妈妈 定制生日蛋糕 1个 变质 — 可退 ¥168.00（无照片，请当面核实，需平台审核）"]


def test_quantity_and_reason_are_corrected(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    reply = parse_forward_reply("1 改 1盒")

    fewer = correct_item(session, draft.forward_id, liu, reply.number, quantity=reply.quantity,
                         now=now, policy=policy)
    damaged = correct_item(session, draft.forward_id, liu, 1, reason="压坏了", now=now,
                           policy=policy)

    assert summary_lines(fewer)[0] == "1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90（群里的照片可以转发给我）"
    assert summary_lines(damaged)[0] == "1. 小美 丹东草莓 1盒 破损 — 可退 ¥29.90（群里的照片可以转发给我）"
    with pytest.raises(QuantityNotAccepted):
        correct_item(session, draft.forward_id, liu, 1, quantity="5盒", now=now, policy=policy)
    with pytest.raises(AnswerNotUnderstood):
        correct_item(session, draft.forward_id, liu, 1, reason="随便", now=now, policy=policy)
    with pytest.raises(AnswerNotUnderstood):   # whose line is not known yet
        correct_item(session, draft.forward_id, liu, 4, quantity="1盒", now=now, policy=policy)
    confirm(session, liu, draft.forward_id, {1}, now, policy)
    with pytest.raises(ItemClosed):
        correct_item(session, draft.forward_id, liu, 1, quantity="2盒", now=now, policy=policy)
    assert count(session, AuditEntry, AuditEntry.action == "leader_forward.item_corrected") == 2


def test_cancelling_items_and_the_whole_forward(session, read, liu, now, policy) -> None:
    draft = read(SPEAKER_LINES)

    fewer = cancel_forward(session, liu, draft.forward_id, set(parse_forward_reply("取消 3").numbers))
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    rest = cancel_forward(session, liu, draft.forward_id)

    assert summary_lines(fewer)[2] == "3. 小美 — 已取消"
    assert [c.product_name for c in done.created] == ["基围虾", "丹东草莓"]
    assert rest.state is ForwardState.CONFIRMED  # its cases stay
    other = read("小美：洗衣液不想要了，没拆封")
    assert parse_forward_reply("取消") == ForwardReply(ReplyAction.CANCEL)
    cancelled = cancel_forward(session, liu, other.forward_id)
    assert cancelled.state is ForwardState.CANCELLED
    with pytest.raises(ForwardClosed):
        confirm(session, liu, other.forward_id, None, now, policy)
    assert latest_forward(session, liu).forward_id == draft.forward_id


def test_a_leader_acts_only_on_their_own_forward(session, read, liu, now, policy) -> None:
    draft = read(MERGED_FORWARD)
    chen = leader_of(session, "PP02")

    with pytest.raises(ForwardNotFound):
        confirm(session, chen, draft.forward_id, None, now, policy)
    with pytest.raises(ForwardNotFound):
        resolve_item(session, draft.forward_id, chen, 4, "手机尾号4571", now=now, policy=policy)
    with pytest.raises(ForwardNotFound):
        correct_item(session, draft.forward_id, chen, 1, quantity="1盒", now=now, policy=policy)
    with pytest.raises(ForwardNotFound):
        cancel_forward(session, chen, draft.forward_id)
    assert count(session, ReturnCase, ReturnCase.source == "leader_forward") == 0
    assert session.get(LeaderForward, draft.forward_id).state is ForwardState.PENDING


# --------------------------------------------------------------------------- photos


def test_a_photo_before_confirming_becomes_the_claims_photo(session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    target = photo_target(session, liu)
    evidence = photo(session, app_db, target.customer_id)

    attach_photo(session, liu, None, evidence, now, policy)
    with_photo = latest_forward(session, liu)
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]

    assert (target.forward_id, target.number, target.case_id) == (draft.forward_id, 1, None)
    assert with_photo.item(1).evidence_ids == (evidence,)
    assert summary_lines(with_photo) == ["1. 小美 丹东草莓 1盒 变质 — 可退 ¥29.90"]
    row = case(session, created.ref)
    assert [e.id for e in row.evidence] == [evidence]
    # With a photo and within the limit the policy approves at once.
    assert (row.review, row.state) == (Review.AUTO, CaseState.REFUND_PENDING)


def test_a_photo_after_confirming_goes_to_the_only_case(session, read, liu, now, policy, app_db) -> None:
    draft = read("小美：草莓烂了一盒")
    created = confirm(session, liu, draft.forward_id, None, now, policy).created[0]
    target = photo_target(session, liu)

    attach_photo(session, liu, None, photo(session, app_db, target.customer_id), now, policy)

    assert (target.case_id, target.case_ref) == (created.id, created.ref)
    assert len(case(session, created.ref).evidence) == 1
    assert count(session, AuditEntry, AuditEntry.action == "evidence.attached",
                 AuditEntry.actor == f"leader:{liu}") == 1


def test_photos_name_their_case_when_there_are_several(session, read, liu, now, policy, app_db) -> None:
    draft = read(SPEAKER_LINES)

    with pytest.raises(PhotoTargetAmbiguous) as several:
        photo_target(session, liu)
    second = photo_target(session, liu, "2")
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    eggs = done.created[2]
    by_ref = photo_target(session, liu, eggs.ref.lower())
    attach_photo(session, liu, eggs.ref, photo(session, app_db, by_ref.customer_id), now, policy)

    assert len(several.value.options) == 3
    assert (second.number, second.customer_id) == (2, customer_id(session, "小美"))
    assert by_ref.case_id == eggs.id and len(case(session, eggs.ref).evidence) == 1
    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, "9")
    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, "R9999")


def test_photos_of_another_point_or_customer_are_refused(session, read, liu, now, policy, app_db,
                                                          classify) -> None:
    chen = leader_of(session, "PP02")
    theirs = read_forward(session, chen, "leader-chen", "老李：东北大米里有虫子", now, policy, classify)
    their_case = confirm(session, chen, theirs.forward_id, None, now, policy).created[0]
    read("小美：草莓烂了一盒")
    someone_else = photo(session, app_db, customer_id(session, "豆豆妈妈"))

    with pytest.raises(PhotoTargetNotFound):
        photo_target(session, liu, their_case.ref)
    with pytest.raises(PhotoTargetNotFound):
        attach_photo(session, liu, their_case.ref, someone_else, now, policy)
    with pytest.raises(EvidenceNotUsable):
        attach_photo(session, liu, None, someone_else, now, policy)
    with pytest.raises(EvidenceNotUsable):
        attach_photo(session, liu, None, 999_999, now, policy)
    assert session.get(Evidence, someone_else).case_id is None
    assert photo_target(session, chen, their_case.ref).case_id == their_case.id


# --------------------------------------------------------------------------- customers


def test_only_bound_customers_are_told_in_their_own_chat(session, read, liu, now, policy) -> None:
    unbound_shopper(session, now)
    draft = read("小美：草莓烂了一盒\n秀兰奶奶：蓝莓都是烂的")
    done = confirm(session, liu, draft.forward_id, None, now, policy)
    strawberries, blueberries = done.created

    notices = customer_notices(session, [c.id for c in done.created])

    assert blueberries.product_name == "丹东蓝莓"
    assert case(session, blueberries.ref).conversation_id is None
    assert len(notices) == 1
    channel, external_id, text = notices[0]
    assert (channel, external_id) == ("rest", "demo-1")
    assert text.startswith(f"团长已帮您登记售后单 {strawberries.ref}（丹东草莓 1盒），团长会在")
    assert text.endswith("前核实，有结果马上通知您。")


def test_notices_leave_out_cases_customers_opened_themselves(session, now, policy, app_db) -> None:
    xiaomei = customer_id(session, "小美")
    line = next(v for v in recent_lines(session, xiaomei, now) if v.product_name == "丹东草莓")
    own = open_case(session, ClaimDraft(xiaomei, line.line_id, Reason.SPOILED, Decimal("1"),
                                        evidence_id=photo(session, app_db, xiaomei)),
                    now, policy, f"customer:{xiaomei}").case

    assert customer_notices(session, [own.id]) == [] and customer_notices(session, []) == []


# --------------------------------------------------------------------------- replies


@pytest.mark.parametrize(("text", "expected"), [
    ("确认", ForwardReply(ReplyAction.CONFIRM)),
    ("全部确认", ForwardReply(ReplyAction.CONFIRM)),
    ("都确认了", ForwardReply(ReplyAction.CONFIRM)),
    ("确认全部。", ForwardReply(ReplyAction.CONFIRM)),
    ("确认 1 3", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("1,3", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("１，３", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 3}))),
    ("1、2、4确认", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({1, 2, 4}))),
    ("第2条确认", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({2}))),
    ("2", ForwardReply(ReplyAction.CONFIRM, numbers=frozenset({2}))),
    ("取消", ForwardReply(ReplyAction.CANCEL)),
    ("全部取消", ForwardReply(ReplyAction.CANCEL)),
    ("取消 2", ForwardReply(ReplyAction.CANCEL, numbers=frozenset({2}))),
    ("2不要了", ForwardReply(ReplyAction.CANCEL, numbers=frozenset({2}))),
    ("2 是 尾号1234", ForwardReply(ReplyAction.RESOLVE, number=2, answer="尾号1234")),
    ("2 是 手机尾号1234", ForwardReply(ReplyAction.RESOLVE, number=2, answer="手机尾号1234")),
    ("2是1", ForwardReply(ReplyAction.RESOLVE, number=2, answer="1")),
    ("3 是 取货码 123456", ForwardReply(ReplyAction.RESOLVE, number=3, answer="取货码 123456")),
    ("2 是 蓝莓", ForwardReply(ReplyAction.RESOLVE, number=2, answer="蓝莓")),
    ("2 改 3盒", ForwardReply(ReplyAction.CORRECT, number=2, quantity="3盒")),
    ("2改成一半", ForwardReply(ReplyAction.CORRECT, number=2, quantity="一半")),
    ("3 改 2", ForwardReply(ReplyAction.CORRECT, number=3, quantity="2")),
    ("2 改 3个", ForwardReply(ReplyAction.CORRECT, number=2, quantity="3个")),
    ("2 改 变质", ForwardReply(ReplyAction.CORRECT, number=2, reason=Reason.SPOILED)),
    ("2 改 坏了两盒", ForwardReply(ReplyAction.CORRECT, number=2, quantity="坏了两盒",
                                   reason=Reason.SPOILED)),
    ("1 改 少发", ForwardReply(ReplyAction.CORRECT, number=1, reason=Reason.MISSING)),
    ("2 没拆封", ForwardReply(ReplyAction.CORRECT, number=2, unopened=True)),
    ("2 拆了", ForwardReply(ReplyAction.CORRECT, number=2, unopened=False)),
])
def test_leader_replies(text: str, expected: ForwardReply) -> None:
    assert parse_forward_reply(text) == expected


@pytest.mark.parametrize("text", ["好的", "收到", "1234", "2 改 哈哈", "同意 R1024", "草莓烂了", ""])
def test_not_a_reply_to_a_forward(text: str) -> None:
    assert parse_forward_reply(text) is None
