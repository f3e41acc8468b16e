import datetime

import pytest
from django.utils import translation

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from roadmap.choices import AssignmentRole, Status, TitleStatus
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from roadmap.services import RoadmapLoadError, load_roadmap_data, load_roadmap_file
from tests import factories
from tests.roadmap.loading_helpers import (
    SHIPPED_ROADMAP,
    database_state,
    valid_data,
    write_file,
)
from tracker.models import StatusUpdate
from tracker.services import IMPORT_NARRATIVE

ALLIES = {
    "ALB", "BEL", "BGR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA",
    "GBR", "GRC", "HRV", "HUN", "ISL", "ITA", "LTU", "LUX", "LVA", "MKD", "MNE",
    "NLD", "NOR", "POL", "PRT", "ROU", "SVK", "SVN", "SWE", "TUR", "USA",
}  # fmt: skip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are translated; other tests may leave another language active."""
    with translation.override("en"):
        yield


def counts(report, kind):
    c = report.counts[kind]
    return (c.created, c.updated, c.unchanged)


def imported_updates(assignment):
    """The history the loader wrote for one assignment, oldest first."""
    return list(
        assignment.updates.order_by("version").values_list(
            "status", "progress", "base_version", "version", "author", "narrative"
        )
    )


# The shipped data file


def test_shipped_roadmap_has_the_roadmap_its_five_working_lines_and_no_invented_actions():
    load_roadmap_file(path=SHIPPED_ROADMAP)

    roadmap = Roadmap.objects.get()
    assert (roadmap.code, roadmap.title, roadmap.endorsed) == (
        "DCSCSR",
        "Defence-Critical Supply Chain Security Roadmap",
        "June 2024",
    )
    assert roadmap.summary and roadmap.source
    lines = list(LineOfEffort.objects.order_by("number"))
    assert [(line.code, line.number) for line in lines] == [(f"LOE-{n}", n) for n in range(1, 6)]
    assert lines[0].title == (
        "Awareness and identification of defence-critical supply chains and vulnerabilities"
    )
    for line in lines:
        assert line.roadmap == roadmap
        assert line.title_status == TitleStatus.WORKING
        assert "UNCONFIRMED" not in line.title.upper()
        assert "(wording" not in line.title
        assert "Working label" in line.summary
        assert line.source
    assert not KeyOutcome.objects.exists()
    assert not ActionItem.objects.exists()
    assert not Assignment.objects.exists()


def test_shipped_roadmap_has_the_32_allies_the_bodies_and_the_secretariat():
    load_roadmap_file(path=SHIPPED_ROADMAP)

    allies = Organisation.objects.filter(kind=OrganisationKind.ALLY)
    assert {ally.code for ally in allies} == ALLIES
    assert all(ally.iso3 == ally.code and ally.source for ally in allies)
    years = dict(allies.values_list("code", "joined_year"))
    assert (years["FRA"], years["DEU"], years["ESP"], years["FIN"], years["SWE"]) == (
        1949,
        1955,
        1982,
        2023,
        2024,
    )
    assert allies.get(code="TUR").name == "Türkiye"
    bodies = dict(
        Organisation.objects.exclude(kind=OrganisationKind.ALLY).values_list("code", "kind")
    )
    assert bodies == {
        "DIPB": OrganisationKind.BOARD,
        "CNAD": OrganisationKind.COMMITTEE,
        "NIAG": OrganisationKind.INDUSTRY_GROUP,
        "NIAG-IIG": OrganisationKind.INDUSTRY_GROUP,
        "STO": OrganisationKind.SCIENCE,
        "NSEC": OrganisationKind.SECRETARIAT,
    }
    assert "not confirmed" in Organisation.objects.get(code="NIAG-IIG").summary
    assert Organisation.objects.get(code="NSEC").name == "Roadmap Secretariat"


def test_loading_the_shipped_roadmap_twice_changes_nothing():
    first = load_roadmap_file(path=SHIPPED_ROADMAP)
    state = database_state()

    second = load_roadmap_file(path=SHIPPED_ROADMAP)

    assert database_state() == state
    assert counts(first, "organisations") == (38, 0, 0)
    assert counts(first, "lines_of_effort") == (5, 0, 0)
    for kind, kind_counts in second.counts.items():
        assert (kind_counts.created, kind_counts.updated) == (0, 0), kind
    assert counts(second, "organisations") == (0, 0, 38)
    assert counts(second, "lines_of_effort") == (0, 0, 5)
    assert counts(second, "roadmap") == (0, 0, 1)


# A good file with the whole structure


@pytest.mark.parametrize("name", ["roadmap.yaml", "roadmap.yml", "roadmap.json"])
def test_a_file_with_outcomes_actions_and_assignments_creates_them(tmp_path, name):
    report = load_roadmap_file(path=write_file(tmp_path, valid_data(), name))

    action = ActionItem.objects.get(code="LOE-2.KO-1.A-3")
    assert action.number == 3
    assert action.outcome.code == "LOE-2.KO-1"
    assert action.outcome.number == 1
    assert action.outcome.line.code == "LOE-2"
    assert action.outcome.line.number == 2
    assert action.outcome.line.roadmap.code == "DCSCSR"
    assert action.due_date is None
    assert not action.is_illustrative
    mapped = ActionItem.objects.get(code="LOE-1.KO-1.A-1")
    assert mapped.due_date == datetime.date(2026, 6, 30)
    assert mapped.is_illustrative
    assert mapped.description == "Who mines and refines what."
    assert KeyOutcome.objects.get(code="LOE-1.KO-1").is_illustrative
    lead = Assignment.objects.get(action=mapped, organisation__code="FRA")
    # The file's status is recorded as the first update of the new assignment: version 1 -> 2.
    assert (lead.role, lead.status, lead.progress, lead.version) == (
        AssignmentRole.LEAD,
        Status.ON_TRACK,
        40,
        2,
    )
    assert imported_updates(lead) == [(Status.ON_TRACK, 40, 1, 2, None, IMPORT_NARRATIVE)]
    assert lead.last_reported_at == lead.updates.get().created_at
    assert lead.due_date == datetime.date(2026, 6, 30)
    defaults = Assignment.objects.get(organisation__code="DIPB")
    assert (defaults.role, defaults.status, defaults.progress, defaults.version) == (
        AssignmentRole.LEAD,
        Status.NOT_STARTED,
        0,
        1,
    )
    assert imported_updates(defaults) == []
    assert defaults.last_reported_at is None
    assert StatusUpdate.objects.count() == 2  # FRA and DEU gave a status; DIPB did not
    assert counts(report, "assignments") == (3, 0, 0)
    assert counts(report, "organisations") == (3, 0, 0)


def test_lines_attach_to_the_only_roadmap_when_the_file_names_none(tmp_path):
    roadmap = factories.RoadmapFactory()
    data = valid_data()
    del data["roadmap"]

    load_roadmap_file(path=write_file(tmp_path, data))

    assert set(LineOfEffort.objects.values_list("roadmap", flat=True)) == {roadmap.pk}


@pytest.mark.parametrize("existing", [0, 2], ids=["no-roadmap", "two-roadmaps"])
def test_lines_without_a_roadmap_to_attach_to_are_refused(existing):
    for code in ["DCSCSR", "OTHER"][:existing]:
        factories.RoadmapFactory(code=code)
    data = valid_data()
    del data["roadmap"]

    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(data=data)

    assert any(m.startswith("lines_of_effort: ") for m in caught.value.messages)
    assert not LineOfEffort.objects.exists()
    assert not Organisation.objects.exists()


def test_children_can_hang_under_parents_already_in_the_database():
    load_roadmap_data(data=valid_data())

    report = load_roadmap_data(
        data={
            "action_items": [
                {"code": "LOE-2.KO-1.A-4", "outcome": "LOE-2.KO-1", "title": "A later action"}
            ],
            "assignments": [{"action": "LOE-2.KO-1.A-4", "organisation": "FRA"}],
        }
    )

    action = ActionItem.objects.get(code="LOE-2.KO-1.A-4")
    assert action.outcome.code == "LOE-2.KO-1"
    assert action.assignments.get().organisation.code == "FRA"
    assert counts(report, "action_items") == (1, 0, 0)


def test_python_dates_are_accepted_like_written_ones():
    data = valid_data()
    data["action_items"][0]["due_date"] = datetime.date(2027, 1, 31)

    load_roadmap_data(data=data)

    assert ActionItem.objects.get(code="LOE-1.KO-1.A-1").due_date == datetime.date(2027, 1, 31)


# Updating through a second load


def test_a_second_load_updates_titles_and_bumps_version_only_on_status_or_progress(tmp_path):
    load_roadmap_file(path=write_file(tmp_path, valid_data()))
    untouched = Assignment.objects.get(organisation__code="DIPB")
    deu_history = imported_updates(Assignment.objects.get(organisation__code="DEU"))
    updates_before = StatusUpdate.objects.count()
    data = valid_data()
    data["lines_of_effort"][1]["title"] = "Sharing best practices and national approaches"
    data["action_items"][0]["title"] = "Map national sources of the 12 materials"
    data["assignments"][0]["progress"] = 55  # FRA: progress changes
    data["assignments"][1]["due_date"] = "2026-12-31"  # DEU: only the due date changes

    report = load_roadmap_file(path=write_file(tmp_path, data, "second.yaml"))

    assert LineOfEffort.objects.get(code="LOE-2").title == (
        "Sharing best practices and national approaches"
    )
    assert ActionItem.objects.get(code="LOE-1.KO-1.A-1").title == (
        "Map national sources of the 12 materials"
    )
    fra = Assignment.objects.get(organisation__code="FRA")
    assert (fra.status, fra.progress, fra.version) == (Status.ON_TRACK, 55, 3)
    assert imported_updates(fra)[-1] == (Status.ON_TRACK, 55, 2, 3, None, IMPORT_NARRATIVE)
    assert StatusUpdate.objects.count() == updates_before + 1
    deu = Assignment.objects.get(organisation__code="DEU")
    assert (deu.due_date, deu.version) == (datetime.date(2026, 12, 31), 2)
    assert imported_updates(deu) == deu_history
    dipb = Assignment.objects.get(organisation__code="DIPB")
    assert (dipb.version, dipb.updated_at) == (1, untouched.updated_at)
    assert counts(report, "lines_of_effort") == (0, 1, 1)
    assert counts(report, "action_items") == (0, 1, 1)
    assert counts(report, "assignments") == (0, 2, 1)
    assert counts(report, "key_outcomes") == (0, 0, 2)


def test_a_status_change_bumps_the_version_again_on_each_load():
    load_roadmap_data(data=valid_data())
    assert Assignment.objects.get(organisation__code="FRA").version == 2
    for version, status in ((3, Status.AT_RISK), (4, Status.BLOCKED)):
        updates_before = StatusUpdate.objects.count()
        data = valid_data()
        data["assignments"][0]["status"] = status

        load_roadmap_data(data=data)

        assignment = Assignment.objects.get(organisation__code="FRA")
        assert (assignment.status, assignment.version) == (status, version)
        assert StatusUpdate.objects.count() == updates_before + 1

    assert imported_updates(assignment) == [
        (Status.ON_TRACK, 40, 1, 2, None, IMPORT_NARRATIVE),
        (Status.AT_RISK, 40, 2, 3, None, IMPORT_NARRATIVE),
        (Status.BLOCKED, 40, 3, 4, None, IMPORT_NARRATIVE),
    ]


def test_an_unchanged_load_appends_no_status_update():
    load_roadmap_data(data=valid_data())
    state = database_state()

    report = load_roadmap_data(data=valid_data())

    assert database_state() == state
    assert len(state["status_updates"]) == 2
    assert counts(report, "assignments") == (0, 0, 3)


def test_completed_without_progress_in_the_file_is_recorded_at_100():
    load_roadmap_data(data=valid_data())
    data = valid_data()
    data["assignments"][0]["status"] = Status.COMPLETED
    del data["assignments"][0]["progress"]

    load_roadmap_data(data=data)

    fra = Assignment.objects.get(organisation__code="FRA")
    assert (fra.status, fra.progress, fra.version) == (Status.COMPLETED, 100, 3)
    assert imported_updates(fra)[-1] == (Status.COMPLETED, 100, 2, 3, None, IMPORT_NARRATIVE)


def test_completed_below_100_in_the_file_is_refused_and_nothing_is_written():
    load_roadmap_data(data=valid_data())
    before = database_state()
    data = valid_data()
    data["assignments"][0]["status"] = Status.COMPLETED
    data["assignments"][0]["progress"] = 90

    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(data=data)

    assert any(
        m.startswith("assignments[0] (LOE-1.KO-1.A-1/FRA): progress: ")
        for m in caught.value.messages
    )
    assert database_state() == before


def test_fields_left_out_of_a_later_file_keep_their_stored_values():
    load_roadmap_data(data=valid_data())
    updates_before = StatusUpdate.objects.count()

    report = load_roadmap_data(
        data={
            "assignments": [{"action": "LOE-1.KO-1.A-1", "organisation": "FRA"}],
            "action_items": [
                {"code": "LOE-1.KO-1.A-1", "outcome": "LOE-1.KO-1", "title": "Map national sources"}
            ],
        }
    )

    assignment = Assignment.objects.get(organisation__code="FRA")
    assert (assignment.role, assignment.status, assignment.progress, assignment.version) == (
        AssignmentRole.LEAD,
        Status.ON_TRACK,
        40,
        2,
    )
    assert StatusUpdate.objects.count() == updates_before
    action = ActionItem.objects.get(code="LOE-1.KO-1.A-1")
    assert action.due_date == datetime.date(2026, 6, 30)
    assert action.description == "Who mines and refines what."
    assert counts(report, "assignments") == (0, 0, 1)
    assert counts(report, "action_items") == (0, 0, 1)


def test_the_lead_can_move_to_another_organisation_in_one_file():
    load_roadmap_data(data=valid_data())
    data = valid_data()
    data["assignments"][0]["role"] = "contributor"
    data["assignments"][1]["role"] = "lead"

    load_roadmap_data(data=data)

    lead = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", role=AssignmentRole.LEAD)
    assert lead.organisation.code == "DEU"


# Refusals the service reports as a whole


def test_every_problem_in_a_document_is_reported_at_once():
    data = valid_data()
    data["lines_of_effort"][0]["title"] = ""
    data["key_outcomes"][1]["line"] = "LOE-9"
    data["assignments"][2]["progress"] = 140

    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(data=data)

    assert caught.value.messages == [
        "lines_of_effort[0] (LOE-1): title: must not be blank",
        "key_outcomes[1] (LOE-2.KO-1): line: unknown line of effort 'LOE-9'",
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): progress: must be an integer from 0 to 100, got 140",
    ]
    assert isinstance(caught.value, ValueError)
    assert not Organisation.objects.exists()


def test_a_lead_already_in_the_database_for_another_organisation_blocks_a_second_one():
    load_roadmap_data(data=valid_data())
    before = database_state()

    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(
            data={
                "assignments": [{"action": "LOE-1.KO-1.A-1", "organisation": "DEU", "role": "lead"}]
            }
        )

    assert caught.value.messages == [
        "assignments[0] (LOE-1.KO-1.A-1/DEU): role: "
        "action item 'LOE-1.KO-1.A-1' already has a lead (FRA)"
    ]
    assert database_state() == before


def test_an_iso_code_held_by_an_organisation_outside_the_file_is_refused():
    factories.AllyFactory(code="FRX", name="Old France", iso3="FRA")

    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(data=valid_data())

    assert caught.value.messages == [
        "organisations[0] (FRA): iso3: 'FRA' already belongs to organisation 'FRX'"
    ]
    assert Organisation.objects.count() == 1


def test_a_database_refusal_during_the_write_rolls_back_everything():
    # Given a line whose code does not match its number, which no file could create
    roadmap = factories.RoadmapFactory()
    factories.LineOfEffortFactory(roadmap=roadmap, code="LOE-7", number=3)
    before = database_state()

    # When a valid file adds LOE-3, which takes number 3 as well
    data = valid_data()
    data["lines_of_effort"].append({"code": "LOE-3", "title": "Strategic stockpiling"})
    with pytest.raises(RoadmapLoadError) as caught:
        load_roadmap_data(data=data)

    # Then the refusal names the record and the organisations written before it are gone too
    (message,) = caught.value.messages
    assert message.startswith("lines_of_effort[2] (LOE-3): the database refused it: ")
    assert database_state() == before
