"""The register's CSV and XLSX downloads: the page's filters, the figures it shows, the label
that the concentration figure is the product's own, and refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from roadmap.material_views import EXPORT_COLUMNS
from tests.pages_daily.files import body, csv_table, xlsx_table

pytestmark = pytest.mark.django_db


def download(client, kind, query=""):
    return client.get(f"{reverse(f'materials:register-{kind}')}?{query}")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_holds_the_filtered_register_with_its_figures(client, observer, register, kind):
    client.force_login(observer)
    page = client.get(reverse("materials:register"), {"nato": "true"})

    response = download(client, kind, "nato=true&ordering=-hhi")

    assert response.status_code == 200
    assert f'filename="critical-raw-materials.{kind}"' in response["Content-Disposition"]
    read = csv_table if kind == "csv" else xlsx_table
    notes, rows = read(body(response), columns=EXPORT_COLUMNS)
    assert notes[0] == "# Releasable to: NATO only"
    assert "On NATO's defence-critical list (2024) = Yes" in notes[2]
    assert "not an official score" in notes[3]
    assert len(rows) == page.context["rows"].__len__() > 0
    assert {row["nato_defence_critical_2024"] for row in rows} == {"yes"}
    figures = {row.material.slug: row.concentration for row in page.context["rows"]}
    hhis = []
    for row in rows:
        figure = figures[row["slug"]]
        if figure.hhi is None:
            assert row["hhi"] in ("", None), row["slug"]
            continue
        assert Decimal(str(row["hhi"])) == figure.hhi, row["slug"]
        hhis.append(figure.hhi)
    assert hhis == sorted(hhis, reverse=True)


def test_bad_filters_give_a_400_and_no_file(client, observer, register):
    client.force_login(observer)

    response = download(client, "csv", "band=catastrophic")

    assert response.status_code == 400
    assert b"band" in response.content
    assert "attachment" not in response.get("Content-Disposition", "")


def test_someone_outside_the_roadmap_gets_no_file(client, outsider, register):
    client.force_login(outsider)
    assert download(client, "xlsx").status_code == 403
    client.logout()
    assert download(client, "csv").status_code == 302
