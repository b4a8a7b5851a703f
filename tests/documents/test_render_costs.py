"""Costs WeasyPrint pays on every document, removed in documents.render: a cffi C type parsed per glyph count, streams
deflated at level 9."""

from documents.render import _OpenArrays, render_pdf


def test_documents_with_new_glyph_counts_parse_no_new_c_type():
    from weasyprint.text.ffi import ffi

    render_pdf("<p>预热</p>")
    before = set(ffi._parsed_types)
    for text in ("共议", "共议小区", "共议小区业主表决", "业主表决结果及决议 Resolution 2026"):
        assert render_pdf(f"<p>{text}</p>").startswith(b"%PDF-")
    assert set(ffi._parsed_types) - before == set()


def test_open_arrays_give_what_sized_arrays_give():
    from weasyprint.text.ffi import ffi

    arrays = _OpenArrays(ffi)
    filled = arrays.new("hb_codepoint_t[3]", (7, 8, 9))
    assert ffi.typeof(filled) == ffi.typeof("hb_codepoint_t[]") and list(filled) == [7, 8, 9]
    assert list(arrays.new("char[4]")) == [b"\0"] * 4
    assert arrays.new("unsigned int *", 100)[0] == 100
    assert arrays.cast == ffi.cast


def test_pdf_streams_are_deflated_at_the_default_level():
    import zlib

    import pydyf

    from documents.render import PDF_ZLIB_LEVEL

    pdf = render_pdf("<p>共议：业主表决结果及决议</p>")
    assert pdf.startswith(b"%PDF-") and b"/FlateDecode" in pdf
    data = "业主表决结果及决议 ".encode() * 500
    compressor = pydyf.zlib.compressobj(level=9)
    deflated = compressor.compress(data) + compressor.flush()
    assert deflated == zlib.compress(data, PDF_ZLIB_LEVEL)
    assert zlib.decompress(deflated) == data
