"""The production profile refuses unsafe settings and passes Django's deployment checks; the
database settings prepare what PostgreSQL runs again and again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Organisation

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k8#Vq2!mZr7@Lp4$Wn9^Tx3&Hc6*Bf1(Gd5)Js0-Ye8+Ua2=Ro7_Ni4"


# The subprocess gets only the settings each test gives it (browser tests set the last one).
INHERITED_SETTINGS_TO_DROP = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_SETTINGS_TO_DROP}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "roadmap.example.org",
    "DATABASE_URL": "postgres://roadmap@127.0.0.1:5432/roadmap",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_profile_passes_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "overrides", "message"),
    [
        ("secret key", {"SECRET_KEY": ""}, "SECRET_KEY"),
        ("weak secret key", {"SECRET_KEY": "short"}, "SECRET_KEY"),
        ("allowed hosts", {"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ("database", {"DATABASE_URL": ""}, "DATABASE_URL"),
        ("debug on", {"DEBUG": "true"}, "DEBUG"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(missing, overrides, message):
    result = run_manage("check", **{**PRODUCTION_ENV, **overrides})

    assert result.returncode != 0, f"started without {missing}"
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_development_default_needs_no_server():
    result = run_manage("check", DJANGO_ENV="development")

    assert result.returncode == 0, result.stderr


def test_migrations_match_models():
    result = run_manage("makemigrations", "--check", "--dry-run", DJANGO_ENV="development")

    assert result.returncode == 0, "models changed without a migration:\n" + result.stdout


PRINT_DATABASE_OPTIONS = (
    "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS']))"
)


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ({}, "['prepare_threshold', 'server_side_binding']"),
        ({"DB_PREPARED_STATEMENTS": "false"}, "[]"),
    ],
)
def test_prepared_statements_on_postgresql_unless_turned_off_for_a_pooler(switch, expected):
    result = run_manage("shell", "-c", PRINT_DATABASE_OPTIONS, **{**PRODUCTION_ENV, **switch})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.postgres
def test_a_query_a_connection_repeats_is_prepared_once(db):
    """PostgreSQL then skips parsing and planning it: a third of its time per API call."""
    for _ in range(8):
        list(Organisation.objects.filter(code="FRA"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_organisation" WHERE "accounts_organisation"."code" = $1%'],
        )
        assert cursor.fetchone()[0] == 1
