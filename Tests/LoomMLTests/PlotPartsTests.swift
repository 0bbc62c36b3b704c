import Foundation
import Testing

@testable import LoomML

@Suite struct PlotPartsTests {
    @Test func escapingCoversMarkupAndControlCharacters() {
        #expect(SVGDocument.escape("a<b & c>\"d\" 'e'") == "a&lt;b &amp; c&gt;&quot;d&quot; &apos;e&apos;")
        #expect(SVGDocument.escape("x\u{0}y\u{1B}z\tw") == "xyz w")
        #expect(SVGDocument.escape("naïve · 東京") == "naïve · 東京")
    }

    @Test func niceTicks() {
        let unit = LinearScale(domain: (0, 1), range: (0, 100)).ticks(target: 5)
        #expect(unit.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let money = LinearScale(domain: (0, 12_345), range: (0, 100)).ticks(target: 6)
        #expect(money.map(\.label) == ["0", "2,000", "4,000", "6,000", "8,000", "10,000", "12,000"])
        let negative = LinearScale(domain: (-3.7, 2.2), range: (0, 100)).ticks(target: 6)
        #expect(negative.map(\.label) == ["−3", "−2", "−1", "0", "1", "2"])
        let tiny = LinearScale(domain: (0, 0.0004), range: (0, 100)).ticks(target: 4)
        #expect(tiny.map(\.label) == ["0", "1e-4", "2e-4", "3e-4", "4e-4"])
        // A single value is widened instead of dividing by zero.
        let flat = LinearScale(domain: (5, 5), range: (0, 100))
        #expect(flat(5) == 50)
    }

    @Test func curveDownsamplingKeepsTheEnds() {
        let kept = Downsampling.curveIndices(count: 100_000)
        #expect(kept.count <= Downsampling.curveLimit && kept.first == 0 && kept.last == 99_999)
        #expect(kept == kept.sorted() && Set(kept).count == kept.count)
        #expect(Downsampling.curveIndices(count: 10) == Array(0..<10))
    }

    /// Points t·(0.6, 0.8) + s·(−0.8, 0.6): the principal axis is (0.6, 0.8), the second
    /// (−0.8, 0.6) flipped so its largest coordinate is positive.
    @Test func pcaFindsAKnownPrincipalAxis() throws {
        var features: [Double] = []
        for t in [-2.0, -1, 0, 1, 2] {
            for s in [-0.1, 0.1] { features += [10 + 0.6 * t - 0.8 * s, -3 + 0.8 * t + 0.6 * s] }
        }
        let pca = try PCA.project(features: features, columnCount: 2)
        #expect(abs(pca.components[0][0] - 0.6) < 1e-9 && abs(pca.components[0][1] - 0.8) < 1e-9)
        #expect(abs(pca.components[1][0] - 0.8) < 1e-9 && abs(pca.components[1][1] + 0.6) < 1e-9)
        // Variance along t: 2.5 (ddof 1) × 10/9 … ratio = Σt² / (Σt² + Σs²) = 20 / (20 + 0.1).
        #expect(abs(pca.explainedVarianceRatio[0] - 20 / 20.1) < 1e-9)
        #expect(abs(pca.mean[0] - 10) < 1e-12 && abs(pca.mean[1] + 3) < 1e-12)
        // Row 0 (t = −2, s = −0.1) projects to (−2, 0.1·… sign-flipped second axis).
        #expect(abs(pca.points[0] + 2) < 1e-9 && abs(pca.points[1] - 0.1) < 1e-9)
        // Negating the data keeps the components (deterministic signs).
        let flipped = try PCA.project(features: features.map { -$0 }, columnCount: 2)
        #expect(zip(flipped.components[0], pca.components[0]).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    /// scikit-learn 1.9.1 `PCA(2).fit(X)` on seven rows of three columns.
    @Test func pcaMatchesScikitLearn() throws {
        let x: [Double] = [2, 0.5, 1, 1, 1.5, 0, 3.5, 2, 1, 0, -1, 2, 4, 3, -1, 2.5, 1, 0.5, 1.5, 0, 1.5]
        let pca = try PCA.project(features: x, columnCount: 3)
        let expected = [[0.6428064368971427, 0.6391389852363728, -0.422257317561957],
                        [0.695480899247912, -0.25587213687860455, 0.6714430492234558]]
        for i in 0..<2 {
            #expect(zip(pca.components[i], expected[i]).allSatisfy { abs($0 - $1) < 1e-9 }, "component \(i)")
        }
        #expect(abs(pca.explainedVarianceRatio[0] - 0.8769249362028239) < 1e-9)
        #expect(abs(pca.explainedVarianceRatio[1] - 0.10827567878319139) < 1e-9)
        let first: [Double] = [-0.48612918598568466, 0.27009973255686726]
        #expect(abs(pca.points[0] - first[0]) < 1e-9 && abs(pca.points[1] - first[1]) < 1e-9)
    }

    /// Fitting on chosen rows is fitting on exactly those rows.
    @Test func pcaOnARowSampleFitsThoseRows() throws {
        let blobs = PlotFixtures.blobs(n: 400, k: 3, d: 3, seed: 40)
        let rows = [3, 17, 18, 40, 99, 150, 151, 200, 333, 399]
        let sampled = try PCA.project(features: blobs.features, columnCount: 3, rows: rows)
        let subset = try PCA.project(features: rows.flatMap { Array(blobs.features[($0 * 3)..<($0 * 3 + 3)]) }, columnCount: 3)
        #expect(sampled.points.count == 20)
        #expect(zip(sampled.points, subset.points).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(throws: PlotError.self) { try PCA.project(features: blobs.features, columnCount: 3, rows: [400]) }
        #expect(throws: PlotError.self) { try PCA.project(features: blobs.features, columnCount: 3, rows: []) }
    }

    @Test func pcaOfEqualVariancesAndOneColumn() throws {
        // A square's corners: every direction has the same variance; still unit, orthogonal.
        let square = try PCA.project(features: [1, 1, -1, 1, -1, -1, 1, -1], columnCount: 2)
        let c = square.components
        #expect(abs(c[0][0] * c[1][0] + c[0][1] * c[1][1]) < 1e-9)
        #expect(abs(c[0][0] * c[0][0] + c[0][1] * c[0][1] - 1) < 1e-9)
        let one = try PCA.project(features: [1, 2, 3, 6], columnCount: 1)
        #expect(one.components == [[1], [0]])
        #expect(one.points == [-2, 0, -1, 0, 0, 0, 3, 0])
        #expect(throws: PlotError.self) { try PCA.project(features: [1, 2, 3], columnCount: 2) }
    }
}
