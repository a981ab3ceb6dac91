"""The clamd fixture must fail, never skip, when the daemon is not installed (a skipped antivirus test
would look like a passing one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import clamav


def test_missing_clamd_fails_with_a_clear_message(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(clamav, "CLAMD", Path("/nonexistent/sbin/clamd"))
    with pytest.raises(pytest.fail.Exception) as info:
        clamav.start_clamd(tmp_path)
    assert "clamav-daemon" in str(info.value)
