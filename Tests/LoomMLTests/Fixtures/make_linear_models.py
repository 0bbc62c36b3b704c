"""Regenerates linear_models.json: scikit-learn's answers on small bundled datasets, for
Model*Tests.swift (linear models, Bayes, neighbours, clustering).
Run: python3 make_linear_models.py  (scikit-learn 1.9.1 produced the committed file)."""
import json
import warnings

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine, make_blobs
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

warnings.simplefilter("ignore")


def split(x, y, standardise):
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0)
    if standardise:
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    return {
        "x_train": np.round(x_train, 6).ravel().tolist(), "y_train": y_train.tolist(),
        "x_test": np.round(x_test, 6).ravel().tolist(), "y_test": y_test.tolist(),
        "columns": x.shape[1],
    }


def arrays(d):
    c = d["columns"]
    return (np.array(d["x_train"]).reshape(-1, c), np.array(d["y_train"]),
            np.array(d["x_test"]).reshape(-1, c), np.array(d["y_test"]))


def flat(a):
    return np.asarray(a, dtype=float).ravel().tolist()


out = {"sklearn": sklearn.__version__, "datasets": {}, "expected": {}}
iris, wine, cancer, diabetes = load_iris(), load_wine(), load_breast_cancer(), load_diabetes()
ds = out["datasets"]
ds["iris"] = split(iris.data, iris.target, False)
ds["wine_std"] = split(wine.data, wine.target, True)
ds["wine_raw"] = split(wine.data, wine.target, False)
ds["cancer_std"] = split(cancer.data, cancer.target, True)
ds["diabetes"] = split(diabetes.data, diabetes.target, False)
e = out["expected"]


def classifier(name, data, model, tight=None):
    xt, yt, xs, ys = arrays(ds[data])
    model.fit(xt, yt)
    e[name] = {"dataset": data, "accuracy": float(model.score(xs, ys)), "predictions": model.predict(xs).tolist()}
    if hasattr(model, "predict_proba"):
        e[name]["probabilities"] = flat(model.predict_proba(xs))
    if hasattr(model, "coef_"):
        e[name]["coef"] = flat(model.coef_)
        e[name]["intercept"] = flat(model.intercept_)
    if tight is not None:
        tight.fit(xt, yt)
        e[name]["tight_coef"] = flat(tight.coef_)
        e[name]["tight_intercept"] = flat(tight.intercept_)


def regressor(name, data, model, tight=None):
    xt, yt, xs, ys = arrays(ds[data])
    model.fit(xt, yt)
    e[name] = {"dataset": data, "r2": float(model.score(xs, ys)), "predictions": flat(model.predict(xs))}
    if hasattr(model, "coef_"):
        e[name]["coef"] = flat(model.coef_)
        e[name]["intercept"] = [float(model.intercept_)]
    if tight is not None:
        tight.fit(xt, yt)
        e[name]["tight_coef"] = flat(tight.coef_)
        e[name]["tight_intercept"] = [float(tight.intercept_)]


classifier("logistic_iris", "iris", LogisticRegression(), LogisticRegression(tol=1e-10, max_iter=10000))
classifier("logistic_wine_c01", "wine_std", LogisticRegression(C=0.1), LogisticRegression(C=0.1, tol=1e-10, max_iter=10000))
classifier("logistic_cancer", "cancer_std", LogisticRegression(), LogisticRegression(tol=1e-10, max_iter=10000))
classifier("linear_svm_cancer", "cancer_std", LinearSVC(), LinearSVC(tol=1e-10, max_iter=100000))
classifier("linear_svm_wine", "wine_std", LinearSVC(C=0.5), LinearSVC(C=0.5, tol=1e-10, max_iter=100000))
classifier("gaussian_nb_wine", "wine_raw", GaussianNB())
classifier("gaussian_nb_iris", "iris", GaussianNB())
classifier("knn_wine", "wine_std", KNeighborsClassifier())
classifier("knn_wine_distance_manhattan", "wine_std", KNeighborsClassifier(n_neighbors=7, weights="distance", metric="manhattan"))
regressor("linear_diabetes", "diabetes", LinearRegression())
regressor("ridge_diabetes", "diabetes", Ridge(alpha=0.5))
regressor("lasso_diabetes", "diabetes", Lasso(alpha=0.1), Lasso(alpha=0.1, tol=1e-12, max_iter=100000))
regressor("knn_diabetes", "diabetes", KNeighborsRegressor(n_neighbors=10))
regressor("knn_diabetes_distance", "diabetes", KNeighborsRegressor(n_neighbors=4, weights="distance", metric="manhattan"))

blobs, _ = make_blobs(n_samples=300, centers=4, cluster_std=1.2, random_state=3)
blobs = np.round(blobs, 6)
ds["blobs"] = {"x": blobs.ravel().tolist(), "columns": 2}
e["kmeans_blobs"] = {"k": 4, "inertia": float(KMeans(4, n_init=10, random_state=0).fit(blobs).inertia_)}
irisx = np.array(ds["iris"]["x_train"]).reshape(-1, 4)
e["kmeans_iris"] = {"k": 3, "inertia": float(KMeans(3, n_init=10, random_state=0).fit(irisx).inertia_)}

points, _ = make_blobs(n_samples=60, centers=3, cluster_std=0.6, random_state=1)
noise = np.random.RandomState(0).uniform(-12, 12, size=(8, 2))
points = np.round(np.vstack([points, noise]), 6)
ds["dbscan_points"] = {"x": points.ravel().tolist(), "columns": 2}
e["dbscan"] = {"eps": 0.8, "min_samples": 4, "labels": DBSCAN(eps=0.8, min_samples=4).fit(points).labels_.tolist()}
e["dbscan_tight"] = {"eps": 0.35, "min_samples": 5, "labels": DBSCAN(eps=0.35, min_samples=5).fit(points).labels_.tolist()}

with open("linear_models.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
