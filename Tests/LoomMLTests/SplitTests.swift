import LoomColumnar
import Testing

@testable import LoomML

@Suite("Train/test split")
struct SplitTests {
    @Test("SplitMix64 gives the reference sequence (seed 0 starts 0xE220A8397B1DCDAF)")
    func generator() {
        var zero = SplitMix64(seed: 0)
        #expect([zero.next(), zero.next(), zero.next()] == [16294208416658607535, 7960286522194355700, 487617019471545679])
        var answer = SplitMix64(seed: 42)
        #expect([answer.next(), answer.next()] == [13679457532755275413, 2949826092126892291])
    }

    @Test("bounded draws stay in range and reach every value")
    func bounded() {
        var generator = SplitMix64(seed: 9)
        var seen = Set<UInt64>()
        for _ in 0..<1_000 {
            let value = generator.next(below: UInt64(7))
            #expect(value < 7)
            seen.insert(value)
        }
        #expect(seen.count == 7)
    }

    /// The rows below were computed by an independent Python implementation of
    /// SplitMix64 + Lemire's bounded draw + Fisher–Yates; a change to the generator or
    /// the shuffle changes them and fails this test.
    @Test("a fixed seed gives a fixed, hard-coded split")
    func fixedRows() throws {
        let split = try TrainTestSplit(testSize: 0.25, randomState: 42)
        let rows = try split.split(rowCount: 20, problemType: .regression)
        #expect(rows.test == [1, 7, 9, 15, 16])
        #expect(rows.train == [0, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 17, 18, 19])
        #expect(try TrainTestSplit(testSize: 0.25, randomState: 7).split(rowCount: 20, problemType: .regression).test == [2, 10, 14, 17, 18])
        #expect(try TrainTestSplit(testSize: 0.2, randomState: 0).split(rowCount: 10, problemType: .regression).test == [4, 9])
    }

    @Test("the same seed gives the same rows; another seed other rows; train and test partition the rows")
    func determinism() throws {
        let a = try TrainTestSplit(testSize: 0.3, randomState: 123).split(rowCount: 1_000, problemType: .regression)
        let b = try TrainTestSplit(testSize: 0.3, randomState: 123).split(rowCount: 1_000, problemType: .regression)
        let c = try TrainTestSplit(testSize: 0.3, randomState: 124).split(rowCount: 1_000, problemType: .regression)
        #expect(a == b)
        #expect(a.test != c.test)
        #expect(a.test.count == 300)
        #expect((a.train + a.test).sorted() == Array(0..<1_000))
    }

    @Test("the test count is ceil(test_size · rows), as scikit-learn")
    func testCount() throws {
        #expect(try TrainTestSplit(testSize: 0.2).testCount(rows: 150) == 30)
        #expect(try TrainTestSplit(testSize: 0.2).testCount(rows: 569) == 114)
        #expect(try TrainTestSplit(testSize: 0.2).testCount(rows: 398) == 80)
        #expect(try TrainTestSplit(testSize: 0.1).testCount(rows: 11) == 2)
    }

    @Test("test_size must be from 0.1 to 0.5", arguments: [0.0, 0.05, 0.099, 0.51, 1.0, -0.2, Double.nan])
    func testSizeBounds(size: Double) {
        expectError(.invalidParameter, field: "test_size") { _ = try TrainTestSplit(testSize: size) }
        expectError(.invalidParameter, field: "test_size") { _ = try TrainTestSplit(nodeID: "s", parameters: ["test_size": .number(size)]) }
    }

    @Test("the bounds themselves are allowed", arguments: [0.1, 0.5])
    func testSizeEdges(size: Double) throws {
        #expect(try TrainTestSplit(testSize: size).testSize == size)
    }

    @Test("node parameters: camelCase or snake_case, validated with the node id")
    func parsing() throws {
        let split = try TrainTestSplit(nodeID: "split-1", parameters: ["testSize": 0.3, "randomState": 7, "shuffle": true])
        #expect(split.testSize == 0.3 && split.randomState == 7 && split.shuffle && split.stratify == nil)
        let defaults = try TrainTestSplit(nodeID: "s", parameters: [:])
        #expect(defaults.testSize == 0.2 && defaults.randomState == 42)
        let seedError = expectError(.invalidParameter, field: "random_state") { _ = try TrainTestSplit(nodeID: "split-1", parameters: ["random_state": 1.5]) }
        #expect(seedError?.nodeID == "split-1")
        expectError(.invalidParameter, field: "random_state") { _ = try TrainTestSplit(nodeID: "s", parameters: ["random_state": -1]) }
        expectError(.unknownParameter, field: "test_fraction") { _ = try TrainTestSplit(nodeID: "s", parameters: ["test_fraction": 0.2]) }
        expectError(.invalidParameter, field: "stratify") { _ = try TrainTestSplit(nodeID: "s", parameters: ["stratify": true, "shuffle": false]) }
    }

    @Test("without shuffle the last rows are the test rows")
    func noShuffle() throws {
        let rows = try TrainTestSplit(testSize: 0.3, shuffle: false).split(rowCount: 10, problemType: .classification, classes: Array(repeating: 0, count: 10))
        #expect(rows.train == Array(0..<7))
        #expect(rows.test == [7, 8, 9])
    }

    @Test("classification stratifies by default: each class keeps its share", arguments: [UInt64(0), 1, 42, 2024])
    func stratified(seed: UInt64) throws {
        // 60 / 30 / 10 rows of classes 0, 1, 2, interleaved.
        let classes = (0..<100).map { $0 % 10 < 6 ? 0 : ($0 % 10 < 9 ? 1 : 2) }
        let split = try TrainTestSplit(testSize: 0.2, randomState: seed)
        #expect(split.stratifies(for: .classification))
        let rows = try split.split(rowCount: 100, problemType: .classification, classes: classes)
        #expect(rows.test.count == 20)
        #expect([0, 1, 2].map { label in rows.test.filter { classes[$0] == label }.count } == [12, 6, 2])
        #expect((rows.train + rows.test).sorted() == Array(0..<100))
    }

    @Test("stratified shares round by largest remainder and keep a training row per class")
    func stratifiedRounding() throws {
        // 7 / 5 / 3 rows, 5 test rows (ceil(0.3 · 15)): quotas 2.33, 1.67, 1.0 → 2, 2, 1.
        let classes = Array(repeating: 0, count: 7) + Array(repeating: 1, count: 5) + Array(repeating: 2, count: 3)
        let rows = try TrainTestSplit(testSize: 0.3, randomState: 3).split(rowCount: 15, problemType: .classification, classes: classes)
        #expect([0, 1, 2].map { label in rows.test.filter { classes[$0] == label }.count } == [2, 2, 1])
        // Two classes of 2 rows: each gives at most one test row.
        let tiny = try TrainTestSplit(testSize: 0.5, randomState: 1).split(rowCount: 4, problemType: .classification, classes: [0, 0, 1, 1])
        #expect(tiny.test.map { [0, 0, 1, 1][$0] }.sorted() == [0, 1])
    }

    @Test("stratification errors: a class of one row, and regression")
    func stratifiedErrors() throws {
        let error = expectError(.notEnoughRows, field: "stratify") {
            _ = try TrainTestSplit(testSize: 0.2).split(rowCount: 5, problemType: .classification, classes: [0, 0, 0, 0, 1], labels: ["cat", "dog"])
        }
        #expect(error?.message.contains("'dog'") == true)
        // Without stratification the same rows split fine.
        let rows = try TrainTestSplit(testSize: 0.2, stratify: false).split(rowCount: 5, problemType: .classification, classes: [0, 0, 0, 0, 1])
        #expect(rows.test.count == 1)
        expectError(.invalidParameter, field: "stratify") {
            _ = try TrainTestSplit(stratify: true).split(rowCount: 10, problemType: .regression)
        }
    }

    @Test("too few rows to split")
    func tooFew() {
        expectError(.notEnoughRows, field: "test_size") { _ = try TrainTestSplit().split(rowCount: 1, problemType: .regression) }
        expectError(.notEnoughRows, field: "test_size") { _ = try TrainTestSplit().split(rowCount: 0, problemType: .regression) }
    }
}
