"""Browser tests: Playwright for Python drives Debian's Chromium (never a downloaded browser) against a real daphne
server on PostgreSQL and Redis — households on a 390×844 phone screen, the committee on a laptop screen.

Like tests/system (whose server fixtures they reuse), they skip without PostgreSQL, Redis, Playwright or Chromium,
except under CI=true, where anything missing fails: CI installs all of them, so a skip there would hide a broken
setup. Screenshots of the key screens are saved to docs/screenshots/ (the README shows them).
"""

import contextlib
import functools
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections

from accounts.models import User
from community.models import Role
from tests.system.conftest import daphnes, require, server_env  # noqa: F401  (the system tests' server fixtures)
from tests.system.processes import ROOT, wait_until

CHROMIUM = "/usr/bin/chromium"  # Debian's package `chromium`; Playwright's own downloads are never used
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # A closed network: no component updates, safe-browsing lists or sync calls that would hang or slow a page.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}  # a cheap Android phone
LAPTOP = {"width": 1280, "height": 800}
# WeChat's built-in browser on Android, where most owners open a link pasted into their building's group.
WECHAT_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 12; M2006C3MG Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247"
    " MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
# Chromium's default font sizes (px): "standard" is what 1rem is when the root font follows the browser's setting.
DEFAULT_FONT_SIZES = {"standard": 16, "fixed": 13}
# Every wait is on a condition, bounded by these (milliseconds): a broken page fails in seconds, not minutes.
TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000  # the resolution PDF takes a few seconds of font work
# The README's screenshots are rewritten only when asked (SCREENSHOTS=1 make test), so a test run leaves the
# working tree clean; otherwise they go to a scratch folder.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "gongyi-screenshots"
)
PASSWORD = "qingshan-lushui-2026"  # every account the tests make; long enough for Django's validators


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: no test database or server is set up for a test that cannot run here.
    require(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "browser tests need PostgreSQL (DATABASE_URL=postgres://...)",
    )
    require(bool(settings.REDIS_URL), "browser tests need Redis (REDIS_URL=redis://...)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "browser tests need the Python package playwright (pip install playwright==1.65.2)")
    require(os.access(CHROMIUM, os.X_OK), f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # The outcome of each phase, for the fixtures below to save what the browser showed when a test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))


# --- The server -------------------------------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    sms_file: Path
    process: object

    def url(self, path: str) -> str:
        return self.base + path

    def sms_code(self, phone: str, timeout: float = 15) -> str:
        """The 6-digit code of the latest text to `phone` (the server writes texts to a file: tests/browser/sms.py)."""

        def latest():
            if not self.sms_file.exists():
                return None
            lines = [json.loads(line) for line in self.sms_file.read_text(encoding="utf-8").splitlines() if line]
            texts = [line["text"] for line in lines if line["phone"] == phone]
            found = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1]) if texts else None
            return found.group(1) if found else None

        return wait_until(latest, timeout, f"a text message with a code to {phone}")


@pytest.fixture
def server(daphnes, tmp_path):  # noqa: F811  (daphnes is the imported fixture)
    """One daphne serving Gongyi on this test's PostgreSQL database and Redis, texts written to a file."""
    sms_file = tmp_path / "sms.jsonl"
    (web,) = daphnes(
        ["web"],
        env={
            "SMS_BACKEND": "tests.browser.sms.FileBackend",
            "GONGYI_TEST_SMS_FILE": str(sms_file),
            "MEDIA_ROOT": str(tmp_path / "media"),  # ballot scans stay out of the checkout's media/
        },
    )
    return Server(base=f"http://127.0.0.1:{web.port}", sms_file=sms_file, process=web)


# --- The browser ------------------------------------------------------------------------------------------------


@pytest.fixture
def browser(server, monkeypatch, request):
    """Chromium, headless, for one test. It depends on `server`, whose environment was copied before the
    variable below is set: the server keeps Django's async-safety check."""
    from playwright.sync_api import expect, sync_playwright

    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000)
    except Exception as error:
        manager.stop()
        require(False, f"Chromium at {CHROMIUM} did not start: {error}")
    # Playwright's sync API runs an asyncio loop in this thread, and Django refuses database access in a thread with
    # a running loop. The test's own queries are plain synchronous ones, so the check is lifted while the browser is.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        yield chromium
    finally:
        if _failed(request):
            _save_failure(request, chromium, server)
        chromium.close()
        # The test's queries ran on a connection of the loop's context; closed here, it does not keep the test
        # database open when pytest-django drops it.
        connections.close_all()
        manager.stop()


def _save_failure(request, chromium, server) -> None:
    """What every open page showed, and the server's log, next to the test's temporary files."""
    out = server.sms_file.parent  # the test's tmp_path, kept by pytest for the last runs
    for c, context in enumerate(chromium.contexts):
        for p, page in enumerate(context.pages):
            with contextlib.suppress(Exception):  # a crashed page has nothing to show
                page.screenshot(path=out / f"failure-{c}-{p}.png", full_page=True, timeout=5_000)
    print(f"\nScreenshots of the open pages: {out}/failure-*.png")
    print(f"Server log (last lines):\n{server.process.log_tail(60)}")


def _new_page(chromium, *, phone: bool, csp_violations: list[str], viewport=None, user_agent=None):
    viewport = viewport or (PHONE if phone else LAPTOP)
    if phone:
        extra = {"user_agent": user_agent} if user_agent else {}
        context = chromium.new_context(viewport=viewport, is_mobile=True, has_touch=True, locale="zh-CN", **extra)
    else:
        context = chromium.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    page.set_viewport_size(viewport)

    # Chromium reports on the console whatever the Content-Security-Policy refused (an inline script or style).
    def report(message) -> None:
        if "Content Security Policy" in message.text:
            csp_violations.append(f"{page.url}: {message.text}")

    context.on("console", report)
    return page


@pytest.fixture
def csp_violations(browser):
    """What the Content-Security-Policy refused on any page of the test: a page that relies on inline code is broken
    under the policy, so there must be none."""
    found: list[str] = []
    yield found
    assert not found, "\n".join(found)


@pytest.fixture
def phone(browser, csp_violations):
    """phone() → a page in a fresh context (its own cookies) on a 390×844 touch screen."""
    return lambda: _new_page(browser, phone=True, csp_violations=csp_violations)


@pytest.fixture
def laptop(browser, csp_violations):
    """laptop() → a page in a fresh context on a 1280×800 laptop screen."""
    return lambda: _new_page(browser, phone=False, csp_violations=csp_violations)


@pytest.fixture
def small_phone(browser, csp_violations):
    """small_phone() → a page in a fresh context on a 360×640 touch screen, as WeChat's browser (its user agent)."""
    return lambda: _new_page(
        browser, phone=True, csp_violations=csp_violations, viewport=SMALL_PHONE, user_agent=WECHAT_USER_AGENT
    )


def large_text(page, scale: int = 2) -> None:
    """The phone's own text size turned up (200 % by default): the browser's default font size is multiplied, as a
    reader's setting does, so every size given in rem grows with it (a size in px does not). It holds for the page
    from now on, across navigations (Chromium's font-size preferences of the tab, through DevTools' protocol)."""
    session = page.context.new_cdp_session(page)
    sizes = {name: size * scale for name, size in DEFAULT_FONT_SIZES.items()}
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": sizes})
    page.__dict__["_gongyi_cdp"] = session  # kept open: a detached session may drop the setting


# --- Accessibility (axe-core) -----------------------------------------------------------------------------------

# axe-core's own impact scale; the browser tests fail on the two upper ones.
AXE_FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Every violation axe-core finds on the page as it is shown now (the package axe-playwright-python carries
    axe-core's script and runs it in the page through DevTools, which the Content-Security-Policy does not cover)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One line per violation and element: impact, rule, the element's CSS path and what axe says is wrong."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or violation["help"]).replace("\n", " ")
            lines.append(f"  {violation['impact']} {violation['id']}: {target} — {summary}")
    return "\n".join(lines)


# --- Helpers ----------------------------------------------------------------------------------------------------


@functools.cache
def _password_hash() -> str:
    # A million PBKDF2 rounds take a second: one hash (one salt) serves every account the tests make.
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


def staff(community, kind: str, username: str, display_name: str, phone: str) -> User:
    """A user with a role in `community`, a verified mobile number (logging in asks for one) and the password
    PASSWORD, hashed as the server hashes passwords (this process uses a fast hasher the server does not know)."""
    user = User.objects.create(
        username=username, display_name=display_name, phone=phone, phone_verified=True, password=_password_hash()
    )
    Role.objects.create(user=user, community=community, kind=kind)
    return user


def log_in(page, server: Server, login: str, password: str = PASSWORD) -> None:
    """Through the real login page, as a person types it."""
    from playwright.sync_api import expect

    page.goto(server.url("/accounts/login/"))
    page.get_by_label("手机号或用户名").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator(".topnav details.me summary")).to_be_visible()  # the account menu ("我的") of a logged-in user


def expect_message(page, text) -> None:
    """One of the page's messages (the list at the top of every page) says `text` (a string or a pattern)."""
    from playwright.sync_api import expect

    expect(page.locator("ul.messages li.msg").filter(has_text=text)).to_be_visible()


def shoot(page, name: str, *, top=None, full_page: bool = False) -> Path:
    """Save the screen as docs/screenshots/<name>.png, overwriting the last run's, in 256 colours (a tenth of the
    size; the pages are flat colours and text). `top`: a locator scrolled to the top of the screen first."""
    from PIL import Image

    if top is not None:
        top.evaluate("element => { element.scrollIntoView({block: 'start'}); window.scrollBy(0, -12); }")
    # Two frames drawn since the last input: a tap's highlight has faded from the screen.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    optimise_png(path)
    assert Image.open(path).size[0] == page.viewport_size["width"]
    return path


def optimise_png(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def tiny_png(width: int = 48, height: int = 32) -> bytes:
    """A small grey PNG (the photo of a signed paper ballot), made with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc8" * width for _ in range(height))  # filter byte + grey pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_first_page_png(pdf: bytes, name: str, tmp_path: Path) -> Path | None:
    """docs/screenshots/<name>.png: the PDF's first page at 60 dpi, if poppler-utils' pdftoppm is installed."""
    if shutil.which("pdftoppm") is None:
        return None
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
        timeout=60,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    shutil.copyfile(tmp_path / f"{name}.png", path)
    optimise_png(path)
    return path
