"""Hand-made signals of anger (and of calm) that complement character n-grams.

Each signal is a count in the normalised text; the model learns how much each one
matters. Words here are cues, not verdicts: "投诉" in "怎么投诉" is calm, and the
n-grams around it let the model tell.
"""
from __future__ import annotations

import re

import numpy as np

CUES: dict[str, tuple[str, ...]] = {
    "insult": ("垃圾", "骗子", "黑心", "坑人", "坑爹", "有病", "脑子", "智障", "弱智", "废物",
               "无良", "奸商", "不要脸", "恶心", "破烂", "狗屎", "傻", "蠢", "滚", "白痴", "猪"),
    "swear": ("妈的", "他妈", "tm", "tmd", "nmd", "卧槽", "我靠", "靠!", "艹", "草泥马", "尼玛",
              "fuck", "wtf", "shit", "damn", "特么", "操"),
    "threat": ("12315", "消协", "工商", "曝光", "抖音", "微博", "媒体", "报警", "起诉", "律师",
               "差评", "投诉你们", "举报", "市场监管", "315", "小红书"),
    "sarcasm": ("呵呵", "真行", "真棒啊", "厉害了", "好服务", "不愧是", "佩服", "真是服了",
                "可真", "好样的", "谢谢你们全家", "真会做生意", "666", "我谢谢你"),
    "contempt": ("就这", "什么玩意", "啥玩意", "算什么", "凭什么", "什么破", "什么鬼", "搞什么",
                 "有没有搞错", "开什么玩笑", "无语", "服了", "受够", "忍无可忍", "气死", "烦死",
                 "火大", "恼火", "愤怒", "生气", "过分", "离谱", "太差"),
    "repeat": ("第三次", "第二次", "第n次", "又是", "又来", "多少遍", "几次了", "多少次", "每次都",
               "一直", "还没", "到底", "究竟"),
    "demand": ("退钱", "赶紧", "马上", "立刻", "立即", "给个说法", "必须", "再不", "否则"),
    "angry_emoji": ("😡", "🤬", "👿", "💢", "😤", "😠", "🖕", "[发怒]", "[怒]", "[骂]", "[抓狂]",
                    "[鄙视]", "[白眼]", "[敲打]", "[咒骂]"),
    "polite": ("谢谢", "麻烦", "请", "辛苦", "您好", "打扰", "不好意思", "劳驾", "感谢", "🙏",
               "[抱拳]", "[微笑]", "[玫瑰]"),
}
_EXCLAIM = re.compile(r"[!！]")
_QUESTION = re.compile(r"[?？]")
_EXCLAIM_RUN = re.compile(r"[!！?？]{2,}")

NAMES = (*CUES, "exclaim", "question", "punct_runs", "length")


def signals(text: str) -> np.ndarray:
    """The signal vector of one normalised text."""
    values = [sum(text.count(cue) for cue in cues) for cues in CUES.values()]
    values += [
        len(_EXCLAIM.findall(text)),
        len(_QUESTION.findall(text)),
        len(_EXCLAIM_RUN.findall(text)),
        len(text) / 50.0,
    ]
    # Diminishing returns: the fifth "!" says less than the second.
    return np.log1p(np.asarray(values, dtype=float))
