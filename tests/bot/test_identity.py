"""Binding a WeChat or Telegram identity to a customer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.customers import identify
from bot.db import Customer, Order
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.identity import MAX_FAILURES, TooManyAttempts, bind


def _demo1_phone_and_code() -> tuple[str, str]:
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1")
        phone = session.get(Customer, customer.id).phone
        code = session.scalars(select(Order.pickup_code).where(Order.customer_id == customer.id)).first()
        return phone, code[-4:]


def test_phone_and_pickup_code_bind_the_openid(app_db):
    phone, tail = _demo1_phone_and_code()

    with unit_of_work() as session:
        customer = bind(session, "wechat", "openid-1", phone, tail, utcnow())

    assert customer is not None and customer.name == "王小美"
    with unit_of_work() as session:
        assert identify(session, "wechat", "openid-1").id == customer.id


def test_a_wrong_code_binds_nothing_and_is_counted(app_db):
    phone, tail = _demo1_phone_and_code()
    wrong = f"{(int(tail) + 1) % 10000:04d}"

    with unit_of_work() as session:
        assert bind(session, "wechat", "openid-2", phone, wrong, utcnow()) is None
    with unit_of_work() as session:
        assert identify(session, "wechat", "openid-2") is None


def test_guessing_is_stopped_after_a_few_failures(app_db):
    phone, tail = _demo1_phone_and_code()
    for _ in range(MAX_FAILURES):
        with unit_of_work() as session:
            bind(session, "wechat", "guesser", "13000000000", "0000", utcnow())

    with pytest.raises(TooManyAttempts), unit_of_work() as session:
        bind(session, "wechat", "guesser", phone, tail, utcnow())
