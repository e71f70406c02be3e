"""What `make run` starts and with which settings."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.launcher import api_token, process_commands, write_endpoints
from bot.settings import load_settings


def test_rasa_is_told_where_the_action_server_is(tmp_path):
    settings = load_settings({"ACTIONS_PORT": "6055"})

    path = write_endpoints(settings, tmp_path)

    endpoints = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert endpoints["tracker_store"]["type"] == "bot.tracker_store.ResilientSQLTrackerStore"


def test_both_servers_start_on_the_configured_ports_with_the_api_enabled():
    settings = load_settings({"RASA_PORT": "7005", "ACTIONS_PORT": "7055"})

    commands = process_commands(settings, Path("models/m.tar.gz"), Path("endpoints.yml"), "t0k")

    assert commands["actions"][-2:] == ["--port", "7055"]
    assert "--enable-api" in commands["rasa"]
    assert commands["rasa"][commands["rasa"].index("--port") + 1] == "7005"


def test_the_rasa_api_is_protected_by_the_configured_token_or_a_fresh_one():
    configured = load_settings({"RASA_API_TOKEN": "from-env"})
    unset = load_settings({})

    commands = process_commands(configured, Path("m.tar.gz"), Path("e.yml"), api_token(configured))

    assert "--auth-token=from-env" in commands["rasa"]
    assert len(api_token(unset)) >= 24 and api_token(unset) != api_token(unset)
