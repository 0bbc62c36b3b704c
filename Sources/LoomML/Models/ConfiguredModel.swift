/// A hyperparameter set that checks its own ranges, naming the field at fault.
protocol ModelConfiguration {
    func validate() throws(ModelError)
}

/// A model with a validatable configuration: how the catalog refuses a bad node before
/// any data is read, rather than at fit time.
protocol ConfiguredModel {
    associatedtype Settings: ModelConfiguration
    var configuration: Settings { get }
}

extension ConfiguredModel {
    func validateConfiguration() throws(ModelError) {
        try configuration.validate()
    }
}

extension LogisticRegression: ConfiguredModel {}
extension LogisticRegression.Configuration: ModelConfiguration {}
extension LinearSVM: ConfiguredModel {}
extension LinearSVM.Configuration: ModelConfiguration {}
extension LinearRegression: ConfiguredModel {}
extension LinearRegression.Configuration: ModelConfiguration {}
extension RidgeRegression: ConfiguredModel {}
extension RidgeRegression.Configuration: ModelConfiguration {}
extension LassoRegression: ConfiguredModel {}
extension LassoRegression.Configuration: ModelConfiguration {}
extension GaussianNaiveBayes: ConfiguredModel {}
extension GaussianNaiveBayes.Configuration: ModelConfiguration {}
extension KNearestNeighborsClassifier: ConfiguredModel {}
extension KNearestNeighborsRegressor: ConfiguredModel {}
extension KNearestNeighborsConfiguration: ModelConfiguration {}
extension DecisionTreeClassifier: ConfiguredModel {}
extension DecisionTreeClassifier.Configuration: ModelConfiguration {}
extension DecisionTreeRegressor: ConfiguredModel {}
extension DecisionTreeRegressor.Configuration: ModelConfiguration {}
extension RandomForestClassifier: ConfiguredModel {}
extension RandomForestClassifier.Configuration: ModelConfiguration {}
extension RandomForestRegressor: ConfiguredModel {}
extension RandomForestRegressor.Configuration: ModelConfiguration {}
extension HistGradientBoostingClassifier: ConfiguredModel {}
extension HistGradientBoostingRegressor: ConfiguredModel {}
extension HistGradientBoostingConfiguration: ModelConfiguration {}
extension KMeans: ConfiguredModel {}
extension KMeans.Configuration: ModelConfiguration {}
extension DBSCAN: ConfiguredModel {}
extension DBSCAN.Configuration: ModelConfiguration {}
