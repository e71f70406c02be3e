"""Which lines of pasted WeChat group chat start a message: speaker lines, header lines
and single messages (bot/leaders/chat_lines.py, through ``split_messages``).

The blocks are written the way a leader (团长) actually pastes them: copied speaker
lines, WeChat's merged forward (群聊的聊天记录), single messages, with the group's
chatter, system lines, emoticon codes and photo placeholders left in.
"""
from __future__ import annotations

import pytest

from bot.leaders.group_chat import split_messages

SP = "\u2005"  # WeChat puts a four-per-em space after an @mention

# (id, pasted text, known speakers, expected [(speaker, text), ...])
BLOCKS: list[tuple[str, str, tuple[str, ...], list[tuple[str | None, str]]]] = [
    (
        "speaker lines, full-width colon",
        "张阿姨：团长，今天的草莓好几盒都发霉了\n"
        "3栋王姐：我家的也是，一盒里烂了一半\n"
        "李叔：我的葡萄少了一串",
        (),
        [
            ("张阿姨", "团长，今天的草莓好几盒都发霉了"),
            ("3栋王姐", "我家的也是，一盒里烂了一半"),
            ("李叔", "我的葡萄少了一串"),
        ],
    ),
    (
        "speaker lines, half-width colon, emoji and spaces in nicknames",
        "李阿姨🌸:西瓜是生的，根本没法吃\nAmy 小区团购:牛奶漏了一袋，袋子都是黏的",
        (),
        [("李阿姨🌸", "西瓜是生的，根本没法吃"), ("Amy 小区团购", "牛奶漏了一袋，袋子都是黏的")],
    ),
    (
        "spaces around the colon",
        "王姐 ： 鸡蛋碎了3个\n老王: 我的也碎了",
        (),
        [("王姐", "鸡蛋碎了3个"), ("老王", "我的也碎了")],
    ),
    (
        "merged forward with title, date rule and emoticons",
        "群聊的聊天记录\n"
        "—————  2026-11-21  —————\n"
        "张阿姨 10:32\n"
        "团长，草莓烂了两盒[捂脸]\n"
        "3栋王姐 10:33\n"
        "收到[强]\n"
        "李阿姨🌸 10:41\n"
        "我的葡萄也有几颗烂的\n"
        "还有一盒蓝莓是空的",
        (),
        [
            ("张阿姨", "团长，草莓烂了两盒"),
            ("3栋王姐", "收到"),
            ("李阿姨🌸", "我的葡萄也有几颗烂的\n还有一盒蓝莓是空的"),
        ],
    ),
    (
        "merged forward with full dates and seconds",
        "张阿姨 2026/11/21 10:32:05\n草莓发霉了\n王姐 2026/11/21 10:35:40\n我的也是，长白毛了",
        (),
        [("张阿姨", "草莓发霉了"), ("王姐", "我的也是，长白毛了")],
    ),
    (
        "private merged forward, 昨天 headers, leader answering, photo next morning",
        "张阿姨和阿芳团长的聊天记录\n"
        "张阿姨 昨天 21:05\n"
        "昨天的鸡蛋碎了四个\n"
        "阿芳团长 昨天 21:10\n"
        "@张阿姨 好的，我明天看一下\n"
        "张阿姨 08:02\n"
        "[图片]",
        (),
        [("张阿姨", "昨天的鸡蛋碎了四个"), ("阿芳团长", "好的，我明天看一下")],
    ),
    (
        "merged forward: colons inside content stay text",
        "Amy 小区团购 10:35\n我买的草莓:两盒都坏了\n张阿姨 10:36\n橙子：3个都是干的",
        (),
        [("Amy 小区团购", "我买的草莓:两盒都坏了"), ("张阿姨", "橙子：3个都是干的")],
    ),
    (
        "merged forward: nicknames with spaces, digits, 下午 times",
        "Amy 小区团购 下午 3:05\n牛奶过期了\n2单元 李姐 15:07\n我的也过期了，日期是上个月的",
        (),
        [("Amy 小区团购", "牛奶过期了"), ("2单元 李姐", "我的也过期了，日期是上个月的")],
    ),
    (
        "merged forward: quoted reply with divider",
        "王姐 10:40\n「张阿姨：草莓烂了两盒」\n- - - - - - - - - - - - - - -\n我的也是，两盒都烂了",
        (),
        [("王姐", "「张阿姨：草莓烂了两盒」\n我的也是，两盒都烂了")],
    ),
    (
        "multi-line message continues until the next speaker",
        "张阿姨：团长，昨天买的草莓\n打开一看全是烂的\n两盒都这样\n王姐：我的没事",
        (),
        [("张阿姨", "团长，昨天买的草莓\n打开一看全是烂的\n两盒都这样"), ("王姐", "我的没事")],
    ),
    (
        "two complaints from the same person stay two messages",
        "张阿姨：草莓烂了两盒\n王姐：收到\n张阿姨：还有西瓜也裂开了",
        (),
        [("张阿姨", "草莓烂了两盒"), ("王姐", "收到"), ("张阿姨", "还有西瓜也裂开了")],
    ),
    (
        "single message pasted without speaker",
        "团长，我今天拿的鸡蛋碎了三个，盒子都是湿的[捂脸]",
        (),
        [(None, "团长，我今天拿的鸡蛋碎了三个，盒子都是湿的")],
    ),
    (
        "single multi-line message with a photo",
        "今天的草莓不新鲜\n好几个都软了\n[图片]",
        (),
        [(None, "今天的草莓不新鲜\n好几个都软了")],
    ),
    (
        "colon inside a single message is not a speaker",
        "我买的草莓:两盒都坏了",
        (),
        [(None, "我买的草莓:两盒都坏了")],
    ),
    (
        "colon list inside one message is not split",
        "我买的草莓:两盒都坏了\n葡萄:也烂了一串",
        (),
        [(None, "我买的草莓:两盒都坏了\n葡萄:也烂了一串")],
    ),
    (
        "customer addressing the leader is not a speaker 团长",
        "团长：我买的草莓坏了两盒",
        (),
        [(None, "团长：我买的草莓坏了两盒")],
    ),
    (
        "leader answering after a customer is speaker 团长",
        "张阿姨：草莓坏了两盒\n团长：好的，我下午去看看",
        (),
        [("张阿姨", "草莓坏了两盒"), ("团长", "好的，我下午去看看")],
    ),
    (
        "plain nicknames in a consistent dialogue",
        "向日葵：草莓坏了两盒\n晴天：我的葡萄少了一串",
        (),
        [("向日葵", "草莓坏了两盒"), ("晴天", "我的葡萄少了一串")],
    ),
    (
        "lone plain nickname is left in the text",
        "向日葵：草莓坏了两盒",
        (),
        [(None, "向日葵：草莓坏了两盒")],
    ),
    (
        "lone plain nickname confirmed by the pickup point's customers",
        "向日葵：草莓坏了两盒",
        ("向日葵🌻", "张阿姨"),
        [("向日葵", "草莓坏了两盒")],
    ),
    (
        "a repeated plain prefix is a speaker; her photo joins her complaint",
        "平安是福：我的橙子少了两个\n平安是福：[图片]\n平安是福：团长帮忙看看",
        (),
        [("平安是福", "我的橙子少了两个"), ("平安是福", "团长帮忙看看")],
    ),
    (
        "mentions with WeChat's U+2005 are stripped",
        f"张阿姨：@团长{SP}草莓烂了\n王姐：@阿芳团长{SP}@张阿姨{SP}我的也是",
        (),
        [("张阿姨", "草莓烂了"), ("王姐", "我的也是")],
    ),
    (
        "typed mentions with a plain space or none",
        "王姐：@团长草莓坏了\n李叔：@阿芳团长 西瓜是生的",
        (),
        [("王姐", "草莓坏了"), ("李叔", "西瓜是生的")],
    ),
    (
        "emoticon codes out of the text, real emoji kept, sticker-only message dropped",
        "李阿姨🌸：[发怒][发怒]西瓜是坏的😡😡\n王姐：[强][强]",
        (),
        [("李阿姨🌸", "西瓜是坏的😡😡")],
    ),
    (
        "full-width digits and punctuation kept as typed",
        "３栋王姐：鸡蛋碎了２个！！\n张阿姨：草莓少了１盒？",
        (),
        [("３栋王姐", "鸡蛋碎了２个！！"), ("张阿姨", "草莓少了１盒？")],
    ),
    (
        "system lines dropped",
        '"张阿姨"撤回了一条消息\n'
        "张阿姨：草莓烂了两盒\n"
        "你已添加了李姐，现在可以开始聊天了。\n"
        '"王姐" 拍了拍 "阿芳团长"\n'
        "王姐邀请李叔加入了群聊\n"
        "李叔：我的葡萄也是烂的\n"
        "你领取了张阿姨的红包",
        (),
        [("张阿姨", "草莓烂了两盒"), ("李叔", "我的葡萄也是烂的")],
    ),
    (
        "photo, voice and sticker placeholders",
        "张阿姨：草莓烂了两盒\n[图片]\n[图片]\n王姐：[语音]\n李叔：[动画表情]\n李叔：西瓜是生的",
        (),
        [("张阿姨", "草莓烂了两盒"), ("李叔", "西瓜是生的")],
    ),
    (
        "photo sent before the words joins them",
        "张阿姨：[图片]\n张阿姨：看看这草莓，全烂了",
        (),
        [("张阿姨", "看看这草莓，全烂了")],
    ),
    (
        "photo joins its sender's complaint across someone else's message",
        "张阿姨：草莓烂了两盒\n王姐：收到\n张阿姨：[图片]",
        (),
        [("张阿姨", "草莓烂了两盒"), ("王姐", "收到")],
    ),
    (
        "a photo alone from someone is kept",
        "王姐：[图片]\n张阿姨：我的草莓也烂了",
        (),
        [("王姐", ""), ("张阿姨", "我的草莓也烂了")],
    ),
    (
        "blank lines between and around messages",
        "\n\n张阿姨：草莓烂了\n\n\n王姐：葡萄少了一串\n\n",
        (),
        [("张阿姨", "草莓烂了"), ("王姐", "葡萄少了一串")],
    ),
    (
        "complaints interleaved with the group's chatter",
        "阿芳团长：今天的货到了，大家尽快来取哦[玫瑰]\n"
        "3栋王姐：收到\n"
        "张阿姨：团长，我的草莓烂了一盒\n"
        "李叔：几点能取？\n"
        f"阿芳团长：@李叔{SP}现在就可以\n"
        "5号楼刘姐：+1\n"
        "张阿姨：还有鸡蛋碎了2个",
        (),
        [
            ("阿芳团长", "今天的货到了，大家尽快来取哦"),
            ("3栋王姐", "收到"),
            ("张阿姨", "团长，我的草莓烂了一盒"),
            ("李叔", "几点能取？"),
            ("阿芳团长", "现在就可以"),
            ("5号楼刘姐", "+1"),
            ("张阿姨", "还有鸡蛋碎了2个"),
        ],
    ),
    (
        "leader's own note before the pasted lines",
        "以下是今天的投诉：\n张阿姨：草莓烂了\n王姐：葡萄少了",
        (),
        [(None, "以下是今天的投诉："), ("张阿姨", "草莓烂了"), ("王姐", "葡萄少了")],
    ),
    (
        "time separators copied from the chat view",
        "昨天 21:05\n张阿姨：鸡蛋碎了\n08:12\n王姐：早上好",
        (),
        [("张阿姨", "鸡蛋碎了"), ("王姐", "早上好")],
    ),
    (
        "接龙 list is one speakerless message",
        "#接龙 11月21日 草莓\n1. 张阿姨 草莓2\n2. 3栋王姐 草莓1\n3. 李叔 草莓3",
        (),
        [(None, "#接龙 11月21日 草莓\n1. 张阿姨 草莓2\n2. 3栋王姐 草莓1\n3. 李叔 草莓3")],
    ),
    (
        "only chatter",
        "3栋王姐：收到\n李叔：好的[OK]\n张阿姨：谢谢团长[玫瑰][玫瑰]\n刘姐：👍👍",
        (),
        [("3栋王姐", "收到"), ("李叔", "好的"), ("张阿姨", "谢谢团长"), ("刘姐", "👍👍")],
    ),
    ("empty text", "", (), []),
    ("only whitespace", "  \n\t\u3000\n\r\n ", (), []),
    (
        "only system lines and placeholders",
        '"张阿姨"撤回了一条消息\n你已添加了李姐，现在可以开始聊天了。\n[语音]\n[动画表情]',
        (),
        [],
    ),
    ("a line with only a nickname", "张阿姨", (), [(None, "张阿姨")]),
    ("a speaker prefix with nothing after it", "张阿姨：", (), []),
    ("a header with no content is just text", "张阿姨 10:32", (), [(None, "张阿姨 10:32")]),
    (
        "a message ending in a time is not a header",
        "团长我明天来拿 10:30",
        (),
        [(None, "团长我明天来拿 10:30")],
    ),
    (
        "merged forward: header whose message was only a sticker",
        "张阿姨 10:32\n[动画表情]\n王姐 10:33\n我的葡萄少了一串",
        (),
        [("王姐", "我的葡萄少了一串")],
    ),
    (
        "speaker prefix on its own line, content below",
        "张阿姨：\n草莓烂了两盒\n还有一盒是压扁的",
        (),
        [("张阿姨", "草莓烂了两盒\n还有一盒是压扁的")],
    ),
]


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [pytest.param(text, known, expected, id=name) for name, text, known, expected in BLOCKS],
)
def test_split_messages(
    text: str, known: tuple[str, ...], expected: list[tuple[str | None, str]]
) -> None:
    messages = split_messages(text, known_speakers=known)
    assert [(m.speaker, m.text) for m in messages] == expected


def test_table_covers_at_least_thirty_blocks() -> None:
    assert len(BLOCKS) >= 30
