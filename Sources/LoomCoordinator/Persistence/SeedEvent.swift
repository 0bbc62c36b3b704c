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
    private static let ingestionKey = Array("\"ingestion\"".utf8)

    /// The cost alone, for results without an ingestion: every job's completion passes
    /// here, and Foundation's JSONSerialization builds objects for every key of it.
    private struct Cost: Decodable {
        var creditCost: Int64?
    }

    init(_ bytes: [UInt8]) {
        guard bytes.firstRange(of: Self.ingestionKey) != nil else {
            creditCost = (try? JSONDecoder().decode(Cost.self, from: Data(bytes)))?.creditCost
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
}
