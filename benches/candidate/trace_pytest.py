"""benches/candidate.sh's probe inside pytest, loaded with -p trace_pytest (its folder on
PYTHONPATH). With SMOKE_TRACE=FILE it appends timing marks to FILE in smoke's format (seconds
since the epoch, what happened), so that they lie beside smoke's own: in a fork server, its fork
of each child and the child's reaping; in each run (a child, or a plain pytest), the test loop's
start and end, each test's start and end, the session's finish, unconfigure, and the exit.
Changes nothing else."""

import os
import sys
import time

import pytest

_FILE = os.environ.get("SMOKE_TRACE")


def mark(what):
    if _FILE:
        with open(_FILE, "a") as f:
            f.write("%.6f py.%s\n" % (time.time(), what))


_fork = os.fork


def _traced_fork():
    mark("fork")
    pid = _fork()
    if pid == 0:
        mark("forked")
    return pid


os.fork = _traced_fork
_exit = os._exit


def _traced_exit(status):
    mark("exit")
    _exit(status)


os._exit = _traced_exit
_waitpid = os.waitpid


def _traced_waitpid(pid, options):
    got = _waitpid(pid, options)
    if got[0]:
        # A child reaped (not the server's look at whether its spare still lives).
        mark("waited")
    return got


os.waitpid = _traced_waitpid


def pytest_configure(config):
    """In a fork server, which forks each child ahead of its request (a spare): "handed" when
    the server hands a request over, "spared" when the child has it."""
    server = sys.modules.get("smoke_fork_pytest")
    if server is None or not hasattr(server, "_spare"):
        return
    spare, hand = server._spare, server._hand

    def traced_spare():
        got = spare()
        if not got[0]:
            mark("spared")
        return got

    def traced_hand(write, line):
        mark("handed")
        return hand(write, line)

    server._spare, server._hand = traced_spare, traced_hand


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    if not session.config.option.collectonly:
        mark("runtestloop")
    yield
    mark("runtestloop.end")


def pytest_runtest_logstart(nodeid, location):
    mark("test_started")


def pytest_runtest_logfinish(nodeid, location):
    mark("test_finished")


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session, exitstatus):
    mark("sessionfinish")
    yield
    mark("sessionfinish.end")


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    mark("unconfigure")
