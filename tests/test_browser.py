"""The rendered book as a reader meets it: every page in headless Chromium.

After `jupyter-book build` (`make test-book`), each HTML page of _build/html is
opened from disk with the network off, and the checks below read the live DOM
once the page's scripts ran. A full-page screenshot of every page is saved
under _build/screenshots/.
"""

import re
import struct
import time
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest
import yaml

from book_browser import HEIGHT
from book_browser import WIDTH
from book_browser import console_errors
from book_browser import inspect_page
from book_browser import network_requests
from book_browser import open_browser
from book_browser import screenshot
from book_toc import ROOT
from book_toc import TOC_FILES

pytestmark = pytest.mark.book

HTML_DIR = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
#: What the whole browser pass may take. It opens ~12 pages in well under
#: 90 s on two cores; the limit leaves room for a busy machine and catches a
#: page that waits for something that never comes.
TIME_BUDGET_S = 150

RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\$[^$\s][^$]*\\[A-Za-z]+[^$]*\$")
PLACEHOLDERS = re.compile(r"\{glue(:\w+)?\}|\{(numref|ref|doc|eq|cite(:\w+)?)\}|\bnan\b")
REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.IGNORECASE)
OUTPUT_TROUBLE = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*(Warning|Error)\b:|^\s*WARNING\b", re.MULTILINE
)


def _config():
    with open(ROOT / "_config.yml") as f:
        return yaml.safe_load(f)


def _html_pages():
    skip = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
    return sorted(p for p in HTML_DIR.rglob("*.html") if not skip & set(p.relative_to(HTML_DIR).parts))


def _source_suffix(stem):
    """`.ipynb` or `.md`: the suffix of a table-of-contents entry's source."""
    found = [p.suffix for p in ROOT.glob(f"{stem}.*") if p.suffix in (".ipynb", ".md")]
    assert len(found) == 1, f"{stem}: expected one .ipynb or .md source, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def book():
    """Every page opened once: `{relative path: facts}`, plus the run's record."""
    assert (HTML_DIR / "index.html").is_file(), f"{HTML_DIR} is not built: run `make test-book`"
    start = time.perf_counter()
    driver = open_browser()
    pages, redirects, requests, errors = {}, {}, [], []
    try:
        for path in _html_pages():
            rel = path.relative_to(HTML_DIR).as_posix()
            refresh = REDIRECT.search(path.read_text(encoding="utf-8"))
            if refresh:  # index.html only sends the reader on to the root page
                redirects[rel] = (path.parent / refresh.group(1)).resolve()
                continue
            facts = inspect_page(driver, path.as_uri())
            facts["screenshot"] = screenshot(
                driver, SCREENSHOTS / Path(rel).with_suffix(".png"), facts["scroll_height"]
            )
            pages[rel] = facts
            requests += [f"{rel}: {u}" for u in network_requests(driver)]
            errors += [f"{rel}: {m}" for m in console_errors(driver)]
        search = _search(driver, "masking")
        first_screen = _first_screen(driver, "book/04_toolbox_sdae.html")
    finally:
        driver.quit()
    return {
        "pages": pages,
        "redirects": redirects,
        "requests": requests,
        "console_errors": errors,
        "search": search,
        "first_screen": first_screen,
        "seconds": time.perf_counter() - start,
    }


#: Chapter 4 answers its question on its first screen: the headline figure and
#: the sentence that starts with these words.
CH4_ANSWER = "Yes, by about one point."


def _first_screen(driver, rel):
    """Where Chapter 4's answer and its figure sit on the page's first screen.

    The page is laid out in a 1280 x 900 viewport (the browser window's own
    frame would leave less), the first screen saved as a screenshot, and the
    tops and bottoms (CSS pixels from the top of the viewport) returned.
    """
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    inspect_page(driver, (HTML_DIR / rel).as_uri())
    facts = driver.execute_script(
        """
        const box = e => e ? e.getBoundingClientRect() : null;
        const answer = [...document.querySelectorAll('main p')]
            .find(p => p.textContent.trim().startsWith(arguments[0]));
        const figure = document.getElementById('fig-ch4-answer');
        const a = box(answer), f = box(figure && (figure.querySelector('img') || figure));
        return {height: window.innerHeight,
                answer_top: a && a.top, answer_bottom: a && a.bottom,
                figure_top: f && f.top, figure_bottom: f && f.bottom};
        """,
        CH4_ANSWER,
    )
    facts["screenshot"] = screenshot(driver, SCREENSHOTS / "04_toolbox_sdae-first-screen.png", HEIGHT)
    return facts


def _search(driver, query):
    """The result links of the book's own search page for `query`."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get((HTML_DIR / "search.html").as_uri() + f"?q={query}")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "const s = document.querySelector('#search-results .search-summary');"
            "return !!s && /Search finished|did not match/.test(s.textContent);"
        )
    )
    height = driver.execute_script("return document.documentElement.scrollHeight;")
    screenshot(driver, SCREENSHOTS / f"search-{query}.png", height)
    return driver.execute_script(
        "return [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href);"
    )


def _content(book):
    """The pages of the table of contents: `{docname: facts}`."""
    pages = book["pages"]
    missing = [f for f in TOC_FILES if f"{f}.html" not in pages]
    assert missing == [], f"no rendered page for {missing}"
    return {f: pages[f"{f}.html"] for f in TOC_FILES}


def _local_path(url):
    """The file under _build/html that a `file:` address names, and its fragment."""
    parts = urlsplit(url)
    return Path(unquote(parts.path)), unquote(parts.fragment)


def _report(problems):
    return "\n".join(problems)


def test_every_page_opened_within_budget(book):
    assert book["pages"], "no HTML page in _build/html"
    opened = set(book["pages"]) | set(book["redirects"])
    assert opened == {p.relative_to(HTML_DIR).as_posix() for p in _html_pages()}
    for rel, target in book["redirects"].items():
        assert target.is_file(), f"{rel} redirects to {target}, which does not exist"
    assert book["seconds"] < TIME_BUDGET_S, f"the browser pass took {book['seconds']:.0f} s"


def test_nothing_is_fetched_from_the_network(book):
    # No script, font, style or image comes from a CDN: the book reads offline.
    assert book["requests"] == [], _report(book["requests"])


def test_no_script_error_in_the_console(book):
    assert book["console_errors"] == [], _report(book["console_errors"])


def test_every_equation_is_typeset(book):
    problems = []
    for rel, page in book["pages"].items():
        for match in RAW_MATH.finditer(page["text"]):
            context = page["text"][max(0, match.start() - 40) : match.end() + 40]
            problems.append(f"{rel}: raw LaTeX in visible text: {context!r}")
        if page["math_total"] and not page["mathjax"]:
            problems.append(f"{rel}: {page['math_total']} equations and MathJax did not load")
        problems += [f"{rel}: not typeset: {m!r}" for m in page["math_untypeset"]]
        problems += [f"{rel}: MathJax error: {m!r}" for m in page["math_errors"]]
    assert problems == [], _report(problems)
    # The book has equations, so MathJax ran somewhere: the check is not vacuous.
    assert any(page["math_total"] for page in book["pages"].values())


def test_every_figure_is_loaded_and_numbered(book):
    problems = []
    for rel, page in book["pages"].items():
        for image in page["images"]:
            name = image["src"].rsplit("/", 1)[-1]
            if image["natural_width"] == 0:
                problems.append(f"{rel}: image {name} did not load")
            produced = image["in_output"] or image["in_figure"]
            if produced and image["visible"] and not re.search(r"\d", image["caption_number"]):
                problems.append(f"{rel}: figure {name} has no numbered caption")
    assert problems == [], _report(problems)
    for docname, page in _content(book).items():
        if _source_suffix(docname) == ".ipynb":
            assert any(i["in_figure"] for i in page["images"]), f"{docname} shows no figure"


def test_no_error_output_or_placeholder(book):
    problems = []
    for rel, page in book["pages"].items():
        problems += [f"{rel}: {box}" for box in page["error_boxes"]]
        problems += [f"{rel}: empty box {box}" for box in page["empty_boxes"]]
        for match in OUTPUT_TROUBLE.finditer(page["output_text"]):
            problems.append(f"{rel}: output shows {match.group(0)!r}")
        for match in PLACEHOLDERS.finditer(page["text"]):
            context = page["text"][max(0, match.start() - 40) : match.end() + 40]
            problems.append(f"{rel}: placeholder {match.group(0)!r} in {context!r}")
    assert problems == [], _report(problems)


def test_internal_links_and_anchors_resolve(book):
    ids = {str(HTML_DIR / rel): set(page["ids"]) for rel, page in book["pages"].items()}
    problems, checked = [], 0
    for rel, page in book["pages"].items():
        for link in page["links"]:
            href = link["href"]
            if href.startswith("file:"):
                target, fragment = _local_path(href)
                checked += 1
                if not target.is_file():
                    problems.append(f"{rel}: link {link['raw']!r} -> missing file {target}")
                elif fragment and target.suffix == ".html":
                    if str(target) in ids and fragment not in ids[str(target)]:
                        problems.append(f"{rel}: link {link['raw']!r} -> no anchor #{fragment}")
            elif href.startswith(("http://", "https://")):
                if not urlsplit(href).netloc:
                    problems.append(f"{rel}: malformed address {href!r}")
            elif not href.startswith(("mailto:", "javascript:")):
                problems.append(f"{rel}: link of unknown kind {link['raw']!r}")
    assert problems == [], _report(problems)
    assert checked > 0


def test_citations_link_to_bibliography_entries(book):
    problems, cited = [], 0
    for rel, page in book["pages"].items():
        problems += [f"{rel}: citation without a link: {c!r}" for c in page["unlinked_citations"]]
        for link in page["links"]:
            if not link["citation"]:
                continue
            cited += 1
            target, fragment = _local_path(link["href"])
            # Usually the list on the same page; possibly one on another page.
            listed = book["pages"].get(target.relative_to(HTML_DIR).as_posix(), {})
            if fragment not in listed.get("bibliography_ids", []):
                problems.append(f"{rel}: citation {link['text']!r} -> #{fragment}, not a bibliography entry")
    assert problems == [], _report(problems)
    assert cited > 0, "no citation found on any page"


def test_numbered_references_resolve(book):
    problems, numrefs = [], 0
    for rel, page in book["pages"].items():
        problems += [f"{rel}: unresolved reference {x}" for x in page["unresolved_xrefs"]]
        for link in page["links"]:
            if link["numref"]:
                numrefs += 1
                if not re.search(r"\d", link["text"]):
                    problems.append(f"{rel}: numbered reference without a number: {link['text']!r}")
    assert problems == [], _report(problems)
    assert numrefs > 0, "no numbered reference found on any page"


def test_pages_have_title_and_toc_entry(book):
    problems = []
    for rel, page in book["pages"].items():
        if not page["title"].strip() or "<no title>" in page["title"]:
            problems.append(f"{rel}: no title")
    for docname, page in _content(book).items():
        if len(page["h1"]) != 1:
            problems.append(f"{docname}: {len(page['h1'])} top-level headings")
        own = (HTML_DIR / f"{docname}.html").as_uri()
        if own not in {link.split("#")[0] for link in page["toc_links"]}:
            problems.append(f"{docname}: not in the table of contents of its own page")
        sections = page["section_ids"]
        missing = [s for s in sections if f"#{s}" not in page["page_toc_links"]]
        if missing:
            problems.append(f"{docname}: right-hand contents lack sections {missing}")
        if len(sections) >= 2 and not page["page_toc_visible"]:
            problems.append(f"{docname}: right-hand contents not shown at 1280 px")
    assert problems == [], _report(problems)


def test_no_horizontal_scroll_at_1280px(book):
    problems = [
        f"{rel}: {page['scroll_width']} px wide in a {page['client_width']} px window; "
        f"first overflowing: {page['overflowing']}"
        for rel, page in book["pages"].items()
        if page["scroll_width"] > page["client_width"]
    ]
    assert problems == [], _report(problems)


def test_download_repository_and_launch_buttons(book):
    config = _config()
    repo = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    owner_name = urlsplit(repo).path.strip("/")
    launch = config["launch_buttons"]
    problems = []
    for docname, page in _content(book).items():
        suffix = _source_suffix(docname)
        links = [link["href"] for link in page["links"]]
        downloads = [h for h in links if "/_sources/" in h and h.split("?")[0].endswith(suffix)]
        if not downloads:
            problems.append(f"{docname}: no download link to its {suffix} source")
        for href in downloads:
            target, _ = _local_path(href)
            if not target.is_file():
                problems.append(f"{docname}: download link {href} names no file")
        if repo not in links:
            problems.append(f"{docname}: no repository button to {repo}")
        hosts = {urlsplit(launch[key]).netloc for key in ("binderhub_url", "colab_url")}
        if suffix != ".ipynb":
            # Colab cannot open a Markdown notebook: such a page has no launch button.
            stray = [h for h in links if urlsplit(h).netloc in hosts]
            if stray:
                problems.append(f"{docname}: launch buttons on a {suffix} page: {stray}")
            continue
        source = f"{docname}{suffix}"
        binder = f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/{source}"
        colab = f"{launch['colab_url'].rstrip('/')}/github/{owner_name}/blob/{branch}/{source}"
        for name, expected in (("Binder", binder), ("Colab", colab)):
            if expected not in links:
                found = [h for h in links if urlsplit(expected).netloc in h]
                problems.append(f"{docname}: no {name} button to {expected}; found {found}")
        assert (ROOT / source).is_file(), f"a launch button names {source}, which is not in the repository"
    assert problems == [], _report(problems)


def test_search_works_offline(book):
    # The book's own search index, loaded from disk, finds the book's topic.
    results = book["search"]
    assert results, "the search page found nothing for 'masking'"
    missing = [href for href in results if not _local_path(href)[0].is_file()]
    assert missing == [], f"search results that lead nowhere: {missing}"
    found = {_local_path(href)[0] for href in results}
    assert found & {HTML_DIR / f"{f}.html" for f in TOC_FILES}, found


def test_chapter_4_answers_on_its_first_screen(book):
    """The headline figure and the start of the answer, both within 1280 x 900."""
    facts = book["first_screen"]
    assert facts["answer_top"] is not None, f"no paragraph of Chapter 4 starts with {CH4_ANSWER!r}"
    assert facts["figure_top"] is not None, "Chapter 4 has no figure fig-ch4-answer"
    assert facts["height"] == HEIGHT, facts
    assert 0 <= facts["figure_top"] < facts["figure_bottom"] <= facts["height"], facts
    # The answer's first line is on the screen.
    assert 0 <= facts["answer_top"] <= facts["height"] - 30, facts
    assert facts["screenshot"].stat().st_size > 10_000


def test_screenshot_of_every_page(book):
    for rel, page in book["pages"].items():
        png = page["screenshot"].read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", rel
        # A full-page capture, 1280 px wide and as tall as the page.
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (1280, max(page["scroll_height"], 900)), (rel, width, height)


SAMPLE_PAGE = r"""<!DOCTYPE html><html><head><title>Sample</title></head><body>
<main><article>
<h1>Sample</h1>
<section id="one"><h2>One</h2>
<p>Raw: <span class="math notranslate nohighlight">\(x^2\)</span> and $$y$$.</p>
<div class="cell_output"><div class="output stderr"><pre>UserWarning: careful</pre></div>
<div class="output stream"><pre>loss nan</pre></div>
<img src="missing.png"></div>
<img src="https://cdn.invalid/remote.png" alt="a remote image">
<figure><img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<figcaption><p><span class="caption-number">Fig. 7 </span>A caption.</p></figcaption></figure>
<p><a href="nowhere.html">gone</a> <a href="#two">to two</a> <span class="xref std std-numref">fig-x</span>
<span class="bibtex-citation">[Nobody, 2000]</span></p>
<pre>\(code is not math\)</pre>
<div class="highlight-default"><div class="highlight" style="padding: 1em"><pre> </pre>
<button class="copybtn"><svg><title>Copy to clipboard</title></svg></button></div></div>
<div class="cell_output"></div>
<div style="width: 2000px">wide</div>
</section></article></main></body></html>"""


def test_page_checks_find_what_they_look_for(tmp_path):
    """The live-DOM inspection flags raw math, broken images, stderr and overflow."""
    page = tmp_path / "sample.html"
    page.write_text(SAMPLE_PAGE, encoding="utf-8")
    driver = open_browser()
    try:
        facts = inspect_page(driver, page.as_uri())
        requests = network_requests(driver)
    finally:
        driver.quit()
    # The remote image was asked for, recorded, and not loaded: no network.
    assert requests == ["https://cdn.invalid/remote.png"]
    assert facts["title"] == "Sample" and facts["h1"] == ["Sample"]
    assert RAW_MATH.search(facts["text"]) and "code is not math" not in facts["text"]
    assert facts["math_total"] == 1 and facts["math_untypeset"] == ["\\(x^2\\)"]
    broken, remote, figure = facts["images"]
    assert remote["natural_width"] == 0
    assert broken["natural_width"] == 0 and broken["in_output"] and not broken["in_figure"]
    assert figure["natural_width"] == 1 and figure["caption_number"] == "Fig. 7"
    assert len(facts["error_boxes"]) == 1 and "UserWarning" in facts["error_boxes"][0]
    assert OUTPUT_TROUBLE.search(facts["output_text"]) and PLACEHOLDERS.search(facts["text"])
    assert facts["unresolved_xrefs"] == ["xref std std-numref: fig-x"]
    assert facts["unlinked_citations"] == ["[Nobody, 2000]"]
    assert facts["empty_boxes"] == ["div.highlight-default"]
    assert facts["section_ids"] == ["one"] and "one" in facts["ids"] and "two" not in facts["ids"]
    assert facts["scroll_width"] > facts["client_width"] == 1280
    assert any("width" not in o and o.startswith("div") for o in facts["overflowing"])
