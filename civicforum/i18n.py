"""Interface language: catalogues, the per-request choice of language, and date formatting.

The forum keeps its own message catalogues (domain ``civicforum``) so it never mixes with
the host's. The language of a page is, in order: the member's own setting, the host's
choice (a callable given to ``CivicForum(locale_selector=...)``), the browser's
``Accept-Language``, and finally ``CIVICFORUM_DEFAULT_LANGUAGE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, get_date_format, get_time_format
from babel.support import LazyProxy, NullTranslations, Translations
from flask import g, has_app_context, has_request_context, request
from markupsafe import Markup, escape

DOMAIN = "civicforum"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue for a language (English source strings need none)."""
    if locale == "en":
        return NullTranslations()
    mo = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise RuntimeError(
            f"compiled catalogue {mo} is missing: reinstall the package (pip install -e .) "
            "so the build compiles the .po files"
        )
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain=DOMAIN)


def get_locale() -> str:
    """The language of the current request, decided once per request.

    Outside an app (a script using the services directly) messages stay in English, the
    language of the source strings.
    """
    if not has_app_context():
        return "en"
    if not has_request_context():
        from .extension import state

        return state().settings.default_language
    cached: str | None = g.get("_civicforum_locale")
    if cached is None:
        cached = _select_locale()
        g._civicforum_locale = cached
    return cached


def _select_locale() -> str:
    from .extension import state

    forum = state()
    offered = forum.settings.languages
    member_choice: str | None = forum.identity.member_language()
    if member_choice is not None and member_choice in offered:
        return member_choice
    if forum.locale_selector is not None:
        host_choice = forum.locale_selector()
        if host_choice in offered:
            return str(host_choice)
    browser_choice = request.accept_languages.best_match(offered)
    return browser_choice or forum.settings.default_language


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Messages in ``locale`` for a while, inside a request: an e-mail to someone other
    than the person asking, in the language they will read."""
    previous = g.get("_civicforum_locale")
    g._civicforum_locale = locale
    try:
        yield
    finally:
        g._civicforum_locale = previous


def gettext(message: str, **variables: Any) -> str:
    text = translations(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    variables.setdefault("num", n)
    return translations(get_locale()).ungettext(singular, plural, n) % variables


@cache
def template_functions(locale: str) -> dict[str, Callable[..., Any]]:
    """``_``, ``gettext``, ``ngettext`` and ``_html`` for templates, bound to one language's
    catalogue: a page calls them hundreds of times, and each call would otherwise look up
    the request's language again. The templates get them for the language of the moment
    they are rendered in (see :func:`in_language`)."""
    catalogue = translations(locale)

    def gettext_(message: str, **variables: Any) -> str:
        text = catalogue.ugettext(message)
        return text % variables if variables else text

    def ngettext_(singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return catalogue.ungettext(singular, plural, n) % variables

    def markup_gettext_(message: str, **variables: Any) -> Markup:
        translated = escape(catalogue.ugettext(message))
        return Markup(translated) % variables  # noqa: S704 (escaped on the line above)

    return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_, "_html": markup_gettext_}


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A string translated when it is shown, for labels defined at import time."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def _zone() -> ZoneInfo:
    from .extension import state

    return ZoneInfo(state().settings.timezone)


@cache
def _moment_format(locale: str) -> tuple[Locale, Any, Any, str]:
    """A language's medium date, short time and how the two are joined, looked up once
    (a topic page formats a moment for every post)."""
    parsed = Locale.parse(locale)
    return (
        parsed,
        get_date_format("medium", locale=parsed),
        get_time_format("short", locale=parsed),
        str(parsed.datetime_formats["medium"]),
    )


def format_moment(moment: dt.datetime) -> str:
    """A date and time in the forum's time zone and the page's language, to the minute."""
    locale, day_format, time_format, joined = _moment_format(get_locale())
    local = moment.astimezone(_zone())
    day = day_format.apply(local, locale)
    time = time_format.apply(local, locale)
    # CLDR puts a narrow no-break space before "AM"/"PM"; many fonts lack it and readers
    # saw "2:10AM". A plain no-break space keeps the same meaning.
    return joined.format(time, day).replace("\u202f", "\u00a0")


def markup_gettext(message: str, **variables: Any) -> Markup:
    """Translate a whole sentence whose variables are themselves HTML (a linked name, a
    <time> element): the translation is escaped, the variables are inserted as they are
    when they are Markup and escaped when they are not."""
    translated = escape(translations(get_locale()).ugettext(message))
    return Markup(translated) % variables  # noqa: S704 (escaped on the line above)


def format_day(moment: dt.datetime, style: str = "long") -> str:
    return format_date(moment.astimezone(_zone()), style, locale=get_locale())


def format_calendar_day(day: dt.date, style: str = "long") -> str:
    """A calendar day (no time, no zone) in the page's language."""
    return format_date(day, style, locale=get_locale())
