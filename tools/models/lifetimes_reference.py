"""Reference outputs of lifetimes 0.11.3 on the CDNOW sample and the donations panel.

Writes Tests/CLVModelsTests/Resources/lifetimes_reference.json, which the Swift tests compare against.
Run from the repository root with the models venv:
    /work/venv-models/bin/python tools/models/lifetimes_reference.py
(lifetimes 0.11.3 works with numpy 2.4, pandas 3.1, scipy 1.17, autograd 1.9 as installed by `pip install lifetimes==0.11.3`.)
"""
import json
import os
import warnings

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, ParetoNBDFitter, ModifiedBetaGeoFitter, GammaGammaFitter, BetaGeoBetaBinomFitter

warnings.simplefilter("ignore")
np.random.seed(0)  # ParetoNBDFitter starts Nelder-Mead from a random point
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
data = os.environ.get("CLV_DATA", os.path.expanduser("~/.cache/clvkit/data"))
d = pd.read_csv(os.path.join(data, "cdnow", "cdnow_customers_summary_with_transactions.csv"))
x, tx, T, m = d["x"], d["t_x"], d["T"], d["zbar"]

probe = pd.DataFrame({"x": [0, 1, 2, 7, 26], "t_x": [0.0, 5.0, 30.43, 20.0, 30.857], "T": [38.86, 38.86, 38.86, 38.0, 31.0]})
out = {"probe": probe.to_dict(orient="list")}


def predictions(f, t=39.0):
    return {
        "expected": list(f.conditional_expected_number_of_purchases_up_to_time(t, probe["x"], probe["t_x"], probe["T"]).astype(float)),
        "p_alive": list(np.asarray(f.conditional_probability_alive(probe["x"], probe["t_x"], probe["T"]), dtype=float).ravel()),
        "unconditional": list(np.asarray(f.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 39.0, 78.0])), dtype=float)),
    }


for name, cls in [("bgnbd", BetaGeoFitter), ("pnbd", ParetoNBDFitter), ("mbgnbd", ModifiedBetaGeoFitter)]:
    f = cls().fit(x, tx, T)
    entry = {"params": {k: float(v) for k, v in f.params_.items()}, "log_likelihood": float(f._negative_log_likelihood_)}
    entry.update(predictions(f))
    # P(X(39) = n) for a new customer, n = 0..4.
    entry["p_n_39"] = [float(f.probability_of_n_purchases_up_to_time(39.0, n)) for n in range(5)] if name != "pnbd" else []
    if name == "pnbd":
        # P(X(T, T+39) = n | history) for the probe customers, n = 0..3 (lifetimes' eq. from Fader & Hardie note 009).
        entry["conditional_p_n_39"] = [
            [float(f.conditional_probability_of_n_purchases_up_to_time(n, 39.0, px, ptx, pT)) for n in range(4)]
            for px, ptx, pT in zip(probe["x"], probe["t_x"], probe["T"])
        ]
    fp = cls(penalizer_coef=0.1).fit(x, tx, T)
    entry["penalized_0.1"] = {k: float(v) for k, v in fp.params_.items()}
    if name == "pnbd":
        # lifetimes fits Pareto/NBD by Nelder-Mead with tol 1e-6, which stops ~1e-4 short of the optimum on this flat
        # likelihood. Polish both of its optima on lifetimes' own objective with a much tighter Nelder-Mead.
        from scipy.optimize import minimize
        scale = 1.0 / T.max()
        w = np.ones(len(x))
        for key, fitted, pen in (("tight", f, 0.0), ("penalized_0.1_tight", fp, 0.1)):
            p0 = np.array([fitted.params_["r"], fitted.params_["alpha"] * scale, fitted.params_["s"], fitted.params_["beta"] * scale])
            res = minimize(cls._negative_log_likelihood, p0, args=(x.values, tx.values * scale, T.values * scale, w, pen),
                           method="Nelder-Mead", options=dict(xatol=1e-11, fatol=1e-13, maxiter=40000, maxfev=80000))
            q = res.x.copy()
            q[1] /= scale
            q[3] /= scale
            entry[key] = dict(zip(["r", "alpha", "s", "beta"], map(float, q)))
    out[name] = entry

rep = d[d["x"] > 0]
gg = GammaGammaFitter().fit(rep["x"], rep["zbar"])
bg = BetaGeoFitter().fit(x, tx, T)
clv = gg.customer_lifetime_value(bg, probe["x"], probe["t_x"], probe["T"], pd.Series([20.0, 20.0, 35.0, 15.0, 42.0]),
                                 time=12, discount_rate=0.01, freq="W")
out["gg"] = {
    "params": {k: float(v) for k, v in gg.params_.items()},
    "expected_spend": list(gg.conditional_expected_average_profit(pd.Series([1, 2, 7, 26]), pd.Series([20.0, 35.0, 15.0, 42.0])).astype(float)),
    "clv_bgnbd_12_months_0.01": list(clv.astype(float)),
    "clv_monetary": [20.0, 20.0, 35.0, 15.0, 42.0],
}

don = pd.read_csv(os.path.join(data, "cdnow", "donations.csv"))
bb = BetaGeoBetaBinomFitter().fit(don["frequency"], don["recency"], don["periods"], weights=don["weights"])
out["bgbb"] = {
    "params": {k: float(v) for k, v in bb.params_.items()},
    "expected_5": list(bb.conditional_expected_number_of_purchases_up_to_time(5, don["frequency"], don["recency"], don["periods"]).astype(float)),
    "p_alive": list(np.asarray(bb.conditional_probability_alive(0, don["frequency"], don["recency"], don["periods"]), dtype=float)),
    "p_alive_in_3": list(np.asarray(bb.conditional_probability_alive(3, don["frequency"], don["recency"], don["periods"]), dtype=float)),
    # Expected number of donors with x = 0..6 donations in the first 6 opportunities: N · P(X(6) = x), eq. 8.
    "first_6_periods": [float(v) for v in bb.expected_number_of_transactions_in_first_n_periods(6)["model"].values],
}
path = os.path.join(root, "Tests", "CLVModelsTests", "Resources", "lifetimes_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", path)
