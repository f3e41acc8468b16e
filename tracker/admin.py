from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from django.contrib import admin

from accounts import policy
from accounts.admin import PolicyAdminMixin
from accounts.audit_selectors import audited_content_types
from tracker.models import StatusUpdate


class ReadOnlyPolicyAdminMixin(PolicyAdminMixin):
    """History is readable by those the policy names and never written through the admin:
    status updates come only from the service, audit entries only from the changes they record.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ReadOnlyPolicyAdminMixin, admin.ModelAdmin):
    policy_check = staticmethod(policy.can_edit_roadmap)

    list_display = ("assignment", "status", "progress", "releasability", "author", "created_at")
    list_filter = ("status", "releasability", "assignment__organisation__kind", "created_at")
    search_fields = ("assignment__action__code", "assignment__organisation__code")
    list_select_related = ("assignment__action", "assignment__organisation", "author")
    # Half a million rows after three years: no second count of them all for "show all", no
    # date hierarchy, whose list of years read every row (the created_at filter stays), and
    # no per-choice counts ("Show counts"), each a count over them all.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "assignment",
        "status",
        "progress",
        "narrative",
        "evidence_links",
        "releasability",
        "author",
        "created_at",
        "base_version",
        "version",
    )


admin.site.unregister(LogEntry)


class AuditedTypeFilter(ResourceTypeFilter):
    """django-auditlog's type filter, offering the audited types rather than reading every
    entry for the types that occur (130 ms over a million entries)."""

    def lookups(self, request, model_admin):
        kinds = audited_content_types()
        return [(kind.pk, kind.model_class()._meta.verbose_name) for kind in kinds]


@admin.register(LogEntry)
class AuditLogEntryAdmin(ReadOnlyPolicyAdminMixin, LogEntryAdmin):
    """django-auditlog's own list and detail pages, opened to the audit-trail readers only.
    Over a million entries it neither counts them twice, nor counts them for each filter
    choice, nor lists their years (the audit trail page has the date filters)."""

    policy_check = staticmethod(policy.can_view_audit_trail)
    list_filter = ["action", AuditedTypeFilter, CIDFilter]
    date_hierarchy = None
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


import tracker.best_practice_admin  # noqa: E402, F401  (best practices' admin pages)
from tracker import review_admin  # noqa: E402, F401  (review cycles' admin pages)
