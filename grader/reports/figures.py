"""Figures in test results: sanitizing them in the grading process and drawing them as SVG.

A hidden test attaches a figure with the plugin's ``figure`` fixture, e.g. the student's
training-cost curve beside the reference's. The figure is stored in the test's result entry
under ``"figures"`` as plain JSON::

    {"title": str, "xlabel": str, "ylabel": str,
     "x": [float | null, ...] | null,            # null: point i is drawn at x = i
     "series": [{"label": str, "values": [float | null, ...]}, ...]}

``series`` is a list (JSON objects lose nothing, but a list keeps the order explicit and
lets two series share a label). ``null`` marks a value that was not a finite number: the
line has a gap there.

The values come from decoded student outputs, so :func:`sanitize_figure` trusts no type:
at most :data:`MAX_SERIES` series of at most :data:`MAX_POINTS` points each, every value a
real number converted with ``float()`` (anything else, NaN and infinities become ``null``),
every text a ``str`` of at most :data:`MAX_TEXT` printable characters.

:func:`render_svg` draws one figure as a small self-contained SVG line chart (no plotting
library): title, axes with 3-5 ticks each, one ``<polyline>`` per unbroken run of each
series (so one per series when it has no gaps), single points between gaps as dots, and a
legend. Every text is escaped with :func:`html.escape`; the result is well-formed XML and can
be inlined in HTML or written to a ``.svg`` file.
"""
from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping

MAX_SERIES = 4
MAX_POINTS = 1000
MAX_TEXT = 200
MAX_FIGURES_PER_TEST = 8

WIDTH, HEIGHT = 560, 320
_MARGIN = {"left": 64, "right": 16, "top": 34, "bottom": 50}
_COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#8250df")
_DASHES = ("", "6 4", "2 3", "8 3 2 3")  # also tells the series apart without colour


# ----------------------------------------------------------------------------- sanitizing

def clean_text(value, limit: int = MAX_TEXT) -> str:
    """``str(value)`` with control and other non-printable characters dropped, cut to ``limit``."""
    if value is None:
        return ""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 (a value from a test: its __str__ may raise anything; it becomes no text)
        return ""
    return "".join(ch if ch.isprintable() else " " for ch in text[: limit * 2])[:limit]


def clean_number(value) -> float | None:
    """A finite float, or None for anything else (NaN, inf, strings, arrays, unknown objects)."""
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, numbers.Real):  # int, float and numpy's real scalars; never str
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _values(values, limit: int = MAX_POINTS) -> list:
    """At most ``limit`` cleaned numbers from a list, tuple, range or numpy array; [] otherwise."""
    if isinstance(values, (list, tuple, range)):
        items = list(values[:limit])
    elif type(values).__module__ == "numpy" and type(values).__name__ == "ndarray":
        try:
            items = values.ravel()[:limit].tolist()
        except Exception:  # noqa: BLE001 (an array-like from a test that cannot be read is drawn as nothing)
            items = []
    else:
        items = []
    return [clean_number(v) for v in items]


def sanitize_figure(title, series, xlabel="", ylabel="", x=None) -> dict:
    """The JSON form of one figure (see the module docstring), whatever the arguments hold.

    ``series`` is a mapping label -> list of numbers (or, as stored, a list of
    ``{"label", "values"}``); anything else gives a figure without series. Extra series and
    points beyond the caps are dropped.
    """
    pairs = []
    if isinstance(series, Mapping):
        pairs = list(series.items())[:MAX_SERIES]
    elif isinstance(series, (list, tuple)):
        for s in series[:MAX_SERIES]:
            if isinstance(s, Mapping):
                pairs.append((s.get("label", ""), s.get("values")))
    xs = _values(x) if x is not None else None
    return {
        "title": clean_text(title),
        "xlabel": clean_text(xlabel),
        "ylabel": clean_text(ylabel),
        "x": xs,
        "series": [{"label": clean_text(label), "values": _values(values)} for label, values in pairs],
    }


def normalize(fig) -> dict | None:
    """A stored figure (e.g. read back from a gradebook) sanitized again; None if it is no figure."""
    if not isinstance(fig, Mapping):
        return None
    return sanitize_figure(fig.get("title", ""), fig.get("series"), fig.get("xlabel", ""), fig.get("ylabel", ""),
                           fig.get("x"))


# ----------------------------------------------------------------------------- axes

def _nice_ticks(lo: float, hi: float) -> list[float]:
    """3-5 evenly spaced round ticks (steps 1, 2 or 5 x 10^k) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        pad = abs(lo) * 0.1 if lo else 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    exp = math.floor(math.log10(span / 4))
    for k in range(exp - 1, exp + 3):
        for m in (1, 2, 5):
            step = m * 10.0 ** k
            first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
            if 2 <= last - first <= 4:
                return [(first + i) * step for i in range(last - first + 1)]
    step = span / 4  # not reached for finite spans; a safe fallback
    return [lo + i * step for i in range(5)]


def tick_label(value: float, digits: int = 2) -> str:
    """A short label with ``digits`` significant digits: 0.05, 1500, 2.5e+06."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    r = float(f"{value:.{digits}g}")
    if 1e-4 <= abs(r) < 1e6:
        text = f"{r:.{max(digits, 1) + 6}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{r:.{max(digits - 1, 0)}e}"


def _labels(ticks: list[float]) -> list[str]:
    """Tick labels with 2 significant digits, more only where two ticks would read the same."""
    for digits in range(2, 7):
        labels = [tick_label(t, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            return labels
    return labels


# ----------------------------------------------------------------------------- drawing

def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def render_svg(fig, width: int = WIDTH, height: int = HEIGHT) -> str:
    """One figure as an SVG line chart (a string holding one ``<svg>`` element)."""
    fig = normalize(fig) or sanitize_figure("", {})
    e = lambda s: html.escape(s, quote=True)  # noqa: E731
    series = fig["series"]
    xs = fig["x"]

    def x_of(i):
        if xs is None:
            return float(i)
        return xs[i] if i < len(xs) else None

    pts = []  # per series: [(x, y) | None]
    for s in series:
        row = []
        for i, y in enumerate(s["values"]):
            xv = x_of(i)
            row.append((xv, y) if xv is not None and y is not None else None)
        pts.append(row)
    all_x = [p[0] for row in pts for p in row if p]
    all_y = [p[1] for row in pts for p in row if p]
    xt = _nice_ticks(min(all_x), max(all_x)) if all_x else _nice_ticks(0.0, 1.0)
    yt = _nice_ticks(min(all_y), max(all_y)) if all_y else _nice_ticks(0.0, 1.0)
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]
    left, right = _MARGIN["left"], width - _MARGIN["right"]
    top, bottom = _MARGIN["top"], height - _MARGIN["bottom"]

    def px(v):
        return left + (v - x0) / (x1 - x0) * (right - left)

    def py(v):
        return bottom - (v - y0) / (y1 - y0) * (bottom - top)

    title = fig["title"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title or "figure")}" '
           f'font-family="system-ui, sans-serif" font-size="11">',
           f"<title>{e(title or 'figure')}</title>",
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    if title:
        out.append(f'<text class="title" x="{width / 2:g}" y="20" text-anchor="middle" font-size="13" '
                   f'font-weight="bold">{e(title)}</text>')
    # grid, ticks and labels
    for v, label in zip(yt, _labels(yt)):
        y = _fmt(py(v))
        out.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#e5e5e5"/>')
        out.append(f'<text class="tick-y" x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                   f'{e(label)}</text>')
    for v, label in zip(xt, _labels(xt)):
        x = _fmt(px(v))
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="#333333"/>')
        out.append(f'<text class="tick-x" x="{x}" y="{bottom + 17}" text-anchor="middle">{e(label)}</text>')
    out.append(f'<path class="axes" d="M{left},{top} V{bottom} H{right}" fill="none" stroke="#333333"/>')
    if fig["xlabel"]:
        out.append(f'<text x="{(left + right) / 2:g}" y="{height - 10}" text-anchor="middle">{e(fig["xlabel"])}</text>')
    if fig["ylabel"]:
        cy = (top + bottom) / 2
        out.append(f'<text x="14" y="{cy:g}" text-anchor="middle" transform="rotate(-90 14 {cy:g})">'
                   f'{e(fig["ylabel"])}</text>')
    # one group per series: a polyline per unbroken run, a dot for a lone point
    for k, (s, row) in enumerate(zip(series, pts)):
        colour, dash = _COLOURS[k % len(_COLOURS)], _DASHES[k % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-label="{e(s["label"])}">')
        runs: list[list] = []
        run: list = []
        for p in row + [None]:
            if p is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(p)
        for run in runs:
            if len(run) == 1:
                out.append(f'<circle cx="{_fmt(px(run[0][0]))}" cy="{_fmt(py(run[0][1]))}" r="2.5" '
                           f'fill="{colour}"/>')
            else:
                coords = " ".join(f"{_fmt(px(a))},{_fmt(py(b))}" for a, b in run)
                out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                           f'{dash_attr}/>')
        out.append("</g>")
    # legend (top right, inside the plot)
    if series:
        lx, ly = right - 146, top + 10
        out.append('<g class="legend">')
        out.append(f'<rect x="{lx - 6}" y="{ly - 9}" width="150" height="{16 * len(series) + 2}" fill="#ffffff" '
                   f'fill-opacity="0.85" stroke="#cccccc"/>')
        for k, s in enumerate(series):
            colour, dash = _COLOURS[k % len(_COLOURS)], _DASHES[k % len(_DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            y = ly + 16 * k
            label = s["label"] if len(s["label"]) <= 22 else s["label"][:21] + "…"
            out.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 22}" y2="{y}" stroke="{colour}" stroke-width="2"'
                       f'{dash_attr}/>')
            out.append(f'<text class="legend-label" x="{lx + 28}" y="{y}" dominant-baseline="middle">'
                       f'{e(label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
