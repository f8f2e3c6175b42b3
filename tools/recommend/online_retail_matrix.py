#!/usr/bin/env python3
"""Online Retail as user,item,count CSVs for the recommendation benchmarks (standard library only).

Counts are quantities with returns netted per (customer, stock code) cell; lines without a CustomerID are
skipped; a cell whose net quantity is zero or less is dropped. Writes, into OUT_DIR:
  all.csv    every customer's net cells over the whole file (the 4,339 x 3,665 matrix bench/als times),
  train.csv  net cells of invoices dated before SPLIT (default 2011-09-01),
  test.csv   net cells from SPLIT on, for customers and items that appear in train.csv.
Usage: online_retail_matrix.py ONLINE_RETAIL_CSV OUT_DIR [SPLIT]
"""
import csv
import os
import sys
from collections import defaultdict


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    split = sys.argv[3] if len(sys.argv) > 3 else "2011-09-01"
    cells = {"all": defaultdict(float), "train": defaultdict(float), "test": defaultdict(float)}
    with open(source, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            customer = row["CustomerID"].strip()
            if not customer:
                continue
            customer = customer.split(".")[0]
            key = (customer, row["StockCode"].strip())
            quantity = float(row["Quantity"])
            cells["all"][key] += quantity
            cells["train" if row["InvoiceDate"][:10] < split else "test"][key] += quantity
    os.makedirs(out, exist_ok=True)
    train_users = {u for (u, _), q in cells["train"].items() if q > 0}
    train_items = {i for (_, i), q in cells["train"].items() if q > 0}
    for name, table in cells.items():
        with open(os.path.join(out, name + ".csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["user", "item", "count"])
            for (user, item), quantity in table.items():
                if quantity <= 0:
                    continue
                if name == "test" and (user not in train_users or item not in train_items):
                    continue
                writer.writerow([user, item, f"{quantity:g}"])
    shape = lambda t: (len({u for (u, _), q in t.items() if q > 0}), len({i for (_, i), q in t.items() if q > 0}), sum(q > 0 for q in t.values()))
    for name, table in cells.items():
        print(f"{name}: users x items x cells = {shape(table)}", file=sys.stderr)


if __name__ == "__main__":
    main()
