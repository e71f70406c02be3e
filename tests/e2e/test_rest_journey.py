"""Whole conversations over the REST webhook against the real servers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.db import CaseEvent, ChannelIdentity, Evidence, ReturnCase
from bot.enums import CaseState, Reason
from tests.images import jpeg_bytes

pytestmark = pytest.mark.e2e


def _option_number(replies: list[str], product: str) -> str:
    for reply in replies:
        for number, label in re.findall(r"^(\d+)\. (.+)$", reply, flags=re.MULTILINE):
            if product in label:
                return number
    raise AssertionError(f"{product} not offered in {replies}")


def _return_journey(product, sender: str, photo_url: str) -> list[str]:
    assert product.say(sender, "你好")
    listing = product.say(sender, "买的东西烂了，能退吗")
    choice = _option_number(listing, "丹东草莓")
    asked_quantity = product.say(sender, choice)
    assert any("丹东草莓" in r and "2盒" in r for r in asked_quantity), asked_quantity
    asked_photo = product.say(sender, "1盒")
    assert any("照片" in r for r in asked_photo), asked_photo
    asked_resolution = product.say(sender, photo_url)
    assert any("原路退回" in r for r in asked_resolution), asked_resolution
    return product.say(sender, "1")


def test_spoiled_strawberries_become_one_refunded_case(product, image_server):
    photo_url = image_server.add("/Photos/Straw.JPG", jpeg_bytes(), "image/jpeg")

    closing = _return_journey(product, "demo-1", photo_url)

    text = "\n".join(closing)
    ref = re.search(r"R\d{4}", text).group(0)
    assert "24小时" in text and "¥" in text
    assert "需要工作人员人工原路退回您的微信" in text, "never claims a payout that did not happen"
    with product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        assert case.reason is Reason.SPOILED
        assert case.state is CaseState.REFUND_PENDING
        assert case.quantity_affected == 1
        assert case.rule_id == "fresh.quality_window"
        assert case.order_line.product.name == "丹东草莓"
        timeline = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        assert [(e.kind, e.to_state) for e in timeline] == [
            ("created", CaseState.SUBMITTED), ("state", CaseState.APPROVED),
            ("state", CaseState.REFUND_PENDING),
            ("refund_manual", None),  # no WeChat Pay here: a person pays it back
        ]
        assert timeline[0].actor.startswith("customer:")
        assert session.scalar(select(func.count(Evidence.id)).where(Evidence.case_id == case.id)) == 1

    again = "\n".join(_return_journey(product, "demo-1", photo_url))

    assert ref in again and "已经登记过" in again
    with product.session() as session:
        cases = session.scalars(
            select(ReturnCase).where(ReturnCase.order_line_id == case.order_line_id,
                                     ReturnCase.reason == Reason.SPOILED)
        ).all()
        assert len(cases) == 1


def test_a_three_day_old_fresh_claim_is_refused_with_the_rule(product):
    replies = product.say("demo-2", "草莓烂了")

    text = "\n".join(replies)
    assert "24小时" in text and "超过" in text
    with product.session() as session:
        assert session.scalar(
            select(func.count(ReturnCase.id)).join(ChannelIdentity, ChannelIdentity.customer_id
                                                   == ReturnCase.customer_id)
            .where(ChannelIdentity.external_id == "demo-2")
        ) == 0


def test_a_stranger_is_told_politely_and_nothing_changes(product):
    with product.session() as session:
        before = session.scalar(select(func.count(ReturnCase.id)))

    replies = product.say("not-a-customer", "鸡蛋碎了，退钱")

    assert any("手机号" in r for r in replies), "they are told how to bind their account"
    with product.session() as session:
        assert session.scalar(select(func.count(ReturnCase.id))) == before


@pytest.mark.parametrize("case, text", enumerate(
    ["", "   ", "😡😡😡", "烂" * 5000, "\x00\x01binary\xff"]))
def test_odd_messages_get_a_polite_answer(product, case, text):
    # One conversation each: two misunderstood messages in a row hand over to a person.
    replies = product.say(f"odd-input-{case}", text)

    assert replies, "the customer must never be left without an answer"
    assert not any("Traceback" in r or "Error" in r for r in replies)


def test_the_terminal_chat_client_talks_to_the_running_assistant(product, monkeypatch, capsys):
    from bot import chat

    monkeypatch.setenv("RASA_PORT", product.rasa_url.rsplit(":", 1)[1])
    from bot.settings import get_settings

    get_settings.cache_clear()
    lines = iter(["我的菜到了吗"])

    def typed(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", typed)

    assert chat.chat("demo-3") == 0

    assert "取货码" in capsys.readouterr().out
    get_settings.cache_clear()


def test_a_new_chat_binds_with_phone_and_pickup_code_then_is_served(product):
    from bot.db import Customer, Order

    with product.session() as session:
        customer = session.scalars(
            select(Customer).join(ChannelIdentity).where(ChannelIdentity.external_id == "demo-3")
        ).one()
        code = session.scalars(select(Order.pickup_code).where(Order.customer_id == customer.id)).first()
        phone = customer.phone

    assert any("手机号" in r for r in product.say("newcomer-1", "我的菜到了吗"))
    assert any("绑定成功" in r for r in product.say("newcomer-1", f"{phone} {code[-4:]}"))
    assert any("取货码" in r for r in product.say("newcomer-1", "我的菜到了吗"))
