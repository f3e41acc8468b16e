import pytest
from django.test import override_settings


@pytest.mark.redis
def test_healthz_reports_database_and_redis_up(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.redis
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_redis_is_unreachable(client, db):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("down")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.postgres
def test_ci_runs_on_postgresql(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    print(f"database under test: {version}")
    assert version.startswith("PostgreSQL")


def test_healthz_needs_no_login_and_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.get("/healthz").status_code in {200, 503}
