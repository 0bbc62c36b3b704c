import Testing
@testable import LoomML

@Suite struct ModelClusteringTests {
    @Test(arguments: [("kmeans_blobs", "blobs"), ("kmeans_iris", "iris")])
    func kMeansInertiaIsWithinThreePercentOfScikitLearn(_ name: String, _ dataset: String) throws {
        let expected = LinearFixture.expected(name)
        let x = dataset == "iris" ? try LinearFixture.split("iris").train : try LinearFixture.points(dataset)
        let clustering = try KMeans(.init(clusters: expected.k!, nInit: 10, randomState: 3)).fit(x, control: .none)
        let inertia = try #require(clustering.inertia)
        #expect(inertia <= expected.inertia! * 1.03)
        #expect(clustering.clusterCount == expected.k!)
        #expect(Set(clustering.assignments) == Set(0 ..< expected.k!))
        // The reported inertia is the sum of squared distances to the reported centres.
        let centres = try #require(clustering.centroids)
        var recomputed = 0.0
        for row in 0 ..< x.rows {
            for j in 0 ..< x.columns {
                let difference = x[row, j] - centres[clustering.assignments[row] * x.columns + j]
                recomputed += difference * difference
            }
        }
        #expect(abs(recomputed - inertia) <= 1e-9 * inertia)
    }

    @Test func kMeansIsDeterministicForASeed() throws {
        let x = try LinearFixture.points("blobs")
        let first = try KMeans(.init(clusters: 5, nInit: 3, randomState: 99)).fit(x, control: .none)
        let second = try KMeans(.init(clusters: 5, nInit: 3, randomState: 99)).fit(x, control: .none)
        #expect(first == second)
        // One cluster per row has no inertia left; one cluster holds every row.
        let small = try FeatureMatrixView(values: [0, 0, 1, 1, 5, 5, 9, 1], rows: 4, columns: 2)
        let each = try KMeans(.init(clusters: 4)).fit(small, control: .none)
        #expect(each.inertia == 0)
        #expect(Set(each.assignments).count == 4)
        let one = try KMeans(.init(clusters: 1)).fit(small, control: .none)
        #expect(one.assignments == [0, 0, 0, 0])
        #expect(one.centroids! == [3.75, 1.75])
    }

    @Test(arguments: ["dbscan", "dbscan_tight"])
    func dbscanLabelsEqualScikitLearn(_ name: String) throws {
        let expected = LinearFixture.expected(name)
        let x = try LinearFixture.points("dbscan_points")
        let clustering = try DBSCAN(.init(eps: expected.eps!, minSamples: expected.minSamples!)).fit(x, control: .none)
        #expect(clustering.assignments == expected.labels!)
        #expect(clustering.clusterCount == (expected.labels!.max() ?? -1) + 1)
        #expect(clustering.centroids == nil)
    }

    @Test func clusteringValidatesAndCancels() throws {
        let x = try LinearFixture.points("blobs")
        func error(_ body: () throws -> Void) -> ModelError? {
            do {
                try body()
                return nil
            } catch { return error as? ModelError }
        }
        #expect(error { _ = try KMeans(.init(clusters: 0)).fit(x, control: .none) }?.field == "n_clusters")
        #expect(error { _ = try KMeans(.init(clusters: 301)).fit(x, control: .none) }?.field == "n_clusters")
        #expect(error { _ = try KMeans(.init(nInit: 0)).fit(x, control: .none) }?.field == "n_init")
        #expect(error { _ = try KMeans(.init(maxIterations: 0)).fit(x, control: .none) }?.field == "max_iter")
        #expect(error { _ = try KMeans(.init(tolerance: -1)).fit(x, control: .none) }?.field == "tol")
        #expect(error { _ = try DBSCAN(.init(eps: 0)).fit(x, control: .none) }?.field == "eps")
        #expect(error { _ = try DBSCAN(.init(minSamples: 0)).fit(x, control: .none) }?.field == "min_samples")
        let empty = try FeatureMatrixView(values: [], rows: 0, columns: 2)
        #expect(error { _ = try DBSCAN().fit(empty, control: .none) }?.code == .invalidInput)
        #expect(error { _ = try KMeans().fit(empty, control: .none) }?.code == .invalidInput)

        let kmeansPolls = CancelAfterPolls(after: 4)
        #expect(error { _ = try KMeans(.init(clusters: 6, nInit: 50, tolerance: 0)).fit(x, control: kmeansPolls.control) }?.code == .cancelled)
        #expect(error { _ = try DBSCAN().fit(x, control: CancelAfterPolls(after: 0).control) }?.code == .cancelled)
    }
}
