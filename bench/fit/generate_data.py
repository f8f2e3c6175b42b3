"""Customer summary CSVs for bench/fit, generated once with numpy (seeded), read by both sides.

    python generate_data.py OUT_DIR [N_BGNBD] [N_PNBD]

Writes, for each model (BG/NBD with N_BGNBD customers, Pareto/NBD with N_PNBD), three files of the same simulated
customers (CDNOW parameters; first purchases spread over 26 weeks, observed to week 52; times in weeks):
  {model}_continuous.csv  purchase times as simulated (shortest round-trip digits: nothing repeats)
  {model}_daily.csv       recency and T floored to whole days (as a daily transaction log summarises)
  {model}_weekly.csv      recency and T floored to whole weeks (CDNOW-like coarse data)
Columns: customer_id,frequency,recency,T,monetary_value (Gamma-Gamma spend, for the predictions).
"""
import os
import sys

import numpy as np

out, n_bg, n_pn = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000, int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
os.makedirs(out, exist_ok=True)
OBSERVATION_END, COHORT = 52.0, 26.0


def bgnbd(n, rng, r=0.2426, alpha=4.4136, a=0.7929, b=2.4259):
    """BG/NBD: Poisson purchases at λ ~ Gamma(r, α) until a dropout with p ~ Beta(a, b) after each purchase."""
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    age = OBSERVATION_END - rng.uniform(0, COHORT, n)
    x, tx = np.zeros(n, dtype=np.int64), np.zeros(n)
    t = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.nonzero(active)[0]
        nxt = t[idx] + rng.exponential(1, idx.size) / lam[idx]
        bought = nxt <= age[idx]
        hit = idx[bought]
        x[hit] += 1
        tx[hit] = nxt[bought]
        t[hit] = nxt[bought]
        dies = rng.uniform(size=hit.size) < p[hit]
        active[idx[~bought]] = False
        active[hit[dies]] = False
    return x, tx, age


def pnbd(n, rng, r=0.5532, alpha=10.577, s=0.6062, beta=11.668):
    """Pareto/NBD: Poisson purchases at λ ~ Gamma(r, α) over an exponential lifetime with μ ~ Gamma(s, β)."""
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    age = OBSERVATION_END - rng.uniform(0, COHORT, n)
    alive_for = np.minimum(rng.exponential(1, n) / mu, age)
    x = rng.poisson(lam * alive_for)
    # The last of x uniform purchase times on [0, alive_for].
    tx = np.where(x > 0, alive_for * rng.uniform(size=n) ** (1 / np.maximum(x, 1)), 0.0)
    return x, tx, age


def spend(x, rng, p=6.25, q=3.74, v=15.44):
    """Gamma-Gamma mean spend of the repeat purchases (0 without repeats)."""
    nu = rng.gamma(q, 1 / v, x.size)
    mean = rng.gamma(p * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1)))
    return np.where(x > 0, mean, 0.0)


def write(path, x, tx, age, m):
    # repr of a float is its shortest round-trip form, as pandas' to_csv writes it.
    with open(path, "w") as f:
        f.write("customer_id,frequency,recency,T,monetary_value\n")
        f.writelines(f"{i},{a},{b!r},{c!r},{d!r}\n" for i, (a, b, c, d) in enumerate(zip(x.tolist(), tx.tolist(), age.tolist(), m.tolist())))


for name, simulate, n, seed in [("bgnbd", bgnbd, n_bg, 1), ("pnbd", pnbd, n_pn, 2)]:
    rng = np.random.default_rng(seed)
    x, tx, age = simulate(n, rng)
    m = np.round(spend(x, rng), 2)
    write(f"{out}/{name}_continuous.csv", x, tx, age, m)
    for label, step in [("daily", 1 / 7), ("weekly", 1.0)]:
        q_age = np.floor(age / step) * step
        q_tx = np.where(x > 0, np.minimum(np.floor(tx / step) * step, q_age), 0.0)
        write(f"{out}/{name}_{label}.csv", x, q_tx, q_age, m)
