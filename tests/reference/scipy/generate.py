"""Regenerates gamma.csv (not run by the tests): python generate.py, with numpy, scipy 1.17.1 and
mpmath 1.4.1 installed. Each row's last column names the call that produced its expected values."""

import collections
import csv

import mpmath as mp
import numpy as np
import scipy
import scipy.special as sp

mp.mp.dps = 40


def cornish_fisher(a, p):
    """Gamma quantile by the Cornish-Fisher expansion (Abramowitz & Stegun 26.4.18 with nu = 2a,
    halved) to O(1/a); its error is O(a^-3/2) absolute, below 1e-14 relative for a >= 1e7."""
    z = mp.sqrt(2) * mp.erfinv(2 * mp.mpf(p) - 1)
    a = mp.mpf(a)
    return (
        a
        + z * mp.sqrt(a)
        + (z**2 - 1) / 3
        + (z**3 - 7 * z) / (36 * mp.sqrt(a))
        - (6 * z**4 + 14 * z**2 - 32) / (1620 * a)
    )


def mp_pinv(a, p, x0):
    a, p = mp.mpf(a), mp.mpf(p)
    return mp.findroot(lambda x: mp.gammainc(a, 0, x, regularized=True) - p, mp.mpf(x0))


rows = []
counts = list(np.round(np.geomspace(1e-3, 20, 60), 12)) + [
    0.1, 0.3, 1, 2, 9, 10, 11, 25, 100, 999.5, 1e3, 9999, 1e4, 1.2345e5, 1e6, 1e7, 3e8, 1e9,
    1e10, 1e12, 1e13, 1e14, 1e15,
]
for conf in [0.95, 0.998, 0.8, 0.999999]:
    t = (1 - conf) / 2
    for o in counts:
        src = "scipy.special.gammaincinv(O, a/2); gammainccinv(O+1, a/2)"
        lo = sp.gammaincinv(o, t) if o > 0 else 0.0
        up = sp.gammainccinv(o + 1, t)
        # SciPy's gammaincinv stops early in the far lower tail of large shapes (at a = 1e6,
        # p = 5e-7 its answer has P(a, x) = 5.000027e-7 by mpmath): other sources there.
        if conf == 0.999999 and o >= 1e6:
            if o < 1e7:
                lo = mp_pinv(o, t, lo)
                src = "lower: mpmath findroot of gammainc (40 digits); upper: scipy gammainccinv"
            else:
                lo = cornish_fisher(o, t)
                src = "lower: Cornish-Fisher expansion to O(1/a) (mpmath, 40 digits); upper: scipy gammainccinv"
        rows.append(("exact_limits", repr(float(o)), repr(conf), repr(float(lo)), repr(float(up)), src))
for df in [0.002, 0.5, 1, 1.7, 2, 3.3, 10, 57.2, 300, 2e4, 2e6]:
    for p in [1e-10, 0.001, 0.025, 0.5, 0.975, 0.999]:
        src = "scipy.stats.chi2.ppf(p, df)"
        v = scipy.stats.chi2.ppf(p, df)
        if df >= 2e6 and p < 1e-6:
            v = 2 * mp_pinv(df / 2, p, v / 2)
            src = "2 x mpmath findroot of gammainc (40 digits)"
        rows.append(("chi2_quantile", repr(df), repr(p), repr(float(v)), "", src))
for a in [1e-3, 0.5, 1, 3.5, 9.99, 10, 50, 999, 9999, 1e4, 1e5, 1e8, 1e13]:
    for r in [1e-3, 0.3, 0.9, 0.99, 1.0, 1.01, 1.1, 2, 5]:
        x = a * r if a >= 1 else r
        if a <= 1e3:  # mpmath's series does not converge in reasonable time beyond
            P = mp.gammainc(a, 0, x, regularized=True)
            Q = mp.gammainc(a, x, mp.inf, regularized=True)
            src = "mpmath.gammainc(regularized=True), 40 digits"
        else:
            P, Q = sp.gammainc(a, x), sp.gammaincc(a, x)
            src = "scipy.special.gammainc/gammaincc"
        rows.append(("regularized_gamma", repr(a), repr(float(x)), repr(float(P)), repr(float(Q)), src))

with open("gamma.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["function", "a", "b", "expected_1", "expected_2", "source"])
    w.writerows(rows)
print(collections.Counter(r[-1] for r in rows))
