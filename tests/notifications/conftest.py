import pytest
from django.utils import translation

# The review tests' world, its March cycle and their in-process Celery (autouse), shared.
from tests.reviews.conftest import celery_eager, march, open_march, world  # noqa: F401


@pytest.fixture(autouse=True)
def english():
    """A request in French leaves French active in the thread: start each test in English."""
    with translation.override("en"):
        yield
