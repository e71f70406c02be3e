"""``make shell``: chat with the running assistant over its REST channel."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from bot.settings import get_settings


def send(url: str, sender: str, text: str, timeout: float = 30) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode())


def render(message: dict) -> str:
    lines = [message.get("text") or ""]
    if message.get("image"):
        lines.append(f"[图片] {message['image']}")
    return "\n".join(line for line in lines if line)


def chat(sender: str) -> int:
    """Reads lines from the terminal and prints the assistant's replies."""
    url = f"http://localhost:{get_settings().rasa_port}/webhooks/rest/webhook"
    print(f"以 {sender} 的身份聊天（发图片：粘贴图片网址）。Ctrl-D 退出。")
    while True:
        try:
            text = input("您：")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        try:
            replies = send(url, sender, text)
        except (urllib.error.URLError, OSError) as error:
            print(f"连不上助手（{error}）。先运行 `make run`。")
            continue
        for reply in replies:
            print("助手：" + render(reply))
