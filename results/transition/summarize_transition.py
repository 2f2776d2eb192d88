#!/usr/bin/env python3
"""Summarize the transition-matrix estimates recorded in runs.csv.

Usage: summarize_transition.py [RUNS_CSV] [OUTPUT_MD]
(defaults: runs.csv and transition_errors.md next to this script).

For every data set, noise section, setting and transition source it writes
the mean and sample standard deviation over seeds of the estimation errors
(max absolute entry and Frobenius norm against the true T), and the noise
rates that the estimates imply:
  - two classes: the estimated flip rates T[pos][neg] and T[neg][pos], with
    the positive class taken as class 1 as in configs/transition.ini;
  - pair noise: the mean diagonal, the mean of T[k][(k + 1) mod K] and the
    mean of the other entries per row.
Methods that share a transition source get the same T for a seed (the
estimators seed their folds from the training rows), so each (seed,
source) counts once; the script checks that the copies agree.
Only the Python standard library is needed.
"""
import csv
import math
import os
import sys
from collections import OrderedDict


def mean_std(values):
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def parse_matrix(text):
    rows = [[float(x) for x in row.split()] for row in text.split(';')]
    return rows


def describe(rows):
    """Noise parameters an estimated T implies, as (name, value) pairs."""
    k = len(rows)
    if k == 2:
        # class 1 is the positive class: rho_pos = T[1][0], rho_neg = T[0][1]
        return [("rho_pos", rows[1][0]), ("rho_neg", rows[0][1])]
    diagonal = sum(rows[i][i] for i in range(k)) / k
    pair = sum(rows[i][(i + 1) % k] for i in range(k)) / k
    other = 1.0 - diagonal - pair
    return [("diagonal", diagonal), ("next class", pair), ("other", other)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    runs_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "runs.csv")
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "transition_errors.md")

    groups = OrderedDict()
    with open(runs_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] != "ok" or not row["transition"]:
                continue
            label = row["setting"] or row["rate"]
            key = (row["dataset"], row["noise"], label, row["transition"])
            seeds = groups.setdefault(key, OrderedDict())
            matrix = row["transition_matrix"]
            if row["seed"] in seeds:
                if seeds[row["seed"]]["matrix"] != matrix:
                    sys.exit("%s seed %s: methods with transition = %s got different T"
                             % (key[:3], row["seed"], key[3]))
                continue
            seeds[row["seed"]] = {
                "max": float(row["transition_error_max"]),
                "frobenius": float(row["transition_error_frobenius"]),
                "matrix": matrix,
            }

    lines = ["# Transition-matrix estimates",
             "",
             "Written by `summarize_transition.py` from `runs.csv`. Mean ± sample "
             "standard deviation over the seeds; errors are against the true T of "
             "each run. `known` is the noise model's own T (error 0).",
             ""]
    keys = list(groups.keys())
    for index, ((dataset, noise, label, source), seeds) in enumerate(groups.items()):
        if index == 0 or keys[index - 1][:2] != (dataset, noise):
            first = next(iter(seeds.values()))
            names = [name for name, _ in describe(parse_matrix(first["matrix"]))]
            lines += ["## %s, noise %s" % (dataset, noise), "",
                      "| setting | transition | max error | Frobenius error | "
                      + " | ".join("estimated " + n for n in names) + " |",
                      "|---|---|---|---|" + "---|" * len(names)]
        values = list(seeds.values())
        max_mean, max_std = mean_std([v["max"] for v in values])
        fro_mean, fro_std = mean_std([v["frobenius"] for v in values])
        described = [describe(parse_matrix(v["matrix"])) for v in values]
        cells = []
        for i in range(len(described[0])):
            m, s = mean_std([d[i][1] for d in described])
            cells.append("%.3f ± %.3f" % (m, s))
        lines.append("| %s | %s | %.3f ± %.3f | %.3f ± %.3f | %s |"
                     % (label, source, max_mean, max_std, fro_mean, fro_std, " | ".join(cells)))
        if index + 1 == len(keys) or keys[index + 1][:2] != (dataset, noise):
            lines.append("")

    with open(out_path, "w") as f:
        f.write("\n".join(lines))
    print("wrote", out_path)


if __name__ == "__main__":
    main()
