"""The library's own small forum plugin: its opening hours beside every community.

It lives in the site, not in civicforum, and uses only the public hooks: proof that an
institution extends the forum without touching the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from civicforum import hookimpl

HOURS = {
    "nl": (
        "Openingstijden bibliotheek",
        ["ma–vr 10.00–20.00 uur", "za 10.00–17.00 uur", "zo gesloten"],
    ),
    "en": ("Library opening hours", ["Mon–Fri 10:00–20:00", "Sat 10:00–17:00", "Sun closed"]),
}


@hookimpl
def civicforum_template_slot(slot: str, context: Mapping[str, Any]) -> Markup | None:
    if slot != "community_sidebar":
        return None
    from civicforum.i18n import get_locale

    title, lines = HOURS.get(get_locale(), HOURS["nl"])
    items = Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
    return Markup(
        '<aside class="site-hours" aria-labelledby="site-hours-heading">'
        '<h2 id="site-hours-heading">{}</h2><ul>{}</ul></aside>'
    ).format(title, items)
