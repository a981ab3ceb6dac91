"""The browser tests' server, one process per xdist worker: migrate a fresh SQLite database, load the demo,
then serve the app with uvicorn on the listening socket the test process bound and handed down.

One process for the three steps imports the application once (3.7 s of CPU on a quiet machine, per worker)
instead of twice (a seeding process, then the server). The socket is bound by the test process before this
one starts: the port is known at once, no other process can take it, and the health check's request waits
in the socket's queue until the server accepts it, after the demo is loaded.

Run as ``python -m tests.e2e.serve FD`` from the repository root, with the ``COORDINATION_*`` environment of
the worker's server (its ``COORDINATION_VAR_DIR``, no ``COORDINATION_DATABASE_URL``)."""

from __future__ import annotations

import asyncio
import socket
import sys

GRACEFUL_SHUTDOWN_SECONDS = 2
"""On SIGTERM uvicorn closes idle connections at once and waits this long for running requests: the browser
is closed before the server is stopped, so nothing should be running."""


def main(argv: list[str]) -> None:
    import uvicorn

    from coordination.db.migrate import upgrade
    from coordination.settings import load_settings
    from tests.fixtures.web_demo import seed_web_demo

    listening = socket.socket(fileno=int(argv[0]))  # family and type read from the descriptor (AF_INET, TCP)
    settings = load_settings(env_file=None)
    upgrade(settings.effective_database_url)
    asyncio.run(seed_web_demo(settings))
    config = uvicorn.Config(
        "coordination.app:create_app",
        factory=True,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    uvicorn.Server(config).run(sockets=[listening])


if __name__ == "__main__":
    main(sys.argv[1:])
