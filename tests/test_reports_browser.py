"""The HTML report in a real headless browser (Debian's chromium): the page loads, the matrix shows the numbers of
the results files, and a drill-down link opens its command.

Built from real oracle results of a few ``wasm-2.0`` files (with coverage) plus two runs of a made-up engine (its
results derived from the oracle's with some commands failing), so the report has a matrix of two engines, a
comparison over time and drill-down pages; and a report of three engines side by side (``--by-engine``, each
made-up engine's results in two files), whose matrix cells link to their failing commands. Skipped without chromium (``.ci/run`` installs it) or the suite.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wast_runner.cli import main
from wast_runner.suites import find_suite, manifests

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

FILES = ("i32.wast", "br_table.wast", "simd_lane.wast", "memory_grow.wast")


def browser(tmp: Path, url: str, *args: str) -> str:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Elements(HTMLParser):
    """Every element's tag, attributes and the text directly inside it (enough to read cells and links)."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[dict] = []
        self._stack: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(el)
        if tag not in ("br", "img", "meta", "input", "rect", "i"):
            self._stack.append(el)

    def handle_endtag(self, tag):
        if any(e["tag"] == tag for e in self._stack):   # (end tags of void elements close nothing)
            while self._stack.pop()["tag"] != tag:
                pass

    def handle_data(self, data):
        for el in self._stack:
            el["text"] += data

    def find(self, tag: str, **attrs: str) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag
                and all(e["attrs"].get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]


def counts(path: Path) -> dict[str, int]:
    out = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    for line in path.read_text().splitlines():
        out[json.loads(line)["outcome"]] += 1
    return out


def fake_engine(oracle: Path, out: Path, version: str, every: int) -> None:
    """The oracle's records as a made-up engine's, failing every ``every``-th assert_return of i32.wast and with
    one error in simd_lane.wast."""
    lines = []
    n = simd = 0
    for line in oracle.read_text().splitlines():
        r = json.loads(line)
        r["engine"], r["engine_version"] = "fakewasm", version
        if r["file"] == "i32.wast" and r["kind"] == "assert_return":
            n += 1
            if n % every == 0:
                r["outcome"] = "failed"
                r["actual"] = [{"type": "i32", "value": "12345"}]
                r["detail"] = "result 0: made-up mismatch; got i32:12345"
        if r["file"] == "simd_lane.wast" and r["kind"] == "assert_return":
            simd += 1
            if simd == 1:
                r["outcome"], r["detail"] = "error", "exception in the engine: RuntimeError: made up"
        lines.append(json.dumps(r))
    out.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    m = manifests()["wasm-2.0"]
    root = find_suite(m)
    if root is None:
        pytest.skip("the wasm-2.0 suite is not here (set WAST_TESTSUITE_PATH)")
    tmp = tmp_path_factory.mktemp("report")
    oracle, cov = tmp / "oracle.jsonl", tmp / "coverage.json"
    status = main(["run", *(str(root / f) for f in FILES), "-q", "--results", str(oracle), "--coverage", str(cov),
                   "--cache", str(tmp / "cache")])
    assert status == 0
    old, new = tmp / "fake-1.0.jsonl", tmp / "fake-1.1.jsonl"
    fake_engine(oracle, old, "1.0", 7)
    fake_engine(oracle, new, "1.1", 5)
    html = tmp / "html"
    assert main(["report", str(oracle), str(old), str(new), "--html", str(html), "--coverage", str(cov)]) == 0
    return tmp, html, [oracle, old, new]


def test_matrix_shows_the_results_numbers(report):
    tmp, html, results = report
    dom = Elements(browser(tmp, (html / "index.html").as_uri(), "--dump-dom"))
    [row] = dom.find("tr", class_="suite-row", data_suite="wasm-2.0")
    cells = [e for e in dom.elements if e["tag"] == "td" and e["attrs"].get("class") == "cell"
             and e in dom.elements[dom.elements.index(row):dom.elements.index(row) + 40]][:3]
    assert len(cells) == 3
    for cell, path in zip(cells, results):
        want = counts(path)
        got = {k: int(cell["attrs"][f"data-{k}"]) for k in want}
        assert got == want
        judged = want["passed"] + want["failed"] + want["error"]
        assert f"{want['passed']} / {judged} passed" in " ".join(cell["text"].split())
    # the oracle passes everything; the made-up engine does not
    assert counts(results[0])["failed"] == 0 and counts(results[2])["failed"] > 0
    # per-file rows and the feature rollup are there too
    assert dom.find("tr", class_="file-row", data_suite="wasm-2.0", data_file="i32.wast")
    assert {e["attrs"]["data-feature"] for e in dom.find("tr", class_="feature-row")} == {"2.0 core", "SIMD"}


def test_drill_down_link_opens_its_command(report):
    tmp, html, _ = report
    dom = Elements(browser(tmp, (html / "index.html").as_uri(), "--dump-dom"))
    links = [e["attrs"]["href"] for e in dom.find("a") if "#L" in e["attrs"].get("href", "")]
    assert links, "the comparison of fakewasm 1.0 -> 1.1 lists regressed commands with links"
    href = links[0]
    page, anchor = href.split("#")
    assert (html / page).is_file()
    dom = Elements(browser(tmp, (html / page).as_uri() + "#" + anchor, "--dump-dom"))
    [cmd] = dom.find("details", id=anchor)
    assert "open" in cmd["attrs"] and "target" in cmd["attrs"]["class"].split()
    text = " ".join(cmd["text"].split())
    assert "expected" in text and "oracle" in text and "fakewasm 1.1" in text
    assert "made-up mismatch" in text and "i32:12345" in text
    line = anchor.split("-")[0][1:]
    assert re.search(rf"\b{line}\s*\(assert_return", text)   # the command's source line from the .wast
    # the other commands stay folded
    assert sum("open" in d["attrs"] for d in dom.find("details", class_="cmd")) == 0


def test_coverage_page_and_screenshot(report):
    tmp, html, _ = report
    dom = Elements(browser(tmp, (html / "coverage.html").as_uri(), "--dump-dom"))
    [section] = dom.find("section", class_="coverage")
    executed = int(dom.find("span", class_="executed-count")[0]["text"])
    doc = json.loads((tmp / "coverage.json").read_text())
    assert executed == len(doc["suites"]["wasm-2.0"]["total"]["ops"])
    never = dom.find("ul", class_="ops never-executed")
    assert never and "f32.add" in " ".join(e["text"] for e in never)    # these four files never add floats
    shot = tmp / "index.png"
    browser(tmp, (html / "index.html").as_uri(), "--window-size=1200,900", f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000


@pytest.fixture(scope="module")
def engines_report(report):
    """Three engines side by side, as the conformance matrix has them: the oracle, and two made-up engines whose
    results each come as two files (one per pair of suite files, joined by ``--by-engine``)."""
    tmp, _, (oracle, _, _) = report
    files = [str(oracle)]
    for name, every in (("alpha", 4), ("beta", 6)):
        whole = tmp / f"{name}.jsonl"
        fake_engine(oracle, whole, "2.0", every)
        lines = [json.loads(x) for x in whole.read_text().splitlines()]
        for part, names in (("a", FILES[:2]), ("b", FILES[2:])):
            path = tmp / f"{name}-{part}.jsonl"
            path.write_text("".join(json.dumps({**r, "engine": name}) + "\n" for r in lines if r["file"] in names))
            files.append(str(path))
    html = tmp / "engines-html"
    assert main(["report", *files, "--by-engine", "--html", str(html)]) == 0
    return tmp, html


def test_several_engines_side_by_side(engines_report):
    tmp, html = engines_report
    dom = Elements(browser(tmp, (html / "index.html").as_uri(), "--dump-dom"))
    [matrix] = dom.find("table", class_="matrix")
    start = dom.elements.index(matrix)
    heads = [" ".join(e["text"].split()) for e in dom.elements[start:start + 12] if e["tag"] == "th"]
    assert heads[:4] == ["suite", "oracle 0.1.0", "alpha 2.0", "beta 2.0"]
    [row] = dom.find("tr", class_="suite-row", data_suite="wasm-2.0")
    i = dom.elements.index(row)
    cells = [e for e in dom.elements[i:i + 60] if e["tag"] == "td" and "cell" in e["attrs"].get("class", "")][:3]
    assert [c["attrs"]["data-run"] for c in cells] == ["0", "1", "2"]
    assert int(cells[0]["attrs"]["data-failed"]) == 0 and int(cells[1]["attrs"]["data-failed"]) > 0
    # alpha fails every 4th assert_return of i32.wast, beta every 6th: alpha fails more
    assert int(cells[1]["attrs"]["data-failed"]) > int(cells[2]["attrs"]["data-failed"])
    # The alpha cell links to its failing commands; that page links each to the drill-down, which shows every
    # engine's result side by side.
    link = next(e for e in dom.elements[i:i + 80] if e["tag"] == "a" and "failures" in e["attrs"].get("class", "")
                and e["attrs"]["href"].startswith("failures/1-suite-"))
    failures = Elements(browser(tmp, (html / link["attrs"]["href"]).as_uri(), "--dump-dom"))
    [h1] = failures.find("h1", class_="failure-list")
    assert int(h1["attrs"]["data-total"]) == int(cells[1]["attrs"]["data-failed"]) + int(cells[1]["attrs"]["data-error"])
    href = next(e["attrs"]["href"] for e in failures.find("a") if "#L" in e["attrs"].get("href", ""))
    page, anchor = href.split("#")
    target = (html / "failures" / page).resolve()
    dom = Elements(browser(tmp, target.as_uri() + "#" + anchor, "--dump-dom"))
    [cmd] = dom.find("details", id=anchor)
    assert "open" in cmd["attrs"]
    text = " ".join(cmd["text"].split())
    assert "oracle 0.1.0" in text and "alpha 2.0: failed" in text and "beta 2.0" in text
