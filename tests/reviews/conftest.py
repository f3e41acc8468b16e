import pytest

from config.celery import app as celery_app
from tests.reviews.review_data import at, build_world, plan, run_pass


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Unit tests run tasks in-process; tests marked redis use a real worker instead."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# The review world and its March cycle, shared with tests/notifications (its conftest imports
# them); a test module that needs another world defines its own.


@pytest.fixture
def world(fra, deu, dipb, secretariat_user):
    return build_world(fra=fra, deu=deu, dipb=dipb, secretariat_user=secretariat_user)


@pytest.fixture
def march(world, secretariat_user):
    return plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))


@pytest.fixture
def open_march(march):
    run_pass(at(3, 2))
    march.refresh_from_db()
    return march
