"""What a household's phone does over HTTP, on the standard library: cookies, CSRF, posting a vote, reading the page.

Cookies are kept per client, not per server: behind a proxy a browser sees one site whichever daphne answers.
"""

import html
import http.client
import json
import re
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import get_random_string

RECEIPT = re.compile(r"已记录：(\S+?)，回执码 ([0-9A-Z]{8})")
# What a client sees when the server it talks to has died or is dying.
CONNECTION_ERRORS = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, TimeoutError)


def sessions_for(users) -> dict[int, str]:
    """A logged-in session row for each user, in one insert: {user id: session key}."""
    store = SessionStore()
    expire = timezone.now() + timedelta(days=1)
    keys, rows = {}, []
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys[user.pk] = key
    Session.objects.bulk_create(rows)
    return keys


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def page_text(self) -> str:
        """The page as a reader sees it: no tags, entities decoded, white space collapsed."""
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", self.text)))

    def json(self):
        return json.loads(self.body)


class Client:
    """One browser: its cookies (session, CSRF, messages) and requests to whichever server port it is given."""

    def __init__(self, session_key: str = "", timeout: float = 30):
        self.cookies: dict[str, str] = {}
        self.timeout = timeout
        if session_key:
            self.cookies["sessionid"] = session_key

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, port: int, method: str, path: str, data: dict | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        try:
            headers = {"Host": f"127.0.0.1:{port}", "Cookie": self.cookie_header()}
            body = None
            if data is not None:
                body = urlencode(data)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, port: int, path: str) -> Response:
        return self.request(port, "GET", path)

    def ensure_csrf(self) -> str:
        """A CSRF secret of our own, as Django accepts it (32 letters and digits, as cookie and form field alike)."""
        if "csrftoken" not in self.cookies:
            self.cookies["csrftoken"] = get_random_string(32)
        return self.cookies["csrftoken"]

    def flashed(self) -> list[str]:
        """The messages waiting in the browser's messages cookie: what the next page will show at its top."""
        messages = CookieStorage(HttpRequest())._decode(self.cookies.get("messages")) or []
        return [str(message.message) for message in messages]

    def vote(self, port: int, proposal_id: int, household_id: int, choice: str) -> Response:
        """The confirmed vote (step 2 of the household page's form): 302 back to the proposal page."""
        data = {"household": household_id, "choice": choice, "confirm": "1", "csrfmiddlewaretoken": self.ensure_csrf()}
        return self.request(port, "POST", f"/proposals/{proposal_id}/vote/", data)
