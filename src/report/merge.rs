//! The merge of a sharded run's reports (`--shard K/N`) into the report of the whole run, for
//! `smoke merge`.
//!
//! [`merge`] checks that the reports are the shards of one run (every shard once, the same
//! options that decide what runs) and combines them as one machine would have reported the
//! whole run: iterations in index order, the same failure found by several shards listed once,
//! counters summed. Pure: it reads no file and prints nothing; the edge (reading the shards'
//! files, writing the merged report, printing) is `commands::merge`.

use super::Mode;
use super::record::{FailureRecord, MergedShard, RunReport, Stats};
use crate::error::exit;
use crate::shard::Shard;
use std::collections::BTreeMap;

/// The status of a merged report when some shard did not complete.
pub const INCOMPLETE: &str = "incomplete";

/// Why reports cannot be merged; the message names the file or shard and says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// One shard's report, with the file it came from (as named on the command line).
#[derive(Clone, Debug)]
pub struct ShardReport {
    /// The file, as the user named it.
    pub file: String,
    /// Its contents.
    pub report: RunReport,
}

/// Merge the reports of every shard of one run into the report of the whole run. `argv` is the
/// merge's command line and `smoke_version` the merging smoke's version; everything else comes
/// from the shards.
pub fn merge(
    shards: Vec<ShardReport>,
    argv: Vec<String>,
    smoke_version: &str,
) -> Result<RunReport, MergeError> {
    let shards = check(shards)?;
    let first = &shards[0].report;
    let mut completed = true;
    let mut warnings = Vec::new();
    for (shard, s) in shards.iter().map(|s| (shard_of(s), s)) {
        // What the shard holds, not what its status and counters say: a report cut short
        // after it was written still says completed.
        let missing = missing_iterations(s);
        if !s.report.completed {
            completed = false;
            warnings.push(format!(
                "{shard} ('{}') did not complete (status {}): the iterations it did not run are \
                 missing from this report{}",
                s.file,
                s.report.status,
                match missing.len() {
                    0 => String::new(),
                    _ => format!(" ({})", listed(&missing)),
                }
            ));
        } else if !missing.is_empty() {
            completed = false;
            warnings.push(format!(
                "{shard} ('{}') says it completed but holds {} of its {} iterations: {} \
                 missing (the report was cut short or edited); run that shard again and merge \
                 its new report",
                s.file,
                s.report.iterations.len(),
                shard.count(s.report.options.iterations),
                listed(&missing)
            ));
        }
    }
    for (what, value) in [
        (
            "smoke versions",
            (|r: &RunReport| r.smoke_version.clone()) as fn(&RunReport) -> String,
        ),
        ("commits of the suite", |r: &RunReport| {
            r.build
                .git_commit
                .clone()
                .unwrap_or_else(|| "none".to_string())
        }),
    ] {
        if let Some(differ) = differing(&shards, value) {
            warnings.push(format!("the shards ran different {what}: {differ}"));
        }
    }
    for s in &shards {
        for warning in &s.report.warnings {
            let warning = format!("{}: {warning}", shard_of(s));
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    }

    let mut iterations: Vec<_> = shards
        .iter()
        .flat_map(|s| s.report.iterations.iter().cloned())
        .collect();
    iterations.sort_by_key(|i| i.index);
    let mut hook_failures: Vec<_> = shards
        .iter()
        .flat_map(|s| s.report.hook_failures.iter().cloned())
        .collect();
    hook_failures.sort_by_key(|h| h.iteration);
    let mut raw_names = Vec::new();
    for name in shards.iter().flat_map(|s| &s.report.raw_names) {
        if !raw_names.contains(name) {
            raw_names.push(name.clone());
        }
    }
    let (failures, folded) = fold_failures(&shards);
    let mut stats = shards
        .iter()
        .fold(Stats::default(), |sum, s| add(sum, &s.report.stats));
    stats.unique_failures = stats.unique_failures.saturating_sub(folded);

    Ok(RunReport {
        smoke_version: smoke_version.to_string(),
        mode: Mode::Smoke,
        started_at: earliest(shards.iter().map(|s| s.report.started_at.as_str())),
        finished_at: shards
            .iter()
            .map(|s| s.report.finished_at.as_deref())
            .collect::<Option<Vec<_>>>()
            .map(|ends| latest(ends.into_iter())),
        completed,
        status: if completed { "completed" } else { INCOMPLETE }.to_string(),
        argv,
        options: crate::report::record::Options {
            shard: None,
            ..first.options.clone()
        },
        build: first.build.clone(),
        iterations,
        failures,
        hook_failures,
        tests: Vec::new(),
        raw_names,
        stats,
        warnings,
        merged_from: shards
            .iter()
            .map(|s| MergedShard {
                file: s.file.clone(),
                shard: shard_of(s),
                status: s.report.status.clone(),
                started_at: s.report.started_at.clone(),
                finished_at: s.report.finished_at.clone(),
                iterations_run: s.report.stats.iterations_run,
                failures_found: s.report.stats.failures_found,
            })
            .collect(),
        reproduced_from: None,
        resumed: shards
            .iter()
            .flat_map(|s| s.report.resumed.iter().cloned())
            .collect(),
    })
}

/// The exit code of a merged report, as for one run: 1 when a failure was found; else 2 when a
/// shard did not complete or a setup/teardown failed (the run did not test all it was asked
/// to); else 0.
pub fn exit_code(merged: &RunReport) -> u8 {
    if merged.stats.failures_found > 0 {
        exit::FAILURES
    } else if !merged.completed || !merged.hook_failures.is_empty() {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// The iterations a shard had to run (its share of the run's `options.iterations`) that its
/// report does not hold.
fn missing_iterations(s: &ShardReport) -> Vec<u32> {
    let held: std::collections::BTreeSet<u32> =
        s.report.iterations.iter().map(|i| i.index).collect();
    shard_of(s)
        .iterations(s.report.options.iterations)
        .filter(|i| !held.contains(i))
        .collect()
}

/// Iteration numbers in words: `none`, `iteration 3`, `iterations 3, 6`, or the first five of
/// more and how many (`iterations 3, 6, 9, 12, 15, … (40)`).
fn listed(iterations: &[u32]) -> String {
    let shown: Vec<String> = iterations.iter().take(5).map(u32::to_string).collect();
    match iterations.len() {
        0 => "no iteration".to_string(),
        1 => format!("iteration {}", shown[0]),
        2..=5 => format!("iterations {}", shown.join(", ")),
        n => format!("iterations {}, … ({n})", shown.join(", ")),
    }
}

/// The shard of a report [`check`] has accepted.
fn shard_of(s: &ShardReport) -> Shard {
    s.report
        .options
        .shard
        .expect("check keeps only shard reports")
}

/// The reports as the shards of one run, sorted by shard, or why they are not.
fn check(mut shards: Vec<ShardReport>) -> Result<Vec<ShardReport>, MergeError> {
    if shards.is_empty() {
        return Err(MergeError(
            "no reports to merge: give every shard's JSON report".into(),
        ));
    }
    for s in &shards {
        if s.report.mode != Mode::Smoke {
            return Err(MergeError(format!(
                "'{}' is a bug-mode report, not a shard's: smoke merge combines the reports of \
                 runs with --shard K/N",
                s.file
            )));
        }
        if !s.report.merged_from.is_empty() {
            return Err(MergeError(format!(
                "'{}' is a merged report already: merge the shards' own reports",
                s.file
            )));
        }
        let Some(shard) = s.report.options.shard else {
            return Err(MergeError(format!(
                "'{}' is not a shard's report (its options.shard is null: that run ran every \
                 iteration itself): smoke merge combines the reports of runs with --shard K/N",
                s.file
            )));
        };
        if let Some(stray) = s
            .report
            .iterations
            .iter()
            .find(|i| !shard.contains(i.index))
        {
            return Err(MergeError(format!(
                "'{}' holds iteration {}, which is not one of {shard}'s: it is not a report \
                 smoke wrote for that shard",
                s.file, stray.index
            )));
        }
    }
    let first = &shards[0];
    for s in &shards[1..] {
        for (what, a, b) in deciding_options(&first.report, &s.report) {
            if a != b {
                return Err(MergeError(format!(
                    "the reports are not shards of one run: '{}' has {what} {a} but '{}' has \
                     {b}; the shards of a run must be given the same {what}{}",
                    first.file,
                    s.file,
                    if what == "base seed" { " (--seed)" } else { "" }
                )));
            }
        }
    }
    let total = shard_of(first).total();
    if let Some(other) = shards.iter().find(|s| shard_of(s).total() != total) {
        return Err(MergeError(format!(
            "the reports are not shards of one run: '{}' is {} but '{}' is {}; the shards of a \
             run share N in --shard K/N",
            first.file,
            shard_of(first),
            other.file,
            shard_of(other)
        )));
    }
    shards.sort_by_key(|s| shard_of(s).index());
    for pair in shards.windows(2) {
        if shard_of(&pair[0]) == shard_of(&pair[1]) {
            return Err(MergeError(format!(
                "{} is given twice: '{}' and '{}'; give each shard's report once",
                shard_of(&pair[0]),
                pair[0].file,
                pair[1].file
            )));
        }
    }
    let missing: Vec<String> = (1..=total)
        .filter(|&k| !shards.iter().any(|s| shard_of(s).index() == k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let given: Vec<String> = shards
            .iter()
            .map(|s| format!("{} ('{}')", shard_of(s).index(), s.file))
            .collect();
        return Err(MergeError(format!(
            "shard(s) {} of {total} missing: give the reports of all {total} shards (got \
             shard(s) {})",
            missing.join(", "),
            given.join(", ")
        )));
    }
    Ok(shards)
}

/// The options that decide what runs, as (name, value in `a`, value in `b`); shards that differ
/// in any of them ran parts of different runs. Where each ran (`suite_dir`, `config`) may differ.
fn deciding_options(a: &RunReport, b: &RunReport) -> Vec<(&'static str, String, String)> {
    let (a, b) = (&a.options, &b.options);
    let text = |value: &dyn std::fmt::Debug| format!("{value:?}");
    vec![
        ("base seed", a.seed.to_string(), b.seed.to_string()),
        ("order", a.order.to_string(), b.order.to_string()),
        ("times", a.times.to_string(), b.times.to_string()),
        (
            "iterations",
            a.iterations.to_string(),
            b.iterations.to_string(),
        ),
        ("number of tests", a.tests.to_string(), b.tests.to_string()),
        ("run template", text(&a.run), text(&b.run)),
        ("execution", text(&a.execution), text(&b.execution)),
        ("format", text(&a.format), text(&b.format)),
        ("preset", text(&a.preset), text(&b.preset)),
        ("setup", text(&a.setup), text(&b.setup)),
        ("teardown", text(&a.teardown), text(&b.teardown)),
        ("match", text(&a.match_output), text(&b.match_output)),
        ("timeout", text(&a.timeout), text(&b.timeout)),
        ("retries", a.retries.to_string(), b.retries.to_string()),
        ("max-reduce", text(&a.max_reduce), text(&b.max_reduce)),
        ("reduce", a.reduce.to_string(), b.reduce.to_string()),
        ("[suite.env]", text(&a.env), text(&b.env)),
    ]
}

/// `None` when every shard has the same `value`, else the values with their shards.
fn differing(shards: &[ShardReport], value: fn(&RunReport) -> String) -> Option<String> {
    let mut by_value: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in shards {
        by_value
            .entry(value(&s.report))
            .or_default()
            .push(shard_of(s).index().to_string());
    }
    (by_value.len() > 1).then(|| {
        by_value
            .iter()
            .map(|(v, ks)| format!("{v} (shard(s) {})", ks.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The shards' failures as one run would list them: in the order of the iterations that found
/// them, the same failure (same test, failing the same way, same minimal sequence) found in
/// several shards listed once with its sightings summed. Also returns how many shrunk failures
/// were folded into another (each counted as unique by its shard).
fn fold_failures(shards: &[ShardReport]) -> (Vec<FailureRecord>, u32) {
    let mut all: Vec<(u32, &FailureRecord)> = shards
        .iter()
        .flat_map(|s| {
            s.report
                .failures
                .iter()
                .map(move |f| (shard_of(s).index(), f))
        })
        .collect();
    all.sort_by_key(|(_, f)| f.iteration);
    let mut kept: Vec<FailureRecord> = Vec::new();
    let mut folded = 0;
    for (shard, f) in all {
        let same = kept
            .iter_mut()
            .find(|k| k.test == f.test && k.failure == f.failure && k.minimal == f.minimal);
        match same {
            Some(k) => {
                k.seen += f.seen;
                k.seen_in.extend(&f.seen_in);
                k.seen_in.sort_unstable();
                k.seen_in.dedup();
                if !k.seen_in_shards.contains(&shard) {
                    k.seen_in_shards.push(shard);
                    k.seen_in_shards.sort_unstable();
                }
                // A failure whose shrink finished counted as unique in its shard.
                if f.replay.is_some() {
                    folded += 1;
                }
            }
            None => {
                let mut f = f.clone();
                f.seen_in_shards = vec![shard];
                kept.push(f);
            }
        }
    }
    (kept, folded)
}

/// Two runs' counters added.
fn add(a: Stats, b: &Stats) -> Stats {
    Stats {
        test_executions: a.test_executions + b.test_executions,
        sequence_runs: a.sequence_runs + b.sequence_runs,
        iterations_run: a.iterations_run + b.iterations_run,
        failures_found: a.failures_found + b.failures_found,
        unmatched_failures: a.unmatched_failures + b.unmatched_failures,
        unique_failures: a.unique_failures + b.unique_failures,
        reduction_tries: a.reduction_tries + b.reduction_tries,
        reduction_executions: a.reduction_executions + b.reduction_executions,
        reductions: a.reductions + b.reductions,
        // Shards start together on a CI matrix: the first failure is the earliest of theirs.
        seconds_to_first_failure: match (a.seconds_to_first_failure, b.seconds_to_first_failure) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
    }
}

/// The earliest of RFC 3339 times (machines may be in different time zones); text that is not
/// one sorts as text.
fn earliest<'a>(times: impl Iterator<Item = &'a str>) -> String {
    times
        .min_by(|a, b| compare_times(a, b))
        .unwrap_or_default()
        .to_string()
}

/// The latest of RFC 3339 times.
fn latest<'a>(times: impl Iterator<Item = &'a str>) -> String {
    times
        .max_by(|a, b| compare_times(a, b))
        .unwrap_or_default()
        .to_string()
}

fn compare_times(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

/// What the console says about a merged report: each failure with its minimal sequence and
/// replay, then the summary line.
pub fn console_lines(merged: &RunReport) -> String {
    use crate::report::{minimal_label, one_line};
    let mut out = String::new();
    for (i, f) in merged.failures.iter().enumerate() {
        let shards: Vec<String> = f.seen_in_shards.iter().map(u32::to_string).collect();
        out.push_str(&format!(
            "FAILURE {}: {} {}, seen {} time(s), in shard(s) {}\n",
            i + 1,
            one_line(&f.test),
            crate::report::render::failed_as(&f.failure),
            f.seen,
            shards.join(", ")
        ));
        out.push_str(&format!(
            "  {} ({} tests): {}\n",
            minimal_label(f.proven_minimal),
            f.minimal.len(),
            one_line(&crate::shell::join(&f.minimal))
        ));
        if let Some(replay) = &f.replay {
            out.push_str(&format!("  replay: {}\n", one_line(replay)));
        }
    }
    out.push_str(&crate::report::console::summary(merged, None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::Rate;
    use crate::report::record::tests::header;
    use crate::report::record::{HookFailureRecord, IterationRecord};

    fn iteration(index: u32, failed: Option<&str>) -> IterationRecord {
        IterationRecord {
            index,
            seed: 100 + u64::from(index) - 1,
            seed_str: (100 + u64::from(index) - 1).to_string(),
            length: 6,
            executed: if failed.is_some() { 4 } else { 6 },
            failed_test: failed.map(str::to_string),
            failure: failed.map(|_| "exit 1".to_string()),
            result: if failed.is_some() { "failed" } else { "passed" }.to_string(),
            output: None,
            seconds: 0.5,
            driven: None,
        }
    }

    fn failure(iteration: u32, test: &str, minimal: &[&str]) -> FailureRecord {
        FailureRecord {
            iteration,
            seed: 100 + u64::from(iteration) - 1,
            seed_str: (100 + u64::from(iteration) - 1).to_string(),
            test: test.to_string(),
            failure: "exit 1".to_string(),
            classification: Some(crate::model::Classification::OrderDependent),
            original: minimal.iter().map(|s| s.to_string()).collect(),
            minimal: minimal.iter().map(|s| s.to_string()).collect(),
            reductions: Vec::new(),
            tries: 3,
            shrink_executions: 5,
            proven_minimal: true,
            reproduced: Rate { failed: 2, runs: 2 },
            stopped_by: None,
            confirmation: None,
            shrink_seconds: Some(1.5),
            same_cause_as: None,
            replay: Some(format!(
                "smoke --order rotate --times 1 {}",
                minimal.join(" ")
            )),
            log: None,
            rerun: Some("exit 1".into()),
            hint: None,
            seen: 1,
            seen_in: vec![iteration],
            seen_in_shards: Vec::new(),
            output: "boom\n".to_string(),
            output_dropped: 0,
            probe: None,
            state: None,
            state_diff: Vec::new(),
        }
    }

    /// Shard `k` of `n` of a run of `iterations` with base seed 100, where `failing` lists the
    /// iterations that failed with (victim, minimal sequence); each shard shrinks its first
    /// find of a failure and counts later ones as repeats, as a run does.
    fn shard(k: u32, n: u32, iterations: u32, failing: &[(u32, &str, &[&str])]) -> ShardReport {
        let s = Shard::new(k, n).expect("valid");
        let mut r = header();
        r.options.seed = 100;
        r.options.seed_str = "100".into();
        r.options.iterations = iterations;
        r.options.shard = Some(s);
        r.status = "completed".into();
        r.completed = true;
        r.finished_at = Some(format!("2026-01-02T03:1{k}:00+00:00"));
        for i in s.iterations(iterations) {
            let failed = failing.iter().find(|f| f.0 == i);
            r.iterations.push(iteration(i, failed.map(|f| f.1)));
            r.stats.iterations_run += 1;
            r.stats.test_executions += 5;
            r.stats.sequence_runs += 1;
            if let Some(&(_, victim, minimal)) = failed {
                r.stats.failures_found += 1;
                match r
                    .failures
                    .iter_mut()
                    .find(|f| f.test == victim && f.minimal == minimal)
                {
                    Some(known) => {
                        known.seen += 1;
                        known.seen_in.push(i);
                    }
                    None => {
                        r.failures.push(failure(i, victim, minimal));
                        r.stats.unique_failures += 1;
                        r.stats.reduction_tries += 3;
                    }
                }
            }
        }
        ShardReport {
            file: format!("shard-{k}.json"),
            report: r,
        }
    }

    const FAILING: [(u32, &str, &[&str]); 4] = [
        (2, "v", &["p", "v"]),
        (3, "v", &["p", "v"]),
        (5, "w", &["q", "w"]),
        (7, "v", &["p", "v"]),
    ];

    fn merged(shards: Vec<ShardReport>) -> Result<RunReport, MergeError> {
        merge(shards, vec!["smoke".into(), "merge".into()], "9.9.9")
    }

    fn error(shards: Vec<ShardReport>) -> String {
        merged(shards).expect_err("refused").to_string()
    }

    #[test]
    fn shards_merge_into_the_report_one_run_would_have_written() {
        let shards: Vec<ShardReport> = (1..=3).map(|k| shard(k, 3, 8, &FAILING)).collect();
        let whole = shard(1, 1, 8, &FAILING).report;
        let m = merged(vec![
            shards[2].clone(),
            shards[0].clone(),
            shards[1].clone(),
        ])
        .expect("merges");
        assert_eq!(
            m.iterations, whole.iterations,
            "every iteration once, in order"
        );
        let key = |f: &FailureRecord| (f.test.clone(), f.failure.clone(), f.minimal.clone());
        assert_eq!(
            m.failures.iter().map(key).collect::<Vec<_>>(),
            whole.failures.iter().map(key).collect::<Vec<_>>()
        );
        let v = &m.failures[0];
        assert_eq!(
            (v.iteration, v.seed),
            (2, 101),
            "found first in iteration 2"
        );
        assert_eq!((v.seen, &v.seen_in), (3, &vec![2, 3, 7]));
        assert_eq!(v.seen_in_shards, [1, 2, 3]);
        assert_eq!(m.failures[1].seen_in_shards, [2]);
        assert_eq!(m.stats.failures_found, whole.stats.failures_found);
        assert_eq!(
            m.stats.unique_failures, 2,
            "v was shrunk in 3 shards, listed once"
        );
        assert_eq!(m.stats.iterations_run, 8);
        assert_eq!(m.stats.test_executions, 40);
        assert_eq!(m.stats.reduction_tries, 12, "every shrink's cost is kept");
        assert_eq!(m.options.shard, None);
        assert_eq!(m.options.seed, 100);
        assert_eq!((m.status.as_str(), m.completed), ("completed", true));
        assert_eq!(m.argv, ["smoke", "merge"]);
        assert_eq!(m.smoke_version, "9.9.9");
        assert_eq!(m.finished_at.as_deref(), Some("2026-01-02T03:13:00+00:00"));
        let from: Vec<(String, u32)> = m
            .merged_from
            .iter()
            .map(|s| (s.file.clone(), s.shard.index()))
            .collect();
        assert_eq!(
            from,
            [
                ("shard-1.json".into(), 1),
                ("shard-2.json".into(), 2),
                ("shard-3.json".into(), 3)
            ]
        );
        assert_eq!(m.merged_from[1].failures_found, 2);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert_eq!(exit_code(&m), exit::FAILURES);

        let text = crate::report::render::render_text(&m);
        for needle in [
            "merged from       shard 2 of 3: shard-2.json (completed, 3 iteration(s) run, 2 \
             failure(s) found)",
            "3 time(s), iteration(s) 2, 3, 7, in shard(s) 1, 2, 3",
            "iterations        8 of 8",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::render::render_json(&m)).expect("JSON");
        assert_eq!(
            json["failures"][0]["seen_in_shards"],
            serde_json::json!([1, 2, 3])
        );
        assert_eq!(
            json["merged_from"][0]["shard"],
            serde_json::json!({"index": 1, "total": 3})
        );
        assert_eq!(json["options"]["shard"], serde_json::Value::Null);
        let lines = console_lines(&m);
        assert!(
            lines.starts_with(
                "FAILURE 1: v failed (exit 1), seen 3 time(s), in shard(s) 1, 2, 3\n  minimal \
                 (2 tests): p v\n  replay: smoke --order rotate --times 1 p v\n"
            ),
            "{lines}"
        );
        assert!(
            lines.contains("summary: 3 shards merged: 8 of 8 iteration(s)"),
            "{lines}"
        );
    }

    #[test]
    fn different_minimal_sequences_or_failures_stay_apart() {
        let failing: [(u32, &str, &[&str]); 3] = [
            (1, "v", &["p", "v"]),
            (2, "v", &["q", "v"]),
            (3, "v", &["p", "v"]),
        ];
        let mut shards: Vec<ShardReport> = (1..=3).map(|k| shard(k, 3, 3, &failing)).collect();
        shards[2].report.failures[0].failure = "signal 9".into();
        let m = merged(shards).expect("merges");
        let listed: Vec<(u32, &str)> = m
            .failures
            .iter()
            .map(|f| (f.iteration, f.failure.as_str()))
            .collect();
        assert_eq!(listed, [(1, "exit 1"), (2, "exit 1"), (3, "signal 9")]);
        assert_eq!(m.stats.unique_failures, 3);
    }

    #[test]
    fn a_shard_that_did_not_complete_makes_the_merge_incomplete_and_says_which() {
        let mut shards: Vec<ShardReport> = (1..=2).map(|k| shard(k, 2, 4, &[])).collect();
        shards[1].report.status = "interrupted".into();
        shards[1].report.completed = false;
        shards[1].report.finished_at = None;
        shards[0].report.warnings = vec!["--iterations is ignored".into()];
        shards[0].report.hook_failures.push(HookFailureRecord {
            iteration: Some(3),
            hook: crate::model::Hook::Setup,
            command: "false".into(),
            result: "exit 1".into(),
            output: String::new(),
        });
        let m = merged(shards.clone()).expect("merges");
        assert_eq!((m.status.as_str(), m.completed), (INCOMPLETE, false));
        assert_eq!(m.finished_at, None, "a shard has not finished");
        assert_eq!(
            m.warnings,
            [
                "shard 2 of 2 ('shard-2.json') did not complete (status interrupted): the \
                 iterations it did not run are missing from this report",
                "shard 1 of 2: --iterations is ignored",
            ]
        );
        assert_eq!(
            exit_code(&m),
            exit::ERROR,
            "no failure, and not all was tested"
        );
        shards[1].report.status = "completed".into();
        shards[1].report.completed = true;
        let m = merged(shards.clone()).expect("merges");
        assert_eq!(exit_code(&m), exit::ERROR, "a setup failed, as in a run");
        shards[0].report.hook_failures.clear();
        let m = merged(shards).expect("merges");
        assert_eq!(exit_code(&m), exit::OK);
    }

    #[test]
    fn different_commits_or_versions_are_merged_with_a_warning() {
        let mut shards: Vec<ShardReport> = (1..=2).map(|k| shard(k, 2, 2, &[])).collect();
        shards[0].report.build.git_commit = Some("abc".into());
        shards[1].report.build.git_commit = Some("def".into());
        let m = merged(shards).expect("merges");
        assert_eq!(
            m.warnings,
            ["the shards ran different commits of the suite: abc (shard(s) 1), def (shard(s) 2)"]
        );
    }

    #[test]
    fn reports_that_are_not_every_shard_of_one_run_are_refused_saying_which() {
        let three = |k| shard(k, 3, 6, &[]);
        let message = error(vec![three(1), three(3)]);
        assert_eq!(
            message,
            "shard(s) 2 of 3 missing: give the reports of all 3 shards (got shard(s) 1 \
             ('shard-1.json'), 3 ('shard-3.json'))"
        );
        let mut again = three(2);
        again.file = "copy.json".into();
        let message = error(vec![three(1), three(2), again, three(3)]);
        assert_eq!(
            message,
            "shard 2 of 3 is given twice: 'shard-2.json' and 'copy.json'; give each shard's \
             report once"
        );
        let message = error(vec![three(1), shard(2, 4, 6, &[]), three(3)]);
        assert!(
            message.contains("'shard-1.json' is shard 1 of 3 but 'shard-2.json' is shard 2 of 4"),
            "{message}"
        );
        let mut other_seed = three(2);
        other_seed.report.options.seed = 7;
        let message = error(vec![three(1), other_seed, three(3)]);
        assert_eq!(
            message,
            "the reports are not shards of one run: 'shard-1.json' has base seed 100 but \
             'shard-2.json' has 7; the shards of a run must be given the same base seed (--seed)"
        );
        for (what, change) in [
            (
                "order",
                (|o| o.order = crate::model::Order::Repeat)
                    as fn(&mut crate::report::record::Options),
            ),
            ("iterations", |o| o.iterations = 9),
            ("times", |o| o.times = 5),
            ("number of tests", |o| o.tests = 4),
            ("run template", |o| o.run = "bash {test}".into()),
            ("setup", |o| o.setup = None),
            ("match", |o| o.match_output = Some("x".into())),
            ("[suite.env]", |o| o.env.clear()),
        ] {
            let mut other = three(2);
            change(&mut other.report.options);
            let message = error(vec![three(1), other, three(3)]);
            assert!(
                message.contains(&format!("has {what} ")),
                "{what}: {message}"
            );
        }
        let mut elsewhere = three(2);
        elsewhere.report.options.suite_dir = "/builds/other".into();
        elsewhere.report.options.config = None;
        assert!(
            merged(vec![three(1), elsewhere, three(3)]).is_ok(),
            "another folder is fine"
        );

        let mut unsharded = three(1);
        unsharded.report.options.shard = None;
        assert!(error(vec![unsharded]).contains("is not a shard's report"));
        let mut bug = three(1);
        bug.report.mode = Mode::BugMode;
        assert!(error(vec![bug]).contains("is a bug-mode report"));
        let m = merged(vec![shard(1, 1, 2, &[])]).expect("one shard of one");
        assert!(
            error(vec![ShardReport {
                file: "m.json".into(),
                report: m,
            }])
            .contains("is a merged report already")
        );
        let mut stray = three(1);
        stray.report.iterations.push(iteration(2, None));
        assert!(
            error(vec![stray]).contains("holds iteration 2, which is not one of shard 1 of 3's"),
        );
        assert!(error(vec![]).starts_with("no reports to merge"));
    }

    #[test]
    fn times_compare_across_time_zones() {
        let times = ["2026-01-02T10:00:00+02:00", "2026-01-02T09:30:00+00:00"];
        assert_eq!(earliest(times.iter().copied()), "2026-01-02T10:00:00+02:00");
        assert_eq!(latest(times.iter().copied()), "2026-01-02T09:30:00+00:00");
    }
}
