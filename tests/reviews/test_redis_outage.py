"""Redis stopped: the pages and the API go on, status updates are recorded, and the review
digests wait in the database until Redis is back, then go once each.

The test starts a Redis of its own, so it can stop and restart it without touching the shared
one, and points the cache and the Celery broker at it.
"""

import shutil
import socket
import subprocess
import time
from datetime import datetime

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from accounts.choices import Releasability
from config import health
from config.celery import app as celery_app
from roadmap.choices import Status
from tests.conftest import _require
from tests.reviews.review_data import at, build_world, plan
from tracker import tasks
from tracker.models import ReminderLog, StatusUpdate

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DELEGATES = ["deu@example.org", "dipb@example.org", "fra@example.org"]


class StoppableRedis:
    """A redis-server on a free port that the test may stop and start again."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _reset_broker_connections():
    """The same reset Celery does in a forked child: the next publish connects afresh."""
    celery_app._after_fork()


@pytest.fixture
def own_redis(settings):
    _require(shutil.which("redis-server") is not None, "needs redis-server on the PATH")
    server = StoppableRedis()
    server.start()
    saved_broker = celery_app.conf.broker_url
    settings.REDIS_URL = server.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    celery_app.conf.broker_url = server.url
    _reset_broker_connections()
    yield server
    if server.running():
        server.stop()
    celery_app.conf.broker_url = saved_broker
    _reset_broker_connections()


@pytest.fixture
def world(fra, deu, dipb, secretariat_user, fra_delegate, deu_delegate, dipb_member):
    world = build_world(fra=fra, deu=deu, dipb=dipb, secretariat_user=secretariat_user)
    plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    return world


def _last_beat_run() -> datetime | None:
    last_run = health.check_beat()["last_run"]
    return datetime.fromisoformat(last_run) if last_run else None


def _run_schedule_on_the_worker():
    """Queues the periodic task as beat does and waits until the worker has finished it."""
    before = _last_beat_run()
    tasks.run_review_schedule.delay()
    deadline = time.monotonic() + 30
    while _last_beat_run() == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _last_beat_run() != before, "the worker did not run the schedule"


def test_with_redis_stopped_work_goes_on_and_digests_wait_then_go_once(
    own_redis, world, client, fra_delegate, caplog
):
    own_redis.stop()

    with time_machine.travel(at(3, 2, 9), tick=True):
        # Pages and the API still answer; the rate limits let calls through.
        client.force_login(fra_delegate)
        for url in ["/dashboard/", "/worklist/", f"/actions/{world.a3.action.code}/"]:
            assert client.get(url).status_code == 200, url
        token = Token.objects.create(user=fra_delegate)
        api = client.get("/api/v1/assignments/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert api.status_code == 200
        assert {row["id"] for row in api.json()["results"]} >= {world.a1.pk, world.a3.pk}

        # A status update through the worklist form is recorded.
        world.a3.refresh_from_db()
        response = client.post(
            f"/worklist/assignments/{world.a3.pk}/update/",
            {
                "base_version": world.a3.version,
                "status": Status.ON_TRACK,
                "progress": 50,
                "narrative": "Recorded while the cache was down.",
                "evidence_links": "",
                "releasability": Releasability.NATO,
            },
        )
        assert response.status_code == 302
        assert StatusUpdate.objects.filter(
            assignment=world.a3, author=fra_delegate, progress=50
        ).exists()

        # The monitor sees the outage.
        health_response = client.get("/healthz")
        assert health_response.status_code == 503
        assert health_response.json()["checks"]["redis"].startswith("down")

        # Beat cannot reach the broker, but cron's `run_reviews` still opens the cycle and
        # decides today's digests; the mail cannot be queued, so it waits in the database.
        call_command("run_reviews")

    waiting = ReminderLog.objects.order_by("user__email")
    assert [log.user.email for log in waiting] == DELEGATES
    assert all(log.sent_at is None for log in waiting)
    assert mail.outbox == []
    assert "send_after_commit" in caplog.text or "Error calling" in caplog.text

    own_redis.start()
    _reset_broker_connections()
    with (
        time_machine.travel(at(3, 2, 9, 30), tick=True),
        start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        # Beat's next pass finds the digests that never went and sends them.
        _run_schedule_on_the_worker()
        deadline = time.monotonic() + 30
        while len(mail.outbox) < len(DELEGATES) and time.monotonic() < deadline:
            time.sleep(0.1)
        # Another pass later the same day sends nothing more.
        _run_schedule_on_the_worker()
        time.sleep(0.5)

    assert sorted(message.to[0] for message in mail.outbox) == DELEGATES
    assert ReminderLog.objects.filter(sent_at__isnull=True).count() == 0
    assert ReminderLog.objects.count() == len(DELEGATES)
