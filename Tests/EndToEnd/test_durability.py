"""What a node acknowledged to a user survives kill -9, on SQLite and on PostgreSQL."""
import os
import time

import pytest

from conftest import POSTGRES_URL, postgres_database, wait_until

BACKENDS = ["sqlite", "postgres"]


def database_for(backend):
    if backend == "sqlite":
        return None
    if not POSTGRES_URL:
        if os.environ.get("ENTENTE_REQUIRE_POSTGRES") == "1":
            pytest.fail("ENTENTE_REQUIRE_POSTGRES=1 but ENTENTE_TEST_POSTGRES_URL is not set")
        pytest.skip("⚠️  PostgreSQL not configured (ENTENTE_TEST_POSTGRES_URL): durability on PostgreSQL NOT tested")
    return lambda participant: postgres_database(POSTGRES_URL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_sender_delivers_what_it_acknowledged_exactly_once(federation, backend):
    estonia, latvia = federation("EST", "LVA", database=database_for(backend))
    latvia.stop()
    ids = [estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--subject", f"Message {n}").stdout.strip()
           for n in range(5)]
    estonia.kill()

    latvia.start()
    estonia.start()
    wait_until("all five arrived", lambda: {m["id"] for m in latvia.json("inbox")} >= set(ids))
    time.sleep(0.5)
    inbox = latvia.json("inbox")
    assert sorted(m["id"] for m in inbox) == sorted(ids), "each message exactly once"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_recipient_keeps_what_it_receipted(federation, backend):
    estonia, latvia = federation("EST", "LVA", database=database_for(backend))
    message_id = estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "flash", "--subject", "Receipted").stdout.strip()

    def receipted():
        return all(d["deliveredAt"] for d in estonia.api("GET", f"/api/v1/messages/{message_id}")["deliveries"])
    wait_until("LVA's receipt reached EST", receipted)
    latvia.kill()
    latvia.start()
    assert [m["id"] for m in latvia.json("inbox")] == [message_id]

    latvia.cli("ack", message_id)
    latvia.kill()
    latvia.start()
    assert latvia.json("inbox")[0]["acknowledged"] is True
    wait_until("the acknowledgement queued before the kill reached EST",
               lambda: estonia.api("GET", f"/api/v1/messages/{message_id}")["deliveries"][0]["acknowledgedAt"] is not None)
