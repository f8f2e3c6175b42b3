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
    fp = cls(penalizer_coef=0.1).fit(x, tx, T)
    entry["penalized_0.1"] = {k: float(v) for k, v in fp.params_.items()}
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
}
path = os.path.join(root, "Tests", "CLVModelsTests", "Resources", "lifetimes_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", path)
