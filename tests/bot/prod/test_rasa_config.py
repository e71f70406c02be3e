"""The endpoints file Rasa is started with."""
from __future__ import annotations

import yaml

from bot.prod.rasa_config import write_endpoints
from bot.settings import load_settings


def test_rasa_is_told_where_the_action_server_is(tmp_path):
    settings = load_settings({"ACTIONS_PORT": "6055"})

    path = write_endpoints(settings, tmp_path)

    endpoints = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert endpoints["tracker_store"]["type"] == "bot.tracker_store.ResilientSQLTrackerStore"
