"""``_info`` of every API: a field's description is its description (or empty), never the
translation catalog's header that ``gettext("")`` returns (``Project-Id-Version…``)."""
from __future__ import annotations

HEADER_WORDS = ("Project-Id-Version", "Last-Translator", "Content-Type: text/plain")


def _info_urls(app) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules() if r.rule.endswith("/_info") and "GET" in r.methods})


def test_no_info_response_carries_the_catalog_header(app, api):
    admin = api("admin")
    urls = _info_urls(app)
    assert len(urls) > 20, "the APIs' _info routes were not found"
    for lang in ("zh_CN", "en"):
        for url in urls:
            resp = admin.get(f"{url}?lang={lang}")
            assert resp.status_code == 200, url
            body = resp.get_data(as_text=True)
            leaked = [w for w in HEADER_WORDS if w in body]
            assert not leaked, f"{url} ({lang}) shows the catalog header: {leaked}"


def test_a_field_without_description_has_an_empty_one_and_labels_stay(app, api):
    admin = api("admin")
    fields = admin.get("/api/v1/estate/_info").json["add_columns"]
    assert fields and all(isinstance(f["description"], str) for f in fields)
    name = next(f for f in fields if f["name"] == "name")
    assert name["label"] and "Project" not in name["label"]
    users = admin.get("/api/v1/security/users/_info").json["add_columns"]
    assert all("Project-Id-Version" not in f["description"] for f in users)
