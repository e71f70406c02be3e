"""Service hours of the human agents, e.g. ``09:00-21:00`` in ``Asia/Shanghai``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ServiceHours:
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> "ServiceHours":
        """Reads ``HH:MM-HH:MM``; a window may cross midnight (``20:00-02:00``).

        Raises:
            ValueError: the text is not such a window, or the zone is unknown.
        """
        try:
            start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
            if start.tzinfo or end.tzinfo:  # the zone says where; an offset breaks is_open
                raise ValueError("offset in service hours")
            return cls(start, end, ZoneInfo(zone))
        except (ValueError, KeyError) as error:
            raise ValueError(f"bad service hours {spec!r} in {zone!r}") from error

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone).time()
        if self.opens == self.closes:
            return True
        if self.opens < self.closes:
            return self.opens <= local < self.closes
        return local >= self.opens or local < self.closes

    def next_opening(self, now: datetime) -> datetime:
        """When agents are next at work (``now`` itself during service hours)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        opening = local.replace(hour=self.opens.hour, minute=self.opens.minute,
                                second=0, microsecond=0)
        if opening <= local:
            opening += timedelta(days=1)
        return opening

    def describe(self) -> str:
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


def opening_text(opens_at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """``今天 09:00``, ``明天 09:00`` or ``11-23 09:00``, as the customer reads it."""
    local, today = opens_at.astimezone(zone), now.astimezone(zone).date()
    day = {0: "今天", 1: "明天"}.get((local.date() - today).days, f"{local:%m-%d}")
    return f"{day} {local:%H:%M}"
