"""Template helpers for the page layout; permission questions go to accounts.policy."""

from django import template
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Membership
from roadmap.choices import Status

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

    Nothing reported shows as "Not reported", never as a 0 % bar.
    """
    figure = figures.get(node.pk)
    if figure is None or figure.total == 0:
        return ""
    status = figure.status or "not_reported"
    bar = ""
    if figure.progress is not None:
        percent = round(figure.progress)
        bar = format_html(
            '<span class="rollup__progress"><progress max="100" value="{}" aria-label="{}">'
            '{}%</progress><span class="rollup__percent" aria-hidden="true">{}%</span></span>',
            figure.progress,
            _("Rolled-up progress of %(code)s") % {"code": node.code},
            percent,
            percent,
        )
    return format_html(
        '<p class="rollup"><span class="visually-hidden">{}</span>'
        '<span class="status status--{}">{}</span>{}<span class="rollup__note" title="{}">{}'
        "</span></p>",
        _("Overall:"),
        status,
        status_label(status),
        bar,
        figure.explain(),
        figure.reported_summary(),
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
