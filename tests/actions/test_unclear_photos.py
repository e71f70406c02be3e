"""A photo too small or blank to show the problem: the customer is asked, politely, for a
clearer one, and nothing is stored (actions/return_photo.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.return_form import ValidateReturnForm
from bot.db import Evidence
from bot.db.session import unit_of_work
from tests.actions.lookups import line_id
from tests.actions.trackers import domain, responses, run, slot_values, tracker
from tests.images import encode, flat_bytes, photo


def _photo_step(metadata: dict):
    return tracker("demo-1", "", "inform",
                   {"requested_slot": "photo", "order_line_id": float(line_id("demo-1", "丹东草莓")),
                    "problem_reason": "spoiled", "quantity": "1"},
                   metadata=metadata, active_loop="return_form")


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param(flat_bytes(), id="blank"),
        pytest.param(encode(photo("thumbnail", (90, 60)), "JPEG"), id="tiny"),
    ],
)
async def test_an_unclear_photo_is_refused_with_a_request_for_a_clearer_one(
        app_db, image_server, picture) -> None:
    url = image_server.add("/photo.jpg", picture, "image/jpeg")

    messages, events = await run(ValidateReturnForm(), _photo_step({"image_url": url}))

    assert slot_values(events)["photo"] is None
    assert responses(messages) == ["utter_photo_unclear"]
    [text] = [r["text"] for r in domain()["responses"]["utter_photo_unclear"]]
    assert "清楚" in text and "再拍一张" in text
    with unit_of_work() as session:
        assert session.scalar(select(func.count(Evidence.id))) == 0
    assert not (app_db.data_dir / "evidence").exists() or not any(
        p.is_file() for p in (app_db.data_dir / "evidence").rglob("*"))
