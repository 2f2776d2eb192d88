"""Cross-check of filter = small_loss (schedule none) against scikit-learn.

For every cell of configs/sample_selection.ini this script exports the
cell's split and noisy labels with `lnl corrupt`, standardizes the features
with the training rows' mean and standard deviation (ddof 0, constant
features left unscaled, as lnl does), and repeats what lnl does for the
method small_loss_known with scikit-learn's LogisticRegression (C = 1,
L-BFGS, tol 1e-10): fit on every training row, rank the rows by the cross
entropy of their noisy label, drop floor(forget_rate * n + 1e-9) of them
with the largest loss, refit on the rest. It prints, per cell, whether the
kept set's size, label precision and recall equal those in runs.csv, and
the test accuracies of both.

usage: python3 crosscheck.py LNL_BINARY CONFIG RUNS_CSV
"""
import csv
import math
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression

METHOD = "small_loss_known"


def read_cell(lnl, config, data, noise, rate, seed, folder):
    path = f"{folder}/{data}_{noise}_{rate}_{seed}.csv"
    subprocess.run([lnl, "corrupt", config, "--data", data, "--noise", noise, "--rate", rate,
                    "--seed", str(seed), "--out", path], check=True, capture_output=True)
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    features = len(header) - 3
    X = np.array([[float(v) for v in row[:features]] for row in body])
    test = np.array([row[features] == "1" for row in body])
    clean = np.array([int(row[features + 1]) for row in body])
    # test rows keep noisy = clean, which maps class names to indices
    names = {row[features + 2]: int(row[features + 1]) for row, t in zip(body, test) if t}
    noisy = np.array([names[row[features + 2]] for row in body])
    return X, test, clean, noisy


def standardize(X, train):
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std <= 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
    return (X - mean) / std


def fit(X, y):
    model = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000)
    return model.fit(X, y)


def cross_entropy(model, X, y):
    log_p = model.predict_log_proba(X)
    columns = np.searchsorted(model.classes_, y)
    return -log_p[np.arange(len(y)), columns]


def main():
    lnl, config, runs_path = sys.argv[1:4]
    with open(runs_path, newline="") as file:
        runs = [r for r in csv.DictReader(file) if r["method"] == METHOD]
    agree = 0
    with tempfile.TemporaryDirectory() as folder:
        for run in runs:
            X, test, clean, noisy = read_cell(lnl, config, run["dataset"], run["noise"],
                                              run["rate"], int(run["seed"]), folder)
            train = ~test
            Z = standardize(X, train)
            Xt, yt, ct = Z[train], noisy[train], clean[train]
            n = len(yt)
            forget = float(run["forget_rate"])
            drop = min(int(math.floor(forget * n + 1e-9)), n - 1)

            losses = cross_entropy(fit(Xt, yt), Xt, yt)
            order = np.lexsort((np.arange(n), losses))
            kept = np.sort(order[: n - drop])
            model = fit(Xt[kept], yt[kept])

            correct = yt == ct
            precision = correct[kept].mean()
            recall = correct[kept].sum() / correct.sum()
            accuracy = (model.predict(Z[test]) == clean[test]).mean()
            same = (len(kept) == int(run["n_kept"])
                    and abs(precision - float(run["label_precision"])) < 1e-12
                    and abs(recall - float(run["label_recall"])) < 1e-12)
            agree += same
            print(f"{run['dataset']:13s} {run['noise']:9s} {run['rate']} seed {run['seed']}: "
                  f"kept {len(kept)} vs {run['n_kept']}, precision {precision:.6f} vs "
                  f"{float(run['label_precision']):.6f}, test accuracy {accuracy:.4f} vs "
                  f"{float(run['test_accuracy']):.4f}{'' if same else '  DIFFERENT'}")
    print(f"{agree} of {len(runs)} cells keep a set of the same size, precision and recall")


if __name__ == "__main__":
    main()
