"""What each entry of the library and of "my best practices" shows of its links: the lines by
code (title on hover) in line order, the materials and the tags by name, each row its own."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.best_practices.conftest import draft, published

pytestmark = pytest.mark.django_db


def chips(html: str, title: str) -> list[str]:
    """The chips of the entry titled `title`, as text."""
    entry = (
        html.split(f">{title}</a>", 1)[1].split("</li>\n</li>", 1)[0].split('class="bp-item"')[0]
    )
    return [
        re.sub(r"<[^>]+>", "", chip).strip()
        for chip in re.findall(r'<li class="bp-chip[^"]*">(.*?)</li>', entry)
    ]


@pytest.fixture
def entries(fra_delegate, fra, secretariat_user, gallium, line):
    second = factories.LineOfEffortFactory(number=line.number + 1, roadmap=line.roadmap)
    published(
        fra_delegate,
        fra,
        secretariat_user,
        title="Pooling tungsten",
        lines=[second, line],
        materials=[gallium],
        tags="stockpiling, allies",
    )
    published(fra_delegate, fra, secretariat_user, title="Plain entry")
    draft(fra_delegate, fra, title="Recycling magnets", tags="recycling")
    return line, second


def test_the_library_shows_each_entry_with_its_own_links(client, fra_delegate, entries):
    line, second = entries
    client.force_login(fra_delegate)

    html = client.get(reverse("best_practices:library")).content.decode()

    assert chips(html, "Pooling tungsten") == [
        line.code,
        second.code,
        "Gallium",
        "#allies",
        "#stockpiling",
    ]
    assert chips(html, "Plain entry") == []
    assert f'<abbr title="{line.title}">{line.code}</abbr>' in html


def test_my_best_practices_show_drafts_with_their_links(client, fra_delegate, entries):
    client.force_login(fra_delegate)

    html = client.get(reverse("best_practices:mine")).content.decode()

    assert chips(html, "Recycling magnets") == ["#recycling"]
    assert chips(html, "Plain entry") == []
