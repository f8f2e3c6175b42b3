#!/usr/bin/env python3
"""Reference summaries for Online Retail, computed the way a lifetimes user would, independent of CLVKit.

Reads the UCI Online Retail CSV with pandas, applies CLVKit's documented cleaning rules (drop lines without a
CustomerID; drop cancellations: InvoiceNo starting with 'C' or Quantity < 0; drop negative unit prices; amount =
Quantity x UnitPrice, identical lines kept as separate purchases) and calls lifetimes'
summary_data_from_transaction_data / calibration_and_holdout_data with daily frequency.

Writes Tests/CLVDataTests/Resources/online_retail_reference.csv for a spread of customers. Needs
`pip install lifetimes==0.11.3` (pandas, numpy come with it).

    python3 tools/data/online_retail_reference.py ../shared/data/online-retail/online_retail.csv
"""
import json
import sys
from pathlib import Path

import pandas as pd
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

CALIBRATION_END = "2011-06-30"
HOLDOUT_END = "2011-12-09"


def main(path: str) -> None:
    df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    negative_price = df["UnitPrice"] < 0
    cancellation = (df["InvoiceNo"].str.startswith("C") | (df["Quantity"] < 0)) & ~negative_price
    counts = {
        "lines": len(df),
        "negative_price": int(negative_price.sum()),
        "cancellations": int(cancellation.sum()),
        "guest_lines": int((df["CustomerID"].isna() & ~negative_price).sum()),
        "customers_with_purchases": 0,
        "net_revenue": float((df["Quantity"] * df["UnitPrice"])[~negative_price].sum()),
    }
    df = df[df["CustomerID"].notna()]
    df = df[~df["InvoiceNo"].str.startswith("C") & (df["Quantity"] >= 0) & (df["UnitPrice"] >= 0)]
    df = df.assign(
        customer_id=df["CustomerID"].str.replace(r"\.0$", "", regex=True),
        date=pd.to_datetime(df["InvoiceDate"]).dt.normalize(),
        amount=df["Quantity"] * df["UnitPrice"],
    )
    full = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", observation_period_end=HOLDOUT_END, freq="D"
    )
    split = calibration_and_holdout_data(
        df, "customer_id", "date", monetary_value_col="amount",
        calibration_period_end=CALIBRATION_END, observation_period_end=HOLDOUT_END, freq="D",
    )
    # lifetimes 0.11.3 averages holdout spend over lines, not purchase days (utils.py, calibration_and_holdout_data),
    # unlike its calibration spend. CLVKit uses purchase days in both windows, so recompute that column per day.
    holdout = df[(df["date"] > CALIBRATION_END) & (df["date"] <= HOLDOUT_END)]
    per_day = holdout.groupby(["customer_id", "date"])["amount"].sum().groupby(level="customer_id").mean()
    split["monetary_value_holdout"] = per_day.reindex(split.index).fillna(0.0)
    counts["customers_with_purchases"] = len(full)
    # A spread of customers: the first and last ids, the most frequent, and every 97th in between.
    ids = sorted(split.index, key=int)
    chosen = set(ids[::97]) | {ids[0], ids[-1]} | set(split["frequency_cal"].nlargest(5).index)
    rows = []
    for cid in sorted(chosen, key=int):
        c, f = split.loc[cid], full.loc[cid]
        rows.append({
            "customer_id": cid,
            "frequency": int(f["frequency"]), "recency": f["recency"], "T": f["T"], "monetary_value": f["monetary_value"],
            "frequency_cal": int(c["frequency_cal"]), "recency_cal": c["recency_cal"], "T_cal": c["T_cal"],
            "monetary_value_cal": c["monetary_value_cal"], "frequency_holdout": int(c["frequency_holdout"]),
            "monetary_value_holdout": c["monetary_value_holdout"], "duration_holdout": c["duration_holdout"],
        })
    out = Path(__file__).resolve().parents[2] / "Tests/CLVDataTests/Resources/online_retail_reference.csv"
    pd.DataFrame(rows).to_csv(out, index=False, float_format="%.6f")
    out.with_name("online_retail_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    print(f"wrote {len(rows)} customers ({len(full)} in all) to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/online-retail/online_retail.csv")
