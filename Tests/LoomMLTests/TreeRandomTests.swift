import LoomML
import Testing

@Suite struct TreeRandomTests {
    @Test func splitMix64MatchesTheReferenceStream() {
        // SplitMix64 from state 0 (Vigna's splitmix64.c).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func boundedDrawsStayInRangeAndCoverIt() {
        var random = SplitMix64(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<2_000 {
            let value = random.nextInt(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 7)
        for _ in 0..<100 {
            let unit = random.nextDouble()
            #expect(unit >= 0 && unit < 1)
        }
    }

    @Test func streamsOfOneSeedDifferAndRepeat() {
        var first = SplitMix64(seed: 7, stream: 0)
        var second = SplitMix64(seed: 7, stream: 1)
        var again = SplitMix64(seed: 7, stream: 0)
        let a = (0..<4).map { _ in first.next() }
        #expect(a != (0..<4).map { _ in second.next() })
        #expect(a == (0..<4).map { _ in again.next() })
    }
}
