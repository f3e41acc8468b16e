import pytest

from config.celery import app as celery_app


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
