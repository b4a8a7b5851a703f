"""Uploaded images and PDFs, checked the same way everywhere: the size capped, the content sniffed (never the name),
and images decoded and drawn again so what is stored is never the uploaded bytes. Lives in core so that every app,
the roster's volunteer photos included, takes the same checks from here."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError  # Pillow comes with WeasyPrint

# The kinds sniff_upload tells apart; proposals.models.Attachment.Kind has the same values.
IMAGE = "image"
PDF = "pdf"

_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": (IMAGE, ".png"),
    b"\xff\xd8\xff": (IMAGE, ".jpg"),
    b"RIFF": (IMAGE, ".webp"),
    b"%PDF-": (PDF, ".pdf"),
}


def sniff_upload(upload, *, max_bytes: int | None = None) -> tuple[str, str]:
    """(kind, extension) of an uploaded image or PDF, judged by its first bytes, not its name."""
    max_bytes = max_bytes or settings.ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": max_bytes // 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, found in _SIGNATURES.items():
        if head.startswith(signature) and (signature != b"RIFF" or head[8:12] == b"WEBP"):
            return found
    raise ValidationError(_("Only images (JPEG, PNG, WebP) and PDF files can be attached."))


# Larger images are refused before decoding: a small file can declare a huge canvas (a decompression bomb).
IMAGE_MAX_PIXELS = 40_000_000


def image_reencoded(upload, *, max_bytes: int, max_side: int, refusal: str) -> bytes:
    """The uploaded image as a fresh PNG (at most `max_side` a side, no metadata), or a ValidationError (`refusal`
    for anything that is not a JPEG, PNG or WebP image).

    Checked like every upload (sniff_upload: size cap, content sniffed, not the name), then decoded and drawn again
    by Pillow, so what is stored and served is never the uploaded bytes.
    """
    try:
        kind, _extension = sniff_upload(upload, max_bytes=max_bytes)
    except ValidationError as error:
        if upload.size > max_bytes:
            raise
        raise ValidationError(refusal) from error
    if kind != IMAGE:
        raise ValidationError(refusal)
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise ValidationError(refusal)
            image.load()
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(refusal) from None
    return out.getvalue()


def private_png_response(file, *, max_age: int = 3600) -> FileResponse:
    """A stored PNG (an image image_reencoded drew again) streamed to one user: the caller has checked that they may
    see it, since media is never served from a public URL. No file, or one missing on disk, is a 404.

    Kept only in the user's own browser cache, and never sniffed as anything but an image.
    """
    if not file:
        raise Http404("no file")
    try:
        handle = file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("file missing") from missing
    response = FileResponse(handle, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def stored_file_delete_on_commit(storage, name: str) -> None:
    """Delete a stored file no row names any more, once the transaction commits: a rolled-back change never loses
    the file its row still names."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))
