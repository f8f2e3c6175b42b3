"""lifetimes 0.11.3 side of bench/fit, as a pandas + lifetimes user runs it: read_csv, then fit (or predict).

    python lifetimes_side.py fit bgnbd|pnbd FILE.csv
    python lifetimes_side.py predict FILE.csv HORIZON OUT.csv
Prints JSON: seconds (read_csv + fit, or read_csv + fits + predictions + writing the CSV), the part spent in the
fit itself, and the parameters. Interpreter start and imports are not counted (they are for CLVKit's process).
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

warnings.simplefilter("ignore")
mode = sys.argv[1]
if mode == "fit":
    model, path = sys.argv[2], sys.argv[3]
    start = time.perf_counter()
    d = pd.read_csv(path)
    fit_start = time.perf_counter()
    if model == "pnbd":
        m = ParetoNBDFitter().fit(d["frequency"], d["recency"], d["T"])
        names = ["r", "alpha", "s", "beta"]
    else:
        m = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
        names = ["r", "alpha", "a", "b"]
    end = time.perf_counter()
    print(json.dumps({"seconds": end - start, "fit_seconds": end - fit_start, "params": [float(m.params_[k]) for k in names]}))
else:
    path, horizon, out = sys.argv[2], float(sys.argv[3]), sys.argv[4]
    start = time.perf_counter()
    d = pd.read_csv(path)
    f, r, T = d["frequency"], d["recency"], d["T"]
    bg = BetaGeoFitter().fit(f, r, T)
    repeat = d[d["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    predict_start = time.perf_counter()
    expected = bg.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, T)
    alive = bg.conditional_probability_alive(f, r, T)
    # CLV over the horizon in whole months at 1% a month, as `clv predict` computes it (4.345 weeks a month).
    months = max(1, round(horizon / 4.345))
    clv = gg.customer_lifetime_value(bg, f, r, T, d["monetary_value"], time=months, discount_rate=0.01, freq="W")
    pd.DataFrame({"customer_id": d["customer_id"], "expected_purchases": expected, "p_alive": alive, "clv": clv}).to_csv(out, index=False)
    end = time.perf_counter()
    print(json.dumps({"seconds": end - start, "predict_seconds": end - predict_start,
                      "sum_expected": float(np.sum(expected)), "sum_p_alive": float(np.sum(alive)), "sum_clv": float(np.sum(clv)),
                      "params": [float(bg.params_[k]) for k in ["r", "alpha", "a", "b"]]}))
