"""How times are shown to customers: China time, and ages like "3小时前"."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime) -> str:
    """``11-21 14:05`` in China time."""
    return moment.astimezone(CHINA).strftime("%m-%d %H:%M")


def age(delta: timedelta) -> str:
    """A duration as a customer would say it: 刚刚, 20分钟, 3小时, 2天."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{seconds // 60}分钟"
    if seconds < 48 * 3600:
        return f"{seconds // 3600}小时"
    return f"{seconds // 86400}天"


def ago(moment: datetime, now: datetime) -> str:
    """``3小时前`` (or ``刚刚``)."""
    text = age(now - moment)
    return text if text == "刚刚" else f"{text}前"
