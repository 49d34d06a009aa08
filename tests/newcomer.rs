//! The real binary against a new user's first stumbles: replay lines that name a `smoke` the
//! shell cannot find, a pytest preset in a project whose virtualenv is not activated, a pytest
//! plugin that makes collection exit 1, a Tuscan square far bigger than expected, and a stray
//! `./smoke.toml`. Each test fails if its fix is undone; the README's Reliability table lists
//! them.

mod common;

use common::{Suite, stderr};

#[test]
fn a_tuscan_square_of_many_tests_warns_with_the_count_and_the_executions() {
    let tests = common::fillers(400);
    let suite = Suite::new();
    suite.toml(&tests, "").dispatcher("");
    // One shard of 400 runs one row: the warning is about the whole run.
    let out = suite.smoke(&[
        "--order", "tuscan", "-t", "1", "--seed", "1", "--shard", "1/400",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = "order tuscan over 400 tests plans 400 iterations, about 160000 test executions: \
                to try fewer first, add --iterations N (-n N) to run the first N rows";
    assert!(stderr(&out).contains(said), "{}", stderr(&out));
    let warnings = suite.report()["warnings"].to_string();
    assert!(
        warnings.contains("about 160000 test executions"),
        "{warnings}"
    );

    // Cut by -n, or small, it says nothing.
    let out = suite.smoke(&["--order", "tuscan", "-t", "1", "-n", "1", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("test executions"),
        "{}",
        stderr(&out)
    );
    let out = suite.smoke(&["--order", "tuscan", "--seed", "1", "t00", "t01", "t02"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("test executions"),
        "{}",
        stderr(&out)
    );
}
