"""Start-up failures end with a French message naming the setting or service and a non-zero exit.

One real ``python -m coordination`` subprocess per command (``serve``, ``db``, ``token``) proves the
interpreter runs it end to end, exit code and stderr included; the other cases call the same ``main`` in
this process with the environment and folder the subprocess had (``tests/fixtures/cli.py``): a new
interpreter importing the app costs a CPU-second or two."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.fixtures.cli import run_coordination


def _env(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_")}
    env.update(env_extra)
    return env


def _run(args, env_extra, cwd):
    """A real ``python -m coordination`` process."""
    return subprocess.run(
        [sys.executable, "-m", "coordination", *args],
        env=_env(env_extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _main(args, env_extra, cwd):
    """The same command through ``main`` in this process."""
    return run_coordination(args, _env(env_extra), cwd)


def test_production_without_settings_refuses_to_start(tmp_path):
    result = _main(["serve"], {"COORDINATION_ENV": "production"}, tmp_path)
    assert result.returncode == 2
    assert "COORDINATION_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_taken_is_named(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _main(["serve", "--port", str(port)], {}, tmp_path)
    assert result.returncode == 3
    assert f"port {port}" in result.stderr


def test_unreachable_database_is_named(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {"COORDINATION_DATABASE_URL": "postgresql+asyncpg://x:y@127.0.0.1:1/none"}
    result = _run(["serve", "--port", str(port)], env, tmp_path)
    assert result.returncode == 3
    assert "COORDINATION_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_embedded_database(tmp_path):
    result = _run(["db", "upgrade"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "coordination.sqlite3").exists()


def test_token_for_an_unknown_user_is_refused_in_french(tmp_path):
    assert _main(["db", "upgrade"], {}, tmp_path).returncode == 0
    result = _run(["token", "--user", "personne"], {}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("coordination : ")


def test_unreachable_object_store_is_named(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {
        "COORDINATION_S3_ENDPOINT": "http://127.0.0.1:1",
        "COORDINATION_S3_ACCESS_KEY": "a",
        "COORDINATION_S3_SECRET_KEY": "b",
    }
    result = _main(["serve", "--port", str(port)], env, tmp_path)
    assert result.returncode == 3
    assert "COORDINATION_S3_ENDPOINT" in result.stderr
    assert "Traceback" not in result.stderr
