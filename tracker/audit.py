"""Which models the audit trail follows. Entries are written by django-auditlog's signals in
the same transaction as the change, with the actor set by the middleware or the service."""

from auditlog.registry import auditlog
from django.apps import apps

AUDITED_MODELS = [
    "accounts.User",
    "accounts.Organisation",
    "accounts.Membership",
    "roadmap.Roadmap",
    "roadmap.LineOfEffort",
    "roadmap.KeyOutcome",
    "roadmap.ActionItem",
    "roadmap.Assignment",
    "roadmap.CriticalMaterial",
    "roadmap.MaterialSupplier",
    "roadmap.MaterialDefenceUse",
    "roadmap.MaterialMitigation",
    "tracker.StatusUpdate",
    "tracker.ReviewCycle",
    "tracker.CycleSubmission",
    "tracker.SecretariatAssessment",
    "tracker.BestPractice",
    "tracker.BestPracticeAttachment",
    "tracker.BestPracticeTag",
]

# Secrets never enter the log; bookkeeping timestamps only add noise.
NOT_AUDITED_FIELDS = ["password", "last_login", "updated_at", "search_vector"]


def _audited_fields(model) -> list[str]:
    """The model's own columns and many-to-many fields; reverse relations are not changes."""
    fields = [*model._meta.concrete_fields, *model._meta.local_many_to_many]
    return [field.name for field in fields if field.name not in NOT_AUDITED_FIELDS]


def register_models() -> None:
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, include_fields=_audited_fields(model))
