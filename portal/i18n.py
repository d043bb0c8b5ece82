"""Simplified Chinese and English: the request's locale and its gettext catalog."""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LOCALE_COOKIE = "portal_lang"
CATALOG_DIR = Path(__file__).parent / "translations"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache
def catalog(locale: str) -> gettext_module.NullTranslations:
    """The compiled catalog for LOCALE, built in memory from its .po file."""
    po_path = CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    with po_path.open("rb") as po_file:
        messages = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """MESSAGE in the current request's language."""
    return catalog(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for N in the current language."""
    return catalog(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def pick(zh: str, en: str) -> str:
    """The Chinese or English of a bilingual pair (rule messages, material names)."""
    return zh if current_locale.get() == "zh" else en


def negotiate(cookie_value: str | None, accept_language: str | None) -> str:
    """The user's chosen language, else the browser's best match, else Chinese."""
    if cookie_value in LOCALES:
        return cookie_value
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _sep, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LOCALES and quality > 0:
            ranked.append((quality, -index, primary))
    if not ranked:
        return DEFAULT_LOCALE
    return max(ranked)[2]
