"""A small roadmap held by FRA (lead), DEU, DIPB and NIAG, and API clients for every role."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from roadmap.models import Assignment
from tests import factories
from tracker.services import UpdateRequest, record_status_update

ROLES = [
    "secretariat_user",
    "fra_delegate",
    "deu_delegate",
    "dipb_member",
    "niag_member",
    "observer",
    "outsider",
]
NATO_ONLY_NARRATIVE = "NATO ONLY: stockpile shortfall in gallium"
INDUSTRY_NARRATIVE = "Released to industry: supplier survey under way"


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Token-login throttling counts in the cache; each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outsider(db):
    """Logged in, but a member of nothing: sees no roadmap."""
    return factories.UserFactory(email="outsider@example.org")


@pytest.fixture
def api_client():
    """`api_client(user)` authenticates with a token, `api_client(None)` is anonymous."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def client_as(request, api_client):
    """`client_as("fra_delegate")`: a client for a role fixture, or anonymous."""

    def make(role: str) -> APIClient:
        return api_client(None if role == "anonymous" else request.getfixturevalue(role))

    return make


def record(user, assignment: Assignment, **fields):
    """Records an update through the service, based on the assignment's current version."""
    assignment.refresh_from_db()
    request = UpdateRequest(
        assignment_id=assignment.pk,
        base_version=assignment.version,
        **{"status": Status.ON_TRACK, "progress": 10, **fields},
    )
    update = record_status_update(user=user, request=request)
    assignment.refresh_from_db()
    return update


@dataclass
class World:
    action: object
    fra_assignment: Assignment
    deu_assignment: Assignment
    dipb_assignment: Assignment
    niag_assignment: Assignment
    nato_update: object
    industry_update: object


@pytest.fixture
def world(secretariat_user, fra, deu, dipb, niag) -> World:
    action = factories.ActionItemFactory(
        outcome__line__number=1, outcome__number=1, number=1, title="Map gallium supply"
    )
    assignments = {
        org.code: factories.AssignmentFactory(
            action=action,
            organisation=org,
            role=AssignmentRole.LEAD if org.code == "FRA" else AssignmentRole.CONTRIBUTOR,
        )
        for org in (fra, deu, dipb, niag)
    }
    industry_update = record(
        secretariat_user,
        assignments["FRA"],
        status=Status.ON_TRACK,
        progress=20,
        narrative=INDUSTRY_NARRATIVE,
        releasability=Releasability.INDUSTRY,
    )
    nato_update = record(
        secretariat_user,
        assignments["FRA"],
        status=Status.BLOCKED,
        progress=30,
        narrative=NATO_ONLY_NARRATIVE,
        releasability=Releasability.NATO,
    )
    return World(
        action=action,
        fra_assignment=assignments["FRA"],
        deu_assignment=assignments["DEU"],
        dipb_assignment=assignments["DIPB"],
        niag_assignment=assignments["NIAG"],
        nato_update=nato_update,
        industry_update=industry_update,
    )
