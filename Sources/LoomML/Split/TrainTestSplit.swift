import LoomColumnar

/// The split node: which rows become training rows and which test rows.
///
/// `test_size` (0.1 to 0.5, default 0.2) is the fraction of rows in the test set,
/// rounded up as scikit-learn rounds it (`ceil(test_size · rows)`). `random_state`
/// (default 42) seeds Loom's own SplitMix64 generator, so a seed gives the same rows on
/// every machine (not the rows scikit-learn picks: its generator is NumPy's). `shuffle`
/// (default true) false takes the last rows as the test set. `stratify` keeps each
/// class's share of rows in both sets; it defaults to true for classification with
/// shuffling, and is refused for other problems.
public struct TrainTestSplit: Sendable, Equatable {
    public static let testSizeRange: ClosedRange<Double> = 0.1...0.5
    public static let defaultRandomState: UInt64 = 42

    public let nodeID: String
    public let testSize: Double
    public let randomState: UInt64
    public let shuffle: Bool
    /// nil: stratify when the problem is classification and `shuffle` is true.
    public let stratify: Bool?

    public init(nodeID: String = "split", testSize: Double = 0.2, randomState: UInt64 = defaultRandomState, shuffle: Bool = true, stratify: Bool? = nil) throws(PreprocessingError) {
        let identity = StepIdentity(nodeID: nodeID, method: "split")
        guard testSize.isFinite, Self.testSizeRange.contains(testSize) else {
            throw identity.error(.invalidParameter, field: "test_size", "test_size must be from 0.1 to 0.5; got \(testSize)")
        }
        if stratify == true && !shuffle {
            throw identity.error(.invalidParameter, field: "stratify", "a stratified split needs shuffle; set shuffle to true or stratify to false")
        }
        self.nodeID = nodeID
        self.testSize = testSize
        self.randomState = randomState
        self.shuffle = shuffle
        self.stratify = stratify
    }

    /// Parses a split node's fields: `test_size`, `random_state`, `shuffle`, `stratify`
    /// (or their camelCase spellings `testSize`, `randomState`).
    public init(nodeID: String, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(StepIdentity(nodeID: nodeID, method: "split"), parameters)
        let testSize = try reader.double("test_size", default: 0.2, range: Self.testSizeRange)
        let seed = try reader.integer("random_state", default: Int(Self.defaultRandomState), range: 0...(1 << 53)) ?? 0
        let shuffle = try reader.bool("shuffle", default: true)
        let stratify: Bool? = try reader.value("stratify") == nil ? nil : try reader.bool("stratify", default: false)
        try reader.finish()
        try self.init(nodeID: nodeID, testSize: testSize, randomState: UInt64(seed), shuffle: shuffle, stratify: stratify)
    }

    private var identity: StepIdentity { StepIdentity(nodeID: nodeID, method: "split") }

    /// The number of test rows among `rows`: ceil(test_size · rows), as scikit-learn.
    public func testCount(rows: Int) -> Int {
        Int((testSize * Double(rows)).rounded(.up))
    }

    /// Whether this split stratifies for `problemType`.
    public func stratifies(for problemType: ProblemType) -> Bool {
        stratify ?? (problemType == .classification && shuffle)
    }

    /// Splits rows 0..<rowCount; `classes` (class index per row) is needed to stratify.
    /// `labels` only name classes in errors. Both lists come back in ascending order.
    public func split(rowCount: Int, problemType: ProblemType, classes: [Int]? = nil, labels: [String] = []) throws(PreprocessingError) -> SplitRows {
        let testCount = testCount(rows: rowCount)
        guard testCount >= 1, rowCount - testCount >= 1 else {
            throw identity.error(.notEnoughRows, field: "test_size", "\(rowCount) rows cannot be split into training and test rows with test_size \(testSize); at least 2 rows are needed, and more for a useful test")
        }
        if stratifies(for: problemType) {
            guard problemType == .classification else {
                throw identity.error(.invalidParameter, field: "stratify", "only a classification split can be stratified; set stratify to false")
            }
            guard let classes, classes.count == rowCount else {
                throw identity.error(.internalError, field: "stratify", "a stratified split needs one class per row")
            }
            return try stratifiedSplit(classes: classes, labels: labels, testCount: testCount)
        }
        guard shuffle else {
            return SplitRows(train: Array(0..<(rowCount - testCount)), test: Array((rowCount - testCount)..<rowCount))
        }
        var generator = SplitMix64(seed: randomState)
        var order = Array(0..<rowCount)
        generator.shuffle(&order)
        return SplitRows(train: order[testCount...].sorted(), test: order[..<testCount].sorted())
    }

    /// Test rows per class by largest remainder of testCount · classRows / rows (ties to
    /// the lower class index), keeping at least one training row per class; then, class
    /// by class, a shuffle of its rows picks which.
    private func stratifiedSplit(classes: [Int], labels: [String], testCount: Int) throws(PreprocessingError) -> SplitRows {
        let classCount = (classes.max() ?? -1) + 1
        var members = [[Int]](repeating: [], count: classCount)
        for (row, label) in classes.enumerated() {
            guard label >= 0 else {
                throw identity.error(.internalError, field: "stratify", "negative class index")
            }
            members[label].append(row)
        }
        for (label, rows) in members.enumerated() where rows.count == 1 {
            let name = label < labels.count ? "'\(labels[label])'" : "\(label)"
            throw identity.error(.notEnoughRows, field: "stratify", "class \(name) has only 1 row; a stratified split needs at least 2 rows per class; set stratify to false or drop that class")
        }
        let total = Double(classes.count)
        var quotas = members.map { Int((Double(testCount) * Double($0.count) / total).rounded(.down)) }
        for label in quotas.indices { quotas[label] = min(quotas[label], max(members[label].count - 1, 0)) }
        var remaining = testCount - quotas.reduce(0, +)
        let byRemainder = members.indices.sorted { a, b in
            let ra = Double(testCount) * Double(members[a].count) / total - Double(quotas[a])
            let rb = Double(testCount) * Double(members[b].count) / total - Double(quotas[b])
            return ra > rb || (ra == rb && a < b)
        }
        while remaining > 0 {
            var gave = false
            for label in byRemainder where remaining > 0 && quotas[label] < members[label].count - 1 {
                quotas[label] += 1
                remaining -= 1
                gave = true
            }
            if !gave {
                throw identity.error(.notEnoughRows, field: "test_size", "the classes are too small to hold \(testCount) test rows while keeping a training row each; lower test_size or set stratify to false")
            }
        }
        var generator = SplitMix64(seed: randomState)
        var train: [Int] = []
        var test: [Int] = []
        train.reserveCapacity(classes.count - testCount)
        test.reserveCapacity(testCount)
        for label in members.indices {
            var rows = members[label]
            generator.shuffle(&rows)
            test.append(contentsOf: rows[..<quotas[label]])
            train.append(contentsOf: rows[quotas[label]...])
        }
        return SplitRows(train: train.sorted(), test: test.sorted())
    }
}

/// Positions of the training and test rows (in the rows that remain after row filters).
public struct SplitRows: Sendable, Equatable {
    public let train: [Int]
    public let test: [Int]

    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}
