"""Disguised copies of a Python module, for measuring the similarity detector (and its tests).

``rename_locals``      every local variable gets another name (parameters, function names,
                       module-level names and keyword-argument names stay: the tests call them)
``reorder_functions``  the top-level functions and classes in another order (other module-level
                       statements first, in their order)
``strip_comments``     comments removed, docstrings replaced by one-line ones
``disguise``           all three

Each keeps the module valid Python with the same behaviour (f-strings that name a renamed
local are the exception: their text is not rewritten).
"""
from __future__ import annotations

import ast
import builtins
import io
import random
import tokenize

_WORDS = ("val", "tmp", "res", "acc", "cur", "out", "arr", "mat", "vec", "buf", "aux", "item")


def _local_names(tree: ast.Module) -> set[str]:
    module_level = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            module_level.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in ast.walk(node):
                if isinstance(t, ast.Name):
                    module_level.add(t.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module_level.update((a.asname or a.name).split(".")[0] for a in node.names)
    protected = set(module_level) | set(dir(builtins)) | {"self", "cls"}
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg:
            protected.add(node.arg)
        if isinstance(node, ast.arg):
            protected.add(node.arg)
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            protected.update(node.names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            protected.add(node.name)
    found = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    found.add(node.id)
    return found - protected


def _replace_tokens(source: str, repl) -> str:
    """Applies ``repl(tok, prev_significant_tok) -> str | None`` to every token."""
    lines = source.splitlines(keepends=True)
    edits: dict[int, list] = {}
    prev = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        new = repl(tok, prev)
        if new is not None and tok.start[0] == tok.end[0]:
            edits.setdefault(tok.start[0], []).append((tok.start[1], tok.end[1], new))
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            prev = tok
    for row, changes in edits.items():
        line = lines[row - 1]
        for c0, c1, new in sorted(changes, reverse=True):
            line = line[:c0] + new + line[c1:]
        lines[row - 1] = line
    return "".join(lines)


def rename_locals(source: str, seed: int = 0) -> str:
    tree = ast.parse(source)
    names = sorted(_local_names(tree))
    rng = random.Random(seed)
    mapping = {n: f"{rng.choice(_WORDS)}_{i}" for i, n in enumerate(names)}

    def repl(tok, prev):
        if tok.type == tokenize.NAME and tok.string in mapping and not (prev and prev.string == "."):
            return mapping[tok.string]
        return None

    return _replace_tokens(source, repl)


def reorder_functions(source: str, seed: int = 0) -> str:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = []
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        starts.append(first)
    segments = []
    for i, node in enumerate(tree.body):
        end = starts[i + 1] - 1 if i + 1 < len(tree.body) else len(lines)
        segments.append((node, "".join(lines[starts[i] - 1:end])))
    head = "".join(lines[:starts[0] - 1]) if starts else source
    defs = [text for node, text in segments if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    other = [text for node, text in segments if not isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    random.Random(seed).shuffle(defs)
    body = "".join(other) + "\n" + "".join(t if t.endswith("\n\n") else t.rstrip("\n") + "\n\n\n" for t in defs)
    return head + body


def strip_comments(source: str) -> str:
    tree = ast.parse(source)
    doc_lines = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                doc_lines[first.lineno] = first.end_lineno

    def repl(tok, prev):
        if tok.type == tokenize.COMMENT:
            return ""
        return None

    out = _replace_tokens(source, repl).splitlines(keepends=True)
    for start, end in sorted(doc_lines.items(), reverse=True):
        indent = out[start - 1][: len(out[start - 1]) - len(out[start - 1].lstrip())]
        out[start - 1:end] = [f'{indent}"""(doc)"""\n']
    return "".join(out)


def disguise(source: str, seed: int = 0) -> str:
    return reorder_functions(strip_comments(rename_locals(source, seed)), seed + 1)


TRANSFORMS = {"renamed": rename_locals, "reordered": reorder_functions, "disguised": disguise}
