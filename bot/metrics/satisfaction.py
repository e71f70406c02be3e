"""What customers scored: the 1–5 answers to satisfaction surveys, by the day answered."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import SatisfactionSurvey
from bot.metrics.period import Period
from bot.metrics.stats import daily_groups

SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class SatisfactionFigures:
    """How many answers gave each score, and each day's mean score (``None`` without
    answers). Surveys asked but not answered are not counted."""

    distribution: dict[int, int]
    daily_mean: dict[date, float | None]
    daily_answers: dict[date, int]

    @property
    def answers(self) -> int:
        return sum(self.distribution.values())

    @property
    def mean(self) -> float | None:
        if not self.answers:
            return None
        return sum(score * count for score, count in self.distribution.items()) / self.answers


def satisfaction_figures(session: Session, period: Period) -> SatisfactionFigures:
    """Score distribution and daily mean of the surveys answered in the period."""
    rows = session.execute(
        select(SatisfactionSurvey.answered_at, SatisfactionSurvey.score)
        .where(SatisfactionSurvey.answered_at >= period.start,
               SatisfactionSurvey.answered_at < period.end,
               SatisfactionSurvey.score.in_(SCORES))
    ).all()
    distribution = dict.fromkeys(SCORES, 0)
    for _, score in rows:
        distribution[score] += 1
    groups = daily_groups(period, rows)
    return SatisfactionFigures(
        distribution=distribution,
        daily_mean={day: (round(fmean(scores), 2) if scores else None)
                    for day, scores in groups.items()},
        daily_answers={day: len(scores) for day, scores in groups.items()},
    )
