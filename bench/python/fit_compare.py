"""Compare one logistic-regression fit of lnl, scikit-learn and liblinear.

Every solver fits the same standardized data (written by bench_fit) at the
same C, at several tolerances, and every solution is scored with one
formula, lnl's objective:

    f(W, b) = 0.5 * ||W||_F^2 + C * sum_i loss(x_i W^T + b, y_i)

with the intercept b unpenalized: the binary model (one weight vector,
sigmoid) for K = 2 and the softmax model (K weight vectors) otherwise.
scikit-learn 1.2's lbfgs minimizes f / C, so at C = 1 the two objectives
are the same function. liblinear 2.3 (-s 0 -B 1) appends a constant feature
1 and penalizes its weight, so its minimizer is scored under f and lands
slightly above the minimum. For K > 2, liblinear -s 0 fits K one-vs-rest
binary models: a different model, reported for time and accuracy only.

Times cover the fit alone, single-threaded:
  lnl:        bench_fit's own timer around lnl_method_fit, fastest of
              --repeats fits, once standardizing rows as it reads them (as
              in a sweep) and once on the already standardized matrix
              (--standardize-first), which is what the others receive;
  sklearn:    LogisticRegression.fit with OPENBLAS_NUM_THREADS=1, fastest
              of --repeats fits;
  liblinear:  the wall time of liblinear-train minus that of a run with
              -e 1e30, which reads the same file and stops after the first
              gradient (an estimate of reading and setup); fastest of 2
              runs for K = 2 and a single run for K > 2, whose 10
              one-vs-rest fits take long.

Writes a JSON summary, which make_report.py turns into a section of
REPORT.md.
"""

import argparse
import json
import os
import re
import subprocess
import time
import warnings

# One BLAS thread for scikit-learn and for the scoring, as lnl uses in a fit.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from scipy.special import logsumexp  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

LNL_TOLS = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6, 1e-8]
SKLEARN_TOLS = [10.0, 3.0, 1.0, 0.3, 0.1, 1e-4]
# lnl standardizes rows as it reads them; "standardized input" fits the
# matrix that scikit-learn and liblinear receive, already standardized.
LNL_VARIANTS = [("lnl", []), ("lnl, standardized input", ["--standardize-first"])]
LIBLINEAR_EPS_BINARY = [1e-1, 1e-2, 1e-3, 1e-4]
LIBLINEAR_EPS_MULTICLASS = [1e-2, 1e-3]
GAPS = [1e-6, 1e-9]


def objective(X, y, W, b, C):
    """Return lnl's objective f(W, b) for W (n_logits x d) and b (n_logits)."""
    Z = X @ W.T + b
    if W.shape[0] == 1:
        z = Z[:, 0]
        losses = np.logaddexp(0.0, z) - y * z
    else:
        losses = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    return 0.5 * float(np.sum(W * W)) + C * float(np.sum(losses))


def accuracy(X, y, W, b):
    Z = X @ W.T + b
    if W.shape[0] == 1:
        predicted = (Z[:, 0] > 0).astype(int)
    else:
        predicted = np.argmax(Z, axis=1)
    return float(np.mean(predicted == y))


def run_bench_fit(args, tol, theta_path, write_data=None, repeats=1, options=()):
    command = [args.bench_fit, str(args.samples), str(args.features), str(args.classes),
               repr(args.C), "--tol", repr(tol), "--repeats", str(repeats),
               "--write-theta", theta_path, *options]
    if write_data is not None:
        command += ["--write-data", write_data]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", output))
    return {"seconds": float(fields["seconds"]), "iterations": int(fields["iterations"]),
            "evaluations": int(fields["evaluations"]), "reported": float(fields["objective"])}


def read_theta(path, d, n_logits):
    theta = np.loadtxt(path)
    return theta[:n_logits * d].reshape(n_logits, d), theta[n_logits * d:]


def read_liblinear_model(path, d):
    """Return (labels, bias, w) of a liblinear model file, w as (d + 1) x columns."""
    header = {}
    with open(path) as model:
        for line in model:
            if line.strip() == "w":
                break
            key, *values = line.split()
            header[key] = values
        w = np.array([[float(v) for v in line.split()] for line in model])
    labels = [int(v) for v in header["label"]]
    bias = float(header["bias"][0])
    if w.shape[0] != d + 1:
        raise ValueError(f"{path}: expected {d + 1} weight rows, found {w.shape[0]}")
    return labels, bias, w


def liblinear_fit(args, data_path, model_path, eps):
    command = ["liblinear-train", "-q", "-s", "0", "-c", repr(args.C), "-B", "1",
               "-e", repr(eps), data_path, model_path]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-fit", required=True, help="path of the bench_fit program")
    parser.add_argument("--classes", type=int, required=True, help="K")
    parser.add_argument("--samples", type=int, default=100000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3,
                        help="fits per lnl and scikit-learn setting; the fastest counts")
    parser.add_argument("--work", required=True, help="folder for data and solutions")
    parser.add_argument("--json", required=True, help="summary file to write")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    k, d = args.classes, args.features
    n_logits = 1 if k == 2 else k
    prefix = os.path.join(args.work, f"fit{k}")
    runs = []

    # the data, and a reference solution at a tolerance past every other run
    reference_path = prefix + ".lnl.reference"
    reference = run_bench_fit(args, 1e-10, reference_path, write_data=prefix)
    X = np.load(prefix + ".X.npy")
    y = np.load(prefix + ".y.npy").astype(np.int64)
    W, b = read_theta(reference_path, d, n_logits)
    reference["objective"] = objective(X, y, W, b, args.C)
    formula_error = abs(reference["objective"] - reference["reported"]) / reference["objective"]

    # lnl
    for solver, options in LNL_VARIANTS:
        for tol in LNL_TOLS:
            theta_path = f"{prefix}.lnl.{tol:g}"
            result = run_bench_fit(args, tol, theta_path, repeats=args.repeats, options=options)
            W, b = read_theta(theta_path, d, n_logits)
            runs.append({"solver": solver, "setting": f"tol={tol:g}",
                         "seconds": result["seconds"], "iterations": result["iterations"],
                         "evaluations": result["evaluations"],
                         "objective": objective(X, y, W, b, args.C),
                         "accuracy": accuracy(X, y, W, b)})
            formula_error = max(formula_error, abs(runs[-1]["objective"] - result["reported"])
                                / result["reported"])

    # scikit-learn
    for tol in SKLEARN_TOLS:
        best = None
        for _ in range(args.repeats):
            model = LogisticRegression(C=args.C, tol=tol, max_iter=100000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(X, y)
                seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        W, b = model.coef_, model.intercept_
        runs.append({"solver": "scikit-learn", "setting": f"tol={tol:g}", "seconds": best,
                     "iterations": int(np.max(model.n_iter_)),
                     "objective": objective(X, y, W, b, args.C),
                     "accuracy": accuracy(X, y, W, b)})

    # liblinear
    data_path = prefix + ".libsvm"
    load_seconds = min(liblinear_fit(args, data_path, prefix + ".ll.load", 1e30)
                       for _ in range(2))
    eps_list = LIBLINEAR_EPS_BINARY if k == 2 else LIBLINEAR_EPS_MULTICLASS
    for eps in eps_list:
        model_path = f"{prefix}.ll.{eps:g}"
        repeats = 2 if k == 2 else 1
        seconds = min(liblinear_fit(args, data_path, model_path, eps)
                      for _ in range(repeats)) - load_seconds
        labels, bias, w = read_liblinear_model(model_path, d)
        run = {"solver": "liblinear", "setting": f"-e {eps:g}", "seconds": seconds,
               "iterations": None}
        if k == 2:
            # The first label of the file is the positive class of w.
            sign = 1.0 if labels[0] == 1 else -1.0
            W = sign * w[:d, 0][None, :]
            b = sign * np.array([w[d, 0] * bias])
            run["objective"] = objective(X, y, W, b, args.C)
            run["accuracy"] = accuracy(X, y, W, b)
        else:
            # One-vs-rest: column c scores label labels[c] against the rest.
            order = np.argsort(labels)
            W = w[:d, order].T
            b = w[d, order] * bias
            run["objective"] = None
            run["accuracy"] = accuracy(X, y, W, b)
            run["own_objective"] = sum(
                0.5 * (float(np.sum(W[c] ** 2)) + (b[c] / bias) ** 2)
                + args.C * float(np.sum(np.logaddexp(0.0, -np.where(y == c, 1.0, -1.0)
                                                    * (X @ W[c] + b[c]))))
                for c in range(k))
        runs.append(run)

    # gaps to the best objective found, and the time each solver needs to reach a gap
    best_objective = min([reference["objective"]] +
                         [r["objective"] for r in runs if r["objective"] is not None])
    for run in runs:
        if run["objective"] is not None:
            run["gap"] = (run["objective"] - best_objective) / abs(best_objective)
    time_to_gap = {}
    for solver in [name for name, _ in LNL_VARIANTS] + ["scikit-learn", "liblinear"]:
        for gap in GAPS:
            reached = [r for r in runs if r["solver"] == solver and r.get("gap") is not None
                       and r["gap"] <= gap]
            fastest = min(reached, key=lambda r: r["seconds"]) if reached else None
            time_to_gap[f"{solver} {gap:g}"] = (
                {"seconds": fastest["seconds"], "setting": fastest["setting"]} if fastest else None)

    summary = {"classes": k, "samples": args.samples, "features": d, "C": args.C,
               "best_objective": best_objective, "formula_error": formula_error,
               "reference": reference,
               "liblinear_load_seconds": load_seconds, "runs": runs,
               "time_to_gap": time_to_gap, "sklearn_version": sklearn.__version__,
               "numpy_version": np.__version__}
    with open(args.json, "w") as out:
        json.dump(summary, out, indent=1)


if __name__ == "__main__":
    main()
