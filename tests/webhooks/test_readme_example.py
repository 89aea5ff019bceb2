"""The webhook example of README.md, as a test, and the check that README shows it."""

from __future__ import annotations

import re
from pathlib import Path

from mailtwin import Sandbox

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_a_failed_webhook_is_retried(mailtwin: Sandbox, mailtwin_webhook_receiver) -> None:
    receiver = mailtwin_webhook_receiver
    with mailtwin.client("especial", headers={"Authorization": "Bearer t"}) as especial:
        hook = especial.post("/webhooks", json={"event": "List.Created",
                                                "url": receiver.url}).json()
        receiver.keys.add(especial.get(f"/webhooks/{hook['id']}").json()["signature"]["key"])
        receiver.fail_next(1)
        especial.post("/lists", json={"name": "News", "default_sender": {"id": "news-desk"}})

        assert mailtwin.flush_webhooks()["pending"] == 1  # failed, retried in 10 s
        mailtwin.clock.advance(seconds=10)
        mailtwin.flush_webhooks()

    assert [d.status for d in receiver.deliveries] == [500, 200]
    assert all(d.verified for d in receiver.deliveries)
    assert receiver.deliveries[1].json["data"]["name"] == "News"


def test_the_readme_shows_this_example() -> None:
    section = README.split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.DOTALL)
              if "def test_" in b]
    assert len(blocks) == 1
    assert blocks[0] in Path(__file__).read_text()
