"""Charts as server-rendered SVG: no script, no external request, text always escaped.

``line_chart`` for daily series, ``bar_chart`` for breakdowns by name, ``column_chart``
for histograms, ``share_bar`` for how a whole splits; each shows a friendly sentence
instead of an empty chart.
"""
from bot.charts.bars import Bar, bar_chart, column_chart
from bot.charts.line import Series, line_chart
from bot.charts.shares import share_bar
from bot.charts.svg import number, percent

__all__ = ["Bar", "Series", "bar_chart", "column_chart", "line_chart", "number", "percent",
           "share_bar"]
