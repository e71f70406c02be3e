"""Configuration from the environment."""
from __future__ import annotations

from bot.settings import ROOT, load_settings


def test_defaults_are_the_embedded_single_machine_setup():
    settings = load_settings({})

    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'bot.db'}"
    assert settings.tracker_store_url == settings.database_url
    assert (settings.rasa_port, settings.actions_port) == (5005, 5055)
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert settings.redis_url is None


def test_relative_sqlite_paths_are_relative_to_the_repository():
    settings = load_settings({"DATABASE_URL": "sqlite:///var/other.db", "ACTIONS_PORT": "6000"})

    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'other.db'}"
    assert settings.action_endpoint_url == "http://127.0.0.1:6000/webhook"


def test_a_separate_tracker_store_and_postgres_are_taken_as_given():
    settings = load_settings({"DATABASE_URL": "postgresql://u@db/shop",
                              "TRACKER_STORE_URL": "postgresql://u@db/rasa"})

    assert settings.database_url == "postgresql://u@db/shop"
    assert settings.tracker_store_url == "postgresql://u@db/rasa"


def test_channels_are_off_until_configured():
    settings = load_settings({})

    assert settings.wechat is None and settings.telegram is None


def test_wechat_settings_with_a_local_api_for_tests_and_simulators():
    settings = load_settings({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s",
                              "WECHAT_API_BASE_URL": "http://127.0.0.1:9000/"})

    assert settings.wechat.api_base_url == "http://127.0.0.1:9000"
    assert settings.wechat.aes_key is None


def test_the_lock_store_waits_15_seconds_for_redis_unless_configured():
    assert load_settings({}).redis_retry_seconds == 15.0
    assert load_settings({"REDIS_RETRY_SECONDS": "2.5"}).redis_retry_seconds == 2.5
    assert load_settings({"REDIS_RETRY_SECONDS": "-1"}).redis_retry_seconds == 0.0
