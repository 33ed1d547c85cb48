"""m_T2 of two massless visible particles with massless invisible test particles, vectorised.

    m_T2 = min over q1 + q2 = pTmiss of max(m_T(p1, q1), m_T(p2, q2)),
    m_T^2(p, q) = 2 (|p| |q| - p.q)                     (massless p and q, transverse vectors)

Both m_T^2 terms are convex in q1, so by the minimax theorem

    m_T2^2 = max over l in [0, 1] of h(l),   h(l) = min over q of l g1(q) + (1 - l) g2(K - q)

with g_i(q) = m_T^2(p_i, q) and K = pTmiss. h is concave, so a golden-section search over l
finds its maximum. The inner minimum has a closed form: with A = l|p1|, B = (1-l)|p2| and
c = l p1 - (1-l) p2, it is 2 min(A|q| + B|K-q| - c.q) - 2(1-l) p2.K, minimised either at a
stationary point (A q^ - B (K-q)^ = c: a triangle of sides A, B, |c| fixes the two unit
vectors, and q is where the rays meet), or at q = 0 or q = K (|c| <= A + B always holds, so
the minimum is finite). Exact up to the search's tolerance (1e-9 in l); tests/python/test_demo_physics.py
checks it against a brute-force minimisation and the closed form without upstream momentum.
"""
import numpy as np

_GOLD = (np.sqrt(5.0) - 1) / 2


def _h(lam, v):
    """h(l) for every event; v holds the components (p1x, p1y, p2x, p2y, kx, ky), the sum
    p1 + p2 (sx, sy), |p1|, |p2|, |K| and p2.K, each of shape (n,)."""
    p1x, p1y, p2x, p2y, kx, ky, sx, sy, n1, n2, kk, p2k = v
    a, b = lam * n1, (1 - lam) * n2
    cx, cy = lam * sx - p2x, lam * sy - p2y
    nc = np.hypot(cx, cy)
    best = np.minimum(b * kk, a * kk - (cx * kx + cy * ky))  # q = 0 and q = K
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.clip((a * a + nc * nc - b * b) / (2 * a * nc), -1, 1)
        sin = np.sqrt(1 - cos * cos)
        chx, chy = cx / nc, cy / nc
        inside = nc > np.abs(a - b)
        for s in (sin, -sin):
            ux, uy = chx * cos - chy * s, chx * s + chy * cos  # direction of q
            wx, wy = (a * ux - cx) / b, (a * uy - cy) / b      # direction of K - q
            det = ux * wy - uy * wx
            t1, t2 = (kx * wy - ky * wx) / det, (ux * ky - uy * kx) / det  # K = t1 u + t2 w
            ok = inside & (t1 >= 0) & (t2 >= 0) & (det != 0)
            best = np.where(ok, np.minimum(best, b * (wx * kx + wy * ky)), best)
    return 2 * (best - (1 - lam) * p2k)


def _mt2_chunk(p1, p2, k, steps):
    p1x, p1y, p2x, p2y, kx, ky = p1[:, 0], p1[:, 1], p2[:, 0], p2[:, 1], k[:, 0], k[:, 1]
    v = (p1x, p1y, p2x, p2y, kx, ky, p1x + p2x, p1y + p2y, np.hypot(p1x, p1y),
         np.hypot(p2x, p2y), np.hypot(kx, ky), p2x * kx + p2y * ky)
    lo, hi = np.zeros(len(k)), np.ones(len(k))
    x1, x2 = hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo)
    f1, f2 = _h(x1, v), _h(x2, v)
    for _ in range(steps):
        right = f1 < f2  # the maximum lies in [x1, hi]
        lo = np.where(right, x1, lo)
        hi = np.where(right, hi, x2)
        x1n = np.where(right, x2, hi - _GOLD * (hi - lo))
        x2n = np.where(right, lo + _GOLD * (hi - lo), x1)
        fn = _h(np.where(right, x2n, x1n), v)
        f1, f2 = np.where(right, f2, fn), np.where(right, fn, f1)
        x1, x2 = x1n, x2n
    return np.sqrt(np.maximum(np.maximum(f1, f2), 0.0))


def mt2(p1, p2, met, tol=1e-7, chunk=4096):
    """m_T2 (same unit as the inputs) of visible transverse momenta p1, p2 and missing
    transverse momentum met, each of shape (n, 2), massless particles throughout. tol: the
    search's tolerance in l (the value's relative error is far smaller: h is flat at its
    maximum); chunk: events per vectorised pass (small passes stay in the CPU caches)."""
    p1, p2, k = (np.asarray(x, dtype=np.float64).reshape(-1, 2) for x in (p1, p2, met))
    steps = int(np.ceil(np.log(tol) / np.log(_GOLD)))
    out = np.empty(len(k))
    for i in range(0, len(k), chunk):
        out[i:i + chunk] = _mt2_chunk(p1[i:i + chunk], p2[i:i + chunk], k[i:i + chunk], steps)
    return out
