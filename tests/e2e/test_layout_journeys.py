"""Every page each demo role reaches, at phone (375 px) and desktop (1366 px) width, in Chinese
and English: nothing scrolls sideways. Screenshots go to test-artifacts/layout/ (gitignored).
"""

from __future__ import annotations

import re
from pathlib import Path

from e2e_helpers import sign_in_as
from page_walk import route_shape, walk
from playwright.sync_api import Browser, BrowserContext, expect
from playwright.sync_api import Error as PlaywrightError

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
ROLES = ("esg@demo.portal", "buyer@demo.portal", "admin@demo.portal", "recycler@demo.portal")
WIDTHS = (375, 1366)
LANGUAGES = ("zh", "en")
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# The widest elements, named, when a page does scroll sideways (to say what to fix).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''))"""


def _pages(context: BrowserContext, base_url: str, taken: set[str]) -> list[str]:
    """The pages this signed-in context reaches that no earlier role covered (one per shape)."""

    def fetch(url: str) -> tuple[int, str, str]:
        try:
            answer = context.request.get(base_url + url, max_redirects=0)
        except PlaywrightError:  # the server broke off: not a page to lay out
            return 599, "", ""
        return answer.status, answer.headers.get("content-type", ""), answer.text()

    found = []
    for url in walk(fetch, per_shape=1, limit=80):
        shape = route_shape(url.split("?")[0]) + ("?" if "?" in url else "")
        if shape not in taken:
            taken.add(shape)
            found.append(url)
    return found


def _slug(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_") or "home"


def test_no_page_scrolls_sideways_at_phone_or_desktop_width(browser: Browser, live_server) -> None:  # type: ignore[no-untyped-def]
    taken: set[str] = set()
    problems: list[str] = []
    visits = 0
    for email in ROLES:
        walker = browser.new_context(locale="en-US")
        sign_in_as(walker.new_page(), live_server.url, email)
        pages = _pages(walker, live_server.url, taken)
        cookies = walker.cookies()
        walker.close()
        role = email.split("@")[0]
        for width in WIDTHS:
            for language in LANGUAGES:
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.add_cookies(
                    [cookie for cookie in cookies if cookie["name"] != "portal_lang"]
                    + [{"name": "portal_lang", "value": language, "url": live_server.url}]
                )
                page = context.new_page()
                folder = ARTIFACTS / f"{width}-{language}" / role
                folder.mkdir(parents=True, exist_ok=True)
                for url in pages:
                    page.goto(live_server.url + url, wait_until="load")
                    visits += 1
                    scroll_width, inner_width = page.evaluate(OVERFLOW)
                    page.screenshot(
                        path=str(folder / f"{_slug(url)}.jpg"), full_page=True, quality=60
                    )
                    if scroll_width > inner_width:
                        widest = page.evaluate(WIDEST)
                        problems.append(
                            f"{url} as {role} at {width} px in {language}: "
                            f"{scroll_width} > {inner_width} ({', '.join(widest)})"
                        )
                context.close()
    # At least the pages of each role's navigation: hand-counted, 20 shapes among the four.
    assert len(taken) >= 20, sorted(taken)
    assert visits == len(taken) * len(WIDTHS) * len(LANGUAGES)
    assert not problems, "pages scroll sideways:\n" + "\n".join(problems)


def test_a_hover_hint_also_opens_with_a_tap(browser: Browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 375, "height": 800}, has_touch=True)
    page = context.new_page()
    sign_in_as(page, live_server.url, "esg@demo.portal")
    page.goto(live_server.url + "/rules?material=al_primary_ingot")
    # The ESG team sees each rule's id as the hint of its kind; a tap shows it as text.
    hint = page.locator("#rule-al_primary_ingot-max_pcf\\.al_primary_ingot td.rule-kind")
    hint.tap()
    expect(page.locator("#tip-bubble")).to_have_text("max_pcf.al_primary_ingot")
    hint.tap()
    expect(page.locator("#tip-bubble")).to_have_count(0)
    context.close()
