//! What the polluter changed inside the runner's process, from the binary with the real
//! runners: the fixture projects under tests/fixtures/state/ (pytest, rspec, jest) each hold
//! one polluter/victim pair per kind of state, listed in their README.txt. smoke runs each
//! pair in the order that fails (`--order rotate --times 1 POLLUTER VICTIM`), and the failure's
//! `state:` line and the report's `state_diff` must name the change beside the test that made
//! it; a counter every test bumps must not be named. Without the runner these tests skip,
//! except on CI (`CI` set), where they fail.

mod common;

use common::{Suite, have_jest, have_tool, require_pytest, stderr, stdout};
use serde_json::Value;
use std::path::Path;

const RSPEC: &str = "apt-get install ruby-rspec";

/// A copy of tests/fixtures/state/NAME in a fresh temp folder.
fn fixture(name: &str) -> Suite {
    common::copy_of(&format!("tests/fixtures/state/{name}"))
}

/// One pair's run: the failure's `state:` line and its report record.
struct Found {
    line: String,
    failure: Value,
}

/// Run POLLUTER then VICTIM (`extra` flags first) and return the one failure's state line and
/// record; the pair must be proven.
fn pair(suite: &Suite, extra: &[&str], polluter: &str, victim: &str) -> Found {
    let _ = std::fs::remove_dir_all(suite.path().join("reports"));
    let mut args = vec!["--order", "rotate", "--times", "1"];
    args.extend_from_slice(extra);
    args.extend(["--", polluter, victim]);
    let out = suite.smoke(&args);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}\n{}", stderr(&out));
    let report = suite.report();
    let failure = report["failures"][0].clone();
    assert_eq!(
        failure["minimal"],
        serde_json::json!([polluter, victim]),
        "{said}"
    );
    assert_eq!(failure["proven_minimal"], true, "{said}");
    let line = said
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("state: "))
        .unwrap_or_else(|| panic!("no state line:\n{said}"))
        .to_string();
    Found { line, failure }
}

/// The change to `name` the report's `state_diff` has, made by `test`, marked present.
fn change<'f>(found: &'f Found, test: &str, name: &str) -> &'f Value {
    let changes = found.failure["state_diff"]
        .as_array()
        .expect("a state_diff");
    let c = changes
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no change to {name}: {changes:#?}"));
    assert_eq!(c["test"], test, "{c:#?}");
    assert_eq!(c["present"], true, "{c:#?}");
    c
}

/// Each case: polluter, victim, kind, name, and words the `state:` line must hold.
type Case<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [&'a str]);

fn check(suite: &Suite, extra: &[&str], cases: &[Case], noise: &str) {
    for &(polluter, victim, kind, name, words) in cases {
        let found = pair(suite, extra, polluter, victim);
        let c = change(&found, polluter, name);
        assert_eq!(c["kind"], kind, "{c:#?}");
        assert!(
            found.line.starts_with(&format!("{polluter} ")),
            "the line names the polluter first: {}",
            found.line
        );
        for word in words.iter().chain([&name]) {
            assert!(found.line.contains(word), "{word} in: {}", found.line);
        }
        assert!(
            found
                .line
                .ends_with(&format!("{victim} failed with it in place"))
                || found
                    .line
                    .ends_with(&format!("{victim} failed with them in place")),
            "{}",
            found.line
        );
        // The counter every test bumps is noise: not in the line, not in the diff.
        assert!(!found.line.contains(noise), "{}", found.line);
        let changes = found.failure["state_diff"]
            .as_array()
            .expect("a state_diff");
        assert!(
            changes.iter().all(|c| c["name"] != noise),
            "{noise} reported: {changes:#?}"
        );
        let state = &found.failure["state"];
        assert!(
            state["noise"]
                .as_array()
                .expect("noise")
                .iter()
                .any(|n| n == noise),
            "{state:#?}"
        );
        assert_eq!(state["summary"].as_str(), Some(found.line.as_str()));
    }
}

#[test]
fn pytest_names_the_registry_patch_class_attribute_env_cwd_and_sys_path_each_polluter_left() {
    require_pytest();
    let suite = fixture("pytest");
    let cases: &[Case] = &[
        (
            "tests/test_registry.py::test_register_plugin",
            "tests/test_registry_victim.py::test_default_plugins_only",
            "module-global",
            "app.registry.PLUGINS",
            &["added 'csv' to"],
        ),
        (
            "tests/test_patch.py::test_fake_today",
            "tests/test_patch_victim.py::test_real_today",
            "module-global",
            "app.clock.today",
            &[
                "<function today at app/clock.py:4>",
                "at tests/test_patch.py:5>",
            ],
        ),
        (
            "tests/test_classattr.py::test_promote_everyone",
            "tests/test_classattr_victim.py::test_new_user_is_guest",
            "class-attribute",
            "app.models.User.role",
            &["from 'guest' to 'admin'"],
        ),
        (
            "tests/test_env.py::test_debug_mode",
            "tests/test_env_victim.py::test_debug_off_by_default",
            "env",
            "os.environ['APP_DEBUG']",
            &["set", "to 1"],
        ),
        (
            "tests/test_cwd.py::test_work_in_tests_folder",
            "tests/test_cwd_victim.py::test_config_in_cwd",
            "cwd",
            "os.getcwd()",
            &["/tests;"],
        ),
        (
            "tests/test_syspath.py::test_add_tools_folder",
            "tests/test_syspath_victim.py::test_tools_not_importable",
            "sys-path",
            "sys.path",
            &["tests/extra'"],
        ),
    ];
    check(&suite, &[], cases, "app.stats.CALLS");
    // A fresh pytest (no fork server) has the same plugin.
    check(
        &suite,
        &["--no-fork-server"],
        &cases[1..2],
        "app.stats.CALLS",
    );
}

#[test]
fn diagnose_says_what_a_cleaner_undid_inside_the_runner() {
    require_pytest();
    let suite = fixture("pytest");
    let (polluter, victim) = (
        "tests/test_cwd.py::test_work_in_tests_folder",
        "tests/test_cwd_victim.py::test_config_in_cwd",
    );
    pair(&suite, &[], polluter, victim);
    let report = suite.reports().pop().expect("a JSON report");
    let out = suite
        .command()
        .args(["diagnose", "--report-dir", "reports"])
        .arg(&report)
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    let cleaner = "tests/test_zz_restore_cwd.py::test_restore_cwd";
    assert!(
        said.contains(&format!("undoes: {cleaner} changed os.getcwd() from ")),
        "{said}"
    );
    let diagnosis = suite.newest("smoke-diagnose");
    let d = &diagnosis["failures"][0];
    assert!(
        d["cleaners"]
            .as_array()
            .expect("cleaners")
            .iter()
            .any(|c| c == cleaner),
        "{d:#?}"
    );
    let undone = &d["undone"][0];
    assert_eq!(undone["cleaner"], cleaner, "{d:#?}");
    let c = &undone["changes"][0];
    assert_eq!(
        (c["kind"].as_str(), c["name"].as_str()),
        (Some("cwd"), Some("os.getcwd()"))
    );
    assert!(
        c["before"].as_str().expect("before").ends_with("/tests"),
        "{c:#?}"
    );
}

#[test]
fn rspec_names_the_method_constant_class_variable_env_cwd_and_global_each_polluter_left() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    let suite = fixture("rspec");
    let cases: &[Case] = &[
        (
            "spec/clock_spec.rb[1:2:1]",
            "spec/clock_spec.rb[1:1]",
            "method",
            "Clock.now",
            &[
                "changed",
                "<method at lib/clock.rb:3>",
                "<method at spec/clock_spec.rb:9>",
            ],
        ),
        (
            "spec/config_spec.rb[1:3]",
            "spec/config_spec.rb[1:1]",
            "constant",
            "Config::LIMITS",
            &["added 'debug' to"],
        ),
        (
            "spec/counter_spec.rb[1:2]",
            "spec/counter_spec.rb[1:1]",
            "class-variable",
            "Counter.@@count",
            &["from 0 to 1"],
        ),
        (
            "spec/mode_spec.rb[1:2]",
            "spec/mode_spec.rb[1:1]",
            "env",
            "ENV['APP_MODE']",
            &["maintenance"],
        ),
        (
            "spec/files_spec.rb[1:2]",
            "spec/files_spec.rb[1:1]",
            "cwd",
            "Dir.pwd",
            &["/spec"],
        ),
        (
            "spec/log_spec.rb[1:2]",
            "spec/log_spec.rb[1:1]",
            "global-variable",
            "$app_debug",
            &["true"],
        ),
    ];
    check(&suite, &[], cases, "Stats.@runs");
    // The fresh runner (no fork server) has the same helper.
    check(&suite, &["--no-fork-server"], &cases[..1], "Stats.@runs");
}

#[test]
fn jest_names_the_chdir_patched_core_module_env_and_shared_global_each_polluter_file_left() {
    if !have_jest() {
        return;
    }
    let suite = fixture("jest");
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jest/node_modules");
    std::os::unix::fs::symlink(modules, suite.path().join("node_modules")).expect("symlink");
    let cases: &[Case] = &[
        (
            "__tests__/cwd_polluter.test.js",
            "__tests__/cwd_victim.test.js",
            "cwd",
            "process.cwd()",
            &["/__tests__;"],
        ),
        (
            "__tests__/fs_polluter.test.js",
            "__tests__/fs_victim.test.js",
            "core-module",
            "require('fs').existsSync",
            &["<function fakeExistsSync at __tests__/fs_polluter.test.js:9>"],
        ),
        (
            "__tests__/env_polluter.test.js",
            "__tests__/env_victim.test.js",
            "env",
            "process.env.API_URL",
            &["https://staging.example.com"],
        ),
        (
            "__tests__/global_polluter.test.js",
            "__tests__/global_victim.test.js",
            "global",
            "globalThis.URLSearchParams.prototype.toJSON",
            &["set", "toJSON at __tests__/global_polluter.test.js:5>"],
        ),
    ];
    // jest's files have no counter of their own: nothing may be left out as noise but what the
    // two looks before the first file saw change.
    for &(polluter, victim, kind, name, words) in cases {
        let found = pair(&suite, &[], polluter, victim);
        let c = change(&found, polluter, name);
        assert_eq!(c["kind"], kind, "{c:#?}");
        for word in words.iter().chain([&name]) {
            assert!(found.line.contains(word), "{word} in: {}", found.line);
        }
        assert!(
            found
                .line
                .ends_with(&format!("{victim} failed with it in place")),
            "{}",
            found.line
        );
    }
}

#[test]
fn no_state_diff_turns_it_off_and_replay_says_the_same() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    let suite = fixture("rspec");
    let (polluter, victim) = ("spec/clock_spec.rb[1:2:1]", "spec/clock_spec.rb[1:1]");
    let found = pair(&suite, &[], polluter, victim);
    let report = suite.reports().pop().expect("a JSON report");
    // Replay's first run looks too, and says the same line.
    let out = suite
        .command()
        .args(["replay", "--report-dir", "reports", "--retries", "0"])
        .arg(&report)
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("state: {}", found.line)),
        "{}",
        stdout(&out)
    );
    let replayed = suite.newest("smoke-replay");
    assert_eq!(
        replayed["failures"][0]["state_diff"][0]["name"],
        "Clock.now"
    );
    // Off: no state line, nothing in the report, and the helper never ran (no SMOKE_STATE).
    let _ = std::fs::remove_dir_all(suite.path().join("reports"));
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--no-state-diff",
        polluter,
        victim,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stdout(&out).contains("state:"), "{}", stdout(&out));
    let failure = &suite.report()["failures"][0];
    assert!(failure.get("state").is_none() && failure.get("state_diff").is_none());
    assert_eq!(suite.report()["options"]["suite"]["no_state_diff"], true);
}
