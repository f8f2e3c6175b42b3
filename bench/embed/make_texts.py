#!/usr/bin/env python3
"""Benchmark inputs for bench/embed: writes OUT_DIR/products.txt and OUT_DIR/reviews.txt.

products.txt: the first 1,000 distinct Online Retail product descriptions in file order
(../shared/data/online-retail/online_retail.csv). reviews.txt: 256 review-like texts of 3-6 sentences,
assembled deterministically (seeded) from the sentence templates below; the same texts on every run.
"""
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ROOT.parent / "shared" / "data" / "online-retail" / "online_retail.csv"

OPENINGS = [
    "I ordered the {item} for my {person}'s birthday and it arrived {when}.",
    "Bought this {item} after reading the other reviews, and I am {feeling} with it.",
    "The {item} looks exactly like the photos, maybe a little {adjective} in real life.",
    "This is my third {item} from this shop and the quality is {quality} as always.",
    "We needed a {item} for the kitchen and this one was the best value we could find.",
]
MIDDLES = [
    "The packaging was {quality} and nothing was broken, although the box was slightly dented.",
    "Delivery took {days} days, which is longer than promised, but customer service answered quickly.",
    "The colours are {adjective} and it matches the rest of our {room} nicely.",
    "After {weeks} weeks of daily use it still looks new and cleans easily.",
    "My {person} said it was the nicest present she got this year.",
    "It is smaller than I expected, so check the measurements before you buy.",
    "The price went up by {percent} percent between adding it to the basket and checking out, which annoyed me.",
    "I had to return the first one because a handle was loose, and the replacement came within a week.",
]
CLOSINGS = [
    "Overall {stars} stars, and I would recommend it to friends.",
    "I will probably order the matching {item} for Christmas.",
    "Good value for money, but the delivery could be faster.",
    "Would not buy again at this price; there are better options elsewhere.",
    "Lovely product, lovely shop, thank you!",
]
FILL = {
    "item": ["teacup set", "cake stand", "lantern", "storage tin", "doormat", "lunch bag", "photo frame", "clock"],
    "person": ["mother", "sister", "grandmother", "friend", "daughter", "neighbour"],
    "when": ["two days early", "on time", "a week late", "the next morning"],
    "feeling": ["very happy", "a bit disappointed", "delighted", "mostly satisfied"],
    "adjective": ["brighter", "softer", "darker", "more vivid", "paler"],
    "quality": ["excellent", "good", "fine", "disappointing", "superb"],
    "days": ["three", "five", "eight", "ten"],
    "weeks": ["two", "six", "ten", "twelve"],
    "room": ["living room", "kitchen", "hallway", "garden"],
    "percent": ["ten", "fifteen", "twenty"],
    "stars": ["five", "four", "three", "two"],
}


def fill(template: str, rng: random.Random) -> str:
    return template.format(**{k: rng.choice(v) for k, v in FILL.items()})


def reviews(count: int) -> list[str]:
    rng = random.Random(20260729)
    out = []
    for _ in range(count):
        middle = rng.sample(MIDDLES, rng.randint(2, 4))
        out.append(" ".join([fill(rng.choice(OPENINGS), rng)] + [fill(m, rng) for m in middle] + [fill(rng.choice(CLOSINGS), rng)]))
    return out


def products(count: int) -> list[str]:
    seen, out = set(), []
    with open(RETAIL, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            d = (row["Description"] or "").strip()
            if d and d not in seen:
                seen.add(d)
                out.append(d)
                if len(out) == count:
                    break
    return out


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "products.txt").write_text("\n".join(products(1000)) + "\n", encoding="utf-8")
    (out / "reviews.txt").write_text("\n".join(reviews(256)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
