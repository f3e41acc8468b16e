"""The review workflow: every step allowed for its role only, over the API and the pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Releasability
from tests.best_practices.conftest import draft, published, walk
from tracker.models import BestPractice, BestPracticeState, BestPracticeTransition

State = BestPracticeState
ROLES = [
    "fra_delegate",
    "deu_delegate",
    "dipb_member",
    "niag_member",
    "observer",
    "secretariat_user",
]


def api_step(user, best_practice, step, comment=""):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    url = f"/api/v1/best-practices/{best_practice.pk}/{step}/"
    return client.post(url, {"comment": comment}, format="json")


@pytest.fixture
def people(request, fra, deu, dipb, niag, secretariat_org):
    return {role: request.getfixturevalue(role) for role in ROLES}


def at_state(state, author, organisation, reviewer, **fields):
    """A best practice by `author`, brought to `state` through the services."""
    best_practice = draft(author, organisation, **fields)
    steps = {
        State.DRAFT: [],
        State.SUBMITTED: [(author, "submit")],
        State.UNDER_REVIEW: [(author, "submit"), (reviewer, "start_review")],
        State.PUBLISHED: [(author, "submit"), (reviewer, "start_review"), (reviewer, "publish")],
        State.RETURNED: [(author, "submit"), (reviewer, "return", "More detail, please.")],
        State.REJECTED: [(author, "submit"), (reviewer, "reject", "Out of scope.")],
    }[state]
    return walk(best_practice, *steps)


# (step, from state, comment, role allowed, resulting state)
STEPS = [
    ("submit", State.DRAFT, "", "fra_delegate", State.SUBMITTED),
    ("submit", State.RETURNED, "Added the figures.", "fra_delegate", State.SUBMITTED),
    ("start-review", State.SUBMITTED, "", "secretariat_user", State.UNDER_REVIEW),
    ("publish", State.UNDER_REVIEW, "", "secretariat_user", State.PUBLISHED),
    ("return", State.SUBMITTED, "Say which Allies.", "secretariat_user", State.RETURNED),
    ("return", State.UNDER_REVIEW, "Say which Allies.", "secretariat_user", State.RETURNED),
    ("reject", State.UNDER_REVIEW, "Not a practice.", "secretariat_user", State.REJECTED),
    ("reject", State.SUBMITTED, "Not a practice.", "secretariat_user", State.REJECTED),
]


@pytest.mark.parametrize(("step", "source", "comment", "allowed", "target"), STEPS)
def test_each_step_is_allowed_for_its_role_only(
    people, fra, second_secretary, step, source, comment, allowed, target
):
    # Given a best practice by the FRA delegate, in the step's source state
    author = people["fra_delegate"]
    best_practice = at_state(source, author, fra, second_secretary)
    transitions_before = BestPracticeTransition.objects.count()

    # When everyone else tries the step, then each is refused: 404 where they cannot see it
    # (drafts and submissions are private to the author and the secretariat), 403 where they can
    for role, user in people.items():
        if role == allowed:
            continue
        response = api_step(user, best_practice, step, comment)
        can_see = role == "fra_delegate" or (role == "secretariat_user" and source != State.DRAFT)
        assert response.status_code == (403 if can_see else 404), (role, response.data)
    assert api_step(None, best_practice, step, comment).status_code == 401
    best_practice.refresh_from_db()
    assert best_practice.state == source
    assert BestPracticeTransition.objects.count() == transitions_before

    # When the right role does it, then it happens and is recorded
    response = api_step(people[allowed], best_practice, step, comment)
    assert response.status_code == 200, response.data
    assert response.data["state"] == target
    last = best_practice.transitions.order_by("-pk").first()
    assert (last.actor, last.from_state, last.to_state, last.comment) == (
        people[allowed],
        source,
        target,
        comment,
    )


@pytest.mark.parametrize("step", ["submit", "start-review", "publish", "return", "reject"])
def test_nobody_but_the_secretariat_moves_a_published_one_and_it_is_409(
    people, fra, second_secretary, step
):
    best_practice = at_state(
        State.PUBLISHED,
        people["fra_delegate"],
        fra,
        second_secretary,
        releasability=Releasability.INDUSTRY,
    )
    for role, user in people.items():
        response = api_step(user, best_practice, step, "why")
        expected = 409 if (role == "secretariat_user" and step != "submit") else 403
        if role == "fra_delegate" and step == "submit":
            expected = 409
        assert response.status_code == expected, (role, response.data)
    best_practice.refresh_from_db()
    assert best_practice.state == State.PUBLISHED


def test_an_author_cannot_review_or_publish_their_own(
    secretariat_user, second_secretary, secretariat_org
):
    # Given a best practice written by a member of the secretariat
    best_practice = walk(draft(secretariat_user, secretariat_org), (secretariat_user, "submit"))

    # When its author tries to take it under review, then they are refused
    response = api_step(secretariat_user, best_practice, "start-review")
    assert response.status_code == 403
    assert "your own" in str(response.data["detail"])

    # And when a colleague has taken it under review, its author still cannot publish it
    assert api_step(second_secretary, best_practice, "start-review").status_code == 200
    response = api_step(secretariat_user, best_practice, "publish")
    assert response.status_code == 403
    best_practice.refresh_from_db()
    assert best_practice.state == State.UNDER_REVIEW
    assert api_step(second_secretary, best_practice, "publish").status_code == 200


def test_a_rejected_one_cannot_be_resubmitted(fra_delegate, fra, secretariat_user):
    best_practice = at_state(State.REJECTED, fra_delegate, fra, secretariat_user)

    response = api_step(fra_delegate, best_practice, "submit")

    assert response.status_code == 409
    assert response.data["detail"] == "A rejected best practice cannot be resubmitted."
    client = APIClient()
    client.force_authenticate(fra_delegate)
    edit = client.patch(
        f"/api/v1/best-practices/{best_practice.pk}/", {"title": "Again"}, format="json"
    )
    assert edit.status_code == 409
    best_practice.refresh_from_db()
    assert (best_practice.state, best_practice.title) == (
        State.REJECTED,
        "Stockpiling tungsten together",
    )


def test_a_returned_one_is_edited_and_resubmitted_and_the_exchange_is_kept(
    fra_delegate, fra, secretariat_user
):
    # Given a submission returned with a comment
    best_practice = at_state(State.RETURNED, fra_delegate, fra, secretariat_user)
    client = APIClient()
    client.force_authenticate(fra_delegate)

    # When the author edits it and submits it again with an answer
    edited = client.patch(
        f"/api/v1/best-practices/{best_practice.pk}/",
        {"body": "Now with the figures.", "tags": ["Stockpiling", " tungsten "]},
        format="json",
    )
    assert edited.status_code == 200, edited.data
    assert edited.data["tags"] == ["stockpiling", "tungsten"]
    assert api_step(fra_delegate, best_practice, "submit", "Figures added.").status_code == 200

    # Then the secretariat can publish it, and the author reads the whole exchange
    client_sec = APIClient()
    client_sec.force_authenticate(secretariat_user)
    client_sec.post(f"/api/v1/best-practices/{best_practice.pk}/start-review/")
    client_sec.post(f"/api/v1/best-practices/{best_practice.pk}/publish/")
    detail = client.get(f"/api/v1/best-practices/{best_practice.pk}/").data
    assert [(h["to_state"], h["comment"]) for h in detail["history"]] == [
        ("submitted", ""),
        ("returned", "More detail, please."),
        ("submitted", "Figures added."),
        ("under_review", ""),
        ("published", ""),
    ]
    assert detail["state"] == "published"
    assert detail["published_at"]


def test_returning_or_rejecting_needs_a_comment(fra_delegate, fra, secretariat_user):
    best_practice = at_state(State.SUBMITTED, fra_delegate, fra, secretariat_user)

    for step in ("return", "reject"):
        response = api_step(secretariat_user, best_practice, step, "  ")
        assert response.status_code == 400
        assert response.data["comment"] == ["Tell the author why."]
    best_practice.refresh_from_db()
    assert best_practice.state == State.SUBMITTED


def test_observers_cannot_write_best_practices(observer, fra):
    client = APIClient()
    client.force_authenticate(observer)

    response = client.post(
        "/api/v1/best-practices/", {"title": "Mine", "organisation": "FRA"}, format="json"
    )

    assert response.status_code == 403
    assert BestPractice.objects.count() == 0


def test_an_author_creates_and_edits_a_draft_over_the_api(fra_delegate, fra, action, gallium):
    client = APIClient()
    client.force_authenticate(fra_delegate)

    created = client.post(
        "/api/v1/best-practices/",
        {
            "title": "Magnet recycling",
            "organisation": "FRA",
            "releasability": "industry",
            "actions": [action.code],
            "lines": [action.outcome.line.code],
            "materials": ["gallium"],
            "tags": ["recycling"],
        },
        format="json",
    )

    assert created.status_code == 201, created.data
    assert created.data["state"] == "draft"
    assert created.data["actions"] == [action.code]
    assert created.data["materials"] == ["gallium"]
    pk = created.data["id"]
    edited = client.patch(f"/api/v1/best-practices/{pk}/", {"summary": "Short."}, format="json")
    assert edited.status_code == 200
    assert edited.data["summary"] == "Short."
    other_org = client.patch(
        f"/api/v1/best-practices/{pk}/", {"organisation": "DEU"}, format="json"
    )
    assert other_org.status_code == 400


# Pages


def test_the_pages_walk_a_submission_through_review(
    client, fra_delegate, fra, secretariat_user, django_capture_on_commit_callbacks, mailoutbox
):
    # Given a draft written on the page
    client.force_login(fra_delegate)
    response = client.post(
        reverse("best_practices:create"),
        {
            "title": "Dual sourcing of gallium",
            "summary": "Two suppliers for every contract.",
            "body": "## Why\nOne supplier is a single point of failure.",
            "organisation": fra.pk,
            "releasability": "nato",
            "tags": "sourcing, gallium",
        },
    )
    best_practice = BestPractice.objects.get()
    assert response.status_code == 302
    detail = client.get(reverse("best_practices:detail", args=[best_practice.pk]))
    assert b"<h2>Why</h2>" in detail.content
    assert b"Submit for review" in detail.content

    # When the author submits it and the secretariat returns it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("best_practices:submit", args=[best_practice.pk]))
    client.force_login(secretariat_user)
    queue = client.get(reverse("best_practices:queue"))
    assert b"Dual sourcing of gallium" in queue.content
    refused = client.post(reverse("best_practices:return", args=[best_practice.pk]), {})
    assert refused.status_code == 400
    assert b"Tell the author why." in refused.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("best_practices:return", args=[best_practice.pk]),
            {"comment": "Name the suppliers."},
        )

    # Then the author is told each time, with the comment
    best_practice.refresh_from_db()
    assert best_practice.state == State.RETURNED
    assert [m.to for m in mailoutbox] == [["fra@example.org"], ["fra@example.org"]]
    assert "returned" in mailoutbox[1].subject.lower()
    assert "Name the suppliers." in mailoutbox[1].body
    assert "Name the suppliers." in mailoutbox[1].alternatives[0][0]

    # And the author may edit it again
    client.force_login(fra_delegate)
    assert client.get(reverse("best_practices:edit", args=[best_practice.pk])).status_code == 200


def test_page_steps_refuse_other_roles(client, fra_delegate, deu_delegate, fra, secretariat_user):
    best_practice = at_state(State.SUBMITTED, fra_delegate, fra, secretariat_user)

    client.force_login(deu_delegate)
    assert (
        client.post(reverse("best_practices:publish", args=[best_practice.pk])).status_code == 404
    )
    client.force_login(fra_delegate)
    response = client.post(reverse("best_practices:start-review", args=[best_practice.pk]))
    assert response.status_code == 403
    assert client.get(reverse("best_practices:queue")).status_code == 403
    client.force_login(secretariat_user)
    response = client.post(reverse("best_practices:submit", args=[best_practice.pk]))
    assert response.status_code == 403
    best_practice.refresh_from_db()
    assert best_practice.state == State.SUBMITTED


def test_page_refuses_resubmitting_a_rejected_one_with_the_reason(
    client, fra_delegate, fra, secretariat_user
):
    best_practice = at_state(State.REJECTED, fra_delegate, fra, secretariat_user)
    client.force_login(fra_delegate)

    response = client.post(reverse("best_practices:submit", args=[best_practice.pk]))

    assert response.status_code == 409
    assert "A rejected best practice cannot be resubmitted." in response.content.decode()
    assert b"Out of scope." in response.content  # the author still reads why


def test_each_step_mails_the_author(
    fra_delegate, fra, secretariat_user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        published(fra_delegate, fra, secretariat_user)

    assert len(mailoutbox) == 3
    assert all(message.to == ["fra@example.org"] for message in mailoutbox)
    assert "published in the library" in mailoutbox[2].body
