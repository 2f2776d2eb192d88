#!/usr/bin/env python3
"""Summarize an lnl runs.csv beyond what `lnl report` prints.

Writes Markdown with, per data set, noise section and rate (or setting):

- each method's test accuracy paired by seed with the baseline's: the mean
  difference and how many seeds the method wins, ties and loses;
- for runs that recorded a transition matrix T: the mean max and Frobenius
  errors of T against the true T, and the means of T's diagonal and of the
  entries T[k][k + 1 mod K];
- for runs of sample-selection methods: the forget rate, the fraction of
  training samples kept, and the label precision and recall of the kept
  samples, as means over the seeds.

Only successful runs count. Python standard library only, so it runs
wherever lnl's results are read.

usage: summarize.py RESULTS_DIR [--baseline NAME] [--out FILE]
"""

import argparse
import csv
import math
import os
import statistics
import sys


def column_key(row):
    """Return the table column of a run: its setting when it has one, else its rate."""
    return row["setting"] if row.get("setting") else row["rate"]


def column_sort_key(key):
    """Order columns by rate, then by setting text."""
    first = key.split("/")[0]
    try:
        return (float(first), key)
    except ValueError:
        return (math.inf, key)


def number(text):
    """Return text as a float, or None when the field is empty."""
    return float(text) if text not in ("", None) else None


def mean(values):
    return statistics.fmean(values) if values else math.nan


def format_number(value, digits=3):
    return "" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def diagonal_and_next(matrix_text):
    """Return the mean of T[k][k] and of T[k][k + 1 mod K] for a T written as
    rows separated by ';' (the next class is where pair noise moves a label)."""
    rows = [[float(x) for x in r.split()] for r in matrix_text.split(";") if r.strip()]
    k = len(rows)
    diagonal = statistics.fmean(rows[i][i] for i in range(k))
    following = statistics.fmean(rows[i][(i + 1) % k] for i in range(k))
    return diagonal, following


def is_selection(row):
    """Return whether a run trained on a subset of its samples or had a forget rate."""
    return bool(row["forget_rate"]) or (row["n_kept"] and row["n_kept"] != row["n_train"])


def load_runs(path):
    """Return the successful runs of runs.csv, the last row winning for repeated cells."""
    cells = {}
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            key = (row["dataset"], row["noise"], column_key(row), row["method"], row["seed"])
            cells[key] = row
    return [row for row in cells.values() if row["status"] == "ok"]


def group_runs(runs):
    """Return {(dataset, noise): {column: {method: {seed: row}}}} and the method order."""
    groups = {}
    methods = []
    for row in runs:
        if row["method"] not in methods:
            methods.append(row["method"])
        group = groups.setdefault((row["dataset"], row["noise"]), {})
        group.setdefault(column_key(row), {}).setdefault(row["method"], {})[row["seed"]] = row
    return groups, methods


def paired_table(columns, methods, baseline):
    """Return Markdown lines: mean difference from the baseline and wins/ties/losses."""
    keys = sorted(columns, key=column_sort_key)
    lines = [
        "| method | " + " | ".join(keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for method in methods:
        if method == baseline:
            continue
        cells = []
        for key in keys:
            runs = columns[key].get(method, {})
            base = columns[key].get(baseline, {})
            seeds = sorted(set(runs) & set(base), key=int)
            if not seeds:
                cells.append("")
                continue
            diffs = [float(runs[s]["test_accuracy"]) - float(base[s]["test_accuracy"])
                     for s in seeds]
            wins = sum(d > 1e-12 for d in diffs)
            losses = sum(d < -1e-12 for d in diffs)
            ties = len(diffs) - wins - losses
            cells.append(f"{mean(diffs):+.3f} ({wins}/{ties}/{losses})")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return lines


def transition_table(columns, methods):
    """Return Markdown lines for the runs with a recorded T, or [] when none has one."""
    keys = sorted(columns, key=column_sort_key)
    lines = []
    for method in methods:
        cells = []
        found = False
        for key in keys:
            runs = [r for r in columns[key].get(method, {}).values() if r["transition_matrix"]]
            if not runs:
                cells.append("")
                continue
            found = True
            error_max = mean([float(r["transition_error_max"]) for r in runs])
            error_fro = mean([float(r["transition_error_frobenius"]) for r in runs])
            entries = [diagonal_and_next(r["transition_matrix"]) for r in runs]
            diagonal = mean([d for d, _ in entries])
            following = mean([f for _, f in entries])
            cells.append(f"{error_max:.3f} / {error_fro:.3f} / {diagonal:.3f} / {following:.3f}")
        if found:
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    if not lines:
        return []
    header = ["| method | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    return header + lines


def selection_table(columns, methods):
    """Return Markdown lines for the runs with label metrics, or [] when none has them."""
    keys = sorted(columns, key=column_sort_key)
    lines = []
    for method in methods:
        cells = []
        found = False
        for key in keys:
            runs = [r for r in columns[key].get(method, {}).values()
                    if r["label_precision"] and is_selection(r)]
            if not runs:
                cells.append("")
                continue
            found = True
            kept = mean([int(r["n_kept"]) / int(r["n_train"]) for r in runs])
            precision = mean([float(r["label_precision"]) for r in runs])
            recall = mean([number(r["label_recall"]) for r in runs
                           if number(r["label_recall"]) is not None])
            forget = mean([number(r["forget_rate"]) for r in runs
                           if number(r["forget_rate"]) is not None])
            cells.append(f"{format_number(forget, 2)} / {kept:.3f} / {precision:.3f} / "
                         f"{format_number(recall)}")
        if found:
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    if not lines:
        return []
    header = ["| method | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    return header + lines


def summarize(results_dir, baseline):
    runs = load_runs(os.path.join(results_dir, "runs.csv"))
    groups, methods = group_runs(runs)
    if baseline is None:
        baseline = methods[0]
    if baseline not in methods:
        raise SystemExit(f"summarize.py: baseline {baseline!r} is not a method of runs.csv; "
                         f"methods: {', '.join(methods)}")

    out = [f"# Paired comparisons and diagnostics of {results_dir}", "",
           f"Written by `experiments/summarize.py` from `runs.csv` ({len(runs)} successful "
           "runs). Every number is a mean over the seeds whose runs succeeded.", ""]
    for (dataset, noise), columns in groups.items():
        out += [f"## {dataset}, noise {noise}", "",
                f"Test accuracy minus the baseline `{baseline}`'s, paired by seed: mean "
                "difference (seeds won/tied/lost).", ""]
        out += paired_table(columns, methods, baseline) + [""]
        table = transition_table(columns, methods)
        if table:
            out += ["T used by the method: max error / Frobenius error against the true T "
                    "/ mean of T[k][k] / mean of T[k][k + 1 mod K], the entry that pair "
                    "noise fills.", ""] + table + [""]
        table = selection_table(columns, methods)
        if table:
            out += ["Selection: forget rate / fraction of training samples kept / label "
                    "precision / label recall of the kept samples (at the end of training).",
                    ""] + table + [""]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", help="folder with the runs.csv of `lnl run`")
    parser.add_argument("--baseline", help="method to pair with (default: the first one)")
    parser.add_argument("--out", help="file to write (default: standard output)")
    args = parser.parse_args()

    text = summarize(args.results_dir, args.baseline)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
