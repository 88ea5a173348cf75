"""Similar submissions: MOSS-style winnowing over normalised AST tokens.

A submission (one or more Python files) is parsed with :mod:`ast` and flattened, in source
order, into a stream of tokens that keeps the *structure* of the code and drops what a
copier changes to hide a copy:

- names the student chose (variables, parameters, functions, classes, ``self.`` attributes)
  all become ``V``; names of builtins and imported modules stay (``numpy`` for ``np``, so the
  import alias does not matter either), as do attribute names of library calls (``.sum``, ``.T``);
- literals become ``NUM`` / ``STR`` (``True``, ``False``, ``None`` stay);
- comments, docstrings, blank lines and formatting never reach the AST.

Every run of :data:`K` consecutive tokens (a k-gram) is hashed; *winnowing* (Schleimer,
Wilkerson, Aiken 2003) keeps the smallest hash of every window of :data:`W` consecutive
k-grams, so any match of at least ``K + W - 1`` tokens is certain to share a fingerprint,
while moving a function elsewhere in the file (or renaming it) changes only the k-grams that
straddle its ends. Fingerprints that the course's stub and provided files also have are
dropped (what the stub gives is no evidence of copying); code that many students wrote alike
is not dropped (beyond :data:`DENSE_MAX_PROGRAMS` programs, for speed, fingerprints that more
than 50 share are: :func:`common_cutoff`), the threshold keeps it from flagging: independently
written solutions share at most about a third of their fingerprints (benchmarks/bench_similarity.py).

Programs whose fingerprint sets are identical after all this are *groups* (copies that
differ only in names, literals, comments or layout); between the distinct programs every
pair's score is the share of the smaller program's fingerprints that the other also has
(``shared / min(|A|, |B|)``); pairs at or above :data:`THRESHOLD` with at least
:data:`MIN_SHARED` shared fingerprints are flagged. :func:`regions` turns a pair's shared
fingerprints into line ranges of both files for a side-by-side view.

The course's reference solution can take part as one more program (``REFERENCE_ID``), so that
a leaked reference is found like any other copy.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

K = 12  # tokens per k-gram: about one and a half lines of code
W = 8  # k-grams per winnowing window: every match of K + W - 1 = 19 tokens is found
THRESHOLD = 0.5  # flagged: at least half of the smaller program's fingerprints are the other's
MIN_SHARED = 12  # ... and at least this many shared fingerprints (a few functions, not one idiom)
REFERENCE_ID = "(course reference)"
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a bigger file is skipped (it is no hand-written submission)

_BUILTINS = frozenset(dir(builtins))


# ----------------------------------------------------------------------------- tokens

def _is_docstring(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


_NAME_FIELDS = frozenset(("name", "id", "arg", "attr", "asname", "module", "type_comment", "ctx", "kind",
                          "type_ignores", "names", "level"))
_FIELDS: dict[type, tuple] = {}


def _fields(cls) -> tuple:
    """The fields of an AST class that hold code (not the names chosen, not load/store contexts)."""
    f = _FIELDS.get(cls)
    if f is None:
        f = _FIELDS[cls] = tuple(n for n in cls._fields if n not in _NAME_FIELDS)
    return f


def _import_aliases(node, aliases: dict) -> None:
    """Local name -> module for ``import numpy as np`` / ``from numpy import linalg``."""
    if isinstance(node, ast.Import):
        for a in node.names:
            aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    elif node.module:
        for a in node.names:
            aliases[a.asname or a.name] = f"{node.module}.{a.name}"


def tokens(source: str) -> tuple[list[str], list[int]]:
    """The normalised token stream of ``source`` and each token's line number (1-based).

    Raises SyntaxError (and ValueError for NUL bytes) when ``source`` does not parse."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # filled as imports are met (pre-order: before their uses)
    toks: list[str] = []
    lines: list[int] = []
    push_tok, push_line = toks.append, lines.append
    Name, Constant, Attribute, keyword = ast.Name, ast.Constant, ast.Attribute, ast.keyword
    imports = (ast.Import, ast.ImportFrom)
    AST = ast.AST

    def visit(node, line: int) -> None:
        line = getattr(node, "lineno", line)
        cls = type(node)
        if cls is Name:
            ident = node.id
            push_tok(aliases.get(ident) or (ident if ident in _BUILTINS else "V"))
            push_line(line)
            return
        if cls is Constant:
            v = node.value
            push_tok(repr(v) if v is None or isinstance(v, bool)
                     else "STR" if isinstance(v, (str, bytes)) else "NUM")
            push_line(line)
            return
        if cls is Attribute:
            visit(node.value, line)
            base = node.value
            push_tok("." + ("V" if type(base) is Name and base.id in ("self", "cls") else node.attr))
            push_line(line)
            return
        if cls is keyword:
            push_tok(f"{node.arg}=")  # keyword names are mostly the library's (axis=, keepdims=)
            push_line(line)
            visit(node.value, line)
            return
        push_tok(cls.__name__)
        push_line(line)
        if cls in imports:
            _import_aliases(node, aliases)  # which alias was chosen does not matter
            return
        for name in _fields(cls):
            value = getattr(node, name, None)
            if type(value) is list:
                if name == "body" and value and _is_docstring(value[0]):
                    value = value[1:]
                for item in value:
                    if isinstance(item, AST):
                        visit(item, line)
            elif isinstance(value, AST):
                visit(value, line)

    for stmt in tree.body:
        if _is_docstring(stmt):
            continue
        visit(stmt, 1)
    return toks, lines


# ----------------------------------------------------------------------------- fingerprints

_VOCAB: dict[str, int] = {}


def _ids(toks: list[str]) -> np.ndarray:
    for t in set(toks).difference(_VOCAB):
        _VOCAB[t] = len(_VOCAB) + 1
    return np.array(list(map(_VOCAB.__getitem__, toks)), dtype=np.uint64)


_POW = np.array([pow(1_000_003, K - 1 - j, 2 ** 64) for j in range(K)], dtype=np.uint64)


def winnow(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed fingerprints of a token-id array: (hashes, index of each one's first token)."""
    if len(ids) < K:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    grams = np.lib.stride_tricks.sliding_window_view(ids, K)
    with np.errstate(over="ignore"):
        h = (grams * _POW).sum(axis=1, dtype=np.uint64)  # polynomial hash mod 2**64
        h ^= h >> np.uint64(29)  # mix, so that the minimum is not biased towards small token ids
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    if len(h) <= W:
        pos = np.array([int(np.argmin(h))])
    else:
        win = np.lib.stride_tricks.sliding_window_view(h, W)
        # the rightmost minimum of each window (as in the paper): flip, argmin, flip back
        pos = np.unique(np.arange(len(win)) + (W - 1 - np.argmin(win[:, ::-1], axis=1)))
    return h[pos], pos


@dataclass
class Program:
    """One submission's normalised code: its files, and every fingerprint with where it lies."""
    id: str
    files: dict[str, str]  # file name -> source text
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    where: list = field(default_factory=list)  # per fingerprint: (file name, first line, last line)
    problems: list = field(default_factory=list)
    fpset: frozenset = frozenset()

    @property
    def size(self) -> int:
        return len(self.fpset)


def fingerprint(pid: str, files: dict[str, str], ignore: frozenset = frozenset()) -> Program:
    """A :class:`Program` whose fingerprints leave out those in ``ignore`` (the stub's)."""
    prog = Program(pid, files)
    hashes, where = [], []
    for name in sorted(files):
        try:
            toks, lines = tokens(files[name])
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            prog.problems.append(f"{name}: does not parse ({type(exc).__name__})")
            continue
        h, pos = winnow(_ids(toks))
        keep = [i for i, x in enumerate(h.tolist()) if x not in ignore]
        hashes.append(h[keep])
        where += [(name, lines[p], lines[p + K - 1]) for p in pos[keep].tolist()]
    prog.hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    prog.where = where
    prog.fpset = frozenset(prog.hashes.tolist())
    return prog


def stub_fingerprints(files: dict[str, str]) -> frozenset:
    """Every fingerprint of the given course files (the stub and the provided files)."""
    return fingerprint("(stub)", files).fpset


# ----------------------------------------------------------------------------- pairs

SPARSE_MAX_HOLDERS = 50  # fingerprints held by more programs are counted with a matrix product
DENSE_MAX_PROGRAMS = 3000  # beyond this many distinct programs only the sparse count is done
MAX_PAIRS_KEPT = 2000  # flagged pairs kept as objects (all of them count, and link clusters)


def common_cutoff(n_programs: int) -> int:
    """Fingerprints shared by more distinct programs than this are not counted. Up to
    DENSE_MAX_PROGRAMS programs every fingerprint counts (a whole class copying one base is
    found too); beyond, only those that at most SPARSE_MAX_HOLDERS programs share (as MOSS's -m)."""
    return n_programs if n_programs <= DENSE_MAX_PROGRAMS else SPARSE_MAX_HOLDERS


@dataclass
class Pair:
    a: Program
    b: Program
    shared: int
    score: float  # shared / min(|A|, |B|)
    cover_a: float  # shared / |A|
    cover_b: float


@dataclass
class Similarity:
    programs: list  # every Program compared (distinct ones and their duplicates)
    groups: list  # lists of program ids whose fingerprints are identical (size >= 2)
    pairs: list  # flagged Pairs between distinct programs, best first
    near_misses: int  # pairs with a score in [THRESHOLD / 2, THRESHOLD): shown as a count
    skipped: list  # (program id, why) for submissions not compared
    cutoff: int
    clusters: list = field(default_factory=list)  # ids linked by flagged pairs or identity, largest first
    flagged_total: int = 0  # flagged pairs in all (``pairs`` keeps the best MAX_PAIRS_KEPT)
    common_dropped: int = 0  # fingerprints not counted because more than ``cutoff`` programs share them

    def duplicates(self, pid: str) -> list[str]:
        """The other members of ``pid``'s group of identical programs."""
        for g in self.groups:
            if pid in g:
                return [x for x in g if x != pid]
        return []


def compare(programs: list[Program], threshold: float = THRESHOLD, min_shared: int = MIN_SHARED,
            cutoff: int | None = None) -> Similarity:
    """Groups identical programs and scores every pair of distinct programs that share
    fingerprints (an inverted index: pairs that share nothing are never looked at)."""
    usable = [p for p in programs if p.size > 0]
    skipped = [(p.id, "; ".join(p.problems) or "no code beyond the stub") for p in programs if p.size == 0]
    by_set: dict[frozenset, list[Program]] = {}
    for p in usable:
        by_set.setdefault(p.fpset, []).append(p)
    for members in by_set.values():
        members.sort(key=lambda p: p.id != REFERENCE_ID)  # the reference speaks for its group
    distinct = [members[0] for members in by_set.values()]
    groups = [[m.id for m in members] for members in by_set.values() if len(members) > 1]
    n = len(distinct)
    cutoff = common_cutoff(n) if cutoff is None else cutoff
    holders: dict[int, list[int]] = {}
    for i, p in enumerate(distinct):
        for h in p.fpset:
            holders.setdefault(h, []).append(i)
    # shared fingerprints per pair (i < j), as a flat index i * n + j. Rare fingerprints: every
    # pair of their holders (an inverted index: pairs that share nothing are never looked at);
    # frequent ones (held by more than SPARSE_MAX_HOLDERS): one 0/1 matrix product.
    keys, frequent = [], []
    for hs in holders.values():
        if 2 <= len(hs) <= min(cutoff, SPARSE_MAX_HOLDERS):
            a = np.array(hs, dtype=np.int64)
            rows, cols = np.triu_indices(len(a), 1)
            keys.append(a[rows] * n + a[cols])
        elif SPARSE_MAX_HOLDERS < len(hs) <= cutoff:
            frequent.append(hs)
    idx = np.zeros(0, np.int64)
    vals = np.zeros(0, np.int64)
    if keys and n * n <= 4 * DENSE_MAX_PROGRAMS ** 2:
        counts = np.bincount(np.concatenate(keys), minlength=n * n)
    elif keys:  # very many distinct programs: count only the keys that occur
        idx, vals = np.unique(np.concatenate(keys), return_counts=True)
        counts = None
    else:
        counts = np.zeros(n * n, np.int64) if frequent else None
    if frequent:
        m = np.zeros((n, len(frequent)), np.float32)
        for col, hs in enumerate(frequent):
            m[hs, col] = 1.0
        counts = counts + np.triu(np.rint(m @ m.T).astype(np.int64), 1).ravel()
    if counts is not None:
        idx = np.nonzero(counts)[0]
        vals = counts[idx]
    pairs, near, total = [], 0, 0
    links = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(idx):
        sizes = np.array([p.size for p in distinct])
        ia, ib = idx // n, idx % n
        score = vals / np.minimum(sizes[ia], sizes[ib])
        hit = np.nonzero((score >= threshold) & (vals >= min_shared))[0]
        total = len(hit)
        links = (ia[hit], ib[hit])
        best = hit[np.lexsort((-vals[hit], -score[hit]))][:MAX_PAIRS_KEPT]
        for k in best.tolist():
            pa, pb = distinct[int(ia[k])], distinct[int(ib[k])]
            v = int(vals[k])
            pairs.append(Pair(pa, pb, v, float(score[k]), v / pa.size, v / pb.size))
        near = int(np.count_nonzero((score >= threshold / 2) & (score < threshold)))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a.id, p.b.id))
    return Similarity(programs, groups, pairs, near, skipped, cutoff,
                      clusters=_clusters(groups, distinct, *links), flagged_total=total,
                      common_dropped=sum(1 for hs in holders.values() if len(hs) > cutoff))


def _clusters(groups: list[list[str]], distinct: list, ia: np.ndarray, ib: np.ndarray) -> list[list[str]]:
    """Connected components of the flagged pairs (index arrays into ``distinct``), each distinct
    program standing for its group of identical ones; components of one program are left out
    unless its group has several members."""
    n = len(distinct)
    label = np.arange(n)
    if len(ia):
        while True:  # min-label propagation with pointer jumping: a few rounds
            low = np.minimum(label[ia], label[ib])
            new = label.copy()
            np.minimum.at(new, ia, low)
            np.minimum.at(new, ib, low)
            new = new[new]
            if np.array_equal(new, label):
                break
            label = new
    rep_of = {}
    for g in groups:
        for x in g:
            rep_of[x] = g
    comps: dict[int, list[str]] = {}
    for i, p in enumerate(distinct):
        comps.setdefault(int(label[i]), []).extend(rep_of.get(p.id, [p.id]))
    return sorted((sorted(c) for c in comps.values() if len(c) > 1), key=lambda c: (-len(c), c))


def regions(a: Program, b: Program, gap: int = 3) -> list[dict]:
    """The matching regions of a pair, largest first: dicts with ``file_a``, ``a0``, ``a1`` (first
    and last line), ``file_b``, ``b0``, ``b1``, ``lines_a``/``lines_b`` (the lines that shared
    fingerprints cover) and ``count`` (how many). Shared fingerprints are taken in A's order and
    merged while both sides stay in the same file and move on by at most ``gap`` lines."""
    in_b: dict[int, tuple] = {}
    for h, w in zip(b.hashes.tolist(), b.where):
        in_b.setdefault(h, w)
    hits = []
    for h, w in zip(a.hashes.tolist(), a.where):
        if h in in_b:
            hits.append((w, in_b[h]))
    hits.sort(key=lambda x: (x[0][0], x[0][1], x[1][1]))
    out: list[dict] = []
    for (fa, a0, a1), (fb, b0, b1) in hits:
        r = out[-1] if out else None
        if not (r and r["file_a"] == fa and r["file_b"] == fb and r["a0"] <= a0 <= r["a1"] + gap
                and r["b0"] - gap <= b0 <= r["b1"] + gap):
            r = {"file_a": fa, "a0": a0, "a1": a1, "file_b": fb, "b0": b0, "b1": b1,
                 "lines_a": set(), "lines_b": set(), "count": 0}
            out.append(r)
        r["a1"], r["b0"], r["b1"] = max(r["a1"], a1), min(r["b0"], b0), max(r["b1"], b1)
        r["lines_a"].update(range(a0, a1 + 1))
        r["lines_b"].update(range(b0, b1 + 1))
        r["count"] += 1
    out.sort(key=lambda r: (-r["count"], -(r["a1"] - r["a0"]), r["file_a"], r["a0"]))
    return out


# ----------------------------------------------------------------------------- course files

def read_sources(folder: Path, names: list[str]) -> dict[str, str]:
    """The given files of a submission folder as text (missing, huge or binary ones left out)."""
    out = {}
    for name in names:
        p = Path(folder) / name
        try:
            if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_SOURCE_BYTES:
                out[name] = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return out
