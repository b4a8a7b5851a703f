"""The SVG charts: well-formed and accessible, escaped, proportional, round ticks, stacked totals, and properties.
No database: the module imports nothing of Django."""

import ast
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports import charts
from reports.charts import bar_chart, column_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def find(root: ElementTree.Element, tag: str, cls: str | None = None) -> list[ElementTree.Element]:
    return [el for el in root.iter(f"{SVG}{tag}") if cls is None or el.get("class") == cls]


def texts(root: ElementTree.Element) -> list[str]:
    """The visible texts (a shortened label's <title> child is hover text, not shown)."""
    return [el.text or "" for el in root.iter(f"{SVG}text")] + [
        child.tail or "" for el in root.iter(f"{SVG}text") for child in el
    ]


def grid_xs(root: ElementTree.Element) -> list[float]:
    return sorted(float(line.get("x1")) for line in find(root, "line", "grid"))


CATEGORIES = [("环境卫生", 150), ("停车管理", 50), ("电梯维修", 12)]


def test_bar_chart_is_an_accessible_svg_that_scales():
    root = parse(bar_chart(title="诉求类别", bars=CATEGORIES, unit="件", empty_text="暂无数据"))
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 640 ")
    assert root.find(f"{SVG}title").text == "诉求类别"
    assert root.find(f"{SVG}desc").text == "环境卫生: 150件; 停车管理: 50件; 电梯维修: 12件"


def test_bar_chart_has_one_bar_per_value_each_value_printed():
    root = parse(bar_chart(title="t", bars=CATEGORIES, unit="件", empty_text="-"))
    assert len(find(root, "rect", "bar")) == 3
    assert [el.text for el in find(root, "text", "value")] == ["150件", "50件", "12件"]
    assert {"环境卫生", "停车管理", "电梯维修"} <= set(texts(root))


def test_largest_bar_spans_the_plot_when_the_maximum_is_round():
    root = parse(bar_chart(title="t", bars=CATEGORIES, empty_text="-"))
    bars = find(root, "rect", "bar")
    x0, x_end = grid_xs(root)[0], grid_xs(root)[-1]
    assert float(bars[0].get("x")) == x0
    assert float(bars[0].get("width")) == pytest.approx(x_end - x0, abs=0.1)
    assert float(bars[1].get("width")) == pytest.approx((x_end - x0) / 3, abs=0.1)


def test_bar_scale_runs_to_a_round_number_above_the_maximum():
    root = parse(bar_chart(title="t", bars=[("3号楼", 140), ("5号楼", 7)], empty_text="-"))
    tick_labels = [el.text for el in find(root, "text") if el.get("fill") == charts.MUTED]
    assert tick_labels == ["0", "50", "100", "150"]
    x0, x_end = grid_xs(root)[0], grid_xs(root)[-1]
    assert float(find(root, "rect", "bar")[0].get("width")) == pytest.approx((x_end - x0) * 140 / 150, abs=0.1)


def test_decimal_values_are_shown_as_given():
    root = parse(bar_chart(title="t", bars=[("一月", Decimal("12.5")), ("二月", Decimal("3.25"))], empty_text="-"))
    assert [el.text for el in find(root, "text", "value")] == ["12.5", "3.25"]


@pytest.mark.parametrize(
    ("label", "raw"),
    [("<script>alert(1)</script>", "<script>"), ("A&B 楼", "A&B"), ("\"引号\" '单'", None)],
)
def test_user_labels_are_escaped(label, raw):
    svgs = [
        bar_chart(title=label, bars=[(label, 3)], empty_text=label),
        column_chart(title=label, series=[(label, [1]), ("x", [2])], categories=[label], empty_text="-"),
        line_chart(title=label, series=[(label, [1]), ("x", [2])], categories=[label], empty_text="-"),
        bar_chart(title=label, bars=[], empty_text=label),
    ]
    for svg in svgs:
        root = parse(svg)
        assert not find(root, "script")
        if raw:
            assert raw not in svg
        assert label in texts(root) or any(label in (el.text or "") for el in root.iter())


def test_control_characters_in_a_label_are_dropped_not_fatal():
    root = parse(bar_chart(title="t\x00", bars=[("3号\x08楼", 1)], empty_text="-"))
    assert "3号楼" in texts(root)


def test_no_script_no_style_no_external_resource():
    svg = column_chart(
        title="t", series=[("a", [1, 2]), ("b", [3, 4])], categories=["2019", "2020"], stacked=True, empty_text="-"
    )
    for el in parse(svg).iter():
        assert "style" not in el.attrib
        assert not any(name.startswith("on") for name in el.attrib)
        assert not any("href" in name for name in el.attrib)
    assert "<script" not in svg and "url(" not in svg


def test_empty_data_shows_the_callers_text():
    for svg in (
        bar_chart(title="诉求类别", bars=[], empty_text="暂无数据"),
        column_chart(title="诉求类别", series=[], categories=["2020"], empty_text="暂无数据"),
        column_chart(title="诉求类别", series=[("a", [])], categories=[], empty_text="暂无数据"),
        line_chart(title="诉求类别", series=[("a", [None, None])], categories=["1月", "2月"], empty_text="暂无数据"),
    ):
        root = parse(svg)
        assert "暂无数据" in texts(root)
        assert root.find(f"{SVG}desc").text == "暂无数据"
        assert not find(root, "rect")


def test_all_zero_values_draw_empty_bars_on_a_unit_scale():
    root = parse(bar_chart(title="t", bars=[("a", 0), ("b", 0)], empty_text="-"))
    assert [float(bar.get("width")) for bar in find(root, "rect", "bar")] == [0, 0]
    assert [el.text for el in find(root, "text", "value")] == ["0", "0"]


def test_refuses_floats_and_negative_values():
    with pytest.raises(TypeError):
        bar_chart(title="t", bars=[("a", 1.5)], empty_text="-")
    with pytest.raises(ValueError):
        bar_chart(title="t", bars=[("a", -1)], empty_text="-")
    with pytest.raises(ValueError):
        column_chart(title="t", series=[("a", [1, 2])], categories=["2020"], empty_text="-")


@pytest.mark.parametrize(
    ("maximum", "whole", "ticks"),
    [
        (150, True, [0, 50, 100, 150]),
        (12, True, [0, 5, 10, 15]),
        (151, True, [0, 50, 100, 150, 200]),
        (7, True, [0, 2, 4, 6, 8]),
        (1, True, [0, 1]),
        (2, True, [0, 1, 2]),
        (0, True, [0, 1]),
        (1000, True, [0, 500, 1000]),
        (Decimal("3.5"), False, [0, 1, 2, 3, 4]),
        (Decimal("0.3"), False, [0, Decimal("0.1"), Decimal("0.2"), Decimal("0.3")]),
    ],
)
def test_nice_ticks(maximum, whole, ticks):
    assert nice_ticks(maximum, whole=whole) == ticks


def test_years_as_columns():
    root = parse(
        column_chart(
            title="历年诉求", series=[("诉求", [150, 50, 12])], categories=["2018", "2019", "2020"], empty_text="-"
        )
    )
    columns = find(root, "rect", "column")
    assert len(columns) == 3
    assert [el.text for el in find(root, "text", "value")] == ["150", "50", "12"]
    assert [el.text for el in find(root, "text", "category")] == ["2018", "2019", "2020"]
    assert not find(root, "g", "legend")  # one series: the title names it
    heights = [float(column.get("height")) for column in columns]
    assert heights[1] == pytest.approx(heights[0] / 3, abs=0.1)
    assert root.find(f"{SVG}desc").text == "2018: 诉求 150; 2019: 诉求 50; 2020: 诉求 12"


def test_stacked_columns_print_totals_and_reach_them():
    series = [("环境卫生", [3, 0, 5]), ("停车管理", [2, 4, 5])]
    root = parse(column_chart(title="t", series=series, categories=["1月", "2月", "3月"], stacked=True, empty_text="-"))
    assert [el.text for el in find(root, "text", "value")] == ["5", "4", "10"]
    columns = find(root, "rect", "column")
    assert len(columns) == 6
    # Category 3 holds 10 (the top tick): its stack runs from the axis to the plot's top, the segments touching.
    lower, upper = columns[4], columns[5]
    assert float(lower.get("y")) == pytest.approx(float(upper.get("y")) + float(upper.get("height")), abs=0.1)
    assert float(lower.get("height")) == pytest.approx(float(upper.get("height")), abs=0.1)
    assert lower.get("x") == upper.get("x")
    legend = find(root, "g", "legend")[0]
    assert [el.text for el in legend.iter(f"{SVG}text")] == ["环境卫生", "停车管理"]
    assert "3月: 环境卫生 5, 停车管理 5 (Σ 10)" in root.find(f"{SVG}desc").text


def test_grouped_columns_sit_side_by_side():
    root = parse(column_chart(title="t", series=[("a", [4]), ("b", [2])], categories=["2020"], empty_text="-"))
    first, second = find(root, "rect", "column")
    assert float(second.get("x")) == pytest.approx(float(first.get("x")) + float(first.get("width")), abs=0.1)
    assert float(second.get("height")) == pytest.approx(float(first.get("height")) / 2, abs=0.1)


def test_twelve_months_fit_and_long_labels_are_shortened_with_their_full_text_on_hover():
    months = [f"{m}月" for m in range(1, 13)]
    series = [(name, list(range(12))) for name in ("环境卫生", "停车管理", "电梯维修")]
    root = parse(column_chart(title="t", series=series, categories=months, stacked=True, empty_text="-"))
    assert len(find(root, "rect", "column")) == 36
    long = "一个非常非常非常长的楼栋名称" * 3
    root = parse(bar_chart(title="t", bars=[(long, 1)], empty_text="-"))
    label = next(el for el in find(root, "text") if el.find(f"{SVG}title") is not None)
    assert label.find(f"{SVG}title").text == long
    assert label.find(f"{SVG}title").tail.endswith("…")


def test_line_chart_breaks_at_gaps():
    root = parse(
        line_chart(
            title="平均办结天数",
            series=[("天数", [Decimal("3.5"), Decimal("2.0"), None, Decimal("4.25")])],
            categories=["1月", "2月", "3月", "4月"],
            unit="天",
            empty_text="-",
        )
    )
    assert len(find(root, "circle", "point")) == 3
    assert len(find(root, "polyline")) == 1  # 4月 stands alone
    assert root.find(f"{SVG}desc").text == "1月: 天数 3.5天; 2月: 天数 2.0天; 3月: –; 4月: 天数 4.25天"


def test_the_module_imports_only_the_standard_library():
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "collections", "dataclasses", "decimal", "re", "unicodedata", "xml"}


# --- Properties -----------------------------------------------------------------------------------------------

values = st.one_of(
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
)
labels = st.text(max_size=30)


@given(st.lists(st.tuples(labels, values), max_size=25), labels)
def test_any_bars_are_well_formed_and_proportional(bars, title):
    root = parse(bar_chart(title=title, bars=bars, empty_text="-"))
    rects = find(root, "rect", "bar")
    assert len(rects) == len(bars)
    if not bars:
        return
    widths = [float(rect.get("width")) for rect in rects]
    x0, x_end = grid_xs(root)[0], grid_xs(root)[-1]
    whole = all(isinstance(value, int) for _, value in bars)
    top = float(nice_ticks(max(value for _, value in bars), whole=whole)[-1])
    for width, (_, value) in zip(widths, bars, strict=True):
        assert width == pytest.approx((x_end - x0) * float(value) / top, abs=0.1)
        assert 0 <= width <= x_end - x0 + 0.1


@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.lists(labels, min_size=n, max_size=n),
            st.lists(st.tuples(labels, st.lists(st.integers(0, 10**6), min_size=n, max_size=n)), max_size=6),
        )
    ),
    st.booleans(),
)
def test_any_columns_are_well_formed_and_stack_to_their_totals(data, stacked):
    categories, series = data
    root = parse(column_chart(title="t", series=series, categories=categories, stacked=stacked, empty_text="-"))
    columns = find(root, "rect", "column")
    assert len(columns) == (len(series) * len(categories) if series else 0)
    if stacked and series:
        for index in range(len(categories)):
            stack = columns[index * len(series) : (index + 1) * len(series)]
            axis = float(stack[0].get("y")) + float(stack[0].get("height"))
            top = min(float(rect.get("y")) for rect in stack)
            # The segments touch: together they are as tall as the stack.
            assert sum(float(rect.get("height")) for rect in stack) == pytest.approx(axis - top, abs=0.1 * len(series))


@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.lists(labels, min_size=n, max_size=n),
            st.lists(st.tuples(labels, st.lists(st.one_of(st.none(), values), min_size=n, max_size=n)), max_size=4),
        )
    )
)
def test_any_lines_are_well_formed_with_one_point_per_value(data):
    categories, series = data
    root = parse(line_chart(title="t", series=series, categories=categories, empty_text="-"))
    points = [value for _, row in series for value in row if value is not None]
    assert len(find(root, "circle", "point")) == len(points)
