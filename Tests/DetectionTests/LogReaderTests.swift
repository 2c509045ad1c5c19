import CZlib
import Detection
import Foundation
import TestSupport
import Testing

/// Reads `text` as a log in chunks of `chunk` bytes (lines cut anywhere), returning the events and the reader.
func read(_ bytes: [UInt8], file: String = "conn.log", chunk: Int = 7, columns: CSVColumns = CSVColumns()) throws -> ([NetworkEvent], LogReader) {
    var reader = LogReader(defaultLog: LogReader.log(forFileName: file), csvColumns: columns)
    var lines = LineSplitter()
    var events: [NetworkEvent] = []
    for start in stride(from: 0, to: bytes.count, by: chunk) {
        try bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { buffer in
            try lines.feed(buffer) { line, number in if let event = reader.read(line, number: number) { events.append(event) } }
        }
    }
    try lines.finish { line, number in if let event = reader.read(line, number: number) { events.append(event) } }
    return (events, reader)
}

@Suite("Reading network logs")
struct LogReaderTests {
    static let header = """
        #separator \\x09
        #set_separator\t,
        #empty_field\t(empty)
        #unset_field\t-
        #path\tdns

        """

    @Test("Zeek TSV follows its #fields header: any order, extra columns, escapes, unset fields, #close, repeated headers")
    func zeekTSV() throws {
        let log =
            Self.header + """
                #fields\tquery\textra\tid.resp_h\tts\tid.orig_h\tanswers\trcode_name
                #types\tstring\tstring\taddr\ttime\taddr\tvector[string]\tstring
                evil.example\tx\t10.0.0.53\t1741680000.5\t10.0.0.7\t203.0.113.66,198.51.100.1\tNOERROR
                tab\\x09name.example\t-\t10.0.0.53\t1741680001\t10.0.0.8\t-\tNXDOMAIN
                a line that is cut short
                #close\t2025-03-11-10-00-00
                #fields\tts\tid.orig_h\tquery
                1741680002\t10.0.0.9\tsecond-block.example

                """
        let (events, reader) = try read(Array(log.utf8), file: "whatever.log")
        #expect(events.count == 3)
        #expect(events[0].log == .dns && events[0].query == "evil.example" && events[0].source == "10.0.0.7")
        #expect(events[0].destination == "10.0.0.53" && events[0].time == 1_741_680_000.5)
        #expect(events[0].answers == ["203.0.113.66", "198.51.100.1"] && events[0].responseCode == "NOERROR")
        #expect(events[1].query == "tab\tname.example" && events[1].answers.isEmpty)
        #expect(events[2].query == "second-block.example" && events[2].destination == nil)
        #expect(reader.badLineCount == 1 && reader.badLines == [10] && reader.firstProblem?.contains("1 fields where #fields names 7") == true)
    }

    @Test("Zeek JSON lines, the log named by _path or by the file name; a bad line is counted and reading goes on")
    func zeekJSON() throws {
        let log = """
            {"ts":1741680000.25,"uid":"C1","id.orig_h":"10.0.0.7","id.orig_p":50000,"id.resp_h":"203.0.113.66","id.resp_p":443,"proto":"tcp","duration":1.5,"orig_bytes":300,"resp_bytes":4000,"conn_state":"SF"}
            {"ts":"2025-03-11T08:00:01.500Z","id.orig_h":"10.0.0.8","id.resp_h":"10.0.0.53","query":"x.example","answers":["192.0.2.1"],"_path":"dns"}
            {not json
            {"uid":"no time"}
            """
        let (events, reader) = try read(Array(log.utf8), file: "conn.20250311.json")
        #expect(events.count == 2)
        #expect(events[0].log == .conn && events[0].destinationPort == 443 && events[0].receivedBytes == 4000 && events[0].duration == 1.5)
        #expect(events[1].log == .dns && events[1].time == 1_741_680_001.5 && events[1].answers == ["192.0.2.1"])
        #expect(reader.format == .zeekJSON && reader.badLines == [3, 4])
    }

    @Test("CSV flow records, with the columns named by a mapping or by common flow-export names")
    func csv() throws {
        let log = """
            StartTime,SrcAddr,Sport,DstAddr,Dport,Proto,"Total bytes",Dur
            1741680000,10.0.0.7,50000,203.0.113.66,443,TCP,"1200",2.5
            not-a-time,10.0.0.7,1,2,3,udp,0,0
            """
        let (events, reader) = try read(Array(log.utf8), file: "flows.csv", columns: try CSVColumns(mapping: "sent=Total bytes"))
        #expect(events.count == 1 && reader.badLines == [3])
        #expect(events[0].log == .flow && events[0].destination == "203.0.113.66" && events[0].transport == "tcp")
        #expect(events[0].destinationPort == 443 && events[0].duration == 2.5 && events[0].sentBytes == 1200)
        #expect(throws: LogInputError.self) { try CSVColumns(mapping: "bogus=Column") }
    }

    @Test("A gzip-compressed log reads as the log, in any chunk size")
    func gzip() throws {
        let log = Self.header + "#fields\tts\tquery\n" + (0..<500).map { "\(1_741_680_000 + $0)\tname\($0).example\n" }.joined()
        for chunk in [1, 13, 4096] {
            let (events, reader) = try read(Self.gzipped(Array(log.utf8)), file: "dns.log.gz", chunk: chunk)
            #expect(events.count == 500 && events.last?.query == "name499.example" && reader.badLineCount == 0)
        }
    }

    @Test("The real RemcosRAT conn.log (old field list, two extra label columns) reads without a bad line")
    func realConnLog() throws {
        let bytes = Array(try Data(contentsOf: sharedData("detection/beacons/real/ctu-sme-11-remcosrat/conn.log.labeled")))
        let (events, reader) = try read(bytes, chunk: 65_536)
        #expect(events.count == 766 && reader.badLineCount == 0)
        let loop = events.filter { $0.destination == "66.63.168.35" && $0.destinationPort == 5888 }
        #expect(loop.count == 719 && loop.filter { $0.state == "REJ" }.count == 718)
    }

    static func gzipped(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + 1024)
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                _ = deflate(&stream, Z_FINISH)
            }
        }
        return Array(output.prefix(Int(stream.total_out)))
    }
}

@Suite("Hostile JSON log values")
struct HostileJSONLogTests {
    /// Found by the network-log fuzzer: a number too large for an Int in a JSON log line trapped the reader.
    @Test func aNumberTooLargeForAnIntIsReadNotTrappedOn() {
        var reader = LogReader(defaultLog: .http)
        let line = Array(#"{"ts":1741680000.5,"uri":"/a","host":4444444444444444444444444444444444444444}"#.utf8)
        let event = line.withUnsafeBytes { reader.read($0, number: 1) }
        #expect(event?.host == "4.4444444444444446e+39")
        #expect(reader.badLineCount == 0)
    }
}
