"""Every page a signed-in person reaches: links followed from the home page, a few of each route.

Shared by the Chinese-only test (tests/integration/language/) and the browser's overflow test
(tests/e2e/test_layout_journeys.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

# Links that change something, leave the portal's pages, or return files rather than pages.
SKIPPED_PREFIXES = ("/logout", "/lang/", "/static/", "/docs", "/api/", "/healthz", "/3/", "/2/")
FILE_SUFFIXES = (".csv", ".xlsx", ".pdf", ".json")


@dataclass
class PageText:
    """The text a person reads on a page, and the links it offers."""

    links: list[str] = field(default_factory=list)
    # (text, where it came from) for text nodes and readable attributes, leaving out code, and
    # what is marked translate="no" (people's data, quotes, records) or lang="en" (on purpose)
    texts: list[tuple[str, str]] = field(default_factory=list)


READABLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped: script/style/translate=no)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        skipped = (
            self._skipping()
            or tag in ("script", "style", "template", "code", "kbd", "samp")
            or values.get("translate") == "no"
            or values.get("lang", "").startswith("en")
        )
        if tag == "a" and values.get("href"):
            self.page.links.append(values["href"])
        if not skipped:
            for name in READABLE_ATTRIBUTES:
                if values.get(name):
                    self.page.texts.append((values[name], f"<{tag} {name}>"))
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.page.texts.append((values["value"], f"<{tag} value>"))
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            where = self.stack[-1][0] if self.stack else "document"
            self.page.texts.append((data.strip(), f"<{where}>"))


def read_page(html: str) -> PageText:
    """The readable text and links of HTML."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def route_shape(path: str) -> str:
    """PATH with numbers, hashes and ids blanked: /declarations/3 and /declarations/7 match."""
    return re.sub(r"/(\d+|[0-9a-f]{16,}|[0-9a-f-]{36})(?=/|$)", "/{id}", path)


def walk(
    fetch: Callable[[str], tuple[int, str, str]],
    start: Iterable[str] = ("/",),
    per_shape: int = 1,
    limit: int = 200,
) -> dict[str, str]:
    """The HTML of each page reached from START through links, PER_SHAPE pages of each route shape.

    FETCH(url) answers (status, content type, body). Query strings count as their own shape only
    once per path (a filter or a sort of the same list), so lists are not walked page by page.
    """
    seen: dict[str, str] = {}
    shapes: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = urldefrag(queue.pop(0))[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if url in seen or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        if parts.path.endswith(FILE_SUFFIXES):
            continue
        shape = route_shape(parts.path) + ("?" if parts.query else "")
        if shapes.get(shape, 0) >= per_shape:
            continue
        status, content_type, body = fetch(url)
        if status != 200 or "text/html" not in content_type:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        seen[url] = body
        queue.extend(read_page(body).links)
    return seen
