//! The orders from the binary: what really ran (the tests log their names), spelled out for a
//! fixed seed or suite, and the planted order bugs each order is there to find.

mod common;

use common::{Suite, minimal_sequences, names, stderr, toml_string};

/// A suite of `tests` whose setup marks each sequence in ran.log with `--` (and resets state/),
/// and whose dispatcher runs `body`.
fn suite(tests: &[&str], body: &str, extra: &str) -> Suite {
    let suite = Suite::new();
    let list: Vec<String> = tests.iter().map(|t| toml_string(t)).collect();
    suite.dispatcher(body).file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nrun = \"sh run.sh {{test}}\"\n\
             setup = \"rm -rf state && mkdir state && echo -- >> ran.log\"\n{extra}",
            list.join(", ")
        ),
    );
    suite
}

/// ran.log split into sequences, each as one line of names.
fn sequences(suite: &Suite) -> Vec<String> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in suite.ran() {
        if line == "--" {
            out.push(Vec::new());
        } else {
            out.last_mut().expect("setup ran first").push(line);
        }
    }
    out.into_iter().map(|s| s.join(" ")).collect()
}

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

const EIGHT: [&str; 8] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"];

#[test]
fn reverse_runs_the_usual_order_backwards_once() {
    let suite = suite(&["a", "b", "c", "d"], "", "");
    let out = suite.smoke(&["--order", "reverse", "--times", "2", "-n", "5"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(sequences(&suite), ["d c b a d c b a"]);
    assert!(
        stderr(&out).contains(
            "warning: --iterations is ignored: order reverse is the same every time, so it runs once"
        ),
        "{}",
        stderr(&out)
    );
    suite.clear_ran();
    suite.smoke(&["--order", "reverse", "--times", "1", "c", "a", "d"]);
    assert_eq!(sequences(&suite), ["d a c"], "the order named, reversed");
}

#[test]
fn reverse_finds_a_polluter_that_runs_after_its_victim_in_one_run() {
    // b fails once e has run; in the usual order b runs first and passes.
    let suite = suite(
        &["a", "b", "c", "d", "e", "f"],
        "case \"$1\" in\ne) touch state/e ;;\nb) [ ! -e state/e ] || exit 1 ;;\nesac",
        "",
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(code(&out), Some(0), "the usual order passes");
    let out = suite.smoke(&["--order", "reverse", "--times", "1"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert_eq!(minimal_sequences(&suite.report()), [["e", "b"]]);
}

#[test]
fn mirror_runs_random_then_its_reverse_and_an_even_iteration_replays_alone() {
    let suite = suite(&EIGHT, "", "");
    let out = suite.smoke(&["--order", "mirror", "--seed", "10", "-n", "4"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    // Pinned: iterations 1 and 3 are exactly random's orders for seeds 10 and 12 (tests/cli.rs
    // pins seed 10), 2 and 4 their reverses.
    assert_eq!(sequences(&suite), GOLDEN_MIRROR_SEED_10);
    assert!(
        stderr(&out).contains("iteration 2/4 (seed 11, iteration 1 reversed)"),
        "{}",
        stderr(&out)
    );
    let report = suite.report();
    assert_eq!(report["options"]["order"], "mirror");
    assert_eq!(report["iterations"][3]["seed"], 13);

    // Odd: the seed alone, as for random. Even: the iteration with its run's seed, alone.
    suite.clear_ran();
    suite.smoke(&["--order", "mirror", "--seed", "12", "--iterations", "1"]);
    suite.smoke(&["--order", "random", "--seed", "12", "--iterations", "1"]);
    assert_eq!(sequences(&suite), [GOLDEN_MIRROR_SEED_10[2]; 2]);
    suite.clear_ran();
    for replay in [
        &["--seed", "10", "--iterations", "4", "--shard", "4/4"][..],
        &["--seed", "12", "--iterations", "2", "--shard", "2/2"],
    ] {
        let mut args = vec!["--order", "mirror"];
        args.extend_from_slice(replay);
        let out = suite.smoke(&args);
        assert_eq!(code(&out), Some(0), "{replay:?}: {}", stderr(&out));
        let report = suite.report();
        assert_eq!(
            report["iterations"][0]["seed"], 13,
            "{replay:?}: the same SMOKE_SEED"
        );
    }
    assert_eq!(sequences(&suite), [GOLDEN_MIRROR_SEED_10[3]; 2]);
    let text = std::fs::read_to_string(
        suite
            .reports()
            .pop()
            .expect("a report")
            .with_extension("txt"),
    )
    .expect("the text report");
    assert!(
        text.contains(
            "iteration i alone: --order mirror --times 2 --seed 12 --iterations i --shard i/i"
        ),
        "{text}"
    );
}

const GOLDEN_MIRROR_SEED_10: [&str; 4] = [
    "t0 t4 t1 t6 t5 t5 t2 t2 t3 t1 t0 t4 t6 t7 t3 t7",
    "t7 t3 t7 t6 t4 t0 t1 t3 t2 t2 t5 t5 t6 t1 t4 t0",
    "t5 t6 t2 t5 t1 t4 t7 t0 t4 t3 t7 t1 t3 t2 t6 t0",
    "t0 t6 t2 t3 t1 t7 t3 t4 t0 t7 t4 t1 t5 t2 t6 t5",
];

#[test]
fn mirror_finds_a_polluter_with_no_cleaner_within_two_iterations_for_every_seed() {
    let suite = suite(
        &EIGHT,
        "case \"$1\" in\nt6) touch state/p ;;\nt1) [ ! -e state/p ] || exit 1 ;;\nesac",
        "",
    );
    for seed in 1..=6 {
        let seed = seed.to_string();
        let out = suite.smoke(&[
            "--order", "mirror", "--times", "1", "-n", "2", "--seed", &seed,
        ]);
        assert_eq!(code(&out), Some(1), "seed {seed}: {}", stderr(&out));
        assert_eq!(
            minimal_sequences(&suite.report()),
            [["t6", "t1"]],
            "seed {seed}"
        );
    }
}

#[test]
fn tuscan_runs_each_row_once_says_how_many_first_and_replays_a_row_alone() {
    let suite = suite(&["a", "b", "c", "d"], "", "[smoke]\norder = \"tuscan\"\n");
    let out = suite.smoke(&["--times", "1", "--seed", "3"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    // Rows 0 3 1 2, then +1 mod 4 each: every ordered pair side by side exactly once.
    assert_eq!(
        sequences(&suite),
        ["a d b c", "b a c d", "c b d a", "d c a b"]
    );
    let err = stderr(&out);
    let count = "smoke: order tuscan: a Tuscan square of 4 rows over 4 tests, every ordered \
                 pair side by side in one of them; 4 iteration(s)";
    let (Some(at), Some(start)) = (err.find(count), err.find("smoke: 4 tests, order tuscan"))
    else {
        panic!("{err}")
    };
    assert!(at < start, "the count comes first: {err}");
    assert!(err.contains("smoke: 4 tests, order tuscan, times 1, 4 iteration(s), SMOKE_SEED 3"));
    assert_eq!(suite.report()["options"]["iterations"], 4);

    suite.clear_ran();
    let out = suite.smoke(&[
        "--times",
        "1",
        "--seed",
        "3",
        "--iterations",
        "3",
        "--shard",
        "3/3",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(sequences(&suite), ["c b d a"]);
    assert_eq!(
        suite.report()["iterations"][0]["seed"],
        5,
        "SMOKE_SEED as in the run"
    );

    // --times 2: two consecutive rows per iteration, from the iteration's row, wrapping.
    suite.clear_ran();
    suite.smoke(&["--times", "2", "-n", "2"]);
    assert_eq!(sequences(&suite), ["a d b c b a c d", "b a c d c b d a"]);
    suite.clear_ran();
    suite.smoke(&["--times", "2", "--seed", "1", "-n", "4", "--shard", "4/4"]);
    assert_eq!(sequences(&suite), ["d c a b a d b c"]);

    // Five tests: the square for six with the sixth left out, six rows.
    let five = self::suite(&["a", "b", "c", "d", "e"], "", "");
    let out = five.smoke(&["--order", "tuscan", "--times", "1"]);
    assert!(
        stderr(&out).contains("a Tuscan square of 6 rows over 5 tests"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        sequences(&five),
        [
            "a b e c d",
            "b a c d e",
            "c b d a e",
            "d c e b a",
            "e d c a b",
            "e a d b c"
        ]
    );
}

#[test]
fn tuscan_finds_a_polluter_even_with_a_cleaner_between_it_and_its_victim() {
    // b fails after e unless c ran in between; in the usual order b runs first, and reversed
    // (e d c b a) c sits between them. Tuscan puts e right before b in one row.
    let suite = suite(
        &["a", "b", "c", "d", "e", "f"],
        "case \"$1\" in\ne) touch state/e ;;\nc) rm -f state/e ;;\nb) [ ! -e state/e ] || exit 1 ;;\nesac",
        "",
    );
    let out = suite.smoke(&["--order", "reverse", "--times", "1"]);
    assert_eq!(
        code(&out),
        Some(0),
        "the reverse passes: the cleaner is between"
    );
    let out = suite.smoke(&["--order", "tuscan", "--times", "1"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(minimal_sequences(&report), [["e", "b"]]);
    assert_eq!(
        report["iterations"].as_array().expect("iterations").len(),
        6
    );
}

#[test]
fn exhaustive_runs_every_distinct_order_once_in_lexicographic_order() {
    let suite = suite(&["a", "b"], "", "");
    let out = suite.smoke(&["--order", "exhaustive", "--times", "2"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(
        sequences(&suite),
        [
            "a a b b", "a b a b", "a b b a", "b a a b", "b a b a", "b b a a"
        ]
    );
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "smoke: order exhaustive: 6 distinct orders of 2 tests, each run 2 time(s); 6 \
             iteration(s)\nsmoke: 2 tests, order exhaustive, times 2, 6 iteration(s)\n"
        ),
        "{err}"
    );
    // The same set named in another order: the same orders (by suite position).
    suite.clear_ran();
    suite.smoke(&["--order", "exhaustive", "--times", "1", "b", "a"]);
    assert_eq!(sequences(&suite), ["a b", "b a"]);
}

#[test]
fn exhaustive_refuses_too_many_orders_and_runs_the_first_n_when_told() {
    let nine = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    let suite = suite(&nine, "", "");
    let out = suite.smoke(&["--order", "exhaustive", "--times", "1"]);
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains(
            "smoke: error: order exhaustive over 9 tests, each run 1 time(s), has 362,880 \
             distinct orders: more than 100,000 to run one by one. Select fewer tests (name \
             them: smoke --order exhaustive TEST...), lower --times, or add --iterations N to \
             run the first N"
        ),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty(), "nothing ran");
    let out = suite.smoke(&["--order", "exhaustive", "--times", "1", "-n", "3"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(
        "362,880 distinct orders of 9 tests, each run 1 time(s); the first 3 iteration(s)"
    ));
    assert_eq!(
        sequences(&suite),
        [
            "a b c d e f g h i",
            "a b c d e f g i h",
            "a b c d e f h g i"
        ]
    );
}

#[test]
fn exhaustive_shrinks_a_failing_order_and_goes_on_with_the_next() {
    // a fails once b has run: orders 3, 4 and 6 (b a c, b c a, c b a) fail, the others pass.
    let suite = suite(
        &["a", "b", "c"],
        "case \"$1\" in\nb) touch state/b ;;\na) [ ! -e state/b ] || exit 1 ;;\nesac",
        "",
    );
    let out = suite.smoke(&["--order", "exhaustive", "--times", "1"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let results: Vec<&str> = report["iterations"]
        .as_array()
        .expect("iterations")
        .iter()
        .map(|it| it["result"].as_str().expect("a result"))
        .collect();
    assert_eq!(
        results,
        ["passed", "passed", "failed", "failed", "passed", "failed"]
    );
    assert_eq!(minimal_sequences(&report), [["b", "a"]]);
    assert_eq!(
        report["failures"][0]["seen_in"],
        serde_json::json!([3, 4, 6])
    );
    assert_eq!(names(&report["failures"][0]["original"]), ["b", "a"]);
}
