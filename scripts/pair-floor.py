#!/usr/bin/env python3
"""The floor for shrinking two needed culprits with smoke's kinds of probes.

A search that is told in advance that exactly two tests of the prefix are needed (both must run
before the victim for it to fail) and that may only run probes of the kinds smoke runs (one end
of a part, with the other needed parts whole, then the victim) needs, on average over where the
two sit, this many test executions per prefix test. It is an exact dynamic program over the
probe sizes (shares of 10% to 90% of a part), so no search of that kind does better on average.
smoke does not know how many culprits there are, and bets on one (see README, "How shrinking
works"): compare its mean with this, not its median.

    python3 scripts/pair-floor.py            # k = 50, 100, 200, 400
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


for k in (50, 100, 200, 400):
    print(f"k = {k:3}: {together(k):7.1f} test executions on average, {together(k) / k:.2f}·k")
