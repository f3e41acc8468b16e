"""Forms of the secretariat's controls and of the import. They parse input; the rules live in
roadmap.services and roadmap.import_export."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.choices import OrganisationKind
from roadmap.choices import AssignmentRole
from roadmap.import_export import MAX_UPLOAD_BYTES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssignOrganisationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    role = forms.ChoiceField(
        label=_("Role"), choices=AssignmentRole.choices, initial=AssignmentRole.CONTRIBUTOR
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty to follow the action item's due date."),
    )

    def __init__(self, *args, user, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            policy.visible_organisations(user)
            .filter(is_active=True)
            .exclude(kind=OrganisationKind.SECRETARIAT)
            .exclude(assignments__action=action)
            .order_by("code")
        )
        self.fields["organisation"].label_from_instance = lambda org: f"{org.code} — {org.name}"


class DueDateForm(forms.Form):
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty to follow the action item's due date."),
    )

    def __init__(self, *args, assignment, **kwargs):
        kwargs.setdefault("auto_id", f"due-{assignment.pk}-%s")
        kwargs.setdefault("initial", {"due_date": assignment.due_date})
        super().__init__(*args, **kwargs)


class CancelAssignmentForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, assignment, **kwargs):
        kwargs.setdefault("auto_id", f"cancel-{assignment.pk}-%s")
        kwargs.setdefault("initial", {"base_version": assignment.version})
        super().__init__(*args, **kwargs)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A file in exactly the format the assignment export writes, at most %(size)d MB."
        ) % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
