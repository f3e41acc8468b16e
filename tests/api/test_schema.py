"""The OpenAPI schema and its docs page, served without internet access."""

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_describes_the_api():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/organisations/",
        "/api/v1/lines-of-effort/",
        "/api/v1/key-outcomes/",
        "/api/v1/action-items/{code}/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/",
        "/api/v1/status-updates/",
        "/api/v1/status-updates/bulk/",
    } <= set(schema["paths"])
    create = schema["paths"]["/api/v1/status-updates/"]["post"]
    assert {"201", "400", "403", "404", "409", "412"} <= set(create["responses"])


def test_docs_page_uses_local_assets_only():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert re.findall(r"https?://", html) == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # The start-up script is a separate file (the CSP allows no inline script).
    script = APIClient().get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()
