//! The pure probe core, table by table: noise, filtering, diffs, file comparison and the
//! sentence, with no process and no file.

use super::*;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn file(size: u64, hash: &str) -> FileState {
    FileState {
        kind: "file".into(),
        size,
        mode: "0644".into(),
        sha256: Some(hash.into()),
    }
}

fn snapshot(entries: &[(&str, FileState)]) -> Snapshot {
    Snapshot {
        entries: entries
            .iter()
            .map(|(p, s)| (p.to_string(), s.clone()))
            .collect(),
        cut: false,
    }
}

fn probes(command: bool, ignore: &[&str], files: &[&str]) -> Probes {
    Probes {
        state_ignore: Vec::new(),
        inside: true,
        command: command.then(|| "ls state".to_string()),
        ignore: ignore
            .iter()
            .map(|r| Regex::new(r).expect("regex"))
            .collect(),
        files: files.iter().map(|f| f.to_string()).collect(),
        timeout: DEFAULT_TIMEOUT,
    }
}

fn out(text: &str) -> Observation {
    Observation {
        output: Some(Output::Ok(text.into())),
        files: None,
    }
}

#[test]
fn lines_that_differ_between_two_runs_are_noise_with_any_later_value() {
    let first = lines("users 3\nat 12:00:01 pid 4711\nready\n");
    let second = lines("users 3\nat 12:00:02 pid 4790\nready\n");
    let noise = Noise::learn(&first, &second);
    assert_eq!(noise.lines(), 1);
    assert!(noise.matches("at 13:59:30 pid 99"));
    assert!(!noise.matches("users 3"));
    assert!(!noise.matches("ready"));
    assert!(!noise.matches("at 13:59:30 pid 99 extra"));
    // Two equal runs: no noise.
    assert_eq!(Noise::learn(&first, &first).lines(), 0);
    // A line seen in one run only: its numbers are free.
    let noise = Noise::learn(&lines("a\n"), &lines("a\ntmp 381\n"));
    assert_eq!(noise.lines(), 1);
    assert!(noise.matches("tmp 7"));
    assert!(!noise.matches("tmpx 7"));
}

#[test]
fn ignored_and_noisy_lines_are_dropped_and_the_ignored_ones_counted() {
    let noise = Noise::learn(&lines("t 1\n"), &lines("t 2\n"));
    let ignore = [Regex::new("^#").expect("regex")];
    let (kept, dropped) = filter("# generated\nt 9\nuser alice\n", &ignore, &noise);
    assert_eq!(kept, ["user alice"]);
    assert_eq!(dropped, 1);
}

#[test]
fn the_diff_is_unified_counts_its_lines_and_is_bounded() {
    let (diff, added, removed, cut) = diff(&lines("a\nb\n"), &lines("a\nc\nd\n"), "t/x");
    let diff = diff.expect("a change");
    assert!(
        diff.starts_with("--- before t/x\n+++ after t/x\n@@"),
        "{diff}"
    );
    assert!(diff.contains("-b\n+c\n+d\n"), "{diff}");
    assert_eq!((added, removed, cut), (2, 1, 0));
    assert_eq!(super::diff(&lines("a"), &lines("a"), "t"), (None, 0, 0, 0));
    let big: Vec<String> = (0..1000).map(|i| format!("line {i}")).collect();
    let (diff, added, _, cut) = super::diff(&[], &big, "t");
    assert_eq!(added, 1000);
    assert!(cut > 0);
    assert!(diff.expect("a change").lines().count() <= DIFF_LINES);
}

#[test]
fn files_created_deleted_and_modified_are_told_apart() {
    let before = snapshot(&[("state/a", file(1, "x")), ("state/b", file(2, "y"))]);
    let after = snapshot(&[
        ("state/a", file(1, "z")),
        ("state/c", file(0, "e")),
        ("state/noisy", file(0, "n")),
    ]);
    let noisy = BTreeSet::from(["state/noisy".to_string()]);
    let changes = compare(&before, &after, &noisy);
    let got: Vec<(&str, Change)> = changes
        .iter()
        .map(|c| (c.path.as_str(), c.change))
        .collect();
    assert_eq!(
        got,
        [
            ("state/a", Change::Modified),
            ("state/b", Change::Deleted),
            ("state/c", Change::Created)
        ]
    );
    assert_eq!(describe(&changes[0]), "modified state/a (content)");
    assert_eq!(describe(&changes[1]), "deleted state/b (was 2 bytes)");
    assert_eq!(describe(&changes[2]), "created state/c (0 bytes)");
    // A folder whose entries changed is not itself modified.
    let dir = |mode: &str| FileState {
        kind: "dir".into(),
        size: 0,
        mode: mode.into(),
        sha256: None,
    };
    assert!(
        compare(
            &snapshot(&[("d", dir("0755"))]),
            &snapshot(&[("d", dir("0755"))]),
            &noisy
        )
        .is_empty()
    );
    let chmod = compare(
        &snapshot(&[("d", dir("0755"))]),
        &snapshot(&[("d", dir("0700"))]),
        &noisy,
    );
    assert_eq!(describe(&chmod[0]), "modified d (mode 0755 -> 0700)");
}

#[test]
fn the_polluter_is_named_with_what_it_left_and_the_victim_with_how_it_found_it() {
    let p = probes(false, &[], &["state"]);
    let base = snapshot(&[("state", file(0, "d"))]);
    let files = |s: Snapshot| Observation {
        output: None,
        files: Some(s),
    };
    let mut prober = Prober::new(&p, false, files(base.clone()), files(base.clone()));
    let mut polluted = base.clone();
    polluted
        .entries
        .insert("state/cache.lock".into(), file(0, "e3"));
    prober.after(vec!["t/03".into()], "ok".into(), files(polluted.clone()));
    prober.after(vec!["t/10".into()], "ok".into(), files(polluted.clone()));
    prober.after(vec!["t/17".into()], "exit 1".into(), files(polluted));
    let record = prober.finish();
    assert_eq!(record.steps.len(), 3);
    assert_eq!(record.steps[0].files[0].change, Change::Created);
    assert!(record.steps[1].files.is_empty());
    assert_eq!(
        record.summary.as_deref(),
        Some("t/03 created state/cache.lock (0 bytes); t/17 failed with it present")
    );
}

#[test]
fn a_file_created_and_removed_again_is_not_left_behind() {
    let p = probes(false, &[], &["state"]);
    let base = snapshot(&[]);
    let files = |s: Snapshot| Observation {
        output: None,
        files: Some(s),
    };
    let mut prober = Prober::new(&p, false, files(base.clone()), files(base.clone()));
    prober.after(
        vec!["a".into()],
        "ok".into(),
        files(snapshot(&[("state/x", file(1, "x"))])),
    );
    prober.after(vec!["b".into()], "ok".into(), files(base.clone()));
    prober.after(vec!["v".into()], "exit 1".into(), files(base));
    let record = prober.finish();
    assert_eq!(record.steps[0].files.len(), 1);
    assert_eq!(record.steps[1].files[0].change, Change::Deleted);
    assert_eq!(record.summary, None);
}

#[test]
fn the_command_probe_learns_noise_counts_ignores_and_survives_a_failing_run() {
    let p = probes(true, &["^tests so far"], &[]);
    let mut prober = Prober::new(
        &p,
        false,
        out("tests so far 0\npid 100\nusers 0\n"),
        out("tests so far 0\npid 101\nusers 0\n"),
    );
    prober.after(
        vec!["p".into()],
        "ok".into(),
        out("tests so far 1\npid 102\nusers 1\n"),
    );
    prober.after(
        vec!["q".into()],
        "ok".into(),
        Observation {
            output: Some(Output::Failed("exit 3: no database".into())),
            files: None,
        },
    );
    prober.after(
        vec!["v".into()],
        "exit 1".into(),
        out("tests so far 3\npid 104\nusers 1\n"),
    );
    let r = prober.finish();
    assert_eq!((r.noise_lines, r.ignored_lines), (1, 1));
    let diff = r.steps[0].diff.as_deref().expect("p changed users");
    assert!(diff.contains("-users 0\n+users 1\n"), "{diff}");
    assert!(
        !diff.contains("pid") && !diff.contains("tests so far"),
        "{diff}"
    );
    assert_eq!(r.steps[1].error.as_deref(), Some("exit 3: no database"));
    assert_eq!(r.steps[1].diff, None);
    assert_eq!(r.steps[2].diff, None, "compared with the last good output");
    assert_eq!(
        r.summary.as_deref(),
        Some("p changed the probe output (+1 -1 lines); v failed")
    );
}

#[test]
fn a_probe_failing_before_the_first_test_is_recorded_and_the_next_good_output_is_the_base() {
    let p = probes(true, &[], &[]);
    let failed = Observation {
        output: Some(Output::Failed("timeout after 1s".into())),
        files: None,
    };
    let mut prober = Prober::new(&p, false, failed.clone(), failed);
    prober.after(vec!["a".into()], "ok".into(), out("x\n"));
    prober.after(vec!["v".into()], "exit 1".into(), out("y\n"));
    let r = prober.finish();
    assert_eq!(r.baseline_error.as_deref(), Some("timeout after 1s"));
    assert_eq!(r.steps[0].diff, None);
    assert!(r.steps[1].diff.is_some());
}

#[test]
fn a_batch_is_one_step_and_says_so() {
    let p = probes(false, &[], &["state"]);
    let files = |s: Snapshot| Observation {
        output: None,
        files: Some(s),
    };
    let mut prober = Prober::new(&p, true, files(snapshot(&[])), files(snapshot(&[])));
    prober.after(
        vec!["p".into(), "v".into()],
        "failed".into(),
        files(snapshot(&[("state/x", file(0, "e"))])),
    );
    let r = prober.finish();
    assert!(r.batch);
    assert_eq!(
        r.summary.as_deref(),
        Some(
            "the batch of 2 tests created state/x (0 bytes) (batch mode: probed before and \
             after the whole batch, not between its tests); a test failed (failed)"
        )
    );
}

#[test]
fn redaction_reaches_every_text() {
    let p = probes(true, &[], &[]);
    let mut prober = Prober::new(&p, false, out("a\n"), out("a\n"));
    prober.after(vec!["t".into()], "exit 1".into(), out("token hunter22\n"));
    let r = prober
        .finish()
        .redacted(|t| t.replace("hunter22", "<redacted>"));
    let json = serde_json::to_string(&r).expect("serializes");
    assert!(!json.contains("hunter22"), "{json}");
    assert!(json.contains("<redacted>"));
}

#[test]
fn changes_are_grouped_by_kind_and_a_repeated_test_is_named_with_its_run() {
    let p = probes(false, &[], &["state"]);
    let files = |s: Snapshot| Observation {
        output: None,
        files: Some(s),
    };
    let mut prober = Prober::new(&p, false, files(snapshot(&[])), files(snapshot(&[])));
    let one = snapshot(&[("state/a", file(5, "a")), ("state/b", file(0, "b"))]);
    prober.after(vec!["t".into()], "ok".into(), files(one));
    let two = snapshot(&[("state/a", file(6, "c")), ("state/b", file(0, "b"))]);
    prober.after(vec!["t".into()], "ok".into(), files(two.clone()));
    prober.after(vec!["t".into()], "exit 1".into(), files(two));
    assert_eq!(
        prober.finish().summary.as_deref(),
        Some(
            "t (run 1) created state/a (5 bytes) and state/b (0 bytes); t (run 2) modified \
             state/a (5 -> 6 bytes, content); t (run 3) failed with them present"
        )
    );
}

#[test]
fn a_huge_output_that_changes_everywhere_is_compared_in_bounded_time() {
    let a: Vec<String> = (0..40_000u64)
        .map(|i| format!("key:{}", i * 7919 % 40_001))
        .collect();
    let b: Vec<String> = (0..40_000u64)
        .map(|i| format!("key:{}", i * 104_729 % 40_003))
        .collect();
    let started = std::time::Instant::now();
    let noise = Noise::learn(&a, &b);
    let (diff, ..) = diff(&a, &b, "t");
    assert!(noise.lines() > 0 && diff.is_some());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
