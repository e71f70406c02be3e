"""What `make run` starts and with which settings."""
from __future__ import annotations

from pathlib import Path

from bot.launcher import process_commands
from bot.prod.rasa_config import api_token
from bot.settings import load_settings


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
