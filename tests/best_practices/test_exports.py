"""The library's CSV and XLSX downloads: what the file says on top, and cells that a spreadsheet
must not run as formulas."""

import pytest
from django.urls import reverse

from accounts.choices import Releasability
from tests.best_practices.conftest import published
from tests.pages_daily.files import body, csv_table, xlsx_table
from tracker.best_practice_views import EXPORT_COLUMNS

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://attacker.example","Open")'


@pytest.fixture
def library(niag_member, niag, secretariat_user):
    published(
        niag_member,
        niag,
        secretariat_user,
        title=FORMULA,
        summary="+1 recycled magnets a year",
        releasability=Releasability.INDUSTRY,
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_industry_reader_gets_a_marked_file_with_no_formula(client, niag_member, library, kind):
    client.force_login(niag_member)

    response = client.get(reverse(f"best_practices:library-{kind}"), {"q": "magnets"})

    assert response.status_code == 200
    assert f'filename="best-practices.{kind}"' in response["Content-Disposition"]
    read = csv_table if kind == "csv" else xlsx_table
    notes, rows = read(body(response), columns=EXPORT_COLUMNS)
    assert notes[0] == "# Releasable to: NATO and industry"
    assert notes[1].startswith("# Exported on ") and notes[1].endswith(" by niag@example.org")
    assert notes[2].startswith("# Filters: Best-practice library; ")
    assert "magnets" in notes[2]
    assert [row["title"] for row in rows] == ["'" + FORMULA]
    assert rows[0]["summary"] == "'+1 recycled magnets a year"


def test_bad_filters_give_a_400_and_no_file(client, niag_member, library):
    client.force_login(niag_member)

    response = client.get(reverse("best_practices:library-xlsx"), {"published_after": "soon"})

    assert response.status_code == 400
    assert "attachment" not in response.get("Content-Disposition", "")


def test_anonymous_is_sent_to_log_in(client, library):
    assert client.get(reverse("best_practices:library-xlsx")).status_code == 302
