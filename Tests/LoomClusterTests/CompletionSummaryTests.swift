import Foundation
import LoomStore
import LoomWire
import Testing

@testable import LoomCoordinator

/// What the coordinator reads from a JobCompleted's result: flat objects straight from the
/// bytes, everything else through JSONSerialization, with the same answers.
@Suite("completion results and job ids")
struct CompletionSummaryTests {
    func summary(_ json: String) -> CompletionSummary { CompletionSummary(Array(json.utf8)) }

    @Test("a flat result's cost is read from its bytes, with spacing, a sign, or absent")
    func flat() {
        #expect(CompletionSummary.readFlat(Array(#"{"creditCost":12,"worker":"w1","attempt":1}"#.utf8))?.creditCost == 12)
        #expect(CompletionSummary.readFlat(Array(" { \"worker\" : \"w\" ,\n \"creditCost\" :\t-3 } ".utf8))?.creditCost == -3)
        let absent = CompletionSummary.readFlat(Array(#"{"worker":"w1"}"#.utf8))
        #expect(absent != nil && absent?.creditCost == nil)
        #expect(summary(#"{"creditCost":0}"#).creditCost == 0)
        #expect(summary(#"{"creditCost":0}"#).ingestion == nil)
    }

    @Test("anything but a flat object with an integer cost goes the general way, to the same answer")
    func general() {
        for json in [
            #"{"creditCost":1.5}"#, #"{"creditCost":2e1}"#, #"{"note":"creditCost","creditCost":7}"#,
            #"{"creditCost":"7"}"#, #"{"nested":{"creditCost":1},"creditCost":4}"#, #"{"creditCost":99999999999999999999}"#, "[]", "not json",
        ] {
            #expect(CompletionSummary.readFlat(Array(json.utf8)) == nil, "\(json)")
        }
        #expect(summary(#"{"note":"creditCost","creditCost":7}"#).creditCost == 7)
        #expect(summary(#"{"nested":{"creditCost":1},"creditCost":4}"#).creditCost == 4)
        #expect(summary(#"{"creditCost":1.5}"#).creditCost == 1)
        #expect(summary("not json").creditCost == nil)
    }

    @Test("an ingestion's profile and shape come along with its cost")
    func ingestion() throws {
        let read = summary(#"{"creditCost":5,"ingestion":{"rowCount":3,"columnCount":2,"profile":{"columns":[]}}}"#)
        #expect(read.creditCost == 5)
        let ingestion = try #require(read.ingestion)
        #expect(ingestion.rowCount == 3 && ingestion.columnCount == 2)
        #expect(ingestion.profile.json == #"{"columns":[]}"#)
    }

    @Test("Foundation UUIDs and wire UUIDs convert both ways, byte for byte")
    func uuids() {
        for _ in 0..<100 {
            let uuid = UUID()
            #expect(UUID(wire: uuid.wire) == uuid)
            #expect(uuid.wire.description == uuid.uuidString.lowercased())
        }
    }
}

@Suite("dispatcher")
struct DispatchSlotTests {
    @Test("workers' free slots are interleaved, so a short queue is shared among them")
    func interleaved() {
        let (a, b, c) = (UUID(), UUID(), UUID())
        #expect(Coordinator.interleavedSlots([(a, 3), (b, 2), (c, 1)]) == [a, b, c, a, b, a])
        #expect(Coordinator.interleavedSlots([(a, 0), (b, 2)]) == [b, b])
        #expect(Coordinator.interleavedSlots([]).isEmpty)
    }
}
