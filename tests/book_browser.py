"""Open the rendered book in headless Chromium and report what a reader sees.

The driver is Selenium with Debian's `chromium` and `chromium-driver`: both
come from the same Debian package version, so the driver always matches the
browser, and the package registry that CI reaches has them. (Playwright would
need its own browser build, downloaded from a host outside the registries.)

`inspect_page` runs one script in the page after its scripts ran (MathJax
typeset, images decoded) and returns plain facts; the tests decide what is
wrong. The browser has no network: no host name resolves and Chromium's
network emulation is offline, and every request for an `http(s)` address is
recorded from the performance log.
"""

import base64
import json
import os
import shutil
from pathlib import Path

WIDTH, HEIGHT = 1280, 900
#: Seconds a page may take to load, typeset its math and decode its images.
PAGE_TIMEOUT = 60

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium():
    """Paths of the Chromium binary and its chromedriver, or a clear error.

    `$CHROMIUM` and `$CHROMEDRIVER` override the search of `$PATH`.
    """
    browser = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, CHROMIUM_NAMES) if p), None
    )
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        raise RuntimeError(
            "The browser checks need Chromium and its driver. Received: "
            f"chromium={browser!r}, chromedriver={driver!r}. Expected both on $PATH "
            "(Debian: `apt-get install chromium chromium-driver`; `make test-book` "
            "installs them when it runs as root) or named by $CHROMIUM and $CHROMEDRIVER."
        )
    return browser, driver


def open_browser():
    """A headless Chromium, 1280 px wide, with no network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start.
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTH},{HEIGHT}",
        "--force-device-scale-factor=1",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_network_conditions(offline=True, latency=0, throughput=0)
    driver.set_script_timeout(PAGE_TIMEOUT)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    return driver


def network_requests(driver):
    """The `http(s)` addresses requested since the last call (performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http://", "https://")):
                urls.append(url)
    return urls


# pydata-sphinx-theme logs this with console.error on a reader's first visit,
# before a light/dark choice is stored; it then uses "auto", as intended.
BENIGN_CONSOLE_ERRORS = ("Got invalid theme mode: . Resetting to auto.",)


def console_errors(driver):
    """Console messages of level SEVERE since the last call, less the benign."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e.get("level") == "SEVERE" and not any(b in e["message"] for b in BENIGN_CONSOLE_ERRORS)
    ]


# Waits for the load event, for MathJax's first typesetting when the page
# loads MathJax, and for every image to finish loading or fail.
_SETTLE = r"""
const done = arguments[arguments.length - 1];
function settle() {
  const images = [...document.images].map(img => {
    img.loading = "eager";
    return img.complete ? Promise.resolve() : new Promise(r => { img.onload = img.onerror = r; });
  });
  const mj = window.MathJax;
  const math = (mj && mj.startup && mj.startup.promise) ? mj.startup.promise : Promise.resolve();
  Promise.allSettled([math, ...images]).then(() => done(true));
}
if (document.readyState === "complete") settle(); else window.addEventListener("load", settle);
"""

# The facts of one page, from the live DOM.
INSPECT = r"""
const root = document.querySelector("main article") || document.querySelector("article")
  || document.body;
function visible(el) {
  if (!el) return false;
  const style = getComputedStyle(el);
  return style.visibility !== "hidden" && style.display !== "none"
    && (el.offsetWidth > 0 || el.offsetHeight > 0 || el.getClientRects().length > 0);
}
// Reader-visible text: no code (inputs, literal blocks), no rendered math, no
// scripts. Cell outputs are kept, even where they are preformatted.
const SKIP = "script, style, noscript, template, textarea, mjx-container, .cell_input, code";
function readerText(node) {
  const parts = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const p = n.parentElement;
    if (!p || p.closest(SKIP)) continue;
    if (p.closest("pre") && !p.closest(".cell_output")) continue;
    if (!visible(p)) continue;
    parts.push(n.nodeValue);
  }
  return parts.join(" ");
}
function describe(el) {
  let s = el.tagName.toLowerCase();
  if (el.id) s += "#" + el.id;
  if (el.className && typeof el.className === "string")
    s += "." + el.className.trim().split(/\s+/).slice(0, 3).join(".");
  return s;
}
const de = document.documentElement;
const overflowing = [];
if (de.scrollWidth > de.clientWidth) {
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    const parent = el.parentElement && el.parentElement.getBoundingClientRect();
    if (r.right > de.clientWidth + 1 && parent && parent.right <= de.clientWidth + 1
        && visible(el)) overflowing.push(describe(el) + " right=" + Math.round(r.right));
    if (overflowing.length >= 5) break;
  }
}
const maths = [...root.querySelectorAll(".math")];
const secondary = document.querySelector(".bd-sidebar-secondary");
const sectionIds = [...root.querySelectorAll("section[id] > h2")]
  .filter(visible).map(h => h.parentElement.id);
return {
  url: location.href,
  title: document.title,
  h1: [...root.querySelectorAll("h1")].map(h => h.textContent.trim()),
  text: readerText(root),
  output_text: [...root.querySelectorAll(".cell_output")].filter(visible)
    .map(readerText).join("\n"),
  math_total: maths.length,
  math_untypeset: maths.filter(m => !m.querySelector("mjx-container"))
    .map(m => m.textContent.trim().slice(0, 80)),
  math_errors: [...root.querySelectorAll("mjx-merror")].map(m => m.textContent.slice(0, 80)),
  mathjax: !!(window.MathJax && window.MathJax.version),
  images: [...root.querySelectorAll("img")].map(img => {
    const fig = img.closest("figure");
    const num = fig && fig.querySelector("figcaption .caption-number");
    return {src: img.currentSrc || img.src, natural_width: img.naturalWidth,
            visible: visible(img), in_output: !!img.closest(".cell_output"),
            in_figure: !!fig, caption_number: num ? num.textContent.trim() : "",
            caption: fig && fig.querySelector("figcaption")
              ? fig.querySelector("figcaption").textContent.trim().slice(0, 80) : ""};
  }),
  error_boxes: [...root.querySelectorAll(
      ".output.stderr, .output.traceback, .output.error, .cell_output .stderr")]
    .filter(visible).map(e => describe(e) + ": " + e.textContent.trim().slice(0, 120)),
  // A grey box with nothing in it: an empty code block or cell output (the
  // copy button that the theme puts in every code block does not count).
  empty_boxes: [...root.querySelectorAll("div.highlight, .cell_output")]
    .filter(e => visible(e) && e.getBoundingClientRect().height > 8)
    .filter(e => {
      const own = e.cloneNode(true);
      own.querySelectorAll("button").forEach(b => b.remove());
      return own.textContent.trim() === ""
        && !own.querySelector("img, svg, canvas, iframe, mjx-container");
    })
    .map(e => describe(e.parentElement || e)),
  links: [...document.querySelectorAll("a[href]")].map(a => ({
    href: a.href, raw: a.getAttribute("href"), text: a.textContent.trim().slice(0, 60),
    classes: a.className || "", in_article: root.contains(a),
    numref: !!a.querySelector(".std-numref"),
    // sphinxcontrib-bibtex wraps each citation in span.bibtex-citation.
    citation: !!a.closest(".bibtex-citation"),
  })),
  unlinked_citations: [...root.querySelectorAll(".bibtex-citation")]
    .filter(c => !c.querySelector("a[href]")).map(c => c.textContent.trim().slice(0, 60)),
  ids: [...document.querySelectorAll("[id]")].map(e => e.id)
    .concat([...document.querySelectorAll("a[name]")].map(a => a.name)),
  bibliography_ids: [...document.querySelectorAll(
      "[role=doc-biblioentry], .citation, div.citation, dl.citation > dt")]
    .flatMap(e => [e.id, ...[...e.querySelectorAll("[id]")].map(c => c.id)]).filter(Boolean),
  unresolved_xrefs: [...root.querySelectorAll(".xref")].filter(e => !e.closest("a"))
    .map(e => e.className + ": " + e.textContent.trim().slice(0, 60)),
  toc_links: [...document.querySelectorAll(".bd-docs-nav a[href]")].map(a => a.href),
  page_toc_links: secondary
    ? [...secondary.querySelectorAll("nav a[href]")].map(a => a.getAttribute("href")) : [],
  page_toc_visible: visible(secondary),
  section_ids: sectionIds,
  scroll_width: de.scrollWidth,
  client_width: de.clientWidth,
  overflowing: overflowing,
  scroll_height: Math.max(de.scrollHeight, document.body.scrollHeight),
};
"""


def inspect_page(driver, url):
    """Load `url`, wait until it settled and return the facts of `INSPECT`."""
    driver.get(url)
    driver.execute_async_script(_SETTLE)
    return driver.execute_script(INSPECT)


def screenshot(driver, path, height):
    """Save a full-page PNG of the current page (`height` in CSS pixels).

    The viewport is stretched to the page's height for the capture, so the
    page is laid out at 1280 px as a reader sees it, only taller; fixed and
    sticky parts (header, sidebars) appear once, at the top.
    """
    height = max(int(height), HEIGHT)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
