"""What every browser test shares: Debian's Chromium driven by Playwright, and where
screenshots go so people can look at the pages without running the app."""

import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from tests.factories import PASSWORD
from tests.two_factor_support import answer_code_step

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Without the background-networking flags Chromium keeps calling out of this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def launched_chromium():
    """A headless Chromium; Django's ORM may be used meanwhile from the test's thread.

    Playwright's sync API runs an event loop in this thread, so Django's async-safety check
    is lifted for the browser's lifetime only and restored afterwards.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def watch_problems(page) -> list[str]:
    """What a user would see go wrong on the page: console errors, uncaught script errors and
    requests that failed. A load the browser dropped because the test moved on to another page
    (net::ERR_ABORTED) is not a failure of the page."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def failed(request):
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    return problems


def log_in(page, base_url: str, email: str, password: str | None = None) -> None:
    """The log-in form, then the code step when the account asks for one."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Log in").click()
    answer_code_step(page, email)
