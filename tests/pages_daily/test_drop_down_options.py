"""Filter forms read their drop-downs' options in one plain query each: Django's own reading
opens a server-side cursor on PostgreSQL, three round trips where one will do."""

import pytest
from django.db import connection
from django.urls import reverse

PAGES = [
    (reverse("best_practices:library") + "?q=gallium", "secretariat_user", b'value="LOE-1"'),
    (reverse("worklist:all"), "secretariat_user", b'value="LOE-1"'),
    (reverse("worklist:mine"), "fra_delegate", b'value="LOE-1"'),
    (
        reverse("accounts:audit") + "?organisation=FRA",
        "secretariat_user",
        b'<option value="FRA" selected>',
    ),
]


@pytest.mark.parametrize(("url", "reader", "option"), PAGES)
def test_filter_forms_open_no_server_side_cursor(
    client, request, monkeypatch, roadmap, url, reader, option
):
    opened = []
    chunked_cursor = connection.chunked_cursor

    def recorded():
        opened.append(True)
        return chunked_cursor()

    monkeypatch.setattr(connection, "chunked_cursor", recorded)
    client.force_login(request.getfixturevalue(reader))

    response = client.get(url)

    assert response.status_code == 200
    assert option in response.content
    assert opened == []
