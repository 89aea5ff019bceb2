"""The seed's sample requests answer with the seed's sample responses."""

from __future__ import annotations

import httpx

from .conftest import HTML

LIST_SAMPLE = {
    "count": 3, "next": None, "previous": None,
    "results": [{"id": 1, "name": "First mailing", "campaign": None},
                {"id": 2, "name": "Mailing with campaign", "campaign": 1},
                {"id": 3, "name": "Third mailing", "campaign": None}],
}
CREATE_SAMPLE = {
    "id": 1, "name": "Mailing", "list": 1, "campaign": None, "segments": [],
    "variants": [{
        "from_name": "List default from name", "from_email": "list@default.from.email",
        "replyto_email": "", "subject": "Hello World!",
        "deliveries": [{"exclusions": [], "limit": None,
                        "scheduled_datetime": "2017-05-15T19:30:33Z"}],
        "language": None,
        "layout": {"id": 1, "source": HTML},
    }],
}


def test_list_sample(emailicious: httpx.Client) -> None:
    response = emailicious.get("/mailings", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == LIST_SAMPLE


def test_create_sample(emailicious: httpx.Client, layout: str) -> None:
    response = emailicious.post("/mailings", json={
        "list": 1, "name": "Mailing",
        "variants": [{"subject": "Hello World!", "layout": {"zip_file": layout},
                      "deliveries": [{"scheduled_datetime": "2017-05-15T19:30:33Z"}]}]})
    assert response.status_code == 201
    body = response.json()
    # Ids continue after the fixtures (the seed shows an empty account); deliveries also say
    # whether they were sent (documented sandbox fields).
    assert body["id"] == 4
    assert body["variants"][0]["layout"]["id"] == 4
    delivery = body["variants"][0]["deliveries"][0]
    assert (delivery.pop("status"), delivery.pop("sent_at")) == ("scheduled", None)
    body["id"] = body["variants"][0]["layout"]["id"] = 1
    assert body == CREATE_SAMPLE
