"""The rendering layer: Chinese text comes out as text in the CJK font, a missing font is a loud error, and the
monospaced columns of large lists line up exactly."""

import io

import pytest

from documents import render
from documents.layout import NARROW, WIDE, Column, clip, line, padding, paginate, text_units
from tests.documents.conftest import pdf_reader, pdf_text

CHINESE = "<h1>业主表决结果公告</h1><p>3号楼5单元502 同意 面积 89.50 平方米</p>"


def font_names(content: bytes) -> set[str]:
    names = set()
    for page in pdf_reader(content).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_chinese_comes_out_as_chinese_text_in_the_cjk_font():
    pdf = render.render_pdf(CHINESE)
    text = pdf_text(pdf)
    assert "业主表决结果公告" in text
    assert "3号楼5单元502" in text
    assert "\ufffd" not in text and "□" not in text
    names = font_names(pdf)
    assert names and all("WenQuanYi" in name for name in names), names


def test_the_page_is_a4_with_the_folio_of_the_print_stylesheet():
    pdf = render.render_pdf(CHINESE)
    page = pdf_reader(pdf).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_the_installed_font_is_found():
    assert render.assert_cjk_font().endswith(".ttc")
    family, file = render.fontconfig_match(render.CJK_FONT_FAMILY)
    assert family == render.CJK_FONT_FAMILY and file


def test_a_missing_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(render, "_state", {})
    monkeypatch.setattr(render, "CJK_FONT_FAMILY", "Gongyi Missing Hei")
    with pytest.raises(render.FontMissing) as error:
        render.render_pdf(CHINESE)
    message = str(error.value)
    assert "Gongyi Missing Hei" in message
    assert "apt-get install fonts-wqy-microhei" in message
    assert "box" in message


# --- Monospaced columns -------------------------------------------------------------------------------------


def test_widths_count_chinese_as_one_em_and_latin_as_point_six():
    assert text_units("3号楼") == NARROW + 2 * WIDE
    assert text_units("ABCD-EFGH") == 9 * NARROW


@pytest.mark.parametrize("units", [0, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 29, 58])
def test_padding_is_exactly_as_wide_as_asked(units):
    assert text_units(padding(units)) == units


@pytest.mark.parametrize("units", [1, 2, 4, 7])
def test_padding_refuses_widths_no_sum_of_spaces_makes(units):
    with pytest.raises(ValueError):
        padding(units)


def test_clip_marks_a_cut_text():
    assert clip("张三", 20) == "张三"
    cut = clip("某某房地产开发有限公司", 30)
    assert cut.endswith("..") and text_units(cut) <= 30


def _cells(text: str, columns) -> list[str]:
    """`text` cut where each column starts, asserting that a character boundary falls exactly there."""
    cells, at, used = [], 0, 0
    for column in columns[:-1]:
        start = at
        while used < column.width:
            used += text_units(text[at])
            at += 1
        assert used == column.width, (text, column)
        used = 0
        cells.append(text[start:at])
    cells.append(text[at:])
    return cells


def test_every_column_starts_at_the_same_place_on_every_line():
    columns = (Column(4, right=True), Column(8), Column(6), Column(7, right=True), Column(4))
    rows = [
        ("1", "3号楼5单元502", "王五", "89.50", "同意"),
        ("12", "A座2单元1101", "Zhang San", "1234.56", "不同意"),
        ("345", "12号楼1单元2604", "某某房地产开发有限公司", "8.00", "未表决"),
        ("30000", "", "", "", ""),
    ]
    for row in rows:
        cells = _cells(line(row, columns), columns)
        for cell, value, column in zip(cells, row, columns, strict=True):
            if column.right and value:  # numbers end at the same place: the column's room
                assert cell.strip(" \u3000") == value
                assert text_units(cell.rstrip(" \u3000")) == column.room
            elif value:
                assert cell.startswith(clip(value, column.room)) or cell == value
    # Long names are cut and marked "..".
    assert "某某房.." in _cells(line(rows[2], columns), columns)[2] and ".." in line(rows[2], columns)


def test_a_column_is_at_least_three_em():
    with pytest.raises(ValueError):
        Column(2)


def test_paginate():
    assert paginate(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert paginate([], 3) == [[]]
    with pytest.raises(ValueError):
        paginate([1], 0)


def _png() -> bytes:
    import segno

    out = io.BytesIO()
    segno.make("gongyi").save(out, kind="png")
    return out.getvalue()


def test_only_data_urls_are_fetched(tmp_path):
    # A proposal's text is written by users: an address in it must not be fetched or read into a document.
    import base64
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = tmp_path / "secret.png"
    local.write_bytes(_png())
    try:
        html = (
            f'<p>远程 <img src="http://127.0.0.1:{server.server_port}/x.png"></p><p>本地 <img src="file://{local}"></p>'
        )
        assert not pdf_reader(render.render_pdf(html)).pages[0].images
        data = base64.b64encode(_png()).decode()
        inline = render.render_pdf(f'<p>二维码 <img src="data:image/png;base64,{data}"></p>')
        assert len(pdf_reader(inline).pages[0].images) == 1
    finally:
        server.shutdown()
    assert hits == []
