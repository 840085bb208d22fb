"""First start does what README promises: a clerk logs in and finds 3-2-501 in Chinese."""


def test_clerk_finds_room_3_2_501(login):
    client = login("clerk")
    resp = client.get("/search/?q=3-2-501")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "3-2-501" in page
    assert "山水湖畔小区" in page
