from collections.abc import Callable

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Membership, Organisation, User
from accounts.two_factor_admin import reset_second_factor


class PolicyAdminMixin:
    """Admin access follows accounts.policy, not Django's per-model permissions.

    Subclasses name the policy function in `policy_check`; the admin, the pages and the API then
    answer from one rule, and granting a Django permission or group changes nothing here.
    """

    policy_check: Callable[[User], bool]

    def _allowed(self, request) -> bool:
        return self.policy_check(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class OrganisationAdminAccess(PolicyAdminMixin):
    policy_check = staticmethod(policy.can_manage_organisations)


class CaseInsensitiveEmailMixin:
    """Login ignores the case of the e-mail, so two spellings of one address must not co-exist."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        duplicates = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise ValidationError(_("A user with this e-mail address already exists."))
        return email


class UserCreationForm(CaseInsensitiveEmailMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(CaseInsensitiveEmailMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(OrganisationAdminAccess, admin.TabularInline):
    model = Membership
    readonly_fields = ("created_at",)
    extra = 0

    def get_queryset(self, request):
        # Each row's title names both the user and the organisation.
        return super().get_queryset(request).select_related("user", "organisation")


class UserMembershipInline(MembershipInline):
    fields = ("organisation", "role", "created_at")
    autocomplete_fields = ("organisation",)


class OrganisationMembershipInline(MembershipInline):
    fields = ("user", "role", "created_at")
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(OrganisationAdminAccess, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "language", "time_zone")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "language",
                    "time_zone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "language", "is_staff", "is_active")
    list_filter = ("is_active", "is_staff", "is_superuser", "language", "memberships__role")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    filter_horizontal = ()
    inlines = (UserMembershipInline,)
    actions = (reset_second_factor,)

    def get_readonly_fields(self, request, obj=None):
        """Only a superuser may hand out superuser status, so the secretariat cannot escalate."""
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def get_inlines(self, request, obj):
        # Memberships are added once the user exists; the creation form stays short.
        return self.inlines if obj else ()


@admin.register(Organisation)
class OrganisationAdmin(OrganisationAdminAccess, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "iso3", "joined_year", "is_active", "member_count")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    inlines = (OrganisationMembershipInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships"))
            .order_by(*Organisation._meta.ordering)
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, organisation):
        return organisation.member_count


@admin.register(Membership)
class MembershipAdmin(OrganisationAdminAccess, admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation__kind", "organisation")
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "organisation__code",
        "organisation__name",
    )
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")
    readonly_fields = ("created_at",)
