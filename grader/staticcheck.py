"""Static scan of a numpy-only submission's imports (CURRICULUM §1.4), done in the grading process.

The sandbox child also blocks torch/jax/tensorflow/autograd/sklearn at run time; this scan
names the offending line for the student up front, including ``__import__`` and importlib.
"""
from __future__ import annotations

import ast
from pathlib import Path


def _allowed(name: str, allowed) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def scan_imports(path: Path, rel: str, allowed) -> list[str]:
    """Returns one message per import that the assignment does not allow."""
    try:
        tree = ast.parse(Path(path).read_bytes(), filename=rel)
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
