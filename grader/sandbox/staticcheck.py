"""Static scan of a numpy-only submission's imports (CURRICULUM §1.4), done in the grading process.

The sandbox child also blocks torch/jax/tensorflow/autograd/sklearn at run time; this scan
names the offending line for the student up front, including ``__import__`` and importlib.
"""
from __future__ import annotations

import ast
from pathlib import Path


def _text(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def _allowed(name: str, allowed) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def scan_imports(source: Path | bytes, rel: str, allowed) -> list[str]:
    """Returns one message per import that the assignment does not allow in ``source`` (a file,
    or its bytes as read before the submission's code ran)."""
    try:
        tree = ast.parse(_text(source), filename=rel)
    except (SyntaxError, ValueError) as exc:
        return [f"{rel}: could not be parsed ({type(exc).__name__}: {exc}); nothing in it can run"]
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _allowed(alias.name, allowed):
                    findings.append(f"{rel}:{node.lineno}: 'import {alias.name}' is not allowed in this assignment")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import of the student's own files
                continue
            mod = node.module or ""
            ok = _allowed(mod, allowed) or all(_allowed(f"{mod}.{a.name}", allowed) for a in node.names)
            if not ok:
                findings.append(f"{rel}:{node.lineno}: 'from {mod} import ...' is not allowed in this assignment")
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if name in ("__import__", "import_module", "exec", "eval", "compile"):
                findings.append(f"{rel}:{node.lineno}: '{name}(...)' is not allowed in this assignment")
        elif isinstance(node, ast.Name) and node.id == "importlib":
            findings.append(f"{rel}:{node.lineno}: 'importlib' is not allowed in this assignment")
    return findings


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _matches(dotted: str, banned: str) -> bool:
    d, b = dotted.split("."), banned.split(".")
    return len(d) >= len(b) and d[-len(b):] == b


def scan_banned(source: Path | bytes, rel: str, banned: dict) -> dict:
    """Finds banned shortcuts inside named functions/classes (CURRICULUM §1.4).

    Args:
        banned: {"TorchAdam": ["optim.Adam", "optim.AdamW", "torch._functional"], ...}: a
            top-level function or class name -> dotted names it may not use (matched by suffix,
            so "optim.Adam" catches torch.optim.Adam and optim.Adam; getattr(x, "Adam") too).

    Returns:
        {name: [message, ...]} for the names whose code uses a banned callable.
    """
    try:
        tree = ast.parse(_text(source), filename=rel)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) or node.name not in banned:
            continue
        for sub in ast.walk(node):
            text = ""
            if isinstance(sub, (ast.Attribute, ast.Name)):
                text = _dotted(sub)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                text = sub.value
            for b in banned[node.name]:
                if text and (_matches(text, b) or text == b.split(".")[-1] and isinstance(sub, ast.Constant)):
                    found.setdefault(node.name, []).append(
                        f"{rel}:{getattr(sub, 'lineno', node.lineno)}: {node.name} uses '{text}', which this assignment does not allow there")
    for name in found:
        found[name] = sorted(set(found[name]))
    return found
