//! The pytest fork server: batch sequences forked from one pytest that collected the suite once
//! per worker. Each suite's conftest appends a line to `starts.log` whenever a pytest process
//! configures itself, so the tests count real runner start-ups, not what smoke says.

mod common;

use common::{
    Suite, assert_no_hook_failures, example, minimal_sequences, names, require_pytest, stderr,
};
use std::fs;
use std::path::Path;

/// A conftest that logs every pytest start-up (forked children do not start up again).
const COUNTING_CONFTEST: &str = "import os\n\n\ndef pytest_configure(config):\n    with open(os.path.join(os.path.dirname(__file__), 'starts.log'), 'a') as f:\n        f.write('start\\n')\n";

fn starts(suite: &Suite) -> usize {
    fs::read_to_string(suite.path().join("starts.log"))
        .unwrap_or_default()
        .lines()
        .count()
}

fn pair(a: &str, b: &str) -> Vec<Vec<String>> {
    vec![vec![a.to_string(), b.to_string()]]
}

/// 30 tests in three files; `test_b.py::test_pollute` sets a module global that
/// `test_c.py::test_victim` needs unset.
fn polluted_suite() -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("conftest.py", COUNTING_CONFTEST)
        .file("shared.py", "DIRTY = False\n");
    for m in ["a", "b", "c"] {
        let mut body = String::from("import shared\n\n");
        for i in 0..9 {
            body.push_str(&format!("def test_{m}{i}():\n    pass\n\n"));
        }
        match m {
            "b" => body.push_str("def test_pollute():\n    shared.DIRTY = True\n"),
            "c" => body.push_str("def test_victim():\n    assert not shared.DIRTY\n"),
            _ => body.push_str("def test_a9():\n    pass\n"),
        }
        suite.file(&format!("test_{m}.py"), &body);
    }
    suite
}

#[test]
fn the_example_shrinks_to_the_same_pair_with_one_pytest_start_instead_of_one_per_sequence() {
    require_pytest();
    let suite = example("pytest-global");
    suite.file("conftest.py", COUNTING_CONFTEST);
    let out = suite.smoke(&["--seed", "1", "--iterations", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let forked = suite.report();
    assert_eq!(forked["options"]["fork_server"], "pytest");
    // One pytest: the server, whose collection was the listing; every sequence was a fork.
    assert_eq!(starts(&suite), 1);

    fs::remove_file(suite.path().join("starts.log")).expect("remove");
    let out = suite.smoke(&["--seed", "1", "--iterations", "3", "--no-fork-server"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fresh = suite.report();
    assert!(fresh["options"].get("fork_server").is_none(), "{fresh}");
    let runs = fresh["stats"]["sequences_run"]
        .as_u64()
        .unwrap_or_else(|| fresh["iterations"].as_array().expect("array").len() as u64);
    assert!(starts(&suite) as u64 > runs, "{} starts", starts(&suite));

    let expected = pair(
        "tests/test_settings.py::test_price_in_dollars",
        "tests/test_invoice.py::test_invoice_line_in_euro",
    );
    // The same answers. (Not always by the same steps: the server makes a run's fixed cost
    // smaller, and the shrinker weighs candidates by cost.)
    assert_eq!(minimal_sequences(&forked), expected);
    assert_eq!(minimal_sequences(&fresh), expected);
}

#[test]
fn a_generated_suite_gives_the_same_minimal_sequence_with_and_without_the_server() {
    require_pytest();
    for extra in [&[][..], &["--no-fork-server"][..]] {
        let suite = polluted_suite();
        let mut args = vec!["--preset", "pytest", "--seed", "7", "--iterations", "4"];
        args.extend(extra);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
        assert_eq!(
            minimal_sequences(&suite.report()),
            pair("test_b.py::test_pollute", "test_c.py::test_victim"),
            "{extra:?}"
        );
    }
}

/// A conftest that logs, to `events.log`, when the fork server configures itself and when the
/// listing has collected (which it does slowly: two seconds after collecting). The listing loads
/// smoke's plugin too, in its list mode: the server is the pytest whose plugin serves.
const EVENTS_CONFTEST: &str = "import os, sys, time\n\nLOG = os.path.join(os.path.dirname(__file__), 'events.log')\n\n\ndef _log(what):\n    with open(LOG, 'a') as f:\n        f.write(what + '\\n')\n\n\ndef _role():\n    plugin = sys.modules.get('smoke_fork_pytest')\n    return 'server' if getattr(plugin, '_SERVING', False) else 'listing'\n\n\ndef pytest_configure(config):\n    _log(_role() + ' configured')\n\n\ndef pytest_collection_finish(session):\n    if _role() == 'listing' and session.config.option.collectonly:\n        time.sleep(2)\n        _log('listing collected')\n";

fn events(suite: &Suite) -> Vec<String> {
    fs::read_to_string(suite.path().join("events.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_preset_s_listing_is_the_fork_server_s_collection_and_another_batch_is_listed_beside_it() {
    require_pytest();
    // The preset's own listing and batch command collect the same suite: the server writes its
    // node ids, and pytest loads the suite once.
    let suite = polluted_suite();
    suite.file("conftest.py", EVENTS_CONFTEST);
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["fork_server"], "pytest");
    assert_eq!(suite.report()["options"]["tests"], 30);
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    assert_eq!(events(&suite), ["server configured"]);

    // A batch command of the user's may collect something else: the preset lists the suite,
    // and the server started early loads it at the same time, not after.
    let suite = polluted_suite();
    suite.file("conftest.py", EVENTS_CONFTEST).file(
        "smoke.toml",
        "[suite]\npreset = \"pytest\"\nbatch = \"pytest -p no:randomly -p no:cacheprovider -q --junitxml={junit} {tests}\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["fork_server"], "pytest");
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    let seen = events(&suite);
    let at = |what: &str| seen.iter().position(|e| e == what);
    assert_eq!(
        seen.iter().filter(|e| e.ends_with("configured")).count(),
        2,
        "{seen:?}"
    );
    let (Some(server), Some(listed)) = (at("server configured"), at("listing collected")) else {
        panic!("{seen:?}");
    };
    assert!(server < listed, "{seen:?}");
}

#[test]
fn a_server_that_cannot_serve_leaves_the_listing_to_the_preset_which_says_what_went_wrong() {
    require_pytest();
    // A collection error: the server says it cannot fork and writes no listing; the preset's
    // own listing runs and its error names the broken file, as without a server.
    let suite = polluted_suite();
    suite
        .file("conftest.py", COUNTING_CONFTEST)
        .file("test_broken.py", "import nowhere_to_be_found\n");
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("test_broken.py"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nowhere_to_be_found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(starts(&suite), 2, "the server, then the listing");
}

#[test]
fn a_server_started_early_that_collected_less_than_the_listing_is_replaced_by_one_with_the_names() {
    require_pytest();
    let suite = polluted_suite();
    // Without names, this batch command collects test_a.py alone: the server started while
    // listing lacks the polluter and the victim, so smoke starts one with the listed names.
    suite.file(
        "smoke.toml",
        "[suite]\npreset = \"pytest\"\nbatch = \"pytest -p no:cacheprovider -q --junitxml={junit} test_a.py {tests}\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["fork_server"], "pytest", "{report}");
    assert_eq!(
        minimal_sequences(&report),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    assert!(
        !stderr(&out).contains("fork server"),
        "no sequence ran fresh: {}",
        stderr(&out)
    );
    // The listing, the server started early, and its replacement; every sequence forked.
    assert_eq!(starts(&suite), 3);
}

#[test]
fn the_config_key_turns_the_server_off() {
    require_pytest();
    let suite = polluted_suite();
    suite.file(
        "smoke.toml",
        "[suite]\npreset = \"pytest\"\nfork-server = false\n",
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(suite.report()["options"].get("fork_server").is_none());
    assert!(starts(&suite) > 3, "{} starts", starts(&suite));
}

#[test]
fn a_forked_child_ends_as_a_fresh_pytest_would_threads_exit_handlers_and_buffered_files() {
    require_pytest();
    // The child skips tearing down the interpreter, so what others can see of a process's end
    // is done by hand: a file written and never flushed, an exit handler, a thread still running.
    let suite = Suite::new();
    suite.file("conftest.py", COUNTING_CONFTEST).file(
        "test_leave.py",
        r#"import atexit, io, os, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
KEEP = open(os.path.join(HERE, "unflushed.txt"), "w")


class Wrapped(io.TextIOWrapper):
    pass


SUBCLASSED = Wrapped(open(os.path.join(HERE, "subclassed.txt"), "wb"))


def test_leave():
    KEEP.write("written, never flushed\n")
    SUBCLASSED.write("through a subclass\n")
    atexit.register(lambda: open(os.path.join(HERE, "atexit.txt"), "w").write("ran\n"))

    def late():
        time.sleep(0.3)
        with open(os.path.join(HERE, "thread.txt"), "w") as f:
            f.write("finished\n")

    threading.Thread(target=late).start()
"#,
    );
    let out = suite.smoke(&[
        "--preset",
        "pytest",
        "--order",
        "rotate",
        "--times",
        "1",
        "test_leave.py::test_leave",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["fork_server"], "pytest");
    assert_eq!(
        starts(&suite),
        1,
        "the server, which also listed: the test ran forked"
    );
    let read = |f: &str| fs::read_to_string(suite.path().join(f)).unwrap_or_default();
    assert_eq!(read("unflushed.txt"), "written, never flushed\n");
    assert_eq!(read("subclassed.txt"), "through a subclass\n");
    assert_eq!(read("atexit.txt"), "ran\n");
    assert_eq!(read("thread.txt"), "finished\n");
}

#[test]
fn with_one_worker_a_spare_faults_its_memory_in_while_it_waits_and_the_tests_see_no_trace_of_it() {
    require_pytest();
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        // smoke prefaults only where a CPU is free for it.
        return;
    }
    // Each child notes, as its first test starts, how much of its memory is its own already
    // (private dirty pages, from /proc) and whether ctypes (what the spare prefaulted with) is
    // loaded; the slow test gives the next spare time to prefault while it runs.
    let suite = Suite::new();
    suite
        .file(
            "conftest.py",
            "import sys\n\nLOOKED = []\n\n\ndef pytest_runtest_setup(item):\n    if LOOKED:\n        return\n    LOOKED.append(1)\n    with open('/proc/self/smaps_rollup') as f:\n        dirty = sum(int(l.split()[1]) for l in f if l.startswith('Private_Dirty'))\n    with open('looks.log', 'a') as f:\n        f.write('%d %s\\n' % (dirty, 'ctypes' in sys.modules))\n",
        )
        .file(
            "test_x.py",
            "import time\n\n\ndef test_quick():\n    pass\n\n\ndef test_slow():\n    time.sleep(0.5)\n",
        );
    let looks = |jobs: &str| -> Vec<(u64, String)> {
        let _ = fs::remove_file(suite.path().join("looks.log"));
        let out = suite.smoke(&[
            "--preset",
            "pytest",
            "--seed",
            "1",
            "--iterations",
            "3",
            "--jobs",
            jobs,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(suite.report()["options"]["fork_server"], "pytest");
        fs::read_to_string(suite.path().join("looks.log"))
            .expect("looks.log")
            .lines()
            .map(|l| {
                let (kb, ctypes) = l.split_once(' ').expect("two fields");
                (kb.parse().expect("kB"), ctypes.to_string())
            })
            .collect()
    };
    let prefaulted = looks("1");
    let faulting = looks("2");
    assert_eq!(prefaulted.len(), 3, "{prefaulted:?}");
    // No child sees ctypes, as no fresh pytest would.
    assert!(
        prefaulted
            .iter()
            .chain(&faulting)
            .all(|(_, c)| c == "False"),
        "{prefaulted:?} {faulting:?}"
    );
    // The later sequences' spares had a slow test's time to prefault: their memory is their own
    // before the first test; with two workers nothing prefaults.
    let most = |looks: &[(u64, String)]| looks.iter().map(|(kb, _)| *kb).max().unwrap_or(0);
    assert!(
        most(&prefaulted[1..]) > 4 * most(&faulting) && most(&prefaulted[1..]) > 8 * 1024,
        "private dirty kB, prefaulted {prefaulted:?}, without {faulting:?}"
    );
}

#[test]
fn a_test_that_kills_its_forked_process_is_that_tests_failure_and_is_shrunk() {
    require_pytest();
    let suite = polluted_suite();
    suite.file(
        "test_c.py",
        "import os, signal\nimport shared\n\ndef test_c0():\n    pass\n\ndef test_victim():\n    if shared.DIRTY:\n        os.kill(os.getpid(), signal.SIGKILL)\n",
    );
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    assert_eq!(report["failures"][0]["failure"], "signal 9", "{report}");
    assert_no_hook_failures(&report);
}

#[test]
fn a_test_that_hangs_in_a_forked_process_times_out_and_the_server_serves_on() {
    require_pytest();
    let suite = polluted_suite();
    suite.file(
        "test_c.py",
        "import time\nimport shared\n\ndef test_c0():\n    pass\n\ndef test_victim():\n    if shared.DIRTY:\n        time.sleep(600)\n",
    );
    // The tests named in smoke.toml: a listing under the 3 s limit could time out on a busy
    // machine. The batch command runs pytest, so the fork server serves it.
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"test_a.py::test_a0\", \"test_b.py::test_pollute\", \"test_b.py::test_b1\", \"test_c.py::test_c0\", \"test_c.py::test_victim\"]\nbatch = \"pytest -p no:randomly -p no:cacheprovider -q --junitxml={junit} {tests}\"\ntimeout = \"3s\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["fork_server"], "pytest");
    assert_eq!(
        minimal_sequences(&report),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    assert_eq!(report["failures"][0]["failure"], "timeout", "{report}");
    // One server: the killed children did not take it with them.
    assert_eq!(starts(&suite), 1);
}

#[test]
fn each_forked_sequence_gets_its_own_iteration_and_seed_variables() {
    require_pytest();
    let suite = Suite::new();
    suite.file("conftest.py", COUNTING_CONFTEST).file(
        "test_env.py",
        "import os\n\ndef test_env():\n    with open('env.log', 'a') as f:\n        f.write(os.environ['SMOKE_ITERATION'] + ' ' + os.environ['SMOKE_SEED'] + '\\n')\n\ndef test_other():\n    pass\n",
    );
    let out = suite.smoke(&["--preset", "pytest", "--seed", "40", "--iterations", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let logged = fs::read_to_string(suite.path().join("env.log")).expect("env.log");
    assert_eq!(logged, "1 40\n2 41\n3 42\n");
    assert_eq!(starts(&suite), 1);
}

#[test]
fn when_forking_is_unsafe_smoke_says_why_and_runs_fresh_pytest_processes() {
    require_pytest();
    let suite = polluted_suite();
    // A thread started at import time would be copied stopped into every child.
    suite.file(
        "conftest.py",
        &format!(
            "{COUNTING_CONFTEST}\nimport threading, time\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True, name='poller').start()\n"
        ),
    );
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("fork server cannot take it") && err.contains("poller"),
        "{err}"
    );
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    let warnings = names(&report["warnings"]);
    assert!(
        warnings.iter().any(|w| w.contains("threads are running")),
        "{warnings:?}"
    );
    // Said once, not once per sequence.
    assert_eq!(
        err.matches("fork server cannot take it").count(),
        1,
        "{err}"
    );
}

#[test]
fn with_two_workers_each_has_its_own_server() {
    require_pytest();
    let suite = polluted_suite();
    let out = suite.smoke(&[
        "--preset",
        "pytest",
        "--seed",
        "3",
        "--iterations",
        "6",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    // One server per worker; the first one's collection was the listing.
    assert_eq!(starts(&suite), 2);
}

#[test]
fn ctrl_c_while_the_tests_are_listed_ends_the_server_started_early_too() {
    require_pytest();
    // Every pytest notes its pid; then, in the first case, the listing collects for a minute
    // (a batch command of the user's: the preset lists the suite beside the server); in the
    // second, the server does (the preset's own: its collection is the listing).
    // (The listing loads smoke's plugin too, in its list mode: the server is the one serving.)
    let listing_sleeps = "import os, sys, time\n\n\ndef pytest_configure(config):\n    with open('pytest.pids', 'a') as f:\n        f.write('%d\\n' % os.getpid())\n\n\ndef pytest_collection_finish(session):\n    if not getattr(sys.modules.get('smoke_fork_pytest'), '_SERVING', False):\n        time.sleep(60)\n";
    let server_sleeps = "import os, sys, time\n\n\ndef pytest_configure(config):\n    with open('pytest.pids', 'a') as f:\n        f.write('%d\\n' % os.getpid())\n\n\ndef pytest_collection_finish(session):\n    if getattr(sys.modules.get('smoke_fork_pytest'), '_SERVING', False):\n        time.sleep(60)\n";
    let custom_batch = "[suite]\npreset = \"pytest\"\nbatch = \"pytest -p no:randomly -p no:cacheprovider -q --junitxml={junit} {tests}\"\n";
    let preset = "[suite]\npreset = \"pytest\"\n";
    for (conftest, config, processes) in [
        (listing_sleeps, custom_batch, 2),
        (server_sleeps, preset, 1),
    ] {
        let suite = polluted_suite();
        suite
            .file("conftest.py", conftest)
            .file("smoke.toml", config);
        let mut child = suite.spawn(&["--order", "rotate"]);
        let pids = || -> Vec<i32> {
            fs::read_to_string(suite.path().join("pytest.pids"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while pids().len() < processes && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(
            pids().len(),
            processes,
            "{config}: the pytest processes started"
        );
        // Past pytest_configure: collecting.
        std::thread::sleep(std::time::Duration::from_millis(300));
        child.signal(libc::SIGINT);
        let status = child.0.wait().expect("wait");
        assert_eq!(status.code(), Some(130), "{config}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        for pid in pids() {
            while common::alive(pid) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            assert!(
                !common::alive(pid),
                "{config}: pytest process {pid} still runs"
            );
        }
        // No listing was started after the signal.
        assert_eq!(pids().len(), processes, "{config}");
    }
}

#[test]
fn ctrl_c_while_a_forked_test_runs_kills_it_seals_the_report_and_leaves_no_server() {
    require_pytest();
    let suite = Suite::new();
    suite
        .file(
            "conftest.py",
            "import os\n\n\ndef pytest_configure(config):\n    with open('servers.pids', 'a') as f:\n        f.write('%d\\n' % os.getpid())\n",
        )
        .file(
            "test_slow.py",
            "import os, time\n\ndef test_first():\n    pass\n\ndef test_slow():\n    with open('children.pids', 'a') as f:\n        f.write('%d\\n' % os.getpid())\n    time.sleep(60)\n",
        );
    let mut child = suite.spawn(&["--preset", "pytest", "--seed", "1", "-n", "5"]);
    let started = std::time::Instant::now();
    common::wait_for(
        &suite.path().join("children.pids"),
        std::time::Duration::from_secs(60),
    );
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < std::time::Duration::from_secs(50));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert_eq!(report["options"]["fork_server"], "pytest");
    // The forked child, the server (it ends when smoke's pipe closes) and the listing's pytest.
    let pids = |file: &str| -> Vec<i32> {
        fs::read_to_string(suite.path().join(file))
            .expect("pids")
            .lines()
            .map(|l| l.trim().parse().expect("a pid"))
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for pid in pids("children.pids")
        .into_iter()
        .chain(pids("servers.pids"))
    {
        while common::alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(!common::alive(pid), "pytest process {pid} still runs");
    }
}

#[test]
fn forked_children_run_the_asked_order_even_when_a_plugin_shuffled_the_collection() {
    require_pytest();
    let suite = example("pytest-global");
    // pytest-randomly shuffles the collected tests; the children run the asked order anyway.
    let out = suite.smoke(&[
        "--batch",
        "pytest --randomly-seed=3 -q --junitxml={junit} {tests}",
        "--order",
        "reverse",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair(
            "tests/test_settings.py::test_price_in_dollars",
            "tests/test_invoice.py::test_invoice_line_in_euro",
        )
    );
}

/// An rspec suite: `Registry.dirty` is class-level state that `b_spec.rb[1:2]` sets and
/// `c_spec.rb[1:2]` needs unset; every spec file logs its loading to `starts.log` (a forked child
/// does not load them again).
fn rspec_suite(victim: &str) -> Suite {
    let suite = Suite::new();
    suite
        .file("smoke.toml", "[suite]\npreset = \"rspec\"\n")
        .file(
            "lib/registry.rb",
            "class Registry\n  class << self\n    attr_accessor :dirty\n  end\nend\n",
        );
    for (file, second) in [
        ("a", "expect(1).to eq(1)"),
        ("b", "Registry.dirty = true"),
        ("c", victim),
    ] {
        suite.file(
            &format!("spec/{file}_spec.rb"),
            &format!(
                "require_relative '../lib/registry'\nFile.write(File.join(__dir__, '..', 'starts.log'), \"start\\n\", mode: 'a')\n\nRSpec.describe '{file}' do\n  it 'first' do\n    expect(2).to eq(2)\n  end\n\n  it 'second' do\n    {second}\n  end\nend\n"
            ),
        );
    }
    suite
}

/// Processes that loaded the spec files (each loads three).
fn rspec_starts(suite: &Suite) -> usize {
    starts(suite) / 3
}

/// `spec/spec_helper.rb` holding `body`, required by every rspec run (`.rspec`).
fn rspec_helper(suite: &Suite, body: &str) {
    suite
        .file("spec/spec_helper.rb", body)
        .file(".rspec", "--require spec_helper\n");
}

/// Runs `--order rotate` (with `extra`) over an [`rspec_suite`], which must find the failure
/// and shrink it to the planted pair; its report and stderr, for the caller's own checks.
fn rspec_shrinks_to_the_pair(suite: &Suite, extra: Option<&str>) -> (serde_json::Value, String) {
    let mut args = vec!["--order", "rotate"];
    args.extend(extra);
    let out = suite.smoke(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{extra:?}: {err}");
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair("spec/b_spec.rb[1:2]", "spec/c_spec.rb[1:2]"),
        "{extra:?}"
    );
    (report, err)
}

#[test]
fn rspec_sequences_fork_from_one_loaded_rspec_and_shrink_to_the_same_pair() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    for (extra, fork_server) in [(None, true), (Some("--no-fork-server"), false)] {
        let suite = rspec_suite("expect(Registry.dirty).to be_nil");
        let (report, _) = rspec_shrinks_to_the_pair(&suite, extra);
        assert_eq!(report["failures"][0]["proven_minimal"], true);
        if fork_server {
            assert_eq!(report["options"]["fork_server"], "rspec");
            // The listing and the server.
            assert_eq!(rspec_starts(&suite), 2);
        } else {
            assert!(report["options"].get("fork_server").is_none());
            assert!(rspec_starts(&suite) > 3, "{}", rspec_starts(&suite));
        }
    }
}

#[test]
fn an_rspec_example_that_kills_its_process_is_that_examples_failure_forked_or_fresh() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    // Forked, and in a fresh rspec: there smoke's rspec_order.rb writes a line as each example
    // starts and ends, since rspec writes its JSON results only at the end.
    for extra in [None, Some("--no-fork-server")] {
        let suite = rspec_suite("Process.kill(:KILL, Process.pid) if Registry.dirty");
        let (report, _) = rspec_shrinks_to_the_pair(&suite, extra);
        assert_eq!(report["failures"][0]["failure"], "signal 9", "{report}");
        assert_eq!(report["failures"][0]["proven_minimal"], true, "{report}");
        assert_no_hook_failures(&report);
        if extra.is_none() {
            assert_eq!(rspec_starts(&suite), 2);
        }
    }
}

#[test]
fn a_forked_rspec_child_ends_as_a_fresh_rspec_would_files_exit_handlers_finalizers_and_status() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    // The child skips Ruby's teardown (freeing its memory), so what others can see of a
    // process's end must still happen: a file the server opened and the child wrote to, one the
    // child opened and never closed, an at_exit handler, a Tempfile's removal, a finalizer.
    let suite = rspec_suite("expect(Registry.dirty).to be_nil");
    rspec_helper(
        &suite,
        "require 'tempfile'\nHERE = File.expand_path('..', __dir__)\nKEPT = File.open(File.join(HERE, 'kept.txt'), 'w')\n",
    );
    suite.file(
        "spec/end_spec.rb",
        r#"RSpec.describe 'end' do
  it 'leaves things for the end' do
    KEPT.write("server's file, written\n")
    $own = File.open(File.join(HERE, 'own.txt'), 'w')
    $own.write("own file, never closed\n")
    at_exit { File.write(File.join(HERE, 'at_exit.txt'), "ran\n") }
    $temp = Tempfile.new('smoke-end')
    File.write(File.join(HERE, 'temp_path.txt'), $temp.path)
    $kept = Object.new
    ObjectSpace.define_finalizer($kept, proc { File.write(File.join(HERE, 'final.txt'), "ran\n") })
  end
end
"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "spec/end_spec.rb[1:1]"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["fork_server"], "rspec");
    assert_eq!(rspec_starts(&suite), 2, "the listing and the server");
    let read = |f: &str| fs::read_to_string(suite.path().join(f)).unwrap_or_default();
    assert_eq!(read("kept.txt"), "server's file, written\n");
    assert_eq!(read("own.txt"), "own file, never closed\n");
    assert_eq!(read("at_exit.txt"), "ran\n");
    assert_eq!(read("final.txt"), "ran\n");
    let temp = read("temp_path.txt");
    assert!(!temp.is_empty() && !Path::new(&temp).exists(), "{temp}");

    // An at_exit handler that changes the exit status (a coverage threshold): the batch ended
    // as a fresh rspec's would, passed and exiting 3, and is abandoned as one.
    let suite = rspec_suite("expect(1).to eq(1)");
    rspec_helper(
        &suite,
        "at_exit { exit 3 unless RSpec.configuration.dry_run? }\n",
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "spec/a_spec.rb[1:1]"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["fork_server"], "rspec");
    let hooks = report["hook_failures"].as_array().expect("array");
    assert!(
        hooks.len() == 1
            && hooks[0]["output"]
                .as_str()
                .is_some_and(|o| o.contains("passed but exited with exit 3")),
        "{report}"
    );
}

#[test]
fn a_fresh_rspec_ended_by_an_example_is_its_failure_and_by_a_suite_hook_is_abandoned() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    // exit!(0) skips rspec's end, so no JSON results: the example started and never ended.
    // The example also notes whether it sees where the helper writes (it must not).
    let suite = rspec_suite(
        "File.write(File.join(__dir__, '..', 'env.log'), \"#{ENV.key?('SMOKE_RSPEC_STREAM')}\\n\", mode: 'a')\n    exit!(0) if Registry.dirty",
    );
    let (report, _) = rspec_shrinks_to_the_pair(&suite, Some("--no-fork-server"));
    assert_eq!(report["failures"][0]["failure"], "failed", "{report}");
    let seen = fs::read_to_string(suite.path().join("env.log")).expect("env.log");
    assert!(seen.lines().count() > 2, "{seen}");
    assert!(seen.lines().all(|l| l == "false"), "{seen}");

    // Killed after every example ended (an after(:suite) hook): the lines give all six results,
    // and the batch is abandoned as one whose runner failed outside the tests.
    let suite = rspec_suite("expect(1).to eq(1)");
    rspec_helper(
        &suite,
        "RSpec.configure { |c| c.after(:suite) { Process.kill(:KILL, Process.pid) unless c.dry_run? } }\n",
    );
    let out = suite.smoke(&["--order", "rotate", "--no-fork-server"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = suite.report();
    assert!(
        report["failures"].as_array().expect("array").is_empty(),
        "{report}"
    );
    assert_eq!(report["iterations"][0]["executed"], 6, "{report}");
    let hooks = report["hook_failures"].as_array().expect("array");
    assert_eq!(hooks.len(), 1, "{report}");
    assert!(
        hooks[0]["output"]
            .as_str()
            .expect("output")
            .contains("reported all 6 tests as passed but exited with signal 9"),
        "{report}"
    );
}

#[test]
fn rspec_retry_is_turned_off_so_a_victim_that_cleans_up_after_itself_still_fails() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec")
        || !common::installed(
            std::process::Command::new("ruby")
                .args(["-e", "require 'rspec/retry'"])
                .output()
                .is_ok_and(|o| o.status.success()),
            "rspec-retry",
            "apt-get install ruby-rspec-retry",
        )
    {
        return;
    }
    // The victim resets the state it trips over: a second attempt passes, so rspec-retry's
    // retries (three attempts here) would hide the order bug.
    let victim = "begin\n      expect(Registry.dirty).to be_nil\n    ensure\n      Registry.dirty = nil\n    end";
    for extra in [None, Some("--no-fork-server")] {
        let suite = rspec_suite(victim);
        rspec_helper(
            &suite,
            "require 'rspec/retry'\nRSpec.configure { |c| c.default_retry_count = 3 }\n",
        );
        let (_, err) = rspec_shrinks_to_the_pair(&suite, extra);
        assert_eq!(
            err.matches("rspec-retry's retries are turned off for smoke's runs")
                .count(),
            1,
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn forked_rspec_children_start_with_rspecs_failure_printing_loaded_and_shrink_the_same() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    // The victim notes whether Ripper (which rspec loads to print a failing line) is loaded as
    // it starts: in a fresh rspec it is not, before the first failure; the fork server loads
    // it once, so that no child loads it again. (smoke's state helper loads it too, before its
    // first look in the verbose rerun, so that the first failure's loading is no change of the
    // victim's: --no-state-diff leaves the fresh runs as rspec makes them.)
    let victim = "File.write(File.join(__dir__, '..', 'ripper.log'), \"#{defined?(Ripper).inspect}\\n\", mode: 'a')\n    expect(Registry.dirty).to be_nil";
    for (extra, loaded) in [(None, "\"constant\""), (Some("--no-fork-server"), "nil")] {
        let suite = rspec_suite(victim);
        let mut args = vec!["--order", "rotate", "--no-state-diff"];
        args.extend(extra);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
        assert_eq!(
            minimal_sequences(&suite.report()),
            pair("spec/b_spec.rb[1:2]", "spec/c_spec.rb[1:2]"),
            "{extra:?}"
        );
        let seen = fs::read_to_string(suite.path().join("ripper.log")).expect("ripper.log");
        assert!(seen.lines().count() > 2, "{extra:?}: {seen}");
        assert!(seen.lines().all(|l| l == loaded), "{extra:?}: {seen}");
    }
}

#[test]
fn output_before_the_plugin_takes_the_pipe_and_the_suites_pythonpath_do_not_stop_the_server() {
    require_pytest();
    let suite = polluted_suite();
    // Python runs sitecustomize (found through the suite's own PYTHONPATH) before any plugin:
    // what it prints reaches the protocol pipe first, and must be passed over.
    suite
        .file(
            "site/sitecustomize.py",
            "print('hello from sitecustomize')\n",
        )
        .file(
            "smoke.toml",
            "[suite]\npreset = \"pytest\"\n\n[suite.env]\nPYTHONPATH = \"site\"\n",
        );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("fork server cannot"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
    // The server, which also listed: every sequence was forked.
    assert_eq!(starts(&suite), 1);
    // A fresh pytest loads smoke's plugin through the same PYTHONPATH.
    let out = suite.smoke(&["--order", "rotate", "--no-fork-server"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        minimal_sequences(&suite.report()),
        pair("test_b.py::test_pollute", "test_c.py::test_victim")
    );
}

#[test]
fn a_fresh_rspec_batch_stops_at_its_first_failure_unless_keep_going() {
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    for (extra, b_runs) in [(None, 0), (Some("--keep-going"), 2)] {
        let suite = Suite::new();
        suite
            .file("smoke.toml", "[suite]\npreset = \"rspec\"\n")
            .file(
                "lib/registry.rb",
                "class Registry\n  class << self\n    attr_accessor :dirty\n  end\nend\n",
            );
        suite.file(
            "spec/a_spec.rb",
            "require_relative '../lib/registry'\n\nRSpec.describe 'a' do\n  it('pollutes') { Registry.dirty = true }\n  it('needs it clean') { expect(Registry.dirty).to be_nil }\nend\n",
        );
        suite.file(
            "spec/b_spec.rb",
            "RSpec.describe 'b' do\n  it('one') { File.write('b.log', \"b\\n\", mode: 'a') }\n  it('two') { File.write('b.log', \"b\\n\", mode: 'a') }\nend\n",
        );
        let mut args = vec!["--order", "rotate", "--no-fork-server"];
        args.extend(extra);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
        assert_eq!(
            minimal_sequences(&suite.report()),
            pair("spec/a_spec.rb[1:1]", "spec/a_spec.rb[1:2]"),
            "{extra:?}"
        );
        // b's examples come after the failure: only an iteration that keeps going runs them
        // (the shrink and the rerun never hold them).
        let ran = fs::read_to_string(suite.path().join("b.log")).unwrap_or_default();
        assert_eq!(ran.lines().count(), b_runs, "{extra:?}");
    }
}

/// The pids in `suite`'s file `name`, one a line (none when it does not exist).
fn noted_pids(suite: &Suite, name: &str) -> std::collections::BTreeSet<i32> {
    fs::read_to_string(suite.path().join(name))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// After smoke has ended, every process of the suite has too: the servers, their children and
/// (with `spares`, which must be seen) the spare each forked ahead of a request it never got. The suite notes every process of the
/// runner (`processes.pids`), those forked by a server (`forked.pids`) and those that ran a test
/// (`ran.pids`).
fn no_process_of_the_suite_outlives_smoke(suite: &Suite, args: &[&str], spares: bool, case: &str) {
    let out = suite.smoke(args);
    assert_eq!(out.status.code(), Some(1), "{case}: {}", stderr(&out));
    let forked = noted_pids(suite, "forked.pids");
    let ran = noted_pids(suite, "ran.pids");
    assert!(
        !spares || forked.difference(&ran).next().is_some(),
        "{case}: a spare was forked that never ran a test (forked {forked:?}, ran {ran:?})"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for pid in noted_pids(suite, "processes.pids") {
        while common::alive(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            !common::alive(pid),
            "{case}: process {pid} of the suite still runs (forked: {})",
            forked.contains(&pid)
        );
    }
}

#[test]
fn spares_forked_ahead_of_requests_end_with_their_server_and_no_process_outlives_smoke() {
    require_pytest();
    let conftest = "import os\n\nimport pytest\n\nHERE = os.path.dirname(os.path.abspath(__file__))\n\n\ndef _note(name):\n    with open(os.path.join(HERE, name), 'a') as f:\n        f.write('%d\\n' % os.getpid())\n\n\ndef _forked():\n    _note('processes.pids')\n    _note('forked.pids')\n\n\ndef pytest_configure(config):\n    _note('processes.pids')\n    os.register_at_fork(after_in_child=_forked)\n\n\n@pytest.fixture(autouse=True)\ndef _ran():\n    _note('ran.pids')\n";
    // The victim fails; or it kills its parent, the server (the rest runs in fresh pytests),
    // once the server has had the time to fork the next spare.
    for (case, victim) in [
        ("fails", "    assert not shared.DIRTY\n"),
        (
            "kills the server",
            "    if shared.DIRTY:\n        import os, time\n        time.sleep(0.5)\n        os.kill(os.getppid(), 9)\n",
        ),
    ] {
        let suite = polluted_suite();
        let mut body = String::from("import shared\n\n");
        for i in 0..9 {
            body.push_str(&format!("def test_c{i}():\n    pass\n\n"));
        }
        body.push_str(&format!("def test_victim():\n{victim}"));
        suite.file("conftest.py", conftest).file("test_c.py", &body);
        let case = format!("pytest, the victim {case}");
        no_process_of_the_suite_outlives_smoke(
            &suite,
            &["--preset", "pytest", "--order", "rotate"],
            true,
            &case,
        );
    }
    if !common::have_tool(&["rspec"], "apt-get install ruby-rspec") {
        return;
    }
    let helper = "HERE = File.expand_path('..', __dir__)\n\ndef smoke_note(name)\n  File.write(File.join(HERE, name), \"#{Process.pid}\\n\", mode: 'a')\nend\n\nsmoke_note('processes.pids')\n\nmodule NoteForks\n  def _fork\n    pid = super\n    if pid.zero?\n      smoke_note('processes.pids')\n      smoke_note('forked.pids')\n    end\n    pid\n  end\nend\nProcess.singleton_class.prepend(NoteForks)\n\nRSpec.configure do |config|\n  config.before { smoke_note('ran.pids') }\nend\n";
    for (case, victim) in [
        ("fails", "expect(Registry.dirty).to be_nil"),
        (
            "kills the server",
            "if Registry.dirty && defined?(SmokeForkServer) then sleep 0.5; Process.kill(:KILL, Process.ppid) end; expect(Registry.dirty).to be_nil",
        ),
    ] {
        let suite = rspec_suite(victim);
        rspec_helper(&suite, helper);
        let case = format!("rspec, the example {case}");
        // rspec's server forks each child at its request (a spare did not pay there).
        no_process_of_the_suite_outlives_smoke(&suite, &["--order", "rotate"], false, &case);
    }
}
