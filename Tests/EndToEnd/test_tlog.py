"""The transparency log read by a second implementation, Go's golang.org/x/mod/sumdb (note and tlog), and
kept consistent through kill -9 during appends and witnessing."""
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from conftest import wait_until

TLOGCHECK = str(Path(__file__).parent / "tlogcheck" / "tlogcheck.go")
GOPATH = "/usr/share/gocode"  # Debian's golang-golang-x-mod-dev


def go():
    """Go and golang.org/x/mod, or a loud skip (a failure where CI requires them)."""
    binary = shutil.which("go")
    if binary and Path(GOPATH, "src/golang.org/x/mod/sumdb/tlog").is_dir():
        return binary
    message = "Go or golang.org/x/mod is missing (apt-get install golang-go golang-golang-x-mod-dev)"
    if os.environ.get("ENTENTE_REQUIRE_GO") == "1":
        pytest.fail(f"ENTENTE_REQUIRE_GO=1 but {message}")
    pytest.skip(f"⚠️  {message}: the Go cross-check of the transparency log is NOT run")


def tlogcheck(binary, node, tmp_path):
    """Runs the Go checker against a node; returns what it checked."""
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOCACHE=str(tmp_path / "gocache"), GOFLAGS="", GOTOOLCHAIN="local")
    result = subprocess.run([binary, "run", TLOGCHECK, node.url], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, f"Go disagrees with {node.id}'s log: {result.stderr}"
    return json.loads(result.stdout)


def checkpoint(node):
    with urllib.request.urlopen(node.url + "/tlog/checkpoint", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


def size(node):
    try:
        return int(checkpoint(node).split("\n")[1])
    except OSError:
        return 0


def cosigned_by(node, witness):
    """Whether the node's latest checkpoint carries a cosignature line of `witness`."""
    return f"\n— entente/{witness}/witness " in checkpoint(node)


def test_go_reads_each_nodes_log_as_written_and_verifies_it(federation, tmp_path):
    binary = go()
    estonia, latvia = federation("EST", "LVA")
    estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "urgent", "--subject", "Logged, never shown")
    # Each log: its own descriptor, the peer's descriptor it pinned, and the envelope it sent or accepted.
    wait_until("both logs hold three entries", lambda: size(estonia) >= 3 and size(latvia) >= 3)
    for node in (estonia, latvia):
        checked = tlogcheck(binary, node, tmp_path)
        assert checked["origin"] == f"entente/{node.id}" and checked["recordsChecked"] >= 3
    # The log shows digests, never what was said.
    with urllib.request.urlopen(estonia.url + "/tlog/tile/entries/000.p/" + str(size(estonia)), timeout=5) as response:
        assert b"Logged, never shown" not in response.read()


def test_kill_9_during_appends_and_witnessing_leaves_every_log_consistent(federation, tmp_path):
    binary = go()
    estonia, latvia = federation("EST", "LVA")
    sent = [estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "routine", "--subject", f"Before {n}").stdout.strip()
            for n in range(10)]
    estonia.kill()
    latvia.kill()
    latvia.start()
    estonia.start()
    sent += [estonia.cli("send", "--to", "LVA", "--template", "free-text", "--priority", "routine", "--subject", f"After {n}").stdout.strip()
             for n in range(10)]
    wait_until("all twenty arrived", lambda: {m["id"] for m in latvia.json("inbox")} >= set(sent))
    # Every envelope sent and accepted is logged (1 descriptor of its own, 1 of the peer, 20 envelopes)
    # and each log, resumed, is witnessed by the other again.
    wait_until("both logs hold everything and are cosigned again",
               lambda: size(estonia) >= 22 and size(latvia) >= 22 and cosigned_by(estonia, "LVA") and cosigned_by(latvia, "EST"),
               timeout=60)
    for node in (estonia, latvia):
        tlogcheck(binary, node, tmp_path)
