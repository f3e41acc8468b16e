"""Releasability: an industry member never meets a NATO-only best practice, wherever they look;
drafts stay with their author."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Releasability
from tests.best_practices.conftest import draft
from tests.pages_daily.files import body, csv_table, xlsx_table
from tracker import best_practices as services
from tracker.best_practice_views import EXPORT_COLUMNS

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def published_by_marking(fra_delegate, fra, secretariat_user):
    made = {}
    for marking in Releasability.values:
        best_practice = draft(
            fra_delegate,
            fra,
            title=f"Tungsten reserve {marking}",
            body=f"Pooled tungsten, marked {marking}.",
            releasability=marking,
        )
        services.add_attachments(
            user=fra_delegate,
            best_practice_id=best_practice.pk,
            attachments=[SimpleUploadedFile(f"{marking}.pdf", PDF)],
        )
        for user, step in (
            (fra_delegate, "submit"),
            (secretariat_user, "start_review"),
            (secretariat_user, "publish"),
        ):
            services.transition_best_practice(
                user=user, best_practice_id=best_practice.pk, action=step
            )
        made[marking] = best_practice
    made["draft"] = draft(fra_delegate, fra, title="Tungsten reserve draft")
    return made


def titles_on_page(content: bytes) -> set[str]:
    text = content.decode()
    return {title for title in TITLES if title in text}


TITLES = [f"Tungsten reserve {marking}" for marking in (*Releasability.values, "draft")]


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        ("niag_member", {"industry", "public"}),
        ("deu_delegate", {"nato", "industry", "public"}),
        ("observer", {"nato", "industry", "public"}),
        ("secretariat_user", {"nato", "industry", "public"}),
        ("fra_delegate", {"nato", "industry", "public", "draft"}),
    ],
)
def test_each_reader_sees_only_what_is_released_to_them_everywhere(
    request, client, published_by_marking, reader, expected, niag, deu
):
    user = request.getfixturevalue(reader)
    expected_titles = {f"Tungsten reserve {marking}" for marking in expected}
    library_titles = expected_titles - {"Tungsten reserve draft"}
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)

    # Library page, search on it, and its CSV export
    assert titles_on_page(client.get(reverse("best_practices:library")).content) == library_titles
    searched = client.get(reverse("best_practices:library"), {"q": "tungsten"})
    assert titles_on_page(searched.content) == library_titles
    export = client.get(reverse("best_practices:library-csv"), {"q": "pooled"})
    _notes, rows = csv_table(body(export), columns=EXPORT_COLUMNS)
    assert {row["title"] for row in rows} == library_titles
    _notes, rows = xlsx_table(
        client.get(reverse("best_practices:library-xlsx"), {"q": "pooled"}).content,
        columns=EXPORT_COLUMNS,
    )
    assert {row["title"] for row in rows} == library_titles

    # API list and search
    listed = api.get("/api/v1/best-practices/", {"page_size": 200}).data["results"]
    assert {row["title"] for row in listed} == expected_titles - (
        set() if reader == "fra_delegate" else {"Tungsten reserve draft"}
    )
    found = api.get("/api/v1/best-practices/", {"q": "tungsten", "state": "published"})
    assert {row["title"] for row in found.data["results"]} == library_titles

    # Detail page, API detail and attachment download, page and API, one by one
    for marking, best_practice in published_by_marking.items():
        visible = marking in expected
        detail = client.get(reverse("best_practices:detail", args=[best_practice.pk]))
        assert detail.status_code == (200 if visible else 404), marking
        api_detail = api.get(f"/api/v1/best-practices/{best_practice.pk}/")
        assert api_detail.status_code == (200 if visible else 404), marking
        for attachment in best_practice.attachments.all():
            page_file = client.get(reverse("best_practices:attachment", args=[attachment.pk]))
            assert page_file.status_code == (200 if visible else 404), marking
            api_file = api.get(f"/api/v1/best-practice-attachments/{attachment.pk}/")
            assert api_file.status_code == (200 if visible else 404), marking


def test_an_industry_member_cannot_mark_their_own_nato_only(niag_member, niag):
    api = APIClient()
    api.force_authenticate(niag_member)

    response = api.post(
        "/api/v1/best-practices/",
        {"title": "Ours", "organisation": "NIAG", "releasability": "nato"},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["releasability"] == ["You may only mark it for readers you belong to."]


def test_a_download_is_an_attachment_that_the_browser_does_not_sniff(
    client, published_by_marking, deu_delegate, deu
):
    attachment = published_by_marking["nato"].attachments.get()
    client.force_login(deu_delegate)

    response = client.get(reverse("best_practices:attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="nato.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_attachments_are_stored_under_random_names_outside_the_public_roots(
    published_by_marking, private_attachment_root, settings
):
    attachment = published_by_marking["public"].attachments.get()
    path = services.attachment_path(attachment)

    assert path.read_bytes() == PDF
    assert path.is_relative_to(private_attachment_root)
    assert "public" not in path.name and len(attachment.stored_name) == 48
    assert not path.is_relative_to(settings.STATIC_ROOT)


def test_a_draft_is_seen_by_its_author_only(client, published_by_marking, secretariat_user):
    best_practice = published_by_marking["draft"]

    client.force_login(secretariat_user)

    assert client.get(reverse("best_practices:detail", args=[best_practice.pk])).status_code == 404
