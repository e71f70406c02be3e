"""Tags, notes and wrong-understanding marks; the reviewed-examples NLU export (valid,
loads with Rasa); transcript exports (masked, limited, audited)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import select

from bot.db import AuditEntry, StaffAccount
from bot.db.review import ConversationRecord
from bot.db.session import unit_of_work
from bot.review import annotations, export
from bot.review.errors import AnnotationInvalid, AnnotationNotFound, ExportTooLarge
from bot.review.filters import parse_filter
from bot.review.nlu_export import reviewed_examples, to_yaml, training_examples
from bot.review.transcript import transcript
from tests.bot.review.conftest import at
from tests.bot.review.test_conversations import TODAY
from tests.review_data import Script, save


@pytest.fixture
def lead_id(app_db) -> int:
    with unit_of_work() as session:
        return session.scalar(select(StaffAccount.id).where(StaffAccount.username == "lead1"))


@pytest.fixture
def conversation(indexer, tracker) -> tuple[int, list[int]]:
    """A conversation and its customer messages' event ids."""
    save([Script("demo-2", at()).says("草苺[捂脸]坏了 电话13816624571", "greet", confidence=0.41)
          .bot("您好！").says("我要退[这个](product)", "ask_order_status")])
    indexer.catch_up()
    with unit_of_work() as session:
        record_id = session.scalar(select(ConversationRecord.id))
        items = transcript(session, tracker.connect(), record_id)["items"]
    return record_id, [item["event_id"] for item in items if item["kind"] == "customer"]


def annotate(tracker, record_id: int, staff_id: int, **body):
    with unit_of_work() as session, tracker.connect() as connection:
        return annotations.add(session, connection, record_id, staff_id, body, at()).id


def test_a_wrong_intent_mark_becomes_a_reviewed_example(tracker, conversation, lead_id):
    record_id, (first, second) = conversation
    annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=first,
             correct_intent="report_spoiled")
    annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=second,
             correct_intent="request_return", text="顾客要退货")
    with unit_of_work() as session:
        examples = reviewed_examples(session)
        audited = session.scalars(select(AuditEntry.action)
                                  .where(AuditEntry.action.like("review.%"))).all()
    assert examples == {"report_spoiled": ["草苺[捂脸]坏了 电话13816624571".replace(
        "[", "［").replace("]", "］")], "request_return": ["我要退［这个］(product)"]}
    assert audited == ["review.wrong_intent_added"] * 2


def test_the_export_is_rasa_nlu_yaml_that_loads(tracker, conversation, lead_id, tmp_path):
    record_id, (first, second) = conversation
    annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=first,
             correct_intent="report_spoiled")
    annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=second,
             correct_intent="request_return")
    with unit_of_work() as session:
        text = to_yaml(reviewed_examples(session))
    path = tmp_path / "reviewed.yml"
    path.write_text(text, encoding="utf-8")

    data = load_data(str(path))
    loaded = {(m.get("text"), m.get("intent")) for m in data.training_examples}
    assert ("我要退［这个］(product)", "request_return") in loaded
    assert len(loaded) == 2 and not data.entity_examples


def test_texts_already_in_training_data_are_left_out():
    known = training_examples(Path("data/nlu"))
    some_intent, texts = next((i, t) for i, t in known.items() if t)
    existing = sorted(texts)[0]
    text = to_yaml({some_intent: [existing, "全新的一句话"]}, known)
    assert existing not in text and "全新的一句话" in text


def test_removed_marks_are_not_exported(tracker, conversation, lead_id):
    record_id, (first, _) = conversation
    mark = annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=first,
                    correct_intent="report_spoiled")
    with unit_of_work() as session:
        annotations.remove(session, mark, lead_id, at())
    with unit_of_work() as session:
        assert reviewed_examples(session) == {}
        assert "nlu: []" in to_yaml(reviewed_examples(session))
        with pytest.raises(AnnotationNotFound):
            annotations.remove(session, mark, lead_id, at())


def test_tags_and_notes_on_a_conversation_and_on_a_message(tracker, conversation, lead_id):
    record_id, (first, _) = conversation
    annotate(tracker, record_id, lead_id, kind="tag", text="  识别错误 ")
    annotate(tracker, record_id, lead_id, kind="note", text="顾客其实是要退货", event_id=first)
    with unit_of_work() as session, tracker.connect() as connection:
        notes = transcript(session, connection, record_id)["annotations"]
    assert [(n["kind"], n["text"], n["event_id"]) for n in notes] == [
        ("tag", "识别错误", None), ("note", "顾客其实是要退货", first)]
    assert {note["author"] for note in notes} == {"客服主管老陈"}


@pytest.mark.parametrize("body, problem", [
    ({"kind": "tag", "text": ""}, "text"),
    ({"kind": "tag", "text": "长" * 31}, "text"),
    ({"kind": "praise", "text": "好"}, "kind"),
    ({"kind": "wrong_intent", "correct_intent": "report_spoiled"}, "message"),
    ({"kind": "wrong_intent", "event_id": 1, "correct_intent": "report_spoiled"}, "message"),
    ({"kind": "wrong_intent", "event_id": "x", "correct_intent": "report_spoiled"}, "message"),
    ({"kind": "wrong_intent", "event_id": None, "correct_intent": "hack"}, "message"),
])
def test_bad_annotations_are_refused_and_nothing_is_stored(tracker, conversation, lead_id,
                                                           body, problem):
    record_id, _ = conversation
    with pytest.raises(AnnotationInvalid) as refused:
        annotate(tracker, record_id, lead_id, **body)
    assert refused.value.problem == problem
    with unit_of_work() as session:
        assert reviewed_examples(session) == {}


def test_a_correction_to_an_unknown_or_the_same_intent_is_refused(tracker, conversation,
                                                                   lead_id):
    record_id, (first, _) = conversation
    for intent in ("hack", "greet"):
        with pytest.raises(AnnotationInvalid) as refused:
            annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=first,
                     correct_intent=intent)
        assert refused.value.problem == "intent"


def test_transcript_export_csv_and_jsonl_are_masked_and_audited(tracker, conversation):
    criteria = parse_filter({}, TODAY)
    with unit_of_work() as session, tracker.connect() as connection:
        as_csv = export.export(session, connection, criteria, export.ExportFormat.CSV,
                               "staff:9", at())
        as_jsonl = export.export(session, connection, criteria, export.ExportFormat.JSONL,
                                 "staff:9", at())
    rows = list(csv.DictReader(io.StringIO(as_csv.body.decode("utf-8-sig"))))
    assert [row["speaker"] for row in rows] == ["customer", "bot", "customer"]
    assert rows[0]["text"] == "草苺[捂脸]坏了 电话138****4571"
    [line] = as_jsonl.body.decode().splitlines()
    assert len(json.loads(line)["turns"]) == 3
    assert "13816624571" not in as_csv.body.decode() + as_jsonl.body.decode()
    with unit_of_work() as session:
        assert session.query(AuditEntry).filter_by(
            action="review.transcripts_exported").count() == 2


def test_formula_cells_are_neutralised():
    assert export.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert export.safe_cell("草莓") == "草莓"


def test_too_large_an_export_is_refused(tracker, conversation, monkeypatch):
    monkeypatch.setattr(export, "MAX_CONVERSATIONS", 0)
    with unit_of_work() as session, tracker.connect() as connection, \
            pytest.raises(ExportTooLarge):
        export.export(session, connection, parse_filter({}, TODAY),
                      export.ExportFormat.CSV, "staff:9", at())


def test_make_review_export_writes_the_marks_to_a_file(tracker, conversation, lead_id,
                                                       tmp_path, capsys):
    from bot.cli import main

    record_id, (first, _) = conversation
    annotate(tracker, record_id, lead_id, kind="wrong_intent", event_id=first,
             correct_intent="report_spoiled")
    out = tmp_path / "reviewed.yml"
    assert main(["review-export", "--out", str(out)]) == 0
    loaded = load_data(str(out)).training_examples
    assert [m.get("intent") for m in loaded] == ["report_spoiled"]
    assert "1 reviewed examples" in capsys.readouterr().err
