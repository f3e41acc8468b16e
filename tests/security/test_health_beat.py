"""/healthz reports the age of the last beat run and answers 503 when a part is down."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from config.health import record_beat_run
from tracker import tasks

pytestmark = pytest.mark.django_db


def test_a_run_of_the_schedule_records_the_heartbeat(client):
    assert client.get("/healthz").json()["beat"]["state"] == "never"

    tasks.run_review_schedule()

    beat = client.get("/healthz").json()["beat"]
    assert beat["state"] == "ok"
    assert 0 <= beat["age_seconds"] < 60
    assert beat["last_run"]


@override_settings(HEALTH_REQUIRE_BEAT=True, HEALTH_BEAT_MAX_AGE_SECONDS=600)
def test_a_stale_beat_is_503_where_it_is_required(client):
    record_beat_run(at=timezone.now() - timedelta(minutes=11))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["beat"]["state"] == "stale"
    assert response.json()["beat"]["age_seconds"] >= 660


@override_settings(HEALTH_REQUIRE_BEAT=True, HEALTH_BEAT_MAX_AGE_SECONDS=600)
def test_a_recent_beat_is_healthy_where_it_is_required(client):
    record_beat_run(at=timezone.now() - timedelta(minutes=5))

    response = client.get("/healthz")

    assert response.json()["beat"]["state"] == "ok"
    assert response.json()["checks"]["database"] == "ok"
    assert response.status_code == (200 if response.json()["checks"]["redis"] != "down" else 503)


@override_settings(HEALTH_REQUIRE_BEAT=True)
def test_a_beat_that_never_ran_is_503_where_it_is_required(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["beat"]["state"] == "never"


@override_settings(HEALTH_REQUIRE_BEAT=False, HEALTH_BEAT_MAX_AGE_SECONDS=600)
def test_a_stale_beat_is_reported_but_not_fatal_where_not_required(client, settings):
    record_beat_run(at=timezone.now() - timedelta(hours=3))

    response = client.get("/healthz")

    assert response.json()["beat"]["state"] == "stale"
    assert response.json()["beat"]["required"] is False
    if settings.REDIS_URL is None or response.json()["checks"]["redis"] in {"ok", "not configured"}:
        assert response.status_code == 200


def test_production_requires_the_beat_by_default():
    from tests.config.test_settings import PRODUCTION_ENV, run_manage

    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.HEALTH_REQUIRE_BEAT)",
        **PRODUCTION_ENV,
    )

    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_a_wrong_redis_url_is_503_even_without_a_redis_server(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("down")
