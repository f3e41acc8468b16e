"""Celery tasks for periodic reviews and the data version's housekeeping. Thin: they call the
review services, which are safe to run twice (the ReminderLog unique keys and row locks make
every digest go once), and tracker.data_version."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from config import health
from tracker import data_version, review_services


@shared_task(acks_late=True, ignore_result=True)
def run_review_schedule() -> dict:
    result = review_services.run_review_schedule().as_dict()
    health.record_beat_run()  # /healthz reports how long ago this last completed
    return result


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def send_reminder_digest(reminder_log_id: int) -> bool:
    return review_services.send_reminder_digest(reminder_log_id=reminder_log_id)


@shared_task(acks_late=True, ignore_result=True)
def forget_old_data_changes() -> int:
    return data_version.forget_old_changes(now=timezone.now())
