// Limited-memory BFGS (Nocedal & Wright, algorithms 7.4 and 7.5) with a strong-Wolfe line
// search (algorithms 3.5 and 3.6, cubic interpolation in the zoom). It stands in for
// SciPy's L-BFGS-B as scikit-learn calls it for `LogisticRegression(solver="lbfgs")`:
// memory 10, at most 50 line-search evaluations per iteration, stop when the largest
// gradient component is at most `gradientTolerance` (scikit-learn's `tol`), when the
// objective's relative decrease falls to 64 ε (SciPy's `ftol`), or after `maxIterations`.

struct LBFGSMinimizer {
    var maxIterations: Int
    var gradientTolerance: Double
    var memory = 10
    var maxLineSearchEvaluations = 50
    var functionTolerance = 64 * Double.ulpOfOne

    struct Result {
        var parameters: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    /// `objective(parameters, gradient)` returns the value and writes the gradient.
    func minimize(
        start: [Double],
        control: FitControl,
        objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) throws(ModelError) -> Result {
        let n = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: n)
        var value = Self.evaluate(objective, x, &gradient)
        var steps: [[Double]] = []  // s_k = x_{k+1} − x_k
        var gradientChanges: [[Double]] = []  // y_k = g_{k+1} − g_k
        var curvatures: [Double] = []  // 1 / (y_k · s_k)
        var direction = [Double](repeating: 0, count: n)
        var alphas = [Double](repeating: 0, count: memory)

        if Self.maxAbs(gradient) <= gradientTolerance {
            return Result(parameters: x, value: value, iterations: 0, converged: true)
        }
        for iteration in 0 ..< maxIterations {
            try control.checkCancellation()
            control.progress(Double(iteration) / Double(maxIterations))

            // Two-loop recursion: direction = −H gradient.
            for i in 0 ..< n { direction[i] = -gradient[i] }
            let stored = steps.count
            for m in stride(from: stored - 1, through: 0, by: -1) {
                let alpha = curvatures[m] * Self.dot(steps[m], direction)
                alphas[m] = alpha
                let change = gradientChanges[m]
                for i in 0 ..< n { direction[i] -= alpha * change[i] }
            }
            if stored > 0 {
                let last = stored - 1
                let scale = 1 / (curvatures[last] * Self.dot(gradientChanges[last], gradientChanges[last]))
                for i in 0 ..< n { direction[i] *= scale }
            }
            for m in 0 ..< stored {
                let beta = curvatures[m] * Self.dot(gradientChanges[m], direction)
                let step = steps[m]
                let coefficient = alphas[m] - beta
                for i in 0 ..< n { direction[i] += coefficient * step[i] }
            }
            var slope = Self.dot(gradient, direction)
            if !(slope < 0) {
                // Not a descent direction (rounding); restart from steepest descent.
                steps.removeAll(); gradientChanges.removeAll(); curvatures.removeAll()
                for i in 0 ..< n { direction[i] = -gradient[i] }
                slope = Self.dot(gradient, direction)
            }
            let initialStep = stored == 0 ? min(1, 1 / Self.norm(direction)) : 1
            guard let found = lineSearch(objective, x: x, value: value, gradient: gradient, direction: direction, slope: slope, initialStep: initialStep) else {
                // No step lowers the objective: we are at the optimum to rounding.
                return Result(parameters: x, value: value, iterations: iteration + 1, converged: Self.maxAbs(gradient) <= gradientTolerance * 10)
            }
            var step = [Double](repeating: 0, count: n)
            var change = [Double](repeating: 0, count: n)
            for i in 0 ..< n {
                step[i] = found.x[i] - x[i]
                change[i] = found.gradient[i] - gradient[i]
            }
            let previousValue = value
            x = found.x
            gradient = found.gradient
            value = found.value
            let sy = Self.dot(step, change)
            if sy > 1e-10 * Self.dot(change, change) {
                if steps.count == memory {
                    steps.removeFirst(); gradientChanges.removeFirst(); curvatures.removeFirst()
                }
                steps.append(step)
                gradientChanges.append(change)
                curvatures.append(1 / sy)
            }
            if Self.maxAbs(gradient) <= gradientTolerance {
                return Result(parameters: x, value: value, iterations: iteration + 1, converged: true)
            }
            if (previousValue - value) / max(abs(previousValue), abs(value), 1) <= functionTolerance {
                return Result(parameters: x, value: value, iterations: iteration + 1, converged: true)
            }
        }
        return Result(parameters: x, value: value, iterations: maxIterations, converged: false)
    }

    private struct Point {
        var x: [Double]
        var value: Double
        var gradient: [Double]
        var slope: Double
        var step: Double
    }

    private func lineSearch(
        _ objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double,
        x: [Double], value: Double, gradient: [Double], direction: [Double], slope: Double, initialStep: Double
    ) -> (x: [Double], value: Double, gradient: [Double])? {
        let c1 = 1e-4, c2 = 0.9
        var evaluations = 0
        func probe(_ step: Double) -> Point {
            evaluations += 1
            var point = x
            for i in 0 ..< point.count { point[i] += step * direction[i] }
            var g = [Double](repeating: 0, count: point.count)
            let f = Self.evaluate(objective, point, &g)
            return Point(x: point, value: f, gradient: g, slope: Self.dot(g, direction), step: step)
        }
        func sufficient(_ p: Point) -> Bool { p.value.isFinite && p.value <= value + c1 * p.step * slope }
        func curvature(_ p: Point) -> Bool { abs(p.slope) <= -c2 * slope }

        func zoom(_ low: Point, _ high: Point) -> Point? {
            var low = low, high = high
            while evaluations < maxLineSearchEvaluations {
                let step = Self.interpolate(low, high)
                let trial = probe(step)
                if !sufficient(trial) || trial.value >= low.value {
                    high = trial
                } else {
                    if curvature(trial) { return trial }
                    if trial.slope * (high.step - low.step) >= 0 { high = low }
                    low = trial
                }
                if abs(high.step - low.step) < 1e-16 * max(abs(low.step), 1) { break }
            }
            return low.step > 0 ? low : nil
        }

        var previous = Point(x: x, value: value, gradient: gradient, slope: slope, step: 0)
        var step = initialStep
        while evaluations < maxLineSearchEvaluations {
            let trial = probe(step)
            if !sufficient(trial) || (previous.step > 0 && trial.value >= previous.value) {
                return zoom(previous, trial).map { ($0.x, $0.value, $0.gradient) }
            }
            if curvature(trial) { return (trial.x, trial.value, trial.gradient) }
            if trial.slope >= 0 {
                return zoom(trial, previous).map { ($0.x, $0.value, $0.gradient) }
            }
            previous = trial
            step *= 4
        }
        return previous.step > 0 ? (previous.x, previous.value, previous.gradient) : nil
    }

    /// The minimiser of the cubic through both ends' values and slopes, kept within the
    /// middle 80% of the bracket; bisection when the cubic has no usable minimum.
    private static func interpolate(_ a: Point, _ b: Point) -> Double {
        let lower = min(a.step, b.step), upper = max(a.step, b.step)
        let width = upper - lower
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step)
        let radicand = d1 * d1 - a.slope * b.slope
        var step = (lower + upper) / 2
        if radicand >= 0, a.value.isFinite, b.value.isFinite {
            let d2 = (b.step > a.step ? 1.0 : -1.0) * radicand.squareRoot()
            let candidate = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
            if candidate.isFinite { step = candidate }
        }
        return min(max(step, lower + 0.1 * width), upper - 0.1 * width)
    }

    private static func evaluate(
        _ objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double,
        _ x: [Double], _ gradient: inout [Double]
    ) -> Double {
        x.withUnsafeBufferPointer { x in
            gradient.withUnsafeMutableBufferPointer { objective(x, $0) }
        }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0 ..< a.count { sum += a[i] * b[i] }
        return sum
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    static func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
