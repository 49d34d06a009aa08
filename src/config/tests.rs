//! Flags and `smoke.toml` into a `Config`: defaults, overrides, every key, and a message that
//! says what and how for each bad input.

use super::*;
use crate::batch::Format;
use crate::execution::{BatchTemplate, RunTemplate};
use clap::Parser;

fn cli(args: &[&str]) -> Cli {
    let mut argv = vec!["smoke"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("test command lines are valid")
}

fn with_file(args: &[&str], toml: &str) -> Result<Config, ConfigError> {
    Config::from_parts(
        cli(args),
        Path::new("/work"),
        Some((PathBuf::from("suite/smoke.toml"), toml.to_string())),
        || 99,
    )
}

fn error(result: Result<Config, ConfigError>) -> String {
    result.expect_err("this config must be refused").to_string()
}

const MINIMAL: &str = "[suite]\ntests = [\"a\", \"b\"]\nrun = \"sh {test}\"\n";

#[test]
fn defaults_fill_what_is_not_given() {
    let c = with_file(&[], MINIMAL).expect("valid");
    assert_eq!(c.source, TestSource::Listed(vec!["a".into(), "b".into()]));
    assert_eq!(c.order, Order::Random);
    assert_eq!(c.times, DEFAULT_TIMES);
    assert_eq!(c.iterations, DEFAULT_ITERATIONS);
    assert_eq!(c.seed, 99, "the seed is drawn when none is given");
    assert_eq!(c.dir, Path::new("/work/suite"));
    assert_eq!(c.report, ReportTarget::DefaultDir("/work/reports".into()));
    assert_eq!(
        c.execution,
        Execution::PerTest(RunTemplate {
            template: "sh {test}".into(),
            script: "exec sh \"$1\"".into()
        })
    );
    assert_eq!(c.verbosity, Verbosity::Normal);
    assert!(c.timeout.is_none());
    assert_eq!((c.retries, c.max_reduce), (0, None));
    assert_eq!(c.reduce, crate::reduce::Reducer::Smoke);
}

fn without_file(args: &[&str]) -> Result<Config, ConfigError> {
    Config::from_parts(cli(args), Path::new("/work"), None, || 99)
}

#[test]
fn a_preset_fills_in_and_explicit_keys_override_it() {
    let c = without_file(&["--preset", "pytest"]).expect("valid");
    assert_eq!(c.preset, Some(Preset::Pytest));
    assert!(
        matches!(c.source, TestSource::PytestCollect(ref cmd) if cmd.starts_with("pytest --collect-only -q"))
    );
    let Execution::Batch(batch) = &c.execution else {
        panic!("pytest runs in batch mode by default: {:?}", c.execution)
    };
    assert_eq!(batch.format, Format::Junit);
    assert!(
        batch.script.ends_with(r#"--junitxml="$SMOKE_JUNIT" "$@""#),
        "{}",
        batch.script
    );
    assert_eq!(
        c.times, 1,
        "batch runners run each test once per invocation"
    );

    let toml = "[suite]
preset = \"pytest\"
program = \"python3 -m pytest\"
tests = [\"t.py::a\"]
run = \"pytest -x {test}\"
";
    let c = with_file(&[], toml).expect("valid");
    assert_eq!(c.source, TestSource::Listed(vec!["t.py::a".into()]));
    assert_eq!(
        c.execution.template(),
        "pytest -x {test}",
        "an explicit run means per-test"
    );
    assert_eq!(c.times, DEFAULT_TIMES);
    let c = with_file(&["--mode", "batch"], toml).expect("valid");
    assert!(
        c.execution
            .template()
            .starts_with("python3 -m pytest -p no:randomly"),
        "{}",
        c.execution.template()
    );
}

#[test]
fn batch_templates_are_checked_before_anything_runs() {
    let base = "[suite]\ntests = [\"a\"]\n";
    let message = error(with_file(&[], &format!("{base}batch = \"prove -v\"\n")));
    assert!(message.contains("has no {tests}"), "{message}");
    let message = error(with_file(
        &[],
        &format!("{base}batch = \"runner {{tests}}\"\nformat = \"junit\"\n"),
    ));
    assert!(message.contains("has no {junit}"), "{message}");
    let c = with_file(&[], &format!("{base}batch = \"runner {{tests}}\"\n")).expect("valid");
    assert!(matches!(
        c.execution,
        Execution::Batch(BatchTemplate {
            format: Format::Tap,
            ..
        })
    ));
    let message = error(with_file(
        &["--mode", "batch"],
        &format!("{base}run = \"sh {{test}}\"\n"),
    ));
    assert!(
        message.contains("batch mode needs a batch command"),
        "{message}"
    );
    let message = error(without_file(&["--preset", "cargo", "--mode", "batch"]));
    assert!(message.contains("sorted"), "{message}");
    let message = error(without_file(&["--preset", "gtest"]));
    assert!(message.contains("--program PATH"), "{message}");
}

#[test]
fn every_key_of_the_file_is_read() {
    let c = with_file(
        &[],
        r#"
        [suite]
        list = "ls t"
        run = "sh {test}"
        setup = "mkdir -p state"
        teardown = "rm -rf state"
        timeout = "1m 30s"
        [suite.env]
        APP_ENV = "test"
        A = "1"
        [smoke]
        times = 3
        iterations = 4
        order = "random"
        seed = 12
        match = "boom"
        retries = 2
        max-reduce = 500
        [report]
        dir = "out"
        build = ["uname -a"]
        env = ["CI"]
        "#,
    )
    .expect("valid");
    assert_eq!(c.source, TestSource::ListCommand("ls t".into()));
    assert_eq!(c.setup.as_deref(), Some("mkdir -p state"));
    assert_eq!(c.teardown.as_deref(), Some("rm -rf state"));
    assert_eq!(c.timeout, Some(Duration::from_secs(90)));
    assert_eq!(
        c.env,
        [("A".into(), "1".into()), ("APP_ENV".into(), "test".into())]
    );
    assert_eq!((c.times, c.iterations, c.seed), (3, 4, 12));
    assert!(c.match_output.expect("set").is_match("a boom"));
    assert_eq!((c.retries, c.max_reduce), (2, Some(500)));
    assert_eq!(c.report, ReportTarget::Dir("/work/suite/out".into()));
    assert_eq!(c.build_commands, ["uname -a"]);
    assert_eq!(c.report_env, ["CI"]);
}

#[test]
fn reduce_comes_from_the_flag_over_the_file_and_an_unknown_one_is_refused() {
    use crate::reduce::Reducer;
    let file = format!("{MINIMAL}[smoke]\nreduce = \"testsmoke\"\n");
    assert_eq!(
        with_file(&[], &file).expect("valid").reduce,
        Reducer::Testsmoke
    );
    let c = with_file(&["--reduce", "smoke"], &file).expect("valid");
    assert_eq!(c.reduce, Reducer::Smoke);
    let c = with_file(&["--reduce", "testsmoke"], MINIMAL).expect("valid");
    assert_eq!(c.reduce, Reducer::Testsmoke);
    let file = format!("{MINIMAL}[smoke]\nreduce = \"ddmin\"\n");
    let message = error(with_file(&[], &file));
    assert!(message.contains("ddmin"), "{message}");
}

#[test]
fn flags_override_the_file() {
    let file = "[suite]\nglob = \"t/*.sh\"\nrun = \"sh {test}\"\nsetup = \"x\"\n\
                [smoke]\ntimes = 3\nseed = 1\norder = \"repeat\"\nretries = 1\n\
                max-reduce = 9\n";
    let c = with_file(
        &[
            "--times",
            "5",
            "--seed",
            "8",
            "--order",
            "random",
            "--setup",
            "y",
            "--run",
            "bash {test}",
            "--report",
            "r/x.txt",
            "-q",
            "--retries",
            "3",
            "--max-reduce",
            "40",
        ],
        file,
    )
    .expect("valid");
    assert_eq!((c.times, c.seed, c.order), (5, 8, Order::Random));
    assert_eq!(c.setup.as_deref(), Some("y"));
    assert_eq!(c.execution.template(), "bash {test}");
    assert_eq!(c.report, ReportTarget::File("/work/r/x.txt".into()));
    assert_eq!(c.verbosity, Verbosity::Quiet);
    assert_eq!((c.retries, c.max_reduce), (3, Some(40)));
    assert_eq!(
        c.replay_base,
        [
            "smoke",
            "--config",
            "/work/suite/smoke.toml",
            "--run",
            "bash {test}",
            "--setup",
            "y",
            "--retries",
            "3"
        ],
        "the config by its absolute path, so the replay works from anywhere"
    );
}

#[test]
fn deterministic_orders_run_once_and_say_so_only_when_the_flag_was_given() {
    let c = with_file(&["--order", "rotate", "-n", "5"], MINIMAL).expect("valid");
    assert_eq!(c.iterations, 1);
    assert_eq!(
        c.warnings,
        ["--iterations is ignored: order rotate is the same every time, so it runs once"]
    );
    let c = with_file(&["--order", "repeat"], MINIMAL).expect("valid");
    assert!(c.warnings.is_empty());
    // The file's iterations serve random runs; a pasted replay must not warn about it.
    let file = format!("{MINIMAL}[smoke]\niterations = 20\n");
    let c = with_file(&["--order", "rotate"], &file).expect("valid");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn reverse_runs_once_and_mirror_runs_iterations_like_random() {
    let c = with_file(&["--order", "reverse", "-n", "5"], MINIMAL).expect("valid");
    assert_eq!((c.order, c.iterations), (Order::Reverse, 1));
    assert_eq!(
        c.warnings,
        ["--iterations is ignored: order reverse is the same every time, so it runs once"]
    );
    let c = with_file(&["--order", "mirror"], MINIMAL).expect("valid");
    assert_eq!((c.order, c.iterations), (Order::Mirror, DEFAULT_ITERATIONS));
    let file = format!(
        "{MINIMAL}[smoke]
order = \"mirror\"\niterations = 4\n"
    );
    let c = with_file(&[], &file).expect("valid");
    assert_eq!((c.order, c.iterations), (Order::Mirror, 4));
}

#[test]
fn tuscan_and_exhaustive_count_their_iterations_once_the_tests_are_known() {
    let tests: Vec<crate::model::TestId> = (0..20).collect();
    let count = |args: &[&str], file: &str, selection: &[crate::model::TestId]| {
        let mut c = with_file(args, file).expect("valid");
        let mut warnings = Vec::new();
        let line = c.count_iterations(selection, &mut warnings);
        (c.iterations, line, warnings)
    };

    let (iterations, line, warnings) = count(&["--order", "tuscan", "-t", "1"], MINIMAL, &tests);
    assert_eq!(iterations, 20);
    assert_eq!(
        line.expect("counted"),
        Some(
            "order tuscan: a Tuscan square of 20 rows over 20 tests, every ordered pair side \
             by side in one of them; 20 iteration(s)"
                .to_string()
        )
    );
    assert!(warnings.is_empty());
    let (iterations, _, _) = count(&["--order", "tuscan"], MINIMAL, &tests[..5]);
    assert_eq!(iterations, 6, "odd: the square for one more");
    let (iterations, line, warnings) = count(&["--order", "tuscan", "-n", "50"], MINIMAL, &tests);
    assert_eq!(iterations, 20);
    assert_eq!(
        warnings,
        [
            "50 iterations asked for, more than the 20 rows of order tuscan over these tests: \
          running 20"
        ]
    );
    assert!(
        line.expect("counted")
            .expect("a line")
            .ends_with("; 20 iteration(s)")
    );
    let (iterations, line, _) = count(
        &["--order", "tuscan", "-n", "3", "-t", "2"],
        MINIMAL,
        &tests,
    );
    assert_eq!(iterations, 3);
    assert!(
        line.expect("counted").expect("a line").ends_with(
            "in one of them; 2 consecutive rows per iteration; the first 3 iteration(s)"
        )
    );

    let (iterations, line, _) = count(&["--order", "exhaustive", "-t", "2"], MINIMAL, &tests[..2]);
    assert_eq!(iterations, 6);
    assert_eq!(
        line.expect("counted"),
        Some(
            "order exhaustive: 6 distinct orders of 2 tests, each run 2 time(s); 6 iteration(s)"
                .to_string()
        )
    );
    // 8! = 40,320 runs; 9 tests give 362,880, past the limit.
    assert_eq!(
        count(&["--order", "exhaustive", "-t", "1"], MINIMAL, &tests[..8]).0,
        40320
    );
    let (_, refused, _) = count(&["--order", "exhaustive", "-t", "1"], MINIMAL, &tests[..9]);
    let message = refused.expect_err("too many").to_string();
    assert_eq!(
        message,
        "order exhaustive over 9 tests, each run 1 time(s), has 362,880 distinct orders: more \
         than 100,000 to run one by one. Select fewer tests (name them: smoke --order \
         exhaustive TEST...), lower --times, or add --iterations N to run the first N"
    );
    let (_, refused, _) = count(&["--order", "exhaustive"], MINIMAL, &tests);
    let message = refused.expect_err("too many").to_string();
    assert!(
        message.contains("has about 7.8e41 distinct orders"),
        "{message}"
    );
    let (iterations, line, _) = count(&["--order", "exhaustive", "-n", "7"], MINIMAL, &tests);
    assert_eq!(iterations, 7);
    assert!(
        line.expect("cut")
            .expect("a line")
            .ends_with("the first 7 iteration(s)")
    );

    // The file's iterations serve its own order: they cut a tuscan the file names, not one
    // --order names over a file written for random runs.
    let file = format!("{MINIMAL}[smoke]\niterations = 4\n");
    assert_eq!(count(&["--order", "tuscan"], &file, &tests).0, 20);
    let file = format!("{MINIMAL}[smoke]\norder = \"tuscan\"\niterations = 4\n");
    assert_eq!(count(&[], &file, &tests).0, 4);

    // Other orders keep what the flags and file said.
    let (iterations, line, _) = count(&["--order", "mirror", "-n", "3"], MINIMAL, &tests);
    assert_eq!((iterations, line.expect("fine")), (3, None));
    // A shard left without an iteration says so once the count is known.
    let (_, _, warnings) = count(
        &[
            "--order",
            "exhaustive",
            "-t",
            "2",
            "--seed",
            "1",
            "--shard",
            "7/7",
        ],
        MINIMAL,
        &tests[..2],
    );
    assert_eq!(
        warnings,
        [
            "shard 7 of 7 runs no iteration: --iterations 6 gives 6 shard(s) one or more, the rest \
          none"
        ]
    );
}

#[test]
fn bug_mode_refuses_the_options_it_would_ignore_and_records_none_of_them() {
    let message = error(with_file(
        &[
            "--bug-mode",
            "--order",
            "random",
            "--times",
            "3",
            "--retries",
            "1",
        ],
        MINIMAL,
    ));
    assert!(
        message.contains("--order, --times, --retries would have no effect"),
        "{message}"
    );
    for flag in [
        &["-n", "2"][..],
        &["--match", "x"],
        &["--max-reduce", "5"],
        &["--reduce", "testsmoke"],
    ] {
        let mut args = vec!["--bug-mode"];
        args.extend_from_slice(flag);
        assert!(with_file(&args, MINIMAL).is_err(), "{flag:?}");
    }
    let file = format!(
        "{MINIMAL}[smoke]\ntimes = 4\nmatch = \"x\"\nretries = 2\nmax-reduce = 9\n\
         reduce = \"testsmoke\"\n"
    );
    let c = with_file(&["--bug-mode", "--seed", "7"], &file).expect("valid");
    assert_eq!(c.reduce, crate::reduce::Reducer::Smoke);
    assert_eq!(
        (c.order, c.times, c.iterations, c.seed),
        (Order::Rotate, 1, 1, 7)
    );
    assert!(c.match_output.is_none());
    assert_eq!((c.retries, c.max_reduce), (0, None));
}

#[test]
fn a_shard_runs_its_share_and_needs_a_seed_every_shard_agrees_on() {
    let c = with_file(&["--shard", "2/3", "--seed", "7", "-n", "8"], MINIMAL).expect("valid");
    assert_eq!(c.shard, Shard::new(2, 3));
    let runs: Vec<u32> = (1..=8).filter(|&i| c.runs_iteration(i)).collect();
    assert_eq!(runs, [2, 5, 8]);
    assert_eq!(
        (c.seed, c.iterations),
        (7, 8),
        "the whole run's seed and count"
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let c = with_file(&["-n", "3"], MINIMAL).expect("valid");
    assert!(
        (1..=3).all(|i| c.runs_iteration(i)),
        "no shard: every iteration"
    );
    assert!(
        !c.replay_base.iter().any(|w| w.contains("shard")),
        "a replay is one iteration, on any machine"
    );

    let file_seed = format!("{MINIMAL}[smoke]\nseed = 3\n");
    let c = with_file(&["--shard", "1/2"], &file_seed).expect("[smoke] seed is explicit");
    assert_eq!(c.seed, 3);

    let message = error(with_file(&["--shard", "1/2"], MINIMAL));
    assert_eq!(
        message,
        "shard 1 of 2 needs an explicit seed: every shard of a run must use the same base \
         seed, or together they do not run what one run would. Pass the same --seed to \
         every shard, e.g. --seed 99 (freshly drawn; a CI run's id works too), or set \
         [smoke] seed in suite/smoke.toml"
    );
    let message = error(with_file(
        &["--shard", "1/2", "--shard-total", "2", "--seed", "1"],
        MINIMAL,
    ));
    assert!(
        message.starts_with("--shard-total goes with --shard ci"),
        "{message}"
    );
    let message = error(with_file(&["--bug-mode", "--shard", "1/2"], MINIMAL));
    assert!(
        message.contains("so --shard would have no effect"),
        "{message}"
    );
    let message = error(with_file(
        &[],
        &format!("{MINIMAL}[smoke]\nshard = \"1/2\"\n"),
    ));
    assert!(
        message.contains("unknown field `shard`"),
        "a shard is per machine, never in the shared file: {message}"
    );
}

#[test]
fn shard_ci_reads_the_variables_it_is_handed() {
    let with_env = |args: &[&str], vars: &[(&str, &str)]| {
        let env = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut argv = vec!["--seed", "1", "--shard", "ci"];
        argv.extend_from_slice(args);
        Config::from_parts_in(
            cli(&argv),
            Path::new("/work"),
            Some((PathBuf::from("smoke.toml"), MINIMAL.to_string())),
            &env,
            || 99,
        )
    };
    let c = with_env(&[], &[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "4")]).expect("valid");
    assert_eq!(c.shard, Shard::new(3, 4));
    let c = with_env(&["--shard-total", "5"], &[("JOB_COMPLETION_INDEX", "0")]).expect("valid");
    assert_eq!(c.shard, Shard::new(1, 5));
    let message = error(with_env(&[], &[]));
    assert!(message.contains("found none of the variables"), "{message}");
    let message = error(Config::from_parts(
        cli(&["--seed", "1", "--shard", "ci"]),
        Path::new("/work"),
        Some((PathBuf::from("smoke.toml"), MINIMAL.to_string())),
        || 99,
    ));
    assert!(
        message.contains("found none"),
        "from_parts hands in no variables: {message}"
    );
}

#[test]
fn a_shard_with_no_iteration_says_so() {
    let c = with_file(&["--shard", "3/3", "--seed", "1", "-n", "2"], MINIMAL).expect("valid");
    assert_eq!(
        c.warnings,
        [
            "shard 3 of 3 runs no iteration: --iterations 2 gives 2 shard(s) one or more, \
             the rest none"
        ]
    );
    let c = with_file(
        &["--shard", "2/2", "--seed", "1", "--order", "rotate"],
        MINIMAL,
    )
    .expect("valid");
    assert_eq!(
        c.warnings,
        ["shard 2 of 2 runs no iteration: order rotate runs one, which shard 1 of 2 runs"]
    );
    assert!(!c.runs_iteration(1));
    let c = with_file(
        &["--shard", "1/2", "--seed", "1", "--order", "repeat"],
        MINIMAL,
    )
    .expect("valid");
    assert!(c.warnings.is_empty() && c.runs_iteration(1));
}

#[test]
fn a_report_target_alone_follows_the_rules_of_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path();
    let target = |config: Option<&str>, report: Option<&str>, report_dir: Option<&str>| {
        report_target_only(
            config.map(Path::new),
            report.map(Path::new),
            report_dir.map(Path::new),
            cwd,
        )
    };
    assert_eq!(
        target(None, None, None).expect("no file"),
        ReportTarget::DefaultDir(cwd.join("reports"))
    );
    std::fs::write(cwd.join("smoke.toml"), "[report]\ndir = \"out\"\n").expect("write");
    assert_eq!(
        target(None, None, None).expect("./smoke.toml"),
        ReportTarget::Dir(cwd.join("out"))
    );
    std::fs::create_dir(cwd.join("ci")).expect("mkdir");
    std::fs::write(cwd.join("ci/s.toml"), "[report]\ndir = \"r\"\n").expect("write");
    assert_eq!(
        target(Some("ci/s.toml"), None, None).expect("--config"),
        ReportTarget::Dir(cwd.join("ci/r")),
        "relative to the file's folder, as for a run"
    );
    assert_eq!(
        target(None, None, Some("d")).expect("--report-dir"),
        ReportTarget::Dir(cwd.join("d"))
    );
    assert_eq!(
        target(None, Some("m.txt"), None).expect("--report"),
        ReportTarget::File(cwd.join("m.txt"))
    );
    let message = target(Some("nope.toml"), None, None)
        .expect_err("missing")
        .to_string();
    assert!(message.contains("cannot read config file"), "{message}");
    std::fs::write(cwd.join("smoke.toml"), "[report]\ndri = 1\n").expect("write");
    let message = target(None, None, None).expect_err("invalid").to_string();
    assert!(message.contains("unknown field `dri`"), "{message}");
}

#[test]
fn batch_runners_that_run_a_test_once_refuse_times_above_one() {
    let message = error(without_file(&["--preset", "pytest", "--times", "2"]));
    assert!(
        message.starts_with("pytest runs each test once per invocation")
            && message.contains("--times 2 cannot work in batch mode"),
        "{message}"
    );
    let file = "[suite]\ntests = [\"t/a.t\"]\nbatch = \"prove -v {tests}\"\n[smoke]\ntimes = 3\n";
    let message = error(with_file(&[], file));
    assert!(message.starts_with("prove runs each test"), "{message}");
    assert!(
        message.contains("[smoke] times in 'suite/smoke.toml' = 3"),
        "{message}"
    );
    let c = with_file(
        &["--batch", "python3 -m pytest --junitxml={junit} {tests}"],
        MINIMAL,
    )
    .expect("valid");
    assert_eq!(c.deduplicating_runner, Some("pytest"));
    let c = with_file(&["--batch", "./my-runner {tests}", "--times", "2"], MINIMAL)
        .expect("a runner that may repeat tests is trusted");
    assert_eq!(c.deduplicating_runner, None);
    assert!(with_file(&["--mode", "per-test", "--times", "2"], MINIMAL).is_ok());
}

#[test]
fn flags_that_cannot_apply_say_so_naming_what_replaces_them() {
    let file = "[suite]\nlist = \"cat names\"\nbatch = \"pytest --junitxml={junit} {tests}\"\n";
    let c = with_file(&["--preset", "pytest", "--program", "/bin/false"], file).expect("valid");
    assert_eq!(
        c.warnings,
        [
            "--program '/bin/false' has no effect: [suite] list in 'suite/smoke.toml' and \
             [suite] batch in 'suite/smoke.toml' replace everything the pytest preset would \
             fill in with it; change them instead"
        ]
    );
    let c = with_file(
        &["--preset", "pytest", "--program", "py"],
        "[suite]\ntests = [\"t.py::a\"]\n",
    )
    .expect("valid");
    assert!(
        c.warnings.is_empty(),
        "the preset's batch is used in batch mode: {:?}",
        c.warnings
    );
    let c = with_file(&["--program", "py"], MINIMAL).expect("valid");
    assert!(
        c.warnings[0].contains("has no effect without a preset"),
        "{:?}",
        c.warnings
    );
    let c = with_file(&["--format", "tap"], MINIMAL).expect("valid");
    assert!(c.warnings[0].contains("--format has no effect in per-test mode"));
    let c = with_file(&["--ignore-runner-exit"], MINIMAL).expect("valid");
    assert!(c.warnings[0].contains("--ignore-runner-exit has no effect"));
}

#[test]
fn replays_work_from_any_folder() {
    let c = with_file(&[], MINIMAL).expect("valid");
    assert_eq!(
        c.replay_base,
        ["smoke", "--config", "/work/suite/smoke.toml"]
    );
    assert_eq!(c.replay_dir, None);
    let c = Config::from_parts(
        cli(&["--run", "sh {test}", "a"]),
        Path::new("/w"),
        None,
        || 1,
    )
    .expect("valid");
    assert_eq!(c.replay_dir.as_deref(), Some(Path::new("/w")));
}

#[test]
fn the_replay_line_and_the_record_keep_every_flag_that_shapes_a_sequence() {
    let c = Config::from_parts(
        cli(&[
            "--run",
            "sh {test}",
            "--workdir",
            "fresh",
            "--keep-going",
            "--jobs",
            "3",
            "--timeout",
            "5s",
            "a",
            "b",
        ]),
        Path::new("/w"),
        None,
        || 1,
    )
    .expect("valid");
    assert_eq!(
        c.replay_base,
        [
            "smoke",
            "--run",
            "sh {test}",
            "--timeout",
            "5s",
            "--workdir",
            "fresh",
            "--keep-going"
        ]
    );
    let r = &c.suite_record;
    assert_eq!((r.dir.as_str(), r.config.as_deref()), ("/w", None));
    assert_eq!(r.tests, ["a", "b"]);
    assert_eq!(r.run.as_deref(), Some("sh {test}"));
    assert_eq!(r.workdir.as_deref(), Some("fresh"));
    assert_eq!(r.jobs.as_deref(), Some("3"));
    assert!(r.keep_going);
    assert_eq!(r.commands(), [("--run", "sh {test}")]);
    let c = with_file(&["--preset", "pytest", "--mode", "per-test"], MINIMAL).expect("valid");
    let r = &c.suite_record;
    assert_eq!(r.config.as_deref(), Some("/work/suite/smoke.toml"));
    assert_eq!(r.dir, "/work/suite");
    assert_eq!(
        (r.preset.as_deref(), r.mode.as_deref()),
        (Some("pytest"), Some("per-test"))
    );
}

#[test]
fn flags_alone_make_a_suite_from_the_names() {
    let c = Config::from_parts(cli(&["a", "b"]), Path::new("/w"), None, || 1);
    assert!(c.is_err(), "names but no --run and no file");
    let c = Config::from_parts(cli(&["--run", "sh {test}"]), Path::new("/w"), None, || 1);
    let message = c.expect_err("--run but no names").to_string();
    assert!(
        message.contains("give the test names after the options"),
        "{message}"
    );
    let c = Config::from_parts(
        cli(&["--run", "sh {test}", "a", "b"]),
        Path::new("/w"),
        None,
        || 1,
    )
    .expect("valid");
    assert_eq!(c.source, TestSource::CommandLine);
    assert_eq!(c.selected, ["a", "b"]);
    assert_eq!(c.dir, Path::new("/w"));
    assert_eq!(c.replay_base, ["smoke", "--run", "sh {test}"]);
}

#[test]
fn each_bad_input_gets_a_message_that_says_what_and_how() {
    let table: [(&[&str], &str, &str); 13] = [
        (
            &[],
            "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\nmax-reduce = 0\n",
            "[smoke] max-reduce in 'suite/smoke.toml' must be at least 1",
        ),
        (
            &[],
            "[suite]\nrun = \"sh {test}\"\n",
            "set exactly one of [suite] tests, list or glob",
        ),
        (
            &[],
            "[suite]\ntests=[\"a\"]\nlist=\"ls\"\nrun = \"sh {test}\"\n",
            "sets tests and list: keep exactly one",
        ),
        (
            &[],
            "[suite]\ntests=[\"a\"]\n",
            "no run command: set [suite] run",
        ),
        (
            &[],
            "[suite]\ntests=[\"a\"]\nrun = \"sh t.sh\"\n",
            "the run template 'sh t.sh' has no {test}",
        ),
        (
            &[],
            "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\ntimes = 0\n",
            "[smoke] times in 'suite/smoke.toml' must be at least 1",
        ),
        (
            &["--timeout", "5 parsecs"],
            MINIMAL,
            "invalid --timeout '5 parsecs'",
        ),
        (&["--timeout", "0s"], MINIMAL, "must be longer than zero"),
        (
            &["--timeout", "99999999999999h"],
            MINIMAL,
            "a timeout can be at most 30 days",
        ),
        (&["--match", "a("], MINIMAL, "invalid --match regex 'a('"),
        (
            &[],
            "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\nmatch = \"a(\"\n",
            "invalid [smoke] match in 'suite/smoke.toml' regex 'a('",
        ),
        (&[], "[suite]\ntset = [\"a\"]\n", "unknown field `tset`"),
        (&[], "[suite]\ntests = [\"a\"\n", "line 2"),
    ];
    for (args, toml, expected) in table {
        let message = error(with_file(args, toml));
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn toml_errors_name_the_file_line_and_column() {
    let message = error(with_file(&[], "[suite]\ntests = [\"a\"]\nrun = 3\n"));
    assert!(
        message.starts_with("invalid config file 'suite/smoke.toml'"),
        "{message}"
    );
    assert!(message.contains("line 3, column 7"), "{message}");
}

#[test]
fn an_unknown_order_in_the_file_lists_the_valid_ones() {
    let message = error(with_file(
        &[],
        &format!("{MINIMAL}[smoke]\norder = \"shuffle\"\n"),
    ));
    assert!(
        message.contains("random") && message.contains("rotate"),
        "{message}"
    );
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let message = Config::load(cli(&["--config", "nope.toml"]), dir.path())
        .expect_err("missing")
        .to_string();
    assert!(message.contains("cannot read config file"), "{message}");
    assert!(message.contains("nope.toml"), "{message}");
    let message = Config::load(cli(&[]), dir.path())
        .expect_err("none")
        .to_string();
    assert!(
        message.contains("no smoke.toml here and no --run"),
        "{message}"
    );
}

#[test]
fn keep_going_comes_from_the_flag_or_the_file_and_is_off_by_default() {
    assert!(!with_file(&[], MINIMAL).expect("valid").keep_going);
    assert!(
        with_file(&["--keep-going"], MINIMAL)
            .expect("valid")
            .keep_going
    );
    let file = format!("{MINIMAL}keep-going = true\n");
    assert!(with_file(&[], &file).expect("valid").keep_going);
    let refused = error(with_file(&["--bug-mode", "--keep-going"], MINIMAL));
    assert!(refused.contains("--keep-going"), "{refused}");
}

#[test]
fn a_tests_file_template_is_a_batch_and_pytest_needs_a_place_for_its_options() {
    let batch = |template: &str| {
        let toml =
            format!("[suite]\ntests = [\"a\"]\nbatch = \"{template}\"\nformat = \"junit\"\n");
        with_file(&[], &toml).expect("valid")
    };
    // pytest reads the file as its arguments: its options go there, and the server serves.
    let c = batch("pytest --junitxml={junit} @{tests-file}");
    assert_eq!(c.fork_server, Some(crate::execution::ForkRunner::Pytest));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let Execution::Batch(b) = &c.execution else {
        panic!("batch mode")
    };
    assert!(b.takes_tests_file() && b.reads_args_file() && !b.takes_names());
    // A file pytest does not read as arguments leaves smoke no place for its options: said.
    let c = batch("cat {tests-file} | xargs pytest --junitxml={junit}");
    assert_eq!(c.fork_server, None);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("no {tests} or @{tests-file}")),
        "{:?}",
        c.warnings
    );
    // Neither placeholder: refused, naming both.
    let refused = error(with_file(
        &[],
        "[suite]\ntests = [\"a\"]\nbatch = \"pytest\"\n",
    ));
    assert!(refused.contains("{tests-file}"), "{refused}");
}

#[test]
fn smoke_hands_pytest_options_only_to_a_command_that_runs_pytest() {
    let c = without_file(&["--preset", "pytest"]).expect("valid");
    assert!(c.runs_pytest && c.fork_server.is_some());
    let c = without_file(&["--preset", "pytest", "--program", "python3 -m pytest"]).expect("valid");
    assert!(c.runs_pytest);
    // A runner of the user's beside the preset gets no pytest options and no fork server.
    let file = "[suite]\nlist = \"cat names\"\nbatch = \"sh runner.sh {tests}\"\n";
    let c = with_file(&["--preset", "pytest"], file).expect("valid");
    assert!(!c.runs_pytest && c.fork_server.is_none());
    // Per-test mode: the preset's pytest gets smoke's plugin (through PYTEST_PLUGINS), a
    // command of the user's that runs something else does not; neither forks.
    let c = without_file(&["--preset", "pytest", "--mode", "per-test"]).expect("valid");
    assert!(c.runs_pytest && c.fork_server.is_none());
    let file = "[suite]\nlist = \"cat names\"\nrun = \"sh run.sh {test}\"\n";
    let c = with_file(&["--preset", "pytest", "--mode", "per-test"], file).expect("valid");
    assert!(!c.runs_pytest && c.fork_server.is_none());
}

#[test]
fn the_suite_is_listed_by_the_fork_server_only_with_the_pytest_preset_s_own_commands() {
    let c = without_file(&["--preset", "pytest"]).expect("valid");
    assert!(c.server_lists);
    let c = without_file(&["--preset", "pytest", "--program", "python3 -m pytest"]).expect("valid");
    assert!(c.server_lists);
    // A batch command of the user's may collect something else than the listing.
    let file = "[suite]\npreset = \"pytest\"\nbatch = \"pytest -q --junitxml={junit} tests/unit {tests}\"\n";
    let c = with_file(&[], file).expect("valid");
    assert!(c.fork_server.is_some() && !c.server_lists);
    // So may a list command of the user's; and without a server nothing is served.
    let file = "[suite]\npreset = \"pytest\"\nlist = \"cat names\"\n";
    assert!(!with_file(&[], file).expect("valid").server_lists);
    for off in [&["--no-fork-server"][..], &["--mode", "per-test"][..]] {
        let mut args = vec!["--preset", "pytest"];
        args.extend(off);
        assert!(!without_file(&args).expect("valid").server_lists, "{off:?}");
    }
    assert!(
        !without_file(&["--preset", "rspec"])
            .expect("valid")
            .server_lists
    );
}

#[test]
fn probe_keys_are_read_flags_replace_them_and_the_limit_is_the_timeout_or_30_s() {
    let toml = format!(
        "{MINIMAL}probe = \"ls state\"\nprobe-ignore = [\"^total\"]\nprobe-files = [\"state\", \".\"]\n"
    );
    let c = with_file(&[], &toml).expect("valid");
    let p = &c.probes;
    assert_eq!(p.command.as_deref(), Some("ls state"));
    assert_eq!(p.ignore.len(), 1);
    assert!(p.ignore[0].is_match("total 8"));
    assert_eq!(p.files, ["state", "."]);
    assert_eq!(p.timeout, crate::probe::DEFAULT_TIMEOUT);
    assert!(c.warnings.is_empty());
    let c = with_file(
        &[
            "--probe-files",
            "db",
            "--probe-files",
            "tmp",
            "--timeout",
            "5s",
        ],
        &toml,
    )
    .expect("valid");
    assert_eq!(c.probes.files, ["db", "tmp"], "the flags replace the key");
    assert_eq!(c.probes.command.as_deref(), Some("ls state"));
    assert_eq!(c.probes.timeout, Duration::from_secs(5));
    assert!(!with_file(&[], MINIMAL).expect("valid").probes.any());
    // probe-ignore with nothing to drop lines from says so.
    let c = with_file(&["--probe-ignore", "x"], MINIMAL).expect("valid");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("--probe-ignore has no effect without a probe command")),
        "{:?}",
        c.warnings
    );
    let message = error(with_file(&["--probe-ignore", "(("], MINIMAL));
    assert!(message.contains("invalid --probe-ignore '(('"), "{message}");
    let message = error(with_file(&[], &format!("{MINIMAL}probe = \"\"\n")));
    assert!(
        message.contains("[suite] probe in 'suite/smoke.toml' is empty"),
        "{message}"
    );
}

#[test]
fn outside_drivers_take_what_they_can_use_and_refuse_the_rest() {
    let c = with_file(&["--order", "external", "--controller", "./pick"], MINIMAL).expect("valid");
    assert_eq!(c.driving, Some(Driving::Controller("./pick".into())));
    assert_eq!(
        (c.order, c.times, c.iterations),
        (Order::External, 1, DEFAULT_ITERATIONS)
    );
    let c = with_file(
        &["--order", "external", "--controller", "x", "-t", "4"],
        MINIMAL,
    )
    .expect("valid");
    assert_eq!(c.times, 1);
    assert!(c.warnings[0].contains("--times is ignored with --order external"));

    let c = with_file(&["--control-dir", "ctl", "--order", "tuscan"], MINIMAL).expect("valid");
    assert_eq!(c.driving, Some(Driving::ControlDir("/work/ctl".into())));
    assert_eq!(
        (c.iterations, c.iterations_cut),
        (1, Some(1)),
        "one sequence"
    );
    let c = with_file(
        &["--control-dir", "ctl"],
        &format!("{MINIMAL}[smoke]\niterations = 9\n"),
    )
    .expect("the file's iterations serve other runs");
    assert_eq!(c.iterations, 1);

    let table: [(&[&str], &str, &str); 7] = [
        (
            &["--order", "external"],
            "",
            "order external needs --controller CMD",
        ),
        (
            &[],
            "[smoke]\norder = \"external\"\n",
            "order external needs --controller CMD",
        ),
        (
            &["--controller", "x"],
            "",
            "--controller goes with --order external",
        ),
        (
            &["--order", "external", "--controller", "x", "-j", "2"],
            "",
            "runs on one worker",
        ),
        (
            &["--control-dir", "d", "-n", "2"],
            "",
            "start smoke again: leave --iterations out",
        ),
        (
            &["--control-dir", "d", "--shard", "1/2", "--seed", "1"],
            "",
            "cannot be split",
        ),
        (
            &["--control-dir", "d", "--batch", "sh b {tests}"],
            "",
            "so it needs per-test mode",
        ),
    ];
    for (args, extra, message) in table {
        let refused = error(with_file(args, &format!("{MINIMAL}{extra}")));
        assert!(refused.contains(message), "{args:?}: {refused}");
    }
}

#[test]
fn outside_drivers_can_be_set_in_the_file_and_flags_replace_them() {
    let controller = format!("{MINIMAL}[smoke]\norder = \"external\"\ncontroller = \"./pick\"\n");
    let c = with_file(&[], &controller).expect("valid");
    assert_eq!(c.driving, Some(Driving::Controller("./pick".into())));
    let c = with_file(&["--controller", "./other"], &controller).expect("valid");
    assert_eq!(c.driving, Some(Driving::Controller("./other".into())));
    // A control folder in the file is relative to the file's folder, as its other paths are.
    let c = with_file(&[], &format!("{MINIMAL}[smoke]\ncontrol-dir = \"ctl\"\n")).expect("valid");
    assert_eq!(
        c.driving,
        Some(Driving::ControlDir("/work/suite/ctl".into()))
    );
    assert_eq!(c.iterations, 1, "one sequence");
    // Bug mode runs the suite's order once: a driver in the file has nothing to drive.
    let c = with_file(&["--bug-mode"], &controller).expect("valid");
    assert_eq!(c.driving, None);
    let c = with_file(
        &["--bug-mode"],
        &format!("{MINIMAL}[smoke]\ncontrol-dir = \"ctl\"\njobs = 2\n"),
    )
    .expect("what bug mode leaves unused is not checked");
    assert_eq!(c.driving, None);

    for (extra, message) in [
        (
            "[smoke]\ncontroller = \"x\"\ncontrol-dir = \"d\"\n",
            "[smoke] sets both controller and control-dir",
        ),
        (
            "[smoke]\ncontroller = \"x\"\n",
            "[smoke] controller goes with --order external",
        ),
        (
            "[smoke]\ncontrol-dir = \"d\"\njobs = 2\n",
            "[smoke] control-dir drives one sequence at a time",
        ),
    ] {
        let refused = error(with_file(&[], &format!("{MINIMAL}{extra}")));
        assert!(refused.contains(message), "{extra}: {refused}");
    }
}

#[test]
fn the_ctest_preset_lists_with_json_and_runs_by_the_escaped_name_handed_over_as_data() {
    let c =
        without_file(&["--preset", "ctest", "--program", "ctest --test-dir build"]).expect("valid");
    assert_eq!(
        c.source,
        TestSource::Ctest("ctest --test-dir build".to_string())
    );
    let Execution::PerTest(run) = &c.execution else {
        panic!("ctest has no batch mode: {:?}", c.execution)
    };
    assert_eq!(
        run.script,
        r#"exec ctest --test-dir build --output-on-failure --no-tests=error -R "$2""#
    );
    let message = error(without_file(&["--preset", "ctest", "--mode", "batch"]));
    assert!(message.contains("in its own order"), "{message}");
    // Messages that name the presets name every one.
    let message = error(without_file(&[]));
    let listed: Vec<&str> = message
        .split_once("--preset (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| list.split(", ").collect())
        .unwrap_or_default();
    let every: Vec<String> = <Preset as clap::ValueEnum>::value_variants()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(listed, every, "{message}");
    assert!(listed.contains(&"ctest"));
}

#[test]
fn the_rspec_and_jest_presets_run_batches_in_the_asked_order_with_json_results() {
    let c = without_file(&["--preset", "rspec"]).expect("valid");
    assert_eq!(
        c.source,
        TestSource::Rspec("rspec --dry-run --order defined --format json".into())
    );
    let Execution::Batch(batch) = &c.execution else {
        panic!("rspec runs in batch mode by default: {:?}", c.execution)
    };
    assert_eq!(batch.format, Format::Json);
    assert_eq!(
        batch.script,
        r#"exec rspec -r "$SMOKE_HELPERS/rspec_order.rb" --format progress --format json --out "$SMOKE_JSON" "$@""#
    );
    assert_eq!(c.deduplicating_runner, Some("rspec"));
    let message = error(without_file(&["--preset", "rspec", "--times", "2"]));
    assert!(
        message.starts_with("rspec runs each test once per invocation"),
        "{message}"
    );
    let c = without_file(&["--preset", "rspec", "--mode", "per-test", "--times", "2"])
        .expect("per-test mode repeats");
    assert_eq!(
        c.execution,
        Execution::PerTest(RunTemplate {
            template: "rspec {test}".into(),
            script: r#"exec rspec "$1""#.into()
        })
    );

    let c = without_file(&["--preset", "jest", "--times", "2"])
        .expect("jest runs a file as often as the sequencer hands it over");
    assert_eq!(
        c.source,
        TestSource::Jest("npx --no -- jest --listTests".into())
    );
    assert_eq!(c.deduplicating_runner, None);
    let Execution::Batch(batch) = &c.execution else {
        panic!("jest runs in batch mode by default: {:?}", c.execution)
    };
    assert_eq!(batch.format, Format::Json);
    assert_eq!(
        batch.script,
        r#"exec npx --no -- jest --ci --runInBand --testSequencer="$SMOKE_HELPERS/jest_sequencer.js" --reporters=default --reporters="$SMOKE_HELPERS/jest_reporter.js" --json --outputFile="$SMOKE_JSON" --runTestsByPath -- "$@""#
    );
    let c = without_file(&[
        "--preset",
        "jest",
        "--mode",
        "per-test",
        "--program",
        "node_modules/.bin/jest",
    ])
    .expect("valid");
    let Execution::PerTest(run) = &c.execution else {
        panic!("per-test: {:?}", c.execution)
    };
    assert_eq!(
        run.script,
        r#"exec node_modules/.bin/jest --ci --runInBand --runTestsByPath -- "$1""#
    );
}

#[test]
fn a_json_batch_needs_its_placeholder() {
    let c = with_file(&["--batch", "my-runner --out={json} {tests}"], MINIMAL).expect("valid");
    let Execution::Batch(batch) = &c.execution else {
        panic!("batch: {:?}", c.execution)
    };
    assert_eq!(batch.format, Format::Json, "{{json}} means JSON results");
    assert_eq!(batch.script, r#"exec my-runner --out="$SMOKE_JSON" "$@""#);
    let message = error(with_file(
        &["--batch", "my-runner {tests}", "--format", "json"],
        MINIMAL,
    ));
    assert_eq!(
        message,
        "the batch template 'my-runner {tests}' has no {json}, but the format is json: put \
         {json} where the runner takes its JSON results path (rspec: --format json --out \
         {json}; jest: --json --outputFile={json})"
    );
}

#[test]
fn more_workers_than_one_machine_can_use_are_refused_and_auto_stays_below_them() {
    let c = with_file(&["--jobs", "512"], MINIMAL).expect("the most is allowed");
    assert_eq!(c.jobs, MAX_JOBS);
    let refused = error(with_file(&["--jobs", "513"], MINIMAL));
    assert!(
        refused.contains("--jobs 513 is more workers than one machine can use: at most 512"),
        "{refused}"
    );
    assert!(refused.contains("--shard K/N"), "{refused}");
    let refused = error(with_file(&[], &format!("{MINIMAL}[smoke]\njobs = 600\n")));
    assert!(
        refused.contains("[smoke] jobs in 'suite/smoke.toml' (600) is more workers"),
        "{refused}"
    );
    let c = with_file(&["--jobs", "auto"], MINIMAL).expect("valid");
    assert!((1..=MAX_JOBS).contains(&c.jobs), "{}", c.jobs);
}

#[test]
fn the_edge_names_the_replay_program_and_the_pytest_preset_falls_back_to_the_venv() {
    let on = |program: &str, pytest_on_path: bool, venvs: &[&str], args: &[&str]| {
        let venvs: Vec<PathBuf> = venvs.iter().map(PathBuf::from).collect();
        let on_path = move |name: &str| name != "pytest" || pytest_on_path;
        let executable = move |path: &Path| venvs.iter().any(|v| v == path);
        let machine = Machine {
            program: program.to_string(),
            own_pytest: None,
            on_path: &on_path,
            executable: &executable,
        };
        Config::from_parts_on(
            cli(args),
            Path::new("/w"),
            None,
            &BTreeMap::new(),
            || 1,
            &machine,
        )
        .expect("valid")
    };
    let c = on(
        "/opt/smoke",
        true,
        &[],
        &["--no-config", "--run", "sh {test}", "a"],
    );
    assert_eq!(c.replay_base[..2], ["/opt/smoke", "--no-config"]);
    let c = on(
        "smoke",
        true,
        &["/w/.venv/bin/python"],
        &["--preset", "pytest"],
    );
    assert_eq!(
        c.execution.template(),
        Preset::Pytest
            .defaults("pytest")
            .batch
            .expect("batch")
            .template
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let both = ["/w/.venv/bin/python", "/w/venv/bin/python"];
    let c = on("smoke", false, &both, &["--preset", "pytest"]);
    assert!(
        c.execution
            .template()
            .starts_with("/w/.venv/bin/python -m pytest "),
        "{}",
        c.execution.template()
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let c = on("smoke", false, &both[1..], &["--preset", "pytest"]);
    assert!(
        c.execution
            .template()
            .starts_with("/w/venv/bin/python -m pytest ")
    );
    let c = on(
        "smoke",
        false,
        &both,
        &["--preset", "pytest", "--program", "py.test"],
    );
    assert!(
        c.execution.template().starts_with("py.test "),
        "a named program wins"
    );
    let c = on("smoke", false, &[], &["--preset", "pytest"]);
    assert!(
        c.execution.template().starts_with("pytest "),
        "no venv: the listing says why"
    );
}

#[test]
fn a_smoke_installed_in_a_virtualenv_that_is_not_activated_runs_that_virtualenv_s_pytest() {
    let on = |own: Option<&str>, pytest_on_path: bool, args: &[&str]| {
        let on_path = move |name: &str| name != "pytest" || pytest_on_path;
        let executable = |path: &Path| path == Path::new("/w/.venv/bin/python");
        let machine = Machine {
            program: "/env dir/bin/smoke".to_string(),
            own_pytest: own.map(PathBuf::from),
            on_path: &on_path,
            executable: &executable,
        };
        let c = Config::from_parts_on(
            cli(args),
            Path::new("/w"),
            None,
            &BTreeMap::new(),
            || 1,
            &machine,
        )
        .expect("valid");
        (c.execution.template().to_string(), c.warnings)
    };
    let pytest = Some("/env dir/bin/pytest");
    // No pytest on PATH: smoke's own virtualenv before the suite's, and nothing to warn of.
    let (template, warnings) = on(pytest, false, &["--preset", "pytest"]);
    assert!(
        template.starts_with("'/env dir/bin/pytest' -p no:randomly "),
        "{template}"
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    // Another pytest on PATH (a system one): smoke's own still, and a warning says why.
    let (template, warnings) = on(pytest, true, &["--preset", "pytest"]);
    assert!(template.starts_with("'/env dir/bin/pytest' "), "{template}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("installed in a virtualenv that is not activated")
            && warnings[0].contains("'/env dir/bin/pytest', not the pytest on PATH"),
        "{warnings:?}"
    );
    // The per-test mode runs it too, and so does the listing.
    let (template, _) = on(pytest, true, &["--preset", "pytest", "--mode", "per-test"]);
    assert!(template.starts_with("'/env dir/bin/pytest' "), "{template}");
    // A program named wins; other presets never look.
    let (template, warnings) = on(pytest, true, &["--preset", "pytest", "--program", "tox"]);
    assert!(template.starts_with("tox "), "{template}");
    assert!(warnings.is_empty(), "{warnings:?}");
    let (template, _) = on(pytest, true, &["--preset", "prove"]);
    assert!(!template.contains("/env dir/"), "{template}");
    // None (activated, or PATH finds that very pytest): as before.
    let (template, _) = on(None, true, &["--preset", "pytest"]);
    assert!(template.starts_with("pytest "), "{template}");
    let (template, _) = on(None, false, &["--preset", "pytest"]);
    assert!(
        template.starts_with("/w/.venv/bin/python -m pytest "),
        "{template}"
    );
}

#[test]
fn state_ignore_is_read_replaced_by_its_flag_and_covers_a_folder_s_entries() {
    let toml = format!("{MINIMAL}state-ignore = [\"log\", \"*.tmp\"]\n");
    let c = with_file(&[], &toml).expect("valid");
    assert!(c.probes.state_ignored("log"));
    assert!(
        c.probes.state_ignored("log/test.log"),
        "a folder covers its entries"
    );
    assert!(c.probes.state_ignored("x.tmp"));
    assert!(!c.probes.state_ignored("state/dirty"));
    let c = with_file(&["--state-ignore", "state/"], &toml).expect("valid");
    assert!(
        c.probes.state_ignored("state/dirty"),
        "the flag replaces the key"
    );
    assert!(!c.probes.state_ignored("log/test.log"));
    let message = error(with_file(
        &[],
        &format!("{MINIMAL}state-ignore = [\"[\"]\n"),
    ));
    assert!(
        message.contains("invalid [suite] state-ignore in 'suite/smoke.toml' '['"),
        "{message}"
    );
}

#[test]
fn state_diff_is_on_unless_the_key_or_the_flag_turns_it_off() {
    assert!(with_file(&[], MINIMAL).expect("valid").probes.inside);
    let off = format!("{MINIMAL}state-diff = false\n");
    assert!(!with_file(&[], &off).expect("valid").probes.inside);
    assert!(
        !with_file(&["--no-state-diff"], MINIMAL)
            .expect("valid")
            .probes
            .inside
    );
    let on = format!("{MINIMAL}state-diff = true\n");
    assert!(
        !with_file(&["--no-state-diff"], &on)
            .expect("valid")
            .probes
            .inside
    );
    let message = error(with_file(&[], &format!("{MINIMAL}state-diff = \"no\"\n")));
    assert!(message.contains("state-diff"), "{message}");
}
