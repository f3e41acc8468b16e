"""The endpoint matrix: every endpoint, every role, every method, and the code to expect.

Anonymous callers get 401; a caller outside every organisation sees empty lists and 404 for
objects; methods an endpoint does not offer get 405; creating a status update is allowed for
the secretariat and the assignment's own organisation, 403 for other members (they can see the
assignment) and 404 for those who cannot see it.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from tests.api.conftest import ROLES, World

ANONYMOUS = "anonymous"
EVERYONE = [ANONYMOUS, *ROLES]
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: Callable[[World], str]
    kind: str  # "list", "detail" or "me"
    offers: tuple[str, ...] = ("get",)

    def expected_read(self, role: str) -> int:
        if role == ANONYMOUS:
            return 401
        if role == "outsider" and self.kind == "detail":
            return 404
        return 200

    def refused_writes(self) -> list[str]:
        return [method for method in WRITE_METHODS if method not in self.offers]


ENDPOINTS = [
    Endpoint("me", lambda w: "/api/v1/me/", "me"),
    Endpoint("organisations", lambda w: "/api/v1/organisations/", "list"),
    Endpoint("organisation", lambda w: "/api/v1/organisations/FRA/", "detail"),
    Endpoint("lines", lambda w: "/api/v1/lines-of-effort/", "list"),
    Endpoint("line", lambda w: "/api/v1/lines-of-effort/LOE-1/", "detail"),
    Endpoint("outcomes", lambda w: "/api/v1/key-outcomes/", "list"),
    Endpoint("outcome", lambda w: "/api/v1/key-outcomes/LOE-1.KO-1/", "detail"),
    Endpoint("actions", lambda w: "/api/v1/action-items/", "list"),
    Endpoint("action", lambda w: "/api/v1/action-items/LOE-1.KO-1.A-1/", "detail"),
    Endpoint("assignments", lambda w: "/api/v1/assignments/", "list"),
    Endpoint("assignment", lambda w: f"/api/v1/assignments/{w.fra_assignment.pk}/", "detail"),
    Endpoint("status-updates", lambda w: "/api/v1/status-updates/", "list", ("get", "post")),
    Endpoint(
        "status-update",
        lambda w: f"/api/v1/status-updates/{w.industry_update.pk}/",
        "detail",
    ),
    Endpoint("status-updates-bulk", lambda w: "/api/v1/status-updates/bulk/", "bulk", ("post",)),
]
LIST_ENDPOINTS = [e for e in ENDPOINTS if e.kind == "list"]
READABLE = [e for e in ENDPOINTS if "get" in e.offers]

# Who may record a status update on the FRA assignment, and the code for everyone else.
CREATE_ON_FRA = {
    ANONYMOUS: 401,
    "secretariat_user": 201,
    "fra_delegate": 201,
    "deu_delegate": 403,
    "dipb_member": 403,
    "niag_member": 403,
    "observer": 403,
    "outsider": 404,
}


def read_cases():
    return [(e, role) for e in READABLE for role in EVERYONE]


def refused_write_cases():
    return [
        (e, method, role) for e in ENDPOINTS for method in e.refused_writes() for role in EVERYONE
    ]


def case_id(value):
    return value.name if isinstance(value, Endpoint) else str(value)


def call(client, method: str, url: str, data=None, **headers):
    """Sends JSON; the response's body is kept for the assertion message."""
    body = None if data is None else json.dumps(data)
    return getattr(client, method)(url, data=body, content_type="application/json", **headers)


def assert_status(response, expected: int):
    shown = getattr(response, "data", None) or response.content[:500]
    assert response.status_code == expected, (
        f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}: "
        f"expected {expected}, got {response.status_code}: {shown}"
    )
