import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@testable import LoomML

/// What an SVG document holds, read back with Foundation's XMLParser.
final class ParsedSVG: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [[String: String]] = []
    var texts: [String] = []
    var title: String?
    var rootAttributes: [String: String] = [:]
    private var current = ""
    private var stack: [String] = []
    private(set) var error: (any Error)?

    /// Nil when the document is not well-formed XML.
    static func parse(_ svg: String) -> ParsedSVG? {
        let result = ParsedSVG()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = result
        guard parser.parse(), result.error == nil else { return nil }
        return result
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        if elements.isEmpty { rootAttributes = attributeDict }
        elements.append(name)
        attributes.append(attributeDict)
        stack.append(name)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        if name == "title", stack.count == 2, title == nil { title = current }
        stack.removeLast()
        current = ""
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { error = parseError }

    func count(_ element: String) -> Int { elements.filter { $0 == element }.count }

    /// The number of points drawn as dots (zero-length subpaths).
    var dotCount: Int {
        attributes.compactMap { $0["d"] }.reduce(0) { $0 + $1.components(separatedBy: "h0").count - 1 }
    }
}

/// Data sets for the plot tests, made with the seeded generator.
enum PlotFixtures {
    static func uniform(_ rng: inout SplitMix64) -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    static func normal(_ rng: inout SplitMix64) -> Double {
        let u = max(uniform(&rng), 1e-300), v = uniform(&rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// A softmax classifier's output on `n` rows of `k` classes, right most of the time.
    static func classifier(n: Int, k: Int, seed: UInt64) -> (yTrue: [Int], yPred: [Int], probabilities: ClassProbabilities) {
        var rng = SplitMix64(seed: seed)
        var yTrue: [Int] = [], yPred: [Int] = [], values: [Double] = []
        for _ in 0..<n {
            let y = rng.nextInt(below: k)
            var logits = (0..<k).map { _ in normal(&rng) }
            logits[y] += 1.6
            let m = logits.max()!
            let e = logits.map { exp($0 - m) }
            let s = e.reduce(0, +)
            let p = e.map { $0 / s }
            yTrue.append(y)
            yPred.append(p.indices.max { p[$0] < p[$1] }!)
            values += p
        }
        return (yTrue, yPred, try! ClassProbabilities(values: values, classCount: k))
    }

    static func regression(n: Int, seed: UInt64) -> (yTrue: [Double], yPred: [Double]) {
        var rng = SplitMix64(seed: seed)
        var t: [Double] = [], p: [Double] = []
        for _ in 0..<n {
            let y = 150 + 60 * normal(&rng)
            t.append(y)
            p.append(y * 0.85 + 22 + 25 * normal(&rng))
        }
        return (t, p)
    }

    /// `k` Gaussian blobs in `d` dimensions, with their centres.
    static func blobs(n: Int, k: Int, d: Int, seed: UInt64) -> (features: [Double], assignments: [Int], centroids: [Double]) {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<(k * d)).map { _ in normal(&rng) * 4 }
        var x: [Double] = [], a: [Int] = []
        for _ in 0..<n {
            let c = rng.nextInt(below: k)
            for j in 0..<d { x.append(centres[c * d + j] + normal(&rng)) }
            a.append(c)
        }
        return (x, a, centres)
    }
}
