"""The transparency log read by a second implementation, Go's golang.org/x/mod/sumdb (note and tlog), and
kept consistent through kill -9 during appends and witnessing."""
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import run, wait_until
from test_web import browser  # noqa: F401 (the fixture)

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
        # The node says the same of itself: the key Go derived is the one it names, and its audit re-derives it all.
        status = node.json("log", "status")
        assert status["logKey"] == checked["verifierKey"] and status["size"] >= 3
        audit = node.json("log", "audit")
        assert audit["consistent"] and audit["documents"]["envelope"]["logged"] == 1, audit
    peer = next(w for w in estonia.json("log", "status")["witnesses"] if w["witness"] == "LVA")
    assert peer["cosignedSize"] >= 1
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
        audit = node.json("log", "audit")
        assert audit["consistent"] and audit["documents"]["envelope"]["missing"] == 0, audit


def forged_checkpoint(node, size, root):
    """A checkpoint of `node`'s log signed with its own key (a hostile node signs whatever it likes)."""
    import base64
    import hashlib
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    keys = json.loads(Path(node.data, "keys.json").read_text())
    seed = base64.urlsafe_b64decode(keys["signing"] + "=" * (-len(keys["signing"]) % 4))
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    name = f"entente/{node.id}"
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x01" + public).digest()[:4]
    text = f"{name}\n{size}\n{base64.b64encode(root).decode()}\n"
    signature = base64.b64encode(key_id + key.sign(text.encode())).decode()
    return f"{text}\n— {name} {signature}\n"


def test_the_log_page_shows_witnesses_and_a_caught_fork_in_the_browser(federation, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from test_web import SCREENSHOTS, add_user, sign_in

    estonia, latvia, lithuania = federation("EST", "LVA", "LTU")
    add_user(latvia, "janis", "Jānis Bērziņš", "diplomatic-poc", "latvia-password-1")
    estonia.cli("send", "--to", "LVA,LTU", "--template", "free-text", "--priority", "urgent", "--subject", "Logged")
    wait_until("Estonia's record is countersigned by both", lambda: cosigned_by(estonia, "LVA") and cosigned_by(estonia, "LTU"))
    sign_in(browser, latvia, "janis", "latvia-password-1")
    browser.get(latvia.url + "/log")
    assert browser.find_element(By.ID, "no-alerts") and "Record contradicted" not in browser.page_source
    wait_until("Latvia has read Estonia's record",
               lambda: browser.get(latvia.url + "/log") or "EST" in browser.find_element(By.TAG_NAME, "main").text)
    for width in (1400, 800):
        browser.set_window_size(width, 1000)
        browser.save_screenshot(str(SCREENSHOTS / f"tlog-1-witnessed-{width}.png"))

    # Estonia shows Latvia's witness a checkpoint of a size Latvia countersigned, with another root.
    status = latvia.json("log", "status")
    seen = next(log for log in status["peerLogs"] if log["origin"] == "entente/EST")["witnessedSize"]
    request = urllib.request.Request(latvia.url + "/tlog/witness/add-checkpoint", method="POST",
                                     data=(f"old {seen}\n\n" + forged_checkpoint(estonia, seen, b"\x07" * 32)).encode())
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("the fork was cosigned")
    except urllib.error.HTTPError as refused:
        assert refused.code == 409
    browser.get(latvia.url + "/log")
    assert "Record contradicted" in browser.page_source and "Showed two histories" in browser.page_source
    for width in (1400, 800):
        browser.set_window_size(width, 1000)
        browser.save_screenshot(str(SCREENSHOTS / f"tlog-2-caught-{width}.png"))
    # Gossiped to Lithuania, which the CLI says plainly, with a failing exit status.
    wait_until("Lithuania holds the proof", lambda: lithuania.cli("log", "status", check=False).returncode == 1)
    assert "ALERT equivocation entente/EST" in lithuania.cli("log", "status", check=False).stdout
    # The proof verifies offline, with the key Lithuania's own directory anchors for Estonia, and nothing else.
    proof = json.loads(lithuania.cli("log", "status", "--json", check=False).stdout)["equivocations"][0]["proof"]
    proof_file, directory = tmp_path / "equivocation.json", tmp_path / "pins.json"
    proof_file.write_text(proof)
    lithuania.cli("directory", "export", "--output", str(directory))
    proven = run("verify", str(proof_file), "--directory", str(directory))
    assert "EQUIVOCATION PROVEN: entente/EST signed two different records" in proven.stdout
    unanchored = run("verify", str(proof_file), check=False)
    assert unanchored.returncode != 0 and "not anchored" in unanchored.stderr
    forged = json.loads(proof)
    forged["second"] = forged["first"]
    proof_file.write_text(json.dumps(forged))
    assert run("verify", str(proof_file), "--directory", str(directory), check=False).returncode != 0
