"""Template helpers for the page layout; permission questions go to accounts.policy."""

from datetime import date
from functools import lru_cache
from html import escape

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Membership
from roadmap.choices import AssignmentRole, Status

register = template.Library()


@register.filter
def can_edit_roadmap(user) -> bool:
    """Lets the layout show editing entry points (the admin) only to those policy allows."""
    return policy.can_edit_roadmap(user)


@register.simple_tag
def memberships_of(user) -> list[Membership]:
    """The user's organisations and roles for the header: those the policy already read."""
    return policy.memberships(user)


@register.filter
def status_label(value: str) -> str:
    """The words for a status value (annotated values carry no get_..._display)."""
    return Status(value).label if value in Status.values else _("Not reported")


@register.simple_tag
def rollup_summary(figures: dict, node) -> str:
    """The rolled-up status, progress bar and reporting count beneath a line, outcome or action.

    Nothing reported shows as "Not reported", never as a 0 % bar. Written with the words
    translated once per language: the overview has one under each of hundreds of actions.
    """
    figure = figures.get(node.pk)
    if figure is None or figure.total == 0:
        return ""
    words = _page_words(get_language())
    status = figure.status or "not_reported"
    bar = ""
    if figure.progress is not None:
        percent = round(figure.progress)
        label = words["rolled_up_progress_of"] % {"code": node.code}
        bar = _progress_bar("rollup", figure.progress, percent, label)
    # Every value below is escaped, a number or a word escaped in _page_words.
    return mark_safe(
        f'<p class="rollup"><span class="visually-hidden">{words["overall"]}</span>'
        f'<span class="status status--{status}">{words[status]}</span>{bar}'
        f'<span class="rollup__note" title="{escape(figure.explain())}">'
        f"{escape(figure.reported_summary())}</span></p>"
    )


def _progress_bar(block: str, value, percent: int, label: str) -> str:
    """A progress bar with its percentage beside it, in `block`'s classes; `value` and
    `percent` are numbers, `label` is escaped here."""
    return (
        f'<span class="{block}__progress"><progress max="100" value="{value}" '
        f'aria-label="{escape(label)}">{percent}%</progress>'
        f'<span class="{block}__percent" aria-hidden="true">{percent}%</span></span>'
    )


# A holder with nothing to show as progress: never reported, or cancelled.
NO_FIGURE = (
    '<span class="holder__progress"><span class="holder__percent" aria-hidden="true">'
    "\u2013</span></span>"
)


@lru_cache(maxsize=8)
def _page_words(language: str) -> dict[str, str]:
    """The words every roll-up and holder repeats, translated and escaped once per language
    (the status words by status value)."""
    return {
        "lead": format_html('<span class="badge badge--lead">{}</span>', _("Lead")),
        "contributor": format_html('<span class="visually-hidden">{}</span>', _("Contributor")),
        "progress_of": _("Progress of %(org)s"),
        "rolled_up_progress_of": _("Rolled-up progress of %(code)s"),
        "overall": escape(_("Overall:")),
        **{value: escape(str(status_label(value))) for value in [*Status.values, "not_reported"]},
    }


@register.simple_tag
def action_holders(action, figures: dict) -> str:
    """The holders under an action of the overview (`action.holders`, see
    selectors.roadmap_overview) and a link to those it leaves out, or "Not assigned yet".

    Written here rather than in the template, as the heat map's cells are: the overview has up
    to OVERVIEW_HOLDERS holders under each of hundreds of actions, and the template engine's
    dozen nodes for each took most of the page's time."""
    holders = action.holders
    if not holders:
        return format_html('<p class="muted holders--none">{}</p>', _("Not assigned yet"))
    words = _page_words(get_language())
    label = escape(_("Held by (%(code)s)") % {"code": action.code})
    items = "".join(_holder_item(holder, words) for holder in holders)
    return mark_safe(
        f'<ul class="holders" aria-label="{label}">'
        f"{items}{_more_holders(figures, action, len(holders))}</ul>"
    )


def _holder_item(holder, words: dict[str, str]) -> str:
    """One holder: organisation, role, shown status, progress."""
    code = escape(holder.organisation_code)
    lead = holder.role == AssignmentRole.LEAD
    status = holder.shown_status if holder.reported else "not_reported"
    progress = NO_FIGURE
    if status not in ("not_reported", Status.CANCELLED):
        percent = int(holder.shown_progress)
        label = words["progress_of"] % {"org": holder.organisation_code}
        progress = _progress_bar("holder", percent, percent, label)
    # Every value below is escaped, a number or a word escaped in _page_words.
    return (
        f'<li class="holder{" holder--lead" if lead else ""}"><span class="holder__org">'
        f'<abbr title="{escape(holder.organisation_name)}">{code}</abbr> '
        f"{words['lead'] if lead else words['contributor']}</span> "
        f'<span class="status status--{status}">{words[status]}</span> {progress}</li>'
    )


def _more_holders(figures: dict, action, shown: int) -> str:
    """The link to the holders of `action` the overview leaves out (see OVERVIEW_HOLDERS)."""
    figure = figures.get(action.pk)
    more = (figure.total if figure else 0) - shown
    if more <= 0:
        return ""
    return _more_link(action.code, more, get_language(), get_script_prefix())


@lru_cache(maxsize=4096)
def _more_link(code: str, more: int, language: str, script_prefix: str) -> str:
    """Once per action, count and language: reversing the action's address and translating
    the count took a fifth of the overview's writing. The address depends on nothing else
    (the URLs have no language prefix), so the cache needs no clearing."""
    return format_html(
        '<li class="holders__more"><a href="{}#holders-title">{}</a></li>',
        reverse("roadmap:action", args=[code]),
        ngettext("%(count)s more holder", "%(count)s more holders", more) % {"count": more},
    )


@register.simple_tag
def date_element(value: date) -> str:
    """A `<time>` element for a day, written in the reader's language."""
    return _date_element(value, get_language())


@lru_cache(maxsize=1024)
def _date_element(value: date, language: str) -> str:
    """Once per day and language: the overview writes one for each of hundreds of actions, most
    due on the same few days, and Django's date filter took a tenth of its time."""
    return format_html(
        '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "j F Y")
    )


@register.simple_tag
def heat_cell(organisation, line, cell: dict | None, worklist_url: str) -> str:
    """One heat map cell, linking to the worklist filtered to its organisation and line.

    Written here rather than in the template: the dashboard has about 280 of them, and the
    template engine spent a third of the page's time on their dozen nodes each."""
    if cell is None:
        return format_html(
            '<td class="heat heat--none"><span class="visually-hidden">{}</span></td>',
            _("No assignment"),
        )
    progress = cell["progress"]
    label = cell["label"]
    return format_html(
        '<td class="heat heat--{}"><a href="{}?{}" title="{} · {}: {}{}">'
        '<span class="heat__abbr">{}</span><span class="heat__pct">{}</span>'
        '<span class="visually-hidden">{}, {}</span></a></td>',
        cell["status"],
        worklist_url,
        urlencode({"organisation": organisation.code, "line": line.code}),
        organisation.code,
        line.code,
        label,
        "" if progress is None else f", {progress}%",
        cell["abbreviation"],
        "\u2013" if progress is None else f"{progress}%",
        label,
        cell["figure"].reported_summary(),
    )
