import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and the beat heartbeat live in the cache; each test starts clean."""
    cache.clear()
    yield
    cache.clear()
