/// Checks and samples shared by the regression scatter plots.
enum RegressionPlotInput {
    static func validate(yTrue: [Double], yPred: [Double], plot: String) throws(PlotError) {
        guard !yTrue.isEmpty else { throw PlotError(.emptyInput, plot: plot, "no rows") }
        guard yTrue.count == yPred.count else {
            throw PlotError(.lengthMismatch, plot: plot, "\(yTrue.count) true values but \(yPred.count) predictions")
        }
        if let bad = (yTrue + yPred).first(where: { !$0.isFinite }) {
            throw PlotError(.nonFiniteValue, plot: plot, "a value is \(bad)")
        }
    }
}
