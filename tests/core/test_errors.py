"""No stack trace or raw server error reaches a user: errors are our translated pages."""
from app import create_app
from app.bootstrap import init_database


def test_unknown_record_is_a_friendly_404(login):
    resp = login("clerk").get("/ownermodelview/show/99999999")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "error-page" in html and "Traceback" not in html


def test_server_error_page_has_no_traceback(tmp_path):
    app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e.db'}", INSTANCE_PATH=str(tmp_path),
                     PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        init_database()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals: SELECT * FROM ab_user")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "error-page" in html
    assert "secret internals" not in html and "Traceback" not in html
    api = app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and "secret" not in api.get_data(as_text=True)
