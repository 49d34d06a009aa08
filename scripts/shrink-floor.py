#!/usr/bin/env python3
"""The floors for shrinking one polluter and two needed polluters with smoke's kinds of probes.

Each figure is an exact dynamic program over probe sizes, averaged over where the culprits sit
(every place equally likely), for a search that is told in advance how many culprits there are.
No search that runs the same kind of probes (a part of the prefix, with the other needed parts
whole, then the victim V) does better on average. smoke is not told, and bets on one (see
docs/guide.md, "How shrinking works"): compare its means with these, not its medians.

One polluter: a probe keeps any number of the remaining candidates and costs that many tests
plus V; the floor adds the run of V alone, which every tool makes. Beside it, detect-test-
pollution's own count on the same prefix (V alone, then halving: the first half and V, to one
test, then the pair once more), and the ratio of the two: no search of smoke's kind, however
told, spends less than that share of dtp's executions on average.

Two needed polluters: the probes keep one end of a part (shares of 10% to 90%), with the other
needed parts whole.

    python3 scripts/shrink-floor.py            # k = 50, 100, 200, 400
"""
import functools
import sys

sys.setrecursionlimit(100_000)
SHARES = [s / 20 for s in range(2, 19)]


def sizes(n):
    return sorted({max(1, min(n - 1, round(s * n))) for s in SHARES})


@functools.lru_cache(None)
def apart(x, y):
    """Expected cost when one culprit is in a part of x tests and the other in a part of y."""
    if x <= 1 and y <= 1:
        return 0.0
    best = float("inf")
    for a, b, swap in ((x, y, False), (y, x, True)):
        if a <= 1:
            continue
        for m in sizes(a):
            def then(n):
                return apart(b, n) if swap else apart(n, b)
            cost = m + b + 1 + m / a * then(m) + (a - m) / a * then(a - m)
            best = min(best, cost)
    return best


@functools.lru_cache(None)
def together(n):
    """Expected cost when both culprits are somewhere in one part of n tests."""
    if n <= 2:
        return 0.0
    pairs = n * (n - 1) / 2
    best = float("inf")
    for m in sizes(n):
        upper, lower, split = m * (m - 1) / 2, (n - m) * (n - m - 1) / 2, m * (n - m)
        # Keep the upper m: fails when both are there.
        cost = m + 1 + upper / pairs * together(m)
        # Passed: run the lower part; it fails when both are there, else they are split.
        if lower + split:
            rest = (n - m) + 1
            rest += lower / (lower + split) * together(n - m)
            rest += split / (lower + split) * apart(n - m, m)
            cost += (lower + split) / pairs * rest
        best = min(best, cost)
    return best


@functools.lru_cache(None)
def alone(n):
    """Expected cost of finding one polluter among n candidates, probes of any size."""
    if n <= 1:
        return 0.0
    return min(m + 1 + m / n * alone(m) + (n - m) / n * alone(n - m) for m in range(1, n))


def dtp(k):
    """detect-test-pollution's executions after its run of the whole group, on average."""
    total = 0
    for culprit in range(k):
        lo, hi, cost = 0, k, 1 + 2  # V alone; the pair once more at the end
        while hi - lo > 1:
            pivot = lo + (hi - lo) // 2
            cost += pivot - lo + 1
            if culprit < pivot:
                hi = pivot
            else:
                lo = pivot
        total += cost
    return total / k


print("k     one polluter: floor    dtp  floor/dtp   two needed: floor")
for k in (50, 100, 200, 400):
    one = 1 + alone(k)
    print(f"{k:3}   {one:7.1f} ({one / k:.2f}·k) {dtp(k):6.1f}     {one / dtp(k):.3f}"
          f"   {together(k):7.1f} ({together(k) / k:.2f}·k)")
