"""Browser test of the built site: every page works offline in headless Chromium.

Run it after building the site (the Makefile's browser step does this)::

    QGAN_SITE_DIR=_build/html .venv/bin/python -m pytest tests/browser -n 2 -q

(``-n 2``: pytest-xdist, one browser per worker; ``-p no:xdist`` runs it in one process.)

Without ``QGAN_SITE_DIR`` the whole module is skipped, so ``pytest tests`` without a site collects
nothing here (``make unit`` also passes ``--ignore=tests/browser``). With it set, a missing site or a
missing browser is a failure, not a skip.

The site is served by ``http.server`` on 127.0.0.1 (and, for the copy-on-a-USB-stick case, also opened
from ``file://``). The network is cut off: every request that is not to the local server (or a local
file) is aborted and recorded, and any recorded request fails the page. For every HTML page the test
asserts

* no JavaScript errors (uncaught exceptions, ``console.error``), no failed and no external requests,
  no HTTP error status;
* every ``<img>`` loaded (``naturalWidth > 0``);
* math typeset: every Sphinx math element holds an ``mjx-container``, no MathJax error (``mjx-merror``)
  and no raw TeX delimiters left in the prose;
* widgets rendered from their saved state: each ``widget-view+json`` output became a widget, the
  sliders of every ``interact`` explorer are there, and its output shows the saved figure;
* no raw Markdown pipe table and no ``/tmp/`` scratch path in the text, no image whose alt text is
  missing or its file name, no table wider than the text column at 1280 px;
* the repository button on every page, the Binder and Colab launch buttons on every notebook page;
* every page of ``_toc.yml`` was built, and search finds a known term (over http and from
  ``file://``; from ``file://`` the browser blocks the ``fetch()`` Sphinx uses to show a summary under
  each result, and only those errors are tolerated there).

Playwright starts Chromium with a fresh temporary profile (its own ``--user-data-dir``).

Chromium is Debian's ``/usr/bin/chromium`` (override with ``QGAN_CHROMIUM``), driven by
playwright-python; no browser is ever downloaded (never run ``playwright install``).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

SITE_ENV = "QGAN_SITE_DIR"
if not os.environ.get(SITE_ENV):
    pytest.skip(
        f"browser test of the built site: set {SITE_ENV}=<site folder, e.g. _build/html> to run it "
        "(make test does, after the strict build)",
        allow_module_level=True,
    )

from playwright.sync_api import sync_playwright  # noqa: E402  (only needed when the test runs)

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ[SITE_ENV]).resolve()
CHROMIUM = os.environ.get("QGAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPOSITORY = "https://github.com/qgan-course/quantum-generative-models"
BINDER = "https://mybinder.org/v2/gh/qgan-course/quantum-generative-models/main"
COLAB = "https://colab.research.google.com/github/qgan-course/quantum-generative-models/blob/main"
# A term every build has, and the page search must list for it.
SEARCH_TERM = "discriminator"
SEARCH_PAGE = "book/discriminator.html"
TIMEOUT_MS = 30_000
# Pages that are not content (no repository button, no toc): Sphinx's redirect and index pages.
NON_CONTENT = {"index.html", "genindex.html", "search.html"}


def _site_pages() -> list[str]:
    """All HTML pages of the built site, relative to the site folder, e.g. ``book/gans.html``."""
    if not SITE.is_dir():
        return []
    skip = ("_static", "_sources", "_images", "_downloads")
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if p.relative_to(SITE).parts[0] not in skip
    )


def _toc_files() -> list[str]:
    """Documents listed in ``_toc.yml`` (``root:`` and every ``file:``), without suffix."""
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*(?:root|-\s*file|file):\s*(\S+)\s*$", text, flags=re.MULTILINE)


PAGES = _site_pages()


# --------------------------------------------------------------------------------------------------
# Fixtures: the site, a local server, the browser
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE_ENV}={SITE}: no built site there (index.html missing); build it first")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def server(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"QGAN_CHROMIUM={CHROMIUM}: no browser there; install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# --------------------------------------------------------------------------------------------------
# Loading one page with the network cut off, and what is checked on it
# --------------------------------------------------------------------------------------------------


class PageLog:
    """Everything that went wrong while a page loaded."""

    def __init__(self) -> None:
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []

    def problems(self) -> list[str]:
        return (
            [f"external request (blocked): {u}" for u in self.external]
            + [f"failed request: {u}" for u in self.failed]
            + [f"JavaScript error: {e}" for e in self.errors]
        )


def _is_local(url: str, base: str) -> bool:
    return url.startswith(base) or url.startswith(("file://", "data:", "blob:", "about:"))


class Offline:
    """A browser context with the network cut off: only ``base`` (and local files) can be reached.

    One context is shared by all pages of a run (so the browser's HTTP cache and compiled-script cache
    are shared, as for a reader clicking through the book); every request that is not local is aborted
    and recorded in the log of the page being checked.
    """

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.log = PageLog()
        self.context = browser.new_context()
        self.context.route("**/*", self._route)

    def _route(self, r) -> None:
        if _is_local(r.request.url, self.base):
            r.continue_()
        else:
            self.log.external.append(r.request.url)
            r.abort("blockedbyclient")

    def open(self, url: str):
        """Open ``url`` in a new tab; return ``(page, log)``. Follows the site's redirect page."""
        log = self.log = PageLog()
        base = self.base
        page = self.context.new_page()
        page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))
        page.on("console", lambda m: log.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
        page.on(
            "requestfailed",
            lambda r: None if not _is_local(r.url, base) else log.failed.append(f"{r.url} ({r.failure})"),
        )
        page.on("response", lambda r: log.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
        target = _redirect_target(url, base)
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        if target:
            page.wait_for_url(target, timeout=TIMEOUT_MS)
            page.wait_for_load_state("load", timeout=TIMEOUT_MS)
        return page, log

    def close(self) -> None:
        self.context.close()


def _site_file(url: str, base: str) -> Path:
    """The file of the site behind a URL of the page (over http or from ``file://``)."""
    rel = url[len(base):] if url.startswith(base) else urlparse(url).path.lstrip("/")
    return SITE / rel.split("?")[0].split("#")[0]


def _redirect_target(url: str, base: str) -> str | None:
    """The URL a ``<meta http-equiv="refresh">`` page (Sphinx's index.html) redirects to, else None."""
    rel = url[len(base):].split("?")[0].split("#")[0]
    path = SITE / rel
    if not path.is_file():
        return None
    m = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', path.read_text(encoding="utf-8"), re.I)
    if not m:
        return None
    return url.rsplit("/", 1)[0] + "/" + m.group(1)


@pytest.fixture(scope="session")
def http_session(browser, server: str):
    session = Offline(browser, server)
    yield session
    session.close()


@pytest.fixture(scope="session")
def file_session(browser, site: Path):
    session = Offline(browser, site.as_uri() + "/")
    yield session
    session.close()


# JavaScript run in the page after load: waits for MathJax and images, then reports what it finds.
_INSPECT = r"""
async () => {
  const out = {};
  // MathJax: the first typeset finishes after the load event.
  out.mathjax = !!(window.MathJax && window.MathJax.startup);
  if (out.mathjax) { await window.MathJax.startup.promise; }
  // Images (also those the widget manager created): wait until each one settled.
  const imgs = Array.from(document.images);
  imgs.forEach(img => { if (img.loading === 'lazy') img.loading = 'eager'; });
  await Promise.all(imgs.map(img => img.complete ? null :
      new Promise(res => { img.addEventListener('load', res); img.addEventListener('error', res); })));
  out.images = imgs.length;
  out.brokenImages = imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.currentSrc || img.src);
  // Math: Sphinx wraps every formula in .math; MathJax puts an mjx-container inside.
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  out.math = math.length;
  out.untypeset = math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  out.mathErrors = Array.from(document.querySelectorAll('mjx-merror')).map(m => m.textContent.slice(0, 80));
  // Raw TeX delimiters left in the prose (outside code, scripts and typeset math).
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight, .output')) continue;
    if (/\$\$|\\\(|\\\[|\\begin\{/.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 80));
  }
  out.rawTex = raw;
  // Raw Markdown pipe tables (Markdown output rendered as text) and scratch paths in the text.
  const pipes = [], scratch = [];
  const walker2 = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker2.nextNode(); n; n = walker2.nextNode()) {
    if (n.parentElement.closest('script, style')) continue;
    const t = n.textContent;
    if (/\/tmp\//.test(t)) scratch.push(t.trim().slice(0, 80));
    if (n.parentElement.closest('.highlight, textarea')) continue;  // code may print a pipe
    if (/^\s*\|.*\|.*\|\s*$/m.test(t) || /\|\s*:?-{3,}:?\s*\|/.test(t)) pipes.push(t.trim().slice(0, 80));
  }
  out.rawPipeTables = pipes;
  out.scratchPaths = scratch;
  // Alt text: every image says what it shows (not missing, not its file name).
  out.badAlt = imgs.filter(img => {
    const alt = (img.getAttribute('alt') || '').trim();
    const file = (img.getAttribute('src') || '').split('/').pop();
    return alt.length < 4 || alt === file || /\.(png|jpe?g|svg|gif)$/i.test(alt);
  }).map(img => (img.getAttribute('src') || '').split('/').pop() + ' alt=' + JSON.stringify(img.getAttribute('alt')));
  // Tables wider than the text column: their last columns are cut off (or hidden behind a scroll).
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const column = article ? article.getBoundingClientRect() : null;
  out.clippedTables = column ? Array.from(article.querySelectorAll('table')).filter(t => {
    const r = t.getBoundingClientRect();
    return r.width > 0 && (t.scrollWidth > Math.ceil(r.width) + 1 || r.right > column.right + 1);
  }).map(t => (t.querySelector('th, td') || t).textContent.trim().slice(0, 60)) : [];
  // Web fonts: the first source of every @font-face rule (the one a browser fetches first).
  out.fontSources = [];
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { continue; }
    for (const r of rules) {
      if (r.type !== CSSRule.FONT_FACE_RULE) continue;
      const m = /url\("?([^")]+)"?\)/.exec(r.style.getPropertyValue('src'));
      if (m) out.fontSources.push(new URL(m[1], sheet.href || document.baseURI).href);
    }
  }
  // Buttons in the header.
  out.links = Array.from(document.querySelectorAll('.article-header-buttons a, .header-article-items a'))
                .map(a => a.href);
  return out;
}
"""

# Widgets: the html-manager replaces each saved view (a script tag) by the rendered widget.
_WIDGETS = r"""
() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const rendered = Array.from(views).filter(s => {
    const el = s.previousElementSibling;
    return el && el.classList.contains('widget-subarea') && el.querySelector('.jupyter-widgets');
  });
  return {
    views: views.length,
    rendered: rendered.length,
    sliders: document.querySelectorAll('.widget-subarea .widget-slider').length,
    outputImages: document.querySelectorAll('.widget-subarea .widget-output img').length,
    interactives: document.querySelectorAll('.widget-subarea .widget-interact').length,
  };
}
"""


def _check_widgets(page, log_problems: list[str]) -> dict:
    n_views = page.evaluate(
        "() => document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]').length"
    )
    if n_views == 0:
        return {"views": 0}
    try:
        page.wait_for_function(
            """n => Array.from(document.querySelectorAll(
                   'script[type="application/vnd.jupyter.widget-view+json"]'))
                 .filter(s => s.previousElementSibling
                              && s.previousElementSibling.querySelector('.jupyter-widgets')).length >= n""",
            arg=n_views,
            timeout=TIMEOUT_MS,
        )
    except Exception:  # reported below through the counts
        pass
    w = page.evaluate(_WIDGETS)
    if w["rendered"] < w["views"]:
        log_problems.append(f"widgets: {w['rendered']} of {w['views']} saved widget views rendered")
    if w["interactives"] and w["sliders"] == 0:
        log_problems.append("widgets: an interact explorer rendered without its sliders")
    if w["interactives"] and w["outputImages"] < w["interactives"]:
        log_problems.append(
            f"widgets: {w['outputImages']} saved figures in {w['interactives']} interact outputs "
            "(each explorer should show its figure from the saved state)"
        )
    return w


def _first(what: str, items: list[str], n: int = 3, of: int | None = None) -> list[str]:
    """At most ``n`` messages ``what: item``, then a count of the rest."""
    out = [f"{what}: {t!r}" for t in items[:n]]
    if len(items) > n:
        total = f" of {of}" if of is not None else ""
        out.append(f"{what}: ... {len(items)}{total} in all")
    return out


def check_page(session: Offline, rel: str) -> tuple[list[str], dict]:
    """Load one page and return (problems, facts)."""
    page, log = session.open(session.base + rel)
    try:
        problems: list[str] = []
        widgets = _check_widgets(page, problems)  # first: rendered widgets add images of their own
        facts = page.evaluate(_INSPECT)
        facts["widgets"] = widgets
        if facts["brokenImages"]:
            problems += [f"image not loaded: {u}" for u in facts["brokenImages"]]
        if facts["math"] and not facts["mathjax"]:
            problems.append(f"{facts['math']} formulas but MathJax did not load")
        problems += _first("formula not typeset", facts["untypeset"], of=facts["math"])
        problems += _first("MathJax error", facts["mathErrors"])
        problems += _first("raw TeX left in the text", facts["rawTex"])
        problems += _first("raw Markdown pipe table in the text", facts["rawPipeTables"])
        problems += _first("scratch path in the text", facts["scratchPaths"])
        problems += _first("image without alt text saying what it shows", facts["badAlt"])
        problems += _first("table wider than the text column (cut off)", facts["clippedTables"])
        # a font a rule points at must be on the site: a missing one is fetched only when the browser
        # happens to need it (the widgets' icon font once did, from book/@jupyter-widgets/)
        missing_fonts = sorted({u for u in facts["fontSources"] if not _site_file(u, session.base).is_file()})
        problems += _first("@font-face source not on the site", missing_fonts)
        if rel not in NON_CONTENT:
            if REPOSITORY not in facts["links"]:
                problems.append("no repository button")
            if (SITE / "_sources" / rel).with_suffix(".ipynb").is_file():
                nb = rel[: -len(".html")] + ".ipynb"
                if not any(link.startswith(BINDER) and nb in link for link in facts["links"]):
                    problems.append(f"no Binder launch button for {nb}")
                if f"{COLAB}/{nb}" not in facts["links"]:
                    problems.append(f"no Colab launch button for {nb}")
        page.wait_for_timeout(200)  # let late requests (fonts) finish and be recorded
        problems = log.problems() + problems
        return problems, facts
    finally:
        page.close()


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_every_toc_page_was_built(site: Path) -> None:
    missing = [f for f in _toc_files() if not (site / f"{f}.html").is_file()]
    assert _toc_files(), "_toc.yml lists no pages"
    assert not missing, f"pages in _toc.yml without an HTML page in {site}: {missing}"


@pytest.mark.parametrize("rel", PAGES or ["<no pages: site not built>"])
def test_page_over_http(site: Path, http_session: Offline, rel: str) -> None:
    assert PAGES, f"no HTML pages under {site}"
    problems, _ = check_page(http_session, rel)
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


def test_checks_are_not_vacuous(site: Path) -> None:
    """The built HTML has formulas, figures and saved widgets, so the per-page checks check them.

    Every notebook page (a ``_sources/**/*.ipynb`` exists) carries at least one saved widget view
    (each chapter has an ipywidgets explorer) and the widget state, i.e. execution stored it.
    """
    nb_pages = [p for p in PAGES if (site / "_sources" / p).with_suffix(".ipynb").is_file()]
    assert nb_pages, "no notebook pages found (no _sources/**/*.ipynb)"
    html = {p: (site / p).read_text(encoding="utf-8") for p in PAGES}
    assert sum(h.count('class="math notranslate') for h in html.values()) > 0, "no math in any page"
    assert sum(h.count("<img") for h in html.values()) > 0, "no images in any page"
    without = [
        p for p in nb_pages
        if "application/vnd.jupyter.widget-view+json" not in html[p]
        or "application/vnd.jupyter.widget-state+json" not in html[p]
    ]
    assert not without, f"notebook pages without a saved widget explorer (view + state): {without}"


def _search(session: Offline, allow_summary_fetch_errors: bool = False) -> list[str]:
    page, log = session.open(f"{session.base}search.html?q={SEARCH_TERM}")
    try:
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary, #search-results p');"
            " return s && /found|did not match/i.test(s.textContent); }",
            timeout=TIMEOUT_MS,
        )
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
        page.wait_for_timeout(300)
        problems = log.problems()
        if allow_summary_fetch_errors:
            # Sphinx fetches each result page to show a text summary under it; Chromium blocks
            # fetch() from file:// pages (CORS). Only those failures are tolerated.
            result_pages = {h.split("#")[0] for h in hrefs}
            tolerated = (
                "blocked by CORS policy",
                "console.error: Failed to load resource: net::ERR_FAILED",
                "uncaught: Failed to fetch",
            )
            problems = [
                p for p in problems
                if not (
                    (p.startswith("failed request: ") and p[len("failed request: "):].split(" (")[0] in result_pages)
                    or (p.startswith("JavaScript error: ") and any(t in p for t in tolerated))
                )
            ]
        assert not problems, "search page:\n  " + "\n  ".join(problems)
        return hrefs
    finally:
        page.close()


def test_search_over_http(http_session: Offline) -> None:
    hrefs = _search(http_session)
    assert any(urlparse(h).path.endswith(SEARCH_PAGE) for h in hrefs), (
        f"search for {SEARCH_TERM!r} did not list {SEARCH_PAGE}; results: {hrefs}"
    )


# --------------------------------------------------------------------------------------------------
# The same site opened from disk (a copy on a USB stick)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", PAGES or ["<no pages: site not built>"])
def test_page_from_file(file_session: Offline, rel: str) -> None:
    problems, _ = check_page(file_session, rel)
    assert not problems, f"file://{rel}:\n  " + "\n  ".join(problems)


def test_search_from_file(file_session: Offline) -> None:
    hrefs = _search(file_session, allow_summary_fetch_errors=True)
    assert any(urlparse(h).path.endswith(SEARCH_PAGE) for h in hrefs), (
        f"search from file:// for {SEARCH_TERM!r} did not list {SEARCH_PAGE}; results: {hrefs}"
    )


# --------------------------------------------------------------------------------------------------
# Self-check quizzes (jupyterquiz): they render and answer offline, also when MathJax loads late
# --------------------------------------------------------------------------------------------------

_QUIZ_DATA = re.compile(r"var questions(\w+)=(\[.*?\]);\s*\n", re.S)
QUIZ_PAGES = [p for p in PAGES if _QUIZ_DATA.search((SITE / p).read_text(encoding="utf-8"))]
# MathJax held back this long: the quizzes' own typesetting runs half a second after they draw, and a
# busy machine once took longer than that to load MathJax (CI saw "Cannot read properties of undefined").
MATHJAX_DELAY_S = 1.5


def _quiz_questions(html: str) -> list[dict]:
    """The questions of every quiz on a page, in page order, from the data each quiz script carries."""
    import json

    seen: dict[str, list[dict]] = {}
    for div_id, data in _QUIZ_DATA.findall(html):
        seen.setdefault(div_id, json.loads(data))
    return [q for qs in seen.values() for q in qs]


def _a_correct_number(question: dict) -> str:
    for a in question["answers"]:
        if a.get("correct") and a.get("type") == "value":
            return repr(a["value"])
        if a.get("correct") and a.get("type") == "range":
            lo, hi = a["range"]
            return repr((lo + hi) / 2)
    raise AssertionError(f"numeric question without a correct value or range: {question['question']!r}")


def test_quiz_pages_exist() -> None:
    """The qubits chapter has quizzes, so the quiz test below checks something."""
    assert "book/qubits.html" in QUIZ_PAGES, f"no quiz found on book/qubits.html (quiz pages: {QUIZ_PAGES})"


@pytest.mark.parametrize("rel", QUIZ_PAGES or ["<no quiz pages>"])
def test_quizzes_answer_offline(browser, server: str, rel: str) -> None:
    """Every question renders; a correct answer is marked correct; no error while MathJax is late."""
    import time

    questions = _quiz_questions((SITE / rel).read_text(encoding="utf-8"))
    context = browser.new_context()
    log = PageLog()

    def route(r) -> None:
        url = r.request.url
        if not _is_local(url, server):
            log.external.append(url)
            r.abort("blockedbyclient")
            return
        if "/mathjax/" in url:
            time.sleep(MATHJAX_DELAY_S)
        r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))
    page.on("console", lambda m: log.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    try:
        page.goto(server + rel, wait_until="load", timeout=TIMEOUT_MS)
        page.evaluate("async () => { if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise; }")
        page.wait_for_timeout(1000)  # past the quizzes' own half-second typesetting timer
        try:  # formulas in the questions are typeset once MathJax has loaded
            page.wait_for_function(
                r"""() => Array.from(document.querySelectorAll('div.Quiz'))
                          .every(q => !/\\\(|\\\[/.test(q.innerText))""",
                timeout=10_000,
            )
        except Exception:  # reported below
            pass
        raw = page.evaluate(  # before any answer: feedback is typeset when it is shown
            r"""() => Array.from(document.querySelectorAll('div.Quiz'))
                  .filter(q => /\\\(|\\\[/.test(q.innerText)).map(q => q.innerText.slice(0, 60))"""
        )
        shown = page.locator("div.Quiz")  # one per question: its text, answers and feedback
        assert shown.count() == len(questions), f"{rel}: {shown.count()} of {len(questions)} quiz questions rendered"
        problems = _first("quiz formula not typeset", raw)
        for i, q in enumerate(questions):
            box = shown.nth(i)
            if q["type"] == "numeric":
                field = box.locator("input.Input-text")
                field.fill(_a_correct_number(q))
                field.press("Enter")
            else:
                box.locator('label.MCButton[data-correct="true"]').first.click()
            feedback = box.locator(".Feedback")
            if not feedback.evaluate("el => el.classList.contains('correct')"):
                problems.append(f"question {i + 1} ({q['question'][:50]!r}): a correct answer was not marked correct")
        problems = log.problems() + problems
        assert not problems, f"{rel} (MathJax held back {MATHJAX_DELAY_S} s):\n  " + "\n  ".join(problems)
    finally:
        context.close()
