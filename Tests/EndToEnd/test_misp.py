"""MISP events in MISP's JSON format, imported and exported, checked against misp-stix's mapping."""
import json
from pathlib import Path

import stix2
from misp_stix_converter import InternalSTIX2toMISPParser, MISPtoSTIX21Parser
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection

EVENT = Path(__file__).parent / "data" / "misp-event.json"
RANK = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
MARKINGS = {  # TLP 2.0 and the TLP 1.0 definitions misp-stix uses
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}


def tlp(obj, default="clear"):
    levels = [MARKINGS[m] for m in obj.get("object_marking_refs", []) if m in MARKINGS]
    return max(levels, key=RANK.get) if levels else default


def reference_stix():
    parser = MISPtoSTIX21Parser()
    parser.parse_json_file(str(EVENT))
    return {o["id"]: o for o in json.loads(parser.bundle.serialize())["objects"]}


def observables(observed, objects):
    """What observed-data says: its observables' types and values (hashes included), ids aside."""
    found = set()
    for ref in observed["object_refs"]:
        sco = objects[ref]
        for key, value in sco.items():
            if key in ("value", "name", "number", "subject", "key"):
                found.add((sco["type"], key, str(value)))
            elif key == "hashes":
                found |= {(sco["type"], algorithm, digest) for algorithm, digest in value.items()}
    return found


def test_a_misp_event_imports_as_misp_stix_maps_it_and_exports_back(federation, tmp_path):
    node, = federation("EST")
    collection = node.cli("taxii", "add-collection", "--title", "From MISP", "--default-tlp", "green").stdout.strip()
    imported = node.json("taxii", "import-misp", str(EVENT), "--collection", collection)
    assert imported["report"] == "report--5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b" and imported["failures"] == []
    assert sorted(reason.split(":")[0] for reason in imported["skipped"]) == [
        "attribute 9c0d1e2f-3a4b-4c5d-8e7f-8a9b0c1d2e3f", "attribute a0b1c2d3-e4f5-4a6b-9c7d-8e9f0a1b2c3d"]
    assert "btc has no STIX mapping" in " ".join(imported["skipped"])
    again = node.json("taxii", "import-misp", str(EVENT), "--collection", collection)
    assert again["added"] == imported["added"], "importing again is a success that stores nothing twice"

    token = node.cli("taxii", "add-account", "--name", "analyst", "--relation", "member", "--read", collection).stdout.strip()
    served = {o["id"]: o for o in Collection(f"{node.url}/taxii2/entente/collections/{collection}/", user="analyst", password=token)
              .get_objects()["objects"]}
    assert len(served) == imported["added"] - 1, "the TLP:RED attribute reaches only the recipient it names, the importer"
    assert "indicator--f715b4ec-6d1d-4ab0-b9b3-5c8c1b3b7c1d" not in served
    for obj in served.values():
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, (obj["id"], [str(e) for e in result.errors])

    # Against misp-stix: the same indicators (id, pattern, times, description), the same observables
    # for what is not for detection, the same report; markings never weaker than misp-stix's.
    reference = reference_stix()
    expected = [o for o in reference.values() if o["type"] == "indicator" and o["id"] in served]
    assert len(expected) == 11
    for want in expected:
        got = served[want["id"]]
        if want["pattern_type"] == "yara":  # misp-stix wraps a YARA rule in brackets, which YARA would refuse; Entente does not
            want = {**want, "pattern": want["pattern"][1:-1]}
        for key in ("pattern", "pattern_type", "valid_from", "created", "modified", "kill_chain_phases"):
            assert got[key] == want[key], (want["id"], key, got[key], want[key])
        assert got.get("description") == want.get("description")
        assert RANK[tlp(got)] >= RANK[tlp(want)] and tlp(got) == "amber", "the event's TLP:AMBER marks every attribute"
    for uuid in ("1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d", "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d", "8b9c0d1e-2f3a-4b4c-9d6e-7f8a9b0c1d2e"):
        ours, theirs = served[f"observed-data--{uuid}"], reference[f"observed-data--{uuid}"]
        assert observables(ours, served) == observables(theirs, reference) != set()
        assert "indicator--" + uuid not in served, "not for detection: no indicator"
    report, want = served[imported["report"]], reference[imported["report"]]
    assert report["name"] == want["name"] and report["created_by_ref"] == want["created_by_ref"] and "PAP:GREEN" in report["labels"]
    assert {r for r in want["object_refs"] if r.startswith("indicator--")} <= set(report["object_refs"])

    # Exported back: the same event, attribute by attribute.
    out = tmp_path / "event.json"
    assert "15 attributes written" in node.cli("taxii", "export-misp", "--collection", collection, "--report", imported["report"],
                                               "--output", str(out)).stdout
    exported = json.loads(out.read_text())["Event"]
    original = json.loads(EVENT.read_text())["Event"]
    assert exported["uuid"] == original["uuid"] and exported["info"] == original["info"]
    assert exported["Orgc"] == original["Orgc"] and exported["publish_timestamp"] == original["publish_timestamp"]
    assert [t["name"] for t in exported["Tag"]] == ["tlp:amber", "PAP:GREEN"]
    convertible = [a for a in original["Attribute"] if a["type"] not in ("btc", "text")]
    key = lambda a: (a["uuid"], a["type"], a["value"], a["to_ids"], a["category"], a["timestamp"], a.get("comment", ""))
    assert sorted(map(key, exported["Attribute"])) == sorted(map(key, convertible))
    red = next(a for a in exported["Attribute"] if a["type"] == "md5")
    assert red["Tag"] == [{"name": "tlp:red"}]
    event = MISPEvent()
    event.from_dict(**json.loads(out.read_text()))
    assert len(event.attributes) == 15 and event.info == original["info"], "PyMISP reads the export"

    # misp-stix, reading what Entente serves, makes the same attributes Entente exports.
    everything = node.api("GET", f"/api/v1/taxii/collections/{collection}/misp")["Event"]["Attribute"]
    token = Path(node.data, "operator-token").read_text().strip()
    objects = Collection(f"{node.url}/taxii2/entente/collections/{collection}/", user="operator", password=token).get_objects()["objects"]
    parser = InternalSTIX2toMISPParser()
    parser.load_stix_bundle(stix2.parse({"type": "bundle", "id": "bundle--8d2f5a4e-3f4b-4c3e-9b1a-2c3d4e5f6a7b", "objects": objects}, allow_custom=True))
    parser.parse_stix_bundle()
    theirs = sorted((a.uuid, a.type, a.value, bool(a.to_ids)) for a in parser.misp_event.attributes)
    assert len(theirs) == 15
    assert sorted((a["uuid"], a["type"], a["value"], a["to_ids"]) for a in everything) == theirs


def test_what_is_not_a_misp_event_is_refused_with_its_reason(federation, tmp_path):
    node, = federation("EST")
    collection = node.cli("taxii", "add-collection", "--title", "From MISP").stdout.strip()
    for body, reason in [
        ({"Event": {"info": "x"}}, "uuid"),
        ({"Event": {"uuid": "5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b", "info": "x", "date": "2026-11-22", "Attribute": []}}, "no attributes"),
        ({"Event": {"uuid": "5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b", "info": "x", "date": "2026-11-22",
                    "Attribute": [{"uuid": "91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f", "type": "ip-dst|port", "value": "198.51.100.7", "to_ids": True}]}},
         "is not a ip-dst|port"),
        ([1, 2], "not a MISP event"),
    ]:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(body))
        result = node.cli("taxii", "import-misp", str(path), "--collection", collection, check=False)
        assert result.returncode != 0 and reason in result.stderr, (body, result.stderr)
    path.write_text("{not json")
    result = node.cli("taxii", "import-misp", str(path), "--collection", collection, check=False)
    assert result.returncode != 0 and "is not JSON" in result.stderr
    missing = node.cli("taxii", "export-misp", "--collection", collection, "--report", "report--5b7e3f2a-8c1d-4e2f-9a3b-6c5d4e3f2a1b", check=False)
    assert missing.returncode != 0 and "no report" in missing.stderr
