"""Markdown written by users, turned into HTML that is safe to put in a page.

markdown-it-py renders CommonMark (plus tables and strikethrough) with raw HTML switched off,
so a `<script>` in the text comes out as text; nh3 (the Ammonia sanitiser) then keeps only the
tags, attributes and link schemes listed here, so no script, event handler, `javascript:` link
or style survives whatever the renderer lets through.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_renderer.enable(["table", "strikethrough"])


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for a Markdown text. Images are dropped: a picture from another site would
    tell that site who reads the library."""
    html = _renderer.render(text or "")
    # Safe: nh3 has just removed everything not listed above.
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
    )
