"""The running product's guards: Rasa's HTTP API needs the token, the REST webhook (as
credentials.yml mounts it) limits a sender and refuses oversized bodies before Rasa."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.servers import Product, running_product

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    # A sender may send 3 messages at once, then one every 20 s.
    with running_product(tmp_path_factory.mktemp("guarded"),
                         {"RATE_LIMIT_SENDER_BURST": "3",
                          "RATE_LIMIT_SENDER_PER_MINUTE": "3"}) as running:
        yield running


def _request(url: str, body: bytes | None = None, headers: dict | None = None
             ) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.parametrize(("path", "body"), [
    ("/status", None),
    ("/model/parse", {"text": "草莓烂了"}),
    ("/conversations/demo-1/tracker", None),
    ("/conversations/demo-1/tracker/events", {"event": "bot", "text": "伪造的客服消息"}),
])
def test_the_rasa_api_refuses_calls_without_the_right_token(guarded, path, body):
    data = None if body is None else json.dumps(body).encode()

    without = _request(guarded.rasa_url + path, data)
    wrong = _request(f"{guarded.rasa_url}{path}?token=not-the-token", data)

    assert without[0] == 401 and wrong[0] == 401
    events = guarded.api("/conversations/demo-1/tracker")["events"]
    assert not any(event.get("text") == "伪造的客服消息" for event in events)


def test_with_the_token_the_api_answers(guarded):
    assert guarded.api("/model/parse", {"text": "我的菜到了吗"})["intent"]["name"]


def test_a_sender_over_the_limit_gets_429_and_the_message_never_reaches_rasa(guarded):
    for n in range(3):
        assert guarded.say("demo-4", f"你好{n}" if n else "你好")

    status, headers, body = _request(guarded.rasa_url + "/webhooks/rest/webhook",
                                     json.dumps({"sender": "demo-4", "message": "第四条消息"}).encode())

    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert "请" in json.loads(body)["message"]
    texts = [e.get("text") for e in guarded.api("/conversations/demo-4/tracker")["events"]]
    assert "第四条消息" not in texts and "你好" in texts
    assert guarded.say("demo-5", "你好")  # another customer is not held back


def test_an_oversized_body_is_refused_and_never_reaches_rasa(guarded):
    message = "烂" * (64 * 1024)
    status, _, body = _request(guarded.rasa_url + "/webhooks/rest/webhook",
                               json.dumps({"sender": "demo-3", "message": message}).encode())

    assert status == 413 and json.loads(body)["error"] == "too_large"
    events = guarded.api("/conversations/demo-3/tracker")["events"]
    assert not any(event.get("event") == "user" for event in events)
