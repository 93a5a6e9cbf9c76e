"""The widget's colours and font, as a host asks for them in the link of its iframe.

The widget's page allows stylesheets from the forum's own site only (``style-src
'self'``), so it cannot carry an inline ``style`` with the host's colours. Instead a
host's choice becomes a tiny stylesheet of its own, ``/embed/theme.css?accent=...``,
that the page links after ``embed.css``: its content follows from its URL alone, so it
caches well and the policy stays strict.

Colours are taken only as ``#rrggbb``, fonts only from a short list: nothing a host
writes reaches the stylesheet except what these checks let through. A choice whose text
or links would fall below WCAG 2.1 AA contrast (4.5:1) on its background is refused with
the ratio it has, because a widget people cannot read is worse than one in our colours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..i18n import gettext as _
from .params import BadWidgetRequest

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: The contrast WCAG 2.1 AA asks of text of normal size (success criterion 1.4.3).
MINIMUM_CONTRAST = 4.5

#: The query parameters of a theme, and the custom property each one sets.
COLOUR_PROPERTIES = {
    "accent": "--cf-embed-accent",
    "text": "--cf-embed-text",
    "background": "--cf-embed-background",
}
#: The fonts a host may choose, by name; all are on the visitor's own device.
FONTS = {
    "system-ui": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    "sans-serif": '"Helvetica Neue", Arial, "Liberation Sans", sans-serif',
    "serif": 'Georgia, "Times New Roman", "Liberation Serif", serif',
}


@dataclass(frozen=True)
class Palette:
    accent: str
    text: str
    background: str


#: Backgrounds darker than this (relative luminance) get the browser's dark scheme
#: (scroll bars, focus rings) with them.
DARK_BACKGROUND = 0.2
#: The light colours of ``embed.css`` (a test keeps the two the same): what a theme
#: that names only some colours starts from.
LIGHT = Palette(accent="#0b5394", text="#1b1b1b", background="#ffffff")
#: The dark colours of ``embed.css``, for visitors who prefer a dark scheme.
DARK = Palette(accent="#8ab4f8", text="#eceff1", background="#15171b")


@dataclass(frozen=True)
class Theme:
    """A host's colours, those it did not name taken from :data:`LIGHT` (or None: the
    widget's own, light and dark); and a font, or None."""

    palette: Palette | None
    font: str | None

    def query(self) -> dict[str, str]:
        """The query parameters that ask for this theme again (for its stylesheet's URL)."""
        query = {}
        if self.palette is not None:
            query = {name: getattr(self.palette, name) for name in COLOUR_PROPERTIES}
        if self.font is not None:
            query["font"] = self.font
        return query

    def stylesheet(self) -> str:
        """The theme as CSS. Colours come as a set of three, so that a visitor's dark
        preference cannot put the default dark background behind a host's dark text."""
        lines = []
        scheme = ""
        if self.palette is not None:
            for name, prop in COLOUR_PROPERTIES.items():
                lines.append(f"  {prop}: {getattr(self.palette, name)};")
            dark = luminance(self.palette.background) < DARK_BACKGROUND
            scheme = f".cf-embed-page {{ color-scheme: {'dark' if dark else 'light'}; }}\n"
        if self.font is not None:
            lines.append(f"  --cf-embed-font: {FONTS[self.font]};")
        return (
            "/* The colours and font a host chose for civicforum's widget. */\n"
            ".cf-embed {\n" + "\n".join(lines) + "\n}\n" + scheme
        )


def read_theme(args: Mapping[str, str]) -> Theme | None:
    """The theme a request asks for, or None when it names no colour and no font.

    :raises BadWidgetRequest: for a colour that is not ``#rrggbb``, an unknown font, or
        colours without enough contrast; the message says which and what would do.
    """
    palette = LIGHT
    asked = False
    for name in COLOUR_PROPERTIES:
        raw = args.get(name)
        if raw is None:
            continue
        if not COLOUR.fullmatch(raw):
            raise BadWidgetRequest(
                _(
                    "“%(name)s” must be a colour written as #rrggbb, such as #005ea5 (in a link: %(example)s).",
                    name=name,
                    example=f"{name}=%23005ea5",
                )
            )
        palette = replace(palette, **{name: raw.lower()})
        asked = True
    font = args.get("font")
    if font is not None and font not in FONTS:
        raise BadWidgetRequest(_("“font” must be one of: %(fonts)s.", fonts=", ".join(FONTS)))
    if not asked:
        return Theme(None, font) if font is not None else None
    for name in ("text", "accent"):
        ratio = contrast(getattr(palette, name), palette.background)
        if ratio < MINIMUM_CONTRAST:
            raise BadWidgetRequest(
                _(
                    "The colours “%(name)s” (%(colour)s) and “background” (%(background)s) have a contrast of %(ratio)s:1; text and links need at least 4.5:1 to be readable (WCAG 2.1 AA).",
                    name=name,
                    colour=getattr(palette, name),
                    background=palette.background,
                    ratio=f"{ratio:.1f}",
                )
            )
    return Theme(palette, font)


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb``, as WCAG 2.1 defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    """The WCAG 2.1 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
