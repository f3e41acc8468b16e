"""The register as the project ships it, a few action items to mitigate materials, and helpers
that build statuses through the status-update service."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from roadmap.loading import read_document
from roadmap.materials import load_materials_file
from roadmap.models import Assignment
from roadmap.services import load_roadmap_data
from tests import factories
from tracker.services import UpdateRequest, record_status_update

DATA_FILE = Path(settings.BASE_DIR) / "roadmap" / "data" / "materials.yaml"
ROADMAP_FILE = Path(settings.BASE_DIR) / "roadmap" / "data" / "roadmap.yaml"
# The research notes the data file was copied from; outside the repository, so a checkout
# without them skips the comparison (REFERENCE_SEED_FILE points elsewhere).
SEED_FILE = Path(os.environ.get("REFERENCE_SEED_FILE", "/work/shared/reference/seed-data.json"))


@pytest.fixture
def seed_materials() -> list[dict]:
    """The reference file's materials; tests count from it, not from a number typed in."""
    if not SEED_FILE.exists():
        pytest.skip(f"needs the reference file {SEED_FILE}")
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))["materials"]


@pytest.fixture
def allies(db):
    """The 32 Allies from the project's roadmap file: a supplier is an Ally by its ISO code."""
    document = read_document(ROADMAP_FILE)
    allies = [o for o in document["organisations"] if o["kind"] == "ally"]
    load_roadmap_data(data={"organisations": allies})
    return allies


@pytest.fixture
def register(allies):
    """Every material of the project's data file, loaded through the loader."""
    return load_materials_file(path=DATA_FILE)


@pytest.fixture
def outsider(db):
    """Logged in, but a member of nothing: sees no roadmap and no register."""
    return factories.UserFactory(email="outsider@example.org")


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(request):
    """`api_as("fra_delegate")`: an API client with a token, or anonymous."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            user = request.getfixturevalue(role)
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def report(user, assignment: Assignment, status: str, progress: int = 10, **fields):
    """Records a status through the service, as a person would."""
    current = Assignment.objects.get(pk=assignment.pk)
    record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=current.pk,
            base_version=current.version,
            status=status,
            progress=100 if status == "completed" else progress,
            narrative="Reported in the materials tests.",
            **fields,
        ),
    )


def held_action(organisation, *, number: int, title: str = "Stockpile tungsten"):
    """An action item with one assignment held by `organisation`."""
    line = factories.LineOfEffortFactory(number=number)
    outcome = factories.KeyOutcomeFactory(line=line, number=1)
    action = factories.ActionItemFactory(outcome=outcome, number=1, title=title)
    assignment = factories.AssignmentFactory(action=action, organisation=organisation)
    return action, assignment
