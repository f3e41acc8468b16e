"""Reads rendered pages the way a user sees them, so tests do not depend on whitespace."""

from django.test.html import Element, parse_html


def _classes(element: Element) -> set[str]:
    return set((dict(element.attributes).get("class") or "").split())


def find_all(element: Element, css_class: str):
    for child in element.children:
        if isinstance(child, Element):
            if css_class in _classes(child):
                yield child
            yield from find_all(child, css_class)


def text(element) -> str:
    if isinstance(element, str):
        return element
    return " ".join(" ".join(text(child) for child in element.children).split())


def holders_by_action(content: bytes) -> dict[str, list[tuple[str, bool, str, str, str]]]:
    """{action code: [(organisation code, is lead, status class, status word, percent)]}."""
    page = parse_html(content.decode())
    result = {}
    for action in find_all(page, "action"):
        code = text(next(find_all(action, "code")))
        result[code] = [
            (
                text(next(find_all(holder, "holder__org"))).split()[0],
                "holder--lead" in _classes(holder),
                next(c for c in _classes(next(find_all(holder, "status"))) if c != "status"),
                text(next(find_all(holder, "status"))),
                text(next(find_all(holder, "holder__percent"))),
            )
            for holder in find_all(action, "holder")
        ]
    return result


def texts_of(content: bytes, css_class: str) -> list[str]:
    return [text(element) for element in find_all(parse_html(content.decode()), css_class)]


def main_part(response) -> str:
    """The page's own part: the header around it carries a fresh CSRF token on every request."""
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]
