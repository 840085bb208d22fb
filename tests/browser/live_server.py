"""Serve Estate Desk for the browser tests, as `python run.py` would, on a free local port.

    python -m tests.browser.live_server INSTANCE_DIR [PORT]

Builds the real app with its own instance folder and SQLite file, runs the first start
(migrations, roles, demo estate, one demo user per role with the password below), then
serves with werkzeug on 127.0.0.1 (PORT 0 = any free port) and prints one line
``LISTENING http://127.0.0.1:<port>/`` once the socket is bound. Stops on SIGTERM/SIGINT.
Also handy by hand: the same database a failing browser test saw. The tests pin the office
clock (OFFICE_TODAY, tests/conftest.py); set the same OFFICE_TODAY by hand to see their day.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

PASSWORD = "demo-password-2026"
READY_PREFIX = "LISTENING "


def build_app(instance: Path):
    from app import create_app
    from app.bootstrap import first_start

    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'browser.db'}",
        INSTANCE_PATH=str(instance),
        SECRET_KEY="browser-test-secret-key-of-32-bytes-or-more",
        DEMO_PASSWORD=PASSWORD,
        SEED_DEMO=True,
    )
    with app.app_context():
        first_start(seed_demo=True, demo_password=PASSWORD)
    # Alembic's fileConfig() in app/migrations/env.py disables every logger that existed before
    # it ran (disable_existing_loggers defaults to True), so the app's own error log, tracebacks
    # of 500s included, goes silent. Re-enable them: the server log is how a test is debugged.
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
    return app


def main(argv: list[str]) -> None:
    from werkzeug.serving import make_server

    instance = Path(argv[1]).resolve()
    port = int(argv[2]) if len(argv) > 2 else 0
    app = build_app(instance)
    server = make_server("127.0.0.1", port, app, threaded=True)

    def stop(signum, frame):  # shutdown() waits for serve_forever: call it from another thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"{READY_PREFIX}http://127.0.0.1:{server.server_port}/", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main(sys.argv)
