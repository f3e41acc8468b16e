"""Forms of the review pages. They parse input; the rules live in tracker.review_services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from roadmap.choices import Status
from roadmap.models import LineOfEffort

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReviewCycleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    lines = forms.ModelMultipleChoiceField(
        label=_("Lines of effort"),
        queryset=LineOfEffort.objects.order_by("number"),
        required=False,
        help_text=_("Leave empty to review every line."),
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DATETIME_WIDGET)
    deadline = forms.DateTimeField(label=_("Update deadline"), widget=DATETIME_WIDGET)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME_WIDGET)
    reminder_days_before = forms.CharField(
        label=_("Reminders, days before the deadline"),
        initial="7, 2",
        required=False,
        help_text=_("Whole numbers separated by commas, for example 7, 2."),
    )
    overdue_every_days = forms.IntegerField(
        label=_("Overdue reminder every (days)"), initial=3, min_value=1, max_value=60
    )

    def clean_reminder_days_before(self) -> list[int]:
        raw = self.cleaned_data["reminder_days_before"]
        try:
            return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise ValidationError(
                _("Whole numbers separated by commas, for example 7, 2.")
            ) from exc


class ExtendCycleForm(forms.Form):
    """What may still move once a cycle is open."""

    deadline = forms.DateTimeField(label=_("Update deadline"), widget=DATETIME_WIDGET)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME_WIDGET)


class ReturnSubmissionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AssessmentForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Assessed status"), choices=Status.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's field errors on the form's fields, the rest above the form."""
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)
