"""Every page in every language (#22).

- The pseudo-locale walk: every page, signed out and as each demo role, in the pseudo-locale `qps`, where every
  translated string comes back bracketed and accented ("⟦Ŷöûŕ ðåţå⟧"). Any visible text, aria-label, title or
  placeholder with a letter outside the brackets did not come from a catalogue, and fails the test — unless it is
  data (an element marked `data-i18n="data"`: a customer's name, a record's value) or a value Babel formatted
  (dates, times, sizes).
- The layout walk of test_layout.py at 1024 px in German, French, Spanish and Chinese: German runs ~30 % longer than
  English and Chinese needs other fonts; nothing may scroll sideways, be cut off or overlap.

The language is pinned with the `portal_lang` cookie, as docs/qa.md tells QA engineers to do."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.flows import signed_in_page
from tests.e2e.test_layout import AGENT, CUSTOMER, HEIGHT, OFFICER, PUBLIC, _ada_request, _walk

LANG_COOKIE = "portal_lang"
LANGUAGES = ("de", "fr", "es", "zh_Hans")

# Every visible text node, and the attributes a person hears or sees, with where they are; data is left out.
_TEXTS_JS = """() => {
  const skip = el => el.closest(
    'script,style,noscript,.q-icon,.material-icons,[data-i18n="data"],[aria-hidden="true"]');
  const seen = [];
  const where = el => (el.closest('[data-testid]') || el).getAttribute('data-testid') || el.tagName.toLowerCase();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.nodeValue.trim(), el = node.parentElement;
    if (!text || !el || skip(el)) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if ((box.width === 0 && box.height === 0) || style.visibility === 'hidden') continue;
    seen.push([text, where(el)]);
  }
  for (const el of document.querySelectorAll('[aria-label],[placeholder],[title]')) {
    if (skip(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title']) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) seen.push([value, where(el) + '@' + name]);
    }
  }
  return seen;
}"""

_BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")
_OPENED = re.compile(r"⟦[^⟦⟧]*$")
_CLOSED = re.compile(r"^[^⟦⟧]*⟧")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# What Babel formats and no catalogue holds: times with their zone, dates in words, sizes, the zone's name.
_FORMATTED = re.compile(rf"(?<=\d\d:\d\d )[A-Z]{{2,5}}\b|\bUTC\b|(?<=\d )(?:{_MONTHS})\b|(?<=\d )[kMG]?B\b")


def untranslated(text: str) -> str | None:
    """The part of `text` that has letters outside the pseudo-locale's brackets and is no formatted value."""
    rest = text
    while _BRACKETED.search(rest):  # innermost first: a translated text may hold another in a placeholder
        rest = _BRACKETED.sub(" ", rest)
    # A message shown in pieces around a link (the link is one of its placeholders): each piece keeps one bracket.
    rest = _OPENED.sub(" ", _CLOSED.sub(" ", rest))
    rest = _FORMATTED.sub(" ", rest)
    return rest.strip() if re.search(r"[^\W\d_]", rest) else None


def _pinned(context: BrowserContext, base_url: str, language: str) -> BrowserContext:
    context.add_cookies([{"name": LANG_COOKIE, "value": language, "url": base_url}])
    return context


def _signed_in(
    open_context: Callable[..., BrowserContext], base_url: str, language: str, email: str, viewport: dict[str, int]
) -> Page:
    """A page signed in as `email` (this worker's kept sign-in where it still lives), pinned to `language`."""
    page = signed_in_page(open_context, email, viewport=viewport)
    _pinned(page.context, base_url, language)
    return page


def _untranslated_on(page: Page, who: str, pages: list[tuple[str, str]], request: int) -> list[str]:
    problems: list[str] = []
    for path, ready in pages:
        path = path.format(request=request)
        page.goto(path)
        page.get_by_test_id(ready).first.wait_for(state="visible")
        page.locator(".q-skeleton").first.wait_for(state="detached") if page.locator(".q-skeleton").count() else None
        found = sorted({f"{where}: {text!r}" for text, where in page.evaluate(_TEXTS_JS) if untranslated(text)})
        problems += [f"{who} {path}: {item}" for item in found]
    return problems


def test_every_page_as_every_role_shows_only_catalogue_text(
    fresh_context: Callable[..., BrowserContext], base_url: str
) -> None:
    viewport = {"width": 1440, "height": HEIGHT}
    problems: list[str] = []
    public = _pinned(fresh_context(viewport=viewport), base_url, "qps").new_page()
    problems += _untranslated_on(public, "signed-out", PUBLIC, 0)

    ada = _signed_in(fresh_context, base_url, "qps", "ada@example.com", viewport)
    request = _ada_request(ada)
    problems += _untranslated_on(ada, "ada", CUSTOMER, request)
    for who, pages in (("agent", AGENT), ("dpo", OFFICER)):
        staff = _signed_in(fresh_context, base_url, "qps", f"{who}@example.com", viewport)
        problems += _untranslated_on(staff, who, pages, request)
    assert not problems, f"{len(problems)} texts did not come from a catalogue:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_1024_px_in_every_language(
    language: str, fresh_context: Callable[..., BrowserContext], base_url: str
) -> None:
    width = 1024
    viewport = {"width": width, "height": HEIGHT}
    problems: list[str] = []
    public = _pinned(fresh_context(viewport=viewport), base_url, language).new_page()
    problems += _walk(public, "signed-out", width, PUBLIC, 0, None, language)
    ada = _signed_in(fresh_context, base_url, language, "ada@example.com", viewport)
    request = _ada_request(ada)
    problems += _walk(ada, "ada", width, CUSTOMER, request, None, language)
    for who, pages in (("agent", AGENT), ("dpo", OFFICER)):
        staff = _signed_in(fresh_context, base_url, language, f"{who}@example.com", viewport)
        problems += _walk(staff, who, width, pages, request, None, language)
    assert not problems, f"{len(problems)} layout problems in {language}:\n" + "\n".join(problems)


def test_the_untranslated_check_can_fail() -> None:
    """The rule itself: bracketed text and formatted values pass, an English word does not."""
    assert untranslated("⟦Ŷöûŕ ðåţå⟧") is None
    assert untranslated("⟦Šéñţ öñ 2026-09-28 12:01 UTC⟧") is None
    assert untranslated("2026-09-28 12:01 UTC") is None
    assert untranslated("28 September 2026, 14:01") is None
    assert untranslated("3.1 MB") is None
    assert untranslated("⟦Ŝéñţ ⟦ţö⟧ ⟧") is None
    assert untranslated("Your data") == "Your data"
    assert untranslated("⟦Ŷöûŕ ðåţå⟧ records") == "records"
    assert untranslated("⟦Ŵåñţ å çöþý ƒîŕšţ? Ŕéǫûéšţ") is None and untranslated("ƒîŕšţ.⟧") is None  # around a link
    assert untranslated("Ŵåñţ ƒîŕšţ") is not None
