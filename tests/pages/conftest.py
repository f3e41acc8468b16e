import pytest

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from tests import factories
from tests.pages.roadmap_data import build_roadmap
from tests.pages_daily.data import update


@pytest.fixture
def roadmap(db):
    return build_roadmap()


@pytest.fixture
def released_and_nato_only(secretariat_user, fra, deu):
    """FRA released at risk 20 % to industry, then reported blocked 5 % NATO only; DEU never
    reported."""
    action = factories.ActionItemFactory(title="Stockpile gallium")
    fra_part = factories.AssignmentFactory(
        action=action, organisation=fra, role=AssignmentRole.LEAD
    )
    factories.AssignmentFactory(action=action, organisation=deu)
    update(
        secretariat_user,
        fra_part,
        status=Status.AT_RISK,
        progress=20,
        releasability=Releasability.INDUSTRY,
    )
    update(secretariat_user, fra_part, status=Status.BLOCKED, progress=5)
    return action
