"""Writes the three small synthetic order files of the legacy-database fixture (Tests/CLVSQLiteTests/Resources).

The fixture pins line keys: a database written by CLVKit at commit 6b8f93f must recognise every line of these
files when they are imported again by later code. The files are synthetic (seeded), so no real data is committed.
They cover the three layouts whose format signature feeds the keys: the CDNOW sample preset (whitespace, no
header, compact dates), the Online Retail preset (quantity x price, cancellations, guest lines, identical lines in
one invoice) and a custom semicolon export with a date pattern.

    python3 tools/data/make_legacy_orders.py OUTPUT_DIR
"""
import random
import sys
from pathlib import Path


def main(out: Path) -> None:
    rng = random.Random(20261201)
    out.mkdir(parents=True, exist_ok=True)

    # CDNOW sample layout: orig_id customer_id yyyymmdd cds dollars (no header, space separated).
    rows = []
    for customer in range(1, 61):
        day = rng.randrange(0, 80)
        for _ in range(rng.randrange(1, 6)):
            y, m, d = 1997, 1 + day // 28, 1 + day % 28
            rows.append(f"{customer:05d} {customer} {y}{m:02d}{d:02d} {rng.randrange(1, 5)} {rng.randrange(500, 9000) / 100:.2f}")
            day += rng.randrange(1, 120)
            if day >= 540:
                break
    (out / "cdnow-sample.txt").write_text("\n".join(rows) + "\n")

    # Online Retail layout, with cancellations, guest lines and an invoice that lists one item twice.
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    invoice = 536365
    for _ in range(80):
        customer = "" if rng.random() < 0.1 else str(12340 + rng.randrange(40))
        cancelled = rng.random() < 0.08
        stamp = f"2011-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} {rng.randrange(8, 20):02d}:{rng.randrange(60):02d}:00"
        country = rng.choice(["United Kingdom", "France", "Germany", "EIRE"])
        items = []
        for _ in range(rng.randrange(1, 5)):
            code = f"{rng.randrange(20000, 23000)}{rng.choice(['', 'A', 'B'])}"
            quantity = rng.randrange(1, 24) * (-1 if cancelled else 1)
            items.append(f"{code},\"ITEM {code}, BOXED\",{quantity},{stamp},{rng.randrange(40, 1500) / 100:.2f},{customer},{country}")
        if rng.random() < 0.1:
            items.append(items[0])
        number = f"C{invoice}" if cancelled else str(invoice)
        lines += [f"{number},{item}" for item in items]
        invoice += 1
    (out / "online-retail.csv").write_text("\r\n".join(lines) + "\r\n")

    # A shop's own export: semicolons, day-first dates with a time, amounts, order and product ids.
    lines = ["order;client;placed;total;sku"]
    for n in range(120):
        client = f"c-{rng.randrange(30):03d}"
        when = f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/2024 {rng.randrange(24):02d}:{rng.randrange(60):02d}"
        total = rng.randrange(-2000, 20000) / 100
        lines.append(f"o{n:04d};{client};{when};{total:.2f};sku{rng.randrange(50)}")
    (out / "custom.csv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
