"""Serving a stored private PNG (core.uploads.private_png_response): the headers every photo view sends, and a 404
for no file or a file gone from disk."""

import io

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from PIL import Image

from community.models import Volunteer
from core.uploads import private_png_response


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _stored(data: bytes):
    """A real FieldFile stored under the test's own MEDIA_ROOT."""
    photo = Volunteer().photo
    photo.save("face.png", ContentFile(data), save=False)
    return photo


def test_the_stored_png_is_streamed_privately_and_never_sniffed():
    data = _png()
    response = private_png_response(_stored(data))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"].startswith("inline")  # shown in the page, never offered as a download
    assert b"".join(response.streaming_content) == data
    response.file_to_stream.close()  # the server closes it once sent (response.close() also ends the request)


def test_a_shorter_cache_may_be_asked_for():
    response = private_png_response(_stored(_png()), max_age=300)
    assert response["Cache-Control"] == "private, max-age=300"
    response.file_to_stream.close()


def test_no_file_or_a_file_gone_from_disk_is_not_found():
    with pytest.raises(Http404):
        private_png_response(Volunteer().photo)
    gone = _stored(_png())
    gone.storage.delete(gone.name)
    with pytest.raises(Http404):
        private_png_response(gone)
