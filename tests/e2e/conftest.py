"""Real-browser harness: the app served by waitress on a free loopback port,
driven by Playwright in Debian's chromium. Failures leave a screenshot in
``test-artifacts/``."""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from waitress import wasyncore
from waitress.server import create_server

from tests.conftest import make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("KIOSK_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the rest keep it off this machine's
# closed network and out of first-run chores.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # The kiosk image allows autoplay by policy (AutoplayAllowed): spoken prompts start without a tap.
    "--autoplay-policy=no-user-gesture-required",
    # No sound card here: play into Chromium's fake output (the prompts still start, end and
    # time out as on a kiosk) instead of its audio service probing ALSA for devices.
    "--disable-audio-output",
]
# A browser test that waits longer than this has hung (a page or Chromium not
# answering): it fails with every thread's stack (pytest-timeout) and the next
# module starts a fresh Chromium.
E2E_TIMEOUT = 180
VIEWPORTS = {"kiosk": {"width": 1024, "height": 600}, "full_hd": {"width": 1920, "height": 1080}}


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.e2e)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(E2E_TIMEOUT))


class LiveServer:
    """The kiosk app on a real socket, in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=4, clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        # Close the browser's keep-alive connections too, not only the
        # listening socket (the loop runs until its socket map is empty), and
        # do it inside the loop's own thread so no select() sees a closed fd.
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()


@pytest.fixture
def serve(tmp_path):
    """Serve a kiosk app built with config overrides; returns the LiveServer."""
    servers = []

    def start(**overrides):
        overrides.setdefault("WTF_CSRF_ENABLED", True)  # the real browser path
        server = LiveServer(make_app(tmp_path, **overrides)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def live_server(serve):
    return serve()


@pytest.fixture(scope="module")
def browser():
    """A fresh Chromium (and Playwright driver) per test module: one module's stray
    contexts, audio streams or a wedged renderer never reach the next module."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context at the kiosk's 1024×600 touchscreen size."""
    context = browser.new_context(viewport=VIEWPORTS["kiosk"], has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    leave_before_closing(page)
    context.close()


def leave_before_closing(page):
    """Navigate to about:blank and wait for it, so nothing is loading when the context closes.

    context.close() has no timeout, and closing a context while its page is
    still navigating (a test whose last tap opened a page) hangs in this
    Chromium about one time in ten: that stalled CI inside tests/e2e/test_trips.py.
    A navigation already under way can interrupt the first try; the second
    goes after it. Leaving also fires pagehide, which aborts long-polls.
    """
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(2):
        try:
            page.goto("about:blank", timeout=5_000)
            return
        except PlaywrightError:
            continue


@pytest.fixture
def new_page(browser, request):
    """Open another browser window (a volunteer's tablet beside the kiosk) in a context of its own.

    Every context it opened is closed after the test, passed or failed (a failed one leaves a
    screenshot), so a failing test does not leave a tablet open for the rest of its module.
    """
    contexts = []

    def open_page(viewport, **options):
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts, start=1):
        if report is not None and report.failed and context.pages:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            context.pages[-1].screenshot(path=str(ARTIFACTS / f"{name}-window{number}.png"), full_page=True)
        for page in context.pages:
            leave_before_closing(page)
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def screenshot(page, name):
    """Save a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
