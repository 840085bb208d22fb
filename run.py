"""Start Estate Desk: `python run.py`.

Applies the migrations, creates roles and permissions, seeds the demo estate and one demo user
per role on an empty database (not with SEED_DEMO=0), then serves on HOST:PORT
(default http://127.0.0.1:5000). A second start keeps all data and seeds nothing again.
Command-line tasks: `flask --app run.py <command>` (see `flask --app run.py --help`).
"""
import os
from pathlib import Path

from app import create_app

app = create_app()


def main() -> None:
    from app.bootstrap import PASSWORD_FILE, first_start

    with app.app_context():
        created = first_start(app.config["SEED_DEMO"], app.config.get("DEMO_PASSWORD"))
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"\nEstate Desk 物业客服台账: http://{host}:{port}/")
    if created:
        print("Demo users created (用户名 / 密码):")
        for user, pw in created.items():
            print(f"  {user:<11} {pw}")
        if not app.config.get("DEMO_PASSWORD"):
            print(f"These passwords are also in {Path(app.instance_path) / PASSWORD_FILE}")
    else:
        pw_file = Path(app.instance_path) / PASSWORD_FILE
        if pw_file.exists():
            print(f"Log in with a demo user; passwords: {pw_file}")
    app.run(host=host, port=port, threaded=True, debug=False)


if __name__ == "__main__":
    main()
