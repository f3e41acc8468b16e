"""Liveness for a load balancer or monitor: 200 when the database and Redis answer (and, where
required, the Celery beat has run recently), else 503."""

import logging
from datetime import datetime

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BEAT_HEARTBEAT_KEY = "health:beat-last-run"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"down: {exc.__class__.__name__}"
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def record_beat_run(*, at: datetime | None = None) -> None:
    """Called by the periodic review task after each pass. Kept in the cache (Redis in
    production), where every web process reads it; a failure to write only costs the
    heartbeat, never the task's work."""
    moment = at or timezone.now()
    try:
        cache.set(BEAT_HEARTBEAT_KEY, moment.isoformat(), timeout=None)
    except Exception:
        logger.warning("Could not record the beat heartbeat", exc_info=True)


def check_beat() -> dict:
    """When the review schedule last ran, how long ago, and whether that is too long."""
    try:
        raw = cache.get(BEAT_HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001 - an unreadable cache: the beat state is unknown
        return {
            "state": f"unknown: {exc.__class__.__name__}",
            "last_run": None,
            "age_seconds": None,
        }
    if raw is None:
        return {"state": "never", "last_run": None, "age_seconds": None}
    last_run = datetime.fromisoformat(raw)
    age = max(0, int((timezone.now() - last_run).total_seconds()))
    state = "ok" if age <= settings.HEALTH_BEAT_MAX_AGE_SECONDS else "stale"
    return {"state": state, "last_run": last_run.isoformat(), "age_seconds": age}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "redis": check_redis()}
    beat = check_beat()
    beat["required"] = settings.HEALTH_REQUIRE_BEAT
    beat["max_age_seconds"] = settings.HEALTH_BEAT_MAX_AGE_SECONDS
    healthy = all(state in {"ok", "not configured"} for state in checks.values())
    if settings.HEALTH_REQUIRE_BEAT and beat["state"] != "ok":
        healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks, "beat": beat},
        status=200 if healthy else 503,
    )
