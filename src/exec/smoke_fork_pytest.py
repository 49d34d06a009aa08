"""smoke's fork server for pytest (written by smoke into a private folder, loaded with -p).

smoke starts pytest once with this plugin and --collect-only. After collection, instead of
running tests, the process waits for requests on smoke's pipe; each one goes to a child it
forked ahead of time (a spare, see _serve and _spare), and the child runs exactly the asked tests
in the asked order through pytest's own loop, then finishes like any pytest session (session
fixtures torn down, exit handlers, exit status; see pytest_unconfigure). The parent never runs a
test, so every child starts from the state right after collection, as a fresh pytest process
would.

Protocol, one JSON object per line. smoke -> server: {"tests": [...], "results": PATH,
"env": {...}, "dir": PATH or null, "stop_at_failure": bool}. server -> smoke: {"ready": N} or
{"unavailable": WHY} once, then per request {"missing": [...]} or {"pid": P} followed by
{"exit": CODE} (negative: killed by that signal). The child writes to PATH, as it goes,
{"start": NAME} before each test and {"test": NAME, "outcome": ..., "duration": S,
"output": TEXT} after it, so a test that kills its process is still known; one that kills its
parent process (the server, or smoke's keeper) ends its own process too, before writing that it
ended (see _parent_killed). The lines may begin
with notes, {"note": TEXT}: what this plugin changed in pytest for smoke (it turns
pytest-xdist's workers, pytest-rerunfailures' reruns and pytest-cov's coverage off, see
pytest_configure and pytest_load_initial_conftests), which smoke says once.

Stream only: when smoke runs a fresh pytest for a batch (no server), it loads this plugin with
SMOKE_PYTEST_STREAM=PATH. pytest then runs as it would anyway, and the same start and test lines
go to PATH, so a test that kills the process is named even though pytest wrote no JUnit XML.

List only: when smoke lists the suite (`pytest --collect-only`, loaded through PYTEST_PLUGINS so
the command line stays the preset's), it sets SMOKE_PYTEST_LIST=PATH. Once collection has ended
(pytest_runtestloop, reached only after a whole collection, with the order every plugin's
pytest_collection_modifyitems left), the plugin writes to PATH each node id as one JSON string
per line, then {"collected": N, "errors": E} (E: collection errors). smoke reads the ids there,
not from the console, so whatever addopts makes pytest print (-v, -qq, coverage reports) cannot
change them, and an exit status set after a clean collection (syrupy, a coverage threshold) does
not hide them. pytest-cov's coverage is turned off here too: collecting measures nothing useful
and would write .coverage and coverage reports into the project. A server started with no names
(it collects what the project's configuration says, as the listing does) may get the variable
too: it writes the same file once collection has ended cleanly, before it says it is ready, and
smoke takes the suite's listing from it instead of loading the suite a second time.

State: with SMOKE_STATE=PATH in the environment of the process that runs the tests (a fresh
pytest's own, or a fork-server child's request's "env"), the plugin imports smoke_state_pytest
(written beside it; imported only then, so a run without the variable pays nothing), takes the
state's baseline just before the first test (after collection, and in a child after its
variables and folder are set) and a snapshot after each test's teardown, and writes what each
test changed to PATH (see that module). The variable is taken out of os.environ first, so
neither the tests nor the diff of the environment see it.
"""

import json
import os
import signal
import sys
import threading

import pytest

_SERVING = os.environ.pop("SMOKE_FORK_SERVER", None) == "1"


def _unlisted():
    """Take this module out of PYTEST_PLUGINS (how smoke loads it when the names go in a file of
    arguments), so that the tests' own pytest processes do not load it."""
    listed = os.environ.get("PYTEST_PLUGINS")
    if listed is None:
        return
    rest = [name for name in listed.split(",") if name.strip() != __name__]
    if rest:
        os.environ["PYTEST_PLUGINS"] = ",".join(rest)
    else:
        del os.environ["PYTEST_PLUGINS"]


_unlisted()
if _SERVING:
    # Imported with -p, before pytest captures anything: keep smoke's pipes for the protocol
    # and send everything else pytest prints to stderr (smoke's log of the server).
    _REQUESTS = os.fdopen(os.dup(0), "rb")
    _REPLIES = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    _devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(_devnull, 0)
    os.close(_devnull)

# In a child: the results file and the names asked for, by node id.
_child = None

# Stream only: where the lines go (taken out of the environment, so the tests' own pytest
# processes do not write there).
_STREAM = None if _SERVING else os.environ.pop("SMOKE_PYTEST_STREAM", None)

# List only: where the collected node ids go (taken out of the environment, like the stream's).
# A server started with no names (it collects what the project's configuration says, as the
# listing would) gets the variable too: it writes the same file once it has collected, before it
# says it is ready, and smoke takes the suite's listing from it instead of starting pytest again.
_LIST_FILE = os.environ.pop("SMOKE_PYTEST_LIST", None) or None
_LIST = None if _SERVING else _LIST_FILE
_SERVER_LIST = _LIST_FILE if _SERVING else None

# Prefault each spare's memory while it waits (see _prefault): smoke asks for it with one worker
# on more than one CPU. Taken out of the environment, like the others.
_PREFAULT = os.environ.pop("SMOKE_FORK_PREFAULT", None) == "1"

# State: where the state lines go (a fork-server child takes its own from the request's
# variables), and the smoke_state_pytest.Tracker once the first test is about to run.
_STATE = os.environ.pop("SMOKE_STATE", None)
_state_path = None if (_SERVING or _LIST is not None) else _STATE
_tracker = None


def _reply(message):
    _REPLIES.write(json.dumps(message) + "\n")
    _REPLIES.flush()


class _Child:
    def __init__(self, path, names):
        self.out = open(path, "w", buffering=1, encoding="utf-8")
        self.names = names
        # The process a test reaches with os.getppid() (the fork server, or the keeper or shell
        # smoke runs a fresh pytest under); see _parent_killed.
        self.parent = os.getppid()
        self.reports = {}
        for note in _NOTES:
            self.write({"note": note})

    def write(self, message):
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()


# What this plugin changed in pytest for smoke, written first in each child's lines (smoke says
# each once).
_NOTES = []


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """pytest-cov (--cov, often from addopts) measures coverage in every pytest smoke starts,
    which costs time in each, writes .coverage into the project, and fails a run whose few tests
    miss --cov-fail-under: set --no-cov (on the namespace pytest-cov reads) before pytest-cov's
    own hook (tryfirst, but inside this wrapper) decides to start. (An old-style wrapper: every
    pytest this plugin may meet has them.)"""
    options = early_config.known_args_namespace
    if (
        (_SERVING or _STREAM is not None or _LIST is not None)
        and early_config.pluginmanager.hasplugin("pytest_cov")
        and getattr(options, "cov_source", None)
        and not getattr(options, "no_cov", False)
    ):
        options.no_cov = True
        _NOTES.append(
            "pytest-cov's coverage (--cov) is turned off for smoke's runs: measuring parts of "
            "the suite costs time, writes .coverage and fails --cov-fail-under"
        )
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Turn off what would run a sequence other than as asked, once, in one process.

    pytest-xdist (-n, often from addopts) hands the tests to worker processes, which neither
    keep the order asked nor share one process's state: distribution is turned off (as -n 0
    does) before xdist's own configure (trylast) starts its workers; pytest_cmdline_main, where
    xdist turns -n into workers, ran before. pytest-rerunfailures (--reruns) runs a failing
    test again in the same process, which hides an order failure that a test's own cleanup
    undoes, and repeats it in the results: its reruns are set to none (--force-reruns 0 where
    it has it, which also overrides flaky markers). smoke's --retries reruns a candidate
    instead."""
    if not (_SERVING or _STREAM is not None):
        return
    # A server, a fresh batch, or one test in per-test mode (streaming too, for these notes).
    option = config.option
    plugins = config.pluginmanager
    workers = getattr(option, "tx", None)
    if plugins.hasplugin("xdist") and getattr(option, "dist", "no") != "no" and workers:
        option.numprocesses = 0
        option.dist = "no"
        option.tx = []
        _NOTES.append(
            "pytest-xdist's %d workers (-n) are turned off for smoke's runs: they would run "
            "the tests in other processes, in an order of their own (smoke --jobs runs "
            "sequences side by side)" % len(workers)
        )
    if plugins.hasplugin("rerunfailures") and hasattr(option, "reruns"):
        reruns = option.reruns
        if reruns is None:
            try:
                reruns = int(config.getini("reruns") or 0)
            except ValueError:
                reruns = 0
        option.reruns = 0
        if hasattr(option, "force_reruns"):
            option.force_reruns = 0
        if reruns:
            _NOTES.append(
                "pytest-rerunfailures' --reruns %d is turned off for smoke's runs: a rerun in "
                "the same process can hide an order failure (smoke --retries reruns a "
                "candidate instead)" % reruns
            )


def _keys(item, invocation):
    """The node id, and the id relative to where pytest was started (what a user passes)."""
    keys = [item.nodeid]
    try:
        relative = os.path.relpath(str(item.path), str(invocation))
        rest = item.nodeid.split("::", 1)
        if len(rest) == 2:
            keys.append(relative.replace(os.sep, "/") + "::" + rest[1])
        else:
            keys.append(relative.replace(os.sep, "/"))
    except (AttributeError, ValueError):
        pass
    return keys


def _unsafe(session):
    if session.testsfailed:
        return "%d error(s) during collection" % session.testsfailed
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:
        return "threads are running after collection (%s); forking would copy them stopped" % (
            ", ".join(threads[:3])
        )
    if not hasattr(os, "fork"):
        return "this Python cannot fork"
    return None


def _write_list(session, path):
    """The node ids in their final order, then the count and the collection errors (written
    last, so a file without that line is one whose writing did not finish)."""
    with open(path, "w", encoding="utf-8") as out:
        for item in session.items:
            out.write(json.dumps(item.nodeid) + "\n")
        out.write(json.dumps({"collected": len(session.items), "errors": session.testsfailed}))
        out.write("\n")


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    global _child, _state_path
    if _LIST is not None:
        _write_list(session, _LIST)
        return None
    if not _SERVING or _child is not None:
        return None
    why = _unsafe(session)
    if why:
        _reply({"unavailable": why})
        os._exit(0)
    if _SERVER_LIST is not None:
        _write_list(session, _SERVER_LIST)
    invocation = session.config.invocation_params.dir
    by_name = {}
    for item in session.items:
        for key in _keys(item, invocation):
            by_name.setdefault(key, item)
    _reply({"ready": len(session.items)})
    request = json.loads(_serve(by_name))

    # The child (a spare handed its request): the sequence's variables and folder, then
    # pytest's own loop over the asked tests.
    asked = request["tests"]
    os.environ.update(request.get("env") or {})
    _state_path = os.environ.pop("SMOKE_STATE", None) or _STATE
    if request.get("dir"):
        os.chdir(request["dir"])
    items = [by_name[name] for name in asked]
    _child = _Child(request["results"], {item.nodeid: name for item, name in zip(items, asked)})
    session.items = items
    session.config.option.collectonly = False
    if request.get("stop_at_failure"):
        session.config.option.maxfail = 1
    return None


def _serve(known):
    """The server's loop: returns only in a child, with the request line it was handed.

    A spare child is forked ahead of each request (see _spare), so that the fork, and the
    copying of the server's page tables it takes (2 to 9 ms for a large suite), happen while
    smoke decides what to ask next or while the previous child runs, not between smoke's
    request and the child's start. The server still reads smoke's requests and checks the
    names itself; it answers with the spare's pid and hands the request to the spare. Then,
    with the child running, it does its warm-ups (once, see _warm) and forks the next spare,
    which starts with them done, and waits for the child."""
    _prepare_prefault()
    spare, hand = _spare()
    if not spare:
        return hand
    while True:
        line = _REQUESTS.readline()
        if not line:
            os._exit(0)
        missing = [name for name in json.loads(line)["tests"] if name not in known]
        if missing:
            _reply({"missing": missing})
            continue
        while os.waitpid(spare, os.WNOHANG)[0]:
            # The spare has ended (something killed it): fork another.
            os.close(hand)
            spare, hand = _spare()
            if not spare:
                return hand
        # The answer first: handing the request over wakes the child, which may take this
        # process's CPU for a while (5 ms, on 2 busy cores) before the answer could go out.
        # Should the child be killed in between (by smoke, which knows its pid now), handing
        # it over fails and the answer is the child's end.
        child = spare
        _reply({"pid": child})
        _hand(hand, line)
        _warm()
        spare, hand = _spare()
        if not spare:
            return hand
        _, status = os.waitpid(child, 0)
        _reply({"exit": os.waitstatus_to_exitcode(status)})


def _spare():
    """Fork the next child before its request: in the server, (its pid, the write end of the
    pipe its request goes down); in the child, (0, its request line).

    The child starts from the server's state as it is now (collected, warmed up; the server
    never runs a test). It is in its own process group (smoke kills it whole on a timeout or
    Ctrl-C) before smoke can learn its pid: both sides call setpgid, whichever runs first.
    It keeps neither smoke's pipes nor the write end of its own, so it reads its request until
    the end of the pipe, and an end with no request (the server has ended: smoke closed its
    pipe, or the server was killed, by smoke or by a test) ends the spare too."""
    _freeze()
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        try:
            os.setpgid(pid, pid)
        except OSError:
            # It has ended already (killed): _serve finds out.
            pass
        os.close(read)
        return pid, write
    os.setpgid(0, 0)
    os.close(write)
    _REQUESTS.close()
    _REPLIES.close()
    # What came down the pipe while it prefaulted, b"" last if the pipe has ended.
    chunks = _prefault(read)
    ended = chunks[-1:] == [b""]
    while not ended:
        chunk = os.read(read, 65536)
        ended = not chunk
        chunks.append(chunk)
    os.close(read)
    line = b"".join(chunks)
    if not line:
        os._exit(0)
    return 0, line


# The C library's madvise, prepared once in the server for its spares (see _prefault); None
# where it cannot be (not Linux, no ctypes), or smoke did not ask for it.
_madvise = None


def _prepare_prefault():
    """In the server, before its first spare: the C library's madvise through ctypes, when
    smoke asks for prefaulting (SMOKE_FORK_PREFAULT=1: one worker, more than one CPU). ctypes
    is then taken out of sys.modules again, so that the children see the modules a fresh pytest
    would (a test that imports it gets it anew)."""
    global _madvise
    if not _PREFAULT or not sys.platform.startswith("linux"):
        return
    before = set(sys.modules)
    try:
        import ctypes

        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        madvise.restype = ctypes.c_int
        _madvise = madvise
    except Exception:
        _madvise = None
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]


# madvise's advice to fault pages in writable (Linux 5.14 and later), how much one call
# prefaults, and how much a spare prefaults in all.
_MADV_POPULATE_WRITE = 23
_PREFAULT_STEP = 4 << 20
_PREFAULT_MOST = 256 << 20


def _prefault(read):
    """In a spare, until its request comes down `read` (returned: what came, b"" last if the
    pipe ended): fault in, writable, the private writable pages it shares with the server, at
    most _PREFAULT_MOST bytes, _PREFAULT_STEP at a time (madvise MADV_POPULATE_WRITE, which
    copies each page and changes nothing in it).

    A forked child shares its memory with the server until it writes to a page, and then the
    kernel copies that page first. CPython writes to every object it touches (its reference
    count), so the tests of a child copy page after page as they run, each copy a fault: on
    freezegun's suite, whose tests walk every loaded module, a test took 27 ms in a child and
    18 ms in a prefaulted one, and a whole run to the proven answer 1.02 s instead of 1.17 s
    (best of 5). A spare does this while smoke decides what to ask or while the previous child
    runs, on the other CPU, and stops at once when its request comes; smoke asks for it only
    with one worker on more than one CPU, so that it never takes a CPU a test needs. Each spare
    holds its own copy of what it prefaulted (at most _PREFAULT_MOST)."""
    if _madvise is None:
        return []
    chunks = []
    try:
        with open("/proc/self/maps", "rb") as maps:
            lines = maps.read().split(b"\n")
        os.set_blocking(read, False)
        left = _PREFAULT_MOST
        for line in lines:
            fields = line.split()
            # rw-p: private and writable; not the kernel's [vvar], [vdso], [vsyscall].
            if len(fields) < 5 or fields[1][:2] != b"rw" or fields[1][3:4] != b"p":
                continue
            if len(fields) > 5 and fields[5].startswith(b"[v"):
                continue
            low, high = (int(end, 16) for end in fields[0].split(b"-"))
            while low < high and left > 0:
                try:
                    chunks.append(os.read(read, 65536))
                    return chunks
                except BlockingIOError:
                    pass
                step = min(_PREFAULT_STEP, high - low, left)
                if _madvise(low, step, _MADV_POPULATE_WRITE) != 0:
                    # An older kernel (EINVAL), or a mapping it will not fault in: leave the
                    # rest of this mapping to the faults, as without prefaulting.
                    break
                low += step
                left -= step
    except OSError:
        pass
    finally:
        os.set_blocking(read, True)
    return chunks


def _hand(write, line):
    """Hand `line` to the spare whose pipe `write` writes to, and close the pipe (a spare that
    has ended takes nothing)."""
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(write, view) :]
    except BrokenPipeError:
        pass
    finally:
        os.close(write)


# Whether the server has warmed up for its children (see _warm).
_warmed = []


def _warm():
    """In the server, once, while the first child runs (after its request was handed over,
    before the next spare is forked, see _serve): do what every child did again on its own, so
    that the children after it start with it done, as a fresh pytest has it after its first test
    or failure. pytest's JUnit XML (the batch command's --junitxml) compiles its escaping
    regular expression at its first test, 7 ms of a 25 ms candidate of four tests. A failure is
    printed with its traceback's source: what that builds on first use (inspect's table of every
    module's file, a realpath each; the regular expressions it compiles) took 15 ms of a 38 ms
    candidate of two tests. Done whether or not a child has failed yet: after the answer to a
    failing child, smoke's next request waited for it (40 ms)."""
    if _warmed:
        return
    _warmed.append(True)
    try:
        from _pytest.junitxml import bin_xml_escape

        bin_xml_escape("smoke")
    except Exception:
        pass
    try:
        raise AssertionError("smoke prints a failure once in the fork server")
    except AssertionError:
        try:
            str(pytest.ExceptionInfo.from_current().getrepr(style="long"))
        except Exception:
            pass


# The buffered files among the objects the server froze (weak references), for a child's flush
# at its end (see pytest_unconfigure): gc.get_objects() no longer lists frozen objects.
_frozen_files = None


def _freeze():
    """In the server, before each fork: move every object it holds into the collector's
    permanent generation (gc.freeze, made for servers that fork), which collections skip. A
    collection writes to each object it visits, and in a child each such write first copies the
    page it shares with the server: pytest's last collection (its check for unraisable
    exceptions, in pytest_unconfigure) visited every object of the server and took most of a
    candidate's time (15 of 50 ms for an 84-test suite; 100 ms for 600,000 objects). The child's
    own objects are collected as before. What differs from a fresh pytest: a cycle made before
    the fork (at collection) that a test drops is not collected in the child, and
    gc.get_objects() there lists only the child's objects."""
    global _frozen_files
    import gc

    if not hasattr(gc, "freeze"):
        return
    if _frozen_files is None:
        import weakref

        kinds = _buffered_kinds()
        _frozen_files = [weakref.ref(o) for o in gc.get_objects() if type(o) in kinds]
    gc.freeze()


def _buffered_kinds():
    """The buffered file kinds and their subclasses (what isinstance would match; not the
    io.IOBase ABC, whose check would cost more than the exit it saves)."""
    import io

    kinds = set()
    pending = [io.TextIOWrapper, io.BufferedWriter, io.BufferedRandom, io.BufferedRWPair]
    while pending:
        kind = pending.pop()
        if kind not in kinds:
            kinds.add(kind)
            pending.extend(kind.__subclasses__())
    return kinds


def pytest_collection_finish(session):
    """Stream only: start writing, naming each test as it was asked for on the command line."""
    global _child
    if _STREAM is None or _child is not None:
        return
    asked = set(session.config.args)
    invocation = session.config.invocation_params.dir
    names = {}
    for item in session.items:
        for key in _keys(item, invocation):
            if key in asked:
                names[item.nodeid] = key
                break
    _child = _Child(_STREAM, names)


def _state_begin(config):
    """The state's baseline, just before the first test (see smoke_state_pytest)."""
    global _tracker, _state_path
    path, _state_path = _state_path, None
    try:
        import smoke_state_pytest
    except Exception as error:
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.write(json.dumps({"note": "no state diff: %s" % error}) + "\n")
        except OSError:
            pass
        return
    try:
        root = str(config.rootpath)
    except Exception:
        root = None
    _tracker = smoke_state_pytest.Tracker(path, root)
    _tracker.begin()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if _state_path is not None and _tracker is None:
        _state_begin(item.config)
    if _child is not None:
        _child.reports[item.nodeid] = []
        _child.write({"start": _child.names.get(item.nodeid, item.nodeid)})
    return None


def pytest_runtest_logreport(report):
    if _child is not None and report.nodeid in _child.reports:
        _child.reports[report.nodeid].append(report)


def _parent_killed(parent):
    """Whether `parent` was killed, or has ended, since this process started: a test that did
    os.kill(os.getppid(), 9) has returned by now, but the parent's death is asynchronous, so
    this process could otherwise write that the test passed, and start the next one, before the
    parent's end reaches it. The kernel marks a SIGKILL as pending for the whole process
    (ShdPnd in /proc) from the moment kill() returns until the process takes it; from then on
    the process is exiting (PF_EXITING in /proc's flags) and then a zombie; and the children of
    a process that has ended have a new parent. Without /proc, only the last is seen."""
    if os.getppid() != parent:
        return True
    try:
        with open("/proc/%d/status" % parent, "rb") as status:
            for line in status:
                if line.startswith(b"ShdPnd:") and int(line.split()[1], 16) & (
                    1 << (signal.SIGKILL - 1)
                ):
                    return True
        # Once the parent has taken the SIGKILL it is no longer pending, but the parent is not
        # gone yet (its children still have it as their parent): it is exiting (PF_EXITING in
        # its flags, the 9th field of /proc/PID/stat) or a zombie already.
        with open("/proc/%d/stat" % parent, "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[0] in (b"Z", b"X") or bool(int(fields[6]) & _PF_EXITING)
    except (OSError, ValueError, IndexError):
        pass
    return False


# The kernel's flag of a task that has begun to exit (include/linux/sched.h).
_PF_EXITING = 0x00000004


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid, location):
    _log_test(nodeid)
    if _tracker is not None:
        _tracker.after(_child.names.get(nodeid, nodeid) if _child is not None else nodeid)


def _log_test(nodeid):
    if _child is None or nodeid not in _child.reports:
        return
    if _parent_killed(_child.parent):
        # The test killed the process that runs this one (smoke's keeper, which takes this
        # process with it, or the fork server): end here, as if it had killed this process, so
        # that the test is the one left started and never ended.
        os.kill(os.getpid(), signal.SIGKILL)
    reports = _child.reports.pop(nodeid)
    outcome = "passed"
    for report in reports:
        if report.failed:
            outcome = "failed"
        elif report.skipped and outcome == "passed" and report.when != "teardown":
            outcome = "skipped"
    text = [report.longreprtext for report in reports if report.failed]
    for report in reports:
        for title, content in report.sections:
            if content:
                text.append("----- %s -----\n%s" % (title, content))
    _child.write(
        {
            "test": _child.names.get(nodeid, nodeid),
            "outcome": outcome,
            "duration": sum(report.duration for report in reports),
            "output": "\n".join(text),
        }
    )


# A child's exit status, from pytest_sessionfinish.
_exit_status = None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    if _SERVING and _child is not None:
        _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """A child ends here, after every plugin's unconfigure, doing what the end of a fresh process
    does that others can see (its other threads finish, exit handlers run, every open file is
    flushed), then exits at once: tearing down the interpreter's modules and objects one by one
    would take longer than the tests of most candidates (40 ms for a small suite)."""
    if not (_SERVING and _child is not None and _exit_status is not None):
        return
    import atexit
    import gc
    import itertools

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    # The buffered files, picked out of every object by type at C speed (a Python loop with
    # isinstance took 8 to 15 ms over a 400-test suite's 40,000 objects, this takes 3 to 5): the
    # child's objects, and the files the server held when it froze its own (see _freeze).
    kinds = _buffered_kinds()
    objects = gc.get_objects()
    objects.extend(ref() for ref in _frozen_files or ())
    for obj in itertools.compress(objects, map(kinds.__contains__, map(type, objects))):
        try:
            if not obj.closed:
                obj.flush()
        except Exception:
            pass
    _child.out.close()
    os._exit(_exit_status)
