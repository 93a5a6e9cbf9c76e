"""Markdown in, safe HTML out: what a reader's browser receives from a member's text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from civicforum.markup import quote_markdown, render_markdown


def parse(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag with its attributes, as a browser's parser would see them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_commonmark_renders() -> None:
    html = render_markdown(
        "# Kop\n\n*schuin* **vet** `code`\n\n- een\n- twee\n\n> citaat\n\n1. a\n2. b"
    )
    for fragment in (
        "<h1>Kop</h1>",
        "<em>schuin</em>",
        "<strong>vet</strong>",
        "<code>code</code>",
        "<li>een</li>",
        "<blockquote>",
        "<ol>",
    ):
        assert fragment in html


def test_links_get_rel_nofollow_ugc_noopener() -> None:
    html = render_markdown("[bieb](https://bibliotheek.example.org)")
    assert '<a href="https://bibliotheek.example.org" rel="nofollow ugc noopener">bieb</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](vbscript:msgbox(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">klik</a>',
        '<a href="data:text/html,x">klik</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="background:url(https://tracker.example/x.png)">x</p>',
        '<svg onload="alert(1)">',
        "<form action=https://evil.example><input name=p></form>",
    ],
)
def test_dangerous_html_and_urls_never_reach_the_page(source: str) -> None:
    """Whatever is left may show as text; as markup, nothing active survives."""
    tags = parse(render_markdown(source))
    for tag, attributes in tags:
        assert tag not in {"script", "img", "iframe", "svg", "form", "input", "style"}
        for name, value in attributes:
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in ("href", "src"):
                assert (value or "").split(":", 1)[0].strip().lower() in {"http", "https", "mailto"}


def test_remote_images_are_links_not_loaded() -> None:
    html = render_markdown('![kat](https://tracker.example/kat.png "titel")')
    assert "<img" not in html
    assert 'href="https://tracker.example/kat.png"' in html and "[kat]" in html


def test_image_alt_text_cannot_inject_markup() -> None:
    tags = parse(render_markdown('![<b onclick=x>"](https://x.example/a.png)'))
    assert [tag for tag, _ in tags] == ["p", "a", "span"]
    assert all(not name.startswith("on") for _, attributes in tags for name, _ in attributes)


def test_quote_marks_every_line() -> None:
    assert (
        quote_markdown("regel een\n\nregel twee", "Ans")
        == "> **Ans:**\n> regel een\n>\n> regel twee\n\n"
    )
