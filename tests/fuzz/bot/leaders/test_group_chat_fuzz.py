"""Fuzzing the forwarded-complaint parser (``bot.leaders.group_chat``): whatever a leader
pastes becomes a list of messages, never an exception or a hang, and nothing in a message
is invented — every line comes from the paste, every word from its own lines."""
from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from bot.leaders.chat_lines import classify_line
from bot.leaders.chatter import is_chatter
from bot.leaders.group_chat import GroupMessage, split_messages
from bot.leaders.nicknames import normalise_nickname
from tests.fuzz.budget import FUZZ

pytestmark = pytest.mark.fuzz

_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")

# The shapes leaders paste (see the module docstring), in pieces hypothesis recombines.
_NICKNAMES = st.sampled_from(["张阿姨", "小李", "李阿姨🌸", "3栋王姐", "Amy", "团长", "晴天", "老王",
                              "我买的草莓", "电话", "🍓宝妈", "小雨", "A" * 17, "老"])
_TIMES = st.sampled_from(["10:32", "昨天 10:32", "2026/11/21 10:32", "下午 3:05", "星期一 08:00"])
_CONTENT = st.sampled_from([
    "草莓坏了两盒", "收到", "谢谢团长[玫瑰]", "+1", "[图片]", "[捂脸][捂脸]", "@团长\u2005我的菜没到",
    "@团长我的菜没到", "1. 张三 草莓2", "大家好", "基围虾不新鲜，要退", "😡😡😡", "[语音]", "尾号1234",
    "2 改 3盒", "“张阿姨”撤回了一条消息", "—————  2026-11-21  —————", "群聊的聊天记录", "好的",
    "我明天来拿 10:30", "你已添加了小李，现在可以开始聊天了。", "[动画表情]", "",
])
_SEPARATORS = st.sampled_from(["：", ":", " ", "", "：\n", "\n"])
_NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\n\n"])


@st.composite
def _chat_lines(draw) -> str:
    kind = draw(st.sampled_from(["colon", "header", "text", "noise"]))
    if kind == "colon":
        return draw(_NICKNAMES) + draw(_SEPARATORS) + draw(_CONTENT)
    if kind == "header":
        return f"{draw(_NICKNAMES)} {draw(_TIMES)}"
    if kind == "text":
        return draw(_CONTENT)
    return draw(st.text(max_size=40))


_CHAT = st.builds(lambda lines, newline: newline.join(lines),
                  st.lists(_chat_lines(), max_size=30), _NEWLINES)
_PASTE = st.one_of(_CHAT, st.text(max_size=2000),
                   st.builds(lambda a, b: a + b, _CHAT, st.text(max_size=200)))
_KNOWN = st.lists(st.one_of(_NICKNAMES, st.text(max_size=12)), max_size=6)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").split("\n")


@FUZZ
@given(text=_PASTE, known=_KNOWN)
@example(text="小雨：草莓坏了\n晴天：葡萄也坏了", known=[])
@example(text="张阿姨 10:32\n[图片]\n张阿姨 10:33\n草莓烂了", known=["张阿姨"])
@example(text="@" + "团" * 5000, known=[])
@example(text=("a:" * 3000) + "\n" + ("昨天 " * 2000), known=[])
def test_any_paste_is_a_list_of_messages_made_only_of_the_paste(text, known):
    messages = split_messages(text, known)

    assert isinstance(messages, list)
    pasted = set(_lines(text))
    for message in messages:
        assert isinstance(message, GroupMessage)
        raw_lines = message.raw.split("\n")
        assert set(raw_lines) <= pasted  # lines are the leader's, in full
        source = _INVISIBLE.sub("", message.raw)
        for word in message.text.split():
            assert word in source  # the text only drops things, never adds
        for code in message.emoticons:
            assert code in source
        for mention in message.mentions:
            assert mention in source
        if message.speaker is not None:
            assert " ".join(message.speaker.split()) == message.speaker
            assert all(word in source for word in message.speaker.split())
        assert message.text == message.text.strip()
        assert isinstance(is_chatter(message), bool)


@FUZZ
@given(text=_PASTE, known=_KNOWN)
def test_the_same_paste_gives_the_same_messages(text, known):
    assert split_messages(text, known) == split_messages(text, known)
    assert split_messages(text, known) == split_messages(text, list(reversed(known)))


@FUZZ
@given(text=_PASTE, known=_KNOWN)
def test_reading_the_kept_lines_again_finds_the_same_messages(text, known):
    """Idempotent: the messages depend only on the lines they were made of. Pasting back
    the lines the parser kept gives the same messages — whenever it kept every line that
    carries content (a message left without text, like a lone ``张阿姨：[语音]``, is dropped,
    and the block's shape without it may differ)."""
    first = split_messages(text, known)
    kept = [line for message in first for line in message.raw.split("\n")]
    content = [line for line in _lines(text) if classify_line(line) is not None]
    assume(sorted(kept) == sorted(content))

    again = split_messages("\n".join(message.raw for message in first), known)

    assert again == first


@FUZZ
@given(name=st.text(max_size=60))
def test_nickname_keys_are_total_and_stable(name):
    key = normalise_nickname(name)

    assert isinstance(key, str) and key == key.strip() and " " not in key
    assert normalise_nickname(key) == key
