"""The TAXII 2.1 server driven by the OASIS client (taxii2-client) through every endpoint;
everything it serves passes the OASIS STIX 2.1 validator; TLP 2.0 holds for every reader."""
import json
import uuid

import pytest
import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def indicator(n, tlp=None, modified="2026-11-22T10:00:00.000Z", recipients=None):
    obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, str(n))}",
           "created": "2026-11-22T10:00:00.000Z", "modified": modified, "name": f"C2 server {n}",
           "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']", "pattern_type": "stix", "valid_from": "2026-11-22T10:00:00Z",
           "indicator_types": ["malicious-activity"]}
    if tlp:
        obj["object_marking_refs"] = [TLP[tlp]]
    if recipients:
        obj["x_entente_recipients"] = recipients
    return obj


def strict():
    return ValidationOptions(version="2.1", strict=False)


@pytest.fixture
def taxii(federation):
    node, = federation("EST")
    collection = node.api("POST", "/api/v1/taxii/collections", {"title": "Ransomware indicators", "description": "CERT-EE", "defaultTLP": "amber"})
    accounts = {}
    for name, relation, read, write in (("analyst", "member", True, True), ("partner", "partner", True, True), ("reader", "client", True, False)):
        accounts[name] = node.api("POST", "/api/v1/taxii/accounts", {"name": name, "relation": relation,
                                                                        "read": [collection["id"]] if read else [], "write": [collection["id"]] if write else []})["token"]
    return node, collection, accounts


def test_every_endpoint_with_the_oasis_client_and_everything_served_validates(taxii):
    node, collection, tokens = taxii
    server = Server(node.url + "/taxii2/", user="analyst", password=tokens["analyst"])
    assert server.title.startswith("Entente node")
    root = server.api_roots[0]
    assert root.versions == ["application/taxii+json;version=2.1"] and root.max_content_length > 0
    [served] = root.collections
    assert served.id == collection["id"] and served.can_read and served.can_write

    objects = [indicator(n, "green") for n in range(25)]
    invalid = dict(indicator(999, "green"), pattern_type="stix", pattern="not a pattern")
    status = served.add_objects({"objects": objects + [invalid, {"type": "indicator", "id": "nonsense"}]})
    assert status.status == "complete" and status.total_count == 27 and status.success_count == 25 and status.failure_count == 2
    assert any("pattern" in f["message"] for f in status.failures)
    assert root.get_status(status.id).success_count == 25

    # A second version of one indicator.
    served.add_objects({"objects": [indicator(0, "green", modified="2026-11-22T11:00:00.000Z")]})

    # Pages of 10 with next, then incremental reads with added_after.
    pages = list(as_pages(served.get_objects, per_request=10))
    seen = [o for page in pages for o in page.get("objects", [])]
    assert len(pages) == 3 and len(seen) == 25 and len({o["id"] for o in seen}) == 25
    assert next(o for o in seen if o["id"] == objects[0]["id"])["modified"] == "2026-11-22T11:00:00.000Z", "match[version] defaults to last"
    everything = served.get_objects(version="all")
    assert len(everything["objects"]) == 26
    response = served._conn.session.get(served.url + "objects/", headers={"Accept": "application/taxii+json;version=2.1"},
                                        auth=("analyst", tokens["analyst"]), params={"limit": 5})
    first_added, last_added = response.headers["X-TAXII-Date-Added-First"], response.headers["X-TAXII-Date-Added-Last"]
    assert response.headers["Content-Type"].startswith("application/taxii+json") and first_added < last_added
    later = served.get_objects(added_after=last_added, version="all")
    assert len(later["objects"]) == 20, "the 26 versions less the 6 added up to the first page's last (object 0's first version and objects 1-5)"

    assert len(served.get_objects(id=objects[3]["id"])["objects"]) == 1
    assert served.get_objects(type="malware").get("objects", []) == []
    assert len(served.get_objects(spec_version="2.1", type="indicator")["objects"]) == 25

    one = served.get_object(objects[0]["id"], version="first")
    assert one["objects"][0]["modified"] == "2026-11-22T10:00:00.000Z"
    versions = served.object_versions(objects[0]["id"])
    assert versions["versions"] == ["2026-11-22T10:00:00.000Z", "2026-11-22T11:00:00.000Z"]
    manifest = served.get_manifest(limit=100)
    assert len(manifest["objects"]) == 25 and all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"])

    served.delete_object(objects[1]["id"])
    with pytest.raises(requests.exceptions.HTTPError) as deleted:
        served.get_object(objects[1]["id"])
    assert deleted.value.response.status_code == 404

    for obj in served.get_objects(version="all")["objects"]:
        result = validate_instance(obj, strict())
        assert result.is_valid, [str(e) for e in result.errors]


def test_errors_and_authentication_follow_the_specification(taxii):
    node, collection, tokens = taxii
    import urllib.request
    import urllib.error

    def call(path, headers, method="GET", data=None):
        request = urllib.request.Request(node.url + path, headers=headers, method=method, data=data)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    taxii_json = "application/taxii+json;version=2.1"
    status, headers, body = call("/taxii2/", {"Accept": taxii_json})
    assert status == 401 and "Basic" in headers["WWW-Authenticate"] and body["http_status"] == "401"
    bearer = {"Accept": taxii_json, "Authorization": "Bearer " + tokens["reader"]}
    assert call("/taxii2/", {**bearer, "Accept": "text/html"})[0] == 406
    base = f"/taxii2/entente/collections/{collection['id']}/objects/"
    status, _, body = call(base, {**bearer, "Content-Type": taxii_json}, "POST", json.dumps({"objects": [indicator(1)]}).encode())
    assert status == 403 and body["title"] == "Forbidden"
    writer = {"Accept": taxii_json, "Authorization": "Bearer " + tokens["analyst"]}
    assert call(base, {**writer, "Content-Type": "application/json"}, "POST", b"{}")[0] == 415
    assert call(base, {**writer, "Content-Type": taxii_json}, "POST", b"not json")[0] == 400
    assert call("/taxii2/entente/collections/nope/", writer)[0] == 404
    assert call("/taxii2/other/", writer)[0] == 404
    assert call(base + "?limit=0", writer)[0] == 400
    assert call(base + "?added_after=yesterday", writer)[0] == 400


def test_tlp_is_never_broken_for_any_reader(taxii):
    node, collection, tokens = taxii
    def collection_as(name):
        return Collection(f"{node.url}/taxii2/entente/collections/{collection['id']}/", user=name, password=tokens[name])

    analyst, partner, reader = collection_as("analyst"), collection_as("partner"), collection_as("reader")
    analyst.add_objects({"objects": [indicator(1, "clear"), indicator(2, "green"), indicator(3, "amber"), indicator(4, "amber+strict"),
                                     indicator(5, "red", recipients=["analyst", "reader"]), indicator(6)]})
    partner.add_objects({"objects": [indicator(7, "amber"), indicator(8, "red", recipients=["partner"])]})

    def names(col):
        return sorted(o["name"] for page in as_pages(col.get_objects, per_request=2) for o in page.get("objects", []))
    # Members: everything but RED not naming them; unmarked objects take the collection's TLP:AMBER.
    assert names(analyst) == ["C2 server 1", "C2 server 2", "C2 server 3", "C2 server 4", "C2 server 5", "C2 server 6", "C2 server 7"]
    # Clients: no AMBER+STRICT from elsewhere (this node's own is theirs to receive), RED only when named.
    assert names(reader) == ["C2 server 1", "C2 server 2", "C2 server 3", "C2 server 4", "C2 server 5", "C2 server 6", "C2 server 7"]
    # Another organisation: this node's AMBER, never AMBER it did not originate; RED only when named.
    assert names(partner) == ["C2 server 1", "C2 server 2", "C2 server 3", "C2 server 4", "C2 server 6", "C2 server 8"]
    with pytest.raises(requests.exceptions.HTTPError) as hidden:
        partner.get_object(indicator(5)["id"])
    assert hidden.value.response.status_code == 404
    assert partner.get_manifest().get("objects") and indicator(5)["id"] not in [m["id"] for m in partner.get_manifest()["objects"]]


def test_a_large_envelope_is_streamed_in_and_counted(taxii):
    node, collection, tokens = taxii
    served = Collection(f"{node.url}/taxii2/entente/collections/{collection['id']}/", user="analyst", password=tokens["analyst"])
    objects = [indicator(n, "green") for n in range(3000)]
    objects[1500]["pattern"] = "broken"
    status = served.add_objects({"objects": objects})
    assert (status.total_count, status.success_count, status.failure_count) == (3000, 2999, 1)
    manifest = [m for page in as_pages(served.get_manifest, per_request=1000) for m in page.get("objects", [])]
    assert len(manifest) == 2999


def test_collections_and_accounts_from_the_cli(federation):
    node, = federation("EST")
    collection_id = node.cli("taxii", "add-collection", "--title", "Phishing", "--default-tlp", "green").stdout.strip()
    token = node.cli("taxii", "add-account", "--name", "soc", "--relation", "client", "--read", collection_id).stdout.strip()
    assert [c["id"] for c in node.json("taxii", "collections")] == [collection_id]
    assert node.json("taxii", "accounts") == [{"name": "soc", "relation": "client", "read": [collection_id], "write": []}]
    [served] = ApiRoot(f"{node.url}/taxii2/entente/", user="soc", password=token).collections
    assert served.can_read and not served.can_write
    bad = node.cli("taxii", "add-account", "--name", "x", "--relation", "client", "--read", "nope", check=False)
    assert bad.returncode != 0 and "name is 2 to 64" in bad.stderr


def test_a_cases_evidence_is_shared_as_stix_with_the_cases_marking(federation):
    estonia, latvia = federation("EST", "LVA")
    case_id = estonia.cli("case", "open", "--title", "Ransomware at two banks", "--summary", "s", "--sector", "banking", "--impact", "severe",
                          "--tlp", "amber").stdout.strip()
    estonia.cli("case", "notify", case_id, "--to", "LVA", "--message", "m", "--respond-within", "2h")
    estonia.cli("case", "evidence", case_id, "--description", "C2 infrastructure", "--indicator", "ipv4-addr=198.51.100.7",
                "--indicator", "domain-name=c2.example", "--file", "locker.exe=" + "ab" * 32)
    bundle = estonia.api("GET", f"/api/v1/cases/{case_id}/stix")
    indicators = [o for o in bundle["objects"] if o["type"] == "indicator"]
    assert sorted(i["pattern"] for i in indicators) == ["[domain-name:value = 'c2.example']", "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']",
                                                        "[ipv4-addr:value = '198.51.100.7']"]
    assert all(i["object_marking_refs"] == [TLP["amber"]] for i in indicators)
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert report["name"] == "Ransomware at two banks" and sorted(report["object_refs"]) == sorted(i["id"] for i in indicators)
    for obj in bundle["objects"]:
        result = validate_instance(obj, strict())
        assert result.is_valid, [str(e) for e in result.errors]

    collection = estonia.cli("taxii", "add-collection", "--title", "Case indicators").stdout.strip()
    assert "4 STIX objects shared" in estonia.cli("taxii", "share-case", case_id, "--collection", collection).stdout
    assert "4 STIX objects shared" in estonia.cli("taxii", "share-case", case_id, "--collection", collection).stdout, "sharing again is idempotent"
    partner = estonia.cli("taxii", "add-account", "--name", "cert-lv", "--relation", "partner", "--read", collection).stdout.strip()
    served = Collection(f"{estonia.url}/taxii2/entente/collections/{collection}/", user="cert-lv", password=partner)
    assert len(served.get_objects()["objects"]) == 4, "TLP:AMBER from this node reaches the partner it was shared with"


def test_a_node_pulls_a_peers_collection_incrementally_and_tlp_follows_the_objects(federation):
    estonia, latvia = federation("EST", "LVA")
    source = estonia.cli("taxii", "add-collection", "--title", "Shared with the Baltics").stdout.strip()
    writer = estonia.cli("taxii", "add-account", "--name", "analyst", "--relation", "member", "--read", source, "--write", source).stdout.strip()
    for_latvia = estonia.cli("taxii", "add-account", "--name", "cert-lv", "--relation", "partner", "--read", source).stdout.strip()
    published = Collection(f"{estonia.url}/taxii2/entente/collections/{source}/", user="analyst", password=writer)
    published.add_objects({"objects": [indicator(1, "green"), indicator(2, "amber"), indicator(3, "red", recipients=["analyst"])]})

    local = latvia.cli("taxii", "add-collection", "--title", "From Estonia").stdout.strip()
    latvia.cli("taxii", "subscribe", "--url", f"{estonia.url}/taxii2/entente/collections/{source}/", "--account", "cert-lv",
               "--peer-token", for_latvia, "--collection", local)
    assert "2 objects stored" in latvia.cli("taxii", "pull").stdout, "GREEN, and AMBER from its source; never RED"
    published.add_objects({"objects": [indicator(4, "green")]})
    assert "1 objects stored" in latvia.cli("taxii", "pull").stdout, "only what is new"
    [subscription] = latvia.json("taxii", "subscriptions")
    assert subscription["fetched"] == 3 and subscription["lastError"] is None and subscription["cursor"]

    # Latvia passes on GREEN to another organisation, but not Estonia's AMBER.
    ltu = latvia.cli("taxii", "add-account", "--name", "cert-lt", "--relation", "partner", "--read", local).stdout.strip()
    onward = Collection(f"{latvia.url}/taxii2/entente/collections/{local}/", user="cert-lt", password=ltu)
    assert sorted(o["name"] for o in onward.get_objects()["objects"]) == ["C2 server 1", "C2 server 4"]
    member = latvia.cli("taxii", "add-account", "--name", "soc", "--relation", "member", "--read", local).stdout.strip()
    inside = Collection(f"{latvia.url}/taxii2/entente/collections/{local}/", user="soc", password=member)
    assert sorted(o["name"] for o in inside.get_objects()["objects"]) == ["C2 server 1", "C2 server 2", "C2 server 4"]

    # A peer that is down is recorded, and the next pull resumes where the last one stopped.
    estonia.stop()
    latvia.cli("taxii", "pull")
    assert latvia.json("taxii", "subscriptions")[0]["lastError"]
    estonia.start()
    published.add_objects({"objects": [indicator(5, "clear")]})
    assert "1 objects stored" in latvia.cli("taxii", "pull").stdout
    assert latvia.json("taxii", "subscriptions")[0]["lastError"] is None


def test_sightings_of_a_peers_indicators_go_back_to_the_peer(federation):
    estonia, latvia = federation("EST", "LVA")
    source = estonia.cli("taxii", "add-collection", "--title", "Shared with the Baltics").stdout.strip()
    analyst = estonia.cli("taxii", "add-account", "--name", "analyst", "--relation", "member", "--read", source, "--write", source).stdout.strip()
    for_latvia = estonia.cli("taxii", "add-account", "--name", "cert-lv", "--relation", "partner", "--read", source, "--write", source).stdout.strip()
    published = Collection(f"{estonia.url}/taxii2/entente/collections/{source}/", user="analyst", password=analyst)
    published.add_objects({"objects": [indicator(1, "green"), indicator(2, "amber")]})

    local = latvia.cli("taxii", "add-collection", "--title", "From Estonia").stdout.strip()
    latvia.cli("taxii", "subscribe", "--url", f"{estonia.url}/taxii2/entente/collections/{source}/", "--account", "cert-lv",
               "--peer-token", for_latvia, "--collection", local)
    assert "2 objects stored" in latvia.cli("taxii", "pull").stdout
    own = indicator(7, "green")
    soc = latvia.cli("taxii", "add-account", "--name", "soc", "--relation", "member", "--read", local, "--write", local).stdout.strip()
    Collection(f"{latvia.url}/taxii2/entente/collections/{local}/", user="soc", password=soc).add_objects({"objects": [own]})

    seen = latvia.json("taxii", "sight", indicator(1)["id"], "--collection", local, "--count", "3", "--first-seen", "2026-11-22T11:00:00.000Z",
                       "--last-seen", "2026-11-22T12:30:00.000Z", "--note", "Beaconing from two ministries", "--tlp", "amber")["id"]
    latvia.cli("taxii", "sight", indicator(2)["id"], "--collection", local, "--tlp", "red")
    latvia.cli("taxii", "sight", own["id"], "--collection", local)
    bad = latvia.cli("taxii", "sight", indicator(1)["id"], "--collection", local, "--first-seen", "2026-11-22T12:00:00Z",
                     "--last-seen", "2026-11-22T11:00:00Z", check=False)
    assert bad.returncode != 0 and "last seen is before first seen" in bad.stderr
    missing = latvia.cli("taxii", "sight", indicator(99)["id"], "--collection", local, check=False)
    assert missing.returncode != 0 and "no object" in missing.stderr

    # Estonia is down: the sighting waits, the reason is recorded; then it goes back once.
    estonia.stop()
    assert "0 sightings returned" in latvia.cli("taxii", "pull").stdout
    assert latvia.json("taxii", "subscriptions")[0]["sightingsError"]
    estonia.start()
    assert "1 sightings returned" in latvia.cli("taxii", "pull").stdout, "the AMBER sighting of Estonia's indicator; not the RED one, not Latvia's own"
    [subscription] = latvia.json("taxii", "subscriptions")
    assert subscription["sightingsReturned"] == 1 and subscription["sightingsError"] is None
    assert "0 sightings returned" in latvia.cli("taxii", "pull").stdout

    sightings = published.get_objects(type="sighting")["objects"]
    assert [s["id"] for s in sightings] == [seen]
    [sighting] = sightings
    assert sighting["sighting_of_ref"] == indicator(1)["id"] and sighting["count"] == 3 and sighting["description"] == "Beaconing from two ministries"
    assert sighting["first_seen"] == "2026-11-22T11:00:00.000Z" and sighting["object_marking_refs"] == [TLP["amber"]]
    [where] = published.get_objects(type="identity")["objects"]
    assert sighting["where_sighted_refs"] == [where["id"]] and "LVA" in where["name"]
    for obj in [sighting, where]:
        result = validate_instance(obj, strict())
        assert result.is_valid, [str(e) for e in result.errors]
    # What Latvia sent back is Latvia's, not Estonia's: Estonia does not pass its AMBER on as its own.
    ltu = estonia.cli("taxii", "add-account", "--name", "cert-lt", "--relation", "partner", "--read", source).stdout.strip()
    onward = Collection(f"{estonia.url}/taxii2/entente/collections/{source}/", user="cert-lt", password=ltu)
    assert [o["id"] for o in onward.get_objects()["objects"]] == [indicator(1)["id"], indicator(2)["id"], where["id"]]
