from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.roadmap.loading_helpers import SHIPPED_ROADMAP, database_state, valid_data, write_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are translated; other tests may leave another language active."""
    with translation.override("en"):
        yield


A1 = "LOE-1.KO-1.A-1"


def run(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_roadmap", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path) -> tuple[str, str]:
    """Runs the command expecting a refusal; returns the error and what went to stderr."""
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("load_roadmap", str(path), stdout=StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def test_prints_one_line_per_kind_on_success(tmp_path):
    out, err = run(write_file(tmp_path, valid_data()))

    assert "roadmap: 1 created, 0 updated, 0 unchanged" in out
    assert "organisations: 3 created, 0 updated, 0 unchanged" in out
    assert "lines_of_effort: 2 created, 0 updated, 0 unchanged" in out
    assert "key_outcomes: 2 created, 0 updated, 0 unchanged" in out
    assert "action_items: 2 created, 0 updated, 0 unchanged" in out
    assert "assignments: 3 created, 0 updated, 0 unchanged" in out
    assert err == ""


def test_loads_the_shipped_roadmap_and_reports_it_unchanged_the_second_time():
    run(SHIPPED_ROADMAP)
    state = database_state()

    out, _err = run(SHIPPED_ROADMAP)

    assert database_state() == state
    assert "organisations: 0 created, 0 updated, 38 unchanged" in out
    assert "lines_of_effort: 0 created, 0 updated, 5 unchanged" in out


def _append(section, record):
    def change(data):
        data[section].append(record)

    return change


def _set(section, index, field, value):
    def change(data):
        data[section][index][field] = value

    return change


def _drop(section, index, field):
    def change(data):
        del data[section][index][field]

    return change


# (change to an otherwise valid document, text the refusal must contain). Most bad records sit
# last in their section, after valid ones that would otherwise be written.
BAD_DOCUMENTS = {
    "unknown parent line": (
        _append("key_outcomes", {"code": "LOE-9.KO-1", "line": "LOE-9", "title": "Lost"}),
        "key_outcomes[2] (LOE-9.KO-1): line: unknown line of effort 'LOE-9'",
    ),
    "unknown parent outcome": (
        _append("action_items", {"code": "LOE-1.KO-7.A-1", "outcome": "LOE-1.KO-7", "title": "x"}),
        "action_items[2] (LOE-1.KO-7.A-1): outcome: unknown key outcome 'LOE-1.KO-7'",
    ),
    "code under another parent": (
        _append("key_outcomes", {"code": "LOE-2.KO-5", "line": "LOE-1", "title": "Misfiled"}),
        "key_outcomes[2] (LOE-2.KO-5): code: must start with the code of its line of effort, "
        "'LOE-1.'",
    ),
    "duplicate code": (
        _append("lines_of_effort", {"code": "LOE-1", "title": "Again"}),
        "lines_of_effort[2] (LOE-1): code: 'LOE-1' appears again; first at lines_of_effort[0]",
    ),
    "duplicate assignment": (
        _append("assignments", {"action": A1, "organisation": "FRA"}),
        f"assignments[3] ({A1}/FRA): organisation: 'FRA' is assigned to '{A1}' again; "
        "first at assignments[0]",
    ),
    "missing title": (
        _append("action_items", {"code": "LOE-1.KO-1.A-2", "outcome": "LOE-1.KO-1"}),
        "action_items[2] (LOE-1.KO-1.A-2): title: is required",
    ),
    "blank title": (
        _set("lines_of_effort", 1, "title", "   "),
        "lines_of_effort[1] (LOE-2): title: must not be blank",
    ),
    "null title": (
        _set("key_outcomes", 1, "title", None),
        "key_outcomes[1] (LOE-2.KO-1): title: is required",
    ),
    "title is a list": (
        _set("key_outcomes", 1, "title", ["Approaches", "shared"]),
        "key_outcomes[1] (LOE-2.KO-1): title: must be text, got a list",
    ),
    "progress is a word": (
        _set("assignments", 2, "progress", "forty"),
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): progress: "
        "must be an integer from 0 to 100, got 'forty'",
    ),
    "progress is a bool": (
        _set("assignments", 2, "progress", True),
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): progress: "
        "must be an integer from 0 to 100, got true",
    ),
    "progress is a fraction": (
        _set("assignments", 2, "progress", 40.5),
        "progress: must be an integer from 0 to 100, got 40.5",
    ),
    "progress above 100": (
        _set("assignments", 0, "progress", 140),
        f"assignments[0] ({A1}/FRA): progress: must be an integer from 0 to 100, got 140",
    ),
    "unknown releasability": (
        _set("assignments", 0, "releasability", "secret"),
        f"assignments[0] ({A1}/FRA): releasability: ",
    ),
    "progress below 0": (
        _set("assignments", 2, "progress", -1),
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): progress: must be an integer from 0 to 100, got -1",
    ),
    "due date is not a date": (
        _set("assignments", 2, "due_date", "next week"),
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): due_date: "
        "must be a date written YYYY-MM-DD, got 'next week'",
    ),
    "due date is a number": (
        _set("action_items", 1, "due_date", 20260630),
        "action_items[1] (LOE-2.KO-1.A-3): due_date: "
        "must be a date written YYYY-MM-DD, got 20260630",
    ),
    "illustrative is not a boolean": (
        _set("key_outcomes", 1, "illustrative", "yes please"),
        "key_outcomes[1] (LOE-2.KO-1): illustrative: must be true or false, got 'yes please'",
    ),
    "unknown field": (
        _set("action_items", 1, "titel", "Typo"),
        "action_items[1] (LOE-2.KO-1.A-3): titel: unknown field",
    ),
    "unknown section": (
        lambda data: data.update(outcomes=[]),
        "top level: unknown section 'outcomes'",
    ),
    "unknown status": (
        _set("assignments", 2, "status", "done"),
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): status: unknown value 'done' (allowed: "
        "not_started, on_track, at_risk, off_track, blocked, completed, cancelled)",
    ),
    "unknown role": (
        _set("assignments", 1, "role", "owner"),
        f"assignments[1] ({A1}/DEU): role: unknown value 'owner'",
    ),
    "unknown organisation kind": (
        _set("organisations", 2, "kind", "nation"),
        "organisations[2] (DIPB): kind: unknown value 'nation'",
    ),
    "unknown title status": (
        _set("lines_of_effort", 1, "title_status", "draft"),
        "lines_of_effort[1] (LOE-2): title_status: unknown value 'draft'",
    ),
    "line code with a leading zero": (
        _append("lines_of_effort", {"code": "LOE-03", "title": "Stockpiling"}),
        "lines_of_effort[2] (LOE-03): code: must look like LOE-2, got 'LOE-03'",
    ),
    "action code in the wrong shape": (
        _append("action_items", {"code": "LOE-1.KO-1.3", "outcome": "LOE-1.KO-1", "title": "x"}),
        "action_items[2] (LOE-1.KO-1.3): code: must look like LOE-2.KO-1.A-3, got 'LOE-1.KO-1.3'",
    ),
    "organisation code in lower case": (
        _append("organisations", {"code": "ita", "name": "Italy", "kind": "ally", "iso3": "ITA"}),
        "organisations[4] (ita): code: must look like FRA, got 'ita'",
    ),
    "missing code": (
        _drop("key_outcomes", 1, "code"),
        "key_outcomes[1]: code: is required",
    ),
    "second lead in the file": (
        _append("assignments", {"action": A1, "organisation": "DIPB", "role": "lead"}),
        f"assignments[3] ({A1}/DIPB): role: action item '{A1}' already has a lead (FRA)",
    ),
    "unknown organisation": (
        _append("assignments", {"action": A1, "organisation": "XYZ"}),
        f"assignments[3] ({A1}/XYZ): organisation: unknown organisation 'XYZ'",
    ),
    "unknown action": (
        _append("assignments", {"action": "LOE-1.KO-1.A-9", "organisation": "FRA"}),
        "assignments[3] (LOE-1.KO-1.A-9/FRA): action: unknown action item 'LOE-1.KO-1.A-9'",
    ),
    "ally without an ISO code": (
        _append("organisations", {"code": "ITA", "name": "Italy", "kind": "ally"}),
        "organisations[4] (ITA): iso3: is required for allies and partners",
    ),
    "ISO code in the wrong shape": (
        _set("organisations", 1, "iso3", "de"),
        "organisations[1] (DEU): iso3: must look like FRA, got 'de'",
    ),
    "ISO code used twice": (
        _append("organisations", {"code": "FRX", "name": "France", "kind": "ally", "iso3": "FRA"}),
        "organisations[4] (FRX): iso3: 'FRA' is also used by organisations[0] (FRA)",
    ),
    "year is text": (
        _set("organisations", 1, "joined_year", "1955"),
        "organisations[1] (DEU): joined_year: must be an integer from 1900 to 2100, got '1955'",
    ),
    "section is not a list": (
        lambda data: data.update(key_outcomes={"code": "LOE-1.KO-1"}),
        "key_outcomes: must be a list of records, got a mapping",
    ),
    "record is not a mapping": (
        _append("assignments", "FRA"),
        "assignments[3]: must be a mapping of fields, got 'FRA'",
    ),
    "roadmap without a title": (
        lambda data: data["roadmap"].pop("title"),
        "roadmap (DCSCSR): title: is required",
    ),
}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(("change", "expected"), BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS)
def test_a_bad_document_is_refused_whole_with_the_record_and_field_named(
    tmp_path, change, expected, suffix
):
    # Given a loaded roadmap, and a file that would rename things but has one bad record
    run(write_file(tmp_path, valid_data(), "first.yaml"))
    before = database_state()
    data = valid_data()
    data["organisations"][0]["name"] = "République française"
    data["lines_of_effort"][0]["title"] = "Renamed"
    data["assignments"][1]["progress"] = 99
    data["organisations"].append({"code": "ESP", "name": "Spain", "kind": "ally", "iso3": "ESP"})
    change(data)

    # When it is loaded
    error, stderr = refused(write_file(tmp_path, data, f"second{suffix}"))

    # Then the command fails naming the record and field, and nothing at all was written
    assert expected in stderr
    assert "nothing was written" in error
    assert database_state() == before


def test_a_bad_document_writes_nothing_into_an_empty_database(tmp_path):
    data = valid_data()
    data["assignments"].append({"action": A1, "organisation": "DIPB", "progress": 140})

    error, stderr = refused(write_file(tmp_path, data))

    assert f"assignments[3] ({A1}/DIPB): progress:" in stderr
    assert "1 problem in" in error
    assert all(rows == [] for rows in database_state().values())


def test_every_problem_goes_to_stderr_on_its_own_line(tmp_path):
    data = valid_data()
    data["lines_of_effort"][1]["title"] = ""
    data["assignments"][0]["status"] = "done"
    data["assignments"][2]["progress"] = 101

    error, stderr = refused(write_file(tmp_path, data))

    assert stderr.splitlines() == [
        "lines_of_effort[1] (LOE-2): title: must not be blank",
        f"assignments[0] ({A1}/FRA): status: unknown value 'done' (allowed: not_started, "
        "on_track, at_risk, off_track, blocked, completed, cancelled)",
        "assignments[2] (LOE-2.KO-1.A-3/DIPB): progress: must be an integer from 0 to 100, got 101",
    ]
    assert "3 problems in" in error


BAD_FILES = {
    "broken YAML": (
        "roadmap.yaml",
        "roadmap: {code: DCSCSR\nlines_of_effort: [",
        "invalid YAML at line",
    ),
    "broken JSON": ("roadmap.json", '{"roadmap": {"code": "DCSCSR",}}', "invalid JSON at line 1"),
    "top level is a list": ("roadmap.yaml", "- LOE-1\n- LOE-2\n", "top level: must be a mapping"),
    "top level is text": ("roadmap.json", '"LOE-1"', "top level: must be a mapping"),
    "empty file": ("roadmap.yaml", "# nothing yet\n", "the file is empty"),
    "repeated YAML key": (
        "roadmap.yaml",
        "lines_of_effort:\n  - {code: LOE-1, title: One, title: Two}\n",
        "repeated key 'title'",
    ),
    "repeated JSON key": (
        "roadmap.json",
        '{"lines_of_effort": [{"code": "LOE-1", "code": "LOE-2", "title": "x"}]}',
        "repeated key 'code'",
    ),
    "impossible date": (
        "roadmap.yaml",
        "action_items:\n  - {code: LOE-1.KO-1.A-1, outcome: LOE-1.KO-1, title: x, "
        "due_date: 2026-02-30}\n",
        "action_items[0] (LOE-1.KO-1.A-1): due_date: must be a date written YYYY-MM-DD, "
        "got '2026-02-30'",
    ),
    "unsupported type": ("roadmap.txt", "roadmap: {}", "unsupported file type '.txt'"),
}


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES.values(), ids=BAD_FILES)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    error, stderr = refused(path)

    assert expected in stderr
    assert str(path) in error
    assert all(rows == [] for rows in database_state().values())


def test_a_missing_file_is_refused(tmp_path):
    error, stderr = refused(tmp_path / "missing.yaml")

    assert f"{tmp_path / 'missing.yaml'}: no such file" in stderr
    assert "nothing was written" in error
