"""What customers read about surveys outside a Rasa response (the handoff's question and
thank-yous are responses in ``domain.yml``)."""
from __future__ import annotations

CASE_QUESTION = ("售后单 {ref} 已经有结果啦。麻烦您给这次售后服务打个分吧"
                 "（1-5分，5分最满意），直接回复数字就行～")

