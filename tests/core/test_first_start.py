"""python run.py on an empty database: migrations, roles, demo estate and users; once only."""
import subprocess
import sys
from pathlib import Path

from app import create_app
from app.bootstrap import PASSWORD_FILE, first_start
from app.estate.models import Building, Estate, Unit, Zone
from app.extensions import db
from app.owners.models import Owner

ROOT = Path(__file__).resolve().parents[2]


def _app(tmp_path):
    # two months of demo fees keep these start-up tests quick; the session app has twelve
    return create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'f.db'}", INSTANCE_PATH=str(tmp_path),
                      DEMO_FEE_MONTHS=2)


def test_first_start_seeds_once_with_random_passwords(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        created = first_start(seed_demo=True, demo_password=None)
        assert set(created) == {"admin", "manager", "supervisor", "clerk", "accountant", "engineer", "security"}
        passwords = set(created.values())
        assert len(passwords) == 7 and all(len(p) >= 12 for p in passwords)  # random, one each
        saved = (tmp_path / PASSWORD_FILE).read_text()
        assert all(f"{u}\t{p}" in saved for u, p in created.items())
        assert (tmp_path / PASSWORD_FILE).stat().st_mode & 0o077 == 0
        # the demo estate, deterministic
        assert db.session.query(Estate).count() == 1
        assert db.session.query(Zone).count() == 2
        assert db.session.query(Building).count() == 12
        units = db.session.query(Unit).count()
        owners = db.session.query(Owner).count()
        assert 540 <= units <= 650 and 500 <= owners <= 650
        assert db.session.query(Unit).filter_by(code="3-2-501", status="occupied").count() == 1
        user = app.appbuilder.sm.auth_user_db("clerk", created["clerk"])
        assert user is not None and user.roles[0].name == "Clerk"
        # a second start keeps everything and seeds nothing
        assert first_start(seed_demo=True, demo_password=None) == {}
        assert db.session.query(Unit).count() == units
        assert db.session.query(Owner).count() == owners


def test_demo_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    names = []
    for path in (a, b):
        app = _app(path)
        with app.app_context():
            first_start(seed_demo=True, demo_password="demo-password-2026")
            names.append([(o.name, o.phone) for o in db.session.query(Owner).order_by(Owner.id).limit(50)])
    assert names[0] == names[1]


def test_seed_demo_off_gives_empty_estate_list(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        assert first_start(seed_demo=False, demo_password=None) == {}
        assert db.session.query(Estate).count() == 0
        assert app.appbuilder.sm.find_role("Clerk") is not None


def test_secret_key_generated_once_and_kept(tmp_path):
    app1 = _app(tmp_path)
    app2 = _app(tmp_path)
    assert app1.config["SECRET_KEY"] == app2.config["SECRET_KEY"]
    assert len(app1.config["SECRET_KEY"]) >= 32


def test_cli_init_command(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "INSTANCE_PATH": str(tmp_path),
           "SEED_DEMO": "0", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "init"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "up to date" in out.stdout
