"""The SVG charts: well-formed, accessible, a mark per value, names shown as text and
never as markup, and a friendly sentence instead of an empty chart."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.charts import Bar, Series, bar_chart, column_chart, line_chart, percent, share_bar
from bot.charts.svg import nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}
EMPTY = "该时间段暂无数据"
EVIL = '<script>alert("x")</script>&"\' onload=alert(1) \x00'


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _marks(root: ET.Element, kind: str) -> list[ET.Element]:
    return [node for node in root.iter() if node.get("data-mark") == kind]


def _texts(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter(f"{{{NS['svg']}}}text")]


def test_line_chart_has_a_point_per_value_and_accessible_labels() -> None:
    svg = line_chart("volume", "每日会话量", ["11-20", "11-21", "11-22"],
                     [Series("会话", [3, 5, 4]), Series("售后单", [1, None, 2])],
                     empty_message=EMPTY, y_label="个")
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "volume-title volume-desc"
    assert root.find("svg:title", NS).text == "每日会话量"
    assert "会话：最低 3（11-20），最高 5（11-21）" in root.find("svg:desc", NS).text
    assert len(_marks(root, "point")) == 5
    assert {"11-20", "11-22", "会话", "售后单", "个"} <= set(_texts(root))
    tips = [mark.find("svg:title", NS).text for mark in _marks(root, "point")]
    assert "11-21 会话：5" in tips


def test_a_gap_in_a_series_breaks_its_line() -> None:
    root = _parse(line_chart("gap", "t", ["a", "b", "c", "d"], [Series("s", [1, 2, None, 3])],
                             empty_message=EMPTY))
    lines = list(root.iter(f"{{{NS['svg']}}}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2]


def test_shares_are_percentages_of_the_whole() -> None:
    root = _parse(share_bar("rates", "机器人独立处理 vs 转人工", [("机器人", 3), ("转人工", 1)],
                            empty_message=EMPTY))
    marks = _marks(root, "share")
    assert [float(mark.get("width")) for mark in marks] == [468.0, 156.0]
    assert {"75%", "25%"} <= set(_texts(root))
    assert root.find("svg:desc", NS).text == "机器人：75%（3）；转人工：25%（1）"


def test_stacked_bars_have_a_segment_per_non_zero_value() -> None:
    root = _parse(bar_chart("reasons", "售后原因（按商品）",
                            [Bar("丹东草莓", [2, 1, 0]), Bar("东北大米", [0, 0, 1])],
                            ["变质", "破损", "不想要了"], empty_message=EMPTY))
    assert len(_marks(root, "bar")) == 3
    assert {"丹东草莓", "东北大米", "3", "1"} <= set(_texts(root))


def test_histogram_has_a_column_per_non_zero_score() -> None:
    root = _parse(column_chart("scores", "满意度分布", ["1分", "2分", "3分", "4分", "5分"],
                               [1, 0, 0, 1, 3], empty_message=EMPTY))
    assert len(_marks(root, "bar")) == 3
    assert [label for label in _texts(root) if label.endswith("分")][:5] == [
        "1分", "2分", "3分", "4分", "5分"]


@pytest.mark.parametrize("render", [
    lambda: line_chart("e", "每日会话量", ["a", "b"], [Series("s", [0, None])],
                       empty_message=EMPTY),
    lambda: line_chart("e", "每日会话量", [], [], empty_message=EMPTY),
    lambda: bar_chart("e", "每日会话量", [], ["n"], empty_message=EMPTY),
    lambda: column_chart("e", "每日会话量", ["1分"], [0], empty_message=EMPTY),
    lambda: share_bar("e", "每日会话量", [("a", 0), ("b", 0)], empty_message=EMPTY),
])
def test_no_data_shows_a_friendly_sentence_instead_of_a_chart(render) -> None:
    root = _parse(render())
    assert root.get("data-empty") == "true" and root.get("role") == "img"
    assert EMPTY in _texts(root)
    assert root.find("svg:title", NS).text == "每日会话量"
    assert not [node for node in root.iter() if node.get("data-mark")]


def test_names_are_shown_as_text_never_as_markup() -> None:
    svgs = [
        bar_chart("x", EVIL, [Bar(EVIL, [1])], [EVIL], empty_message=EMPTY),
        line_chart("x", EVIL, [EVIL], [Series(EVIL, [1])], empty_message=EMPTY),
        share_bar("x", EVIL, [(EVIL, 1)], empty_message=EMPTY),
        column_chart("x", EVIL, [EVIL], [1], empty_message=EMPTY),
        bar_chart("x", EVIL, [], ["s"], empty_message=EVIL),
    ]
    clean = EVIL.replace("\x00", "")
    for svg in svgs:
        assert "<script" not in svg
        root = _parse(svg)
        assert not list(root.iter("script")) and not list(root.iter(f"{{{NS['svg']}}}script"))
        assert all(not name.startswith("on") for node in root.iter() for name in node.attrib)
        shown = [node.text for node in root.iter() if node.text] + [
            value for node in root.iter() for value in node.attrib.values()]
        assert any(clean in value for value in shown)


def test_a_chart_id_cannot_break_out_of_its_attribute() -> None:
    root = _parse(line_chart('a" onclick="x', "t", ["d"], [Series("s", [1])], empty_message=EMPTY))
    assert root.get("aria-labelledby") == "a--onclick--x-title a--onclick--x-desc"
    assert root.get("onclick") is None


def test_axis_ticks_are_round_numbers() -> None:
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(1760) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(2, whole=True) == [0, 1, 2]
    assert nice_ticks(12, whole=True) == [0, 5, 10, 15]


def test_count_charts_have_whole_number_ticks() -> None:
    root = _parse(column_chart("s", "满意度分布", ["1分", "2分"], [1, 2], empty_message=EMPTY))
    assert "0.5" not in _texts(root) and {"0", "1", "2"} <= set(_texts(root))
    shares = _parse(line_chart("r", "t", ["a", "b"], [Series("s", [0.25, 0.5])],
                               empty_message=EMPTY, y_max=1))
    assert "0.2" in _texts(shares)
    assert percent(0.1667) == "16.7%"
