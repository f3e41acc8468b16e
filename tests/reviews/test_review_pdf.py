"""The one-page PDF of an organisation's part in a closed cycle: who may have it, and that its
figures are the report's."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from roadmap.choices import Status
from tests.conftest import _require
from tests.reviews.review_data import at, plan, report_status, run_pass
from tracker import review_selectors
from tracker.review_pdf import FONT_DIR


@pytest.fixture
def closed_march(world, secretariat_user, fra_delegate, deu_delegate):
    plan(secretariat_user, "January review", at(1, 10), at(1, 20, 17), at(1, 25, 17))
    run_pass(at(1, 10))
    run_pass(at(1, 25, 18))
    cycle = plan(
        secretariat_user,
        "Revue de mars — défense « critique », Łódź",
        at(3, 2, 8),
        at(3, 16, 17),
        at(3, 30, 17),
    )
    run_pass(at(3, 2))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 10))
    report_status(deu_delegate, world.a2, Status.OFF_TRACK, 20, when=at(3, 12))
    run_pass(at(3, 30, 18))
    cycle.refresh_from_db()
    return cycle


ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def pdf_url(cycle, code):
    return reverse("reviews:report-pdf", args=[cycle.pk, code])


def pdf_text(response) -> tuple[int, str]:
    """The page count and the text, its whitespace (line breaks within labels) made one space."""
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def figure(text: str, label: str) -> str:
    """The value printed under a summary label."""
    match = re.search(re.escape(label) + r" (\S+)", text)
    assert match, f"{label!r} not in the PDF text:\n{text}"
    return match.group(1)


@pytest.fixture(autouse=True)
def dejavu_font():
    _require((FONT_DIR / "DejaVuSans.ttf").exists(), "needs Debian's fonts-dejavu-core")


def test_the_pdf_shows_exactly_the_figures_of_the_report(client, closed_march, secretariat_user):
    client.force_login(secretariat_user)
    for code in ("FRA", "DEU", "DIPB"):
        response = client.get(pdf_url(closed_march, code))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="review-{closed_march.pk}-{code}.pdf"' in response["Content-Disposition"]
        pages, text = pdf_text(response)
        assert pages == 1

        row = next(
            r
            for r in review_selectors.cycle_report(cycle=closed_march).organisations
            if r.code == code
        )
        figures = row.figures
        assert figure(text, "Assignments in scope") == str(figures["total"])
        assert figure(text, "Reporting rate") == ("Nothing" if row.rate is None else str(row.rate))
        for label, name in [
            ("Overdue", "overdue"),
            ("Stale", "stale"),
            ("Improved since the previous cycle", "improved"),
            ("Worsened since the previous cycle", "worsened"),
            ("Unchanged since the previous cycle", "unchanged"),
            ("Secretariat assessment differs", "assessed_differs"),
        ]:
            assert figure(text, label) == str(figures[name]), (code, label)
        for category, count, percent in row.distribution:
            label = review_selectors.category_label(category)
            assert f"{label}: {count} ({percent} %)" in text, (code, label)
        # non-Latin-1 text prints as typed
        assert "Revue de mars — défense « critique », Łódź" in text
        assert row.name in text


def test_hand_computed_figures_of_france(client, closed_march, fra_delegate):
    # FRA: a1 at risk -> on track (updated in March), a3 never reported (due 1 March: overdue),
    # a6 cancelled before the cycles
    client.force_login(fra_delegate)
    response = client.get(pdf_url(closed_march, "FRA"))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "review-organisation.pdf").write_bytes(response.content)
    _pages, text = pdf_text(response)
    assert figure(text, "Assignments in scope") == "3"
    assert figure(text, "Reporting rate") == "50"
    assert "1 of 2 expected" in text
    assert figure(text, "Overdue") == "1"
    assert figure(text, "Improved since the previous cycle") == "1"
    assert figure(text, "Worsened since the previous cycle") == "0"
    assert "On track: 1 (33 %)" in text
    assert "Not reported: 1 (33 %)" in text
    assert "Cancelled: 1 (33 %)" in text
    assert "LOE-1" in text and "LOE-2" in text


def test_a_later_update_does_not_change_the_pdf(client, closed_march, world, fra_delegate):
    client.force_login(fra_delegate)
    _pages, before = pdf_text(client.get(pdf_url(closed_march, "FRA")))
    report_status(fra_delegate, world.a3, Status.COMPLETED, 100, when=at(4, 2), narrative="x")
    _pages, after = pdf_text(client.get(pdf_url(closed_march, "FRA")))
    assert after == before


def test_only_the_secretariat_and_the_organisation_get_the_pdf(
    client, closed_march, fra_delegate, deu_delegate, niag_member, observer
):
    client.force_login(fra_delegate)
    assert client.get(pdf_url(closed_march, "FRA")).status_code == 200
    assert client.get(pdf_url(closed_march, "DEU")).status_code == 403
    assert client.get(pdf_url(closed_march, "NOPE")).status_code == 404
    # NIAG exists but holds nothing in the cycle
    assert client.get(pdf_url(closed_march, "NIAG")).status_code == 404
    client.force_login(deu_delegate)
    assert client.get(pdf_url(closed_march, "DEU")).status_code == 200
    assert client.get(pdf_url(closed_march, "FRA")).status_code == 403
    # the report counts statuses released to NATO only
    client.force_login(niag_member)
    assert client.get(pdf_url(closed_march, "FRA")).status_code == 403
    # any member reads their own organisation's page, an observer too
    client.force_login(observer)
    assert client.get(pdf_url(closed_march, "FRA")).status_code == 200
    assert client.get(pdf_url(closed_march, "DEU")).status_code == 403
    client.logout()
    assert client.get(pdf_url(closed_march, "FRA")).status_code == 302


def test_the_pdf_of_a_cycle_that_is_not_closed_is_404(client, world, secretariat_user):
    cycle = plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    client.force_login(secretariat_user)
    assert client.get(pdf_url(cycle, "FRA")).status_code == 404


def test_the_report_page_links_the_pdfs_a_reader_may_have(
    client, closed_march, secretariat_user, fra_delegate
):
    client.force_login(fra_delegate)
    page = client.get(reverse("reviews:report", args=[closed_march.pk])).text
    assert pdf_url(closed_march, "FRA") in page
    assert pdf_url(closed_march, "DEU") not in page
    client.force_login(secretariat_user)
    page = client.get(reverse("reviews:report", args=[closed_march.pk])).text
    assert all(pdf_url(closed_march, code) in page for code in ("FRA", "DEU", "DIPB"))


def test_the_pdf_costs_the_same_queries_whatever_its_size(
    client, closed_march, secretariat_user, django_assert_max_num_queries
):
    client.force_login(secretariat_user)
    with django_assert_max_num_queries(10):
        assert client.get(pdf_url(closed_march, "FRA")).status_code == 200
