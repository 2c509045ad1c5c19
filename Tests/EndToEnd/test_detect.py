"""`entente detect` with no node: the benchmark generator's logs and indicators (../shared/data/detection/bench,
at a small size), matched in both validity modes to exactly the hits the generator planted."""
import gzip
import http.client
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import run

SHARED = Path(os.environ.get("ENTENTE_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
MAKE_BENCH = SHARED / "detection" / "bench" / "make_bench.py"
LOGS = ("conn.log", "dns.log", "http.log", "files.log")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    if not MAKE_BENCH.exists():
        pytest.skip(f"⚠️  {MAKE_BENCH} not found: set ENTENTE_SHARED_DATA")
    out = tmp_path_factory.mktemp("bench")
    subprocess.run([sys.executable, str(MAKE_BENCH), "--out", str(out), "--dns-lines", "20000", "--conn-lines", "20000",
                    "--http-lines", "3000", "--files-lines", "3000", "--indicators", "30000", "--bundle"],
                   check=True, capture_output=True)
    return out, json.loads((out / "expected.json").read_text())["kinds"]


def hits_by_log(findings):
    counts = {}
    for finding in (f for f in findings if f["kind"] == "indicator"):
        log = finding["reasons"][0].rsplit("(", 1)[1].rstrip(")")
        counts[log] = counts.get(log, 0) + finding["count"]
    return counts


def expected_by_log(kinds, key):
    return {
        "conn.log": sum(kinds[k][key] for k in ("ipv4", "cidr", "ipv6", "cidr6")),
        "dns.log": kinds["domain"][key],
        "http.log": kinds["url"][key],
        "files.log": sum(kinds[k][key] for k in ("md5", "sha1", "sha256")),
    }


@pytest.mark.parametrize("validity", ["valid-only", "ignore-validity"])
def test_detect_finds_exactly_the_planted_hits(bench, validity):
    folder, kinds = bench
    flags = ["--ignore-validity"] if validity == "ignore-validity" else []
    result = run("detect", *[str(folder / log) for log in LOGS], "--indicators", str(folder / "indicators.jsonl"), "--json", *flags,
                 timeout=300)
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    key = "records_hit" if flags else "records_hit_valid_only"
    assert hits_by_log(findings) == expected_by_log(kinds, key)
    for finding in findings:
        assert {"kind", "score", "source", "count", "firstSeen", "lastSeen", "reasons"} <= finding.keys()
        assert finding["kind"] in ("indicator", "dga") and ("indicator" in finding) == (finding["kind"] == "indicator")
        assert "destination" in finding or "domain" in finding
    subdomain = [f for f in findings if "subdomain of" in f["reasons"][0]]
    assert subdomain and all(f["domain"].endswith("." + f["reasons"][0].split("subdomain of ")[1].split(" ")[0]) for f in subdomain)
    assert "indicators" in result.stderr and "conn.log: 20009 lines, 20000 events" in result.stderr


def test_a_bundle_gzip_and_a_bad_line_give_the_same_hits(bench, tmp_path):
    folder, kinds = bench
    dns = (folder / "dns.log").read_bytes()
    header_end = dns.index(b"\n", dns.index(b"#types")) + 1
    damaged = dns[:header_end] + b"this line is not a dns record\n" + dns[header_end:]
    (tmp_path / "dns.log.gz").write_bytes(gzip.compress(damaged))
    result = run("detect", str(tmp_path / "dns.log.gz"), "--indicators", str(folder / "indicators.bundle.json"), "--json", timeout=300)
    assert hits_by_log(json.loads(line) for line in result.stdout.splitlines()) == {"dns.log": kinds["domain"]["records_hit_valid_only"]}
    assert "1 bad lines (9)" in result.stderr, result.stderr


def test_detect_refuses_what_it_cannot_read(tmp_path):
    (tmp_path / "conn.log").write_text("#fields\tts\n1\n")
    missing = run("detect", str(tmp_path / "conn.log"), "--indicators", str(tmp_path / "nothing.json"), check=False)
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    (tmp_path / "broken.json").write_text('{"type": "bundle", "objects": [}]}')
    broken = run("detect", str(tmp_path / "conn.log"), "--indicators", str(tmp_path / "broken.json"), check=False)
    assert broken.returncode != 0 and "not JSON" in broken.stderr


RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
CONN_HEADER = ("#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration"
               "\torig_bytes\tresp_bytes\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n")
DNS_HEADER = "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\trcode_name\tanswers\n"


def stix_indicator(name, pattern, marking, **extra):
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
            "created": "2026-11-22T10:00:00.000Z", "modified": "2026-11-22T10:00:00.000Z", "name": name, "pattern": pattern,
            "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z", "object_marking_refs": [marking], **extra}


def api(node, method, path, token, body=None, headers=None, raw=None):
    """(status, JSON answer) of one API call with `token`, refusals included."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(node.url + path, method=method, data=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refusal:
        return refusal.code, json.loads(refusal.read() or b"null")


def test_logs_scanned_on_the_node_become_sightings_for_the_producer_and_case_evidence(federation, tmp_path):
    """Estonia shares indicators with Latvia; Latvia's CERT scans its logs on its node against them. A hit goes
    back to Estonia as a sighting that names no Latvian host; a finding becomes case evidence; a RED finding is
    hidden from an observer; an observer may read but not act; a revoked indicator stops matching."""
    from taxii2client.v21 import Collection

    estonia, latvia = federation("EST", "LVA")
    source = estonia.cli("taxii", "add-collection", "--title", "Shared with the Baltics").stdout.strip()
    analyst = estonia.cli("taxii", "add-account", "--name", "analyst", "--relation", "member", "--read", source, "--write", source).stdout.strip()
    for_latvia = estonia.cli("taxii", "add-account", "--name", "cert-lv", "--relation", "partner", "--read", source, "--write", source).stdout.strip()
    published = Collection(f"{estonia.url}/taxii2/entente/collections/{source}/", user="analyst", password=analyst)
    c2 = stix_indicator("C2 server", "[ipv4-addr:value = '198.51.100.7']", GREEN)
    phishing = stix_indicator("Phishing domain", "[domain-name:value = 'evil.example']", AMBER)
    published.add_objects({"objects": [c2, phishing]})
    local = latvia.cli("taxii", "add-collection", "--title", "From Estonia").stdout.strip()
    latvia.cli("taxii", "subscribe", "--url", f"{estonia.url}/taxii2/entente/collections/{source}/", "--account", "cert-lv",
               "--peer-token", for_latvia, "--collection", local)
    assert "2 objects stored" in latvia.cli("taxii", "pull").stdout
    # Latvia's own RED indicator, for its SOC and its cyber desk only.
    soc = latvia.cli("taxii", "add-account", "--name", "soc", "--relation", "member", "--read", local, "--write", local).stdout.strip()
    secret = stix_indicator("Insider's exfiltration server", "[ipv4-addr:value = '203.0.113.66']", RED, x_entente_recipients=["soc", "desk"])
    Collection(f"{latvia.url}/taxii2/entente/collections/{local}/", user="soc", password=soc).add_objects({"objects": [secret]})

    conn = tmp_path / "conn.log"
    conn.write_text(CONN_HEADER
                    + "".join(f"{1764583200 + 60 * n}.0\tC{n}\t10.1.2.3\t{50000 + n}\t198.51.100.7\t443\ttcp\tssl\t1.5\t300\t4000\tSF\n"
                              for n in range(3))
                    + "1764583300.0\tCx\t10.1.2.4\t50100\t203.0.113.66\t22\ttcp\tssh\t9.0\t90000\t100\tSF\n"
                    + "this line is not a connection\n")
    dns = tmp_path / "dns.log"
    dns.write_text(DNS_HEADER + "1764583200.0\tD1\t10.1.2.5\t5353\t10.0.0.53\t53\tudp\twww.evil.example\tNOERROR\t192.0.2.1\n"
                   + "1764583210.0\tD2\t10.1.2.5\t5354\t10.0.0.53\t53\tudp\tnotevil.example\tNOERROR\t192.0.2.2\n")

    scanned = latvia.cli("detect", str(conn), str(dns), "--json", timeout=120)
    findings = {f["value"]: f for f in map(json.loads, scanned.stdout.splitlines())}
    assert set(findings) == {"198.51.100.7", "203.0.113.66", "www.evil.example"}, scanned.stdout
    assert findings["198.51.100.7"]["indicator"] == c2["id"] and findings["198.51.100.7"]["count"] == 3
    assert findings["198.51.100.7"]["tlp"] == "green" and findings["203.0.113.66"]["tlp"] == "red"
    assert findings["www.evil.example"]["indicator"] == phishing["id"] and findings["www.evil.example"]["tlp"] == "amber"
    assert "conn.log: 5 lines" not in scanned.stderr and "1 bad lines (8)" in scanned.stderr, scanned.stderr
    assert "findings recorded as run" in scanned.stderr

    # What an observer may see and do: not the RED finding, and nothing but read.
    latvia.cli("user", "add", "--username", "olga", "--name", "Olga Observer", "--role", "observer", input="observer-password-1\n")
    observer = latvia.cli("user", "token", "--username", "olga").stdout.strip()
    status, seen = api(latvia, "GET", "/api/v1/detection/findings", observer)
    assert status == 200 and {f["value"] for f in seen["findings"]} == {"198.51.100.7", "www.evil.example"}
    red = findings["203.0.113.66"]["id"]
    assert api(latvia, "POST", f"/api/v1/detection/findings/{red}/sighting", observer)[0] == 403
    assert api(latvia, "POST", "/api/v1/detection/logs?name=conn.log", observer, raw=conn.read_bytes(),
               headers={"Content-Type": "application/octet-stream"})[0] == 403
    status, filtered = api(latvia, "GET", "/api/v1/detection/findings?kind=indicator&text=EVIL", latvia.person_token)
    assert status == 200 and [f["domain"] for f in filtered["findings"]] == ["www.evil.example"]

    # The sighting: once per finding, under the indicator's TLP, back to Estonia at the next pull, naming no host.
    hit = findings["198.51.100.7"]["id"]
    status, first = api(latvia, "POST", f"/api/v1/detection/findings/{hit}/sighting", latvia.person_token)
    assert status == 201
    assert api(latvia, "POST", f"/api/v1/detection/findings/{hit}/sighting", latvia.person_token) == (201, first)
    status, refused = api(latvia, "POST", f"/api/v1/detection/findings/{red}/sighting", latvia.person_token)
    assert status == 201, "Latvia's own RED indicator: the sighting stays in Latvia's collection"
    assert "1 sightings returned" in latvia.cli("taxii", "pull").stdout
    [sighting] = published.get_objects(type="sighting")["objects"]
    assert sighting["id"] == first["sighting"] and sighting["sighting_of_ref"] == c2["id"] and sighting["count"] == 3
    assert sighting["object_marking_refs"] == [GREEN] and "10.1.2.3" not in json.dumps(sighting)

    # Evidence in a case, with the address as an indicator; never under a looser marking than the finding's.
    case_id = latvia.cli("case", "open", "--title", "Beaconing to a known C2", "--summary", "Seen at the ministry's gateway",
                         "--sector", "public-administration", "--impact", "high").stdout.strip()
    status, added = api(latvia, "POST", f"/api/v1/detection/findings/{hit}/evidence", latvia.person_token, {"case": case_id})
    assert status == 201 and added["case"] == case_id
    [evidence] = [e["body"] for e in latvia.json("case", "show", case_id)["timeline"] if e["kind"] == "evidence"]
    assert {"type": "ipv4-addr", "value": "198.51.100.7"} in evidence["indicators"] and evidence["tlp"] == "green", evidence
    assert "10.1.2.3" in evidence["description"], "the case is Latvia's own record: its hosts belong there"
    status, looser = api(latvia, "POST", f"/api/v1/detection/findings/{red}/evidence", latvia.person_token, {"case": case_id, "tlp": "green"})
    assert status == 422 and "TLP:RED" in looser["message"], looser
    status, _ = api(latvia, "POST", f"/api/v1/detection/findings/{hit}/evidence", latvia.person_token, {"case": "not-a-case"})
    assert status == 404

    # Hostile or broken input: a clear refusal, nothing recorded; a corrupt gzip stream is named as such.
    runs_before = len(api(latvia, "GET", "/api/v1/detection/findings?limit=1000", latvia.person_token)[1]["findings"])
    octets = {"Content-Type": "application/octet-stream"}
    status, bad_name = api(latvia, "POST", "/api/v1/detection/logs?name=conn%20log", latvia.person_token, raw=b"x", headers=octets)
    assert status == 422 and "name" in bad_name["message"]
    status, corrupt = api(latvia, "POST", "/api/v1/detection/logs?name=conn.log.gz", latvia.person_token,
                          raw=gzip.compress(conn.read_bytes())[:40] + b"\x00" * 64, headers=octets)
    assert status == 422 and "conn.log.gz" in corrupt["message"], corrupt
    status, garbage = api(latvia, "POST", "/api/v1/detection/logs?name=conn.log", latvia.person_token, raw=os.urandom(4096), headers=octets)
    assert status == 201 and garbage["findings"] == [] and garbage["log"]["events"] == 0
    too_large = http.client.HTTPConnection("127.0.0.1", latvia.port, timeout=10)
    too_large.request("POST", "/api/v1/detection/logs?name=conn.log", headers={
        "Authorization": f"Bearer {latvia.person_token}", "Content-Type": "application/octet-stream", "Content-Length": str(2 << 30)})
    assert too_large.getresponse().status == 413
    assert len(api(latvia, "GET", "/api/v1/detection/findings?limit=1000", latvia.person_token)[1]["findings"]) == runs_before

    # Estonia revokes the domain; once Latvia has pulled the revocation, the same log no longer matches it.
    published.add_objects({"objects": [{**phishing, "modified": "2026-11-23T10:00:00.000Z", "revoked": True}]})
    latvia.cli("taxii", "pull")
    again = latvia.cli("detect", str(dns), "--json", "--node", latvia.url, "--token", latvia.person_token, operator=True, timeout=120)
    assert again.stdout.strip() == "", again.stdout


def test_detect_needs_indicators_or_a_node(tmp_path):
    (tmp_path / "conn.log").write_text(CONN_HEADER)
    neither = run("detect", str(tmp_path / "conn.log"), check=False)
    assert neither.returncode != 0 and "one of the two" in neither.stderr
    both = run("detect", str(tmp_path / "conn.log"), "--indicators", "x.json", "--data", str(tmp_path), check=False)
    assert both.returncode != 0 and "one of the two" in both.stderr
    flags = run("detect", str(tmp_path / "conn.log"), "--data", str(tmp_path), "--no-beacons", check=False)
    assert flags.returncode != 0 and "--no-beacons" in flags.stderr
