"""Write the scikit-learn reference fits that tests/test_linear.c checks.

Run from any folder with numpy, scipy and scikit-learn (written against
scikit-learn 1.2.1, scipy 1.10.1 and numpy 1.24.2):

    python3 tests/data/reference/make_reference.py

It writes, next to this script:
  binary.csv, multinomial.csv   200 rows, features x0,x1,x2, then label
  binary_fit.txt, multinomial_fit.txt
                                the fitted model as "key value..." lines:
                                coef (K x d row-major, one row for binary),
                                intercept, objective, gradient_max

Both fits are LogisticRegression(C=0.5, tol=1e-10, max_iter=10000,
solver="newton-cg") on the raw features, multi_class="multinomial" for the
3-class set. The default solver, lbfgs, stops on its relative decrease
test with a gradient max norm near 1e-4 on these sets, which leaves the
coefficients about 2e-6 from the optimum: too far for a 1e-6 comparison.
newton-cg reaches a gradient max norm below 1e-8. On the multinomial set
it stops improving near 1.5e-9, runs to max_iter and warns that it did not
converge. The script reports that warning and keeps the fit. objective is
0.5 * ||coef||^2 + C * sum_i loss_i at the fitted coefficients, the
objective lnl minimizes (scikit-learn minimizes a positive multiple of it,
which has the same minimizer). gradient_max is the max norm of that
objective's gradient there, so it shows how close the fit is to the exact
optimum.
"""
import os
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

C = 0.5
N_ROWS = 200
N_FEATURES = 3
HERE = os.path.dirname(os.path.abspath(__file__))


def make_data(rng, n_classes):
    """Gaussian features and labels drawn from a softmax model, so the
    classes overlap and the optimum is finite."""
    X = rng.normal(size=(N_ROWS, N_FEATURES)) * np.array([1.0, 2.0, 0.5]) + 0.3
    W = rng.normal(size=(n_classes, N_FEATURES))
    logits = X @ W.T
    P = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    y = np.array([rng.choice(n_classes, p=p) for p in P])
    return X, y


def loss_logits(X, coef, intercept):
    """Loss-ready logits: (0, z) for one coefficient row, else X W^T + b."""
    Z = X @ coef.T + intercept
    if coef.shape[0] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    return Z


def objective_and_gradient(X, y, coef, intercept):
    Z = loss_logits(X, coef, intercept)
    log_norm = logsumexp(Z, axis=1)
    loss = log_norm - Z[np.arange(len(y)), y]
    f = 0.5 * np.sum(coef**2) + C * np.sum(loss)

    # dLoss/dZ = softmax(Z) - onehot(y). The binary model keeps column 1.
    G = np.exp(Z - log_norm[:, None])
    G[np.arange(len(y)), y] -= 1.0
    if coef.shape[0] == 1:
        G = G[:, 1:]
    grad_coef = coef + C * G.T @ X
    grad_intercept = C * G.sum(axis=0)
    return f, max(np.abs(grad_coef).max(), np.abs(grad_intercept).max())


def write_csv(path, X, y):
    with open(path, "w") as out:
        out.write(",".join(f"x{j}" for j in range(X.shape[1])) + ",label\n")
        for row, label in zip(X, y):
            out.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")


def write_fit(path, coef, intercept, f, gradient_max):
    with open(path, "w") as out:
        out.write("coef " + " ".join(repr(float(v)) for v in coef.ravel()) + "\n")
        out.write("intercept " + " ".join(repr(float(v)) for v in intercept) + "\n")
        out.write(f"objective {float(f)!r}\n")
        out.write(f"gradient_max {float(gradient_max)!r}\n")


def main():
    rng = np.random.default_rng(20240601)
    for name, n_classes in (("binary", 2), ("multinomial", 3)):
        X, y = make_data(rng, n_classes)
        options = {"multi_class": "multinomial"} if n_classes > 2 else {}
        model = LogisticRegression(C=C, tol=1e-10, max_iter=10000, solver="newton-cg",
                                   **options)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        for warning in caught:
            print(f"{name}: scikit-learn warned: {warning.message}")
        f, gradient_max = objective_and_gradient(X, y, model.coef_, model.intercept_)

        write_csv(os.path.join(HERE, f"{name}.csv"), X, y)
        write_fit(os.path.join(HERE, f"{name}_fit.txt"), model.coef_, model.intercept_, f,
                  gradient_max)
        print(f"{name}: {model.n_iter_[0]} iterations, objective {f:.17g}, "
              f"gradient max norm {gradient_max:.3g}, class counts {np.bincount(y)}")


if __name__ == "__main__":
    main()
