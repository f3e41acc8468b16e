"""The status update form of the worklist. It parses input; the rules live in
tracker.services.record_status_update, whose errors the view puts back on these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.choices import Releasability
from roadmap.choices import Status
from tracker.services import EVIDENCE_LINKS_MAX, NARRATIVE_MAX_LENGTH, UpdateRequest


class StatusUpdateForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(
        label=_("Status"), choices=Status.choices, widget=forms.Select(attrs={"autofocus": True})
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed and what comes next. Completed needs a narrative or evidence."),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One http(s) address per line."),
    )
    releasability = forms.ChoiceField(
        label=_("Releasable to"), choices=Releasability.choices, initial=Releasability.NATO
    )

    def __init__(self, *args, user, assignment, **kwargs):
        # Field ids carry the assignment, so many forms can sit on one page.
        kwargs.setdefault("auto_id", f"update-{assignment.pk}-%s")
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self._user = user
        if not policy.is_secretariat(user):
            # Cancelling is the secretariat's decision, taken on the action item page.
            self.fields["status"].choices = [
                choice for choice in Status.choices if choice[0] != Status.CANCELLED
            ]
        if policy.reads_industry_view_only(user):
            self.fields["releasability"].initial = Releasability.INDUSTRY

    @classmethod
    def for_assignment(cls, *, user, assignment):
        """An unbound form starting from what the user reads now and the current version."""
        status = getattr(assignment, "shown_status", None) or Status.NOT_STARTED
        progress = getattr(assignment, "shown_progress", None)
        return cls(
            user=user,
            assignment=assignment,
            initial={
                "base_version": assignment.version,
                "status": status,
                "progress": 0 if progress is None else progress,
            },
        )

    def clean_evidence_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]
        links = [link for link in links if link]
        if len(links) > EVIDENCE_LINKS_MAX:
            raise forms.ValidationError(
                _("At most %(max)d evidence links.") % {"max": EVIDENCE_LINKS_MAX}
            )
        return links

    def update_request(self) -> UpdateRequest:
        data = self.cleaned_data
        return UpdateRequest(
            assignment_id=self.assignment.pk,
            base_version=data["base_version"],
            status=data["status"],
            progress=data["progress"],
            narrative=data["narrative"],
            evidence_links=data["evidence_links"],
            releasability=data["releasability"],
        )

    def keep_typed_text_on(self, version: int) -> "StatusUpdateForm":
        """After a conflict: the same typed values, now based on the current version, so that
        sending them again is a deliberate choice made after reading the newer update."""
        data = self.data.copy()
        data[self.add_prefix("base_version")] = str(version)
        return type(self)(data, user=self._user, assignment=self.assignment)
