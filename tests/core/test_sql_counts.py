"""Pages cost a constant, small number of SQL statements, whatever the page size."""
import pytest

from tests.conftest import do_login


@pytest.mark.parametrize("view", ["ChargeModelView", "UnitModelView", "OwnerModelView", "ReceiptModelView"])
def test_list_pages_cost_the_same_at_10_and_100_rows(app, client, count_sql, view):
    do_login(client, "clerk")
    counts = []
    for size in (10, 100):
        count_sql.clear()
        assert client.get(f"/{view.lower()}/list/?psize_{view}={size}").status_code == 200
        counts.append(len(count_sql))
    assert counts[0] == counts[1] and counts[0] <= 12, counts


def test_unit_ledger_page_is_cheap(app, client, count_sql):
    do_login(client, "clerk")
    html = client.get("/search/?q=3-2-501")
    unit_id = int(html.headers["Location"].rstrip("/").split("/")[-1])
    count_sql.clear()
    assert client.get(f"/cashdesk/ledger/{unit_id}").status_code == 200
    assert len(count_sql) <= 12, "\n".join(" ".join(s.split())[:100] for s in count_sql)


def test_arrears_list_costs_a_fixed_number_of_statements(app, client, count_sql):
    """Every unit in arrears on one page, fetched together: no query per unit."""
    do_login(client, "clerk")
    count_sql.clear()
    html = client.get("/arrears/").get_data(as_text=True)
    rows = html.count('name="unit" value=')
    assert rows > 20, "the demo estate has dozens of units in arrears"
    assert len(count_sql) <= 12, [" ".join(s.split())[:80] for s in count_sql]
