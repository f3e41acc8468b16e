"""Error pages: the API answers in JSON even for a URL that matches no route."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/ (the shape the schema documents for
    every 404), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
