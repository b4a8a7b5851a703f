"""How responses go out over a slow phone network: pages compressed, files served at the site's root cached.

Static files are compressed and cached by WhiteNoise from what `collectstatic` wrote (config/settings.py).
"""

from django.middleware.gzip import GZipMiddleware

# What compresses: the pages, their JSON and plain-text or CSV exports. Files (PDF, XLSX, photos) are compressed
# already; gzipping one again costs CPU for a few bytes, and a streamed file would lose its Content-Length (a phone
# then shows no progress for a 10 MB annex).
TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")
# /favicon.ico and the other files of WHITENOISE_ROOT keep their names, so they cannot be cached forever like the
# hashed static files; a week spares the icon's request on every first visit and still lets a new icon show.
ROOT_FILE_MAX_AGE = 7 * 24 * 3600


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation: up to 100 random bytes in the gzip header of each
    response) for text responses only; it sets Vary: Accept-Encoding on what it may compress."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if response.streaming or not content_type.startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)


def root_file_headers(headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: files at the site's root (outside STATIC_URL) are cached for a week."""
    from django.conf import settings

    if not url.startswith("/" + settings.STATIC_URL.lstrip("/")):
        headers["Cache-Control"] = f"max-age={ROOT_FILE_MAX_AGE}, public"
