"""Bench customers: each one a real first claim, bound to a REST sender and an openid."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.bench.photos import photo
from bot.bench.seeding import CLAIMED_PRODUCT, ORDER, seed_bench_customers
from bot.cases import ClaimDraft
from bot.cases.opening import assess
from bot.customers import identify
from bot.db import ChannelIdentity, Customer
from bot.enums import Reason
from bot.evidence.images import inspect_image
from bot.orders import recent_lines
from bot.policy import load_policy


def test_bench_customers_have_a_claimable_line_and_both_identities(app_db):
    now = app_db.seeded_at
    with app_db.session() as session, session.begin():
        made = seed_bench_customers(session, 30, now, tag="t1")
        more = seed_bench_customers(session, 5, now)  # another run, same database

    assert len(made) == 30 and len({c.rest_sender for c in made + more}) == 35
    with app_db.session() as session:
        for who in (made[0], made[-1], more[-1]):
            by_rest = identify(session, "rest", who.rest_sender)
            by_wechat = identify(session, "wechat", who.openid)
            assert by_rest.id == by_wechat.id == who.customer_id
            lines = recent_lines(session, who.customer_id, now)
            assert sorted(line.product_name for line in lines) == sorted(n for n, _ in ORDER)
            claimed = next(line for line in lines if line.product_name == CLAIMED_PRODUCT)
            assert claimed.quantity == Decimal("2") and claimed.picked_up
            assert now - claimed.picked_up_at == timedelta(hours=1)
            draft = ClaimDraft(who.customer_id, claimed.line_id, Reason.SPOILED,
                               quantity_affected=Decimal("1"))
            decision = assess(session, draft, now, load_policy()).decision
            assert decision.eligible, decision
        assert session.scalar(select(func.count(ChannelIdentity.id)).where(
            ChannelIdentity.external_id.like("%bench-t1-%"))) == 60
        phones = session.scalars(select(Customer.phone)).all()
        assert len(phones) == len(set(phones))


def test_every_bench_photo_is_a_different_acceptable_picture():
    pictures = [photo(n) for n in range(40)]

    assert len(set(pictures)) == 40
    assert photo(7) == pictures[7]
    fingerprints = {inspect_image(p).fingerprint.full.fine for p in pictures}
    assert len(fingerprints) == 40
