//! The rspec and jest presets on the real runners (rspec from Debian's ruby-rspec, jest from
//! npm, both installed by .ci/run): each example under examples/ is copied to a temp folder and
//! smoke is run on it from the binary. Without the runner these tests skip, except on CI (`CI`
//! set), where they fail.

mod common;

use common::{Suite, example, have_tool, minimal_sequences, names, stderr, stdout};

const RSPEC: &str = "apt-get install ruby-rspec";
const JEST: &str = "npm ci in examples/jest (jest is pinned in its package-lock.json)";

/// What `smoke --list ARGS` prints, one name per line.
fn listed(suite: &Suite, args: &[&str]) -> Vec<String> {
    let out = suite
        .command()
        .arg("--list")
        .args(args)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

/// Files in the suite folder that smoke or the runner left, besides the reports.
fn leftovers(suite: &Suite, before: &[String]) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(suite.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "reports" && !before.contains(n))
        .collect();
    found.sort();
    found
}

fn files(suite: &Suite) -> Vec<String> {
    leftovers(suite, &[])
}

#[test]
fn rspec_lists_example_ids_and_batch_mode_shrinks_the_class_level_leak_to_its_pair() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    let suite = example("rspec");
    let ids = listed(&suite, &[]);
    assert_eq!(
        ids,
        [
            "spec/catalog_spec.rb[1:1]",
            "spec/catalog_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:1]",
            "spec/invoice_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:3:1]",
            "spec/invoice_spec.rb[1:3:2]",
            "spec/price_list_spec.rb[1:1]",
            "spec/price_list_spec.rb[1:2]",
            "spec/price_list_spec.rb[1:3]",
        ]
    );
    let before = files(&suite);
    let out = suite.smoke(&["--seed", "1", "-n", "4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["execution"], "batch");
    assert_eq!(report["options"]["format"], "json");
    assert_eq!(report["options"]["preset"], "rspec");
    let minimal = minimal_sequences(&report);
    assert_eq!(
        minimal[0],
        [
            "spec/price_list_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:3:1]"
        ],
        "{minimal:?}"
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["classification"], "order-dependent");
    assert_eq!(failure["failure"], "failed");
    assert_eq!(failure["proven_minimal"], true);
    let output = failure["output"].as_str().expect("output");
    assert!(
        output.contains("ExpectationNotMetError") && output.contains("tea: $3.00"),
        "the failure's text from rspec's JSON: {output}"
    );
    // The iteration ran its 9 examples interleaved across files, exactly in the order asked
    // (smoke's order check would have stopped the run otherwise), counted from the JSON.
    let first = names(&report["failures"][0]["original"]);
    assert!(first.len() >= 2, "{first:?}");
    assert_eq!(report["iterations"][0]["executed"], 9);
    // The ordering helper went to a private temp folder, never into the project.
    assert_eq!(leftovers(&suite, &before), Vec::<String>::new());

    // Each example in its own rspec process: the class-level currency starts fresh each time.
    let out = suite.smoke(&["--seed", "1", "-n", "2", "--mode", "per-test"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["execution"], "per-test");
}

#[test]
fn rspec_batch_mode_runs_an_interleaved_order_exactly_and_refuses_repeats_up_front() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    let suite = example("rspec");
    // Interleaved across files and groups, a nested example first: rspec alone would run each
    // file's examples together; the helper runs them as asked, so the leak shows.
    let order = [
        "spec/invoice_spec.rb[1:3:2]",
        "spec/price_list_spec.rb[1:2]",
        "spec/catalog_spec.rb[1:1]",
        "spec/invoice_spec.rb[1:1]",
        "spec/invoice_spec.rb[1:3:1]",
    ];
    let mut args = vec!["--order", "rotate"];
    args.extend(order);
    let out = suite.smoke(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(names(&report["failures"][0]["original"]), order);
    assert_eq!(
        minimal_sequences(&report)[0],
        [
            "spec/price_list_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:3:1]"
        ]
    );

    // rspec runs an id once however often it is named: refused before anything runs.
    let reports = suite.reports().len();
    for args in [
        vec!["--times", "2"],
        vec![
            "--order",
            "rotate",
            "spec/catalog_spec.rb[1:1]",
            "spec/catalog_spec.rb[1:1]",
        ],
    ] {
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("rspec runs each test once per invocation"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(suite.reports().len(), reports, "nothing ran");
}
