"""The library and a best practice's page in Chromium, on a laptop and a phone; screenshots land
in test-artifacts/ for people to look at."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.choices import Releasability
from tests.best_practices.conftest import draft, published, walk
from tests.browser_support import ARTIFACTS, VIEWPORTS
from tracker import best_practices as services

pytestmark = pytest.mark.browser

BODY = """## What was done

Two Allies pooled a **reserve of tungsten concentrate** held by one of them and drawn on by
both under a written agreement.

- Shared storage, one inventory
- Releases decided together
- Yearly rotation of stock

| Year | Tonnes |
| --- | --- |
| 2024 | 120 |
| 2025 | 180 |

See [the roadmap](https://www.nato.int/) for context.

<script>alert("never runs")</script>
"""


def _shelf(fra_delegate, deu_delegate, fra, deu, secretariat_user, line, gallium):
    target = draft(
        fra_delegate,
        fra,
        title="Pooling a tungsten reserve between two Allies",
        summary="A shared stock of tungsten concentrate, drawn on by both Allies.",
        body=BODY,
        lines=[line],
        materials=[gallium],
        tags=["stockpiling", "cooperation"],
        releasability=Releasability.INDUSTRY,
    )
    services.add_attachments(
        user=fra_delegate,
        best_practice_id=target.pk,
        attachments=[SimpleUploadedFile("agreement.pdf", b"%PDF-1.7\n%%EOF\n")],
    )
    walk(target, (fra_delegate, "submit"), (secretariat_user, "start_review"))
    walk(target, (secretariat_user, "publish"))
    for n, title in enumerate(
        [
            "Recovering neodymium from worn actuators",
            "Second sources for gallium wafers",
            "A common register of critical stocks",
        ]
    ):
        published(
            deu_delegate if n % 2 else fra_delegate,
            deu if n % 2 else fra,
            secretariat_user,
            title=title,
            summary="How it works, who took part and what it cost.",
            tags=["recycling"] if n == 0 else ["sourcing"],
            materials=[gallium] if n == 1 else [],
            releasability=Releasability.PUBLIC,
        )
    waiting = walk(
        draft(fra_delegate, fra, title="Joint testing of substitute alloys", body=BODY),
        (fra_delegate, "submit"),
        (secretariat_user, "start_review"),
    )
    return target, waiting


def _page_as(chromium, live_server, user, device):
    browser_client = Client()
    browser_client.force_login(user)
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": browser_client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    return context, page, problems


@pytest.mark.parametrize("device", VIEWPORTS)
def test_library_and_detail_pages_look_right(
    transactional_db,
    live_server,
    chromium,
    fra_delegate,
    deu_delegate,
    niag_member,
    fra,
    deu,
    secretariat_user,
    line,
    gallium,
    device,
):
    target, waiting = _shelf(fra_delegate, deu_delegate, fra, deu, secretariat_user, line, gallium)
    ARTIFACTS.mkdir(exist_ok=True)
    width = VIEWPORTS[device]["width"]

    # The library, as an industry member: filters, four entries, an export link
    context, page, problems = _page_as(chromium, live_server, niag_member, device)
    page.goto(f"{live_server.url}/best-practices/")
    assert page.get_by_role("heading", level=1).inner_text() == "Best practices"
    assert page.locator(".bp-item").count() == 4
    assert page.get_by_role("link", name="Export CSV").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=ARTIFACTS / f"best-practices-library-{device}.png", full_page=True)

    page.get_by_label("Search").fill("concentrate pooled")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator(".bp-item").count() == 1

    # Its page: rendered Markdown, nothing run, the attachment offered as a download
    page.get_by_role("link", name=target.title).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=2, name="What was done").is_visible()
    assert page.locator(".bp-body table").is_visible()
    assert page.get_by_role("link", name="agreement.pdf").is_visible()
    assert page.get_by_text("Review history").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=ARTIFACTS / f"best-practices-detail-{device}.png", full_page=True)
    assert problems == []
    context.close()

    # The author's form: an empty title is refused with a clear message
    context, page, problems = _page_as(chromium, live_server, fra_delegate, device)
    page.goto(f"{live_server.url}/best-practices/new/")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert page.get_by_text("A title is required.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=ARTIFACTS / f"best-practices-form-{device}.png", full_page=True)
    # The refused form answers 400, which Chromium logs; nothing else may go wrong
    assert [p for p in problems if "status of 400" not in p] == []
    context.close()

    # The secretariat's view of one under review: the decision panel and the history
    context, page, problems = _page_as(chromium, live_server, secretariat_user, device)
    page.goto(f"{live_server.url}/best-practices/queue/")
    assert page.get_by_role("link", name=waiting.title).is_visible()
    page.screenshot(path=ARTIFACTS / f"best-practices-queue-{device}.png", full_page=True)
    page.get_by_role("link", name=waiting.title).click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Publish").is_visible()
    assert page.get_by_role("button", name="Return to the author").is_visible()
    assert page.get_by_text("Review history").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=ARTIFACTS / f"best-practices-review-{device}.png", full_page=True)
    page.get_by_label("Comment to the author").fill("Please add the costs.")
    page.get_by_role("button", name="Return to the author").click()
    page.wait_for_load_state()
    assert page.get_by_text("Returned to the author.").first.is_visible()
    assert page.get_by_text("Please add the costs.").is_visible()
    assert problems == []
    context.close()
