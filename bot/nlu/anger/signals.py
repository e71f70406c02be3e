"""Hand-made signals of anger (and of the feelings mistaken for it) that complement
character n-grams.

Each signal is a count of cue words in the normalised text; the model learns how much
each one matters. Words here are cues, not verdicts: "投诉" in "怎么投诉" is calm, and
the n-grams around it let the model tell.

Anger cues: insults, swearing, threats, sarcasm, contempt, irritation, repetition,
demands, angry emoji. Counter-cues: politeness, and the other feelings that general
text is full of and that a word model alone confuses with anger — sadness and
disappointment (唉, 难过, 想哭), fear and worry (吓死, 可怕, 担心), surprise (居然,
天哪) and joy (哈哈, 开心). A group counts its cues; the groups generalise to words
the training examples never used together.
"""
from __future__ import annotations

import re

import numpy as np

CUES: dict[str, tuple[str, ...]] = {
    "insult": ("垃圾", "骗子", "黑心", "坑人", "坑爹", "有病", "脑子", "智障", "弱智", "废物",
               "无良", "奸商", "不要脸", "要不要脸", "恶心", "破烂", "狗屎", "傻", "蠢", "滚", "白痴",
               "猪", "混蛋", "王八", "人渣", "畜生", "败类", "贱", "渣男", "渣女", "脑残", "神经病",
               "无耻", "缺德", "孙子", "狗东西", "去死", "该死", "没素质", "素质", "欠揍", "欠骂",
               "找打", "小人", "虚伪", "白眼狼", "马屁精", "奇葩", "二货", "蠢货", "饭桶", "丢人",
               "三八", "泼妇", "流氓", "无赖", "不是人", "狗眼"),
    "swear": ("妈的", "他妈", "tm", "tmd", "nmd", "cnm", "卧槽", "我靠", "靠!", "艹", "草泥马",
              "尼玛", "fuck", "wtf", "shit", "damn", "特么", "操", "妈蛋", "你妹", "大爷", "md",
              "sb", "靠北", "我擦", "日了", "老子", "老娘", "去你的", "狗屁", "见鬼", "鬼才", "马勒",
              "滚蛋", "屁", "我顶", "逼"),
    "threat": ("12315", "消协", "工商", "曝光", "抖音", "微博", "媒体", "报警", "起诉", "律师",
               "差评", "投诉你们", "举报", "市场监管", "315", "小红书", "给我等着", "走着瞧", "试试"),
    "sarcasm": ("呵呵", "真行", "真棒啊", "厉害了", "好服务", "不愧是", "佩服", "真是服了",
                "可真", "好样的", "谢谢你们全家", "谢谢你全家", "真会做生意", "666", "我谢谢你",
                "我真的会谢", "好棒棒", "大聪明", "你开心就好", "真是够了"),
    "contempt": ("就这", "什么玩意", "啥玩意", "算什么", "凭什么", "什么破", "什么鬼", "搞什么",
                 "有没有搞错", "开什么玩笑", "无语", "服了", "受够", "忍无可忍", "忍不了", "气死",
                 "烦死", "火大", "恼火", "愤怒", "生气", "过分", "离谱", "太差", "几个意思", "有完没完",
                 "欺人太甚", "讨厌", "可恶", "可恨", "气人", "岂有此理", "莫名其妙", "有意思吗",
                 "至于吗", "看不惯", "鄙视", "闭嘴", "恨", "活该", "不讲理", "荒唐", "荒谬", "欺负",
                 "耍我", "当我傻", "当我是", "要你管"),
    "irritation": ("烦", "不爽", "抓狂", "暴躁", "烦躁", "要疯", "疯了", "炸了", "窝火", "憋屈",
                   "来气", "发火", "发飙", "暴怒", "怒", "气炸", "气疯", "气到", "气得", "气的",
                   "一肚子火", "一肚子气", "骂人", "想打人", "砍人", "揍", "吐槽", "心态崩", "崩溃",
                   "折磨", "郁闷", "坑", "被骗", "倒霉", "发泄", "出气", "受气", "咽不下"),
    "repeat": ("第三次", "第二次", "第n次", "又是", "又来", "多少遍", "几次了", "多少次", "每次都",
               "一直", "还没", "到底", "究竟", "又双叒叕", "三番五次"),
    "demand": ("退钱", "赶紧", "马上", "立刻", "立即", "给个说法", "必须", "再不", "否则", "给我",
               "别再"),
    "angry_emoji": ("😡", "🤬", "👿", "💢", "😤", "😠", "🖕", "[发怒]", "[怒]", "[骂]", "[抓狂]",
                    "[鄙视]", "[白眼]", "[敲打]", "[咒骂]", "[哼]", "[怒骂]", "[左哼哼]",
                    "[右哼哼]", "[闭嘴]"),
    "polite": ("谢谢", "麻烦", "请", "辛苦", "您好", "打扰", "不好意思", "劳驾", "感谢", "🙏",
               "[抱拳]", "[微笑]", "[玫瑰]"),
    "sad": ("唉", "哎", "难过", "伤心", "悲伤", "想哭", "哭", "泪", "心碎", "心痛", "心酸", "心塞",
            "心累", "委屈", "孤独", "孤单", "寂寞", "失落", "遗憾", "可惜", "舍不得", "想念", "思念",
            "怀念", "想你", "想家", "后悔", "难受", "痛苦", "绝望", "沮丧", "迷茫", "无助", "无奈",
            "叹气", "疲惫", "emo", "丧", "失眠", "去世", "离开", "分手", "失恋", "不舒服", "疼",
            "好累", "心疼", "对不起", "😢", "😭", "😞", "😔", "💔", "[泪]", "[悲伤]", "[伤心]",
            "[失望]", "[可怜]", "[委屈]"),
    "fear": ("害怕", "怕", "恐惧", "恐怖", "可怕", "吓", "担心", "担忧", "紧张", "焦虑", "慌",
             "不安", "忐忑", "毛骨悚然", "瘆人", "发毛", "后怕", "心惊", "胆战", "颤抖", "噩梦",
             "危险", "惊魂", "😱", "😨", "😰", "[惊恐]", "[害怕]"),
    "surprise": ("居然", "竟然", "没想到", "想不到", "原来", "天哪", "天呐", "我的天", "天啦",
                 "妈呀", "妈耶", "哇", "震惊", "惊呆", "惊讶", "惊喜", "吃惊", "不敢相信", "真的假的",
                 "不会吧", "神奇", "好奇", "第一次", "😮", "😲", "[吃惊]"),
    "joy": ("开心", "高兴", "快乐", "幸福", "哈哈", "嘻嘻", "嘿嘿", "笑", "喜欢", "爱", "可爱",
            "美", "漂亮", "好看", "棒", "赞", "感动", "温暖", "期待", "激动", "兴奋", "太爽",
            "好吃", "享受", "舒服", "满足", "恭喜", "祝", "加油", "美好", "甜", "治愈", "开森",
            "美滋滋", "么么哒", "骄傲", "嗨", "😂", "😄", "😊", "😁", "😍", "🥰", "❤", "👍",
            "[哈哈]", "[笑cry]", "[爱你]", "[心]", "[嘻嘻]", "[可爱]", "[太开心]", "[鼓掌]",
            "[赞]", "[偷笑]", "[耶]", "[馋嘴]", "[亲亲]"),
}
# Words that contain a cue without meaning it, per group: 垃圾桶 is no insult, 舒服了 no
# contempt, 天气的 no irritation, 麻烦 (polite) no 烦, 不开心 no joy, 恐怕 no fear. They are
# masked before that group's cues are counted.
NOT_CUES: dict[str, tuple[str, ...]] = {
    "insult": ("垃圾桶", "垃圾袋", "垃圾分类", "垃圾站", "垃圾车", "扔垃圾", "倒垃圾", "收垃圾",
               "捡垃圾", "傻笑", "傻傻", "傻眼", "吓傻", "犯傻", "装傻", "傻乎乎", "蠢萌", "猪肉",
               "猪蹄", "猪排", "猪肝", "猪油", "猪脚", "猪骨", "猪血", "猪年", "小猪", "猪猪", "养猪",
               "滚动", "打滚", "滚烫", "滚滚", "翻滚", "摇滚", "素质教育", "综合素质", "身体素质",
               "心理素质", "小人书", "小人物", "孙子孙女", "带孙子", "外孙子"),
    "swear": ("操作", "操心", "体操", "早操", "操场", "节操", "操练", "操办", "操持", "情操",
              "屁股", "屁颠", "逼真", "逼近", "生日了", "节日了", "假日了", "你妹妹", "老大爷",
              "大爷大妈"),
    "threat": ("试试看", "我试试", "试试吧", "可以试试", "去试试", "想试试", "再试试"),
    "contempt": ("舒服了", "衣服了", "说服了", "克服了", "征服了", "制服了", "恨不得"),
    "irritation": ("麻烦", "不厌其烦", "天气", "运气", "空气", "勇气", "香气", "力气", "客气",
                   "暖气", "冷气", "人气", "福气", "名气", "帅气", "霸气", "元气", "口气", "语气",
                   "喜气", "灵气", "和气", "争气", "大气", "神气", "节气", "煤气", "燃气", "入坑",
                   "出坑", "坑位", "水坑", "怒放"),
    "fear": ("恐怕", "哪怕", "怕是"),
    "joy": ("不开心", "不开森", "不高兴", "不快乐", "不幸福", "不喜欢", "不舒服", "不满足",
            "不好看", "不好吃", "不漂亮", "不美", "不爱", "可笑", "嘲笑", "冷笑", "耻笑", "讥笑",
            "笑话", "玩笑", "爱答不理", "爱理不理", "爱搭不理", "美团", "美国", "美元", "美金"),
    "polite": ("请假", "请客", "申请", "邀请", "请柬"),
}
# Latin cues count only as whole words: "sb" is no insult inside "usb", nor "tm" inside "html".
_LATIN = re.compile(r"[a-z0-9]+")
_EXCLAIM = re.compile(r"[!！]")
_QUESTION = re.compile(r"[?？]")
_EXCLAIM_RUN = re.compile(r"[!！?？]{2,}")

# No length signal: customer anger runs longer than calm customer messages, but in
# general text length says nothing about anger, and the model learnt "long = angry".
NAMES = (*CUES, "exclaim", "question", "punct_runs")


def _masked(text: str, not_cues: tuple[str, ...]) -> str:
    for word in not_cues:
        if word in text:
            text = text.replace(word, "\x00")
    return text


def _count(text: str, cues: tuple[str, ...], latin_words: set[str]) -> int:
    return sum((cue in latin_words) if cue.isascii() and cue.isalnum() else text.count(cue)
               for cue in cues)


def signals(text: str) -> np.ndarray:
    """The signal vector of one normalised text."""
    words = set(_LATIN.findall(text))
    values = [_count(_masked(text, NOT_CUES.get(group, ())), cues, words)
              for group, cues in CUES.items()]
    values += [
        len(_EXCLAIM.findall(text)),
        len(_QUESTION.findall(text)),
        len(_EXCLAIM_RUN.findall(text)),
    ]
    # Diminishing returns: the fifth "!" says less than the second.
    return np.log1p(np.asarray(values, dtype=float))
