"""Play a WeChat user against the running assistant, in the terminal.

The simulator does what WeChat's servers do: it builds the message XML, signs it with
the token (and with ``--aes`` encrypts it, safe mode) and posts it to
``/webhooks/wechat/``. The assistant answers through the customer-service API; the
simulator starts a fake of that API on ``127.0.0.1:8780`` and prints what arrives.

Start the product pointed at the simulator's fake API (terminal 1)::

    WECHAT_TOKEN=sim-token WECHAT_APP_ID=wx-simulator WECHAT_APP_SECRET=sim-secret \\
    WECHAT_AES_KEY=c2hlcXUtYWZ0ZXJzYWxlcy13ZWNoYXQtc2ltLWtleSE \\
    WECHAT_API_BASE_URL=http://127.0.0.1:8780 make run

Then chat (terminal 2); ``--bind demo-1`` binds the openid to demo customer demo-1
first (a shortcut writing to the local database, for trying the return journey)::

    .venv/bin/python -m channels.wechat_sim --url http://localhost:5005 \\
        --openid sim-user-1 --bind demo-1 [--aes]

Type a line to send it as text; ``/photo path/to.jpg`` sends a local picture (served
by the fake media API, like a ``MediaId``); ``/subscribe`` follows the account;
``/quit`` ends. Lines can also be piped in (``printf '草莓烂了\\n1盒\\n' | ...``).
The simulator takes WECHAT_* values from its environment when they are set,
otherwise the values above.
"""
from __future__ import annotations

import argparse
import base64
import itertools
import mimetypes
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import xmltodict

from bot.settings import WeChatSettings, load_settings
from channels.wechat.fake_api import FakeWeChatAPI
from channels.wechat.security import encrypt, sign

API_PORT = 8780
# Demo values anyone may know (used when WECHAT_* is not set); the AES key is a
# 43-character base64 EncodingAESKey, as WeChat issues them.
DEMO_AES_KEY = base64.b64encode(b"shequ-aftersales-wechat-sim-key!").decode().rstrip("=")
DEMO = WeChatSettings(token="sim-token", app_id="wx-simulator", app_secret="sim-secret",
                      aes_key=DEMO_AES_KEY, api_base_url=f"http://127.0.0.1:{API_PORT}")
_MSG_IDS = itertools.count(int(time.time() * 1000) * 1000)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class WeChatUser:
    """One WeChat user as WeChat's servers present them to the webhook."""

    def __init__(self, webhook_url: str, openid: str, settings: WeChatSettings,
                 encrypted: bool = False, account: str = "gh_simulator") -> None:
        self.webhook_url = webhook_url
        self.openid = openid
        self.settings = settings
        self.encrypted = encrypted
        self.account = account

    def xml(self, msg_type: str, *, msg_id: int | None = None, create_time: int | None = None,
            **fields: Any) -> str:
        """The message XML; events (``msg_type="event"``) carry no ``MsgId``."""
        parts = {"ToUserName": self.account, "FromUserName": self.openid,
                 "CreateTime": create_time or int(time.time()), "MsgType": msg_type, **fields}
        if msg_type != "event":
            parts["MsgId"] = msg_id if msg_id is not None else next(_MSG_IDS)
        body = "".join(f"<{k}>{v if isinstance(v, int) else _cdata(str(v))}</{k}>"
                       for k, v in parts.items())
        return f"<xml>{body}</xml>"

    def signed(self, xml: str | bytes, *, nonce: str | None = None,
               timestamp: str | None = None) -> tuple[dict[str, str], bytes]:
        """The query parameters and body WeChat would post for ``xml``."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(random.randrange(10**9, 10**10))
        token = self.settings.token
        query = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce, "openid": self.openid}
        if not self.encrypted:
            return query, xml.encode("utf-8") if isinstance(xml, str) else xml
        envelope = encrypt(self.settings, xml if isinstance(xml, str) else xml.decode(),
                           nonce, timestamp)
        query.update(encrypt_type="aes",
                     msg_signature=xmltodict.parse(envelope)["xml"]["MsgSignature"])
        return query, envelope.encode("utf-8")

    def post(self, xml: str | bytes, **signing: str) -> tuple[int, str]:
        """Posts ``xml`` signed (and encrypted); returns the HTTP status and body."""
        query, body = self.signed(xml, **signing)
        return self.call("POST", query, body)

    def verify(self, echostr: str = "hello-wechat") -> tuple[int, str]:
        """WeChat's server verification (GET with ``echostr``)."""
        timestamp, nonce = str(int(time.time())), str(random.randrange(10**9, 10**10))
        query = {"signature": sign(self.settings.token, timestamp, nonce),
                 "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
        return self.call("GET", query, None)

    def send_text(self, content: str, msg_id: int | None = None) -> tuple[int, str]:
        return self.post(self.xml("text", Content=content, msg_id=msg_id))

    def send_image(self, media_id: str, pic_url: str = "", msg_id: int | None = None
                   ) -> tuple[int, str]:
        return self.post(self.xml("image", PicUrl=pic_url, MediaId=media_id, msg_id=msg_id))

    def send_event(self, event: str, create_time: int | None = None) -> tuple[int, str]:
        return self.post(self.xml("event", Event=event, create_time=create_time))

    def call(self, method: str, query: dict[str, str], body: bytes | None) -> tuple[int, str]:
        """One request to the webhook as given (e.g. a captured one, replayed)."""
        url = f"{self.webhook_url}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={"Content-Type": "text/xml; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def bind(openid: str, demo_sender: str) -> None:
    """Binds ``openid`` to the customer behind REST sender ``demo_sender`` (demo only)."""
    from sqlalchemy import select

    from bot.db import ChannelIdentity
    from bot.db.session import unit_of_work

    with unit_of_work() as session:
        rest = session.scalars(select(ChannelIdentity).where(
            ChannelIdentity.channel == "rest", ChannelIdentity.external_id == demo_sender)).first()
        if rest is None:
            raise SystemExit(f"no demo customer with REST sender id {demo_sender!r}")
        exists = session.scalars(select(ChannelIdentity).where(
            ChannelIdentity.channel == "wechat", ChannelIdentity.external_id == openid)).first()
        if exists is None:
            session.add(ChannelIdentity(channel="wechat", external_id=openid,
                                        customer_id=rest.customer_id))
    print(f"[openid {openid} is bound to the customer of {demo_sender}]")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m channels.wechat_sim",
                                     description="Chat with the assistant as a WeChat user.")
    parser.add_argument("--url", default="http://localhost:5005", help="the Rasa server")
    parser.add_argument("--openid", default="sim-user-1")
    parser.add_argument("--aes", action="store_true", help="safe mode: encrypt messages")
    parser.add_argument("--api-port", type=int, default=API_PORT,
                        help="port of the fake WeChat API (WECHAT_API_BASE_URL of the product)")
    parser.add_argument("--bind", metavar="DEMO_SENDER", help="bind the openid first, e.g. demo-1")
    parser.add_argument("--wait", type=float, default=5.0,
                        help="seconds to wait for replies after the last line")
    return parser.parse_args(argv)


def _send_line(user: WeChatUser, api: FakeWeChatAPI, line: str) -> tuple[int, str] | None:
    if line.startswith("/photo"):
        path = Path(line[len("/photo"):].strip()).expanduser()
        if not path.is_file():
            print(f"[no such file: {path}]")
            return None
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        media_id = api.add_media(path.read_bytes(), content_type)
        return user.send_image(media_id, api.media_url(media_id))
    if line == "/subscribe":
        return user.send_event("subscribe")
    return user.send_text(line)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    settings = load_settings().wechat or DEMO
    if args.aes and not settings.aes_key:
        raise SystemExit("--aes needs WECHAT_AES_KEY")
    openid = args.openid

    def show(message: dict[str, Any]) -> None:
        if message.get("touser") == openid:
            print(f"\n机器人> {message.get('text', {}).get('content', message)}", flush=True)

    api = FakeWeChatAPI(settings.app_id, settings.app_secret, port=args.api_port,
                        on_message=show)
    user = WeChatUser(f"{args.url.rstrip('/')}/webhooks/wechat/", openid, settings, args.aes)
    print(f"[fake WeChat API on {api.url}; webhook {user.webhook_url}; "
          f"{'safe (AES)' if args.aes else 'plaintext'} mode]")
    if args.bind:
        bind(openid, args.bind)
    interactive = sys.stdin.isatty()
    try:
        while True:
            try:
                line = (input("你> ") if interactive else sys.stdin.readline() or None)
            except EOFError:
                line = None
            if line is None or line.strip() == "/quit":
                break
            if line.strip():
                result = _send_line(user, api, line.strip())
                if result and result[0] != 200:
                    print(f"[webhook answered {result[0]}: {result[1]}]")
        time.sleep(args.wait)
    except KeyboardInterrupt:
        pass
    finally:
        api.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
