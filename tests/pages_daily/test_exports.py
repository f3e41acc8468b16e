"""CSV and XLSX exports: exactly the filtered rows, the marking, the date and the filters, and
never a status an industry member may not read."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Releasability
from roadmap.choices import Status
from roadmap.models import Assignment
from tests import factories
from tests.pages_daily.data import build_wide, update
from tests.pages_daily.files import body, csv_table, xlsx_table

TABLES = {"csv": csv_table, "xlsx": xlsx_table}


def export(client, scope: str, kind: str, query: str = ""):
    name = f"worklist:{scope}-{kind}"
    return client.get(f"{reverse(name)}?{query}")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_holds_exactly_the_filtered_rows(client, fra_delegate, roadmap, kind):
    client.force_login(fra_delegate)

    response = export(client, "mine", kind, "status=blocked&status=at_risk&line=LOE-1&line=LOE-2")

    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    notes, rows = TABLES[kind](body(response))
    assert sorted((row["action"], row["organisation"], row["status"]) for row in rows) == [
        ("LOE-1.KO-1.A-2", "FRA", "blocked"),
        ("LOE-1.KO-2.A-1", "FRA", "at_risk"),
        ("LOE-2.KO-1.A-2", "FRA", "blocked"),
        ("LOE-2.KO-2.A-1", "FRA", "at_risk"),
    ]
    assert notes[0] == "# Releasable to: NATO only"
    assert notes[1].startswith(f"# Exported on {timezone.localdate().isoformat()} at ")
    assert notes[1].endswith("by fra@example.org")
    assert notes[2] == (
        "# Filters: Assignments of FRA; Line of effort = LOE-1, LOE-2; Status = Blocked, At risk"
    )


def test_an_export_is_every_page_of_the_list(client, secretariat_user, db):
    organisations = [factories.AllyFactory() for _ in range(4)]
    build_wide(organisations=organisations, actions_per_outcome=4)  # 64 rows, two pages
    client.force_login(secretariat_user)

    _notes, rows = csv_table(body(export(client, "all", "csv")))

    assert len(rows) == Assignment.objects.count() == 64
    assert len({(row["action"], row["organisation"]) for row in rows}) == 64


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_industry_members_export_never_holds_a_nato_only_status(
    client, fra_delegate, niag_member, roadmap, kind
):
    released = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")
    update(
        fra_delegate,
        released,
        status=Status.AT_RISK,
        progress=40,
        releasability=Releasability.INDUSTRY,
    )
    update(fra_delegate, released, status=Status.BLOCKED, progress=45)
    client.force_login(niag_member)

    notes, rows = TABLES[kind](body(export(client, "all", kind)))

    assert notes[0] == "# Releasable to: NATO and industry"
    assert len(rows) == 30
    by_key = {(row["action"], row["organisation"]): row for row in rows}
    row = by_key["LOE-1.KO-1.A-1", "FRA"]
    assert (row["status"], str(row["progress"])) == ("at_risk", "40")
    # Everything else was recorded NATO only: nothing released, so nothing shown.
    others = [r for key, r in by_key.items() if key != ("LOE-1.KO-1.A-1", "FRA")]
    assert {r["status"] or "" for r in others} == {""}
    assert {r["version"] or "" for r in rows} == {""}


def test_bad_filters_give_a_400_and_no_file(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = export(client, "mine", "csv", "status=finished")

    assert response.status_code == 400
    assert b"status" in response.content
    assert "attachment" not in response.get("Content-Disposition", "")


def test_exports_follow_the_list_permissions(client, observer, roadmap):
    client.force_login(observer)
    assert export(client, "mine", "csv").status_code == 403
    assert export(client, "all", "xlsx").status_code == 200

    client.force_login(factories.UserFactory())
    assert export(client, "all", "csv").status_code == 403


def test_cells_that_look_like_formulas_stay_text(client, secretariat_user, roadmap):
    Assignment.objects.filter(
        action__code="LOE-1.KO-1.A-1"
    ).first().action.__class__.objects.filter(code="LOE-1.KO-1.A-1").update(
        title='=HYPERLINK("http://evil.example")'
    )
    client.force_login(secretariat_user)

    _notes, rows = xlsx_table(body(export(client, "all", "xlsx", "action=LOE-1.KO-1.A-1")))

    assert {row["action_title"] for row in rows} == {'\'=HYPERLINK("http://evil.example")'}
