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


def _production(tmp_path: Path, **changes) -> Settings:
    key = tmp_path / "signing.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    values = dict(
        env="production",
        database_url="postgresql+asyncpg://u:p@db/coordination",
        s3_endpoint="s3:9000",
        s3_access_key="a",
        s3_secret_key="b",
        oidc_issuer="https://idp.example/realms/coordination",
        niss_hash_key="k",
        signing_key_file=key,
        clamd_socket="tcp://clamd:3310",
    )
    values.update(changes)
    return Settings(**values)


def test_complete_production_settings_start(tmp_path):
    settings = _production(tmp_path)
    assert settings.validate() is settings


def test_production_refuses_a_missing_signing_key_file(tmp_path):
    """Issue 20 item 5: a key nobody holds must never sign certificates."""
    settings = _production(tmp_path, signing_key_file=tmp_path / "absent.pem")
    with pytest.raises(SettingsError, match="SIGNING_KEY_FILE désigne un fichier absent"):
        settings.validate()


def _clean_env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("COORDINATION_"):
            monkeypatch.delenv(key)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("DATABASE_URL", "database_url"),
        ("S3_ACCESS_KEY", "s3_access_key"),
        ("S3_SECRET_KEY", "s3_secret_key"),
        ("NISS_HASH_KEY", "niss_hash_key"),
        ("METRICS_TOKEN", "metrics_token"),
    ],
)
def test_every_secret_reads_a_file(monkeypatch, tmp_path, name, field):
    _clean_env(monkeypatch)
    secret = tmp_path / name.lower()
    secret.write_text("valeur-du-fichier\n")
    monkeypatch.setenv(f"COORDINATION_{name}_FILE", str(secret))
    assert getattr(load_settings(env_file=None), field) == "valeur-du-fichier"


def test_secret_file_problems_are_named(monkeypatch, tmp_path):
    _clean_env(monkeypatch)
    monkeypatch.setenv("COORDINATION_NISS_HASH_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(SettingsError, match="NISS_HASH_KEY_FILE désigne un fichier illisible"):
        load_settings(env_file=None)
    (tmp_path / "present").write_text("k")
    monkeypatch.setenv("COORDINATION_NISS_HASH_KEY_FILE", str(tmp_path / "present"))
    monkeypatch.setenv("COORDINATION_NISS_HASH_KEY", "k")
    with pytest.raises(SettingsError, match="tous deux définis"):
        load_settings(env_file=None)


def test_pool_client_id_and_public_endpoint_are_settings(monkeypatch):
    _clean_env(monkeypatch)
    monkeypatch.setenv("COORDINATION_DB_POOL_SIZE", "3")
    monkeypatch.setenv("COORDINATION_DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("COORDINATION_OIDC_CLIENT_ID", "coordination-web")
    monkeypatch.setenv("COORDINATION_S3_PUBLIC_ENDPOINT", "https://documents.example.be/")
    settings = load_settings(env_file=None)
    assert (settings.db_pool_size, settings.db_max_overflow) == (3, 2)
    assert settings.oidc_client_id == "coordination-web" and settings.oidc_audience == "coordination"
    assert settings.s3_public_endpoint == "https://documents.example.be"


def test_database_engine_hides_parameters_and_takes_the_pool_size():
    from coordination.db.engine import create_engine

    engine = create_engine("postgresql+asyncpg://u:p@127.0.0.1:1/x", pool_size=3, max_overflow=2)
    assert engine.sync_engine.hide_parameters is True
    assert engine.pool.size() == 3 and engine.pool._max_overflow == 2


def test_non_numeric_port_is_named(monkeypatch):
    monkeypatch.setenv("COORDINATION_PORT", "huit-mille")
    with pytest.raises(SettingsError, match="COORDINATION_PORT"):
        load_settings(env_file=None)
