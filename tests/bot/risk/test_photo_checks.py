"""Photo checks against stored evidence: reused (identical or edited) photos across
customers and cases, camera time before pickup, refused pictures, the band index and the
backfill (bot.risk.photos, bot.evidence.store)."""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.customers import identify
from bot.db import AuditEntry, Evidence, EvidenceCropHash
from bot.db.session import unit_of_work
from bot.evidence import PhotoUnclear, photo_flags, store_photo
from bot.evidence.fingerprint import bands, to_signed
from bot.evidence.store import backfill_fingerprints
from bot.policy import load_policy
from bot.risk.photos import _band_filter, _frame, check_photo, similar_evidence
from tests.images import encode, flat_bytes, jpeg_bytes, photo, variant

PICKUP = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)  # 10:00 China time


@pytest.fixture
def evidence_dir(app_db) -> Path:
    return app_db.data_dir / "evidence"


def customer(session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def store(session, evidence_dir: Path, external_id: str, data: bytes) -> int:
    return store_photo(session, data, customer_id=customer(session, external_id),
                       evidence_dir=evidence_dir).id


ORIGINAL = photo("strawberries-on-the-counter")


@pytest.mark.parametrize("edit", ["resized", "jpeg40", "crop3", "crop5", "crop5_left", "brighter",
                                  "all"])
def test_an_edited_copy_of_another_customers_photo_is_reused(app_db, evidence_dir, edit) -> None:
    with unit_of_work() as session:
        first = store(session, evidence_dir, "demo-2", encode(ORIGINAL, "JPEG", quality=90))
        copy = store(session, evidence_dir, "demo-1", encode(variant(ORIGINAL, edit), "JPEG"))
        findings = check_photo(session, copy, PICKUP, load_policy())
        assert findings.reused and not findings.stale
        (match,) = findings.matches
        assert (match.evidence_id, match.identical) == (first, False)
        assert match.customer_id == customer(session, "demo-2") and match.phone_tail
        assert photo_flags(session, copy, PICKUP) == (True, False)


def test_the_original_sent_after_a_cropped_copy_is_reused_too(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        cropped = store(session, evidence_dir, "demo-2", encode(variant(ORIGINAL, "crop5"), "JPEG"))
        original = store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG"))
        assert [m.evidence_id for m in check_photo(session, original, PICKUP,
                                                   load_policy()).matches] == [cropped]


def test_distinct_photos_of_other_customers_are_not_reused(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        for seed in range(12):
            store(session, evidence_dir, "demo-2", encode(photo(f"someone-else-{seed}"), "JPEG"))
        mine = store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG"))
        assert check_photo(session, mine, PICKUP, load_policy()).matches == ()
        assert similar_evidence(session, session.get(Evidence, mine), 28) == {}


def test_the_same_customer_sending_a_copy_for_the_same_claim_is_not_reuse(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG"))
        again = store(session, evidence_dir, "demo-1", encode(variant(ORIGINAL, "resized"), "JPEG"))
        findings = check_photo(session, again, PICKUP, load_policy())
        assert not findings.reused
        # ... but it is the same picture, which the lookup itself does find.
        assert len(similar_evidence(session, session.get(Evidence, again), 28)) == 1


def test_a_copy_of_the_customers_photo_on_an_earlier_case_is_reused(app_db, evidence_dir) -> None:
    from bot.db import ReturnCase

    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == "R0901")).one()
        earlier = store_photo(session, encode(ORIGINAL, "JPEG"), customer_id=case.customer_id,
                              evidence_dir=evidence_dir)
        session.get(Evidence, earlier.id).case_id = case.id
        again = store_photo(session, encode(variant(ORIGINAL, "brighter"), "JPEG"),
                            customer_id=case.customer_id, evidence_dir=evidence_dir)
        (match,) = check_photo(session, again.id, PICKUP, load_policy()).matches
        assert (match.evidence_id, match.case_ref) == (earlier.id, "R0901")


def test_an_identical_file_is_reused_with_distance_zero(app_db, evidence_dir) -> None:
    data = encode(ORIGINAL, "PNG")
    with unit_of_work() as session:
        store(session, evidence_dir, "demo-2", data)
        mine = store(session, evidence_dir, "demo-1", data)
        (match,) = check_photo(session, mine, PICKUP, load_policy()).matches
        assert (match.identical, match.distance) == (True, 0)


@pytest.mark.parametrize(
    ("taken_china_local", "stale"),
    [
        (datetime(2026, 11, 21, 8, 0), True),  # 2 hours before pickup at 10:00
        (datetime(2026, 11, 19, 20, 0), True),  # two days before
        (datetime(2026, 11, 21, 9, 30), False),  # within the policy's 60 minutes
        (datetime(2026, 11, 21, 10, 30), False),  # after pickup
    ],
)
def test_a_camera_time_before_pickup_is_stale(app_db, evidence_dir, taken_china_local, stale) -> None:
    with unit_of_work() as session:
        mine = store(session, evidence_dir, "demo-1", jpeg_bytes(taken_at=taken_china_local))
        findings = check_photo(session, mine, PICKUP, load_policy())
        assert (findings.stale, findings.reused) == (stale, False)


def test_no_camera_time_is_never_stale(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        mine = store(session, evidence_dir, "demo-1", encode(ORIGINAL, "PNG"))
        assert not check_photo(session, mine, PICKUP, load_policy()).stale


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (flat_bytes(), "blank"),
        (flat_bytes(color=(5, 5, 5), noise=6), "blank"),
        (encode(photo("thumb", (100, 75)), "JPEG"), "tiny"),
    ],
)
def test_blank_or_tiny_pictures_are_not_stored(app_db, evidence_dir, data, why) -> None:
    with unit_of_work() as session:
        with pytest.raises(PhotoUnclear) as refused:
            store(session, evidence_dir, "demo-1", data)
    assert refused.value.why == why
    assert not evidence_dir.exists() or not any(p.is_file() for p in evidence_dir.rglob("*"))
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence.stored")).all() == []


# ---------------------------------------------------------------- storage and lookup


def test_the_hashes_are_stored_with_their_bands(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        mine = store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG"))
    with app_db.session() as session:
        row = session.get(Evidence, mine)
        assert (row.phash_band0, row.phash_band1, row.phash_band2, row.phash_band3) == bands(row.phash)
        crops = session.scalars(select(EvidenceCropHash).where(EvidenceCropHash.evidence_id == mine)
                                .order_by(EvidenceCropHash.frame)).all()
        assert [c.frame for c in crops] == list(range(1, 10))
        assert all((c.phash_band0, c.phash_band3) == (bands(c.phash)[0], bands(c.phash)[3])
                   for c in crops)


def test_the_lookup_searches_the_band_indexes_instead_of_scanning(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        mine = session.get(Evidence, store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG")))
        for model, table in ((Evidence, "evidence"), (EvidenceCropHash, "evidence_crop_hashes")):
            query = select(model.id).where(_band_filter(session, model, [_frame(mine)]))
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            plan = " | ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            for band in range(4):
                assert f"INDEX ix_{table}_phash_band{band}" in plan, plan
            assert f"SCAN {table}" not in plan, plan


def _random_rows(session, customer_id: int, count: int) -> None:
    rng = random.Random(count + customer_id + session.scalar(text('select count(*) from evidence')))
    rows = []
    for number in range(count):
        coarse = rng.getrandbits(64)
        rows.append({
            "customer_id": customer_id, "sha256": hashlib.sha256(f"{rng.random()}".encode()).hexdigest(),
            "path": f"x/{number}.jpg", "mime_type": "image/jpeg", "size_bytes": 1, "width": 640,
            "height": 480, "phash": to_signed(coarse), "phash_fine": f"{rng.getrandbits(143):036x}",
            **{f"phash_band{i}": b for i, b in enumerate(bands(coarse))},
            "created_at": datetime.now(timezone.utc),
        })
    session.execute(Evidence.__table__.insert(), rows)


def test_a_copy_is_found_among_thousands_of_photos(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        other = customer(session, "demo-2")
        _random_rows(session, other, 3000)
        first = store(session, evidence_dir, "demo-2", encode(ORIGINAL, "JPEG"))
        _random_rows(session, other, 3000)
        copy = store(session, evidence_dir, "demo-1", encode(variant(ORIGINAL, "all"), "JPEG"))
        assert [m.evidence_id for m in check_photo(session, copy, PICKUP, load_policy()).matches] \
            == [first]


def test_photos_stored_before_fingerprints_are_backfilled(app_db, evidence_dir) -> None:
    with unit_of_work() as session:
        first = store(session, evidence_dir, "demo-2", encode(ORIGINAL, "JPEG"))
        row = session.get(Evidence, first)
        expected = (row.phash, row.phash_fine, row.phash_band2)
        row.phash = row.phash_fine = row.phash_band0 = row.phash_band1 = None
        row.phash_band2 = row.phash_band3 = None
        session.execute(EvidenceCropHash.__table__.delete())
        copy = store(session, evidence_dir, "demo-1", encode(variant(ORIGINAL, "crop3"), "JPEG"))
        assert not check_photo(session, copy, PICKUP, load_policy()).reused
    with unit_of_work() as session:
        assert backfill_fingerprints(session, evidence_dir)[0] == 1
        row = session.get(Evidence, first)
        assert (row.phash, row.phash_fine, row.phash_band2) == expected
        assert check_photo(session, copy, PICKUP, load_policy()).reused
    with unit_of_work() as session:
        assert backfill_fingerprints(session, evidence_dir) == (0, None)


def test_a_photo_is_checked_within_the_time_a_chat_allows(app_db, evidence_dir) -> None:
    import time

    with unit_of_work() as session:
        _random_rows(session, customer(session, "demo-2"), 3000)
        mine = store(session, evidence_dir, "demo-1", encode(ORIGINAL, "JPEG"))
        started = time.monotonic()
        check_photo(session, mine, PICKUP - timedelta(hours=1), load_policy())
        assert time.monotonic() - started < 2
