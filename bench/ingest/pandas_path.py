"""The path a lifetimes user takes on Online Retail: read_csv, clean, summary_data_from_transaction_data.

Prints the best wall time of N runs in seconds. Persists nothing.
"""
import sys
import time

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data


def run(path: str) -> int:
    df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    df = df[df["CustomerID"].notna()]
    df = df[~df["InvoiceNo"].str.startswith("C") & (df["Quantity"] >= 0) & (df["UnitPrice"] >= 0)]
    df = df.assign(date=pd.to_datetime(df["InvoiceDate"]).dt.normalize(), amount=df["Quantity"] * df["UnitPrice"])
    summary = summary_data_from_transaction_data(
        df, "CustomerID", "date", monetary_value_col="amount", observation_period_end="2011-12-09", freq="D"
    )
    return len(summary)


if __name__ == "__main__":
    path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        customers = run(path)
        best = min(best, time.perf_counter() - start)
    print(f"{best:.4f} {customers}")
