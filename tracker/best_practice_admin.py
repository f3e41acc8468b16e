"""Admin views of best practices: read-only, because every change has rules that live in
tracker.best_practices (the workflow, the checks of attachments). Tags may be tidied here."""

from django.contrib import admin

from accounts import policy
from accounts.admin import PolicyAdminMixin
from tracker.models import (
    BestPractice,
    BestPracticeAttachment,
    BestPracticeTag,
    BestPracticeTransition,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = BestPracticeTransition
    fields = ("created_at", "actor", "from_state", "to_state", "comment")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    """Names and sizes only: the bytes are served by the page's download view, never here."""

    model = BestPracticeAttachment
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(BestPractice)
class BestPracticeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_check = staticmethod(policy.can_review_best_practice)

    list_display = (
        "title",
        "organisation",
        "state",
        "releasability",
        "submitted_at",
        "published_at",
    )
    list_filter = ("state", "releasability", "organisation__kind")
    search_fields = ("title", "summary", "organisation__code")
    list_select_related = ("organisation",)
    fields = (
        "title",
        "summary",
        "body",
        "organisation",
        "author",
        "releasability",
        "state",
        "lines",
        "actions",
        "materials",
        "tags",
        "created_at",
        "updated_at",
        "submitted_at",
        "published_at",
    )
    readonly_fields = fields
    inlines = [TransitionInline, AttachmentInline]

    def get_queryset(self, request):
        """What the policy lets this reviewer see: never another person's draft."""
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=policy.visible_best_practices(request.user).values("pk"))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BestPracticeTag)
class BestPracticeTagAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_check = staticmethod(policy.can_review_best_practice)
    search_fields = ("name",)
