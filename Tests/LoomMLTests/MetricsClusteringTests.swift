import LoomColumnar
import Testing

@testable import LoomML

/// Expected values computed with scikit-learn 1.9.1 and hard-coded.
@Suite struct MetricsClusteringTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol }

    static let x: [Double] = [0, 0, 0.5, 0.2, 1, 0.1, 5, 5, 5.5, 4.8, 4.9, 5.3, 9, 0, 9.2, 0.4, 8.7, -0.3, 2.5, 2.5]
    static let labels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 1]

    @Test func matchesScikitLearn() throws {
        let d = try ClusteringData(features: Self.x, columnCount: 2, assignments: Self.labels)
        let silhouette = try ClusteringMetrics.silhouette(d)
        #expect(Self.close(silhouette.score, 0.7480039529777638))
        #expect(silhouette.sample == SilhouetteSample(sampled: false, sampleSize: 10, rowCount: 10, seed: 0))
        #expect(Self.close(try ClusteringMetrics.daviesBouldin(d), 0.29351121652622775))
        #expect(Self.close(try ClusteringMetrics.calinskiHarabasz(d), 47.56414115204983))
    }

    /// KMeans(3, n_init=10, random_state=0) on the same rows: its labels, centres and inertia_.
    @Test func inertiaWithModelCentroids() throws {
        let centroids = [5.133333333333334, 5.033333333333333, 8.966666666666665, 0.033333333333333215, 1.0, 0.7]
        let d = try ClusteringData(
            features: Self.x, columnCount: 2, assignments: [2, 2, 2, 0, 0, 0, 1, 1, 1, 2], centroids: centroids)
        #expect(Self.close(ClusteringMetrics.inertia(d), 8.546666666666667))
        // Without centroids the cluster means are used, which are the same centres here.
        let noCentroids = try ClusteringData(features: Self.x, columnCount: 2, assignments: [2, 2, 2, 0, 0, 0, 1, 1, 1, 2])
        #expect(Self.close(ClusteringMetrics.inertia(noCentroids), 8.546666666666667))
    }

    @Test func singletonClusterScoresZero() throws {
        let d = try ClusteringData(features: Self.x, columnCount: 2, assignments: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3])
        #expect(Self.close(try ClusteringMetrics.silhouette(d).score, 0.7623173128092371))
    }

    /// Cluster ids need not start at 0 or be contiguous.
    @Test func arbitraryClusterIds() throws {
        let d = try ClusteringData(features: Self.x, columnCount: 2, assignments: Self.labels.map { $0 * 7 - 1 })
        #expect(Self.close(try ClusteringMetrics.silhouette(d).score, 0.7480039529777638))
        #expect(Self.close(try ClusteringMetrics.daviesBouldin(d), 0.29351121652622775))
    }

    /// Hand computation: two pairs, {0, 1} and {10, 11} on a line.
    @Test func handComputedOnALine() throws {
        let d = try ClusteringData(features: [0, 1, 10, 11], columnCount: 1, assignments: [0, 0, 1, 1])
        #expect(ClusteringMetrics.inertia(d) == 1)                 // 4 × 0.5²
        // a = 1; b = 10 or 11 or 9.5 on average: row 0: b = 10.5, s = 9.5/10.5.
        let s0 = 9.5 / 10.5, s1 = 8.5 / 9.5
        #expect(Self.close(try ClusteringMetrics.silhouette(d).score, (s0 + s1) / 2))
        #expect(Self.close(try ClusteringMetrics.daviesBouldin(d), 1.0 / 10.0))  // (0.5 + 0.5) / 10
        #expect(Self.close(try ClusteringMetrics.calinskiHarabasz(d), 100.0 * 2 / 1))  // extra 100, intra 1
    }

    @Test func sampledSilhouetteIsSeededAndLabelled() throws {
        var rng = SplitMix64(seed: 99)
        var features: [Double] = []
        var assignments: [Int] = []
        for i in 0..<300 {
            let c = i % 3
            features += [Double(c) * 4 + Double(rng.nextInt(below: 1000)) / 1000, Double(rng.nextInt(below: 1000)) / 1000]
            assignments.append(c)
        }
        let d = try ClusteringData(features: features, columnCount: 2, assignments: assignments)
        let a = try ClusteringMetrics.silhouette(d, seed: 5, sampleLimit: 40)
        let b = try ClusteringMetrics.silhouette(d, seed: 5, sampleLimit: 40)
        #expect(a.score == b.score)
        #expect(a.sample == SilhouetteSample(sampled: true, sampleSize: 40, rowCount: 300, seed: 5))
        // The same value as the silhouette of exactly the sampled rows.
        var picker = SplitMix64(seed: 5)
        let rows = picker.sampleIndices(count: 40, from: 300)
        let subset = try ClusteringData(
            features: rows.flatMap { [features[2 * $0], features[2 * $0 + 1]] }, columnCount: 2,
            assignments: rows.map { assignments[$0] })
        #expect(try ClusteringMetrics.silhouette(subset).score == a.score)
        #expect(try ClusteringMetrics.silhouette(d, seed: 6, sampleLimit: 40).score != a.score)
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        var g = SplitMix64(seed: 1_234_567)
        #expect([g.next(), g.next(), g.next()] == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
        var z = SplitMix64(seed: 0)
        #expect(z.next() == 0xE220_A839_7B1D_CDAF)
        var s = SplitMix64(seed: 3)
        let sample = s.sampleIndices(count: 50, from: 60)
        #expect(Set(sample).count == 50 && sample == sample.sorted() && sample.allSatisfy { $0 < 60 })
        #expect(s.nextInt(below: 0) == 0 && s.nextInt(below: -3) == 0)
        #expect(s.sampleIndices(count: 5, from: 3) == [0, 1, 2] && s.sampleIndices(count: 0, from: 3).isEmpty)
    }

    @Test func oneClusterIsUndefined() throws {
        let d = try ClusteringData(features: [0, 1, 2], columnCount: 1, assignments: [4, 4, 4])
        let report = try MetricSet(names: [], problemType: .clustering).evaluate(d)
        #expect(report.undefined["silhouette"]?.code == .undefinedMetric)
        #expect(report.undefined["davies_bouldin"]?.code == .undefinedMetric)
        #expect(report.metrics["inertia"] == 2)
    }

    @Test func badInputThrows() {
        #expect(throws: MetricError.self) { try ClusteringData(features: [], columnCount: 1, assignments: []) }
        #expect(throws: MetricError.self) { try ClusteringData(features: [1, 2, 3], columnCount: 2, assignments: [0, 1]) }
        #expect(throws: MetricError.self) { try ClusteringData(features: [1, 2], columnCount: 0, assignments: [0, 1]) }
        #expect(throws: MetricError.self) {
            try ClusteringData(features: [1, 2], columnCount: 1, assignments: [0, 3], centroids: [1, 2])
        }
        #expect(throws: MetricError.self) { try ClusteringData(features: [1, .nan], columnCount: 1, assignments: [0, 1]) }
    }
}
