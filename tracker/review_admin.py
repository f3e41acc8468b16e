"""Admin views of review cycles and their records: read-only, because every change has rules
that live in tracker.review_services (forward-only states, frozen snapshots, sent reminders)."""

from django.contrib import admin

from accounts import policy
from accounts.admin import PolicyAdminMixin
from tracker.models import (
    CycleSubmission,
    ReminderLog,
    ReviewCycle,
    ReviewSnapshot,
    SecretariatAssessment,
    SubmissionEvent,
)


class ReviewRecordAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_check = staticmethod(policy.can_manage_review_cycles)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ReviewRecordAdmin):
    list_display = ("title", "state", "opens_at", "deadline", "closes_at", "opened_at", "closed_at")
    list_filter = ("state",)
    search_fields = ("title",)


class SubmissionEventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "comment", "attestation")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CycleSubmission)
class CycleSubmissionAdmin(ReviewRecordAdmin):
    list_display = ("cycle", "organisation", "state", "updated_at")
    list_filter = ("state", "cycle")
    list_select_related = ("cycle", "organisation")
    inlines = [SubmissionEventInline]


@admin.register(SecretariatAssessment)
class SecretariatAssessmentAdmin(ReviewRecordAdmin):
    list_display = ("cycle", "assignment", "status", "author", "updated_at")
    list_filter = ("cycle", "status")
    list_select_related = ("cycle", "assignment__action", "assignment__organisation", "author")


@admin.register(ReviewSnapshot)
class ReviewSnapshotAdmin(ReviewRecordAdmin):
    list_display = ("cycle", "assignment", "status", "progress", "reported_in_cycle", "overdue")
    list_filter = ("cycle", "status", "reported_in_cycle", "overdue", "stale")
    list_select_related = ("cycle", "assignment__action", "assignment__organisation")
    show_full_result_count = False  # 25,000 rows a closed cycle: one count of them is enough


@admin.register(ReminderLog)
class ReminderLogAdmin(ReviewRecordAdmin):
    list_display = ("day", "user", "cycle", "kind", "item_count", "queued_at", "sent_at")
    list_filter = ("kind", "cycle", "day")
    list_select_related = ("user", "cycle")
