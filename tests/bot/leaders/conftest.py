"""Fixtures the leaders' tests share: a clock just after seeding, a session to look in,
the default policy, a small real NLU, and 刘芳 (leader of 阳光花园) reading forwards."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.leaders.forward_items import Classify, Reading
from bot.leaders.forward_reading import read_forward
from bot.policy import Policy, load_policy
from tests.bot.leaders.forward_chat import leader_of


@pytest.fixture
def now(app_db) -> datetime:
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)


@pytest.fixture
def session(app_db):
    with app_db.session() as session:
        yield session


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="session")
def classify() -> Classify:
    """The project's intent and anger models trained on its own training data (``data/``),
    character n-grams up to two so that it trains in seconds; reads messages the way the
    Rasa action reads the NLU's parse. Trained once for all the tests that read forwards."""
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
def liu(session) -> int:
    """刘芳, leader of 阳光花园 (PP01)."""
    return leader_of(session, "PP01")


@pytest.fixture
def read(session, now, policy, classify, liu):
    """Reads forwarded chat as 刘芳 (or ``leader``) in her conversation ``leader-liu``."""
    def read(text: str, leader: int | None = None, conversation: str = "leader-liu"):
        return read_forward(session, leader or liu, conversation, text, now, policy, classify)
    return read
