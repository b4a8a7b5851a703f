"""The printed resolution has a place for the committee's seal (盖章处) beside the signatures, draft or signed."""

import pytest

from resolutions.services import resolution_sign
from tests.documents.conftest import pdf_reader
from tests.resolutions.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def positions(content: bytes, wanted: tuple[str, ...]) -> dict[str, tuple[int, float, float]]:
    """{text: (page, x, y)} of the first text run containing each wanted string, in WeasyPrint's text space (CSS
    pixels, y growing downwards)."""
    found: dict[str, tuple[int, float, float]] = {}
    for number, page in enumerate(pdf_reader(content).pages):

        def visit(text, _cm, tm, _font, _size, number=number):
            for item in wanted:
                if item in text and item not in found:
                    found[item] = (number, tm[4], tm[5])

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("signed", [False, True])
def test_the_seal_area_sits_beside_the_signatures(client_as, closed, committee_user, signed, tmp_path):
    if signed:
        resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    content = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution.pdf").content
    (tmp_path / "resolution.pdf").write_bytes(content)
    wanted = ("七、业主委员会委员签署", "平台签署时间", "盖章处", "（盖章）")
    found = positions(content, wanted)
    assert set(found) == set(wanted), found
    (title_page, _x, title_y), (table_page, table_x, table_y) = found[wanted[0]], found[wanted[1]]
    (seal_page, seal_x, seal_y), (caption_page, _x, caption_y) = found[wanted[2]], found[wanted[3]]
    assert title_page == table_page == seal_page == caption_page  # never split from the signatures
    assert seal_x > table_x  # to the right of the signers' table (its last column) …
    assert title_y < table_y < seal_y < caption_y < table_y + 250  # … below the heading, level with the table
    assert f"{closed.community.name}业主委员会（盖章）" in "".join(
        page.extract_text() for page in pdf_reader(content).pages
    ).replace("\n", "")
