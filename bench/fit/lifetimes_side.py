"""lifetimes 0.11.3 side of bench/fit: fit or predict on a summary CSV, print JSON with the time taken.

    python lifetimes_side.py fit bgnbd|pnbd FILE.csv
    python lifetimes_side.py predict bgnbd FILE.csv HORIZON
Times cover the fit (or the predictions) only, not reading the CSV, as on the Swift side.
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, ParetoNBDFitter

warnings.simplefilter("ignore")
mode, model, path = sys.argv[1], sys.argv[2], sys.argv[3]
d = pd.read_csv(path)
f, r, T = d["frequency"].values, d["recency"].values, d["T"].values
if mode == "fit":
    start = time.perf_counter()
    if model == "pnbd":
        m = ParetoNBDFitter().fit(f, r, T)
        names = ["r", "alpha", "s", "beta"]
    else:
        m = BetaGeoFitter().fit(f, r, T)
        names = ["r", "alpha", "a", "b"]
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "params": [float(m.params_[k]) for k in names]}))
else:
    horizon = float(sys.argv[4])
    m = BetaGeoFitter().fit(f, r, T)
    start = time.perf_counter()
    e = m.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, T)
    p = m.conditional_probability_alive(f, r, T)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "sum_expected": float(np.sum(e)), "sum_p_alive": float(np.sum(p)),
                      "params": [float(m.params_[k]) for k in ["r", "alpha", "a", "b"]]}))
