"""Refuses requests that carry a NUL character where text is expected.

No field of this product accepts NUL, and PostgreSQL cannot store or even compare a string that
holds one: a lookup by such a code, slug or filter value would fail inside the database (a 500).
One check at the door answers 400 instead: the URL, the query string, JSON and URL-encoded
bodies, and the text fields of multipart forms. Uploaded files may hold any byte. Reading a text
body here also holds it to Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless set).
"""

import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _


def _text_fields_of_multipart(request):
    """The form's text fields. Django parses POST bodies itself; for PUT and PATCH this parses
    the stream the same way and keeps the result where Django and DRF look for it, so the
    body is read once and files still stream to disk."""
    if request.method != "POST" and not hasattr(request, "_post"):
        request._post, request._files = request.parse_file_upload(request.META, request)
    return request.POST if request.method == "POST" else request._post


def _has_nul(request) -> bool:
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.method in {"GET", "HEAD", "OPTIONS", "DELETE"}:
        return False
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return b"\x00" in request.body or b"\\u0000" in request.body.lower()
    if content_type == "application/x-www-form-urlencoded":
        return b"\x00" in unquote_to_bytes(request.body.replace(b"+", b" "))
    if content_type == "multipart/form-data":
        fields = _text_fields_of_multipart(request)
        return any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in fields.lists()
        )
    return False


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = _has_nul(request)
            message = _("The request contains a NUL character, which no field accepts.")
        except MultiPartParserError as exc:
            refused, message = True, _("The form could not be read: %(error)s") % {"error": exc}
        except RequestDataTooBig:
            refused = True
            message = _("The request body is larger than %(size)d bytes.") % {
                "size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            }
        if refused:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


class SlidingSessionMiddleware:
    """A session lasts SESSION_COOKIE_AGE from its last use, not from the log-in. Saving it on
    every request (SESSION_SAVE_EVERY_REQUEST) costs each page a write; this saves it when the
    last save is more than SESSION_TOUCH_SECONDS old, so the expiry moves at most that late."""

    KEY = "_touched_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        if int(time.time()) - session.get(self.KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
            self.touch(session)  # marks it modified: SessionMiddleware saves it
        return response

    @classmethod
    def touch(cls, session) -> None:
        session[cls.KEY] = int(time.time())


def session_saved_at_login(sender, request, user, **kwargs):
    """A log-in saves the session anyway: the next minute's requests need not."""
    if getattr(request, "session", None) is not None:
        SlidingSessionMiddleware.touch(request.session)
