"""Incident cases from the command line across real nodes, and offline verification of a joint statement."""
import json

from conftest import run, wait_until


def case_state(node, case_id):
    return json.loads(node.cli("case", "show", case_id, "--json").stdout)


def test_case_from_notice_to_joint_statement_with_the_cli(federation, tmp_path):
    estonia, latvia, lithuania, finland = federation("EST", "LVA", "LTU", "FIN")
    case_id = estonia.cli("case", "open", "--title", "Ransomware at two banks", "--summary", "Core banking encrypted.",
                          "--sector", "banking", "--impact", "severe", "--tlp", "amber", "--exercise").stdout.strip()
    estonia.cli("case", "notify", case_id, "--to", "LVA,LTU", "--message", "Servers in your networks are used.", "--respond-within", "2h")
    wait_until("LVA holds the case", lambda: any(c["id"] == case_id for c in latvia.json("case", "list")))
    latvia.cli("case", "acknowledge", case_id)

    request_id = estonia.cli("case", "request", case_id, "--to", "LVA", "--ask", "logs,takedown", "--details", "Logs of 198.51.100.7",
                             "--due-within", "1d").stdout.strip()
    wait_until("LVA sees the request", lambda: any(e["id"] == request_id for e in case_state(latvia, case_id)["timeline"]))
    latvia.cli("case", "respond", case_id, request_id, "--decision", "partial", "--content", "Logs attached.")
    latvia.cli("case", "evidence", case_id, "--description", "Netflow", "--indicator", "ipv4-addr=198.51.100.7",
               "--file", "netflow.csv=" + "ab" * 32)

    # A step the state machine does not allow is refused, with the rule, and changes nothing.
    refused = latvia.cli("case", "close", case_id, "--outcome", "done", check=False)
    assert refused.returncode != 0 and "only the case's owner" in refused.stderr

    estonia.cli("case", "refer", case_id, "--forum", "OSCE Permanent Council", "--reason", "Support")
    attribution_id = estonia.cli("case", "attribute", case_id, "--actor-kind", "state-linked-group", "--actor-name", "EXERCISE BEAR",
                                 "--basis", "technical,intelligence", "--likelihood", "very likely", "--confidence", "moderate",
                                 "--summary", "Infrastructure overlap.").stdout.strip()
    statement_id = estonia.cli("case", "statement", case_id, "--title", "Joint statement", "--text", "We condemn the attack.",
                               "--attribution", attribution_id).stdout.strip()
    for cosigner in (latvia, lithuania):
        wait_until(f"{cosigner.id} sees the statement",
                   lambda: any(s["id"] == statement_id for s in case_state(cosigner, case_id)["statements"]))
        cosigner.cli("case", "cosign", case_id, statement_id)

    def everyone_agrees():
        states = [case_state(node, case_id) for node in (estonia, latvia, lithuania)]
        return all(s["timeline"] == states[0]["timeline"] and s["stage"] == "referred" for s in states) and len(states[0]["timeline"]) == 12
    wait_until("all three nodes hold the same twelve events", everyone_agrees)
    state = case_state(estonia, case_id)
    assert state["statements"][0]["signers"] == ["EST", "LVA", "LTU"]
    assert all(event["refusal"] is None for event in state["timeline"])
    assert finland.json("case", "list") == []

    # The exported statement verifies offline; any altered byte does not.
    exported = tmp_path / "statement.json"
    estonia.cli("case", "export", case_id, statement_id, "--output", str(exported))
    # Signers are anchored by the verifier, never by the keys inside the file: naming two of three is not enough.
    partly = run("verify", str(exported), "--expect", f"EST={estonia.fingerprint}", "--expect", f"LVA={latvia.fingerprint}", check=False)
    assert partly.returncode != 0 and "NOT VERIFIED" in partly.stderr and "LTU is not anchored" in partly.stderr
    report = json.loads(run("verify", str(exported), "--json", check=False).stdout)
    assert report["verified"] is False and [s["participant"] for s in report["signers"]] == ["EST", "LTU", "LVA"]
    assert len(report["problems"]) == 3
    directory = tmp_path / "directory.json"
    latvia.cli("directory", "export", "--output", str(directory))
    verified = run("verify", str(exported), "--directory", str(directory))
    assert "VERIFIED: 3 signature(s), logged and witnessed" in verified.stdout
    assert "This proves that EST's record held this exact file" in verified.stdout
    verified = run("verify", str(exported), "--expect", f"EST={estonia.fingerprint}", "--expect", f"LVA={latvia.fingerprint}",
                   "--expect", f"LTU={lithuania.fingerprint}")
    # Fingerprints alone anchor signatures, not the log's keys: the log is said to be unchecked, not failed.
    assert "VERIFIED: 3 signature(s)" in verified.stdout and "LOG NOT CHECKED" in verified.stdout

    wrong = run("verify", str(exported), "--directory", str(directory), "--expect", f"LVA={estonia.fingerprint}", check=False)
    assert wrong.returncode != 0 and "NOT VERIFIED" in wrong.stderr
    original = exported.read_bytes()
    for offset in (10, len(original) // 2, len(original) - 5):
        altered = bytearray(original)
        altered[offset] ^= 0x01
        exported.write_bytes(bytes(altered))
        result = run("verify", str(exported), check=False)
        assert result.returncode != 0 and "NOT VERIFIED" in result.stderr, f"byte {offset}"
