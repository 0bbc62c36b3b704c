import Foundation

/// Command-line options: `--only ALGORITHM` (repeatable) runs just those algorithms, so one
/// model can be measured without the slow forests; `--runs N` times every fit and predict
/// N times and reports the median and the best; `--quoted` skips scikit-learn's measurement
/// and shows the quoted times instead; `--fingerprint` prints a hash of each model's
/// test predictions (probabilities for classifiers), so a change meant to leave a fit
/// unchanged can be checked bit for bit against the build before it.
struct Options {
    var only: Set<String> = []
    var runs: Int?
    var quoted = false
    var fingerprint = false

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--only":
                guard let name = rest.popFirst() else { Self.usage("--only needs an algorithm name") }
                only.insert(name)
            case "--runs":
                guard let text = rest.popFirst(), let count = Int(text), count >= 1 else { Self.usage("--runs needs a count of at least 1") }
                runs = count
            case "--quoted":
                quoted = true
            case "--fingerprint":
                fingerprint = true
            case "--help", "-h":
                Self.usage(nil)
            default:
                Self.usage("unknown option \(argument)")
            }
        }
    }

    func includes(_ algorithm: String) -> Bool { only.isEmpty || only.contains(algorithm) }

    static func usage(_ problem: String?) -> Never {
        if let problem { print("loom-bench-ml: \(problem)") }
        print("""
            usage: loom-bench-ml [--only ALGORITHM]... [--runs N] [--quoted] [--fingerprint]
              --only ALGORITHM  run only this algorithm (repeatable), e.g. gradient_boosting, knn, kmeans
              --runs N          time each fit and predict N times; print the median and the best
              --quoted          do not run scikit-learn; compare with the issue's quoted times
              --fingerprint     print a hash of each model's test predictions (bit patterns)
            """)
        exit(problem == nil ? 0 : 2)
    }
}
