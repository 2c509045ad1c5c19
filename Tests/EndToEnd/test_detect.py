"""`entente detect` with no node: the benchmark generator's logs and indicators (../shared/data/detection/bench,
at a small size), matched in both validity modes to exactly the hits the generator planted."""
import gzip
import json
import os
import subprocess
import sys
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
