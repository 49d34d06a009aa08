//! The rspec and jest presets on the real runners (rspec from Debian's ruby-rspec, jest from
//! npm, both installed by scripts/test): each example under examples/ is copied to a temp
//! folder and smoke is run on it from the binary. Without the runner these tests skip, except
//! on CI (`CI` set), where they fail.

mod common;

use common::{
    Suite, assert_no_hook_failures, example, have_jest, have_tool, jest_example, minimal_sequences,
    names, stderr,
};

const RSPEC: &str = "apt-get install ruby-rspec";

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
    let ids = suite.listed(&[]);
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
    // --keep-going: iterations run past their first failure (by default they stop there), so
    // the first iteration runs all 9 examples and both victims are found.
    let out = suite.smoke(&["--seed", "1", "-n", "4", "--keep-going"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["execution"], "batch");
    assert_eq!(report["options"]["format"], "json");
    assert_eq!(report["options"]["preset"], "rspec");
    // The euro example and each of its two victims: the invoice line in another file and
    // nested group, and the dollar example in its own file.
    let minimal = minimal_sequences(&report);
    assert_eq!(
        minimal[0],
        [
            "spec/price_list_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:3:1]"
        ],
        "{minimal:?}"
    );
    for pair in &minimal {
        assert_eq!(pair.len(), 2, "{minimal:?}");
        assert_eq!(pair[0], "spec/price_list_spec.rb[1:2]", "{minimal:?}");
        assert!(
            [
                "spec/invoice_spec.rb[1:3:1]",
                "spec/price_list_spec.rb[1:1]"
            ]
            .contains(&&*pair[1]),
            "{minimal:?}"
        );
    }
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

#[test]
fn rspec_batch_mode_finds_the_examples_asked_after_an_example_changed_the_working_folder() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    // As dotenv's suite does (benches/real.sh): a `before` changes the working folder and
    // never changes it back. The ids asked are relative to the folder rspec started in, and
    // must still name their files after it.
    let suite = Suite::new();
    suite
        .file("sub/.keep", "")
        .file(
            "spec/a_spec.rb",
            "describe 'a' do\n  before { Dir.chdir(File.expand_path('../sub', __dir__)) }\n  it('one') { expect(1).to eq(1) }\n  it('two') { expect(2).to eq(2) }\nend\n",
        )
        .file(
            "spec/b_spec.rb",
            "describe 'b' do\n  it('three') { expect(3).to eq(3) }\nend\n",
        );
    for extra in [None, Some("--no-fork-server")] {
        let mut args = vec![
            "--preset",
            "rspec",
            "--order",
            "rotate",
            "spec/a_spec.rb[1:1]",
            "spec/b_spec.rb[1:1]",
            "spec/a_spec.rb[1:2]",
        ];
        args.extend(extra);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        assert_eq!(suite.report()["iterations"][0]["executed"], 3, "{extra:?}");
    }
}

#[test]
fn jest_lists_test_files_and_batch_mode_shrinks_the_file_on_disk_leak_past_a_cleaner() {
    if !have_jest() {
        return;
    }
    let suite = jest_example();
    let files_listed = suite.listed(&[]);
    assert_eq!(
        files_listed,
        [
            "__tests__/cart.test.js",
            "__tests__/catalog.test.js",
            "__tests__/checkout.test.js",
            "__tests__/prices.test.js",
            "__tests__/receipt.test.js",
        ]
    );
    let before = files(&suite);
    // Seed 7's order puts the cart before the checkout with no receipt between them.
    let out = suite.smoke(&["--seed", "7", "-n", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["execution"], "batch");
    assert_eq!(report["options"]["format"], "json");
    assert_eq!(report["options"]["preset"], "jest");
    assert_eq!(
        minimal_sequences(&report),
        [["__tests__/cart.test.js", "__tests__/checkout.test.js"]]
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["classification"], "order-dependent");
    assert_eq!(failure["proven_minimal"], true);
    let output = failure["output"].as_str().expect("output");
    assert!(
        output.contains("a new session starts with an empty cart"),
        "the failure's text from jest's JSON: {output}"
    );
    // The checkout is the third file in seed 7's order: smoke's reporter ended jest there.
    assert_eq!(report["iterations"][0]["executed"], 3);
    // At most the example's own state file (whether the last run left it depends on which
    // sequence ran last); the helpers went to a private temp folder.
    let left = leftovers(&suite, &before);
    assert!(left.iter().all(|f| f == "tmp"), "{left:?}");

    // --keep-going runs the iteration to its end, and jest writes its JSON results.
    let out = suite.smoke(&["--seed", "7", "-n", "1", "--keep-going"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["iterations"][0]["executed"], 5);
    assert_eq!(
        minimal_sequences(&report),
        [["__tests__/cart.test.js", "__tests__/checkout.test.js"]]
    );

    // The leak is on disk, so each file in its own jest process finds it too.
    let out = suite.smoke(&["--order", "rotate", "--mode", "per-test"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["execution"], "per-test");
    assert_eq!(
        minimal_sequences(&report),
        [["__tests__/cart.test.js", "__tests__/checkout.test.js"]]
    );
}

#[test]
fn jest_batch_mode_runs_files_in_the_order_asked_and_repeats_them() {
    if !have_jest() {
        return;
    }
    let suite = example("jest");
    // The receipt clears the cart between the two: no failure, in exactly this order, each
    // file counted from jest's JSON.
    let order = [
        "__tests__/receipt.test.js",
        "__tests__/cart.test.js",
        "__tests__/receipt.test.js",
        "__tests__/checkout.test.js",
        "__tests__/cart.test.js",
    ];
    let mut args = vec!["--order", "rotate"];
    args.extend(order);
    let out = suite.smoke(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.report()["iterations"][0]["executed"], 5);
    // jest runs a file as often as it is named: --times 2 works in batch mode, and the
    // second run of the cart file finds the first one's cart.
    let out = suite.smoke(&[
        "--order",
        "repeat",
        "--times",
        "2",
        "__tests__/checkout.test.js",
        "__tests__/cart.test.js",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["iterations"][0]["executed"], 4);
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "__tests__/cart.test.js",
        "__tests__/checkout.test.js",
        "__tests__/cart.test.js",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        minimal_sequences(&suite.report()),
        [["__tests__/cart.test.js", "__tests__/checkout.test.js"]]
    );
}

/// An empty suite folder that finds examples/jest's pinned jest (its node_modules linked in).
fn jest_suite() -> Suite {
    let suite = Suite::new();
    let modules =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jest/node_modules");
    std::os::unix::fs::symlink(modules, suite.path().join("node_modules")).expect("symlink");
    suite
}

#[test]
fn jest_in_band_keeps_the_working_folder_but_not_env_globals_or_prototypes() {
    if !have_jest() {
        return;
    }
    let suite = jest_suite();
    suite
        .file("package.json", r#"{"name": "leaks", "private": true}"#)
        .file("sub/.keep", "")
        .file(
            "a_polluter.test.js",
            "test('leaves everything it can behind', () => {\n  process.env.SMOKE_LEAK = '1';\n  global.smokeLeak = 1;\n  Array.prototype.smokeLeak = 1;\n  process.chdir('sub');\n});\n",
        )
        .file("b_env.test.js", "test('env', () => { expect(process.env.SMOKE_LEAK).toBeUndefined(); });\n")
        .file("c_global.test.js", "test('global', () => { expect(global.smokeLeak).toBeUndefined(); });\n")
        .file("d_proto.test.js", "test('prototype', () => { expect([].smokeLeak).toBeUndefined(); });\n")
        .file("e_cwd.test.js", "test('cwd', () => { expect(require('path').basename(process.cwd())).not.toBe('sub'); });\n");
    let out = suite.smoke(&["--preset", "jest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    // Every file ran; only the working folder reached a later file.
    assert_eq!(report["iterations"][0]["executed"], 5);
    assert_eq!(
        minimal_sequences(&report),
        [["a_polluter.test.js", "e_cwd.test.js"]]
    );
    // Each file in its own jest process: nothing leaks.
    let out = suite.smoke(&[
        "--preset", "jest", "--order", "rotate", "--mode", "per-test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_jest_test_file_that_kills_jest_is_that_files_failure_and_is_shrunk() {
    if !have_jest() {
        return;
    }
    let suite = jest_suite();
    // Every file logs that it ran, and whether it sees smoke's reporter's variables.
    let log = "const fs = require('fs');\nfs.appendFileSync('ran.log', `${require('path').basename(__filename)} ${'SMOKE_JEST_STREAM' in process.env || 'SMOKE_JEST_STOP' in process.env}\\n`);\n";
    suite
        .file("package.json", r#"{"name": "kills", "private": true}"#)
        .file("a_polluter.test.js", &format!("{log}test('marks', () => {{ fs.writeFileSync('marker', ''); }});\n"))
        .file("b_bystander.test.js", &format!("{log}test('passes', () => {{}});\n"))
        .file(
            "c_victim.test.js",
            &format!("{log}test('dies on the marker', () => {{ if (fs.existsSync('marker')) process.kill(process.pid, 'SIGKILL'); }});\n"),
        )
        .file("d_after.test.js", &format!("{log}test('passes', () => {{}});\n"))
        .file("smoke.toml", "[suite]\npreset = \"jest\"\nsetup = \"rm -f marker\"\n");
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        [["a_polluter.test.js", "c_victim.test.js"]]
    );
    let failure = &report["failures"][0];
    // npx runs jest as its child, and ends with 128 + 9 when that child is killed.
    assert!(
        ["signal 9", "exit 137"].contains(&failure["failure"].as_str().unwrap_or("")),
        "{report}"
    );
    assert_eq!(failure["test"], "c_victim.test.js", "{report}");
    assert_eq!(failure["proven_minimal"], true, "{report}");
    assert_no_hook_failures(&report);
    let ran = std::fs::read_to_string(suite.path().join("ran.log")).expect("ran.log");
    assert!(ran.lines().all(|l| l.ends_with(" false")), "{ran}");
    // The iteration: three files, then jest died in the third.
    assert_eq!(
        ran.lines().take(3).collect::<Vec<_>>(),
        [
            "a_polluter.test.js false",
            "b_bystander.test.js false",
            "c_victim.test.js false"
        ]
    );
    assert_eq!(report["iterations"][0]["executed"], 3);
}

/// A runner that writes rspec-shaped JSON to $1 for the ids after it: `p` dirties the state,
/// `v` fails on dirty state; every id it runs is logged.
const JSON_RUNNER: &str = r#"#!/bin/sh
out="$1"; shift
printf '{"version":"3.12.0","examples":[' > "$out"
sep=''
for id in "$@"; do
  printf '%s\n' "$id" >> ran.log
  status=passed
  case "$id" in
    *p*) touch state/dirty ;;
    *v*) [ -e state/dirty ] && status=failed ;;
  esac
  printf '%s{"id":"./%s","full_description":"%s","status":"%s","run_time":0.001,"exception":{"class":"Boom","message":"dirty state","backtrace":[]}}' "$sep" "$id" "$id" "$status" >> "$out"
  sep=','
done
printf ']}' >> "$out"
"#;

#[test]
fn json_results_from_any_runner_are_read_and_a_missing_or_cut_file_is_a_clear_error() {
    let suite = Suite::new();
    suite.file("runner.sh", JSON_RUNNER).toml(
        &["a[1:1]", "p[1:1]", "b[1:1]", "v[1:1]"],
        "batch = \"sh runner.sh {json} {tests}\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["format"], "json");
    assert_eq!(minimal_sequences(&report), [["p[1:1]", "v[1:1]"]]);
    let output = report["failures"][0]["output"].as_str().expect("output");
    assert!(output.contains("Boom: dirty state"), "{output}");

    // Exits 0 and writes nothing at {json}.
    let out = suite.smoke(&["--order", "rotate", "--batch", "true {json} {tests}"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exited 0 but wrote no JSON results at {json}"),
        "{}",
        stderr(&out)
    );
    // Exits 0 with half a file.
    let cut = r#"sh -c 'printf "{\"examples\":[{\"id\":" > "$1"' cut {json} {tests}"#;
    let out = suite.smoke(&["--order", "rotate", "--batch", cut]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read the JSON results the batch command"),
        "{}",
        stderr(&out)
    );
}
