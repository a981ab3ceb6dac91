"""The referral and partner pages stand on the domain's services, never on its API controllers; the
referral package imports nothing inside functions (a hidden cycle would be one)."""

from __future__ import annotations

import ast
from pathlib import Path

import coordination

SRC = Path(coordination.__file__).parent
PAGES = [SRC / "web" / "referral_pages.py", SRC / "web" / "partner_pages.py"]
DOMAIN = [p for folder in ("referral", "partner") for p in sorted((SRC / folder).glob("*.py"))]
REBUILT_ELSEWHERE = {"demo.py"}  # the demo is rebuilt from the shared factories by its own change


def _imported(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def test_the_pages_import_no_controllers_module() -> None:
    for path in PAGES:
        modules = _imported(ast.parse(path.read_text()))
        assert not [m for m in modules if m.split(".")[-1] == "controllers"], path.name


def test_the_domain_imports_nothing_inside_a_function() -> None:
    for path in DOMAIN:
        if path.name in REBUILT_ELSEWHERE:
            continue
        tree = ast.parse(path.read_text())
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        inner = [i for f in functions for i in ast.walk(f) if isinstance(i, ast.Import | ast.ImportFrom)]
        assert not inner, f"{path.name}: import inside a function at line {inner[0].lineno}"
