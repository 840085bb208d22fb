"""Personal data: phone and ID numbers are masked in lists for everyone, and in full only
for roles holding can_read_phone / can_read_id_number on Owner (ROLE_MATRIX is the oracle).

The sample is a demo owner with a mobile phone, an emergency phone, an 18-character ID and a
unit (``sec_ids``); every role below is assigned to the demo estate.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import prison
import pytest

from app.bootstrap import DEMO_USERS
from app.owners.rules import mask_id_number, mask_phone
from app.security import permissions as P
from app.security.roles import ADMIN, STAFF_ROLES, allowed

ROLES = (ADMIN, *STAFF_ROLES)
USER_OF = {role: user for user, role in DEMO_USERS.items()}
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

NO_PHONE = [r for r in ROLES if not allowed(r, P.OWNER, P.READ_PHONE)]
NO_ID = [r for r in ROLES if not allowed(r, P.OWNER, P.READ_ID_NUMBER)]
LACKING = sorted(set(NO_PHONE) | set(NO_ID))


def _secrets(sec_ids, role) -> dict[str, str]:
    """The full values ``role`` must not see."""
    hidden = {}
    if not allowed(role, P.OWNER, P.READ_PHONE):
        hidden["phone"] = sec_ids.owner_phone
        hidden["emergency_phone"] = sec_ids.owner_emergency_phone
    if not allowed(role, P.OWNER, P.READ_ID_NUMBER):
        hidden["id_number"] = sec_ids.owner_id_number
    return hidden


def _record_part(html: str) -> str:
    """The owner page without its change-history panel."""
    return html.split("record-history", 1)[0]


def test_the_mask_looks_like_138_stars_5678():
    assert mask_phone("13812345678") == "138****5678"
    assert re.fullmatch(r"\d{3}\*{4}\d{4}", mask_phone("13900009999"))
    assert mask_id_number("320106197401196738") == "3201**********6738"


def test_every_role_is_covered_by_the_oracle():
    # at least one role on each side, or these tests prove nothing
    assert NO_PHONE and NO_ID
    assert any(allowed(r, P.OWNER, P.READ_PHONE) for r in ROLES)
    assert any(allowed(r, P.OWNER, P.READ_ID_NUMBER) for r in ROLES)


# --- the owner list ---------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_owner_list_masks_phones_for_everyone(browser, sec_ids, role):
    b = browser(USER_OF[role])
    html = b.html(f"/ownermodelview/list/?_flt_2_name={quote(sec_ids.owner_name)}")
    assert sec_ids.owner_name in html
    assert mask_phone(sec_ids.owner_phone) in html
    assert sec_ids.owner_phone not in html
    first_page = b.html("/ownermodelview/list/")
    assert MOBILE.findall(first_page) == []
    assert re.search(r"\d{3}\*{4}\d{4}", first_page)


# --- the owner page -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_owner_page_shows_personal_data_by_right(browser, sec_ids, role):
    html = browser(USER_OF[role]).html(f"/ownermodelview/show/{sec_ids.owner}")
    record = _record_part(html)
    assert sec_ids.owner_name in record
    if allowed(role, P.OWNER, P.READ_PHONE):
        assert sec_ids.owner_phone in record
        assert sec_ids.owner_emergency_phone in record
    else:
        assert mask_phone(sec_ids.owner_phone) in record
        assert sec_ids.owner_phone not in record
        assert sec_ids.owner_emergency_phone not in record
    if allowed(role, P.OWNER, P.READ_ID_NUMBER):
        assert sec_ids.owner_id_number in record
    else:
        assert mask_id_number(sec_ids.owner_id_number) in record
        assert sec_ids.owner_id_number not in record


@pytest.mark.parametrize("role", LACKING)
def test_owner_page_history_does_not_reveal_personal_data(browser, sec_ids, role):
    html = browser(USER_OF[role]).html(f"/ownermodelview/show/{sec_ids.owner}")
    shown = {field: value for field, value in _secrets(sec_ids, role).items() if value in html}
    assert not shown, f"{role} sees in full: {shown}"


# --- the REST API -----------------------------------------------------------------------------------
def _expect_api_record(record: dict, sec_ids, role) -> None:
    if allowed(role, P.OWNER, P.READ_PHONE):
        assert record["phone"] == sec_ids.owner_phone
    else:
        assert record["phone"] == mask_phone(sec_ids.owner_phone)
    if "emergency_phone" in record:
        want = (sec_ids.owner_emergency_phone if allowed(role, P.OWNER, P.READ_PHONE)
                else mask_phone(sec_ids.owner_emergency_phone))
        assert record["emergency_phone"] == want
    if "id_number" in record:
        want = (sec_ids.owner_id_number if allowed(role, P.OWNER, P.READ_ID_NUMBER)
                else mask_id_number(sec_ids.owner_id_number))
        assert record["id_number"] == want


@pytest.mark.parametrize("role", ROLES)
def test_api_masks_like_the_pages(browser, sec_ids, role):
    b = browser(USER_OF[role])
    resp = b.api("GET", f"/api/v1/owner/{sec_ids.owner}")
    assert resp.status_code == 200
    record = resp.get_json()["result"]
    assert {"phone", "emergency_phone", "id_number"} <= set(record)
    _expect_api_record(record, sec_ids, role)
    query = {"q": prison.dumps({"filters": [{"col": "name", "opr": "eq", "value": sec_ids.owner_name}]})}
    listed = b.client.get("/api/v1/owner/", query_string=query).get_json()
    assert listed["count"] == 1
    _expect_api_record(listed["result"][0], sec_ids, role)
    # asking for the columns one by one changes nothing
    query = {"q": prison.dumps({"columns": ["phone", "id_number", "emergency_phone"]})}
    _expect_api_record(b.client.get(f"/api/v1/owner/{sec_ids.owner}", query_string=query).get_json()["result"],
                       sec_ids, role)


@pytest.mark.parametrize("role", LACKING)
def test_no_other_page_or_api_reveals_personal_data(browser, sec_ids, role):
    """Every other place that shows an owner: occupancies, the unit page, the quick search,
    the API of occupancies and units. Pages the role may not open (403) are skipped."""
    b = browser(USER_OF[role])
    hidden = _secrets(sec_ids, role)
    urls = [
        f"/occupancymodelview/list/?_flt_0_owner={sec_ids.owner}",
        f"/occupancymodelview/show/{sec_ids.owner_occupancy}",
        f"/unitmodelview/show/{sec_ids.owner_unit}",
        f"/search/?q={sec_ids.owner_phone[-4:]}",
        f"/api/v1/occupancy/{sec_ids.owner_occupancy}",
        "/api/v1/occupancy/?q=" + quote(prison.dumps(
            {"filters": [{"col": "owner", "opr": "rel_o_m", "value": sec_ids.owner}]})),
        f"/api/v1/unit/{sec_ids.owner_unit}",
        "/api/v1/owner/_info",
        "/api/v1/occupancy/_info",
    ]
    leaks, opened = [], 0
    for url in urls:
        resp = b.get(url)
        if resp.status_code in (400, 403, 404):  # not for this role, or a filter it may not use
            continue
        assert resp.status_code in (200, 302), f"{role}: {url} -> {resp.status_code}"
        opened += 1
        body = resp.get_data(as_text=True)
        leaks += [f"{url}: {field}" for field, value in hidden.items() if value in body]
    assert opened, f"{role} could open none of the pages"
    assert not leaks, f"{role} sees in full:\n" + "\n".join(leaks)


def test_api_filters_cannot_test_a_guessed_number(browser, sec_ids):
    """Masking is void if a filter on the hidden column confirms a guess (with starts-with,
    digit by digit): the API must not filter on columns the role may not read."""
    confirmed = []
    for role in LACKING:
        b = browser(USER_OF[role])
        for field, value in _secrets(sec_ids, role).items():
            for opr, probe in (("eq", value), ("sw", value[:-1])):
                q = prison.dumps({"filters": [{"col": field, "opr": opr, "value": probe},
                                              {"col": "name", "opr": "eq", "value": sec_ids.owner_name}]})
                resp = b.client.get("/api/v1/owner/", query_string={"q": q})
                if resp.status_code == 200 and resp.get_json()["count"] > 0:
                    confirmed.append(f"{role}: {field} {opr} {probe!r}")
    assert not confirmed, "hidden values confirmed through API filters:\n" + "\n".join(confirmed)
