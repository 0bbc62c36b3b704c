#!/usr/bin/env python3
"""scikit-learn's side of `scripts/bench ml`: fits scikit-learn on the bench-data sets with the
configurations the Swift benchmark uses, so the two are timed back to back in one run.

The Swift benchmark starts this script once and talks to it over stdin/stdout, one JSON object
a line. A request names a configuration and a run count:

    {"set": "classification_100k", "algorithm": "random_forest",
     "hyperparameters": {"random_state": 0}, "runs": 1}

and the answer is the median wall and CPU seconds of the fits, the predict seconds on the test
rows, and the test metric (accuracy, r2 or inertia):

    {"fit": 16.1, "fit_cpu": 31.8, "predict": 0.4, "predict_cpu": 0.7, "metric": 0.9453}

CPU seconds are the process's, so they count every thread (OpenMP, OpenBLAS). Nothing in the
tests needs this script. By hand: `python3 scripts/sklearn_reference.py DATA_FOLDER`, then type
requests.
"""
import gzip
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

# Loom's defaults where they differ from scikit-learn's, and the forests on both cores
# (Loom's forests use every core).
CLASSIFIERS = {
    "logistic_regression": lambda p: LogisticRegression(**p),
    "naive_bayes": lambda p: GaussianNB(**p),
    "decision_tree": lambda p: DecisionTreeClassifier(**p),
    "random_forest": lambda p: RandomForestClassifier(n_jobs=2, **p),
    "gradient_boosting": lambda p: HistGradientBoostingClassifier(**p),
    "knn": lambda p: KNeighborsClassifier(**p),
    "linear_svm": lambda p: LinearSVC(**p),
}
REGRESSORS = {
    "linear_regression": lambda p: LinearRegression(**p),
    "ridge": lambda p: Ridge(**p),
    "lasso": lambda p: Lasso(**p),
    "decision_tree": lambda p: DecisionTreeRegressor(**p),
    "random_forest": lambda p: RandomForestRegressor(n_jobs=2, **p),
    "gradient_boosting": lambda p: HistGradientBoostingRegressor(**p),
    "knn": lambda p: KNeighborsRegressor(**p),
}
# Loom's node says `k` for the number of neighbours or clusters.
RENAMED = {"knn": {"k": "n_neighbors"}, "kmeans": {"k": "n_clusters"}}


class Sets:
    """Loads each bench-data set once: the 80,000 training rows and the 20,000 listed test rows."""

    def __init__(self, folder):
        self.folder = folder
        self.loaded = {}

    def get(self, name):
        if name not in self.loaded:
            table = pd.read_csv(f"{self.folder}/{name}.csv.gz")
            with gzip.open(f"{self.folder}/{name}.test_rows.txt.gz", "rt") as handle:
                test = np.array([int(line) for line in handle if line.strip()])
            is_test = np.zeros(len(table), dtype=bool)
            is_test[test] = True
            x = table.drop(columns="target").to_numpy(dtype=np.float64)
            y = table["target"].to_numpy()
            self.loaded[name] = (x[~is_test], y[~is_test], x[test], y[test])
        return self.loaded[name]


def make(set_name, algorithm, hyperparameters):
    parameters = {RENAMED.get(algorithm, {}).get(key, key): value for key, value in hyperparameters.items()}
    if set_name.startswith("blobs"):
        return KMeans(**parameters)
    table = CLASSIFIERS if set_name.startswith("classification") else REGRESSORS
    return table[algorithm](parameters)


def measure(sets, request):
    x, y, x_test, y_test = sets.get(request["set"])
    walls, cpus = [], []
    model = None
    for _ in range(max(1, int(request.get("runs", 1)))):
        model = make(request["set"], request["algorithm"], request.get("hyperparameters", {}))
        wall, cpu = time.perf_counter(), time.process_time()
        if isinstance(model, KMeans):
            model.fit(x)
        else:
            model.fit(x, y)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    if isinstance(model, KMeans):
        return {"fit": statistics.median(walls), "fit_cpu": statistics.median(cpus), "predict": 0.0, "metric": float(model.inertia_)}
    start, cpu = time.perf_counter(), time.process_time()
    predicted = model.predict(x_test)
    predict, predict_cpu = time.perf_counter() - start, time.process_time() - cpu
    if request["set"].startswith("classification"):
        metric = accuracy_score(y_test, predicted)
    else:
        metric = r2_score(y_test, predicted)
    return {
        "fit": statistics.median(walls),
        "fit_cpu": statistics.median(cpus),
        "predict": predict,
        "predict_cpu": predict_cpu,
        "metric": float(metric),
    }


def main():
    if len(sys.argv) != 2:
        print("usage: sklearn_reference.py BENCH_DATA_FOLDER (then one JSON request a line on stdin)", file=sys.stderr)
        sys.exit(2)
    sets = Sets(sys.argv[1])
    import sklearn

    print(json.dumps({"ready": sklearn.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = measure(sets, json.loads(line))
        except Exception as error:  # the benchmark prints the reason and goes on without the reference
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
