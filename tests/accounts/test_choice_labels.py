"""Choice labels as the pages show them (`get_FOO_display`), read once per field."""

import pytest
from django.apps import apps
from django.utils import translation

from accounts.choice_labels import ChoiceLabelsModel
from accounts.choices import Releasability
from roadmap.choices import Status
from tracker.models import StatusUpdate

PROJECT_APPS = ("accounts", "roadmap", "tracker")


def test_every_model_with_choices_reads_its_labels_once():
    """A new model with choices that forgot the base would pay Django's per-call cost again."""
    forgotten = [
        model.__name__
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and any(field.choices for field in model._meta.concrete_fields)
        and not issubclass(model, ChoiceLabelsModel)
    ]
    assert forgotten == []


def test_a_label_follows_the_language_active_when_it_is_shown():
    update = StatusUpdate(status=Status.AT_RISK, releasability=Releasability.INDUSTRY)
    with translation.override("en"):
        english = (update.get_status_display(), update.get_releasability_display())
    with translation.override("fr"):
        french = (update.get_status_display(), update.get_releasability_display())
    with translation.override("en"):
        again = update.get_status_display()

    assert english == ("At risk", str(Releasability.INDUSTRY.label))
    assert french[0] == "À risque"
    assert french[1] != english[1]
    assert again == "At risk"


@pytest.mark.parametrize("value", ["no_such_status", ""])
def test_a_value_outside_the_choices_is_shown_as_it_is(value):
    assert StatusUpdate(status=value).get_status_display() == value
