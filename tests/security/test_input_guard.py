"""A NUL character is refused at the door (400), never sent to the database (a 500 on
PostgreSQL); uploaded files may still hold any byte."""

from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.middleware import _has_nul


@pytest.fixture
def api(secretariat_user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=secretariat_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations/FRA%00/",
        "/api/v1/materials/?search=gall%00ium",
        "/api/v1/assignments/?organisation=FRA%00",
    ],
)
def test_nul_in_the_url_is_400_in_json(api, path):
    response = api.get(path)

    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_nul_in_a_json_body_is_400(api):
    response = api.post(
        "/api/v1/material-suppliers/",
        {"material": "gallium\u0000", "country": "China", "share_pct": "10", "source": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_nul_in_a_page_form_is_400(client, db):
    response = client.post(
        "/accounts/login/",
        urlencode({"username": "a\x00@example.org", "password": "x"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400


def test_uploaded_files_may_hold_any_byte():
    request = RequestFactory().post(
        "/best-practices/new/",
        {"title": "Binary evidence", "attachment": _file(b"%PDF-1.7\x00\x01\x02")},
    )

    assert request.META["CONTENT_TYPE"].startswith("multipart/form-data")
    assert not _has_nul(request)


def test_ordinary_requests_pass(api):
    assert api.get("/api/v1/organisations/?kind=ally").status_code == 200


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("evidence.pdf", data, content_type="application/pdf")


@pytest.mark.parametrize("method", ["post", "patch"])
def test_nul_in_a_multipart_text_field_is_400(api, method):
    response = getattr(api, method)(
        "/api/v1/material-suppliers/" + ("" if method == "post" else "1/"),
        {"material": "gallium\x00", "country": "China", "share_pct": "10", "source": "x"},
        format="multipart",
    )

    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_a_multipart_patch_without_nul_still_reaches_the_view(api):
    """The guard parses a PATCH form itself; the view must still get every field."""
    from roadmap.models import CriticalMaterial, MaterialSupplier

    gallium = CriticalMaterial.objects.create(slug="gallium", name="Gallium")
    supplier = MaterialSupplier.objects.create(
        material=gallium, country="China", share_pct=98, source="USGS"
    )

    response = api.patch(
        f"/api/v1/material-suppliers/{supplier.pk}/",
        {"source": "USGS Mineral Commodity Summaries"},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    supplier.refresh_from_db()
    assert supplier.source == "USGS Mineral Commodity Summaries"


def test_an_oversized_json_body_is_400_with_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post("/api/v1/status-updates/bulk/", {"items": ["x" * 2000]}, format="json")

    assert response.status_code == 400
    assert "larger than 1000 bytes" in response.json()["detail"]
