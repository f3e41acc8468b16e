"""The admin is the secretariat's tool: policy decides who gets in, and long lists stay cheap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Membership, Organisation, User
from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from tests import factories

ADMIN_MODELS = [
    User,
    Organisation,
    Membership,
    Roadmap,
    LineOfEffort,
    KeyOutcome,
    ActionItem,
    Assignment,
]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def secretariat_client(client, secretariat_user):
    secretariat_user.is_staff = True
    secretariat_user.save()
    client.force_login(secretariat_user)
    return client


@pytest.fixture
def delegate_client(client, fra_delegate):
    fra_delegate.is_staff = True
    fra_delegate.save()
    client.force_login(fra_delegate)
    return client


@pytest.fixture
def assignment(fra):
    return factories.AssignmentFactory(
        organisation=fra, role=AssignmentRole.LEAD, status=Status.AT_RISK, progress=40
    )


@pytest.fixture
def one_of_each(assignment, fra_delegate):
    """An instance of every model the admin manages."""
    action = assignment.action
    return {
        User: fra_delegate,
        Organisation: assignment.organisation,
        Membership: fra_delegate.memberships.get(),
        Roadmap: action.outcome.line.roadmap,
        LineOfEffort: action.outcome.line,
        KeyOutcome: action.outcome,
        ActionItem: action,
        Assignment: assignment,
    }


# Who gets in


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_secretariat_opens_every_list_add_and_change_page(secretariat_client, one_of_each, model):
    obj = one_of_each[model]

    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
    ):
        assert secretariat_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_a_staff_delegate_is_refused_every_page(delegate_client, one_of_each, model):
    obj = one_of_each[model]

    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", obj.pk),
        admin_url(model, "delete", obj.pk),
    ):
        assert delegate_client.get(url).status_code == 403, url


def test_a_staff_delegate_sees_an_empty_admin_index(delegate_client, secretariat_user):
    response = delegate_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["app_list"] == []


def test_the_secretariat_index_lists_accounts_and_roadmap(secretariat_client):
    response = secretariat_client.get(reverse("admin:index"))

    apps = {app["app_label"]: app for app in response.context["app_list"]}
    assert {"accounts", "roadmap"} <= set(apps)
    assert {m["object_name"] for m in apps["roadmap"]["models"]} == {
        "Roadmap",
        "LineOfEffort",
        "KeyOutcome",
        "ActionItem",
        "Assignment",
        "CriticalMaterial",
        "MaterialMitigation",
    }


def test_a_staff_delegate_cannot_create_through_the_admin(delegate_client):
    response = delegate_client.post(
        admin_url(Organisation, "add"), {"code": "EVIL", "name": "Evil", "kind": "board"}
    )

    assert response.status_code == 403
    assert not Organisation.objects.filter(code="EVIL").exists()


def test_the_secretariat_still_needs_the_staff_flag(client, secretariat_user):
    client.force_login(secretariat_user)

    response = client.get(admin_url(Assignment, "changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_autocomplete_follows_the_policy(secretariat_client, assignment):
    url = reverse("admin:autocomplete")
    query = {"app_label": "roadmap", "model_name": "assignment", "field_name": "organisation"}

    response = secretariat_client.get(url, {**query, "term": "FRA"})

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["France (FRA)"]


def test_autocomplete_refuses_a_delegate(delegate_client, assignment):
    url = reverse("admin:autocomplete")
    query = {"app_label": "roadmap", "model_name": "assignment", "field_name": "organisation"}

    assert delegate_client.get(url, {**query, "term": "FRA"}).status_code == 403


# Writes


def test_secretariat_creates_an_organisation(secretariat_client):
    response = secretariat_client.post(
        admin_url(Organisation, "add"),
        {
            "code": "NSPA",
            "name": "NATO Support and Procurement Agency",
            "kind": "board",
            "iso3": "",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert Organisation.objects.get(code="NSPA").name == "NATO Support and Procurement Agency"


def test_an_ally_without_iso3_is_refused_with_a_message(secretariat_client):
    response = secretariat_client.post(
        admin_url(Organisation, "add"),
        {
            "code": "XYZ",
            "name": "Nowhere",
            "kind": "ally",
            "iso3": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Allies and partners need an ISO 3166 alpha-3 code." in response.content.decode()
    assert not Organisation.objects.filter(code="XYZ").exists()


def new_user_form(email):
    return {
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "language": "fr",
        "time_zone": "Europe/Paris",
        "usable_password": "true",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }


def test_secretariat_creates_a_user_who_logs_in_by_email(secretariat_client, client):
    response = secretariat_client.post(admin_url(User, "add"), new_user_form("Ada@Example.ORG"))

    assert response.status_code == 302
    user = User.objects.get(email="ada@example.org")
    assert (user.language, user.time_zone) == ("fr", "Europe/Paris")
    assert user.check_password("a-long-enough-passphrase")


def test_a_second_spelling_of_an_existing_email_is_refused(secretariat_client, fra_delegate):
    response = secretariat_client.post(admin_url(User, "add"), new_user_form("FRA@example.org"))

    assert response.status_code == 200
    assert "A user with this e-mail address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="fra@example.org").count() == 1


def test_the_secretariat_cannot_grant_superuser_status(secretariat_client, secretariat_user):
    target = factories.UserFactory(email="target@example.org")

    response = secretariat_client.post(
        admin_url(User, "change", target.pk),
        {
            "email": "target@example.org",
            "first_name": "Target",
            "last_name": "User",
            "language": "en",
            "time_zone": "Europe/Brussels",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff
    assert not target.is_superuser


def test_assignment_status_progress_and_version_are_not_editable(secretariat_client, assignment):
    page = secretariat_client.get(admin_url(Assignment, "change", assignment.pk))
    form_fields = page.context["adminform"].form.fields
    assert {"status", "progress", "version"}.isdisjoint(form_fields)
    assert {"action", "organisation", "role", "due_date"} <= set(form_fields)

    response = secretariat_client.post(
        admin_url(Assignment, "change", assignment.pk),
        {
            "action": assignment.action.pk,
            "organisation": assignment.organisation.pk,
            "role": AssignmentRole.LEAD,
            "due_date": "2027-06-30",
            "status": Status.COMPLETED,
            "progress": "100",
            "version": "99",
        },
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert str(assignment.due_date) == "2027-06-30"
    assert (assignment.status, assignment.progress, assignment.version) == (Status.AT_RISK, 40, 1)


def test_assignment_rows_inside_an_action_show_but_do_not_edit_status(
    secretariat_client, assignment
):
    response = secretariat_client.get(admin_url(ActionItem, "change", assignment.action.pk))

    html = response.content.decode()
    assert 'name="assignments-0-role"' in html
    for field in ("status", "progress", "version"):
        assert f'name="assignments-0-{field}"' not in html
    assert "At risk" in html


# Search


def test_searching_an_action_code_finds_that_action(secretariat_client):
    outcome = factories.KeyOutcomeFactory()
    actions = {n: factories.ActionItemFactory(outcome=outcome, number=n) for n in (1, 2, 12)}

    response = secretariat_client.get(admin_url(ActionItem, "changelist"), {"q": actions[12].code})

    assert list(response.context["cl"].result_list) == [actions[12]]


def test_searching_an_action_code_finds_its_assignments(secretariat_client, assignment, deu):
    other = factories.AssignmentFactory(organisation=deu)

    response = secretariat_client.get(
        admin_url(Assignment, "changelist"), {"q": assignment.action.code}
    )

    assert list(response.context["cl"].result_list) == [assignment]
    assert other not in response.context["cl"].result_list


def test_searching_an_organisation_code_finds_its_assignments(secretariat_client, assignment, deu):
    theirs = factories.AssignmentFactory(organisation=deu)

    response = secretariat_client.get(admin_url(Assignment, "changelist"), {"q": "DEU"})

    assert list(response.context["cl"].result_list) == [theirs]


def test_filtering_assignments_by_line(secretariat_client, assignment):
    elsewhere = factories.AssignmentFactory(organisation=assignment.organisation)

    response = secretariat_client.get(
        admin_url(Assignment, "changelist"),
        {"action__outcome__line__id__exact": assignment.action.outcome.line_id},
    )

    assert list(response.context["cl"].result_list) == [assignment]
    assert elsewhere.action.outcome.line_id != assignment.action.outcome.line_id


def test_the_organisation_list_counts_members(secretariat_client, fra_delegate, observer):
    response = secretariat_client.get(admin_url(Organisation, "changelist"), {"q": "FRA"})

    (france,) = response.context["cl"].result_list
    assert france.member_count == 2


def test_the_action_list_counts_assignments(secretariat_client, assignment, deu):
    factories.AssignmentFactory(action=assignment.action, organisation=deu)

    response = secretariat_client.get(admin_url(ActionItem, "changelist"))

    (action,) = response.context["cl"].result_list
    assert action.assignment_count == 2


def test_users_can_be_filtered_by_role(secretariat_client, fra_delegate, deu_delegate, observer):
    response = secretariat_client.get(
        admin_url(User, "changelist"), {"memberships__role__exact": Role.DELEGATE}
    )

    assert set(response.context["cl"].result_list) == {fra_delegate, deu_delegate}


# Constant queries


def add_assignments(count):
    outcome = factories.KeyOutcomeFactory()
    for _ in range(count):
        factories.AssignmentFactory(
            action=factories.ActionItemFactory(outcome=outcome),
            organisation=factories.OrganisationFactory(),
        )


def add_actions(count):
    outcome = factories.KeyOutcomeFactory()
    organisation = factories.OrganisationFactory()
    for action in factories.ActionItemFactory.create_batch(count, outcome=outcome):
        factories.AssignmentFactory(action=action, organisation=organisation)


def add_organisations(count):
    for organisation in factories.OrganisationFactory.create_batch(count):
        factories.member(organisation, Role.BOARD_MEMBER)


@pytest.mark.parametrize(
    ("model", "add_rows"),
    [
        (Assignment, add_assignments),
        (ActionItem, add_actions),
        (Organisation, add_organisations),
    ],
    ids=["assignments", "actions", "organisations"],
)
def test_changelists_run_a_constant_number_of_queries(
    secretariat_client, django_assert_max_num_queries, model, add_rows
):
    url = admin_url(model, "changelist")
    add_rows(20)
    secretariat_client.get(url)  # warm per-process caches (content types, sites)
    with CaptureQueriesContext(connection) as with_20_rows:
        assert secretariat_client.get(url).status_code == 200

    add_rows(200)

    with django_assert_max_num_queries(len(with_20_rows)):
        response = secretariat_client.get(url)
    assert response.context["cl"].result_count >= 220
