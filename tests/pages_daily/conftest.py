import pytest

from tests.pages.roadmap_data import build_roadmap


@pytest.fixture
def roadmap(db):
    return build_roadmap()
