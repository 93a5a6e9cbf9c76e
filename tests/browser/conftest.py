"""Fixtures for tests that drive a real Chromium through Playwright.

- ``browser``: one headless Chromium for the whole run: the system's own
  (``/usr/bin/chromium``); Playwright's browser downloads are never used. Without that
  binary the browser tests are skipped, saying why.
- ``live_site``: the sample site with the demo data on a fresh database (SQLite, or a
  PostgreSQL schema when ``CIVICFORUM_TEST_DATABASE_URL`` is set), one per test module.
- ``live_site_with_provider``: the same, with "Sign in with Voorbeeld-ID" through the
  test provider (``oidc_peer_session``) and the patients' group *Lotgenoten*. A module
  whose pages are those of this site overrides ``live_site`` to return it, and the
  context fixtures below follow.
- ``audit``: injects axe-core (installed by npm from this folder's ``package-lock.json``
  on first use) and fails with every WCAG 2.1 A/AA violation, each with its nodes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ..oidcpeer import OidcPeer
from .livesite import LiveSite, serve_sample_site, serve_sample_site_with_provider
from .visitors import Contexts

HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Only violations are reported in full: collecting every passing node too takes axe
# three times as long.
AXE_RUN = """tags => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
})"""


# -- axe-core ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser bundle, installed from package-lock.json when it is missing."""
    if not AXE_SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "The browser tests need axe-core from npm, and npm is not installed. Install "
                f"Node.js 20 or newer with npm; the tests then run `npm ci` in {HERE}.",
                pytrace=False,
            )
        done = subprocess.run(  # noqa: S603 - a fixed command, in this folder
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0 or not AXE_SCRIPT.is_file():
            pytest.fail(
                f"`npm ci` in {HERE} did not install axe-core (exit {done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}",
                pytrace=False,
            )
    return AXE_SCRIPT


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def audit(browser: Browser, axe_script: Path) -> Callable[[Page], None]:
    """Check the page as it is now against axe-core's WCAG 2.1 A and AA rules."""
    # (``browser`` first: without Chromium the tests are skipped before npm is needed.)

    source = axe_script.read_text(encoding="utf-8")

    def run(page: Page) -> None:
        # Into every frame: axe audits what an iframe shows (the forum's widget on the
        # library's home page) with the copy in that frame, and waits half a second for
        # an answer from any frame that has none. (Evaluated rather than added as a
        # <script>, which the widget's Content-Security-Policy rightly refuses.)
        for frame in page.frames:
            frame.evaluate(source)
        result = page.evaluate(AXE_RUN, WCAG_TAGS)
        if result["violations"]:
            pytest.fail(describe_violations(page.url, result["violations"]), pytrace=False)

    return run


# -- the browser and the site ------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package to run these")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_site(
    make_database: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("site")
    with make_database(folder) as database_url, serve_sample_site(database_url) as site:
        yield site


@pytest.fixture(scope="module")
def live_site_with_provider(
    make_database: Callable[[Path], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
    oidc_peer_session: OidcPeer,
) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("site")
    with (
        make_database(folder) as database_url,
        serve_sample_site_with_provider(database_url, oidc_peer_session) as site,
    ):
        yield site


@pytest.fixture(scope="module")
def module_contexts(browser: Browser, live_site: LiveSite) -> Iterator[Contexts]:
    """Contexts that live as long as the test module (for visitors reused across tests)."""
    contexts = Contexts(browser, live_site.url)
    yield contexts
    contexts.close()


@pytest.fixture
def new_context(browser: Browser, live_site: LiveSite) -> Iterator[Contexts]:
    """Contexts closed after the test."""
    contexts = Contexts(browser, live_site.url)
    yield contexts
    contexts.close()


@pytest.fixture
def page(new_context: Contexts) -> Page:
    """A page of a visitor who is not signed in."""
    return new_context().new_page()
