"""Run the grid of an lnl config with scikit-learn and numpy, as a Python
user would write it.

    sweep_equivalent.py CONFIG [--out DIR] [--json FILE]

For every data set, noise section, rate, method and seed of the config:
split the rows (train_test_split, stratified when the config sets stratify),
standardize with statistics of the training rows (StandardScaler), corrupt
the training labels with the config's noise model and exact sampling, fit
LogisticRegression (lbfgs) at the method's C on the noisy or the clean
labels, and record test and training accuracy, iterations, the objective
0.5 * ||W||^2 + C * sum of losses and max |gradient| relative to
max(1, max |gradient at zero|), the quantity lnl's tol bounds. Writes DIR/runs.csv and prints
a table of mean test accuracy per method and rate.

Equivalence with `lnl run`, key by key:
  - data: make_classification with the config's parameters (same names as
    scikit-learn's), or the CSV file with its label column; labels become
    classes 0..K-1 in sorted order.
  - test_size, stratify, standardize, noise type, rates, seeds and methods
    (loss = ce, C, tol, max_iter, labels) as in the config.
  - Exact sampling: symmetric noise corrupts int(n * rate) labels chosen
    with numpy's choice(n, m, replace=False), each moved to one of the
    other classes uniformly; pair noise moves, within each class, the
    largest-remainder share of the rate to the next class.
  - Stopping: lnl stops when max |gradient| <= tol * max(1, max |gradient
    at zero|) of f. scikit-learn 1.2 minimizes f / C with an absolute
    gradient tolerance, so the script passes tol * max(1, max |g0|) / C.
    scipy's L-BFGS-B can also stop earlier on a relative decrease of f
    below 2.2e-9, which scikit-learn does not expose.
  - Random streams: with rng = numpy the data, split and noise draws are
    those of lnl's numpy mode (RandomState seeded with random_state, with
    base_seed + seed index, or with the noise section's seed), so every
    cell sees the same rows and labels as in lnl. With lnl's default
    generator the script uses RandomState(base_seed + seed index): the same
    counts of rows and corrupted labels, drawn differently.
Keys outside this list are rejected.
"""

import argparse
import configparser
import csv
import json
import math
import os
import sys
import time
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

GENERATOR_KEYS = {
    "n_samples": int, "n_features": int, "n_informative": int, "n_redundant": int,
    "n_repeated": int, "n_classes": int, "n_clusters_per_class": int, "flip_y": float,
    "class_sep": float,
}
KNOWN_KEYS = {
    "experiment": {"name", "seeds", "base_seed", "rng", "output", "baseline"},
    "data": set(GENERATOR_KEYS) | {"source", "random_state", "path", "label", "test_size",
                                   "stratify", "standardize", "rng"},
    "noise": {"type", "sampling", "rates", "seed", "rng"},
    "method": {"loss", "C", "tol", "max_iter", "labels"},
}


def fail(message):
    sys.exit(f"sweep_equivalent: {message}")


def parse_bool(text):
    value = text.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    fail(f"invalid boolean \"{text}\"")


def parse_rates(text):
    """Return the rates of a list such as "0.0, 0.1" or "0.0:0.6:0.1"."""
    rates = []
    for item in text.split(","):
        parts = [float(p) for p in item.split(":")]
        if len(parts) == 1:
            rates.append(round(parts[0], 12))
            continue
        start, stop, step = parts
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        rates.extend(round(start + i * step, 12) for i in range(count))
    return rates


def read_config(path):
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",),
                                       comment_prefixes=(";", "#"))
    parser.optionxform = str
    if not parser.read(path):
        fail(f"cannot read config {path}")
    config = {"experiment": {}, "data": [], "noise": [], "method": []}
    for section in parser.sections():
        kind, _, name = section.partition(" ")
        if kind not in KNOWN_KEYS:
            fail(f"{path}: unknown section [{section}]")
        for key in parser[section]:
            if key not in KNOWN_KEYS[kind]:
                fail(f"{path}: [{section}] key \"{key}\" is not supported by this script")
        values = dict(parser[section])
        if kind == "experiment":
            config["experiment"] = values
        else:
            config[kind].append((name, values))
    return config


def load_data(data, base_seed):
    if data["source"] == "make_classification":
        arguments = {key: cast(data[key]) for key, cast in GENERATOR_KEYS.items() if key in data}
        X, y = make_classification(random_state=int(data.get("random_state", base_seed)),
                                   **arguments)
        return X, y
    if data["source"] == "csv":
        # A relative path is read from the working directory, as lnl does.
        path = data["path"]
        with open(path, newline="") as file:
            header = next(csv.reader(file))
        label = data.get("label", header[-1])
        table = np.loadtxt(path, delimiter=",", skiprows=1)
        column = header.index(label)
        X = np.delete(table, column, axis=1)
        _, y = np.unique(table[:, column], return_inverse=True)
        return X, y
    fail(f"data source \"{data['source']}\" is not supported by this script")


def transition_counts(n_class, row):
    """Split n_class samples over the classes in proportion to row by the
    largest-remainder method (remainders rounded to 9 decimals, ties to the
    lower class)."""
    exact = n_class * row
    counts = np.floor(exact).astype(int)
    remainders = np.round(exact - counts, 9)
    left = n_class - counts.sum()
    candidates = [j for j in range(len(row)) if row[j] > 0]
    candidates.sort(key=lambda j: (-remainders[j], j))
    for j in candidates[:left]:
        counts[j] += 1
    return counts


def corrupt(clean, n_classes, noise_type, rate, rng):
    noisy = clean.copy()
    n = len(clean)
    if noise_type == "symmetric":
        m = int(n * rate)
        positions = np.sort(rng.choice(n, m, replace=False))
        for i in positions:
            if n_classes == 2:
                noisy[i] = 1 - clean[i]
            else:
                draw = rng.randint(n_classes - 1)
                noisy[i] = draw if draw < clean[i] else draw + 1
        return noisy
    if noise_type == "pair":
        for c in range(n_classes):
            row = np.zeros(n_classes)
            row[c] += 1.0 - rate
            row[(c + 1) % n_classes] += rate
            positions = np.flatnonzero(clean == c)
            positions = positions[rng.permutation(len(positions))]
            counts = transition_counts(len(positions), row)
            start = 0
            for j in range(n_classes):
                noisy[positions[start:start + counts[j]]] = j
                start += counts[j]
        return noisy
    fail(f"noise type \"{noise_type}\" is not supported by this script")


def objective_and_gradient(X, y, n_classes, C, W, b):
    """Return lnl's objective 0.5 * ||W||^2 + C * sum of losses at (W, b)
    and the max-norm of its gradient. The binary model (K = 2) has one
    weight vector, the softmax model K."""
    n = len(y)
    Z = X @ W.T + b
    if n_classes == 2:
        z = Z[:, 0]
        losses = np.logaddexp(0.0, z) - y * z
        residual = (np.exp(-np.logaddexp(0.0, -z)) - y)[:, None]
    else:
        log_sum = logsumexp(Z, axis=1)
        losses = log_sum - Z[np.arange(n), y]
        residual = np.exp(Z - log_sum[:, None])
        residual[np.arange(n), y] -= 1.0
    gradient_W = W + C * (residual.T @ X)
    gradient_b = C * residual.sum(axis=0)
    f = 0.5 * float(np.sum(W * W)) + C * float(np.sum(losses))
    return f, max(float(np.max(np.abs(gradient_W))), float(np.max(np.abs(gradient_b))))


def run_grid(config):
    experiment = config["experiment"]
    seeds = int(experiment.get("seeds", 5))
    base_seed = int(experiment.get("base_seed", 0))
    rows = []

    for data_name, data in config["data"]:
        X, y = load_data(data, base_seed)
        n_classes = int(y.max()) + 1
        test_size = float(data.get("test_size", 0.2))
        stratify = parse_bool(data.get("stratify", "false"))
        standardize = parse_bool(data.get("standardize", "true"))

        for noise_name, noise in config["noise"]:
            if noise.get("sampling", "exact") != "exact":
                fail(f"[noise {noise_name}]: only exact sampling is supported by this script")
            for rate in parse_rates(noise["rates"]):
                for method_name, method in config["method"]:
                    if method.get("loss", "ce") != "ce":
                        fail(f"[method {method_name}]: only loss = ce is supported")
                    C = float(method.get("C", 1.0))
                    tol = float(method.get("tol", 1e-6))
                    max_iter = int(method.get("max_iter", 1000))
                    use_clean = method.get("labels", "noisy") == "clean"
                    for seed in range(seeds):
                        # the cell's split, labels and fit
                        X_train, X_test, clean_train, y_test = train_test_split(
                            X, y, test_size=test_size, random_state=base_seed + seed,
                            stratify=y if stratify else None)
                        if standardize:
                            scaler = StandardScaler().fit(X_train)
                            X_train = scaler.transform(X_train)
                            X_test = scaler.transform(X_test)
                        noise_seed = int(noise["seed"]) if "seed" in noise else base_seed + seed
                        noisy_train = corrupt(clean_train, n_classes, noise["type"], rate,
                                              np.random.RandomState(noise_seed))
                        labels = clean_train if use_clean else noisy_train
                        n_logits = 1 if n_classes == 2 else n_classes
                        d = X_train.shape[1]
                        _, g0 = objective_and_gradient(X_train, labels, n_classes, C,
                                                       np.zeros((n_logits, d)),
                                                       np.zeros(n_logits))
                        model = LogisticRegression(C=C, tol=tol * max(1.0, g0) / C,
                                                   max_iter=max_iter)
                        start = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", ConvergenceWarning)
                            model.fit(X_train, labels)
                        seconds = time.perf_counter() - start
                        f, g = objective_and_gradient(X_train, labels, n_classes, C,
                                                      model.coef_, model.intercept_)
                        rows.append({
                            "dataset": data_name, "noise": noise_name, "rate": rate,
                            "method": method_name, "seed": seed,
                            "realized_rate": float(np.mean(noisy_train != clean_train)),
                            "test_accuracy": model.score(X_test, y_test),
                            "train_accuracy": model.score(X_train, labels),
                            "iterations": int(np.max(model.n_iter_)),
                            "objective": f,
                            "relative_gradient": g / max(1.0, g0),
                            "fit_seconds": seconds})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="lnl config file (INI)")
    parser.add_argument("--out", help="folder for runs.csv; default: none written")
    parser.add_argument("--json", help="write the grid time and the runs as JSON here")
    args = parser.parse_args()

    start = time.perf_counter()
    config = read_config(args.config)
    rows = run_grid(config)
    grid_seconds = time.perf_counter() - start

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "runs.csv"), "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"grid_seconds": grid_seconds, "runs": rows}, out)

    # mean test accuracy per data set, noise, method and rate
    groups = {}
    for row in rows:
        key = (row["dataset"], row["noise"], row["method"], row["rate"])
        groups.setdefault(key, []).append(row["test_accuracy"])
    for key in sorted(groups):
        print("{} {} {} rate={:g}: test accuracy {:.3f}".format(*key, np.mean(groups[key])))
    print(f"{len(rows)} runs in {grid_seconds:.2f} s (after imports)")


if __name__ == "__main__":
    main()
