"""Reading the audit trail: every change (django-auditlog) and every log-in, filtered for the
secretariat's audit page and its CSV export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from auditlog.models import LogEntry
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policy
from tracker.audit import AUDITED_MODELS

EVENT_CHOICES = [
    ("", _("Any event")),
    ("create", _("Created")),
    ("update", _("Changed")),
    ("delete", _("Deleted")),
    ("login", _("Logged in")),
    ("login_failed", _("Failed log-in")),
    ("unlock", _("Log-in unlocked")),
    ("two_factor_enabled", _("Two-factor authentication turned on")),
    ("two_factor_disabled", _("Two-factor authentication turned off")),
    ("two_factor_reset", _("Two-factor authentication reset")),
    ("recovery_codes_renewed", _("New recovery codes")),
]
ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}


def audited_content_types() -> list[ContentType]:
    models = [apps.get_model(label) for label in AUDITED_MODELS]
    return sorted(
        ContentType.objects.get_for_models(*models).values(),
        key=lambda ct: str(ct.model_class()._meta.verbose_name).lower(),
    )


class AuditFilterForm(forms.Form):
    """The page's filters; the same query string drives the CSV export."""

    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=254,
        help_text=_("Part of an e-mail address: who acted, or whose log-in it was."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("Any organisation"),
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=200,
        help_text=_("Part of its name or code, for example LOE-2.KO-1."),
    )
    event = forms.ChoiceField(label=_("Event"), required=False, choices=EVENT_CHOICES)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = policy.visible_organisations(user).order_by("code")
        self.fields["object_type"].choices = [
            ("", _("Any type")),
            *[
                (ct.model, str(ct.model_class()._meta.verbose_name).capitalize())
                for ct in audited_content_types()
            ],
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class InOnePass(In):
    """`IN (subquery)`, written for PostgreSQL as `= ANY(ARRAY(subquery))`. In a branch of an
    OR, PostgreSQL tests `IN (subquery)` on every row of the table; the array form runs the
    subquery once and looks its values up in the column's index."""

    lookup_name = "in_one_pass"

    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


LogEntry._meta.get_field("object_id").register_lookup(InOnePass)


def _organisation_q(organisation) -> Q:
    """Entries made by the organisation's members, and entries about the organisation, its
    memberships, its assignments and their status updates. The short lists are read first
    and the updates' ids go in one pass (`InOnePass`), so that each branch of the OR is an
    index lookup rather than a test on every entry."""
    from accounts.models import Membership
    from roadmap.models import Assignment
    from tracker.models import StatusUpdate

    def about(model, ids) -> Q:
        kind = ContentType.objects.get_for_model(model)
        if isinstance(ids, QuerySet):
            return Q(content_type=kind, object_id__in_one_pass=ids)
        return Q(content_type=kind, object_id__in=ids)

    memberships = list(
        Membership.objects.filter(organisation=organisation).values_list("pk", "user_id")
    )
    assignments = list(
        Assignment.objects.filter(organisation=organisation).values_list("pk", flat=True)
    )
    updates = StatusUpdate.objects.filter(assignment__organisation=organisation).values("pk")
    return (
        Q(actor_id__in=[user_id for _pk, user_id in memberships])
        | about(type(organisation), [organisation.pk])
        | about(Membership, [pk for pk, _user_id in memberships])
        | about(Assignment, assignments)
        | about(StatusUpdate, updates)
    )


def _person_q(text: str) -> Q:
    """The matching users are read first, as a list: each branch of the OR can then use its
    own index (the actor, the object, and the trigram indexes of accounts migration 0003 on
    the two addresses) instead of one pass over every entry."""
    User = get_user_model()
    user_type = ContentType.objects.get_for_model(User)
    users = list(User.objects.filter(email__icontains=text).values_list("pk", flat=True))
    return (
        Q(actor_id__in=users)
        | Q(actor_email__icontains=text)
        | Q(content_type=user_type, object_id__in=users)
        | Q(content_type=user_type, additional_data__username__icontains=text)
    )


# Newest first, through an expression the timestamp's index cannot serve. For a person's or an
# organisation's entries PostgreSQL otherwise walks that index from the newest entry, testing
# each, and for one person's few that meant 100,000 entries read for a page (560 ms); it now
# gathers the matches from their own indexes and sorts them.
NEWEST_FIRST_AFTER_FILTERING = (Coalesce("timestamp", "timestamp").desc(), "-pk")


def audit_entry_list(*, user, filters: dict) -> QuerySet[LogEntry]:
    """Entries matching the cleaned filters, newest first; none unless the user may read the
    audit trail."""
    if not policy.can_view_audit_trail(user):
        return LogEntry.objects.none()
    entries = LogEntry.objects.select_related("actor", "content_type")
    if text := filters.get("person"):
        entries = entries.filter(_person_q(text))
    if organisation := filters.get("organisation"):
        entries = entries.filter(_organisation_q(organisation))
    if model_name := filters.get("object_type"):
        entries = entries.filter(content_type__model=model_name)
    if text := filters.get("object"):
        entries = entries.filter(object_repr__icontains=text)
    if event := filters.get("event"):
        if event in ACTIONS:
            entries = entries.filter(action=ACTIONS[event])
        else:
            entries = entries.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)
    if day := filters.get("date_from"):
        entries = entries.filter(timestamp__gte=_local_midnight(day))
    if day := filters.get("date_to"):
        entries = entries.filter(timestamp__lt=_local_midnight(day + timedelta(days=1)))
    if filters.get("person") or filters.get("organisation"):
        return entries.order_by(*NEWEST_FIRST_AFTER_FILTERING)
    return entries.order_by("-timestamp", "-pk")


def describe_event(entry: LogEntry) -> str:
    """What happened, in the reader's words."""
    if entry.action == LogEntry.Action.ACCESS:
        event = (entry.additional_data or {}).get("event", "")
        return str(dict(EVENT_CHOICES).get(event, _("Accessed")))
    return str(
        {
            LogEntry.Action.CREATE: _("Created"),
            LogEntry.Action.UPDATE: _("Changed"),
            LogEntry.Action.DELETE: _("Deleted"),
        }.get(entry.action, entry.get_action_display())
    )


def describe_person(entry: LogEntry) -> str:
    """Who acted; for a log-in attempt without a signed-in actor, the e-mail address typed.
    Empty for the system (imports, scheduled tasks)."""
    if entry.actor_id:
        return entry.actor.email
    if entry.actor_email:
        return entry.actor_email
    if entry.action == LogEntry.Action.ACCESS:
        return (entry.additional_data or {}).get("username", "")
    return ""
