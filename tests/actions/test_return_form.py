"""validate_return_form and the form's data-driven questions."""
from __future__ import annotations

from sqlalchemy import func, select

from actions.return_form import ValidateReturnForm
from actions.return_questions import ActionAskOrderLineId, ActionAskQuantity, ActionAskResolution
from bot.db import Evidence
from bot.db.session import unit_of_work
from tests.actions.lookups import line_id
from tests.actions.trackers import domain, responses, run, slot_values, tracker
from tests.images import png_bytes


def _form(sender: str, text: str, intent: str = "inform", **slots):
    return tracker(sender, text, intent, slots, active_loop="return_form")


async def _required(track) -> list[str]:
    from rasa_sdk.executor import CollectingDispatcher

    return await ValidateReturnForm().required_slots([], CollectingDispatcher(), track, domain())


def _strawberries(sender: str = "demo-1") -> float:
    return float(line_id(sender, "丹东草莓"))


async def test_a_fresh_quality_claim_needs_quantity_photo_and_resolution(app_db):
    required = await _required(_form("demo-1", "", order_line_id=_strawberries(),
                                     problem_reason="spoiled"))

    assert required == ["order_line_id", "problem_reason", "quantity", "photo", "resolution"]


async def test_missing_goods_need_no_photo(app_db):
    required = await _required(_form("demo-1", "", order_line_id=_strawberries(),
                                     problem_reason="missing"))

    assert "photo" not in required


async def test_an_expired_claim_asks_nothing_more(app_db):
    required = await _required(_form("demo-2", "", order_line_id=_strawberries("demo-2"),
                                     problem_reason="spoiled"))

    assert required == ["order_line_id", "problem_reason"]


async def test_a_no_reason_return_asks_whether_it_was_opened(app_db):
    rice = float(line_id("demo-2", "东北大米"))

    required = await _required(_form("demo-2", "", order_line_id=rice, problem_reason="no_reason"))

    assert "unopened" in required and "photo" not in required


async def test_naming_the_product_picks_the_line_on_the_first_turn(app_db):
    messages, events = await run(ValidateReturnForm(),
                                 _form("demo-1", "草莓烂了", "report_spoiled", problem_reason="spoiled"))

    assert slot_values(events)["order_line_id"] == _strawberries()
    assert "utter_order_line_picked" in responses(messages)
    assert slot_values(events)["requested_slot"] == "quantity"


async def test_the_list_of_lines_is_numbered_and_a_digit_picks_one(app_db):
    asked, ask_events = await run(ActionAskOrderLineId(), _form("demo-1", "东西有问题"))
    offered = slot_values(ask_events)["offered_line_ids"]
    assert "1. " in asked[0]["options"] and len(asked[0]["buttons"]) == len(offered)

    _, events = await run(ValidateReturnForm(), _form(
        "demo-1", "2", requested_slot="order_line_id", offered_line_ids=offered))

    assert slot_values(events)["order_line_id"] == float(offered[1])


async def test_a_line_of_someone_else_cannot_be_picked(app_db):
    foreign = line_id("demo-2", "丹东草莓")

    messages, events = await run(ValidateReturnForm(), _form(
        "demo-1", "1", requested_slot="order_line_id", offered_line_ids=[foreign]))

    assert slot_values(events)["order_line_id"] is None
    assert "utter_order_line_invalid" in responses(messages)


async def test_quantity_larger_than_bought_is_refused_politely(app_db):
    messages, events = await run(ValidateReturnForm(), _form(
        "demo-1", "5盒", requested_slot="quantity", order_line_id=_strawberries(),
        problem_reason="spoiled"))

    assert slot_values(events)["quantity"] is None
    [too_many] = [m for m in messages if m["response"] == "utter_quantity_too_many"]
    assert too_many["bought"] == "2" and too_many["unit"] == "盒"


async def test_a_quantity_that_is_not_a_number_is_asked_again(app_db):
    messages, events = await run(ValidateReturnForm(), _form(
        "demo-1", "好多好多", requested_slot="quantity", order_line_id=_strawberries(),
        problem_reason="spoiled"))

    assert slot_values(events)["quantity"] is None
    assert "utter_quantity_invalid" in responses(messages)


async def test_a_valid_quantity_moves_on_to_the_photo(app_db):
    _, events = await run(ValidateReturnForm(), _form(
        "demo-1", "坏了一盒", requested_slot="quantity", order_line_id=_strawberries(),
        problem_reason="spoiled"))

    assert slot_values(events)["quantity"] == "1"
    assert slot_values(events)["requested_slot"] == "photo"


async def test_the_quantity_question_names_what_was_bought(app_db):
    messages, _ = await run(ActionAskQuantity(), _form(
        "demo-1", "", order_line_id=_strawberries(), problem_reason="spoiled"))

    assert messages[0]["product"] == "丹东草莓" and messages[0]["bought"] == "2"


def _photo_step(text: str = "", metadata: dict | None = None):
    return tracker("demo-1", text, "inform",
                   {"requested_slot": "photo", "order_line_id": _strawberries(),
                    "problem_reason": "spoiled", "quantity": "1"},
                   metadata=metadata, active_loop="return_form")


async def test_a_photo_address_is_fetched_and_stored_as_evidence(app_db, image_server):
    url = image_server.add("/p.png", png_bytes())

    messages, events = await run(ValidateReturnForm(), _photo_step(metadata={"image_url": url}))

    evidence_id = slot_values(events)["photo"]
    assert evidence_id is not None and "utter_photo_received" in responses(messages)
    with unit_of_work() as session:
        evidence = session.get(Evidence, int(evidence_id))
        assert (app_db.data_dir / "evidence" / evidence.path).read_bytes() == png_bytes()
        assert evidence.source_url == url


async def test_a_file_that_is_not_an_image_is_refused_and_not_stored(app_db, image_server):
    url = image_server.add("/Fake.JPG", b"<html>not a picture</html>", "image/jpeg")

    messages, events = await run(ValidateReturnForm(), _photo_step(url))

    assert slot_values(events)["photo"] is None
    assert "utter_photo_not_image" in responses(messages)
    with unit_of_work() as session:
        assert session.scalar(select(func.count(Evidence.id))) == 0


async def test_an_unreachable_photo_says_to_send_it_again(app_db, image_server):
    messages, events = await run(ValidateReturnForm(), _photo_step(image_server.url("/gone.png")))

    assert slot_values(events)["photo"] is None
    assert "utter_photo_download_failed" in responses(messages)


async def test_text_instead_of_a_photo_explains_a_photo_is_needed(app_db):
    messages, events = await run(ValidateReturnForm(), _photo_step("我没拍照"))

    assert slot_values(events)["photo"] is None
    assert "utter_photo_needed" in responses(messages)


async def test_asking_for_a_person_while_a_photo_is_expected_is_not_taken_as_an_answer(app_db):
    track = tracker("demo-1", "转人工", "request_human",
                    {"requested_slot": "photo", "order_line_id": _strawberries(),
                     "problem_reason": "spoiled", "quantity": "1"}, active_loop="return_form")

    messages, events = await run(ValidateReturnForm(), track)

    assert "photo" not in slot_values(events)
    assert messages == []


async def test_resolutions_are_offered_with_the_refund_amount(app_db):
    messages, _ = await run(ActionAskResolution(), _form(
        "demo-1", "", order_line_id=_strawberries(), problem_reason="missing", quantity="1"))

    options = messages[0]["options"]
    assert options.startswith("1. 原路退回") and "¥" in options


async def test_a_resolution_is_read_from_its_number(app_db):
    _, events = await run(ValidateReturnForm(), _form(
        "demo-1", "2", requested_slot="resolution", order_line_id=_strawberries(),
        problem_reason="missing", quantity="1"))

    assert slot_values(events)["resolution"] == "refund_balance"


async def test_an_answer_that_is_no_known_problem_is_asked_again(app_db):
    messages, events = await run(ValidateReturnForm(), _form(
        "demo-1", "嗯嗯", requested_slot="problem_reason", order_line_id=_strawberries()))

    assert slot_values(events)["problem_reason"] is None
    assert "utter_problem_reason_invalid" in responses(messages)


async def test_a_numbered_problem_is_understood(app_db):
    _, events = await run(ValidateReturnForm(), _form(
        "demo-1", "2", requested_slot="problem_reason", order_line_id=_strawberries()))

    assert slot_values(events)["problem_reason"] == "damaged"
