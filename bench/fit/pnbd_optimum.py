"""Which Pareto/NBD parameters are the maximum likelihood: lifetimes' at its default tolerance, or clv's?

    python pnbd_optimum.py FILE.csv CLV_JSON
CLV_JSON is `clv fit --model pnbd --summary FILE.csv --format json`. Prints, for lifetimes 0.11.3 fitted at its
default tol (1e-4) and again at tol 1e-10 (from the same start), and for clv: the parameters, lifetimes' own
negative log-likelihood at them (in the file's time unit), its gradient norm in log-parameters, and the largest relative difference
to clv. lifetimes fits Pareto/NBD with Nelder-Mead and stops at tol, so at its default it can stop short.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from lifetimes import ParetoNBDFitter

warnings.simplefilter("ignore")
path, clv_json = sys.argv[1], sys.argv[2]
d = pd.read_csv(path)
f, r, T = d["frequency"].values, d["recency"].values, d["T"].values
w = np.ones(len(f))
names = ["r", "alpha", "s", "beta"]


def nll(params):
    return ParetoNBDFitter._negative_log_likelihood(params, f, r, T, w, 0.0)


def gradient(x):
    # Central differences in log-parameters (lifetimes' hyp2f1 has no autograd rule).
    g = np.zeros(len(x))
    for i in range(len(x)):
        step = np.zeros(len(x))
        step[i] = 1e-6
        g[i] = (nll(x * np.exp(step)) - nll(x * np.exp(-step))) / 2e-6
    return g


def row(label, params):
    x = np.array(params)
    return label, params, float(nll(x)), float(np.linalg.norm(gradient(x)))


clv = json.load(open(clv_json))["params"]
clv_params = [clv[k] for k in names]
rows = [row("clv", clv_params)]
for tol in (1e-4, 1e-10):
    m = ParetoNBDFitter().fit(d["frequency"], d["recency"], d["T"], tol=tol)
    rows.append(row(f"lifetimes tol={tol:g}", [float(m.params_[k]) for k in names]))
for label, params, value, gnorm in rows:
    rel = max(abs(a - b) / abs(b) for a, b in zip(params, clv_params))
    shown = " ".join(f"{k}={v:.8g}" for k, v in zip(names, params))
    print(f"{label:22} {shown} | NLL {value:.6f} | |grad| {gnorm:.2e} | rel diff to clv {rel:.1e}")
