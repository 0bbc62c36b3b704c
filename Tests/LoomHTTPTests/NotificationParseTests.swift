import Foundation
import Testing

@testable import LoomHTTP

/// `loom_events` payloads: `JOB_ID`, `JOB_ID:SEQ` or `JOB_ID:SEQ:EVENTS`.
@Suite("loom_events payloads")
struct NotificationParseTests {
    let job = UUID()

    @Test("the id, the seq and the events are split at the first two colons")
    func parts() throws {
        let id = job.uuidString.lowercased()
        let bare = try #require(JobEventHub.parse(id))
        #expect(bare.job == job && bare.seq == nil && bare.eventsJSON == nil)
        let seq = try #require(JobEventHub.parse("\(id):42"))
        #expect(seq.job == job && seq.seq == 42 && seq.eventsJSON == nil)
        let events = #"[[43,"node_status",1700000000000000,{"note":"a:b"}]]"#
        let full = try #require(JobEventHub.parse("\(id):43:\(events)"))
        #expect(full.job == job && full.seq == 43 && full.eventsJSON.map(String.init) == events)
        let read = try #require(full.events())
        #expect(read.count == 1 && read[0].seq == 43 && read[0].type == "node_status" && read[0].payload["note"] as? String == "a:b")
        #expect(JobEventHub.parse(job.uuidString)?.job == job)
    }

    @Test("a payload without a job id is refused")
    func refused() {
        for payload in ["", "42", "not-a-uuid:1", "\(job.uuidString.lowercased().dropLast()):1"] {
            #expect(JobEventHub.parse(payload) == nil, "\(payload)")
        }
    }
}
