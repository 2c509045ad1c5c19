import EntenteProtocol
import Foundation

/// MISP events in MISP's JSON format, to and from STIX 2.1, following the misp-stix package's
/// mapping: the event is a report, its creator organisation an identity, an attribute for
/// detection (`to_ids`) an indicator and any other one observed-data with its observables, each
/// identified by the attribute's UUID so that importing twice, or exporting what was imported,
/// keeps identities. Markings are never weaker than MISP's: an attribute carries the stricter of
/// its own TLP tag and its event's.
public enum MISPEvent {
    public static let maximumAttributes = 100_000
    public static let maximumValueBytes = 64 * 1024

    public struct Conversion: Sendable {
        /// The report the event became.
        public var report = ""
        public var objects: [JSONValue] = []
        /// What was left out, each with its reason.
        public var skipped: [String] = []
    }

    // MARK: MISP → STIX

    /// The STIX objects for an event (`{"Event": {…}}` or the event itself). TLP:RED objects name
    /// `recipients` as their readers.
    public static func stix(from json: JSONValue, recipients: [String]) throws(STIXError) -> Conversion {
        guard let event = (json["Event"] ?? json).objectValue else { throw STIXError("not a MISP event: expected {\"Event\": {…}}") }
        guard let eventUUID = uuid(event["uuid"]) else { throw STIXError("the event's uuid is missing or not a UUID") }
        guard let info = event["info"]?.stringValue, !info.isEmpty, info.utf8.count <= maximumValueBytes else {
            throw STIXError("the event's info (its title) is missing")
        }
        guard let eventTime = time(event["timestamp"]) ?? day(event["date"]) else { throw STIXError("the event has neither a timestamp nor a date") }
        let tags = tagNames(event["Tag"])
        let eventTLP = strictest(tags)
        var attributes = event["Attribute"]?.arrayValue ?? []
        for object in event["Object"]?.arrayValue ?? [] { attributes += object["Attribute"]?.arrayValue ?? [] }
        guard attributes.count <= maximumAttributes else {
            throw STIXError("an event has at most \(maximumAttributes) attributes; this one has \(attributes.count)")
        }

        var conversion = Conversion()
        var creator: String?
        if let organisation = event["Orgc"], let orgUUID = uuid(organisation["uuid"]), let name = organisation["name"]?.stringValue {
            creator = "identity--" + orgUUID
            conversion.objects.append([
                "type": "identity", "spec_version": "2.1", "id": .string(creator!), "created": .string(stixTime(eventTime)),
                "modified": .string(stixTime(eventTime)), "name": .string(name), "identity_class": "organization",
            ])
        }
        func marked(_ object: inout [String: JSONValue], _ tlp: TLP?) {
            if let creator { object["created_by_ref"] = .string(creator) }
            guard let tlp else { return }
            object["object_marking_refs"] = [.string(TLPMarking.definitions[tlp]!)]
            if tlp == .red { object["x_entente_recipients"] = .array(recipients.map(JSONValue.string)) }
        }
        var converted: [String] = []
        for attribute in attributes {
            do throws(STIXError) {
                var objects = try convert(attribute, eventTime: eventTime)
                let tlp = [eventTLP, strictest(tagNames(attribute["Tag"]))].compactMap { $0 }.max { TLPPolicy.rank($0) < TLPPolicy.rank($1) }
                if var first = objects[0].objectValue {
                    marked(&first, tlp)
                    objects[0] = .object(first)
                }
                converted += objects.compactMap { $0["id"]?.stringValue }
                conversion.objects += objects
            } catch {
                conversion.skipped.append(error.description)
            }
        }
        guard !converted.isEmpty else {
            throw STIXError(
                "nothing to import: " + (conversion.skipped.isEmpty ? "the event has no attributes" : conversion.skipped.joined(separator: "; "))
            )
        }
        let published = time(event["publish_timestamp"]).flatMap { $0 > 0 ? $0 : nil } ?? eventTime
        var report: [String: JSONValue] = [
            "type": "report", "spec_version": "2.1", "id": .string("report--" + eventUUID), "created": .string(stixTime(eventTime)),
            "modified": .string(stixTime(eventTime)), "name": .string(info), "published": .string(stixSeconds(published)),
            "report_types": ["threat-report"], "object_refs": .array(converted.map(JSONValue.string)),
        ]
        let labels = tags.filter { tlp(ofTag: $0) == nil }
        if !labels.isEmpty { report["labels"] = .array(labels.map(JSONValue.string)) }
        marked(&report, eventTLP)
        conversion.objects.append(.object(report))
        conversion.report = "report--" + eventUUID
        return conversion
    }

    /// One attribute's objects, the one that carries its marking first.
    static func convert(_ attribute: JSONValue, eventTime: Int64) throws(STIXError) -> [JSONValue] {
        guard let attributeUUID = uuid(attribute["uuid"]) else { throw STIXError("an attribute without a valid uuid") }
        let name = "attribute \(attributeUUID)"
        guard let typeName = attribute["type"]?.stringValue, let value = attribute["value"]?.stringValue, !value.isEmpty else {
            throw STIXError("\(name): a type and a value are required")
        }
        guard value.utf8.count <= maximumValueBytes else { throw STIXError("\(name): the value is over \(maximumValueBytes) bytes") }
        let detect = attribute["to_ids"]?.boolValue ?? (["1", "true", "True"].contains(attribute["to_ids"]?.stringValue ?? ""))
        let at = time(attribute["timestamp"]) ?? eventTime
        let category = attribute["category"]?.stringValue ?? MISPAttributeType.byName[typeName]?.category ?? "Other"
        var common: [String: JSONValue] = [
            "spec_version": "2.1", "created": .string(stixTime(at)), "modified": .string(stixTime(at)),
            "labels": [.string("misp:type=\"\(typeName)\""), .string("misp:category=\"\(category)\"")],
        ]
        if let comment = attribute["comment"]?.stringValue, !comment.isEmpty { common["description"] = .string(comment) }
        func indicator(_ pattern: String, language: String) -> JSONValue {
            var object = common
            object["type"] = "indicator"
            object["id"] = .string("indicator--" + attributeUUID)
            object["pattern"] = .string(pattern)
            object["pattern_type"] = .string(language)
            if language == "stix" { object["pattern_version"] = "2.1" }
            object["valid_from"] = .string(stixSeconds(at))
            object["kill_chain_phases"] = [["kill_chain_name": "misp-category", "phase_name": .string(category)]]
            return .object(object)
        }
        if MISPAttributeType.ruleLanguages.contains(typeName) { return [indicator(value, language: typeName)] }
        if typeName == "vulnerability" {
            var object = common
            object["type"] = "vulnerability"
            object["id"] = .string("vulnerability--" + attributeUUID)
            object["name"] = .string(value)
            if value.uppercased().hasPrefix("CVE-") { object["external_references"] = [["source_name": "cve", "external_id": .string(value)]] }
            return [.object(object)]
        }
        guard let type = MISPAttributeType.byName[typeName] else { throw STIXError("\(name): MISP type \(typeName) has no STIX mapping here") }
        guard let parts = type.split(value) else { throw STIXError("\(name): \"\(value.prefix(80))\" is not a \(typeName)") }
        let comparisons = type.comparisons(for: parts)
        if detect { return [indicator(STIXComparisons.pattern(comparisons), language: "stix")] }
        guard type.observable else { throw STIXError("\(name): a \(typeName) not for detection has no observable here") }
        let observables = STIXComparisons.observables(comparisons, uuid: attributeUUID)
        var observed = common
        observed["type"] = "observed-data"
        observed["id"] = .string("observed-data--" + attributeUUID)
        observed["first_observed"] = .string(stixSeconds(at))
        observed["last_observed"] = .string(stixSeconds(at))
        observed["number_observed"] = 1
        observed["object_refs"] = .array(observables.compactMap { $0["id"] })
        return [.object(observed)] + observables
    }

    // MARK: STIX → MISP

    /// An event for STIX objects: the attributes of a report's objects (if `report` is given) or
    /// of all of them. `uuid` and `info` name an event that is not a report.
    public static func event(
        from objects: [JSONValue],
        report reportID: String?,
        uuid eventUUID: String,
        info: String
    ) throws(STIXError) -> (event: JSONValue, skipped: [String]) {
        let byID = Dictionary(objects.compactMap { object in object["id"]?.stringValue.map { ($0, object) } }) { _, last in last }
        var event: [String: JSONValue] = [
            "uuid": .string(eventUUID), "info": .string(info), "threat_level_id": "4", "analysis": "2", "published": false,
        ]
        var members = objects
        var eventTLP: TLP?
        var tags: [String] = []
        if let reportID {
            guard let report = byID[reportID], report["type"]?.stringValue == "report" else {
                throw STIXError("no report \(reportID) among the objects")
            }
            event["uuid"] = .string(String(reportID.dropFirst("report--".count)))
            event["info"] = report["name"] ?? .string(info)
            if let published = report["published"]?.stringValue {
                event["published"] = true
                event["publish_timestamp"] = .string(epoch(published))
            }
            let refs = Set((report["object_refs"]?.arrayValue ?? []).compactMap(\.stringValue))
            members = objects.filter { $0["id"]?.stringValue.map(refs.contains) == true }
            eventTLP = tlp(of: report)
            tags = (report["labels"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0.contains(":") && !$0.hasPrefix("misp:") }
            if let creator = report["created_by_ref"]?.stringValue, let identity = byID[creator], let name = identity["name"]?.stringValue {
                event["Orgc"] = ["uuid": .string(String(creator.dropFirst("identity--".count))), "name": .string(name)]
            }
        }
        if let eventTLP { tags.insert(tag(eventTLP), at: 0) }
        if !tags.isEmpty { event["Tag"] = .array(tags.map { ["name": .string($0)] }) }

        var attributes: [JSONValue] = []
        var skipped: [String] = []
        var latest = ""
        for object in members {
            guard let id = object["id"]?.stringValue, let type = object["type"]?.stringValue else { continue }
            guard ["indicator", "observed-data", "vulnerability"].contains(type) else {
                if !STIXValidation.cyberObservables.contains(type),
                    !["identity", "report", "relationship", "marking-definition", "sighting"].contains(type)
                {
                    skipped.append("\(id): a \(type) is not a MISP attribute")
                }
                continue
            }
            guard let (typeName, value, detect) = attribute(of: object, type: type, among: byID) else {
                skipped.append("\(id): no MISP attribute type says the same")
                continue
            }
            let modified = object["modified"]?.stringValue ?? object["created"]?.stringValue ?? ""
            latest = max(latest, modified)
            var attribute: [String: JSONValue] = [
                "uuid": .string(id.range(of: "--").map { String(id[$0.upperBound...]) } ?? id), "type": .string(typeName), "value": .string(value),
                "to_ids": .bool(detect),
                "category": .string(
                    misp(object, "category") ?? phase(of: object) ?? MISPAttributeType.byName[typeName]?.category ?? "External analysis"
                ),
                "timestamp": .string(epoch(modified)), "comment": object["description"] ?? "",
            ]
            if let own = tlp(of: object), own != eventTLP { attribute["Tag"] = [["name": .string(tag(own))]] }
            attributes.append(.object(attribute))
        }
        event["Attribute"] = .array(attributes)
        let day = latest.isEmpty ? Timestamp.format(Date()) : latest
        event["date"] = .string(String(day.prefix(10)))
        event["timestamp"] = .string(latest.isEmpty ? String(Int(Date().timeIntervalSince1970)) : epoch(latest))
        return (["Event": .object(event)], skipped)
    }

    /// The attribute an indicator, observed-data or vulnerability stands for: its MISP label's type when that says the same, else the first type that does.
    static func attribute(of object: JSONValue, type: String, among byID: [String: JSONValue]) -> (type: String, value: String, detect: Bool)? {
        switch type {
        case "vulnerability":
            return object["name"]?.stringValue.map { ("vulnerability", $0, false) }
        case "indicator":
            guard let pattern = object["pattern"]?.stringValue, let language = object["pattern_type"]?.stringValue else { return nil }
            if MISPAttributeType.ruleLanguages.contains(language) {
                // misp-stix writes rules in brackets, as if they were STIX patterns; no rule language starts with one.
                let rule = pattern.hasPrefix("[") && pattern.hasSuffix("]") ? String(pattern.dropFirst().dropLast()) : pattern
                return (language, rule, true)
            }
            guard language == "stix", let comparisons = STIXComparisons.parse(pattern) else { return nil }
            return match(comparisons, label: misp(object, "type")).map { ($0.type, $0.value, true) }
        default:
            guard let first = object["object_refs"]?.arrayValue?.first?.stringValue, let observable = byID[first] else { return nil }
            return match(STIXComparisons.comparisons(of: observable, referring: byID), label: misp(object, "type")).map { ($0.type, $0.value, false) }
        }
    }

    static func match(_ comparisons: [STIXComparisons.Comparison], label: String?) -> (type: String, value: String)? {
        let candidates = (label.flatMap { MISPAttributeType.byName[$0] }.map { [$0] } ?? []) + MISPAttributeType.all
        for candidate in candidates { if let value = candidate.value(from: comparisons) { return (candidate.name, value) } }
        return nil
    }

    // MARK: Tags, labels, times

    static func tagNames(_ tags: JSONValue?) -> [String] { (tags?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }

    static func tlp(ofTag tag: String) -> TLP? {
        switch tag.lowercased().replacingOccurrences(of: " ", with: "") {
        case "tlp:clear", "tlp:white": .clear
        case "tlp:green": .green
        case "tlp:amber": .amber
        case "tlp:amber+strict": .amberStrict
        case "tlp:red": .red
        default: nil
        }
    }

    static func strictest(_ tags: [String]) -> TLP? { tags.compactMap(tlp(ofTag:)).max { TLPPolicy.rank($0) < TLPPolicy.rank($1) } }

    static func tag(_ tlp: TLP) -> String { "tlp:" + tlp.rawValue }

    static func tlp(of object: JSONValue) -> TLP? {
        TLPMarking.strictest((object["object_marking_refs"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// A `misp:name="value"` label's value.
    static func misp(_ object: JSONValue, _ name: String) -> String? {
        let prefix = "misp:\(name)=\""
        return (object["labels"]?.arrayValue ?? []).compactMap(\.stringValue).first { $0.hasPrefix(prefix) && $0.hasSuffix("\"") }
            .map { String($0.dropFirst(prefix.count).dropLast()) }
    }

    static func phase(of object: JSONValue) -> String? {
        (object["kill_chain_phases"]?.arrayValue ?? []).first { $0["kill_chain_name"]?.stringValue == "misp-category" }?["phase_name"]?.stringValue
    }

    static func uuid(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, let parsed = UUID(uuidString: text) else { return nil }
        return parsed.uuidString.lowercased()
    }

    /// Seconds since 1970 from MISP's timestamp (a string or a number).
    static func time(_ value: JSONValue?) -> Int64? {
        if let number = value?.integerValue { return number }
        return value?.stringValue.flatMap { Int64($0) }
    }

    static func day(_ value: JSONValue?) -> Int64? {
        guard let text = value?.stringValue, text.count == 10 else { return nil }
        return STIXValidation.milliseconds(text + "T00:00:00Z").map { $0 / 1000 }
    }

    static func stixTime(_ seconds: Int64) -> String { Timestamp.format(Date(timeIntervalSince1970: TimeInterval(seconds))) }

    static func stixSeconds(_ seconds: Int64) -> String { String(stixTime(seconds).dropLast(5)) + "Z" }

    static func epoch(_ stixTime: String) -> String { STIXTime.microseconds(stixTime).map { String($0 / 1_000_000) } ?? "0" }
}
