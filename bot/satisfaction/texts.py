"""What customers read about surveys outside a Rasa response (the handoff's question and
thank-yous are responses in ``domain.yml``)."""
from __future__ import annotations

CASE_QUESTION = ("售后单 {ref} 已经有结果啦。麻烦您给这次售后服务打个分吧"
                 "（1-5分，5分最满意），直接回复数字就行～")

# The answers offered as buttons, from 1 to 5 (as ``utter_ask_satisfaction`` has them), so
# a channel that turns buttons into numbered lines (WeChat) numbers each by its score.
SCORE_BUTTONS = (
    {"title": "⭐ 非常不满意", "payload": "1"},
    {"title": "⭐⭐ 不满意", "payload": "2"},
    {"title": "⭐⭐⭐ 一般", "payload": "3"},
    {"title": "⭐⭐⭐⭐ 满意", "payload": "4"},
    {"title": "⭐⭐⭐⭐⭐ 非常满意", "payload": "5"},
)
