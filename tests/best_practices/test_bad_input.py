"""Bad input: hostile Markdown renders inert; bad files and an empty title are refused with a
clear message and nothing is saved (no row, no file on disk)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import parse_html
from django.urls import reverse
from rest_framework.test import APIClient

from tests.best_practices.conftest import draft, published
from tracker import best_practices as services
from tracker.markdown import render_markdown
from tracker.models import BestPractice, BestPracticeAttachment

HOSTILE_BODY = """# Lessons

<script>alert("body")</script>

<img src="x" onerror="alert('img')">

[click me](javascript:alert('link'))

<a href="javascript:alert('raw')" onclick="alert('click')">raw link</a>

[fine](https://www.nato.int/)
"""


def _elements(node):
    for child in getattr(node, "children", []):
        if not isinstance(child, str):
            yield child
            yield from _elements(child)


def test_script_event_handlers_and_javascript_links_render_inert(
    client, fra_delegate, fra, secretariat_user
):
    best_practice = published(fra_delegate, fra, secretariat_user, body=HOSTILE_BODY)
    client.force_login(secretariat_user)

    page = client.get(reverse("best_practices:detail", args=[best_practice.pk])).content.decode()
    body = page[page.index('<div class="bp-body card">') : page.index('<aside class="bp-side">')]
    api = APIClient()
    api.force_authenticate(secretariat_user)
    body_html = api.get(f"/api/v1/best-practices/{best_practice.pk}/").data["body_html"]

    for html in (body, body_html):
        assert_inert(html)
        # What was typed is still readable as text, and the good link still works
        assert "&lt;script&gt;" in html
        assert 'href="https://www.nato.int/"' in html


def assert_inert(html: str) -> None:
    """No element that runs code, no event handler, no javascript: address."""
    elements = list(_elements(parse_html(html)))
    assert all(element.name not in {"script", "img", "iframe", "svg"} for element in elements)
    for element in elements:
        for name, value in element.attributes:
            assert not name.startswith("on"), (element.name, name)
            assert "javascript:" not in (value or "").lower(), (element.name, value)


@pytest.mark.parametrize(
    "markdown",
    [
        '<svg onload="alert(1)"></svg>',
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
        "![pixel](https://tracker.example/p.png)",
        '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    ],
)
def test_other_known_tricks_leave_no_active_markup(markdown):
    html = str(render_markdown(markdown))
    elements = list(_elements(parse_html(html)))

    assert all(element.name in {"p", "a"} for element in elements), html
    for element in elements:
        for name, value in element.attributes:
            assert name in {"href", "rel"}, html
            if name == "href":
                assert value.startswith(("http://", "https://", "mailto:")), html


def _nothing_saved(root):
    assert BestPractice.objects.count() == 0
    assert BestPracticeAttachment.objects.count() == 0
    assert not root.exists() or not any(path.is_file() for path in root.rglob("*"))


def _form(fra, **overrides):
    data = {
        "title": "Dual sourcing",
        "summary": "",
        "body": "Text",
        "organisation": fra.pk,
        "releasability": "nato",
        "tags": "",
    }
    data.update(overrides)
    return data


def test_an_empty_title_is_refused_on_the_page(client, fra_delegate, fra, private_attachment_root):
    client.force_login(fra_delegate)

    response = client.post(reverse("best_practices:create"), _form(fra, title="   "))

    assert response.status_code == 400
    assert "A title is required." in response.content.decode()
    _nothing_saved(private_attachment_root)


def test_an_empty_title_is_refused_by_the_api_and_the_service(
    fra_delegate, fra, private_attachment_root
):
    api = APIClient()
    api.force_authenticate(fra_delegate)

    response = api.post(
        "/api/v1/best-practices/", {"title": "", "organisation": "FRA"}, format="json"
    )

    assert response.status_code == 400
    assert response.data["title"] == ["A title is required."]
    with pytest.raises(services.ValidationError) as refused:
        draft(fra_delegate, fra, title="  ")
    assert refused.value.message_dict["title"] == ["A title is required."]
    _nothing_saved(private_attachment_root)


def _oversized(settings):
    settings.BEST_PRACTICE_ATTACHMENT_MAX_BYTES = 1024
    return SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + b"0" * 2048, "application/pdf")


def _renamed_executable():
    return SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")


def _renamed_elf():
    return SimpleUploadedFile("minutes.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200)


def _macro_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    return SimpleUploadedFile("figures.xlsx", buffer.getvalue())


BAD_FILES = {
    "oversized": (_oversized, "is larger than 1 KB, the most a file may be."),
    "executable renamed to .pdf": (
        lambda settings: _renamed_executable(),
        "is a program, whatever its name says; programs are not accepted.",
    ),
    "ELF renamed to .pdf": (
        lambda settings: _renamed_elf(),
        "is a program, whatever its name says; programs are not accepted.",
    ),
    "workbook with macros": (
        lambda settings: _macro_workbook(),
        "is not a file of an accepted type",
    ),
    "PNG named .pdf": (
        lambda settings: SimpleUploadedFile("chart.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        "contains a PNG file; name it with .png.",
    ),
    "binary junk": (
        lambda settings: SimpleUploadedFile("data.txt", b"\xff\xfe\x00\x01\x02"),
        "is not a file of an accepted type",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_on_the_page_and_nothing_is_saved(
    client, fra_delegate, fra, settings, private_attachment_root, case
):
    make, message = BAD_FILES[case]
    client.force_login(fra_delegate)

    response = client.post(
        reverse("best_practices:create"), {**_form(fra), "attachment": make(settings)}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_saved(private_attachment_root)


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_by_the_api_and_the_draft_keeps_its_files(
    fra_delegate, fra, settings, private_attachment_root, case
):
    best_practice = draft(fra_delegate, fra)
    make, message = BAD_FILES[case]
    api = APIClient()
    api.force_authenticate(fra_delegate)

    response = api.post(
        f"/api/v1/best-practices/{best_practice.pk}/attachments/",
        {"file": make(settings)},
        format="multipart",
    )

    assert response.status_code == 400
    assert message in response.data["attachment"][0]
    assert best_practice.attachments.count() == 0
    assert not private_attachment_root.exists() or not any(
        path.is_file() for path in private_attachment_root.rglob("*")
    )


def test_accepted_files_are_kept_with_the_type_read_from_their_bytes(
    client, fra_delegate, fra, private_attachment_root
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    client.force_login(fra_delegate)

    for name, data, content_type in [
        ("plan.docx", buffer.getvalue(), "wordprocessingml.document"),
        ("notes.txt", "Réserve commune de tungstène".encode(), "text/plain"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ]:
        response = client.post(
            reverse("best_practices:create"),
            {**_form(fra, title=name), "attachment": SimpleUploadedFile(name, data, "x/y")},
        )
        assert response.status_code == 302, response.content.decode()
        attachment = BestPracticeAttachment.objects.get(best_practice__title=name)
        assert content_type in attachment.content_type
        assert attachment.size == len(data)


def test_the_form_does_not_offer_releasabilities_an_industry_member_cannot_read(
    client, niag_member, niag
):
    client.force_login(niag_member)

    response = client.post(
        reverse("best_practices:create"),
        {**_form(niag, title="Ours"), "releasability": "nato"},
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert BestPractice.objects.count() == 0
