"""Binding a chat to a customer with phone number and pickup code."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.binding import ActionBindAccount, phone_and_code
from bot.customers import identify
from bot.db import Customer, Order
from bot.db.session import unit_of_work
from tests.actions.trackers import responses, run, tracker


@pytest.mark.parametrize(("text", "expected"), [
    ("13812345678 1234", ("13812345678", "1234")),
    ("手机号138 1234 5678，取货码后四位0420", ("13812345678", "0420")),
    ("1234 13812345678", ("13812345678", "1234")),
    ("我手机号是13812345678", ("13812345678", None)),
    ("取货码1234", (None, None)),
])
def test_reading_phone_and_code(text, expected):
    assert phone_and_code(text) == expected


def _demo2() -> tuple[str, str]:
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-2")
        code = session.scalars(select(Order.pickup_code).where(Order.customer_id == customer.id)).first()
        return session.get(Customer, customer.id).phone, code[-4:]


async def test_the_right_phone_and_code_bind_the_chat(app_db):
    phone, tail = _demo2()

    messages, _ = await run(ActionBindAccount(), tracker("new-openid", f"{phone} {tail}", "bind_account"))

    assert responses(messages) == ["utter_bound"]
    with unit_of_work() as session:
        assert identify(session, "rest", "new-openid").name == "李建华"


async def test_a_wrong_code_is_refused_politely(app_db):
    phone, tail = _demo2()
    wrong = f"{(int(tail) + 1) % 10000:04d}"

    messages, _ = await run(ActionBindAccount(), tracker("new-openid", f"{phone} {wrong}", "bind_account"))

    assert responses(messages) == ["utter_bind_failed"]
    with unit_of_work() as session:
        assert identify(session, "rest", "new-openid") is None


async def test_a_phone_without_a_code_asks_for_the_code(app_db):
    messages, _ = await run(ActionBindAccount(), tracker("x", "13812345678", "bind_account"))

    assert responses(messages) == ["utter_bind_needs_code"]


async def test_binding_pauses_after_too_many_wrong_codes(app_db):
    phone, tail = _demo2()
    wrong = f"{(int(tail) + 1) % 10000:04d}"
    for _ in range(5):
        await run(ActionBindAccount(), tracker("guesser", f"{phone} {wrong}", "bind_account"))

    messages, _ = await run(ActionBindAccount(), tracker("guesser", f"{phone} {tail}", "bind_account"))

    assert responses(messages) == ["utter_bind_locked"]
    with unit_of_work() as session:
        assert identify(session, "rest", "guesser") is None
