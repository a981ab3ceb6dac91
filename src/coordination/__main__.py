"""The ``coordination`` command: serve, migrate, demo, tokens, policy and journal checks.

Every failure an operator can meet at start-up (bad settings, port taken, database or object store
unreachable) ends with a French message naming the setting or the service and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import socket
import sys
from collections.abc import Sequence

from coordination.settings import Settings, SettingsError, get_settings, load_settings
from coordination.wiring import wire

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


def _fail(message: str, code: int) -> int:
    print(f"coordination : {message}", file=sys.stderr)
    return code


def _check_port(host: str, port: int) -> str | None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"le port {port} est déjà utilisé sur {host} : choisissez-en un autre avec --port."
            return f"impossible d'écouter sur {host}:{port} ({exc.strerror})."
    return None


async def _preflight(settings: Settings) -> str | None:
    """Reach the database and the document store once before serving, to fail with a useful message."""
    from sqlalchemy import text

    from coordination.db.engine import Database
    from coordination.storage.factory import build_store

    db = Database(settings.effective_database_url)
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"base de données injoignable (COORDINATION_DATABASE_URL) : {type(exc).__name__}."
    finally:
        await db.dispose()
    try:
        await build_store(settings).check()
    except Exception as exc:
        where = "COORDINATION_S3_ENDPOINT" if settings.uses_s3 else "COORDINATION_DOCUMENTS_DIR"
        return f"stockage des documents injoignable ({where}) : {exc}"
    return None


def _migrate(settings: Settings) -> int:
    from coordination.db.migrate import upgrade

    if not settings.database_url:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.effective_database_url)
    except Exception as exc:
        return _fail(
            f"migration impossible (COORDINATION_DATABASE_URL) : {type(exc).__name__}: {exc}",
            EXIT_UNAVAILABLE,
        )
    return 0


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from coordination.logging_config import configure_logging
    from coordination.metrics import prepare_multiprocess_dir

    problem = _check_port(host, port)
    if problem:
        return _fail(problem, EXIT_UNAVAILABLE)
    if not settings.database_url:  # the embedded SQLite file lives there
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    # Before anything imports prometheus_client and before uvicorn forks: every worker writes its samples
    # there, and a scrape answered by any one of them sums them all.
    prepare_multiprocess_dir(settings.effective_metrics_dir)
    # The supervisor's own log lines (a worker that died and was replaced) in the same JSON as the workers'.
    configure_logging(settings.log_level)
    problem = asyncio.run(_preflight(settings))
    if problem:
        return _fail(problem, EXIT_UNAVAILABLE)
    print(f"Coordination écoute sur http://{host}:{port} (Ctrl+C pour arrêter).", flush=True)
    uvicorn.run(
        "coordination.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )
    return 0


def _demo(settings: Settings, host: str, port: int) -> int:
    from coordination.demo import load_demo_data

    problem = _check_port(host, port)
    if problem:
        return _fail(problem, EXIT_UNAVAILABLE)
    code = _migrate(settings)
    if code:
        return code
    users = asyncio.run(load_demo_data(settings))
    print("Données de démonstration chargées. Utilisateurs de démonstration :")
    for user in users:
        print(f"  - {user}")
    print(f"Interface : http://{host}:{port}/   API : http://{host}:{port}/schema")
    clamd = None
    if not settings.clamd_socket:
        from coordination import embedded_clamd

        clamd = embedded_clamd.start(settings.var_dir, settings.max_upload_bytes)
        if clamd is None:
            print("Antivirus : ClamAV n'est pas installé ; les documents déposés seront « non analysés ».")
        else:
            _proc, sock, full = clamd
            # The served app reads its settings from the environment (uvicorn's factory): hand it the socket.
            os.environ["COORDINATION_CLAMD_SOCKET"] = str(sock)
            get_settings.cache_clear()
            kind = (
                "signatures du système"
                if full
                else "signature de test EICAR seulement (pas de mise à jour ici)"
            )
            print(f"Antivirus : ClamAV démarré ({kind}).")
    try:
        return _serve(settings, host, port, 1)
    finally:
        if clamd is not None:
            from coordination import embedded_clamd

            embedded_clamd.stop(clamd[0])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coordination", description="Coordination des parcours d'insertion."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    for name, help_text in (("serve", "servir l'application"), ("demo", "migrer, charger la démo et servir")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--host", default=None)
        cmd.add_argument("--port", type=int, default=None)
        if name == "serve":
            cmd.add_argument("--workers", type=int, default=None)

    db = sub.add_parser("db", help="base de données")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="appliquer les migrations")

    token = sub.add_parser("token", help="émettre un jeton de développement")
    token.add_argument("--user", required=True, help="identifiant (subject) de l'utilisateur")

    policy = sub.add_parser("policy", help="politique d'accès")
    policy.add_argument("policy_command", choices=["check"])

    journal = sub.add_parser("journal", help="journal des accès")
    journal.add_argument("journal_command", choices=["verify"])

    tasks = sub.add_parser(
        "tasks",
        help="tâches quotidiennes (expirations, rappels, conventions, conservation, documents orphelins)",
    )
    tasks.add_argument(
        "--daily-at",
        metavar="HH:MM",
        default=None,
        help="tourner sans fin et exécuter les tâches chaque jour à cette heure de Bruxelles",
    )
    tasks.add_argument(
        "--only",
        metavar="ÉTAPE",
        action="append",
        default=None,
        help="n'exécuter que cette étape (répétable) : consents, first-contacts, referrals, agreements, "
        "retention, documents, contract-hours",
    )

    directory = sub.add_parser("directory", help="annuaire : organisations, utilisateurs, rôles (journalisé)")
    directory.add_argument(
        "--par", default=None, help="nom de l'administrateur (par défaut : le compte système)"
    )
    d_sub = directory.add_subparsers(dest="directory_command", required=True)
    d_sub.add_parser("organisations", help="lister les organisations")
    org_add = d_sub.add_parser("organisation-add", help="créer une organisation")
    org_add.add_argument("--name", required=True)
    org_add.add_argument("--kind", required=True, help="forem, cpas, partner, regulator")
    org_add.add_argument("--bassin", default=None)
    org_add.add_argument("--bce", default=None, help="numéro BCE (10 chiffres)")
    d_sub.add_parser("users", help="lister les utilisateurs")
    user_add = d_sub.add_parser("user-add", help="créer un utilisateur professionnel")
    user_add.add_argument("--subject", required=True, help="identifiant de connexion")
    user_add.add_argument("--name", required=True)
    user_add.add_argument("--role", required=True)
    user_add.add_argument("--org", default=None, help="identifiant ou nom exact de l'organisation")
    user_add.add_argument("--team", default=None)
    user_add.add_argument("--email", default=None)
    user_role = d_sub.add_parser("user-role", help="changer le rôle (et l'organisation) d'un utilisateur")
    user_role.add_argument("--user", required=True, help="identifiant ou identifiant de connexion")
    user_role.add_argument("--role", required=True)
    user_role.add_argument("--org", default=None)
    for name, help_text in (
        ("user-deactivate", "désactiver un compte (refusé dès sa prochaine requête)"),
        ("user-reactivate", "réactiver un compte"),
    ):
        toggle = d_sub.add_parser(name, help=help_text)
        toggle.add_argument("--user", required=True, help="identifiant ou identifiant de connexion")
        toggle.add_argument("--reason", default=None, help="motif (obligatoire pour désactiver)")
    d_journal = d_sub.add_parser("journal", help="dernières modifications de l'annuaire")
    d_journal.add_argument("--limit", type=int, default=50)

    assign = sub.add_parser("assign", help="attribution en masse des référents")
    assign.add_argument(
        "--apply", action="store_true", help="écrire les passations (par défaut : simulation)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    wire()
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port

    if args.command == "serve":
        return _serve(settings, host, port, args.workers or settings.workers)
    if args.command == "demo":
        if settings.is_production:
            return _fail("la démonstration n'existe pas en production.", EXIT_CONFIG)
        return _demo(settings, host, port)
    if args.command == "db":
        return _migrate(settings)
    if args.command == "token":
        from coordination.access.cli import issue_token_cli
        from coordination.errors import ProblemError

        try:
            print(issue_token_cli(settings, args.user))
        except ProblemError as exc:
            return _fail(exc.detail, 1)
        return 0
    if args.command == "policy":
        from coordination.access.cli import policy_check_cli

        return policy_check_cli(settings)
    if args.command == "journal":
        from coordination.access.cli import journal_verify_cli

        return journal_verify_cli(settings)
    if args.command == "tasks":
        from coordination.tasks import tasks_cli

        try:
            return tasks_cli(settings, daily_at=args.daily_at, only=args.only)
        except ValueError as exc:
            return _fail(str(exc), EXIT_CONFIG)
    if args.command == "directory":
        from coordination.directory.admin import directory_cli

        return directory_cli(settings, args)
    if args.command == "assign":
        from coordination.referent.cli import assign_cli

        return assign_cli(settings, apply=args.apply)
    return 1


if __name__ == "__main__":
    sys.exit(main())
