#!/usr/bin/env python3
"""Tabulate test accuracy and label precision against the epoch.

lnl records the label precision of a selection method at the end of its run
only. experiments/coteaching2018/config.ini therefore repeats each method as
NAME_eN, stopped after N epochs; with rng = numpy these runs are prefixes of
the full run NAME. This script reads runs.csv and writes, per noise section
and rate, one Markdown table per quantity with the epochs as columns.

usage: schedule.py RESULTS_DIR [--full-epochs 200] [--out FILE]
"""

import argparse
import csv
import os
import re
import statistics
import sys

SUFFIX = re.compile(r"^(?P<base>.+)_e(?P<epochs>\d+)$")


def load_cells(path, full_epochs):
    """Return {(noise, rate): {base: {epochs: [rows]}}} for the successful runs."""
    cells = {}
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["status"] != "ok":
                continue
            match = SUFFIX.match(row["method"])
            if match:
                base, epochs = match["base"], int(match["epochs"])
            else:
                base, epochs = row["method"], full_epochs
            group = cells.setdefault((row["noise"], row["rate"]), {})
            group.setdefault(base, {}).setdefault(epochs, []).append(row)
    return cells


def table(group, bases, field, label):
    """Return Markdown lines: one row per method, one column per epoch count."""
    epochs = sorted({e for base in bases for e in group[base]})
    lines = [f"{label}:", "", "| method | " + " | ".join(f"epoch {e}" for e in epochs) + " |",
             "|---|" + "---|" * len(epochs)]
    for base in bases:
        cells = []
        for e in epochs:
            values = [float(r[field]) for r in group[base].get(e, []) if r[field]]
            if values:
                spread = statistics.stdev(values) if len(values) > 1 else 0.0
                cells.append(f"{statistics.fmean(values):.3f} ± {spread:.3f}")
            else:
                cells.append("")
        lines.append(f"| {base} | " + " | ".join(cells) + " |")
    return lines + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", help="folder with the runs.csv of `lnl run`")
    parser.add_argument("--full-epochs", type=int, default=200,
                        help="epochs of the methods without an _eN suffix (default 200)")
    parser.add_argument("--out", help="file to write (default: standard output)")
    args = parser.parse_args()

    cells = load_cells(os.path.join(args.results_dir, "runs.csv"), args.full_epochs)
    out = ["# Test accuracy and label precision against the epoch", "",
           "Written by `experiments/coteaching2018/schedule.py` from `runs.csv`: mean ± "
           "sample std over the seeds. Label precision is the fraction of correct labels "
           "among the samples the (first) model was trained on after that epoch; it is "
           "empty for methods that keep every sample.", ""]
    for (noise, rate), group in sorted(cells.items()):
        bases = [b for b in group if len(group[b]) > 1]
        if not bases:
            continue
        out += [f"## {noise} {rate}", ""]
        out += table(group, bases, "test_accuracy", "Test accuracy")
        selecting = [b for b in bases
                     if any(r["forget_rate"] for rows in group[b].values() for r in rows)]
        if selecting:
            out += table(group, selecting, "label_precision", "Label precision")
    text = "\n".join(out)

    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
