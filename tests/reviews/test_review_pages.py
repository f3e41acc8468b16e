"""The review pages: who may see and do what, bad input, exports and query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.choices import Role
from roadmap.choices import Status
from tests import factories
from tests.pages_daily.files import body
from tests.reviews.review_data import at, plan, report_status, run_pass
from tracker.models import (
    CycleState,
    CycleSubmission,
    ReviewCycle,
    SecretariatAssessment,
    SubmissionEvent,
    SubmissionState,
)


@pytest.fixture
def closed_march(open_march):
    run_pass(at(3, 30, 18))
    open_march.refresh_from_db()
    return open_march


def plan_form(**overrides):
    data = {
        "title": "June review",
        "opens_at": "2030-06-01T09:00",
        "deadline": "2030-06-15T17:00",
        "closes_at": "2030-06-30T17:00",
        "reminder_days_before": "7, 2",
        "overdue_every_days": "3",
    }
    data.update(overrides)
    return data


# Reading


def test_the_list_needs_a_login(client, db):
    response = client.get(reverse("reviews:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_someone_without_a_role_may_not_read_cycles(client, march):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("reviews:list")).status_code == 403
    assert client.get(reverse("reviews:detail", args=[march.pk])).status_code == 404


def test_delegates_read_the_list_without_controls(client, march, fra_delegate):
    client.force_login(fra_delegate)
    response = client.get(reverse("reviews:list"))
    assert response.status_code == 200
    assert "March review" in response.text
    assert reverse("reviews:plan") not in response.text


def test_the_list_costs_the_same_queries_for_many_cycles(
    client, secretariat_user, django_assert_max_num_queries
):
    ReviewCycle.objects.bulk_create(
        ReviewCycle(
            title=f"Cycle {n}",
            opens_at=at(1, 1) + timedelta(days=n),
            deadline=at(1, 1) + timedelta(days=n, hours=1),
            closes_at=at(1, 1) + timedelta(days=n, hours=2),
        )
        for n in range(220)
    )
    client.force_login(secretariat_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reviews:list"))
    assert response.text.count("Cycle ") >= 220


def test_the_open_cycle_shows_who_has_reported(client, open_march, world, fra_delegate):
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    client.force_login(fra_delegate)
    response = client.get(reverse("reviews:detail", args=[open_march.pk]))
    assert response.status_code == 200
    progress = response.context["progress"]
    assert [(r.code, r.reported, r.expected) for r in progress["organisations"]] == [
        ("DEU", 0, 2),
        ("DIPB", 0, 1),
        ("FRA", 1, 2),
    ]
    assert [(r.code, r.reported, r.expected) for r in progress["lines"]] == [
        ("LOE-1", 1, 4),
        ("LOE-2", 0, 1),
    ]


def test_an_unknown_cycle_is_404(client, fra_delegate):
    client.force_login(fra_delegate)
    assert client.get(reverse("reviews:detail", args=[999])).status_code == 404


# Planning and transitions


def test_the_secretariat_plans_a_cycle(client, secretariat_user, world):
    client.force_login(secretariat_user)
    response = client.post(reverse("reviews:plan"), plan_form(lines=[world.line2.pk]))
    cycle = ReviewCycle.objects.get(title="June review")
    assert response.status_code == 302
    assert cycle.state == CycleState.PLANNED
    assert list(cycle.lines.all()) == [world.line2]
    assert cycle.reminder_days_before == [7, 2]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "required"),
        ({"deadline": "2030-05-01T09:00"}, "deadline", "after the opening"),
        ({"closes_at": "2030-06-10T09:00"}, "closes_at", "cannot close before"),
        ({"opens_at": "soon"}, "opens_at", "valid date"),
        ({"reminder_days_before": "seven"}, "reminder_days_before", "Whole numbers"),
        ({"reminder_days_before": "7, 7"}, "reminder_days_before", "different"),
        ({"reminder_days_before": "0"}, "reminder_days_before", "from 1 to 365"),
        ({"overdue_every_days": "0"}, "overdue_every_days", "greater than or equal to 1"),
        ({"lines": ["999"]}, "lines", "Select a valid choice"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(
    client, secretariat_user, world, overrides, field, message
):
    client.force_login(secretariat_user)
    response = client.post(reverse("reviews:plan"), plan_form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not ReviewCycle.objects.filter(title="June review").exists()


def test_delegates_may_not_plan_open_or_close(client, march, fra_delegate):
    client.force_login(fra_delegate)
    assert client.get(reverse("reviews:plan")).status_code == 403
    assert client.post(reverse("reviews:plan"), plan_form()).status_code == 403
    assert client.post(reverse("reviews:open", args=[march.pk])).status_code == 403
    assert client.post(reverse("reviews:close", args=[march.pk])).status_code == 403
    assert client.post(reverse("reviews:edit", args=[march.pk]), plan_form()).status_code == 403
    march.refresh_from_db()
    assert march.state == CycleState.PLANNED and march.title == "March review"


def test_transitions_only_go_forward(client, march, secretariat_user):
    client.force_login(secretariat_user)
    assert client.post(reverse("reviews:close", args=[march.pk])).status_code == 409
    assert client.post(reverse("reviews:open", args=[march.pk])).status_code == 302
    assert client.post(reverse("reviews:open", args=[march.pk])).status_code == 409
    assert client.post(reverse("reviews:close", args=[march.pk])).status_code == 302
    march.refresh_from_db()
    assert march.state == CycleState.CLOSED
    assert client.post(reverse("reviews:open", args=[march.pk])).status_code == 409
    assert client.get(reverse("reviews:edit", args=[march.pk])).status_code == 403


def test_a_second_cycle_cannot_open_while_one_is_open(client, open_march, secretariat_user):
    other = plan(secretariat_user, "Other", at(3, 3), at(3, 20), at(3, 25))
    client.force_login(secretariat_user)
    response = client.post(reverse("reviews:open", args=[other.pk]))
    assert response.status_code == 409
    assert "already open" in response.text
    other.refresh_from_db()
    assert other.state == CycleState.PLANNED


def test_an_open_cycle_only_moves_its_deadline_later(client, open_march, secretariat_user):
    client.force_login(secretariat_user)
    url = reverse("reviews:edit", args=[open_march.pk])
    earlier = {"deadline": "2030-03-10T17:00", "closes_at": "2030-03-30T17:00"}
    response = client.post(url, earlier)
    assert response.status_code == 400
    assert "only move later" in " ".join(response.context["form"].errors["deadline"])
    later = {"deadline": "2030-03-20T17:00", "closes_at": "2030-03-30T17:00"}
    assert client.post(url, later).status_code == 302
    open_march.refresh_from_db()
    assert open_march.deadline == at(3, 20, 17)


# Submissions


def test_submission_pages_are_for_the_organisation_and_the_secretariat(
    client, open_march, deu_delegate, fra_delegate, secretariat_user
):
    fra_submission = open_march.submissions.get(organisation__code="FRA")
    url = reverse("reviews:submission", args=[fra_submission.pk])
    client.force_login(deu_delegate)
    assert client.get(url).status_code == 404
    assert client.post(reverse("reviews:submit", args=[fra_submission.pk])).status_code == 404
    client.force_login(fra_delegate)
    assert client.get(url).status_code == 200
    client.force_login(secretariat_user)
    assert client.get(url).status_code == 200


def test_submitting_needs_every_assignment_updated(client, open_march, world, fra_delegate):
    submission = open_march.submissions.get(organisation__code="FRA")
    client.force_login(fra_delegate)

    response = client.post(reverse("reviews:submit", args=[submission.pk]))
    assert response.status_code == 400
    assert "2 assignments have no update" in response.text
    submission.refresh_from_db()
    assert submission.state == SubmissionState.NOT_STARTED

    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    report_status(fra_delegate, world.a3, Status.AT_RISK, 40, when=at(3, 5))
    assert client.post(reverse("reviews:submit", args=[submission.pk])).status_code == 302
    submission.refresh_from_db()
    assert submission.state == SubmissionState.SUBMITTED
    event = submission.events.get(to_state=SubmissionState.SUBMITTED)
    assert "of France attests these statuses for cycle “March review”" in event.attestation
    world.a1.refresh_from_db()
    assert {
        "id": world.a1.pk,
        "version": world.a1.version,
        "status": "on_track",
        "progress": 40,
    } in event.attested_assignments


@pytest.fixture
def submitted(open_march, world, fra_delegate):
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    report_status(fra_delegate, world.a3, Status.AT_RISK, 40, when=at(3, 5))
    from tracker import review_services

    submission = open_march.submissions.get(organisation__code="FRA")
    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=submission.pk, now=at(3, 6)
    )
    return submission


def test_returning_needs_a_reason_that_stays_in_the_history(
    client, submitted, secretariat_user, fra_delegate
):
    url = reverse("reviews:return", args=[submitted.pk])
    client.force_login(fra_delegate)
    assert client.post(url, {"reason": "No."}).status_code == 403
    assert client.post(reverse("reviews:accept", args=[submitted.pk])).status_code == 403

    client.force_login(secretariat_user)
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "reason" in response.context["return_form"].errors
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.SUBMITTED

    assert client.post(url, {"reason": "Evidence for A-2 is missing."}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == SubmissionState.RETURNED
    page = client.get(reverse("reviews:submission", args=[submitted.pk]))
    assert "Evidence for A-2 is missing." in page.text
    # accepting a returned submission is refused and changes nothing
    response = client.post(reverse("reviews:accept", args=[submitted.pk]))
    assert response.status_code == 400
    assert list(
        SubmissionEvent.objects.filter(submission=submitted)
        .order_by("pk")
        .values_list("to_state", flat=True)
    ) == [SubmissionState.DRAFT, SubmissionState.SUBMITTED, SubmissionState.RETURNED]


def test_the_secretariat_records_an_assessment(client, open_march, world, secretariat_user):
    submission = open_march.submissions.get(organisation__code="FRA")
    url = reverse("reviews:assess", args=[submission.pk])
    client.force_login(secretariat_user)

    bad = client.post(url, {"assignment": world.a1.pk, "status": "excellent"})
    assert bad.status_code == 400 and "status" in bad.context["assess_form"].errors
    outside = client.post(url, {"assignment": 999_999, "status": "at_risk"})
    assert outside.status_code == 400 and "assignment" in outside.context["assess_form"].errors
    assert not SecretariatAssessment.objects.exists()

    assert client.post(url, {"assignment": world.a1.pk, "status": "at_risk"}).status_code == 302
    assert SecretariatAssessment.objects.get().status == Status.AT_RISK


# The report


def test_the_report_of_a_cycle_that_is_not_closed_is_404(client, open_march, secretariat_user):
    client.force_login(secretariat_user)
    assert client.get(reverse("reviews:report", args=[open_march.pk])).status_code == 404


def test_industry_readers_may_not_read_the_report(client, closed_march, niag_member):
    client.force_login(niag_member)
    assert client.get(reverse("reviews:report", args=[closed_march.pk])).status_code == 403
    assert client.get(reverse("reviews:report-csv", args=[closed_march.pk])).status_code == 403


def test_the_report_page_and_downloads(client, closed_march, fra_delegate):
    client.force_login(fra_delegate)
    page = client.get(reverse("reviews:report", args=[closed_march.pk]))
    assert page.status_code == 200
    assert "<svg" in page.text and "Not reported: 1" in page.text
    assert "style=" not in page.text and "<script" not in page.text

    response = client.get(reverse("reviews:report-csv", args=[closed_march.pk]))
    lines = list(csv.reader(io.StringIO(body(response).decode())))
    notes = [line[0] for line in lines if line[0].startswith("#")]
    header, *rows = lines[len(notes) :]
    by_code = {row[1]: row for row in rows}
    assert notes[0] == "# Releasable to: NATO only"
    assert notes[1].startswith("# Exported on ") and notes[1].endswith("by fra@example.org")
    assert notes[2].startswith("# Review cycle: March review, closed on 2030-03-30")
    assert header[:4] == ["Group", "Code", "Name", "Reporting rate (%)"]
    assert by_code["FRA"][3] == "0" and by_code["DIPB"][3] == "0"
    assert by_code[""][4] == "6"  # all assignments

    response = client.get(reverse("reviews:report-xlsx", args=[closed_march.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[len(notes) + 1]][:3] == ["Group", "Code", "Name"]
    assert sheet.max_row == len(lines)


def test_the_report_costs_the_same_queries_for_many_assignments(
    client, secretariat_user, django_assert_max_num_queries
):
    organisations = [factories.AllyFactory() for _ in range(6)]
    line = factories.LineOfEffortFactory()
    for _ in range(40):
        action = factories.ActionItemFactory(outcome__line=line)
        for org in organisations:
            factories.AssignmentFactory(action=action, organisation=org)
    cycle = plan(secretariat_user, "Big", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    run_pass(at(3, 30, 18))
    assert cycle.snapshots.count() == 240
    client.force_login(secretariat_user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("reviews:report", args=[cycle.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:report-csv", args=[cycle.pk])).status_code == 200


def test_a_delegate_of_another_role_sees_no_submit_button(client, open_march, observer):
    submission = CycleSubmission.objects.get(cycle=open_march, organisation__code="FRA")
    client.force_login(observer)
    assert client.get(reverse("reviews:submission", args=[submission.pk])).status_code == 404
    assert observer.memberships.get().role == Role.OBSERVER


def test_the_admin_shows_review_records_read_only_to_the_secretariat(
    client, closed_march, secretariat_user, fra_delegate
):
    fra_delegate.is_staff = True
    fra_delegate.save()
    url = reverse("admin:tracker_reviewcycle_changelist")
    client.force_login(fra_delegate)
    assert client.get(url).status_code == 403
    client.force_login(secretariat_user)
    secretariat_user.is_staff = True
    secretariat_user.save()
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:tracker_reminderlog_changelist")).status_code == 200
    assert client.get(reverse("admin:tracker_reviewcycle_add")).status_code == 403


def _open_cycle_with(secretariat_user, *, organisations, actions):
    """An open cycle over `organisations` x `actions` assignments, the first one reported."""
    orgs = [factories.AllyFactory() for _ in range(organisations)]
    line = factories.LineOfEffortFactory()
    for _ in range(actions):
        action = factories.ActionItemFactory(outcome__line=line)
        for org in orgs:
            factories.AssignmentFactory(action=action, organisation=org)
    cycle = plan(secretariat_user, "Big", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    first = orgs[0].assignments.order_by("pk").first()
    report_status(secretariat_user, first, Status.ON_TRACK, 10, when=at(3, 5))
    return cycle, orgs[0]


def _queries_of(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["detail", "submission"])
def test_cycle_and_submission_pages_cost_the_same_queries_for_many_rows(
    client, secretariat_user, page
):
    counts = []
    for organisations, actions in ((3, 4), (2, 210)):
        ReviewCycle.objects.all().delete()
        cycle, first_org = _open_cycle_with(
            secretariat_user, organisations=organisations, actions=actions
        )
        client.force_login(secretariat_user)
        if page == "detail":
            url = reverse("reviews:detail", args=[cycle.pk])
        else:
            submission = cycle.submissions.get(organisation=first_org)
            url = reverse("reviews:submission", args=[submission.pk])
        _queries_of(client, url)  # the first view derives the draft state
        counts.append(_queries_of(client, url))
    # 210 rows on the submission page against 4
    assert counts[0] == counts[1], counts
