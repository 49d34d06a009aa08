"""Helpers for benches/real.sh: orders, answers read from each tool's output, the time breakdown
of smoke's JSON report. No process is started here; real.sh runs the tools and times them.

    python3 real.py shuffle SEED FILE           the names of FILE (one a line), shuffled by SEED
    python3 real.py first-failed OUTPUT         pytest -rf's first FAILED id in OUTPUT
    python3 real.py smoke-pair REPORT.json      the proven 1-minimal pair of smoke's report
    python3 real.py rspec-pair OUTPUT           the ids of rspec --bisect's reproduction command
    python3 real.py dtp-polluter OUTPUT         detect-test-pollution's polluting test
    python3 real.py breakdown REPORT.json WALL  where smoke's wall time went
"""

import json
import random
import re
import sys


def shuffle(seed, path):
    names = [l.strip() for l in open(path) if l.strip()]
    # Python's own generator, seeded: the same order on every machine with this Python.
    random.Random(int(seed)).shuffle(names)
    print("\n".join(names))


def first_failed(path):
    for line in open(path, errors="replace"):
        m = re.match(r"FAILED (\S+)", line)
        if m:
            print(m.group(1))
            return


def smoke_pair(path):
    """The minimal sequence of the report's failure, if it is a proven 1-minimal pair; the
    report of `smoke reproduce` must also say `reproduced`."""
    r = json.load(open(path))
    fails = r.get("failures") or []
    rep = r.get("reproduced_from")
    if rep is not None and rep.get("verdict") != "reproduced":
        sys.exit("smoke's verdict is %r, not reproduced" % rep.get("verdict"))
    if len(fails) != 1:
        sys.exit("smoke reported %d failures, not 1" % len(fails))
    f = fails[0]
    if not f.get("proven_minimal") or len(f["minimal"]) != 2:
        sys.exit("smoke's answer is not a proven pair: %s (proven %s)"
                 % (f["minimal"], f.get("proven_minimal")))
    print(" ".join(f["minimal"]))


def rspec_pair(path):
    out = open(path, errors="replace").read()
    m = re.search(r"minimal reproduction command is:\s*\n\s*rspec (.*)", out)
    if not m:
        sys.exit("rspec --bisect named no reproduction command")
    ids = []
    for tok in m.group(1).split():
        mm = re.match(r"\.?/?(\S+_spec\.rb)\[([\d:,]+)\]$", tok)
        if mm:
            ids += ["%s[%s]" % (mm.group(1), s) for s in mm.group(2).split(",")]
    print(" ".join(ids))


def dtp_polluter(path):
    m = re.search(r"the polluting test is: (\S+)", open(path, errors="replace").read())
    if not m:
        sys.exit("detect-test-pollution named no polluting test")
    print(m.group(1))


def breakdown(path, wall):
    """Where the run's wall time went, from the report's clock, which starts once the tests
    are listed: up to the failure (the iteration that ran the order, and what came before it),
    the failure's shrink (candidate runs, the 1-minimal proof, the confirmation runs and the
    verbose rerun: the report times them together), and the rest of the wall time, outside
    that clock (smoke's start, the listing, the fork server's loading, the end)."""
    r = json.load(open(path))
    wall = float(wall)
    first = r["stats"].get("seconds_to_first_failure") or 0.0
    its = [i for i in r.get("iterations", []) if i.get("failed_test")]
    it = sum(i.get("seconds") or 0.0 for i in its)
    f = (r.get("failures") or [{}])[0]
    shrink = f.get("shrink_seconds") or 0.0
    conf = (f.get("confirmation") or {}).get("runs", 0)
    print("to the failure %.2f s (the order's run %.2f s, %d tests); shrink, proof, confirmation "
          "and rerun %.2f s (%s candidate runs, %s test executions; %s confirmation runs; "
          "1 verbose rerun); outside the report's clock (start, listing, end) %.2f s"
          % (first, it, sum(i.get("executed", 0) for i in its), shrink, f.get("tries"),
             f.get("shrink_executions"), conf, max(wall - first - shrink, 0.0)))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"shuffle": shuffle, "first-failed": first_failed, "smoke-pair": smoke_pair,
     "rspec-pair": rspec_pair, "dtp-polluter": dtp_polluter, "breakdown": breakdown}[cmd](*args)
