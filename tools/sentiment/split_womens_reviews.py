"""Women's E-Commerce Clothing Reviews as text,label CSVs: ratings 1-2 negative, 3 neutral, 4-5 positive.

Text is the title and the review joined; reviews without text are left out. A seeded 80/20 split, so the
held-out figures in the README can be reproduced:
    python3 tools/sentiment/split_womens_reviews.py SOURCE.csv OUT_DIR
"""
import csv
import random
import sys

source, out = sys.argv[1], sys.argv[2]
rows = []
for r in csv.DictReader(open(source, encoding="utf-8")):
    body = (r.get("Review Text") or "").strip()
    if not body:
        continue
    text = ((r.get("Title") or "").strip() + ". " + body).strip(". ").strip()
    rating = int(r["Rating"])
    rows.append((text, "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"))
random.Random(0).shuffle(rows)
cut = int(len(rows) * 0.8)
for name, part in (("train", rows[:cut]), ("test", rows[cut:])):
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(part)
print(f"{len(rows)} reviews: {cut} train, {len(rows) - cut} test")
