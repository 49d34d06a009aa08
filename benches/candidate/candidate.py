#!/usr/bin/env python3
"""Helpers for benches/candidate.sh: read the timing marks (SMOKE_TRACE files: smoke's own
marks, and those of the probes trace_rspec.rb and trace_pytest.py inside the runner) and print
the tables.

A trace line is `SECONDS WHAT [ARGS]`, seconds since the epoch, so marks from smoke and from the
runner's processes lie on one clock. Commands:

  candidate.py loop TRACE RUNNER          median ms of the runner's own loop (in-process runs)
  candidate.py forked TRACE               median ms from smoke's request to its result
  candidate.py parts TRACE RUNNER         where a forked candidate's time goes (JSON)
  candidate.py loop-parts TRACE RUNNER    where the in-process loop's time goes (JSON)
  candidate.py whole TRACE                where a whole `smoke reproduce` goes (JSON)
"""
import json
import statistics
import sys

# The probe's marks for each runner: the loop's start and end in a plain run, the fork in a
# server (pytest: a request handed to the spare forked ahead of it, and the spare having it), a
# test's start and end, and the server having reaped the child.
MARKS = {
    "rspec": {
        "loop": ("rb.run_specs", "rb.run_specs.end"),
        "fork": ("rb.fork", "rb.forked"),
        "spare": (None, None),
        "test": ("rb.example_started", "rb.example_finished"),
        "waited": "rb.waited",
    },
    "pytest": {
        "loop": ("py.runtestloop", "py.runtestloop.end"),
        "fork": ("py.fork", "py.forked"),
        "spare": ("py.handed", "py.spared"),
        "test": ("py.test_started", "py.test_finished"),
        "waited": "py.waited",
    },
}


def read(path):
    marks = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                marks.append((float(parts[0]), parts[1], parts[2:]))
    marks.sort(key=lambda m: m[0])
    return marks


def split(marks, first):
    """The marks cut into runs, each beginning at a mark named `first`."""
    runs, current = [], None
    for mark in marks:
        if mark[1] == first:
            current = []
            runs.append(current)
        if current is not None:
            current.append(mark)
    return runs


def at(run, name, last=False):
    times = [t for t, what, _ in run if what == name]
    if not times:
        return None
    return times[-1] if last else times[0]


def ms(seconds):
    return round(seconds * 1000, 2)


def median(values):
    values = [v for v in values if v is not None]
    return ms(statistics.median(values)) if values else None


def forked_runs(marks):
    """Each forked run as smoke saw it: its marks from the request to the result."""
    runs = []
    for run in split(marks, "fork.request"):
        end = at(run, "batch.result")
        if end is not None:
            runs.append([m for m in run if m[0] <= end])
    return runs


def loop(path, runner):
    start, end = MARKS[runner]["loop"]
    runs = split(read(path), start)
    return median([at(r, end) - r[0][0] for r in runs if at(r, end)])


def forked(path):
    return median([at(r, "batch.result") - r[0][0] for r in forked_runs(read(path))])


def parts(path, runner):
    m = MARKS[runner]
    rows = []
    for run in forked_runs(read(path)):
        request = run[0][0]
        # A server that forks each child ahead of its request: from the request being handed
        # to the spare until the child has it (its fork happened earlier, off this path).
        fork, forked_at = at(run, m["spare"][0]), at(run, m["spare"][1])
        if fork is None or forked_at is None:
            fork, forked_at = at(run, m["fork"][0]), at(run, m["fork"][1])
        first, last = at(run, m["test"][0]), at(run, m["test"][1], last=True)
        waited, replied, result = at(run, m["waited"]), at(run, "fork.exit"), at(run, "batch.result")
        if None in (fork, forked_at, first, last, waited, replied, result):
            continue
        rows.append({
            "request": fork - request,
            "fork": forked_at - fork,
            "set-up": first - forked_at,
            "tests": last - first,
            "after": waited - last,
            "reply": replied - waited,
            "read": result - replied,
            "total": result - request,
        })
    return {key: median([r[key] for r in rows]) for key in rows[0]} if rows else {}


def loop_parts(path, runner):
    m = MARKS[runner]
    rows = []
    for run in split(read(path), m["loop"][0]):
        start, end = run[0][0], at(run, m["loop"][1])
        first, last = at(run, m["test"][0]), at(run, m["test"][1], last=True)
        if None in (end, first, last):
            continue
        rows.append({"set-up": first - start, "tests": last - first, "after": end - last,
                     "total": end - start})
    return {key: median([r[key] for r in rows]) for key in rows[0]} if rows else {}


def whole(path):
    """Where a whole run went: smoke's set-up, listing, waiting for the fork server, each kind
    of forked run (count and time), report writes, and the rest."""
    marks = read(path)
    start, end = at(marks, "smoke.start"), at(marks, "smoke.end")
    spans = {"listing": 0.0, "reports": 0.0}
    opened = {}
    runs = {}
    current = None
    for t, what, args in marks:
        if what in ("list.start", "report.write"):
            opened[what] = t
        elif what == "list.end" and "list.start" in opened:
            spans["listing"] += t - opened.pop("list.start")
        elif what == "report.written" and "report.write" in opened:
            spans["reports"] += t - opened.pop("report.write")
        elif what == "batch.start":
            current = (args[0] if args else "?", t)
        elif what == "fork.request" and current:
            # From here: the wait for the fork server to be ready is counted apart.
            current = (current[0], t)
        elif what == "batch.result" and current:
            purpose, began = current
            count, total = runs.get(purpose, (0, 0.0))
            runs[purpose] = (count + 1, total + t - began)
            current = None
    first_run = at(marks, "batch.start")
    first_request = at(marks, "fork.request")
    wait = (first_request - first_run) if first_run and first_request else 0.0
    accounted = spans["listing"] + spans["reports"] + wait + sum(t for _, t in runs.values())
    return {
        "total": ms(end - start),
        "listing": ms(spans["listing"]),
        "server wait": ms(wait),
        "runs": {k: [n, ms(t)] for k, (n, t) in runs.items()},
        "reports": ms(spans["reports"]),
        "other": ms(end - start - accounted),
    }


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "loop":
        print(loop(*args))
    elif command == "forked":
        print(forked(*args))
    elif command == "parts":
        print(json.dumps(parts(*args)))
    elif command == "loop-parts":
        print(json.dumps(loop_parts(*args)))
    elif command == "whole":
        print(json.dumps(whole(*args)))
    else:
        sys.exit("candidate.py: unknown command %r" % command)
