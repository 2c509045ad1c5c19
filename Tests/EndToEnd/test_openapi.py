"""The served OpenAPI 3.1 document is valid, and what the node answers conforms to it."""
import json
import urllib.request

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from conftest import wait_until


def test_responses_match_the_openapi_document(federation):
    estonia, latvia = federation("EST", "LVA")
    with urllib.request.urlopen(estonia.url + "/openapi.json") as response:
        document = json.load(response)
    validate(document)

    schemas = document["components"]["schemas"]

    def check(value, schema_name, many=False):
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
        if many:
            schema = {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}, "components": document["components"]}
        errors = list(Draft202012Validator(schema).iter_errors(value))
        assert not errors, f"{schema_name}: {[e.message for e in errors][:5]}"

    message_id = estonia.api("POST", "/api/v1/messages", {"to": ["LVA"], "template": "request-assistance", "priority": "urgent",
                                                          "subject": "Help", "fields": {"assistanceType": "mitigation"}})["id"]
    wait_until("delivered", lambda: estonia.api("GET", f"/api/v1/messages/{message_id}")["deliveries"][0]["deliveredAt"])
    check(estonia.api("GET", f"/api/v1/messages/{message_id}"), "Message")
    check(latvia.api("GET", "/api/v1/messages?box=inbox"), "Message", many=True)
    check(estonia.api("GET", "/api/v1/peers"), "Peer", many=True)
    check(estonia.api("GET", "/api/v1/node"), "Node")
    check(estonia.api("GET", "/api/v1/checks"), "CheckReport")
    directory = estonia.api("GET", "/api/v1/directory")
    check(directory, "Directory")
    assert {p["id"] for p in directory["participants"]} == {"EST", "LVA"}
    check(estonia.api("GET", "/api/v1/peers/pending"), "PendingPeerChange", many=True)
    check(estonia.api("GET", "/api/v1/outbox"), "OutboxDepth")
    with urllib.request.urlopen(estonia.url + "/.well-known/entente") as response:
        check(json.load(response), "Descriptor")
    with urllib.request.urlopen(estonia.url + "/health") as response:
        check(json.load(response), "Health")
    assert "Error" in schemas


def test_case_responses_match_the_openapi_document(federation):
    estonia, latvia = federation("EST", "LVA")
    with urllib.request.urlopen(estonia.url + "/openapi.json") as response:
        document = json.load(response)

    def check(value, schema):
        errors = list(Draft202012Validator({**schema, "components": document["components"]}).iter_errors(value))
        assert not errors, f"{schema}: {[e.message for e in errors][:5]}"

    case_id = estonia.api("POST", "/api/v1/cases", {"title": "Outage", "summary": "DNS down", "sectors": ["digital-infrastructure"],
                                                    "impact": "high"})["id"]
    event = estonia.api("POST", f"/api/v1/cases/{case_id}/events", {"kind": "notification", "body": {
        "participants": ["LVA"], "message": "m", "respondBy": "2099-01-01T00:00:00.000Z"}})
    check(event, {"$ref": "#/components/schemas/CaseEvent"})
    wait_until("LVA holds the case", lambda: latvia.api("GET", "/api/v1/cases") != [])
    check(latvia.api("GET", "/api/v1/cases"), {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}})
    check(latvia.api("GET", f"/api/v1/cases/{case_id}"), {"$ref": "#/components/schemas/Case"})
    check(latvia.api("GET", "/api/v1/escalations"), {"type": "array", "items": {"$ref": "#/components/schemas/Escalation"}})


def test_record_responses_match_the_openapi_document(federation):
    osce, estonia = federation("OSCE", "EST")
    with urllib.request.urlopen(osce.url + "/openapi.json") as response:
        document = json.load(response)

    def check(value, name, many=False):
        schema = {"$ref": f"#/components/schemas/{name}"}
        if many:
            schema = {"type": "array", "items": schema}
        errors = list(Draft202012Validator({**schema, "components": document["components"]}).iter_errors(value))
        assert not errors, f"{name}: {[e.message for e in errors][:5]}"

    forum = osce.api("POST", "/api/v1/record", {"kind": "forum", "body": {"name": "IWG", "mandate": "", "members": ["EST"]}})
    check(forum, "RecordEntry")
    wait_until("EST holds the forum", lambda: estonia.api("GET", "/api/v1/forums") != [])
    proposal = estonia.api("POST", "/api/v1/record", {"kind": "proposal", "space": f"forum:{forum['id']}",
                                                      "body": {"title": "T", "category": "norm", "text": "Text"}})
    wait_until("the chair holds the proposal", lambda: osce.api("GET", f"/api/v1/forums/{forum['id']}")["proposals"])
    digest = osce.api("GET", f"/api/v1/forums/{forum['id']}")["proposals"][0]["versions"][0]["digest"]
    osce.api("POST", "/api/v1/record", {"kind": "vote-call", "space": f"forum:{forum['id']}", "body": {
        "proposal": proposal["id"], "version": 1, "textDigest": digest, "deadline": "2099-01-01T00:00:00.000Z",
        "rule": {"method": "simple-majority", "quorumPercent": 50, "abstentions": "not-counted"}}})
    check(osce.api("GET", "/api/v1/forums"), "ForumSummary", many=True)
    check(osce.api("GET", f"/api/v1/forums/{forum['id']}"), "Forum")
    osce.api("POST", "/api/v1/record", {"kind": "agreement", "body": {"title": "A", "text": "T", "parties": ["OSCE", "EST"], "obligations": [
        {"kind": "acknowledge", "priority": "flash", "withinSeconds": 600, "description": "flash in 10 minutes"}]}})
    check(osce.api("GET", "/api/v1/agreements"), "Agreement", many=True)
    osce.api("POST", "/api/v1/record", {"kind": "commitment", "space": "public", "body": {"norm": "gge2015-13a", "date": "2015-07-22", "document": "A/70/174"}})
    osce.api("POST", "/api/v1/record", {"kind": "cbm-status", "space": "public", "body": {"measure": 8, "status": "implemented", "evidence": "PoC list"}})
    osce.api("POST", "/api/v1/record", {"kind": "capacity-offer", "space": "public", "body": {"topics": ["cybercrime"], "regions": ["global"],
        "languages": ["en"], "formats": ["remote"], "funding": "funded", "description": "Course"}})
    check(osce.api("GET", "/api/v1/norms"), "Norms")
    check(osce.api("GET", "/api/v1/cbms"), "MeasureReport")
    check(osce.api("GET", "/api/v1/capacity"), "CapacityBoard")
    drill = osce.api("POST", "/api/v1/drills", {"scenario": {"name": "D", "injects": [
        {"offsetSeconds": 0, "to": ["EST"], "priority": "urgent", "subject": "Inject", "body": ""}]}})
    check(drill, "Drill")
    wait_until("the inject is sent", lambda: osce.api("GET", f"/api/v1/drills/{drill['id']}")["sent"] == 1)
    check(osce.api("GET", f"/api/v1/drills/{drill['id']}"), "Drill")
    check(osce.api("GET", "/api/v1/drills"), "Drill", many=True)
