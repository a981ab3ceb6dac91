"""The deployment files parse and keep their promises (no Docker engine here: static checks only).

- compose: every service has a health check or is a one-shot job that its dependants wait for; every
  image is pinned (exact tag + digest for third-party images); the app gets every setting production
  requires (checked by the real ``Settings.validate``); secrets are never literal values.
- Keycloak realm: its roles are exactly the app's ``Role`` values; the demo client is public with
  PKCE S256; mappers emit the claims ``coordination.access.identity`` reads, and the audience.
- Kubernetes: the Deployment has >= 3 replicas and probes on /health/*; the objects the issue asks for
  exist; every image is pinned; the app's settings (ConfigMap + example Secret) pass production checks.
- Bucket provisioning against a real S3-protocol server: versioning on, one lifecycle rule per
  retention rule, never Object Lock.
- No secret value anywhere under deploy/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import uuid
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from coordination.access import identity
from coordination.directory.models import OrganisationKind, Role
from coordination.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
REALM = DEPLOY / "keycloak" / "coordination-realm.json"
K8S = DEPLOY / "k8s"
ENV_EXAMPLE = DEPLOY / ".env.example"

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
EXACT_TAG = re.compile(r":[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*$")  # a tag holding a version number
ONE_SHOT = {"tls-ca", "bucket", "migrate"}
APP_SERVICES = {"app", "migrate"}


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} interpolation (enough for these files)."""

    def repl(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise AssertionError(f"compose would refuse to start: {name} unset ({arg})")
        return ""

    return _VAR.sub(repl, value.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def k8s_docs() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                doc["__file__"] = path.name
                docs.append(doc)
    return docs


# -- compose ---------------------------------------------------------------------------------------------


def test_compose_has_the_whole_stack(compose: dict) -> None:
    services = set(compose["services"])
    assert {"postgres", "s3", "bucket", "clamav", "keycloak", "migrate", "app", "caddy"} <= services


def test_every_compose_service_has_a_healthcheck_or_is_a_one_shot_job(compose: dict) -> None:
    services = compose["services"]
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", f"{name}: a one-shot job must not be restarted"
            assert "healthcheck" not in service
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
    # every dependency on a one-shot job waits for its success; on a service, for its health
    for name, service in services.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            expected = "service_completed_successfully" if dep in ONE_SHOT else "service_healthy"
            assert cond["condition"] == expected, f"{name} -> {dep}"
    app_deps = services["app"]["depends_on"]
    assert {"migrate", "bucket", "postgres", "s3", "clamav", "keycloak"} <= set(app_deps)


def _image(service: dict, env: dict[str, str]) -> str:
    return _interpolate(service["image"], env)


def test_every_compose_image_is_pinned(compose: dict) -> None:
    env = _env_example()
    for name, service in compose["services"].items():
        image = _image(service, env)
        assert not image.endswith(":latest") and ":latest@" not in image, f"{name}: {image}"
        if "build" in service:  # built from this repository: an exact version tag
            assert EXACT_TAG.search(image), f"{name}: {image} has no exact tag"
        else:  # third-party: exact tag AND digest
            assert DIGEST.search(image), f"{name}: {image} is not pinned by digest"
            assert EXACT_TAG.search(image.split("@")[0]), f"{name}: {image} has no exact tag"


def test_the_object_store_is_not_the_archived_upstream_minio(compose: dict) -> None:
    image = compose["services"]["s3"]["image"]
    assert not image.startswith(("minio/minio", "quay.io/minio/", "docker.io/minio/"))


def _mounted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, declared: str) -> None:
    """Production refuses a missing key file: stand the mounted secret in at a temporary path."""
    stand_in = tmp_path / Path(declared).name
    stand_in.write_text("CHANGE_ME\n")
    monkeypatch.setenv(name, str(stand_in))


def test_compose_app_settings_pass_the_production_checks(
    compose: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = _env_example()
    for name in APP_SERVICES:
        service_env = compose["services"][name]["environment"]
        for key in list(os.environ):
            if key.startswith("COORDINATION_"):
                monkeypatch.delenv(key)
        for key, value in service_env.items():
            monkeypatch.setenv(key, _interpolate(str(value), env))
        declared = {
            k: os.environ[k] for k in os.environ if k.endswith("_FILE") and k.startswith("COORDINATION_")
        }
        assert declared["COORDINATION_SIGNING_KEY_FILE"].startswith("/run/secrets/")
        for key, path in declared.items():
            assert path.startswith("/run/secrets/"), key
            _mounted(monkeypatch, tmp_path, key, path)
        settings = load_settings(env_file=None)  # raises SettingsError if anything is missing
        assert settings.is_production
        assert settings.effective_database_url.startswith("postgresql+asyncpg://")
        assert settings.uses_s3 and settings.clamd_socket.startswith("tcp://")
        assert settings.oidc_issuer.startswith("https://") and settings.oidc_issuer.endswith(
            "/realms/coordination"
        )
        assert "visa_signing_key" in compose["services"][name]["secrets"]
        assert settings.workers >= 2 or name == "migrate"


def test_compose_secrets_are_never_literal(compose: dict) -> None:
    secret_words = ("PASSWORD", "SECRET", "HASH_KEY", "ACCESS_KEY", "DATABASE_URL")
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in secret_words):
                assert "${" in str(value), f"{name}.{key} must come from deploy/.env, not the file"
    for secret in compose["secrets"].values():
        assert (DEPLOY / secret["file"]).resolve().is_relative_to((DEPLOY / "secrets").resolve())


def test_env_example_holds_placeholders_only() -> None:
    env = _env_example()
    secret_words = ("PASSWORD", "SECRET", "HASH_KEY", "ACCESS_KEY")
    for key, value in env.items():
        if any(word in key for word in secret_words):
            assert value == "CHANGE_ME", f"{key} must be a placeholder in .env.example"


def test_secret_files_are_ignored_by_git() -> None:
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and "*.pem" in ignored
    assert (DEPLOY / "secrets" / ".gitignore").read_text(encoding="utf-8").split()[0] == "*"


# -- Keycloak realm -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def realm() -> dict:
    return json.loads(REALM.read_text(encoding="utf-8"))


def test_realm_roles_are_the_apps_roles(realm: dict) -> None:
    names = [role["name"] for role in realm["roles"]["realm"]]
    assert sorted(names) == sorted(role.value for role in Role)
    assert len(names) == len(set(names))


def test_demo_client_is_public_with_pkce(realm: dict) -> None:
    (client,) = [c for c in realm["clients"] if c["clientId"] == "coordination-web"]
    assert client["publicClient"] is True and "secret" not in client
    assert client["standardFlowEnabled"] is True
    assert client["implicitFlowEnabled"] is False and client["directAccessGrantsEnabled"] is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert all(uri.startswith("https://") for uri in client["redirectUris"])
    assert "*" not in client["webOrigins"]


def test_realm_mappers_emit_the_claims_the_app_reads(realm: dict) -> None:
    (client,) = [c for c in realm["clients"] if c["clientId"] == "coordination-web"]
    mappers = client["protocolMappers"]
    claims = {
        m["config"]["claim.name"]
        for m in mappers
        if m["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        and m["config"]["access.token.claim"] == "true"
    }
    read_by_app = {
        identity.CLAIM_ROLE,
        identity.CLAIM_ORG,
        identity.CLAIM_ORG_KIND,
        identity.CLAIM_PERSON,
        identity.CLAIM_TEAM,
    }
    assert claims == read_by_app
    for m in mappers:
        if m["protocolMapper"] == "oidc-usermodel-attribute-mapper":
            assert m["config"]["multivalued"] == "false" and m["config"]["jsonType.label"] == "String"
    (audience,) = [m for m in mappers if m["protocolMapper"] == "oidc-audience-mapper"]
    assert audience["config"]["included.custom.audience"] == Settings().oidc_audience
    # `sub` (basic) and `name` (profile) come from Keycloak's default scopes
    assert {"basic", "profile"} <= set(client["defaultClientScopes"])
    assert realm["defaultSignatureAlgorithm"] in identity.ALLOWED_ALGORITHMS


def test_user_profile_restricts_role_and_org_kind_to_the_apps_values(realm: dict) -> None:
    (provider,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    assert attributes["role"]["validations"]["options"]["options"] == [r.value for r in Role]
    assert attributes["org_kind"]["validations"]["options"]["options"] == [k.value for k in OrganisationKind]
    for name in ("role", "org", "org_kind", "person_id", "team"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], f"users must not edit {name}"


def test_realm_holds_no_users_or_credentials(realm: dict) -> None:
    assert "users" not in realm
    text = REALM.read_text(encoding="utf-8")
    assert '"secret"' not in text and '"credentials"' not in text and '"privateKey"' not in text


# -- Kubernetes -------------------------------------------------------------------------------------------


def _by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def test_k8s_has_every_object_the_issue_asks_for(k8s_docs: list[dict]) -> None:
    kinds = {d["kind"] for d in k8s_docs}
    assert {
        "Deployment",
        "Job",
        "Secret",
        "ConfigMap",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    } <= kinds
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert "secret.example.yaml" not in listed, "example Secrets must never be applied"
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}


def _app_deployment(docs: list[dict]) -> dict:
    (deployment,) = [d for d in _by_kind(docs, "Deployment") if d["metadata"]["name"] == "coordination"]
    return deployment


def test_k8s_deployment_has_replicas_and_health_probes(k8s_docs: list[dict]) -> None:
    deployment = _app_deployment(k8s_docs)
    assert deployment["spec"]["replicas"] >= 3
    (app,) = deployment["spec"]["template"]["spec"]["containers"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert app["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert app["command"][:2] == ["coordination", "serve"]
    security = app["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    (hpa,) = _by_kind(k8s_docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] >= 3 and hpa["spec"]["scaleTargetRef"]["name"] == "coordination"
    pdbs = [p for p in _by_kind(k8s_docs, "PodDisruptionBudget") if p["metadata"]["name"] == "coordination"]
    assert pdbs and pdbs[0]["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_k8s_migration_job_runs_db_upgrade(k8s_docs: list[dict]) -> None:
    jobs = {j["metadata"]["name"]: j for j in _by_kind(k8s_docs, "Job")}
    (container,) = jobs["coordination-migrate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["coordination", "db", "upgrade"]
    init = _app_deployment(k8s_docs)["spec"]["template"]["spec"]["initContainers"]
    assert any("wait_for_migrations.py" in " ".join(c["command"]) for c in init)


def test_k8s_images_are_pinned(k8s_docs: list[dict]) -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    rewritten = {i["name"]: i for i in kustomization["images"]}
    for doc in k8s_docs:
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        if doc["kind"] == "CronJob":
            spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            image = container["image"]
            if image in rewritten:
                assert rewritten[image].get("digest") or EXACT_TAG.search(":" + rewritten[image]["newTag"])
            else:
                assert DIGEST.search(image) and EXACT_TAG.search(image.split("@")[0]), image


def test_k8s_settings_pass_the_production_checks(
    k8s_docs: list[dict], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (config,) = _by_kind(k8s_docs, "ConfigMap")
    secrets = {s["metadata"]["name"]: s for s in _by_kind(k8s_docs, "Secret")}
    (app,) = _app_deployment(k8s_docs)["spec"]["template"]["spec"]["containers"]
    env: dict[str, str] = {}
    for source in app["envFrom"]:
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] == config["metadata"]["name"]
            env.update(config["data"])
        else:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
    for key in list(os.environ):
        if key.startswith("COORDINATION_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    mounts = {m["mountPath"] for m in app["volumeMounts"]}
    for key, path in env.items():
        if key.startswith("COORDINATION_") and key.endswith("_FILE"):
            assert str(Path(path).parent) in mounts, f"{key} names a file no volume mounts"
            _mounted(monkeypatch, tmp_path, key, path)
    settings = load_settings(env_file=None)
    assert settings.is_production and settings.s3_endpoint.startswith("https://")
    # secret values live only in Secrets, never in the ConfigMap
    for key in config["data"]:
        assert not any(w in key for w in ("PASSWORD", "SECRET", "HASH_KEY", "ACCESS_KEY", "DATABASE_URL"))


def test_k8s_example_secrets_hold_placeholders_only(k8s_docs: list[dict]) -> None:
    for secret in _by_kind(k8s_docs, "Secret"):
        assert secret["__file__"] == "secret.example.yaml"
        assert "data" not in secret, "base64 data could hide a real value"
        for key, value in secret["stringData"].items():
            assert "CHANGE_ME" in value, f"{secret['metadata']['name']}.{key}"


# -- no secret anywhere ---------------------------------------------------------------------------------

_SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(
        r"(?i)(password|secret|hash_key|access_key)\s*[:=]\s*['\"]?(?!CHANGE_ME|\$\{)[A-Za-z0-9+/_-]{12,}"
    ),
]


def test_no_secret_values_in_deploy() -> None:
    for path in DEPLOY.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(DEPLOY)
        if path.name == ".env" or (
            rel.parts[0] == "secrets" and path.name not in {"README.md", ".gitignore"}
        ):
            continue  # an operator's own secrets, ignored by git (test_secret_files_are_ignored_by_git)
        text = path.read_text(encoding="utf-8")
        for pattern in _SECRET_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{rel}: looks like a secret: {match.group(0)[:40]!r}"


# -- bucket provisioning against a real S3-protocol server -----------------------------------------------


@pytest.mark.s3
def test_init_bucket_enables_versioning_and_tidying_rules_only(s3_server) -> None:
    """Issue 20 item 2: the bucket's tag rules matched a tag uploads never send; retention is now the
    application's (``coordination tasks``), and no bucket rule removes a current object by age (a row
    would then point to missing bytes)."""
    init_bucket = _load_module(DEPLOY / "scripts" / "init_bucket.py")
    client = s3_server.client(admin=True)  # SeaweedFS, with the bucket job's administration rights
    bucket = "deploy-" + uuid.uuid4().hex[:12]
    for _ in range(2):  # idempotent
        init_bucket.init_bucket(client, bucket, noncurrent_days=35)
    assert client.get_bucket_versioning(bucket).status == "Enabled"
    rules = {r.rule_id: r for r in client.get_bucket_lifecycle(bucket).rules}
    assert set(rules) == {"noncurrent-versions", "abort-incomplete-multipart", "expired-delete-markers"}
    assert rules["noncurrent-versions"].noncurrent_version_expiration.noncurrent_days == 35
    assert rules["abort-incomplete-multipart"].abort_incomplete_multipart_upload.days_after_initiation == 1
    assert rules["expired-delete-markers"].expiration.expired_object_delete_marker is True
    assert not [r for r in rules.values() if r.expiration and r.expiration.days]


@pytest.mark.s3
def test_init_bucket_refuses_a_bucket_under_compliance_lock(moto_s3_server) -> None:
    from minio.objectlockconfig import COMPLIANCE, DAYS, ObjectLockConfig

    init_bucket = _load_module(DEPLOY / "scripts" / "init_bucket.py")
    client = moto_s3_server.client()
    bucket = "locked-" + uuid.uuid4().hex[:12]
    client.make_bucket(bucket, object_lock=True)
    client.set_object_lock_config(bucket, ObjectLockConfig(COMPLIANCE, 1, DAYS))
    with pytest.raises(SystemExit, match="RGPD"):
        init_bucket.init_bucket(client, bucket)


def test_deploy_scripts_compile() -> None:
    for path in (DEPLOY / "scripts").glob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    ca = _load_module(DEPLOY / "caddy" / "make_local_ca.py")
    assert callable(ca.make_ca)


def test_local_ca_is_created_once_with_private_key_unreadable(tmp_path: Path) -> None:
    ca = _load_module(DEPLOY / "caddy" / "make_local_ca.py")
    assert ca.make_ca(tmp_path / "ca") is True
    assert ca.make_ca(tmp_path / "ca") is False
    assert (tmp_path / "ca" / "root.key").stat().st_mode & 0o777 == 0o600
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((tmp_path / "ca" / "root.crt").read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


# -- issue 20: scheduled work, autoscaling, ingress, settings ----------------------------------------------


def test_k8s_runs_the_daily_tasks_without_overlap(k8s_docs: list[dict]) -> None:
    crons = {c["metadata"]["name"]: c for c in _by_kind(k8s_docs, "CronJob")}
    tasks = crons["coordination-tasks"]
    assert tasks["spec"]["concurrencyPolicy"] == "Forbid"  # plus the advisory lock in the command
    assert tasks["spec"]["timeZone"] == "Europe/Brussels"
    (container,) = tasks["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["coordination", "tasks"]
    assert {s.get("configMapRef", s.get("secretRef"))["name"] for s in container["envFrom"]} == {
        "coordination-config",
        "coordination-secrets",
    }
    (policy,) = [
        p for p in _by_kind(k8s_docs, "NetworkPolicy") if p["metadata"]["name"] == "coordination-app"
    ]
    allowed = policy["spec"]["podSelector"]["matchExpressions"][0]["values"]
    labels = tasks["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] in allowed  # it may reach PostgreSQL and S3


def test_compose_runs_the_daily_tasks(compose: dict) -> None:
    tasks = compose["services"]["tasks"]
    assert tasks["command"][:2] == ["coordination", "tasks"] and "--daily-at" in tasks["command"]
    assert tasks["environment"] is compose["services"]["app"]["environment"]


def test_autoscaling_is_on_cpu_only_and_ingress_has_no_snippet(k8s_docs: list[dict]) -> None:
    (hpa,) = _by_kind(k8s_docs, "HorizontalPodAutoscaler")
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    (app,) = _app_deployment(k8s_docs)["spec"]["template"]["spec"]["containers"]
    assert app["resources"]["requests"]["cpu"] and app["resources"]["requests"]["memory"]
    for ingress in _by_kind(k8s_docs, "Ingress"):
        for key in ingress["metadata"].get("annotations", {}):
            assert "snippet" not in key, f"{key}: ingress-nginx refuses snippets by default"


def test_pool_sizes_fit_the_database(k8s_docs: list[dict]) -> None:
    """Issue 20 item 9: 20 connections per worker at the autoscaler's maximum exceeded max_connections."""
    (config,) = _by_kind(k8s_docs, "ConfigMap")
    (hpa,) = _by_kind(k8s_docs, "HorizontalPodAutoscaler")
    data = config["data"]
    per_worker = int(data["COORDINATION_DB_POOL_SIZE"]) + int(data["COORDINATION_DB_MAX_OVERFLOW"])
    total = per_worker * int(data["COORDINATION_WORKERS"]) * hpa["spec"]["maxReplicas"]
    assert total <= 200 - 20, f"{total} connections at the autoscaler's maximum"


def test_oidc_and_public_store_settings_are_passed(k8s_docs: list[dict], compose: dict, realm: dict) -> None:
    """The client id the app presents is a client of the shipped realm, and the audience its tokens carry
    (the realm's audience mapper) is the one the app checks, in both deploy flavours."""
    (config,) = _by_kind(k8s_docs, "ConfigMap")
    clients = {c["clientId"]: c for c in realm["clients"]}
    for env in (config["data"], compose["services"]["app"]["environment"]):
        client = clients[env["COORDINATION_OIDC_CLIENT_ID"]]
        (audience,) = [m for m in client["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper"]
        assert audience["config"]["included.custom.audience"] == env["COORDINATION_OIDC_AUDIENCE"]
        assert audience["config"]["access.token.claim"] == "true"
        assert env["COORDINATION_OIDC_AUDIENCE"] != env["COORDINATION_OIDC_CLIENT_ID"]
        assert str(env["COORDINATION_S3_PUBLIC_ENDPOINT"]).startswith("https://")
        assert env["COORDINATION_METRICS_TOKEN_FILE"].startswith("/run/secrets/")


def test_image_installs_from_a_hash_locked_file_that_satisfies_pyproject() -> None:
    """Issue 20 item 9: no lock file, so images were not reproducible."""
    import tomllib

    from packaging.requirements import Requirement

    lock = (DEPLOY / "requirements.lock").read_text(encoding="utf-8")
    pinned: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock):
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s\\\\]+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{match.group(1)} has no hash"
            pinned[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pinned, f"{name} is not in deploy/requirements.lock: regenerate it"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} breaks {spec}"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert "!deploy/requirements.lock" in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")


def test_realm_redirects_only_to_the_apps_sign_in_routes(realm: dict) -> None:
    """Exact redirect URIs (no wildcard): the callback and the page shown after signing out."""
    from coordination.web import auth_pages

    (client,) = [c for c in realm["clients"] if c["clientId"] == "coordination-web"]
    assert client["redirectUris"] == ["https://${APP_HOST}:${HTTPS_PORT}/connexion/retour"]
    assert client["attributes"]["post.logout.redirect.uris"] == "https://${APP_HOST}:${HTTPS_PORT}/connexion"
    from types import SimpleNamespace

    sent = auth_pages._redirect_uri(SimpleNamespace(base_url="https://coordination.example/"))
    assert sent == "https://coordination.example/connexion/retour"  # what the app sends matches the realm
