"""Rendering a report to static HTML with jinja2 (templates in ``reports/templates``, shipped as package data).

Everything a page needs is inside it (CSS, a few lines of JavaScript, pictures as inline SVG), so the folder can be
opened from disk, archived as a CI artifact, or served by any static host.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import jinja2
from markupsafe import Markup, escape

from .model import anchor, failures_href

if TYPE_CHECKING:
    from .model import Counts


class Renderable(Protocol):
    """What the pages read of a report (``reports.report.Report``). Named here, not imported: ``Report.write_html``
    imports this module, and an import back would make the two one cycle."""

    title: str
    runs: Sequence[Any]
    suites: Sequence[Any]
    features: Sequence[Any]
    comparisons: Sequence[Any]
    coverage: Sequence[Any]

    @property
    def infos(self) -> list[dict[str, Any]]: ...

    def pages(self) -> list[Any]: ...

    def failure_lists(self) -> list[Any]: ...

#: Colours of outcomes (bars, badges) and of pass rates (cell backgrounds, from red at 0 to green at 1).
COLOURS = {"passed": "#3a9d4a", "failed": "#d0433a", "error": "#8b1e3f", "skipped": "#b8bcc2"}


def pct(rate: float | None) -> str:
    """``99.9%``; a rate below 1 never shows as 100%."""
    if rate is None:
        return "-"
    if rate < 1 and 100 * rate > 99.9:
        return ">99.9%"
    return f"{100 * rate:.1f}%"


def rate_colour(rate: float | None) -> str:
    """Cell background: green at 100%, yellow around 90%, red at 50% and below (steep, since 95% is bad)."""
    if rate is None:
        return "#f2f2f2"
    hue = 120 * max(0.0, (rate - 0.5) / 0.5) ** 3
    return f"hsl({hue:.0f}, 70%, {88 if rate == 1 else 80}%)"


def bar(counts: "Counts | None", width: int = 180, height: int = 12) -> Markup:
    """A stacked bar (passed, failed, errors, skipped) as inline SVG, with a tooltip."""
    if counts is None or counts.total == 0:
        return Markup(f'<svg class="bar" width="{width}" height="{height}" role="img" aria-label="not run">'
                      f'<rect width="{width}" height="{height}" fill="#eee"/></svg>')
    parts = [("passed", counts.passed), ("failed", counts.failed), ("error", counts.error),
             ("skipped", counts.skipped)]
    x = 0.0
    rects = []
    for name, n in parts:
        if not n:
            continue
        w = width * n / counts.total
        rects.append(f'<rect x="{x:.2f}" width="{max(w, 1):.2f}" height="{height}" fill="{COLOURS[name]}"/>')
        x += w
    label = ", ".join(f"{n} {name}" for name, n in parts if n)
    return Markup(f'<svg class="bar" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
                  f'<title>{escape(label)}</title>{"".join(rects)}</svg>')


def opcode_grid(cov: Any, columns: int = 32, cell: int = 11) -> Markup:
    """Every opcode of the universe as a square: green by how often it ran (log scale), red when never."""
    items = cov.instructions
    rows = math.ceil(len(items) / columns) if items else 1
    out = [f'<svg class="grid" width="{columns * cell}" height="{rows * cell}" role="img" '
           f'aria-label="opcode coverage of {escape(cov.name)}">']
    top = max(cov.executed.values(), default=1)
    for k, info in enumerate(items):
        n = cov.executed.get(info["name"], 0)
        if n:
            light = 75 - 45 * math.log1p(n) / math.log1p(top)
            fill = f"hsl(130, 55%, {light:.0f}%)"
        else:
            fill = "#e0524a"
        x, y = (k % columns) * cell, (k // columns) * cell
        out.append(f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{fill}">'
                   f'<title>{escape(info["name"])} ({escape(info["opcode"])}): {n} times</title></rect>')
    out.append("</svg>")
    return Markup("".join(out))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(pct=pct, rate_colour=rate_colour, bar=bar, opcode_grid=opcode_grid)
    env.globals["COLOURS"] = COLOURS
    env.globals["anchor"] = anchor
    env.globals["failures_href"] = failures_href
    return env


def write_html(report: Renderable, folder: Path) -> Path:
    """Write ``index.html``, ``files/*.html`` (one per file with failures), ``failures/*.html`` (the failing
    commands behind each matrix cell) and ``coverage.html``; returns the index."""
    env = _environment()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "files").mkdir(exist_ok=True)
    pages = report.pages()
    common = {"report": report, "runs": report.runs, "infos": report.infos}
    index = folder / "index.html"
    index.write_text(env.get_template("index.html.j2").render(**common, root="", pages=pages), encoding="utf-8")
    file_tpl = env.get_template("file.html.j2")
    for page in pages:
        (folder / "files" / f"{page.row.slug}.html").write_text(
            file_tpl.render(**common, root="../", page=page), encoding="utf-8")
    (folder / "failures").mkdir(exist_ok=True)
    failures_tpl = env.get_template("failures.html.j2")
    lists = report.failure_lists()
    for fl in lists:
        (folder / fl.href).write_text(failures_tpl.render(**common, root="../", fl=fl), encoding="utf-8")
    if report.coverage:
        (folder / "coverage.html").write_text(
            env.get_template("coverage.html.j2").render(**common, root=""), encoding="utf-8")
    return index
