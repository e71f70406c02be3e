"""Forwarded and pasted WeChat group chat split into messages (bot/leaders/group_chat.py):
times, raw lines, mentions, emoticons, photos, whitespace and long pastes."""
from __future__ import annotations

import dataclasses

import pytest

from bot.leaders.group_chat import GroupMessage, split_messages

SP = "\u2005"  # WeChat puts a four-per-em space after an @mention


def test_header_times_and_raw_lines() -> None:
    text = (
        "群聊的聊天记录\n—————  2026-11-21  —————\n"
        "张阿姨 10:32\n团长，草莓烂了两盒[捂脸]\n"
        "王姐 2026/11/21 10:35:40\n我的也是\n"
        "李叔 昨天 21:05\n鸡蛋碎了"
    )
    messages = split_messages(text)
    assert [m.time for m in messages] == ["10:32", "2026/11/21 10:35:40", "昨天 21:05"]
    assert messages[0].raw == "张阿姨 10:32\n团长，草莓烂了两盒[捂脸]"
    assert messages[0].emoticons == ("[捂脸]",)


def test_speaker_lines_have_no_time_and_keep_raw_as_pasted() -> None:
    text = "李阿姨🌸：[发怒]西瓜是坏的😡\n还有一个也是"
    [message] = split_messages(text)
    assert message.time is None
    assert message.raw == text
    assert message.emoticons == ("[发怒]",)


def test_mentions_are_recorded_in_order_without_repeats() -> None:
    text = f"王姐：@阿芳团长{SP}@张阿姨{SP}我的也是 @阿芳团长{SP}\n李叔：@团长草莓坏了"
    first, second = split_messages(text)
    assert first.mentions == ("阿芳团长", "张阿姨")
    assert first.text == "我的也是"
    assert second.mentions == ("团长",)


def test_mention_typed_without_space_is_cut_at_a_known_nickname() -> None:
    [message] = split_messages("@张阿姨你的草莓我看了", known_speakers=["张阿姨"])
    assert message.mentions == ("张阿姨",)
    assert message.text == "你的草莓我看了"


def test_mention_with_spaces_in_nickname_ends_at_wechats_space() -> None:
    [message] = split_messages(f"@Amy 小区团购{SP}你的牛奶我换好了")
    assert message.mentions == ("Amy 小区团购",)
    assert message.text == "你的牛奶我换好了"


def test_email_is_not_a_mention() -> None:
    [message] = split_messages("发票寄到 zhang@qq.com 谢谢")
    assert message.mentions == ()
    assert message.text == "发票寄到 zhang@qq.com 谢谢"


def test_photo_flags_and_merged_raw() -> None:
    text = "张阿姨：草莓烂了两盒\n王姐：收到\n张阿姨：[图片]\n李叔：[图片]\n李叔：西瓜是生的"
    zhang, wang, li = split_messages(text)
    assert zhang.has_photo and not wang.has_photo and li.has_photo
    assert zhang.raw == "张阿姨：草莓烂了两盒\n张阿姨：[图片]"
    assert li.raw == "李叔：[图片]\n李叔：西瓜是生的"


def test_photo_in_merged_forward_joins_the_senders_earlier_message() -> None:
    text = "张阿姨 昨天 21:05\n鸡蛋碎了四个\n阿芳团长 昨天 21:10\n好的\n张阿姨 08:02\n[图片]"
    zhang, leader = split_messages(text)
    assert zhang.has_photo and zhang.time == "昨天 21:05"
    assert not leader.has_photo


def test_photo_alone_without_speaker() -> None:
    [message] = split_messages("[图片]")
    assert message == GroupMessage(speaker=None, text="", raw="[图片]", has_photo=True)


def test_whitespace_is_normalised_inside_lines() -> None:
    [message] = split_messages("张阿姨：草莓   烂了\u3000两盒\t ")
    assert message.text == "草莓 烂了 两盒"


def test_windows_line_endings() -> None:
    messages = split_messages("张阿姨：草莓烂了\r\n王姐：葡萄少了\r\n")
    assert [(m.speaker, m.text) for m in messages] == [("张阿姨", "草莓烂了"), ("王姐", "葡萄少了")]


def test_five_thousand_character_block() -> None:
    line_pairs = [
        f"{i}栋王姐：团长，今天的草莓第{i}盒又烂了，打开全是白毛，太过分了[捂脸]\n[图片]"
        for i in range(1, 120)
    ]
    text = "\n".join(line_pairs)
    assert len(text) >= 5000
    messages = split_messages(text)
    assert len(messages) == 119
    assert messages[-1].speaker == "119栋王姐"
    assert messages[-1].text == "团长，今天的草莓第119盒又烂了，打开全是白毛，太过分了"
    assert all(m.has_photo for m in messages)


def test_five_thousand_character_single_line() -> None:
    text = "草莓烂了，" * 1000
    [message] = split_messages(text)
    assert message.speaker is None
    assert message.text == text


def test_messages_are_frozen() -> None:
    [message] = split_messages("张阿姨：草莓烂了")
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.text = "别的"  # type: ignore[misc]
