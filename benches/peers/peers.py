#!/usr/bin/env python3
"""Helpers for benches/peers.sh: write the planted suites, find failing seeds, read each
tool's result, replay it with the plain runner, and print the table.

Every test appends its own name to ran.log in its suite folder, so the bench counts what ran,
not what a tool says ran. State lives in files under the suite's state/ folder, removed at the
start of every run by the suite itself (pytest: a session fixture in conftest.py; rspec: a
before(:suite) hook; perl: `t/TEST -start`, which Apache::TestSmoke and smoke both call before
every sequence).
"""
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys

PER_FILE = 50
SLEEP_MS = 2  # what each test costs besides logging its name: a sleep of 2 ms


def planted(n, case, layout):
    """1-based positions of p, q (None in the one-polluter case) and v."""
    if layout == "first":
        p, q, v = 1, 2, n
    else:
        p, q, v = round(0.3 * n), round(0.7 * n), round(0.5 * n)
    return p, (q if case == "two" else None), v


def name(i):
    return "t%04d" % i


def test_id(runner, i):
    f = (i - 1) // PER_FILE + 1
    j = (i - 1) % PER_FILE + 1
    if runner == "pytest":
        return "tests/test_f%02d.py::test_%s" % (f, name(i))
    if runner == "rspec":
        return "spec/f%02d_spec.rb[1:%d]" % (f, j)
    return "t/%s.t" % name(i)


def id_to_name(runner, tid):
    tid = tid.strip()
    if tid.startswith("./"):
        tid = tid[2:]
    if runner == "pytest":
        m = re.search(r"::test_(t\d{4})$", tid)
        return m.group(1) if m else tid
    if runner == "rspec":
        m = re.match(r"spec/f(\d+)_spec\.rb\[1:(\d+)\]$", tid)
        return name((int(m.group(1)) - 1) * PER_FILE + int(m.group(2))) if m else tid
    m = re.match(r"t/(t\d{4})\.t$", tid)
    return m.group(1) if m else tid


def body(runner, role, case):
    """The test's code after it logged its name: a plain test, p, q or v."""
    if runner == "pytest":
        return {
            "plain": [],
            "p": ["    _mark('p')"],
            "q": ["    _mark('q')"],
            "v": ["    assert not _polluted(%r)" % case],
        }[role]
    if runner == "rspec":
        return {
            "plain": [],
            "p": ["    mark('p')"],
            "q": ["    mark('q')"],
            "v": ["    expect(polluted?(%r)).to be(false)" % case],
        }[role]
    return {
        "plain": ["ok(1, 'plain');"],
        "p": ["mark('p');", "ok(1, 'p');"],
        "q": ["mark('q');", "ok(1, 'q');"],
        "v": ["ok(!polluted('%s'), 'not polluted');" % case],
    }[role]


def gen(runner, folder, n, case, layout):
    p, q, v = planted(n, case, layout)
    roles = {p: "p", v: "v"}
    if q:
        roles[q] = "q"
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    w = lambda rel, text: open(os.path.join(folder, rel), "w").write(text)
    sleep = SLEEP_MS / 1000
    if runner == "pytest":
        os.makedirs(os.path.join(folder, "tests"))
        w("pytest.ini", "[pytest]\n")
        w("conftest.py", f"""import os, shutil, time
import pytest

ROOT = os.path.dirname(os.path.abspath(__file__))
STATE = os.path.join(ROOT, "state")


def ran(name):
    with open(os.path.join(ROOT, "ran.log"), "a") as f:
        f.write(name + "\\n")
    time.sleep({sleep})


@pytest.fixture(scope="session", autouse=True)
def _fresh_state():
    # Every run starts clean: the state the polluters leave is removed at session start.
    shutil.rmtree(STATE, ignore_errors=True)
    yield
""")
        for f in range((n - 1) // PER_FILE + 1):
            lines = ["import os", "from conftest import ran, STATE", "",
                     "def _mark(x):", "    os.makedirs(STATE, exist_ok=True)",
                     "    open(os.path.join(STATE, x), 'w').close()", "",
                     "def _polluted(case):",
                     "    has = lambda x: os.path.exists(os.path.join(STATE, x))",
                     "    return has('p') and (case == 'one' or has('q'))", ""]
            for i in range(f * PER_FILE + 1, min(n, (f + 1) * PER_FILE) + 1):
                lines += ["", "def test_%s():" % name(i), "    ran(%r)" % name(i)]
                lines += body(runner, roles.get(i, "plain"), case)
            w("tests/test_f%02d.py" % (f + 1), "\n".join(lines) + "\n")
    elif runner == "rspec":
        os.makedirs(os.path.join(folder, "spec"))
        w(".rspec", "--require spec_helper\n")
        w("spec/spec_helper.rb", f"""require 'fileutils'
ROOT = File.expand_path('..', __dir__)
STATE = File.join(ROOT, 'state')

def ran(name)
  File.open(File.join(ROOT, 'ran.log'), 'a') {{ |f| f.puts(name) }}
  sleep {sleep}
end

def mark(x)
  FileUtils.mkdir_p(STATE)
  FileUtils.touch(File.join(STATE, x))
end

def polluted?(c)
  has = ->(x) {{ File.exist?(File.join(STATE, x)) }}
  has.call('p') && (c == 'one' || has.call('q'))
end

RSpec.configure do |config|
  # Every run starts clean: the state the polluters leave is removed before the suite.
  config.before(:suite) {{ FileUtils.rm_rf(STATE) }}
end
""")
        for f in range((n - 1) // PER_FILE + 1):
            lines = ["RSpec.describe 'f%02d' do" % (f + 1)]
            for i in range(f * PER_FILE + 1, min(n, (f + 1) * PER_FILE) + 1):
                lines += ["  it '%s' do" % name(i), "    ran('%s')" % name(i)]
                lines += body(runner, roles.get(i, "plain"), case) + ["  end"]
            lines.append("end")
            w("spec/f%02d_spec.rb" % (f + 1), "\n".join(lines) + "\n")
    else:
        gen_perl(folder, n, roles, case, w)
    return p, q, v


def gen_perl(folder, n, roles, case, w):
    """A fake Apache-Test project: t/TEST, t/SMOKE, a frozen config, no httpd."""
    for d in ("t", "t/conf", "t/logs"):
        os.makedirs(os.path.join(folder, d), exist_ok=True)
    for log in ("error_log", "access_log"):
        w("t/logs/" + log, "")
    top = os.path.abspath(folder)
    # Apache::TestConfig->thaw reads t/conf/apache_test_config.pm (written by a real
    # Apache-Test project's t/TEST when it configures httpd). This one holds only what
    # Apache::TestSmoke reads, and points httpd at t/fake-httpd, which answers -V/-v/-l.
    w("t/conf/apache_test_config.pm", f"""package apache_test_config;
use File::Spec::Functions qw(catfile);
sub new {{
    my $top = '{top}';
    my $t = catfile($top, 't');
    return bless {{
        clean => {{}}, vhosts => {{}}, inherit_config => {{}}, modules => {{}}, inc => [],
        cmodules => [], httpd_defines => {{}}, preamble => [], postamble => [],
        vars => {{
            top_dir => $top, t_dir => $t, t_logs => catfile($t, 'logs'),
            t_conf => catfile($t, 'conf'), serverroot => $t, servername => 'localhost',
            port => 8529, httpd => catfile($t, 'fake-httpd'),
        }},
    }}, 'apache_test_config';
}}
1;
""")
    w("t/conf/fake-httpd.conf", "")
    w("t/fake-httpd", """#!/bin/sh
# No httpd: answers Apache-Test's configuration questions only.
top=$(cd "$(dirname "$0")" && pwd)
case "$1" in
  -V) echo 'Server version: Apache/2.4.0 (fake)'
      echo 'Server MPM:     prefork'
      echo " -D HTTPD_ROOT=\\"$top\\""
      echo ' -D SERVER_CONFIG_FILE="conf/fake-httpd.conf"' ;;
  -v) echo 'Server version: Apache/2.4.0 (fake)' ;;
  -l) echo 'Compiled in modules:'; echo '  core.c' ;;
esac
""")
    os.chmod(os.path.join(folder, "t/fake-httpd"), 0o755)
    # t/TEST: what Apache::TestSmoke calls: -start (print "started"), -run t/x.t ... (print
    # "All tests successful" when every file passed), -stop (print "shutdown"). -start is the
    # per-run setup: it removes the state the polluters leave. Other options are accepted
    # and ignored (-verbose, -trace=..., -run-tests).
    w("t/TEST", r"""#!/usr/bin/perl
use strict;
use warnings;
use FindBin;
use File::Path qw(remove_tree);
my ($mode, @tests) = ('run');
for (@ARGV) {
    if (/^-(start|stop|run|run-tests)$/) { $mode = $1 }
    elsif (/^-/) { }
    else { push @tests, $_ }
}
if ($mode eq 'start') { remove_tree("$FindBin::Bin/state"); print "server started\n"; exit 0 }
if ($mode eq 'stop') { print "server shutdown\n"; exit 0 }
my $bad = 0;
for my $t (@tests) {
    my $out = `$^X $t`;
    print $out;
    $bad++ if $? != 0 || $out =~ /^not ok/m;
}
print $bad ? "Failed $bad/" . scalar(@tests) . " test programs.\n" : "All tests successful.\n";
exit($bad ? 1 : 0);
""")
    os.chmod(os.path.join(folder, "t/TEST"), 0o755)
    w("t/SMOKE", "#!/usr/bin/perl\nuse strict;\nuse warnings;\nuse Apache::TestSmoke;\n"
      "Apache::TestSmoke->new(@ARGV)->run;\n")
    w("t/Peers.pm", f"""package Peers;
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Exporter 'import';
our @EXPORT = qw(ran mark polluted);
my $t = $FindBin::Bin;
sub ran {{
    open my $fh, '>>', "$t/../ran.log" or die $!;
    print $fh "$_[0]\\n";
    close $fh;
    select(undef, undef, undef, {SLEEP_MS / 1000});
}}
sub mark {{ make_path("$t/state"); open my $fh, '>', "$t/state/$_[0]" or die $!; close $fh }}
sub polluted {{ -e "$t/state/p" && ($_[0] eq 'one' || -e "$t/state/q") }}
1;
""")
    for i in range(1, n + 1):
        lines = ["use strict;", "use warnings;", "use FindBin;", "use lib $FindBin::Bin;",
                 "use Peers;", "use Test::More tests => 1;", "ran('%s');" % name(i)]
        lines += body("perl", roles.get(i, "plain"), case)
        w("t/%s.t" % name(i), "\n".join(lines) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        runner, folder, n, case, layout = sys.argv[2:7]
        p, q, v = gen(runner, folder, int(n), case, layout)
        print(" ".join(test_id(runner, i) if i else "-" for i in (p, q, v)))


# ---------------------------------------------------------------------------------------------
# Orders: which seeds put the polluters before the victim


def first_failing(order, p, q, v):
    """Does this order (names) make v fail: p (and q, if planted) before v?"""
    if v not in order:
        return False
    before = set(order[: order.index(v)])
    return p in before and (q is None or q in before)


def rspec_order(folder, seed):
    """The example ids, as names, in the order `rspec --seed SEED` runs them (a dry run)."""
    out = subprocess.run(["rspec", "--dry-run", "--seed", str(seed), "--format", "json"],
                         cwd=folder, capture_output=True, text=True).stdout
    start = out.find("{")
    return [id_to_name("rspec", e["id"]) for e in json.loads(out[start:])["examples"]]


def testsmoke_order(folder, seed):
    """The order Apache::TestSmoke's first iteration runs with APACHE_TEST_SEED=SEED: the
    sorted t/*.t shuffled twice from srand(SEED) (once in new, once in run_iter)."""
    code = ("use Apache::TestSort; my @t = sort glob('t/*.t');"
            "Apache::TestSort->run(\\@t, {order => 'random'}) for 1, 2; print qq($_\\n) for @t;")
    out = subprocess.run(["perl", "-e", code], cwd=folder, capture_output=True, text=True,
                         env=dict(os.environ, APACHE_TEST_SEED=str(seed))).stdout
    return [id_to_name("perl", t) for t in out.split()]


def dtp_order(n, seed):
    """A shuffled order of the whole suite for the pytest rows: dtp has no random order of its
    own, so it is handed this one (the tests before the victim, `--testids-file`)."""
    order = [name(i) for i in range(1, n + 1)]
    random.Random(seed).shuffle(order)
    return order


PEER_OF = {"pytest": "dtp", "rspec": "rspec", "perl": "testsmoke"}


def shared_order(runner, folder, n, seed):
    """The failing order a random row's seed stands for, the same for smoke and the peer: the
    order rspec runs with --seed SEED, the one Apache::TestSmoke runs with APACHE_TEST_SEED=SEED,
    or (pytest) a shuffle of the suite from SEED."""
    peer = PEER_OF[runner]
    if peer == "rspec":
        return rspec_order(folder, seed)
    if peer == "testsmoke":
        return testsmoke_order(folder, seed)
    return dtp_order(n, seed)


def seeds(runner, folder, case, layout, n, count):
    """The first COUNT seeds whose shared order makes the victim fail."""
    p, q, v = (name(i) if i else None for i in planted(n, case, layout))
    found = []
    for s in range(1, 200):
        if first_failing(shared_order(runner, folder, n, s), p, q, v):
            found.append(s)
            if len(found) == count:
                break
    print(" ".join(map(str, found)))


def print_order(runner, folder, n, seed, upto=None):
    """The shared order's test ids, one per line; with UPTO, only as far as that id."""
    for x in shared_order(runner, folder, n, seed):
        tid = test_id(runner, int(x[1:]))
        print(tid)
        if tid == upto:
            break


# ---------------------------------------------------------------------------------------------
# Replays with the plain runner


VENV_PY = os.environ.get("PEERS_PY", "python3")
RSPEC_ORDER = os.environ.get("PEERS_RSPEC_ORDER", "")


def fails(runner, folder, seq):
    """Run names SEQ in this order with the plain runner; True when the last one fails."""
    ids = [test_id(runner, int(s[1:])) for s in seq]
    victim = ids[-1]
    if runner == "pytest":
        r = subprocess.run([VENV_PY, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
                            "-q", "-rf", *ids], cwd=folder, capture_output=True, text=True)
        return ("FAILED " + victim) in r.stdout
    if runner == "rspec":
        # rspec --order defined runs examples in file order, not in the order named; smoke's
        # helper (src/helpers/rspec_order.rb, read from the repository) runs them as named.
        out = os.path.join(folder, "replay.json")
        subprocess.run(["rspec", "--order", "defined", "-r", RSPEC_ORDER, "--format", "json",
                        "--out", out, *ids], cwd=folder, capture_output=True, text=True)
        res = {e["id"].lstrip("./"): e["status"] for e in json.load(open(out))["examples"]}
        return res.get(victim) == "failed"
    subprocess.run(["perl", "t/TEST", "-start"], cwd=folder, capture_output=True)
    status = 0
    for t in ids:
        status = subprocess.run(["perl", t], cwd=folder, capture_output=True).returncode
    return status != 0


def check(runner, folder, seq):
    """'yes' (fails, and passes with any one culprit dropped), 'no' (fails, not 1-minimal),
    'wrong' (does not fail) or 'none' (no result)."""
    if not seq:
        return "none"
    if not fails(runner, folder, seq):
        return "wrong"
    for i in range(len(seq) - 1):
        if fails(runner, folder, seq[:i] + seq[i + 1:]):
            return "no"
    return "yes"


# ---------------------------------------------------------------------------------------------
# Each tool's result


def parse_result(tool, runner, outdir, full_order):
    """(names of the minimal sequence, culprits then victim; shrink executions or None; note)"""
    out = open(os.path.join(outdir, "stdout")).read() + open(os.path.join(outdir, "stderr")).read()
    if tool == "smoke":
        try:
            rep = json.load(open(os.path.join(outdir, "smoke.json")))
        except (OSError, ValueError):
            return [], None, "no report"
        if not rep["failures"]:
            return [], None, "no failure found"
        f = rep["failures"][0]
        note = "" if f.get("proven_minimal") else "not proven"
        return [id_to_name(runner, t) for t in f["minimal"]], f["shrink_executions"], note
    if tool == "dtp":
        m = re.search(r"the polluting test is: (\S+)", out)
        if not m:
            err = [l for l in out.splitlines() if "Error" in l]
            return [], None, (err[-1].strip()[:60] if err else "no result")
        return [id_to_name(runner, m.group(1))], None, ""
    if tool == "rspec":
        m = re.search(r"minimal reproduction command is:\s*\n\s*rspec (.*)", out)
        if not m:
            return [], None, "no result"
        names = []
        for tok in m.group(1).split():
            mm = re.match(r"\.?/?(spec/\S+_spec\.rb)\[([\d:,]+)\]$", tok)
            if mm:
                names += [id_to_name("rspec", "%s[%s]" % (mm.group(1), s))
                          for s in mm.group(2).split(",")]
        return sorted(names, key=full_order.index), None, ""
    # testsmoke: "iteration 1 (K tests):\n\t/usr/bin/perl .../t/TEST t/a.t t/v.t"
    m = re.search(r"iteration \d+ \(\d+ tests\):\s*\n\s*\S+ \S+/TEST (.*)", out)
    if not m:
        return [], None, "no result"
    return [id_to_name("perl", t) for t in m.group(1).split() if t.endswith(".t")], None, ""


def record(args):
    (runner, tool, case, n, layout, seed, folder, outdir, wall, before, rc) = args
    n = int(n)
    p, q, v = (name(i) if i else None for i in planted(n, case, layout))
    lines = open(os.path.join(folder, "ran.log")).read().split()[int(before):]
    total = len(lines)
    # The order the tool ran in its first run: what its result's order is read against, and
    # k, the number of tests before the victim in it (dtp, on the first layout, bisects every
    # other test of the suite; on a random row it is handed the tests before the victim).
    if layout == "random":
        full_order = shared_order(runner, folder, n, int(seed))
    else:
        full_order = [name(i) for i in range(1, n + 1)]
    names, shrink, note = parse_result(tool, runner, outdir, full_order)
    k = full_order.index(v)
    if shrink is None and total:
        # The failing run that found or confirmed the failure is not shrinking: rspec's
        # first run of the whole suite, dtp's run of the whole group (after the victim
        # alone), TestSmoke's first iteration up to the victim.
        if tool == "rspec":
            shrink = total - n
        elif tool == "dtp":
            vs = [i for i, t in enumerate(lines) if t == v]
            shrink = total - (vs[1] + 1 - vs[0] - 1) if len(vs) > 1 else None
        else:
            shrink = total - (lines.index(v) + 1) if v in lines else None
    if tool == "dtp" and names:
        names = names + [v]
    if names and names[-1] != v:
        note = (note + " victim %s" % names[-1]).strip()
    if int(rc) == 124:
        note = (note + " timeout").strip()
    minimal = check(runner, folder, names)
    planted_seq = [x for x in full_order if x in (p, q)] + [v]
    row = dict(runner=runner, tool=tool, case=case, n=n, layout=layout, seed=seed,
               wall=float(wall), execs=total, shrink=shrink, k=k,
               shrink_per_k=(shrink / k if shrink is not None and k else None), result=names,
               minimal=minimal, planted=sorted(names) == sorted(planted_seq), note=note,
               rc=int(rc))
    print(json.dumps(row))


# ---------------------------------------------------------------------------------------------
# The table


PEER_NAME = {"dtp": "dtp", "rspec": "rspec --bisect", "testsmoke": "Apache::TestSmoke"}
RUNNER_NAME = {"pytest": "pytest", "rspec": "rspec", "perl": "Apache-Test"}
CASE_NAME = {"one": "one polluter", "two": "two, both needed"}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def verdict(runs):
    """'yes' when every run's result replayed and was 1-minimal, else the counts."""
    if not runs:
        return "not run"
    kinds = [r["minimal"] for r in runs]
    if all(k == "yes" for k in kinds):
        return "yes %d/%d" % (len(kinds), len(kinds))
    out = []
    for k in ("yes", "no", "wrong", "none"):
        if kinds.count(k):
            out.append("%s %d" % (k, kinds.count(k)))
    return ", ".join(out)


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def table(path, header, took, nseeds):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    keys = []
    for r in rows:
        k = (r["runner"], r["case"], r["n"], r["layout"])
        if k not in keys:
            keys.append(k)
    print("smoke against its peers: the same planted failures shrunk by each tool; "
          "executions counted from the suites' own logs")
    print(open(header).read().rstrip())
    print("each test logs its name and sleeps %d ms; random rows: medians over the first %s "
          "seeds whose order fails, each order shrunk by both tools" % (SLEEP_MS, nseeds))
    print()
    hdr = ("%-11s %-16s %5s %-6s | %7s %7s %5s %7s %-9s | %-17s %7s %7s %5s %7s %-14s | %6s %6s %6s  %s"
           % ("runner", "case", "tests", "layout", "execs", "shrink", "/k", "wall s", "1-minimal",
              "peer", "execs", "shrink", "/k", "wall s", "1-minimal", "execs", "/k", "wall", "flag"))
    print(" " * 45 + "smoke" + " " * 39 + "peer" + " " * 56 + "peer/smoke")
    print(hdr)
    print("-" * len(hdr))
    holds = {"wall": [], "execs": [], "flags": [], "wall_na": [], "execs_na": [],
             "execs_other": []}
    smoke_ok = smoke_all = 0
    for k in keys:
        runner, case, n, layout = k
        sm = [r for r in rows if (r["runner"], r["case"], r["n"], r["layout"]) == k and r["tool"] == "smoke"]
        pe = [r for r in rows if (r["runner"], r["case"], r["n"], r["layout"]) == k and r["tool"] != "smoke"]
        peer = pe[0]["tool"] if pe else PEER_OF[runner]
        se, ss, sw = med([r["execs"] for r in sm]), med([r["shrink"] for r in sm]), med([r["wall"] for r in sm])
        pex, ps, pw = med([r["execs"] for r in pe]), med([r["shrink"] for r in pe]), med([r["wall"] for r in pe])
        # shrink executions per test before the victim, run by run: what the shrinking cost
        # whatever the order put the victim (the random rows' orders differ between tools)
        sk = med([r.get("shrink_per_k") for r in sm])
        pk = med([r.get("shrink_per_k") for r in pe])
        rk = pk / sk if sk and pk is not None else None
        smoke_all += len(sm)
        smoke_ok += sum(r["minimal"] == "yes" and r["planted"] for r in sm)
        re_ = pex / se if se and pex is not None else None
        rw = pw / sw if sw and pw is not None else None
        flag = ""
        # a peer whose every result was proven 1-minimal here, no longer than smoke's, for
        # fewer executions
        if pe and all(r["minimal"] == "yes" for r in pe) and sm and pex is not None and se is not None:
            if max(len(r["result"]) for r in pe) <= min(len(r["result"]) for r in sm) and pex < se:
                flag = "PEER CHEAPER"
                holds["flags"].append(k)
        notes = sorted({r["note"] for r in pe + sm if r["note"]})
        if notes:
            flag = (flag + " " + "; ".join(notes)).strip()
        print("%-11s %-16s %5d %-6s | %7s %7s %5s %7s %-9s | %-17s %7s %7s %5s %7s %-14s | %6s %6s %6s  %s"
              % (RUNNER_NAME[runner], CASE_NAME[case], n, layout, fmt(se, ".0f"), fmt(ss, ".0f"),
                 fmt(sk, ".2f"), fmt(sw, ".2f"), verdict(sm), PEER_NAME[peer], fmt(pex, ".0f"),
                 fmt(ps, ".0f"), fmt(pk, ".2f"), fmt(pw, ".2f"), verdict(pe), fmt(re_, ".2f"),
                 fmt(rk, ".2f"), fmt(rw, ".2f"), flag))
        # The must-holds compare with a peer that reached a correct result; a row where it
        # crashed or named a wrong sequence is listed apart (it has no time to the pair).
        peer_ok = bool(pe) and all(r["minimal"] == "yes" for r in pe)
        if n == 400 and runner in ("pytest", "rspec") and rw is not None:
            limit = 0.7 if runner == "pytest" else 0.8
            (holds["wall"] if peer_ok else holds["wall_na"]).append((k, 1 / rw, limit))
        # The executions compared on random orders are shrink executions per test before the
        # victim (the measure, "shrink executions / k"): the whole-run counts also hold
        # each tool's first run, which rspec makes over the whole suite and the others only as
        # far as the victim. Like the wall-time one, this must-hold is the for the
        # 400-test pytest and rspec suites; the other random rows are listed beside it.
        if layout == "random" and rk is not None:
            if n == 400 and runner in ("pytest", "rspec"):
                (holds["execs"] if peer_ok else holds["execs_na"]).append((k, 1 / rk))
            elif peer_ok:
                holds["execs_other"].append((k, 1 / rk))
    print()
    print("execs: test executions during the run (lines added to ran.log), medians; shrink: "
          "smoke's shrink_executions (JSON report);")
    print("  for the peers, execs less the run that found the failure (rspec: its first "
          "whole-suite run; dtp: its run of the group it was given;")
    print("  TestSmoke: its first iteration up to the victim). 1-minimal: the named "
          "sequence (culprits, then the victim) replayed with the plain")
    print("  runner fails, and fails no more with any one culprit dropped (yes), still "
          "fails with one dropped (no), does not fail (wrong), nothing named (none).")
    print("/k: shrink executions per test before the victim in the order shrunk (k; dtp on "
          "the first layout: every other test of the suite), run by run, medians.")
    print()
    desc = lambda k: "%s %s %d %s" % (RUNNER_NAME[k[0]], k[1], k[2], k[3])
    bad = [(k, r, l) for k, r, l in holds["wall"] if r > l]
    print("must-hold: smoke's wall time at 400 tests <= 0.7x dtp's, <= 0.8x rspec --bisect's: %s"
          % ("met (%d rows, smoke/peer %.3f to %.3f)" % (len(holds["wall"]), min(r for _, r, _ in holds["wall"]), max(r for _, r, _ in holds["wall"]))
             if holds["wall"] and not bad else
             "NOT MET: " + ", ".join("%s %.3f" % (desc(k), r) for k, r, _ in bad) if bad else "not measured"))
    if holds["wall_na"]:
        print("  not comparable (the peer named no correct sequence; smoke/peer wall): %s"
              % ", ".join("%s %.3f" % (desc(k), r) for k, r, _ in holds["wall_na"]))
    bad = [(k, r) for k, r in holds["execs"] if r > 0.6]
    print("must-hold: smoke's shrink executions per k on random orders at 400 tests <= 0.6x "
          "the peer's: %s"
          % ("met (%d rows, smoke/peer %.3f to %.3f)" % (len(holds["execs"]), min(r for _, r in holds["execs"]), max(r for _, r in holds["execs"]))
             if holds["execs"] and not bad else
             "NOT MET: " + ", ".join("%s %.3f" % (desc(k), r) for k, r in bad)
             + "; met: " + (", ".join("%s %.3f" % (desc(k), r) for k, r in holds["execs"] if r <= 0.6) or "none")
             if bad else "not measured"))
    if holds["execs_na"]:
        print("  not comparable (the peer named no correct sequence; smoke/peer per k): %s"
              % ", ".join("%s %.3f" % (desc(k), r) for k, r in holds["execs_na"]))
    if holds["execs_other"]:
        print("  the other random rows (smoke/peer per k): %s"
              % ", ".join("%s %.3f" % (desc(k), r) for k, r in holds["execs_other"]))
    print("must-hold: every smoke result the planted sequence, replayed and 1-minimal: %s (%d of %d)"
          % ("met" if smoke_ok == smoke_all and smoke_all else "NOT MET", smoke_ok, smoke_all))
    print("flagged rows (a peer as small a result, proven here, for fewer executions): %s"
          % (", ".join(desc(k) for k in holds["flags"]) or "none"))
    print("took %s s" % took)


if __name__ == "__main__" and sys.argv[1] == "table":
    table(*sys.argv[2:6])
elif __name__ == "__main__" and sys.argv[1] == "seeds":
    runner, folder, case, layout, n, count = sys.argv[2:8]
    seeds(runner, folder, case, layout, int(n), int(count))
elif __name__ == "__main__" and sys.argv[1] == "order":
    runner, folder, n, seed = sys.argv[2:6]
    print_order(runner, folder, int(n), int(seed), sys.argv[6] if len(sys.argv) > 6 else None)
elif __name__ == "__main__" and sys.argv[1] == "record":
    record(sys.argv[2:13])
