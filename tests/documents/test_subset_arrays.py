"""Font subsetting does not make cffi parse a new C type for every glyph count (documents.render._OpenArrays)."""

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
