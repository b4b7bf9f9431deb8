"""Open the HTML report in headless Chromium, the way a reader would, and say what it shows.

Debian's Chromium (``scripts/install_browser.sh``) is driven by Playwright without a browser
download. Snakemake's report is one self-contained page (a React app) that works from file://.
Every result category in the menu is opened, its first result viewed, and, when asked, the view
saved as a PNG. Console errors, uncaught page errors and failed requests are collected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# no first-run, sync or update traffic: this machine's network is closed to Chromium's services
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000


class ReportViewError(Exception):
    """No browser to open the report with, or a part of the report that does not show."""


@dataclass
class ReportView:
    """What the report showed: results per category, the first result's view, and every error."""

    description: str = ""
    results: dict[str, int] = field(default_factory=dict)  # category -> results listed
    shown: dict[str, str] = field(default_factory=dict)  # category -> "image WxH" or the HTML page's text
    errors: list[str] = field(default_factory=list)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _show_first_result(page, category: str) -> str:
    """Open ``category`` from the menu and view its first result; returns what the main panel shows."""
    page.locator("nav li a", has_text=re.compile(f"^{re.escape(category)}$")).click()
    page.locator("nav ol", has_text=category).wait_for()  # the breadcrumbs: the category's list is up
    page.locator('nav tbody tr [iconname="eye"]').first.click()
    panel = page.locator("#app .justify-center.h-screen")
    shown = panel.locator("img, iframe").first
    shown.wait_for()
    if shown.evaluate("el => el.tagName") == "IMG":
        shown.evaluate("el => el.decode()")  # resolves once the image is decoded, rejects if it cannot be
        return "image {}x{}".format(*shown.evaluate("el => [el.naturalWidth, el.naturalHeight]"))
    return panel.frame_locator("iframe").locator("body").inner_text()


def inspect_report(report: Path, shots: Path | None = None, size: tuple[int, int] = (1400, 900)) -> ReportView:
    """Open ``report`` and every result category in it; with ``shots``, save ``<category>.png`` views there."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise ReportViewError(f"no {CHROMIUM}: run `bash scripts/install_browser.sh` (Debian's chromium)")
    if not Path(report).is_file():
        raise ReportViewError(f"no report at {report}: build it with `latentbench report`")
    view = ReportView()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda msg: msg.type == "error" and view.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: view.errors.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: view.errors.append(f"request failed: {req.url[:200]}"))
        page.goto(Path(report).resolve().as_uri(), wait_until="load")
        page.locator("#rulegraph canvas").wait_for()
        view.description = page.locator("#app .prose").inner_text()
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=shots / "workflow.png")
        items = page.locator("nav ul li").all_inner_texts()
        categories = items[[i.strip().lower() for i in items].index("results") + 1:]
        for category in categories:
            try:
                view.shown[category] = _show_first_result(page, category)
            except PlaywrightError as exc:
                raise ReportViewError(f"category {category!r} of {report} shows no result: {exc}") from None
            view.results[category] = page.locator("nav tbody tr").count()
            if shots:
                page.screenshot(path=shots / f"{_slug(category)}.png")
            page.locator("nav ol li a").first.click()  # home: back to the menu
            page.locator("nav ul li", has_text=re.compile("^results$", re.I)).wait_for()
        browser.close()
    return view
