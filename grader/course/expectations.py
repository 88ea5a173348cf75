"""The ``[expect.<folder>]`` tables of ``examples/submissions/<id>/examples.toml``: what grading each
example submission must give, read against one typed vocabulary and checked against a results document.

A *selector* names result rows: ``"test_x"`` every case of ``test_x``, ``"test_x[p]"`` only the case
``p``, ``"test_x*"`` every test whose name starts with ``test_x``. A selector that matches no row is
itself a violation (a renamed test must not turn a rule into one that checks nothing).

Rules (all optional; an unknown key or a value of the wrong type is an error naming the table):

=================  ==========  ===========================================================================
``status``         str         the submission's status (default ``"graded"``, with no ``error``)
``full_marks``     bool        every test passes with its full points (a case skipped for lack of a CUDA
                               device aside); score + the skipped cases' points = max_score
``score``          number      the exact score
``score_above``    number      score > this
``score_below``    number      score < this
``lose``           [selector]  every case that ran did not pass and earned 0; at least one case ran
``lose_functions`` [str]       every case that exercised one of these student functions (the result's
                               ``functions``, module prefix ignored) earned 0; there is one such case
``costs_at_least`` [selector]  score <= max_score - the points of these cases (whichever tests lose them)
``keep``           [selector]  every case passed (or was skipped for lack of a CUDA device)
``failing``        [selector]  exactly these tests do not pass (and earn 0); every other passes, full points
``passing``        [selector]  exactly these tests pass, full points; every other does not pass and earns 0
``statuses``       [str]       every case's status is one of these
``findings``       [str]       each string occurs in one of the findings (static or run-time); ``[]``: none
``[[message]]``    table       ``test`` (selector; default every test), ``contains`` ([str], all of them
                               in one message), ``any_of`` ([str], one of them in that same message),
                               ``every`` (bool: every selected case must match, not just one),
                               ``ignore_case`` (bool), ``status`` ([str]: allowed statuses of the
                               selected cases). Selected: the cases that did not pass and earned 0;
                               there must be at least one.
=================  ==========  ===========================================================================

A skip is accepted (by ``full_marks``, ``keep``, ``failing``, ``passing``) only as the grader's own
skip of a ``cuda`` case on a machine without a CUDA device; any other skip is a violation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMBER = (int, float)
RULES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "status": (str, "str"), "full_marks": (bool, "bool"), "score": (NUMBER, "number"),
    "score_above": (NUMBER, "number"), "score_below": (NUMBER, "number"),
    "lose": (list, "[str]"), "lose_functions": (list, "[str]"), "costs_at_least": (list, "[str]"),
    "keep": (list, "[str]"), "failing": (list, "[str]"), "passing": (list, "[str]"),
    "statuses": (list, "[str]"), "findings": (list, "[str]"), "message": (list, "[[table]]"),
}
MESSAGE_KEYS: dict[str, tuple[type, str]] = {
    "test": (str, "str"), "contains": (list, "[str]"), "any_of": (list, "[str]"), "every": (bool, "bool"),
    "ignore_case": (bool, "bool"), "status": (list, "[str]"),
}
SCORE_TOL = 1e-3        # scores are rounded to 4 decimals in the results document


class ExpectationError(ValueError):
    """A malformed ``[expect.*]`` table."""


@dataclass
class MessageRule:
    test: str | None = None
    contains: list[str] = field(default_factory=list)
    any_of: list[str] = field(default_factory=list)
    every: bool = False
    ignore_case: bool = False
    status: list[str] | None = None


@dataclass
class Expectation:
    folder: str
    status: str = "graded"
    full_marks: bool = False
    score: float | None = None
    score_above: float | None = None
    score_below: float | None = None
    lose: list[str] = field(default_factory=list)
    lose_functions: list[str] = field(default_factory=list)
    costs_at_least: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    failing: list[str] | None = None
    passing: list[str] | None = None
    statuses: list[str] | None = None
    findings: list[str] | None = None
    message: list[MessageRule] = field(default_factory=list)


def _str_list(value: list, where: str) -> list[str]:
    if not all(isinstance(v, str) for v in value):
        raise ExpectationError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def parse_expectation(folder: str, table: Any, where: str = "examples.toml") -> Expectation:
    """One ``[expect.<folder>]`` table -> an :class:`Expectation`; raises ExpectationError naming it."""
    here = f"{where} [expect.{folder}]"
    if not isinstance(table, dict):
        raise ExpectationError(f"{here}: expected a table")
    exp = Expectation(folder)
    for key, value in table.items():
        if key not in RULES:
            raise ExpectationError(f"{here}: unknown rule {key!r} (known: {', '.join(RULES)})")
        typ, shown = RULES[key]
        if not isinstance(value, typ) or (typ is NUMBER and isinstance(value, bool)):
            raise ExpectationError(f"{here}: {key} must be {shown}, got {value!r}")
        if isinstance(value, list) and key == "message":
            exp.message = [_parse_message(m, f"{here} message #{i + 1}") for i, m in enumerate(value)]
        elif isinstance(value, list):
            setattr(exp, key, _str_list(value, f"{here} {key}"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            setattr(exp, key, float(value))
        else:
            setattr(exp, key, value)
    return exp


def _parse_message(table: Any, here: str) -> MessageRule:
    if not isinstance(table, dict):
        raise ExpectationError(f"{here}: expected a table")
    rule = MessageRule()
    for key, value in table.items():
        if key not in MESSAGE_KEYS:
            raise ExpectationError(f"{here}: unknown key {key!r} (known: {', '.join(MESSAGE_KEYS)})")
        typ, shown = MESSAGE_KEYS[key]
        if not isinstance(value, typ):
            raise ExpectationError(f"{here}: {key} must be {shown}, got {value!r}")
        setattr(rule, key, _str_list(value, f"{here} {key}") if isinstance(value, list) else value)
    if not rule.contains and not rule.any_of:
        raise ExpectationError(f"{here}: needs contains or any_of")
    return rule


def parse_expectations(spec: dict, where: str = "examples.toml") -> dict[str, Expectation]:
    """The ``expect`` section of a parsed examples.toml: folder -> Expectation."""
    section = spec.get("expect", {})
    if not isinstance(section, dict):
        raise ExpectationError(f"{where}: expect must be a table of tables")
    return {folder: parse_expectation(folder, table, where) for folder, table in section.items()}


# ----------------------------------------------------------------------------- checking

def _base(row: dict) -> str:
    return row["name"].split("[")[0]


def _case(row: dict) -> str:
    return row["id"].split("::")[-1]


def select(rows: list[dict], selector: str) -> list[dict]:
    """The rows a selector names (see the module docstring)."""
    if selector.endswith("*"):
        return [r for r in rows if _base(r).startswith(selector[:-1])]
    if "[" in selector:
        return [r for r in rows if _case(r) == selector]
    return [r for r in rows if _base(r) == selector]


def cuda_skip(row: dict) -> bool:
    """The grader's own skip of a cuda case on a machine without a CUDA device."""
    return row["status"] == "skipped" and "[cuda" in row["id"] and "no CUDA device" in (row.get("message") or "")


def _show(row: dict) -> str:
    return f"{row['id']} ({row['status']}, {row['points']:g}/{row['max_points']:g}): {(row.get('message') or '')[:200]!r}"


def _earns_nothing(row: dict) -> bool:
    return row["status"] not in ("pass", "skipped") and row["points"] == 0


def _full(row: dict) -> bool:
    return row["status"] == "pass" and abs(row["points"] - row["max_points"]) <= SCORE_TOL


def check(exp: Expectation, sub: dict) -> list[str]:
    """Every way ``sub`` (one submission of a results document) breaks ``exp``; [] when it meets it.

    Each violation reads ``<folder>: <rule>: <what happened>``.
    """
    out: list[str] = []

    def bad(rule: str, what: str) -> None:
        out.append(f"{exp.folder}: {rule}: {what}")

    rows: list[dict] = sub.get("tests") or []
    score = float(sub.get("score") or 0.0)
    if sub.get("status") != exp.status:
        bad("status", f"expected {exp.status!r}, got {sub.get('status')!r} ({sub.get('error')})")
    elif exp.status == "graded" and sub.get("error"):
        bad("status", f"graded with an error: {sub.get('error')}")

    def selected(rule: str, selector: str) -> list[dict]:
        found = select(rows, selector)
        if not found:
            bad(rule, f"no result for {selector}")
        return found

    if exp.full_marks:
        skipped = 0.0
        for r in rows:
            if cuda_skip(r):
                skipped += r["max_points"]
            elif not _full(r):
                bad("full_marks", _show(r))
        if abs(score + skipped - float(sub.get("max_score") or 0)) > SCORE_TOL:
            bad("full_marks", f"score {score:g} + skipped {skipped:g} != max_score {sub.get('max_score')}")
    if exp.score is not None and abs(score - exp.score) > SCORE_TOL:
        bad("score", f"expected {exp.score:g}, got {score:g}")
    if exp.score_above is not None and not score > exp.score_above:
        bad("score_above", f"expected > {exp.score_above:g}, got {score:g}")
    if exp.score_below is not None and not score < exp.score_below:
        bad("score_below", f"expected < {exp.score_below:g}, got {score:g}")
    for sel in exp.lose:
        found = selected("lose", sel)
        ran = [r for r in found if r["status"] != "skipped"]
        if found and not ran:
            bad("lose", f"every case of {sel} was skipped")
        for r in ran:
            if not _earns_nothing(r):
                bad("lose", f"{sel} should earn nothing: {_show(r)}")
    for fn in exp.lose_functions:
        used = [r for r in rows if any(f.rsplit(".", 1)[-1] == fn for f in r.get("functions") or [])]
        if not used:
            bad("lose_functions", f"no test exercised {fn}")
        for r in used:
            if r["points"] != 0 or r["status"] == "pass":
                bad("lose_functions", f"{fn} was exercised, the case should earn nothing: {_show(r)}")
    if exp.costs_at_least:
        worth = sum(r["max_points"] for sel in exp.costs_at_least for r in selected("costs_at_least", sel))
        limit = float(sub.get("max_score") or 0) - worth
        if score > limit + SCORE_TOL:
            bad("costs_at_least", f"score {score:g} > {limit:g} (max_score - the {worth:g} points of "
                f"{exp.costs_at_least})")
    for sel in exp.keep:
        for r in selected("keep", sel):
            if r["status"] != "pass" and not cuda_skip(r):
                bad("keep", f"{sel} should pass: {_show(r)}")
    for rule, names, listed_pass in (("failing", exp.failing, False), ("passing", exp.passing, True)):
        if names is None:
            continue
        listed: set[str] = set()
        for sel in names:
            listed |= {r["id"] for r in selected(rule, sel)}
        for r in rows:
            want_pass = (r["id"] in listed) == listed_pass
            if cuda_skip(r):
                continue
            if want_pass and not _full(r):
                bad(rule, f"should pass with full points: {_show(r)}")
            elif not want_pass and not _earns_nothing(r):
                bad(rule, f"should earn nothing: {_show(r)}")
    if exp.statuses is not None:
        for r in rows:
            if r["status"] not in exp.statuses:
                bad("statuses", f"status not in {exp.statuses}: {_show(r)}")
    if exp.findings is not None:
        found_all = list(sub.get("static_findings") or []) + list(sub.get("findings") or [])
        if not exp.findings and found_all:
            bad("findings", f"expected none, got {found_all}")
        for want in exp.findings:
            if not any(want in f for f in found_all):
                bad("findings", f"no finding mentions {want!r}: {found_all}")
    for i, m in enumerate(exp.message):
        _check_message(m, rows, lambda what, i=i: bad(f"message #{i + 1}", what))
    return out


def _check_message(m: MessageRule, rows: list[dict], bad) -> None:
    pool = select(rows, m.test) if m.test else rows
    if m.test and not pool:
        bad(f"no result for {m.test}")
        return
    chosen = [r for r in pool if _earns_nothing(r)]
    where = m.test or "any test"
    if not chosen:
        bad(f"no case of {where} failed")
        return
    if m.status is not None:
        for r in chosen:
            if r["status"] not in m.status:
                bad(f"status not in {m.status}: {_show(r)}")

    def fold(s: str) -> str:
        return s.lower() if m.ignore_case else s

    def matches(r: dict) -> bool:
        text = fold(r.get("message") or "")
        return all(fold(w) in text for w in m.contains) and (not m.any_of or any(fold(w) in text for w in m.any_of))

    ok = [r for r in chosen if matches(r)]
    want = f"contains {m.contains}" + (f" and one of {m.any_of}" if m.any_of else "")
    if m.every and len(ok) != len(chosen):
        bad(f"every failure of {where} should say: {want}; these do not: "
            + "; ".join(_show(r) for r in chosen if not matches(r)))
    elif not ok:
        bad(f"no failure message of {where} {want}: " + " | ".join(_show(r) for r in chosen))
