"""Forms of the best-practice pages. They parse input; the rules live in tracker.best_practices."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.choices import Releasability
from accounts.models import Organisation
from roadmap.models import ActionItem, CriticalMaterial, LineOfEffort
from tracker.best_practices import FILE_KINDS


class BestPracticeForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("A title is required.")}
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences shown in the library list."),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: # headings, **bold**, *italics*, lists, links and tables."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Submitting organisation"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choose the organisation you submit it for.")},
    )
    releasability = forms.ChoiceField(label=_("Who may read it once published"))
    lines = forms.ModelMultipleChoiceField(
        label=_("Lines of effort"),
        queryset=LineOfEffort.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    actions = forms.ModelMultipleChoiceField(
        label=_("Action items"),
        queryset=ActionItem.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    materials = forms.ModelMultipleChoiceField(
        label=_("Critical raw materials"),
        queryset=CriticalMaterial.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, for example: recycling, stockpiling."),
    )
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [FILE_KINDS[code].label for code in settings.BEST_PRACTICE_ATTACHMENT_TYPES]
        self.fields["attachment"].help_text = _("%(types)s; at most %(size)s.") % {
            "types": ", ".join(kinds),
            "size": filesizeformat(settings.BEST_PRACTICE_ATTACHMENT_MAX_BYTES),
        }
        organisation_ids = policy.best_practice_organisation_ids(user)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=organisation_ids
        ).order_by("code")
        if len(organisation_ids) == 1:
            # Nothing to choose: the user's one organisation is preselected.
            self.fields["organisation"].empty_label = None
        self.fields["releasability"].choices = [
            (value, label)
            for value, label in Releasability.choices
            if policy.can_read_releasability(user, value)
        ]


class CommentForm(forms.Form):
    """The note that goes with a step; the service says when one is required."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
