"""Photos customers send as evidence: checked, fetched, stored, flagged (bot/evidence)."""
from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.db import AuditEntry, Customer, Evidence, ReturnCase
from bot.db.session import unit_of_work
from bot.evidence import (
    NotAnImage,
    PhotoDownloadFailed,
    PhotoTooLarge,
    PhotoUnclear,
    fetch_photo,
    inspect_image,
    photo_flags,
    store_photo,
)
from bot.evidence.images import ALLOWED_FORMATS, MIN_SIDE
from tests.images import jpeg_bytes, photo, png_bytes


def encoded(fmt: str, size: tuple[int, int] = (160, 120), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    photo(fmt, size).convert(mode).save(buffer, format=fmt)
    return buffer.getvalue()


def with_exif(exif: Image.Exif) -> bytes:
    buffer = io.BytesIO()
    photo("exif", (160, 120)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


# ---------------------------------------------------------------- inspect_image


@pytest.mark.parametrize(
    ("data", "mime", "extension"),
    [
        (png_bytes(), "image/png", "png"),
        (jpeg_bytes(), "image/jpeg", "jpg"),
        (encoded("WEBP"), "image/webp", "webp"),
        (encoded("GIF"), "image/gif", "gif"),
        (encoded("BMP"), "image/bmp", "bmp"),
    ],
)
def test_accepted_pictures(data: bytes, mime: str, extension: str) -> None:
    info = inspect_image(data)
    assert (info.mime_type, info.extension) == (mime, extension)


def test_size_is_read() -> None:
    info = inspect_image(png_bytes(160, 120))
    assert (info.width, info.height, info.taken_at) == (160, 120, None)


def test_camera_time_is_china_local_converted_to_utc() -> None:
    info = inspect_image(jpeg_bytes(taken_at=datetime(2026, 11, 21, 7, 30, 15)))
    assert info.taken_at == datetime(2026, 11, 20, 23, 30, 15, tzinfo=timezone.utc)


def test_camera_time_in_the_main_exif_block_is_used_too() -> None:
    exif = Image.Exif()
    exif[0x0132] = "2026:11:21 14:05:00"  # DateTime, no DateTimeOriginal
    assert inspect_image(with_exif(exif)).taken_at == datetime(2026, 11, 21, 6, 5, tzinfo=timezone.utc)


def test_a_nonsense_camera_time_is_ignored() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    assert inspect_image(with_exif(exif)).taken_at is None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param("我的草莓坏了".encode(), id="text"),
        pytest.param(b"%PDF-1.4\n" + b"0" * 100, id="pdf-like"),
        pytest.param(png_bytes()[:60], id="png cut in the header"),
        pytest.param(png_bytes(200, 200)[:-20], id="png missing its end"),
        pytest.param(jpeg_bytes()[:200], id="truncated jpeg"),
    ],
)
def test_not_pictures(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        inspect_image(data)


@pytest.mark.parametrize(
    ("width", "height"),
    [(MIN_SIDE - 1, 100), (100, MIN_SIDE - 1), (16, 16)],
)
def test_pictures_too_small_to_show_anything(width: int, height: int) -> None:
    with pytest.raises(PhotoUnclear) as refused:
        inspect_image(png_bytes(width, height))
    assert refused.value.why == "tiny" and isinstance(refused.value, NotAnImage)


def test_smallest_accepted_side() -> None:
    assert inspect_image(png_bytes(MIN_SIDE, MIN_SIDE)).width == MIN_SIDE


@pytest.mark.parametrize("fmt", ["ICO", "TIFF"])
def test_formats_not_allowed(fmt: str) -> None:
    assert fmt not in ALLOWED_FORMATS
    with pytest.raises(NotAnImage):
        inspect_image(encoded(fmt, (160, 120) if fmt == "TIFF" else (128, 128)))


def test_an_enormous_picture_is_refused() -> None:
    # 56 million pixels in a few kilobytes: a decompression bomb for whoever opens it.
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000), 0).save(buffer, format="PNG")
    with pytest.raises(NotAnImage):
        inspect_image(buffer.getvalue())


# ---------------------------------------------------------------- fetch_photo


def test_fetch(image_server) -> None:
    body = png_bytes()
    url = image_server.add("/photos/strawberry.png", body)
    assert fetch_photo(url, max_bytes=len(body), timeout=5) == body


def test_fetch_missing_photo(image_server) -> None:
    with pytest.raises(PhotoDownloadFailed):
        fetch_photo(image_server.url("/nothing-here.png"), max_bytes=1_000_000, timeout=5)


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/a.png", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1/a.png",
     "data:image/png;base64,iVBORw0KGgo="],
)
def test_only_http_addresses_are_fetched(url: str) -> None:
    with pytest.raises(PhotoDownloadFailed):
        fetch_photo(url, max_bytes=1_000_000, timeout=1)


def test_fetch_too_large(image_server) -> None:
    body = png_bytes(400, 400)
    url = image_server.add("/big.png", body)
    with pytest.raises(PhotoTooLarge):
        fetch_photo(url, max_bytes=len(body) - 1, timeout=5)


@pytest.fixture
def undeclared_length_server() -> Iterator[str]:
    """Serves a 200 kB body without a Content-Length (ends when the connection closes)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                self.wfile.write(b"\x89PNG" + b"\0" * 200_000)
            except OSError:
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/stream.png"
    server.shutdown()
    server.server_close()


def test_fetch_too_large_without_declared_length(undeclared_length_server: str) -> None:
    with pytest.raises(PhotoTooLarge):
        fetch_photo(undeclared_length_server, max_bytes=100_000, timeout=5)


def test_unreachable_address_fails_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PhotoDownloadFailed):
        fetch_photo(f"http://127.0.0.1:{port}/a.png", max_bytes=1_000_000, timeout=0.5)
    assert time.monotonic() - started < 3


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections are queued but never answered
        started = time.monotonic()
        with pytest.raises(PhotoDownloadFailed):
            fetch_photo(f"http://127.0.0.1:{silent.getsockname()[1]}/a.png",
                        max_bytes=1_000_000, timeout=0.3)
        assert time.monotonic() - started < 3


# ---------------------------------------------------------------- store_photo


@pytest.fixture
def evidence_dir(app_db) -> Path:
    return app_db.data_dir / "evidence"


def customer_ids(session) -> list[int]:
    return list(session.scalars(select(Customer.id).order_by(Customer.id)).all())


def stored_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_store_photo_is_content_addressed(app_db, evidence_dir: Path) -> None:
    data = png_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with unit_of_work() as session:
        customer = customer_ids(session)[0]
        view = store_photo(session, data, customer_id=customer, evidence_dir=evidence_dir,
                           conversation_id="demo-1", source_url="http://example.invalid/a.png")
    assert view.sha256 == digest
    assert Path(view.path) == Path(digest[:2]) / f"{digest}.png"
    assert (evidence_dir / view.path).read_bytes() == data
    assert stored_files(evidence_dir) == [evidence_dir / view.path]
    with app_db.session() as session:
        row = session.get(Evidence, view.id)
        assert (row.customer_id, row.conversation_id, row.mime_type, row.size_bytes,
                row.width, row.height, row.case_id) == (customer, "demo-1", "image/png", len(data),
                                                         160, 120, None)
        assert row.source_url == "http://example.invalid/a.png"


def test_jpeg_keeps_its_camera_time_and_extension(app_db, evidence_dir: Path) -> None:
    data = jpeg_bytes(taken_at=datetime(2026, 11, 21, 8, 0))
    with unit_of_work() as session:
        view = store_photo(session, data, customer_id=customer_ids(session)[0],
                           evidence_dir=evidence_dir)
    assert view.path.endswith(".jpg") and view.mime_type == "image/jpeg"
    assert view.taken_at == datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc)


def test_same_picture_twice_is_one_file_and_two_rows(app_db, evidence_dir: Path) -> None:
    data = png_bytes()
    with unit_of_work() as session:
        first, second = customer_ids(session)[:2]
        a = store_photo(session, data, customer_id=first, evidence_dir=evidence_dir)
        b = store_photo(session, data, customer_id=second, evidence_dir=evidence_dir)
    assert a.id != b.id and a.path == b.path
    assert stored_files(evidence_dir) == [evidence_dir / a.path]
    with app_db.session() as session:
        rows = session.scalars(select(Evidence).where(Evidence.sha256 == a.sha256)).all()
        assert sorted(r.customer_id for r in rows) == [first, second]


def test_storing_is_audited(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        customer = customer_ids(session)[0]
        view = store_photo(session, png_bytes(), customer_id=customer, evidence_dir=evidence_dir,
                           conversation_id="conv-9")
    with app_db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.stored")).one()
    assert (entry.actor, entry.entity, entry.entity_id) == (f"customer:{customer}", "evidence", str(view.id))
    assert entry.detail["sha256"] == view.sha256 and entry.detail["conversation_id"] == "conv-9"


def test_a_non_picture_is_not_stored(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        with pytest.raises(NotAnImage):
            store_photo(session, b"not a picture", customer_id=customer_ids(session)[0],
                        evidence_dir=evidence_dir)
    assert stored_files(evidence_dir) == []
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []


# ---------------------------------------------------------------- photo_flags

PICKUP = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)  # 10:00 China time


def test_a_fresh_picture_is_not_flagged(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        view = store_photo(session, png_bytes(), customer_id=customer_ids(session)[0],
                           evidence_dir=evidence_dir)
        assert photo_flags(session, view.id, PICKUP) == (False, False)


def test_the_same_customer_sending_a_picture_twice_is_not_reuse(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        customer = customer_ids(session)[0]
        store_photo(session, png_bytes(), customer_id=customer, evidence_dir=evidence_dir)
        again = store_photo(session, png_bytes(), customer_id=customer, evidence_dir=evidence_dir)
        assert photo_flags(session, again.id, PICKUP) == (False, False)


def test_picture_already_sent_by_another_customer_is_reused(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        first, second = customer_ids(session)[:2]
        store_photo(session, png_bytes(), customer_id=first, evidence_dir=evidence_dir)
        mine = store_photo(session, png_bytes(), customer_id=second, evidence_dir=evidence_dir)
        other = store_photo(session, png_bytes(color=(1, 2, 3)), customer_id=second,
                            evidence_dir=evidence_dir)
        assert photo_flags(session, mine.id, PICKUP) == (True, False)
        assert photo_flags(session, other.id, PICKUP) == (False, False)


def test_picture_already_evidence_of_a_case_is_reused(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == "R0901")).one()
        earlier = store_photo(session, png_bytes(), customer_id=case.customer_id,
                              evidence_dir=evidence_dir)
        session.get(Evidence, earlier.id).case_id = case.id
        session.flush()
        again = store_photo(session, png_bytes(), customer_id=case.customer_id,
                            evidence_dir=evidence_dir)
        assert photo_flags(session, again.id, PICKUP)[0] is True


@pytest.mark.parametrize(
    ("taken_china_local", "stale"),
    [
        (datetime(2026, 11, 21, 6, 0), True),  # 4h before pickup: yesterday's picture
        (datetime(2026, 11, 20, 10, 0), True),  # a day before
        (datetime(2026, 11, 21, 9, 30), False),  # 30 min before pickup: within the margin
        (datetime(2026, 11, 21, 11, 0), False),  # after pickup
    ],
)
def test_stale_when_taken_well_before_pickup(app_db, evidence_dir: Path,
                                             taken_china_local: datetime, stale: bool) -> None:
    with unit_of_work() as session:
        view = store_photo(session, jpeg_bytes(taken_at=taken_china_local),
                           customer_id=customer_ids(session)[0], evidence_dir=evidence_dir)
        assert photo_flags(session, view.id, PICKUP) == (False, stale)


def test_not_stale_without_a_camera_time_or_a_pickup_time(app_db, evidence_dir: Path) -> None:
    with unit_of_work() as session:
        customer = customer_ids(session)[0]
        plain = store_photo(session, png_bytes(), customer_id=customer, evidence_dir=evidence_dir)
        old = store_photo(session, jpeg_bytes(taken_at=datetime(2020, 1, 1, 8, 0)),
                          customer_id=customer, evidence_dir=evidence_dir)
        assert photo_flags(session, plain.id, PICKUP - timedelta(days=365)) == (False, False)
        assert photo_flags(session, old.id, None) == (False, False)


def test_unknown_evidence_has_no_flags(app_db) -> None:
    with unit_of_work() as session:
        assert photo_flags(session, 999_999, PICKUP) == (False, False)
