"""The WeChat webhook on its own: ``python -m channels.wechat.gateway --port N``.

It checks each POST, accepts it into the inbox and answers ``success`` — no model, no
conversation, so WeChat is answered in milliseconds however busy the Rasa replicas are
(a Rasa process runs its model on the event loop that would otherwise answer WeChat).
The replicas' inbox workers handle what it accepted (they look every
``INBOX_POLL_SECONDS``) and send the replies. The production profile runs it behind
nginx at ``/webhooks/wechat/``; the same routes, limits and answers as the channel in
Rasa (``WeChatInput``), plus ``GET /health``.
"""
from __future__ import annotations

import argparse
import logging
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings
from channels.wechat.channel import WeChatInput

PATH = "/webhooks/wechat"


def create_app(channel: WeChatInput | None = None, name: str = "wechat_gateway") -> Sanic:
    """The gateway's Sanic app around ``channel`` (by default configured from the
    environment, as in Rasa, but accepting only)."""
    channel = channel or WeChatInput(get_settings().wechat, handles_messages=False)
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1024 * 1024

    async def not_handled(_message: object) -> None:
        raise RuntimeError("the gateway does not handle messages")  # never called

    app.blueprint(channel.blueprint(not_handled), url_prefix=PATH)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok",
                              "wechat": "configured" if channel.webhook else "off"})

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.wechat.gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                                                   "%(message)s")
    create_app().run(host=args.host, port=args.port, access_log=False,
                     motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
