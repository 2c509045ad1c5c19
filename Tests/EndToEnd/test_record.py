"""The multilateral record from the command line across real nodes: a forum's vote verified offline,
an agreement that sets hotline deadlines between its parties, a drill's report, norms, CBMs and capacity building."""
import json
import time
from datetime import datetime

from conftest import run, wait_until


def forum_state(node, forum_id):
    return node.json("forum", "show", forum_id)


def proposal(node, forum_id, proposal_id):
    return next((p for p in forum_state(node, forum_id)["proposals"] if p["id"] == proposal_id), None)


def test_forum_vote_from_tabling_to_an_offline_verified_result(federation, tmp_path):
    osce, estonia, latvia, lithuania, finland = federation("OSCE", "EST", "LVA", "LTU", "FIN")
    forum_id = osce.cli("forum", "open", "--name", "Informal Working Group", "--members", "EST,LVA,LTU").stdout.strip()
    wait_until("EST holds the forum", lambda: any(f["id"] == forum_id for f in estonia.json("forum", "list")))
    proposal_id = estonia.cli("forum", "propose", forum_id, "--title", "Statement on the bank ransomware",
                              "--text", "We express concern and call for restraint.").stdout.strip()
    wait_until("LVA sees the proposal", lambda: proposal(latvia, forum_id, proposal_id) is not None)
    amendment_id = latvia.cli("forum", "amend", forum_id, proposal_id, "--text", "We condemn the attack and call for restraint.",
                              "--rationale", "clearer").stdout.strip()
    wait_until("the chair sees the amendment", lambda: proposal(osce, forum_id, proposal_id)["amendments"])
    refused = estonia.cli("forum", "decide", forum_id, amendment_id, "--accept", check=False)
    assert refused.returncode != 0 and "only the chair" in refused.stderr
    osce.cli("forum", "decide", forum_id, amendment_id, "--accept")
    assert proposal(osce, forum_id, proposal_id)["currentVersion"] == 2

    call_id = osce.cli("forum", "call", forum_id, proposal_id, "--rule", "two-thirds", "--quorum", "50", "--open", "6s").stdout.strip()
    for member in (estonia, latvia, lithuania):
        wait_until(f"{member.id} sees the vote", lambda: (proposal(member, forum_id, proposal_id) or {}).get("vote"))
    estonia.cli("forum", "vote", forum_id, call_id, "yes")
    latvia.cli("forum", "vote", forum_id, call_id, "yes")
    lithuania.cli("forum", "vote", forum_id, call_id, "no")
    twice = estonia.cli("forum", "vote", forum_id, call_id, "no", check=False)
    assert twice.returncode != 0 and "already voted" in twice.stderr
    outsider = finland.cli("forum", "vote", forum_id, call_id, "no", check=False)
    assert outsider.returncode != 0 and "no forum" in outsider.stderr
    early = osce.cli("forum", "publish", forum_id, call_id, check=False)
    assert early.returncode != 0 and "open until" in early.stderr

    wait_until("the chair holds three ballots", lambda: len(proposal(osce, forum_id, proposal_id)["vote"]["ballots"]) == 3)
    deadline = datetime.fromisoformat(proposal(osce, forum_id, proposal_id)["vote"]["deadline"].replace("Z", "+00:00"))
    time.sleep(max(0, (deadline - datetime.now(deadline.tzinfo)).total_seconds()) + 0.5)
    osce.cli("forum", "publish", forum_id, call_id)
    for node in (estonia, latvia, lithuania):
        wait_until(f"{node.id} holds the result", lambda: "result" in proposal(node, forum_id, proposal_id)["vote"])
        assert proposal(node, forum_id, proposal_id)["vote"]["result"]["outcome"] == "adopted"

    result_file = tmp_path / "result.json"
    latvia.cli("forum", "result", forum_id, call_id, "--output", str(result_file))
    directory = tmp_path / "directory.json"
    latvia.cli("directory", "export", "--output", str(directory))
    verified = run("verify", str(result_file), "--directory", str(directory), "--expect", f"OSCE={osce.fingerprint}", "--json")
    report = json.loads(verified.stdout)
    assert report["verified"] and "adopted: yes 2, no 1" in report["summary"]
    assert sorted(s["participant"] for s in report["signers"]) == ["EST", "LTU", "LVA", "OSCE"]
    # Latvia's log holds the result it accepted, under a checkpoint a majority of the others cosigned: proven
    # offline from its own directory's keys, and said in words.
    assert report["log"]["proven"] and report["log"]["origin"] == "entente/LVA" and len(report["log"]["witnesses"]) >= 3, report["log"]
    plain = run("verify", str(result_file), "--directory", str(directory), "--expect", f"OSCE={osce.fingerprint}").stdout
    assert "LOGGED: entry" in plain and "WITNESSED: cosigned by" in plain and "logged and witnessed" in plain
    # A hostile exporter's proof: moved to another entry, or stripped of its cosignatures, it proves nothing.
    proof_file = tmp_path / "result.json.tlog-proof"
    proof = proof_file.read_text()
    index = int(proof.split("\n")[1].split()[1])
    proof_file.write_text(proof.replace(f"\nindex {index}\n", f"\nindex {index + 1}\n", 1))
    moved = run("verify", str(result_file), "--directory", str(directory), check=False)
    assert moved.returncode != 0 and "log: the document is not in the log" in moved.stderr
    proof_file.write_text("".join(line + "\n" for line in proof.rstrip("\n").split("\n") if "/witness " not in line))
    stripped = run("verify", str(result_file), "--directory", str(directory), check=False)
    assert stripped.returncode != 0 and "NOT WITNESSED BY A QUORUM" in stripped.stdout
    proof_file.write_text(proof)
    original = result_file.read_bytes()
    for needle in (b'"choice":"no"', b'"yes":2'):
        altered = tmp_path / "altered.json"
        altered.write_bytes(original.replace(needle, needle.replace(b"no", b"yes").replace(b"2", b"3"), 1))
        failed = run("verify", str(altered), check=False)
        assert failed.returncode != 0 and "NOT VERIFIED" in failed.stderr
    assert finland.json("forum", "list") == []


def test_agreement_sets_acknowledgement_deadlines_between_its_parties_only(federation, tmp_path):
    estonia, latvia, lithuania = federation("EST", "LVA", "LTU")
    agreement_id = estonia.cli("agreement", "propose", "--title", "Baltic hotline arrangement", "--text", "Urgent within 30 minutes.",
                               "--parties", "LVA", "--acknowledge", "urgent=30m", "--notify-within", "24h").stdout.strip()
    agreement_file = tmp_path / "agreement.json"
    early = estonia.cli("agreement", "export", agreement_id, "--output", str(agreement_file), check=False)
    assert early.returncode != 0 and "awaits the signature of LVA" in early.stderr and not agreement_file.exists()
    wait_until("LVA holds the agreement", lambda: any(a["id"] == agreement_id for a in latvia.json("agreement", "list")))
    latvia.cli("agreement", "sign", agreement_id)
    wait_until("EST sees it in force", lambda: estonia.api("GET", f"/api/v1/agreements/{agreement_id}")["inForce"])

    # Exported in force, it verifies offline against Estonia's own pins, and Estonia's log holds it under a
    # checkpoint both witnesses cosigned.
    estonia.cli("agreement", "export", agreement_id, "--output", str(agreement_file))
    directory = tmp_path / "directory.json"
    estonia.cli("directory", "export", "--output", str(directory))
    report = json.loads(run("verify", str(agreement_file), "--directory", str(directory), "--json").stdout)
    assert report["verified"] and report["title"] == "Baltic hotline arrangement", report
    assert "signed by all 2 parties" in report["summary"] and "urgent within 30m" in report["summary"]
    assert sorted(s["participant"] for s in report["signers"]) == ["EST", "LVA"]
    assert report["log"]["proven"] and report["log"]["origin"] == "entente/EST" and len(report["log"]["witnesses"]) == 2, report["log"]
    unanchored = run("verify", str(agreement_file), check=False)
    assert unanchored.returncode != 0 and "LVA is not anchored" in unanchored.stderr
    rewritten = tmp_path / "rewritten.json"
    rewritten.write_bytes(agreement_file.read_bytes().replace(b"Urgent within 30 minutes.", b"Urgent within 90 minutes."))
    failed = run("verify", str(rewritten), "--directory", str(directory), check=False)
    assert failed.returncode != 0 and "does not verify" in failed.stderr

    sent = estonia.api("POST", "/api/v1/messages", {"to": ["LVA", "LTU"], "template": "free-text", "priority": "urgent", "subject": "Test"})
    assert len(sent["ids"]) == 2

    def deadline(message_id):
        message = estonia.api("GET", f"/api/v1/messages/{message_id}")
        seconds = (datetime.fromisoformat(message["acknowledgeBy"].replace("Z", "+00:00")) - datetime.fromisoformat(message["sentAt"].replace("Z", "+00:00"))).total_seconds()
        return {delivery["recipient"]: round(seconds) for delivery in message["deliveries"]}
    deadlines = {}
    for message_id in sent["ids"]:
        deadlines.update(deadline(message_id))
    assert deadlines == {"LVA": 1800, "LTU": 7200}


def test_drill_injects_arrive_marked_as_exercise_and_the_report_times_the_answers(federation):
    osce, estonia, latvia = federation("OSCE", "EST", "LVA")
    drill_id = osce.cli("drill", "create", "--name", "Baltic grid drill",
                        "--inject", "0|EST,LVA|urgent|Inject 1: grid operator reports intrusion|Acknowledge.",
                        "--inject", "2s|EST|flash|Inject 2: outage spreading|Acknowledge at once.").stdout.strip()
    wait_until("both injects are sent", lambda: osce.json("drill", "report", drill_id)["sent"] == 3)
    wait_until("EST holds both injects", lambda: len([m for m in estonia.json("inbox") if m["exercise"]]) == 2)
    for message in estonia.json("inbox"):
        estonia.cli("ack", message["id"], "--by", "Kadri")
    wait_until("OSCE has EST's answers", lambda: osce.json("drill", "report", drill_id)["answered"] == 2)
    report = osce.json("drill", "report", drill_id)
    assert all(d["sentAt"] >= d["dueAt"] for d in report["deliveries"])
    rows = {(d["inject"], d["recipient"]): d for d in report["deliveries"]}
    assert rows[(1, "LVA")]["responseSeconds"] is None
    assert rows[(1, "EST")]["responseSeconds"] > 0 and rows[(2, "EST")]["responseSeconds"] > 0
    est = next(p for p in report["participants"] if p["participant"] == "EST")
    assert est["answered"] == 2
    assert all(m["exercise"] for m in latvia.json("inbox"))


def test_norms_cbms_and_capacity_building_reach_every_peer(federation):
    estonia, latvia = federation("EST", "LVA")
    case_id = estonia.cli("case", "open", "--title", "Grid intrusion", "--summary", "s", "--sector", "energy", "--impact", "high").stdout.strip()
    estonia.cli("norms", "commit", "gge2015-13f", "--date", "2015-12-23", "--document", "UNGA resolution 70/237")
    estonia.cli("norms", "allege", "gge2015-13f", "--case", case_id, "--against", "XYZ", "--note", "power grid")
    unknown = estonia.cli("norms", "commit", "no-such-norm", "--date", "2015-12-23", "--document", "x", check=False)
    assert unknown.returncode != 0 and "no norm no-such-norm" in unknown.stderr

    def matrix_row(node, participant):
        return next((r for r in node.json("norms", "matrix")["matrix"] if r["participant"] == participant), {"norms": {}})
    wait_until("LVA sees EST's commitment", lambda: "committed" in matrix_row(latvia, "EST")["norms"].get("gge2015-13f", {}))
    assert matrix_row(latvia, "XYZ")["norms"]["gge2015-13f"]["allegedBreaches"][0]["case"] == case_id

    latvia.cli("cbm", "status", "8", "implemented", "--evidence", "PoC list submitted")
    missing = latvia.cli("cbm", "status", "9", "implemented", check=False)
    assert missing.returncode != 0 and "evidence is required" in missing.stderr
    wait_until("EST sees LVA's status", lambda: next(r for r in estonia.json("cbm", "list")["status"] if r["participant"] == "LVA")["measures"].get("8"))

    request_id = latvia.cli("capacity", "request", "--topic", "incident-management-and-cip", "--region", "europe", "--languages", "lv,en",
                            "--format", "in-person", "--funding", "funded", "--description", "CSIRT training").stdout.strip()
    offer_id = estonia.cli("capacity", "offer", "--topics", "incident-management-and-cip", "--regions", "europe", "--languages", "en",
                           "--formats", "in-person", "--funding", "funded", "--description", "Two-week course").stdout.strip()
    wait_until("LVA sees the offer suggested", lambda: any(s["offer"] == offer_id for r in latvia.json("capacity", "list")["requests"] for s in r["suggestedOffers"]))
    match_id = latvia.cli("capacity", "match", request_id, offer_id).stdout.strip()
    wait_until("EST sees the match", lambda: estonia.json("capacity", "list")["matches"])
    selfish = latvia.cli("capacity", "progress", match_id, "agreed", check=False)
    assert selfish.returncode != 0 and "the other side agrees" in selfish.stderr
    estonia.cli("capacity", "progress", match_id, "agreed")
    estonia.cli("capacity", "progress", match_id, "in-progress")
    wait_until("LVA sees it in progress", lambda: latvia.json("capacity", "list")["matches"][0]["status"] == "in-progress")
    latvia.cli("capacity", "progress", match_id, "completed", "--note", "12 analysts trained")
    wait_until("EST sees it completed", lambda: estonia.json("capacity", "list")["matches"][0]["status"] == "completed")


def test_every_record_command_has_help():
    for command in ("forum", "agreement", "norms", "cbm", "capacity", "drill", "taxii"):
        top = run(command, "--help")
        subcommands = [line.split()[0] for line in top.stdout.split("SUBCOMMANDS:")[1].splitlines() if line.startswith("  ") and line.split()]
        assert subcommands, command
        for subcommand in subcommands:
            assert "USAGE" in run(command, subcommand, "--help").stdout
