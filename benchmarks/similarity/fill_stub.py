"""fill_stub.py STUB BODIES OUT: writes STUB with each function's "# YOUR CODE HERE / raise
NotImplementedError" replaced by the body of the same-named function in BODIES (a module of
plain function definitions). How the independent solutions under similarity/independent/ were
assembled: the student's way of working (fill in the stub), with code written without looking
at the course's reference."""
import ast
import re
import sys
import textwrap
from pathlib import Path


def fill(stub: str, bodies: str) -> str:
    tree = ast.parse(bodies)
    lines = bodies.splitlines(keepends=True)
    impl = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = node.body[0].lineno
            if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                start = node.body[1].lineno
            impl[node.name] = "".join(lines[start - 1:node.end_lineno])
    out, current = [], None
    stub_lines = stub.splitlines(keepends=True)
    i = 0
    while i < len(stub_lines):
        line = stub_lines[i]
        m = re.match(r"\s*(?:def|class) (\w+)", line)
        if m:
            current = m.group(1)
        if line.strip() == "# YOUR CODE HERE" and i + 1 < len(stub_lines) \
                and stub_lines[i + 1].strip().startswith("raise NotImplementedError"):
            if current not in impl:
                raise SystemExit(f"no body for {current}")
            indent = line[: len(line) - len(line.lstrip())]
            out.append(textwrap.indent(textwrap.dedent(impl.pop(current)), indent))
            i += 2
            continue
        out.append(line)
        i += 1
    extra = [n for n in impl]
    if extra:
        # helpers of the solution that the stub has no place for: appended
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in extra:
                out.append("\n\n" + "".join(lines[(node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1:node.end_lineno]))
    return "".join(out)


if __name__ == "__main__":
    stub, bodies, out = map(Path, sys.argv[1:4])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fill(stub.read_text(), bodies.read_text()))
