import pytest

from accounts.choices import Releasability, Role
from roadmap.models import CriticalMaterial
from tests import factories
from tracker import best_practices as services


@pytest.fixture(autouse=True)
def private_attachment_root(settings, tmp_path):
    """Each test stores its files in its own folder, outside the static root."""
    settings.BEST_PRACTICE_ATTACHMENT_ROOT = tmp_path / "attachments"
    return settings.BEST_PRACTICE_ATTACHMENT_ROOT


@pytest.fixture
def action(db):
    return factories.ActionItemFactory(title="Recycle rare-earth magnets")


@pytest.fixture
def line(action):
    return action.outcome.line


@pytest.fixture
def gallium(db):
    return CriticalMaterial.objects.create(slug="gallium", name="Gallium", symbol="Ga")


@pytest.fixture
def second_secretary(secretariat_org):
    return factories.member(secretariat_org, Role.SECRETARIAT, email="sec2@example.org")


def draft(author, organisation, **fields):
    values = {
        "title": "Stockpiling tungsten together",
        "summary": "How two Allies pooled a reserve.",
        "body": "A **joint** reserve of tungsten concentrate.",
        "releasability": Releasability.NATO,
    }
    values.update(fields)
    return services.create_best_practice(user=author, organisation=organisation, **values)


def walk(best_practice, *steps):
    """Moves a best practice through (user, action[, comment]) steps with the services."""
    for user, action, *comment in steps:
        services.transition_best_practice(
            user=user,
            best_practice_id=best_practice.pk,
            action=action,
            comment=comment[0] if comment else "",
        )
    best_practice.refresh_from_db()
    return best_practice


def published(author, organisation, reviewer, **fields):
    return walk(
        draft(author, organisation, **fields),
        (author, "submit"),
        (reviewer, "start_review"),
        (reviewer, "publish"),
    )
