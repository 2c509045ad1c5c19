"""The CLI as operators and scripts use it, against real `entente serve` processes."""
import json
import sqlite3
import subprocess
from pathlib import Path
import urllib.request

import pytest

from conftest import ENTENTE, Node, free_port_range, run, wait_until

COMMANDS = [
    [], ["demo"], ["init"], ["serve"], ["peer"], ["peer", "add"], ["peer", "list"], ["peer", "remove"], ["send"], ["inbox"],
    ["peer", "pending"], ["peer", "confirm"], ["peer", "reject"], ["sent"], ["show"], ["ack"], ["ping"], ["user"], ["user", "add"], ["user", "list"], ["user", "token"], ["outbox"], ["peer", "refresh"],
    ["keys"], ["keys", "rotate"], ["verify"], ["directory"], ["directory", "export"], ["case"],
    ["log"], ["log", "status"], ["log", "audit"], ["log", "proof"], ["log", "bench"], ["detect"], ["agreement", "export"],
    ["language"], ["language", "identify"], ["language", "evaluate"],
] + [["case", sub] for sub in ("open", "list", "show", "notify", "acknowledge", "request", "respond", "evidence", "consult", "refer",
                              "attribute", "statement", "cosign", "export", "resolve", "follow-up", "done", "close", "record")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "entente")
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert "USAGE" in result.stdout.upper()


def test_send_inbox_ack_ping_across_three_nodes(federation):
    estonia, latvia, lithuania = federation("EST", "LVA", "LTU")
    message_id = estonia.cli("send", "--to", "LVA,LTU", "--template", "notification", "--priority", "flash",
                             "--subject", "Ransomware at two banks", "--field", "incidentType=ransomware", "--tlp", "amber").stdout.strip()
    assert len(message_id) == 36

    def arrived(node):
        return any(m["id"] == message_id for m in node.json("inbox"))
    wait_until("LVA and LTU have it", lambda: arrived(latvia) and arrived(lithuania))
    entry = next(m for m in latvia.json("inbox") if m["id"] == message_id)
    assert entry["from"] == "EST" and entry["priority"] == "flash" and entry["acknowledged"] is False
    assert entry["subject"] == "Ransomware at two banks" and entry["receivedAt"].endswith("Z")

    latvia.cli("ack", message_id, "--by", "Jānis")

    def acknowledged_by_latvia():
        deliveries = json.loads(estonia.cli("show", message_id).stdout)["deliveries"]
        return any(d["recipient"] == "LVA" and d["acknowledgedAt"] for d in deliveries)
    wait_until("EST sees LVA's acknowledgement", acknowledged_by_latvia)
    assert next(m for m in latvia.json("inbox") if m["id"] == message_id)["acknowledged"] is True

    checks = estonia.json("ping", "--wait", "20")
    assert {c["peer"] for c in checks} == {"LVA", "LTU"}
    assert all(c["reached"] and c["roundTripMs"] >= 0 for c in checks)


def test_bad_input_gets_a_clear_error(federation):
    (estonia,) = federation("EST")
    result = estonia.cli("send", "--to", "NOWHERE", "--template", "free-text", "--priority", "routine", "--subject", "x", check=False)
    assert result.returncode != 0 and "not a peer" in result.stderr
    result = estonia.cli("send", "--to", "LVA", "--template", "telegram", "--priority", "routine", "--subject", "x", check=False)
    assert result.returncode != 0 and "template" in result.stderr.lower()
    result = run("inbox", "--data", "/nonexistent", check=False)
    assert result.returncode != 0 and "no node" in result.stderr
    result = estonia.cli("user", "add", "--username", "kadri", "--name", "Kadri", "--role", "diplomatic-poc", input="short\n", check=False)
    assert result.returncode != 0 and "12 characters" in result.stderr


def test_peer_add_confirms_the_fingerprint(tmp_path, federation):
    estonia, latvia = federation("EST", "LVA")
    finland = Node(tmp_path, "FIN").start()
    try:
        refused = estonia.cli("peer", "add", finland.url, input="n\n", check=False)
        assert refused.returncode != 0 and finland.fingerprint in refused.stderr
        wrong = estonia.cli("peer", "add", finland.url, "--fingerprint", latvia.fingerprint, check=False)
        assert wrong.returncode != 0 and "fingerprint mismatch" in wrong.stderr
        estonia.cli("peer", "add", finland.url, "--yes")
        assert "FIN" in {p["id"] for p in estonia.json("peer", "list")}
    finally:
        finland.stop()


def test_init_protects_keys(tmp_path):
    node = Node(tmp_path, "EST")
    import os, stat
    assert stat.S_IMODE(os.stat(node.data).st_mode) == 0o700
    for name in ("keys.json", "operator-token"):
        assert stat.S_IMODE(os.stat(f"{node.data}/{name}").st_mode) == 0o600
    again = run("init", "--data", node.data, "--id", "EST", "--name", "x", "--kind", "state", "--url", node.url, check=False)
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr


def test_demo_starts_a_federation(tmp_path):
    port = free_port_range(5)
    result = run("demo", "--data", str(tmp_path / "demo"), "--base-port", str(port), "--once", "--json", timeout=180)
    nodes = json.loads(result.stdout)
    assert [n["id"] for n in nodes] == ["EST", "LVA", "LTU", "FIN", "OSCE"]
    assert all(n["url"].startswith("http://127.0.0.1:") and len(n["users"]) == 4 for n in nodes)
    # `--once` exits 0 only once the exercise case is held identically by every invited participant.
    case_id = nodes[0]["case"].rsplit("/", 1)[1]
    assert nodes[3]["case"] is None
    for node in nodes:
        with sqlite3.connect(Path(node["data"], "entente.sqlite")) as database:
            events = database.execute("SELECT COUNT(*) FROM case_events WHERE case_id = ?", (case_id,)).fetchone()[0]
        assert events == (0 if node["id"] == "FIN" else 18), node["id"]
    # …and once the working group's statement, adopted by silence procedure, is held by every member with its result.
    for node in nodes:
        with sqlite3.connect(Path(node["data"], "entente.sqlite")) as database:
            kinds = dict(database.execute("SELECT kind, COUNT(*) FROM record_entries GROUP BY kind").fetchall())
        assert kinds["result"] == 1 and kinds["proposal"] == 2 and kinds["commitment"] >= 44, node["id"]
        assert ("agreement" in kinds) == (node["id"] in ("EST", "LVA")), node["id"]
    # …and Latvia pulled Estonia's collection and its sighting of CERT-EE's command server went back to Estonia.
    est, lva = nodes[0], nodes[1]
    assert "/intelligence/" in est["intelligence"] and "/intelligence/" in lva["intelligence"]
    with sqlite3.connect(Path(est["data"], "entente.sqlite")) as database:
        sightings = database.execute("SELECT document FROM stix_objects WHERE type = 'sighting' AND from_here = 0").fetchall()
    assert [json.loads(s)["sighting_of_ref"] for (s,) in sightings] == ["indicator--0d6e1f3a-5b7c-4e9d-8f21-3a4b5c6d7e8f"]
    with sqlite3.connect(Path(lva["data"], "entente.sqlite")) as database:
        pulled = database.execute("SELECT COUNT(*) FROM stix_objects WHERE source IS NOT NULL").fetchone()[0]
    # Estonia shares only the evidence it produced in the case (Latvia's is Latvia's to share), and the MISP event's objects.
    with sqlite3.connect(Path(est["data"], "entente.sqlite")) as database:
        shared = database.execute("SELECT COUNT(*) FROM stix_objects WHERE type <> 'sighting' AND tlp <> 'red'").fetchone()[0]
    assert pulled >= 9 and pulled <= shared, (pulled, shared)


def test_rotated_keys_are_taken_by_peers(federation):
    estonia, latvia = federation("EST", "LVA")
    estonia.stop()
    rotated = json.loads(run("keys", "rotate", "--data", estonia.data, "--json").stdout)
    assert rotated["previousFingerprint"] == estonia.fingerprint != rotated["fingerprint"]
    estonia.start()

    # The first envelope signed with the new key makes LVA re-read EST's descriptor, whose rotation
    # statement is signed by the pinned key. LVA holds the new keys until its operator confirms them
    # (a stolen key alone takes nothing over); meanwhile EST's delivery is told to wait, not refused.
    message_id = estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--subject", "New keys").stdout.strip()
    wait_until("LVA holds the rotation for its operator", lambda: [p["peer"] for p in latvia.json("peer", "pending")] == ["EST"])
    pending = latvia.json("peer", "pending")[0]
    assert pending["fingerprint"] == rotated["fingerprint"] and "rotate its keys" in pending["summary"]
    alerts = latvia.api("GET", "/api/v1/alerts")
    assert [a["peer"] for a in alerts] == ["EST"]
    assert not any(m["id"] == message_id for m in latvia.json("inbox"))
    wait_until("EST hears why", lambda: "key_change_pending" in json.dumps(estonia.api("GET", "/api/v1/outbox")))
    latvia.cli("peer", "confirm", "EST")
    estonia.cli("outbox", "--retry")
    wait_until("delivered under the new key", lambda: any(m["id"] == message_id for m in latvia.json("inbox")))
    pinned = {p["id"]: p["fingerprint"] for p in latvia.json("peer", "list")}
    assert pinned["EST"] == rotated["fingerprint"]
    assert latvia.api("GET", "/api/v1/alerts") == [] and latvia.json("peer", "pending") == []


def test_serve_writes_structured_logs_with_request_ids(tmp_path):
    node = Node(tmp_path, "EST").start("--log-format", "json")
    try:
        with urllib.request.urlopen(node.url + "/health") as response:
            request_id = response.headers["X-Request-Id"]
    finally:
        node.stop()
    records = [json.loads(line) for line in node.log_path.read_text().splitlines() if line.startswith("{")]
    assert any(r.get("request_id") == request_id and r["message"] == "request" and r["path"] == "/health" for r in records)
    assert all({"ts", "level", "message"} <= r.keys() for r in records)


def test_commands_reach_a_node_by_url_and_token(federation):
    (estonia,) = federation("EST")
    token = open(f"{estonia.data}/operator-token").read().strip()
    peers = json.loads(run("peer", "list", "--node", estonia.url, "--token", token, "--json").stdout)
    assert peers == []
    refused = run("inbox", "--node", estonia.url, "--token", "not-the-token", check=False)
    assert refused.returncode != 0 and "operator token" in refused.stderr
    missing = run("inbox", "--node", estonia.url, check=False)
    assert missing.returncode != 0 and "--token" in missing.stderr
