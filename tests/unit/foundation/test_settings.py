from pathlib import Path

import pytest

from coordination.settings import Settings, SettingsError, load_settings


def test_embedded_defaults_when_nothing_is_set(monkeypatch, tmp_path):
    for key in list(__import__("os").environ):
        if key.startswith("COORDINATION_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env_file=None)
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("var/coordination.sqlite3")
    assert settings.effective_documents_dir == Path("var/documents")
    assert settings.effective_keys_dir == Path("var/keys")
    assert not settings.uses_s3


def test_production_refuses_every_embedded_default(monkeypatch):
    monkeypatch.setenv("COORDINATION_ENV", "production")
    with pytest.raises(SettingsError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    for name in (
        "DATABASE_URL",
        "S3_ENDPOINT",
        "S3_ACCESS_KEY",
        "S3_SECRET_KEY",
        "OIDC_ISSUER",
        "NISS_HASH_KEY",
    ):
        assert f"COORDINATION_{name}" in message


def test_production_refuses_sqlite_and_plain_http_issuer():
    settings = Settings(
        env="production",
        database_url="sqlite+aiosqlite:///x.db",
        s3_endpoint="s3:9000",
        s3_access_key="a",
        s3_secret_key="b",
        oidc_issuer="http://idp/realms/x",
        niss_hash_key="k",
        signing_key_file=Path("/run/secrets/signing.pem"),
        clamd_socket="tcp://clamd:3310",
    )
    with pytest.raises(SettingsError) as error:
        settings.validate()
    assert "PostgreSQL" in str(error.value)
    assert "https" in str(error.value)


def test_complete_production_settings_start():
    settings = Settings(
        env="production",
        database_url="postgresql+asyncpg://u:p@db/coordination",
        s3_endpoint="s3:9000",
        s3_access_key="a",
        s3_secret_key="b",
        oidc_issuer="https://idp.example/realms/coordination",
        niss_hash_key="k",
        signing_key_file=Path("/run/secrets/signing.pem"),
        clamd_socket="tcp://clamd:3310",
    )
    assert settings.validate() is settings


def test_non_numeric_port_is_named(monkeypatch):
    monkeypatch.setenv("COORDINATION_PORT", "huit-mille")
    with pytest.raises(SettingsError, match="COORDINATION_PORT"):
        load_settings(env_file=None)
