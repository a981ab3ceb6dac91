"""The request's session commits (coordination.app.provide_db_session): an API controller or a page
handler never does. The few places where work must follow a commit live in services, each marked
``# commit:`` with its reason (docs/CONVENTIONS.md, "Database")."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "coordination"


def _handler_modules() -> list[Path]:
    controllers = [
        *SRC.glob("*/controllers.py"),
        *SRC.glob("*/*_controllers.py"),
        *SRC.glob("*/controllers/*.py"),
    ]
    return sorted({*controllers, *SRC.glob("web/*.py")})


def test_no_handler_module_commits():
    assert len(_handler_modules()) > 20  # the glob still finds the handlers
    committing = [
        f"{path.relative_to(SRC)}:{number}"
        for path in _handler_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ".commit()" in line
    ]
    assert committing == []
