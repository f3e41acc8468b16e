"""Roll-ups worked out by hand on a small roadmap (see conftest.tree), and what each one says
about how it was reached."""

import pytest

from roadmap.choices import Status
from tests import factories
from tests.tracker_rollups.building import build_action
from tracker.rollups import (
    rollup_by_organisation,
    rollup_by_organisation_and_line,
    rollup_for_action,
    rollup_for_line,
    rollup_for_outcome,
    rollup_roadmap,
)

pytestmark = pytest.mark.django_db


def figures(figure):
    return (
        figure.progress,
        figure.status,
        figure.counted,
        figure.reported,
        figure.not_reported,
        figure.left_out_cancelled,
    )


def test_actions_roll_up_from_their_assignments(tree, secretariat_user):
    rollup = rollup_roadmap(user=secretariat_user)
    action = {key: rollup.action(a.pk) for key, a in tree["actions"].items()}

    # (progress, status, counted, reported, not reported, left out as cancelled)
    assert figures(action["1.1.1"]) == (40.0, Status.AT_RISK, 3, 2, 1, 1)
    assert figures(action["1.1.2"]) == (100.0, Status.COMPLETED, 2, 2, 0, 0)
    assert figures(action["1.1.3"]) == (30.0, Status.BLOCKED, 3, 3, 0, 0)
    assert figures(action["1.2.1"]) == (30.0, Status.OFF_TRACK, 2, 2, 0, 0)
    assert figures(action["1.2.2"]) == (None, Status.CANCELLED, 0, 0, 0, 1)
    assert figures(action["1.2.3"]) == (None, None, 1, 0, 1, 0)
    assert action["1.1.1"].counts == {
        "completed": 0,
        "not_started": 0,
        "on_track": 1,
        "at_risk": 1,
        "off_track": 0,
        "blocked": 0,
        "cancelled": 1,
        "not_reported": 1,
    }


def test_outcomes_lines_and_roadmap_are_means_of_their_children(tree, secretariat_user):
    rollup = rollup_roadmap(user=secretariat_user)

    # KO-1: actions at 40, 100 and 30, each weight 1.
    assert figures(rollup.outcome(tree["outcomes"]["1.1"].pk)) == (56.7, Status.BLOCKED, 3, 3, 0, 0)
    # KO-2: only A-1 (30) reported; A-2 cancelled is left out; A-3 never reported, kept apart
    # but counted as not started for the status, which off track still beats.
    assert figures(rollup.outcome(tree["outcomes"]["1.2"].pk)) == (
        30.0,
        Status.OFF_TRACK,
        2,
        1,
        1,
        1,
    )
    assert figures(rollup.outcome(tree["outcomes"]["2.1"].pk)) == (
        100.0,
        Status.COMPLETED,
        1,
        1,
        0,
        1,
    )
    # LOE-1: mean of 56.67 and 30 (unrounded), the worst being blocked.
    assert figures(rollup.line(tree["lines"]["1"].pk)) == (43.3, Status.BLOCKED, 2, 2, 0, 0)
    assert figures(rollup.line(tree["lines"]["2"].pk)) == (100.0, Status.COMPLETED, 1, 1, 0, 0)
    assert figures(rollup.roadmap) == (71.7, Status.BLOCKED, 2, 2, 0, 0)
    # Status counts are of the 16 assignments beneath: the distribution a report shows.
    assert rollup.roadmap.counts == {
        "completed": 4,
        "not_started": 0,
        "on_track": 1,
        "at_risk": 3,
        "off_track": 2,
        "blocked": 1,
        "cancelled": 3,
        "not_reported": 2,
    }


def test_reading_from_the_lines_gives_the_same_lines_and_roadmap_and_nothing_below(
    tree, secretariat_user
):
    whole = rollup_roadmap(user=secretariat_user)

    top = rollup_roadmap(user=secretariat_user, read_from="line")

    assert top.roadmap.as_dict() == whole.roadmap.as_dict()
    assert {pk: f.as_dict() for pk, f in top.lines.items()} == {
        pk: f.as_dict() for pk, f in whole.lines.items()
    }
    assert len(top.lines) == 2
    assert top.outcomes == {} and top.actions == {}


def test_an_action_whose_holders_all_completed_is_completed(tree, secretariat_user):
    figure = rollup_for_action(user=secretariat_user, action=tree["actions"]["1.1.2"])

    assert (figure.status, figure.progress) == (Status.COMPLETED, 100.0)


def test_never_reported_is_kept_apart_from_zero_percent(tree, secretariat_user, niag):
    figure = rollup_for_action(user=secretariat_user, action=tree["actions"]["1.1.1"])

    # NIAG's assignment holds progress 0 but was never reported: the mean stays (60 + 20) / 2.
    assert figure.progress == 40.0
    assert figure.not_reported_children == ["NIAG"]
    assert figure.left_out_children == ["DIPB"]
    assert [c["code"] for c in figure.counted_children] == ["DEU", "FRA"]


def test_a_parent_with_nothing_reported_has_no_progress(tree, secretariat_user):
    figure = rollup_for_action(user=secretariat_user, action=tree["actions"]["1.2.3"])

    assert figure.progress is None
    assert figure.status is None
    assert figure.as_dict()["progress"] is None


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        ([Status.AT_RISK, Status.OFF_TRACK, Status.BLOCKED], Status.BLOCKED),
        ([Status.AT_RISK, Status.OFF_TRACK, Status.ON_TRACK], Status.OFF_TRACK),
        ([Status.ON_TRACK, Status.AT_RISK, Status.COMPLETED], Status.AT_RISK),
        ([Status.NOT_STARTED, Status.ON_TRACK, Status.COMPLETED], Status.ON_TRACK),
        ([Status.COMPLETED, Status.NOT_STARTED, Status.CANCELLED], Status.NOT_STARTED),
        ([Status.COMPLETED, Status.CANCELLED, Status.COMPLETED], Status.COMPLETED),
    ],
)
def test_the_worst_counted_status_wins(secretariat_user, fra, deu, dipb, statuses, worst):
    holders = zip((fra, deu, dipb), statuses, strict=True)
    action = build_action(
        secretariat_user,
        factories.KeyOutcomeFactory(),
        1,
        [(org, status, 100 if status == Status.COMPLETED else 10) for org, status in holders],
    )

    assert rollup_for_action(user=secretariat_user, action=action).status == worst


def test_an_outcome_names_its_children_with_their_weight(tree, secretariat_user):
    figure = rollup_for_outcome(user=secretariat_user, outcome=tree["outcomes"]["1.2"])

    assert figure.explanation == {
        "text": (
            "Progress is the mean of 1 reported action, each weight 1 (a share of 1). "
            "1 action not reported: kept out of the progress, counted as not started for the "
            "status. 1 cancelled action left out. Status is the worst of 2 counted actions."
        ),
        "children": "action",
        "weight_each": "1",
        "counted": [
            {"code": "LOE-1.KO-2.A-1", "status": "off_track", "progress": 30.0, "weight": "1"}
        ],
        "not_reported": ["LOE-1.KO-2.A-3"],
        "left_out_cancelled": ["LOE-1.KO-2.A-2"],
    }
    assert figures(figure) == (30.0, Status.OFF_TRACK, 2, 1, 1, 1)


def test_a_line_names_its_outcomes_and_matches_the_roadmap_rollup(tree, secretariat_user):
    line = tree["lines"]["1"]

    figure = rollup_for_line(user=secretariat_user, line=line)

    assert figure.counted_children == [
        {"code": "LOE-1.KO-1", "status": "blocked", "progress": 56.7, "weight": "1/2"},
        {"code": "LOE-1.KO-2", "status": "off_track", "progress": 30.0, "weight": "1/2"},
    ]
    assert figure.as_dict() == {
        **rollup_roadmap(user=secretariat_user).line(line.pk).as_dict(),
        "explanation": figure.explanation,
    }


def test_per_organisation_and_per_organisation_and_line(
    tree, secretariat_user, fra, deu, dipb, niag
):
    by_organisation = rollup_by_organisation(user=secretariat_user)
    cells = rollup_by_organisation_and_line(user=secretariat_user)

    # FRA: 60, 100, 10, 20, 100 -> 58; DEU: 20, 100, 30, 40, 100 and one cancelled.
    assert figures(by_organisation[fra.pk]) == (58.0, Status.BLOCKED, 5, 5, 0, 0)
    assert figures(by_organisation[deu.pk]) == (58.0, Status.OFF_TRACK, 5, 5, 0, 1)
    assert figures(by_organisation[dipb.pk]) == (50.0, Status.AT_RISK, 1, 1, 0, 2)
    assert figures(by_organisation[niag.pk]) == (None, None, 2, 0, 2, 0)
    line_1, line_2 = tree["lines"]["1"].pk, tree["lines"]["2"].pk
    assert figures(cells[fra.pk][line_1]) == (47.5, Status.BLOCKED, 4, 4, 0, 0)
    assert figures(cells[fra.pk][line_2]) == (100.0, Status.COMPLETED, 1, 1, 0, 0)
    assert figures(cells[dipb.pk][line_2]) == (None, Status.CANCELLED, 0, 0, 0, 1)
    assert set(cells[niag.pk]) == {line_1}


def test_someone_without_a_membership_gets_empty_figures(tree):
    outsider = factories.UserFactory(email="outsider@example.org")

    rollup = rollup_roadmap(user=outsider)

    assert (rollup.lines, rollup.outcomes, rollup.actions) == ({}, {}, {})
    assert rollup.roadmap.total == 0
    assert rollup_by_organisation(user=outsider) == {}
    assert rollup_for_outcome(user=outsider, outcome=tree["outcomes"]["1.1"]).total == 0
