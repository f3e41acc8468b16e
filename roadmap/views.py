from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts import policy
from roadmap import selectors
from tracker.rollups import rollup_roadmap


def _shows_illustrative_content(lines) -> bool:
    """Drives the page banner that keeps demo outcomes and actions from passing as roadmap text.

    Reads the already prefetched tree, so it costs no query.
    """
    return any(
        outcome.is_illustrative or any(action.is_illustrative for action in outcome.actions.all())
        for line in lines
        for outcome in line.outcomes.all()
    )


@login_required
def home(request):
    if not policy.can_view_roadmap(request.user):
        raise PermissionDenied
    lines = list(selectors.roadmap_overview(user=request.user))
    return render(
        request,
        "roadmap/home.html",
        {
            "lines": lines,
            "rollup": rollup_roadmap(user=request.user),
            "reads_industry_release": policy.reads_industry_view_only(request.user),
            "shows_illustrative": _shows_illustrative_content(lines),
        },
    )
