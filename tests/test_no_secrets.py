"""No secret is committed: every tracked file is scanned for secret settings with values,
private keys, bot tokens, cloud keys and passwords in URLs. Secrets come only from the
environment (``bot/settings.py``); the only values allowed are the tests' and the
simulator's obviously fake ones, listed below."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.settings import ROOT

# Settings that hold secrets, and any name that says it is one.
_SECRET_NAME = (r"(?:WECHAT_APP_SECRET|WECHAT_TOKEN|WECHAT_AES_KEY|WECHAT_PAY_API_KEY"
                r"|TELEGRAM_BOT_TOKEN|TELEGRAM_SECRET_TOKEN|CONSOLE_SECRET|RASA_API_TOKEN"
                r"|[A-Z][A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|AUTH_TOKEN))")
# NAME=value (shell, .env, Makefile), NAME: value (YAML), "NAME": "value" (Python dicts).
_ASSIGNED = re.compile(rf"\b({_SECRET_NAME})[\"']?[ \t]*[=:][ \t]*([\"']?)([^\s\"'`,;)}}\]]+)")
_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "Telegram bot token": re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^@\s/'\"]+)@"),
    "WeChat secret (32 hex)": re.compile(
        r"(?i)(?:secret|appsecret|api_key|apikey)[\"']?\s*[=:]\s*[\"']?[0-9a-f]{32}\b"),
}

# Obviously fake values used by tests, the simulator and the README's examples.
_FAKE_VALUES = {
    "sim-token", "sim-secret",
    # the simulator's EncodingAESKey: base64 of "shequ-aftersales-wechat-sim-key!"
    "c2hlcXUtYWZ0ZXJzYWxlcy13ZWNoYXQtc2ltLWtleSE",
    "test-secret", "test-token", "from-env",
}
# Values that say they are fake, and values too short to be any real key or token.
_SAYS_FAKE = re.compile(r"test|e2e|fake|dummy|example|sample|demo", re.IGNORECASE)
_MIN_SECRET_CHARS = 8
# Values that are not values: references to the environment, placeholders, code.
_PLACEHOLDER = re.compile(r"^(?:\$|<|\{|%|\.\.\.|…|xxx|change-?me|\*+$|none$|null$|true$|false$"
                          r"|os\.|env|get_settings|settings\.|secrets\.|_)", re.IGNORECASE)
_URL_PASSWORD_PLACEHOLDERS = {"password", "pass", "secret", "guest", "postgres", "PASSWORD",
                              "***", "…"}
_SKIPPED = ("tests/test_no_secrets.py",)  # this file names the patterns it looks for


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"git ls-files failed ({error}); the scan needs the repository")
    return [ROOT / name for name in out.decode().split("\0") if name and name not in _SKIPPED]


def _text(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None  # deleted in the working tree
    if b"\0" in raw[:8192] or len(raw) > 5 * 1024 * 1024:
        return None  # binary (images, models) or data too large to be configuration
    return raw.decode("utf-8", "replace")


def _is_code_reference(value: str, quoted: str, path: Path) -> bool:
    """An unquoted Python name on the right of ``=`` is a variable, not a value."""
    return (path.suffix == ".py" and not quoted
            and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*(?:\(.*)?", value) is not None)


def findings(files: list[Path]) -> list[str]:
    """Every suspicious line, as ``path:line: what``."""
    found = []
    for path in files:
        text = _text(path)
        if text is None:
            continue
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for number, line in enumerate(text.splitlines(), 1):
            for match in _ASSIGNED.finditer(line):
                setting, quoted, value = match.groups()
                if line[:match.start()].endswith(("${", "$")):
                    continue  # ${NAME:-default}: a reference to the environment
                if (value in _FAKE_VALUES or _PLACEHOLDER.match(value)
                        or len(value) < _MIN_SECRET_CHARS or _SAYS_FAKE.search(value)
                        or _is_code_reference(value, quoted, path)):
                    continue
                found.append(f"{name}:{number}: {setting} has a value")
            for what, pattern in _PATTERNS.items():
                for match in pattern.finditer(line):
                    if what == "password in a URL" and _fake_url_password(match):
                        continue
                    if what == "Telegram bot token" and _is_fake_bot_token(match.group(0)):
                        continue
                    found.append(f"{name}:{number}: {what}")
    return found


def _fake_url_password(match: re.Match[str]) -> bool:
    password = match.group(1)
    return ("${" in match.group(0) or password in _URL_PASSWORD_PLACEHOLDERS
            or _PLACEHOLDER.match(password) is not None or len(password) < _MIN_SECRET_CHARS
            or _SAYS_FAKE.search(password) is not None)


def _is_fake_bot_token(token: str) -> bool:
    return "TEST" in token.upper() or "FAKE" in token.upper()


def test_no_tracked_file_holds_a_secret():
    files = _tracked_files()

    assert len(files) > 50  # the scan really looked at the repository
    assert findings(files) == []


@pytest.mark.parametrize("line", [
    "WECHAT_APP_SECRET=8f3a9c0b2d1e4f5a6b7c8d9e0f1a2b3c",
    'TELEGRAM_BOT_TOKEN: "7012345678:AAH3kq9ZyX-abcdefghijklmnopqrstuvwx"',
    '    "CONSOLE_SECRET": "s3cr3t-production-value",',
    "DATABASE_URL=postgresql://shop:Tr0ub4dor@db.internal/shop",
    "-----BEGIN RSA PRIVATE KEY-----",
    "aws_key = 'AKIAIOSFODNN7EXAMPL3'",
])
def test_the_scan_finds_real_looking_secrets(tmp_path, line):
    leaked = tmp_path / "leak.env"
    leaked.write_text(f"# config\n{line}\n", encoding="utf-8")

    assert len(findings([leaked])) >= 1


@pytest.mark.parametrize("line", [
    "WECHAT_TOKEN=sim-token WECHAT_APP_SECRET=sim-secret make run",
    "RASA_API_TOKEN=$(cat var/run/api-token)",
    '{"CONSOLE_SECRET": "console-e2e-secret-0123456789abcdef"}',
    'load_settings({"WECHAT_TOKEN": "t", "WECHAT_APP_SECRET": "s"})',
    'console_secret=env.get("CONSOLE_SECRET") or _PROCESS_CONSOLE_SECRET,',
    "TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres",
    "| `WECHAT_AES_KEY` | unset (plaintext mode) | safe (AES) mode |",
    "DATABASE_URL: postgresql://postgres:${POSTGRES_PASSWORD:-aftersales}@postgres/bot",
    "  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-aftersales}",
    "EVENT_BROKER_URL: amqp://aftersales:CHANGE-ME@rabbitmq:5672/",
    "  CONSOLE_SECRET: CHANGE-ME-32-random-characters",
])
def test_references_and_fake_values_are_not_findings(tmp_path, line):
    fine = tmp_path / "fine.md"
    fine.write_text(line + "\n", encoding="utf-8")

    assert findings([fine]) == []


def test_the_api_token_file_make_run_writes_is_never_tracked():
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/run/api-token"], cwd=ROOT)
    assert ignored.returncode == 0
