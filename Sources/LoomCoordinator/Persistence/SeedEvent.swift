import Foundation
import LoomStore
import LoomWire

/// A JSON value for event payloads, written in the seed's event format
/// (`{"type", "job_id", "node_id", "status", "progress", "timestamp", …}`).
enum SeedEvent: Sendable {
    case string(String)
    case number(Double)
    case object([String: SeedEvent])

    var json: String {
        switch self {
        case .string(let text): Self.quote(text)
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .object(let members):
            "{" + members.sorted { $0.key < $1.key }.map { Self.quote($0.key) + ":" + $0.value.json }.joined(separator: ",") + "}"
        }
    }

    var jsonb: JSONB { JSONB(json: json) }

    static func timestamp(_ time: WireTime) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: time.date)
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// What the coordinator reads from JobCompleted.result (JSON): the cost the worker
/// reports (`creditCost`) and, for an ingestion, the dataset's profile and shape.
struct CompletionSummary {
    struct Ingestion {
        var profile: JSONB
        var rowCount: Int64
        var columnCount: Int32
    }

    var creditCost: Int64?
    var ingestion: Ingestion?

    init(_ bytes: [UInt8]) {
        // Every job's completion passes here; Foundation's decoders cost more than the
        // rest of the coordinator's work on a trivial job.
        if let flat = Self.readFlat(bytes) {
            self = flat
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return }
        creditCost = (object["creditCost"] as? NSNumber)?.int64Value
        if let ingestion = object["ingestion"] as? [String: Any],
            let profile = ingestion["profile"],
            let profileData = try? JSONSerialization.data(withJSONObject: profile),
            let rows = (ingestion["rowCount"] as? NSNumber)?.int64Value,
            let columns = (ingestion["columnCount"] as? NSNumber)?.int32Value
        {
            self.ingestion = Ingestion(profile: JSONB(json: String(decoding: profileData, as: UTF8.self)), rowCount: rows, columnCount: columns)
        }
    }

    private init(creditCost: Int64?) {
        self.creditCost = creditCost
    }

    /// The summary of a flat object (no value is an object or an array), as bench jobs'
    /// results are, read straight from its bytes: `creditCost` when it is a plain integer.
    /// Nil for anything else, which the general path reads.
    static func readFlat(_ bytes: [UInt8]) -> CompletionSummary? {
        bytes.withUnsafeBufferPointer { buffer -> CompletionSummary? in
            guard let start = buffer.firstIndex(where: { !isSpace($0) }), buffer[start] == UInt8(ascii: "{"),
                !buffer[(start + 1)...].contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") })
            else { return nil }
            guard let found = firstIndex(of: costKey, in: buffer) else { return CompletionSummary(creditCost: nil) }
            var index = found + costKey.count
            func skipSpaces() { while index < buffer.count, isSpace(buffer[index]) { index += 1 } }
            skipSpaces()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpaces()
            let negative = index < buffer.count && buffer[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: Int64 = 0
            let digitsStart = index
            while index < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[index]) {
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int64(buffer[index] - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                index += 1
            }
            skipSpaces()
            // Anything but a plain integer (a fraction, an exponent, a string) is for the general path.
            guard index > digitsStart, index < buffer.count, buffer[index] == UInt8(ascii: ",") || buffer[index] == UInt8(ascii: "}")
            else { return nil }
            return CompletionSummary(creditCost: negative ? -value : value)
        }
    }

    private static let costKey = Array("\"creditCost\"".utf8)

    private static func firstIndex(of key: [UInt8], in buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        var from = 0
        while let candidate = buffer[from...].firstIndex(of: key[0]) {
            guard buffer.count - candidate >= key.count else { return nil }
            if buffer[candidate..<candidate + key.count].elementsEqual(key) { return candidate }
            from = candidate + 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
