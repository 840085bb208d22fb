"""Every registered URL rule, filled with hostile values, answers 4xx (or a page), never 5xx.

The walk reads ``app.url_map`` itself, so a route added later is walked without editing this
file. Each path variable gets each hostile value (all variables of a rule at once: a rule
rarely has two, and the first refusal is the one that counts); the read pages without path
variables get hostile query strings instead (``_queries``). Anonymous, a clerk and the administrator each walk it, by GET and
by every other method the rule allows (forms with the session's CSRF token, API calls as
JSON). Nothing the walk sends names an existing record, so nothing is changed.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.core.inputs import MAX_ID

HUGE = str(10**25)
# beyond 64 bits, one past 64 bits, beyond PostgreSQL's INTEGER, 0, negative, NUL, a full-width
# digit (as typed with a Chinese input method), a name, a very long name
HOSTILE = (HUGE, str(MAX_ID + 1), "3000000000", "0", "-1", "%00", "８", "nosuch", "x" * 300)
ROLES = (None, "clerk", "admin")
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# the walk's own session must last: its POST to /logout/ is left out (a GET there only asks)
SKIP = {("POST", "/logout/")}
QUERY_NAMES = ("page", "page_size", "month", "as_of", "from", "to", "kind", "item", "sort", "cashier", "unit_code")


def _fill(rule: str, value: str) -> str:
    raw = value if value.startswith("%") else quote(value, safe="")
    return VARIABLE.sub(lambda _m: raw, rule)


def _queries(view: str) -> list[str]:
    """Hostile query strings for a page without path variables: the record ids the desk reads
    (``estate``, ``unit``), its other arguments (one full page each: a month, a date, a kind
    that are none), and FAB's list arguments (sort, page, page size). Apart, so that a refusal
    of one does not hide the others."""
    out = [f"estate={value}&unit={value}" for value in (HUGE, "-1", "nosuch")]
    out.append("&".join(f"{name}=nosuch%00" for name in QUERY_NAMES) + "&q=" + "x" * 300)
    for value in (HUGE, "nosuch"):
        out.append(f"_oc_{view}={value}&_od_{view}=asc&page_{view}={value}&psize_{view}={value}")
    return out


def _requests(app):
    """(method, url) pairs of the walk, in url_map order."""
    out: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.arguments:
            urls = [_fill(rule.rule, value) for value in HOSTILE]
        elif "GET" in methods and "/static" not in rule.rule:
            view = rule.endpoint.split(".")[0]
            urls = [f"{rule.rule}?{query}" for query in _queries(view)]
            methods = ["GET"]  # a POST without variables could be a real action (a billing run)
        else:
            continue
        for method in methods:
            if (method, rule.rule) in SKIP:
                continue
            out.extend((method, url) for url in urls)
    return out


# the refusals come back as JSON (app/errors.py): the HTML error page, its menu and layout,
# cost 30 ms each, thousands of times over; its rendering is tested elsewhere
JSON = {"Accept": "application/json"}


def _send(b, method: str, url: str):
    if method == "GET":
        return b.client.get(url, headers=JSON)
    if url.startswith("/api/"):
        return b.client.open(url, method=method, json={}, headers={"X-CSRFToken": b.token, **JSON})
    return b.client.open(url, method=method, data={"csrf_token": b.token}, headers=JSON)


@pytest.fixture()
def errors_as_in_production(app, monkeypatch):
    """The test app lets a view's exception through (TESTING); production answers it with the
    500 page. Walk as production does, and keep each exception to name it in the failure."""
    from flask import got_request_exception

    seen: list[BaseException] = []

    def _keep(_sender, exception, **_kw):
        seen.append(exception)

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    got_request_exception.connect(_keep, app)
    yield seen
    got_request_exception.disconnect(_keep, app)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_no_url_answers_5xx_to_hostile_values(app, browser, errors_as_in_production, role):
    b = browser(role)
    failures = []
    walked = 0
    for method, url in _requests(app):
        walked += 1
        errors_as_in_production.clear()
        status = _send(b, method, url).status_code
        if status >= 500:
            why = "; ".join(f"{type(e).__name__}: {str(e)[:80]}" for e in errors_as_in_production)
            failures.append(f"{method} {url[:120]} -> {status} {why}")
    assert walked > 1000, "the walk lost its routes"
    if role:  # the whole walk ran as that user (a GET of /logout/ once ended it half-way)
        assert b.get("/users/userinfo/").status_code == 200, "the walk's session ended on the way"
    assert not failures, f"{len(failures)} of {walked} requests answered 5xx:\n" + "\n".join(failures)


def test_the_walk_covers_every_rule_with_variables(app):
    """A rule whose variables the walk cannot fill would silently go unwalked."""
    for rule in app.url_map.iter_rules():
        if rule.arguments:
            assert not VARIABLE.search(_fill(rule.rule, "1")), rule.rule
