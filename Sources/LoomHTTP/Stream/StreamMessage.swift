import Foundation
import LoomStore
import NIOCore
import NIOWebSocket

/// One stream message: a stored job event as JSON text in the seed's format, encoded once
/// and shared by every subscriber of the job — as the frame itself, whose bytes every
/// client's write shares (a `ByteBuffer` is copied on write only).
struct StreamMessage: Sendable {
    let seq: Int64
    let frame: WebSocketFrame
    /// The job's last message (job_completed or job_failed): the stream closes after it.
    let isFinal: Bool
}

extension StreamMessage {
    /// `type`, `job_id`, `node_id`, `status`, `progress`, `timestamp` (the event's
    /// created_at, ISO 8601) and `seq`, plus the payload's other fields (metrics values, an
    /// error message). The store's own values win over same-named payload fields.
    ///
    /// Types are the seed's. The store also writes `job_cancelled` (sent as job_failed with
    /// status cancelled) and `lease_expired` (sent as job_failed when no tries were left;
    /// as is when the job was queued again), and `job_retrying` (sent as is).
    init(event: JobEvent, jobID: UUID) {
        let payload = (try? JSONSerialization.jsonObject(with: Data(event.payload.json.utf8))) as? [String: Any] ?? [:]
        self.init(seq: event.seq, type: event.type, payload: payload, createdAt: event.createdAt, jobID: jobID)
    }

    /// As `init(event:jobID:)`, from an event's parts with its payload already parsed.
    init(seq: Int64, type storedType: String, payload: [String: Any], createdAt: Date, jobID: UUID) {
        var object = payload
        var type = storedType
        var isFinal = false
        switch storedType {
        case "job_started":
            object["status"] = object["status"] ?? "running"
        case "job_completed":
            object["status"] = object["status"] ?? "completed"
            isFinal = true
        case "job_failed":
            object["status"] = object["status"] ?? "failed"
            isFinal = true
        case "job_cancelled":
            type = "job_failed"
            object["status"] = "cancelled"
            isFinal = true
        case "lease_expired":
            if let outcome = object["outcome"] as? String, outcome == "failed" || outcome == "cancelled" {
                type = "job_failed"
                object["status"] = outcome
                object["error"] = object["error"] ?? "the worker stopped heartbeating"
                isFinal = true
            }
        default:
            break
        }
        object["type"] = type
        object["job_id"] = jobID.uuidString.lowercased()
        object["seq"] = Int(seq)
        object["timestamp"] = createdAt.formatted(Self.timestampStyle)
        for key in ["node_id", "status", "progress"] where object[key] == nil {
            object[key] = NSNull()
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        self.init(seq: seq, json: data, isFinal: isFinal)
    }

    /// The last message of a finished job whose final event is no longer stored (events are
    /// pruned `keepResult` after a job ends).
    init(finished job: JobRecord, after seq: Int64) {
        var object: [String: Any] = [
            "type": job.status == .completed ? "job_completed" : "job_failed",
            "job_id": job.id.uuidString.lowercased(),
            "status": job.status.rawValue,
            "seq": Int(seq),
            "timestamp": (job.completedAt ?? Date()).formatted(Self.timestampStyle),
            "node_id": NSNull(),
            "progress": NSNull(),
        ]
        if let error = job.errorMessage { object["error"] = error }
        if let cost = job.creditCost { object["credit_cost"] = Int(cost) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        self.init(seq: seq, json: data, isFinal: true)
    }

    private init(seq: Int64, json: Data, isFinal: Bool) {
        self.init(seq: seq, frame: WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: json)), isFinal: isFinal)
    }

    static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
