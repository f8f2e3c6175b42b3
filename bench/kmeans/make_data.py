"""Writes the two k-means benchmark inputs (numpy, seeded) as CSV with a header line:

- blobs.csv: 200,000 x 16 standardised features: 12 Gaussian blobs of unequal size and spread (customer-feature-like),
  then StandardScaler (mean 0, population std 1 per column);
- embeddings.csv: 20,000 x 384 unit vectors around 20 random directions (sentence-embedding-like).
Usage: python make_data.py OUT_DIR [N_BLOBS] [N_EMBEDDINGS]
"""
import os
import sys

import numpy as np

out = sys.argv[1]
n_blobs = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
n_emb = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def write(path, x):
    header = ",".join(f"f{j}" for j in range(x.shape[1]))
    np.savetxt(path, x, delimiter=",", header=header, comments="", fmt="%.17g")


centres = rng.normal(scale=3.0, size=(12, 16))
weights = rng.dirichlet(np.ones(12) * 2)
labels = rng.choice(12, size=n_blobs, p=weights)
spreads = rng.uniform(0.5, 2.0, size=12)
x = centres[labels] + rng.normal(size=(n_blobs, 16)) * spreads[labels, None]
x = (x - x.mean(axis=0)) / x.std(axis=0)
write(os.path.join(out, "blobs.csv"), x)

directions = rng.normal(size=(20, 384))
directions /= np.linalg.norm(directions, axis=1, keepdims=True)
labels = rng.integers(0, 20, size=n_emb)
e = directions[labels] + rng.normal(scale=0.05, size=(n_emb, 384))
e /= np.linalg.norm(e, axis=1, keepdims=True)
write(os.path.join(out, "embeddings.csv"), e)
