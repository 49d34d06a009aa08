//! Tests over real artifacts: tests/fixtures/evidence/, each file's runner and command in its
//! README.md. Each checks the exact order, failures and seed, and that [`Index`] finds the
//! suite's own ids (as `smoke --list` prints them in each example folder) from the names.

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            &include_bytes!(concat!("../../tests/fixtures/evidence/", $name))[..],
        )
    };
}

fn artifact((label, bytes): (&str, &[u8])) -> Artifact {
    read(label, bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn error((label, bytes): (&str, &[u8])) -> String {
    match read(label, bytes) {
        Ok(a) => panic!("'{label}' read as {a:?}"),
        Err(e) => e.to_string(),
    }
}

fn order(ran: &[Ran]) -> Vec<&str> {
    ran.iter().map(|r| r.name.as_str()).collect()
}

fn failed(ran: &[Ran]) -> Vec<&str> {
    ran.iter()
        .filter(|r| r.failed)
        .map(|r| r.name.as_str())
        .collect()
}

fn seed(runner: SeedRunner, value: &str) -> Option<Seed> {
    Some(Seed {
        runner,
        value: value.to_string(),
    })
}

/// The id each test of `ran` means; any test that is not exactly one id fails the test.
fn resolve<'a>(index: &Index, ids: &[&'a str], ran: &[Ran]) -> Vec<&'a str> {
    ran.iter()
        .map(|r| match index.find(&r.name, &r.also) {
            Found::Id(i) => ids[i],
            other => panic!("'{}' {:?}: {other:?}", r.name, r.also),
        })
        .collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

// `smoke --list` in examples/pytest-global.
const PYTEST_IDS: [&str; 8] = [
    "tests/test_invoice.py::test_invoice_line_in_euro",
    "tests/test_invoice.py::test_total_of_nothing",
    "tests/test_invoice.py::test_total_rounds",
    "tests/test_settings.py::test_decimals_default",
    "tests/test_settings.py::test_price_in_dollars",
    "tests/test_settings.py::test_price_is_text",
    "tests/test_shipping.py::test_free_shipping_threshold",
    "tests/test_shipping.py::test_no_negative_totals",
];
// The order of `pytest -p randomly --randomly-seed=1` there.
const PYTEST_RUN: [&str; 8] = [
    "tests/test_settings.py::test_price_in_dollars",
    "tests/test_settings.py::test_decimals_default",
    "tests/test_settings.py::test_price_is_text",
    "tests/test_invoice.py::test_total_rounds",
    "tests/test_invoice.py::test_total_of_nothing",
    "tests/test_invoice.py::test_invoice_line_in_euro",
    "tests/test_shipping.py::test_no_negative_totals",
    "tests/test_shipping.py::test_free_shipping_threshold",
];
const PYTEST_VICTIM: &str = "tests/test_invoice.py::test_invoice_line_in_euro";

#[test]
fn pytest_v_log() {
    let a = artifact(fixture!("pytest-v.log"));
    assert_eq!(a.kind, Kind::Log);
    assert_eq!(a.format, "pytest -v output");
    assert_eq!(order(&a.ran), PYTEST_RUN);
    assert_eq!(failed(&a.ran), [PYTEST_VICTIM]);
    assert_eq!(a.failed_elsewhere, [PYTEST_VICTIM]);
    assert_eq!(a.seed, seed(SeedRunner::PytestRandomly, "1"));
    assert_eq!(a.started, None);
    let index = Index::new(&PYTEST_IDS);
    assert_eq!(resolve(&index, &PYTEST_IDS, &a.ran), PYTEST_RUN);
}

#[test]
fn ansi_colours_and_ci_timestamps_change_nothing() {
    let plain = artifact(fixture!("pytest-v.log"));
    assert_eq!(artifact(fixture!("pytest-v-color.log")), plain);
    assert_eq!(artifact(fixture!("pytest-v-gha.log")), plain);
    assert_eq!(
        artifact(fixture!("gtest-color.log")),
        artifact(fixture!("gtest.log"))
    );
}

#[test]
fn pytest_xdist_log() {
    let a = artifact(fixture!("pytest-xdist.log"));
    assert_eq!(a.format, "pytest -v output");
    assert_eq!(order(&a.ran), PYTEST_RUN);
    assert_eq!(failed(&a.ran), [PYTEST_VICTIM]);
    assert_eq!(a.seed, seed(SeedRunner::PytestRandomly, "1"));
}

#[test]
fn pytest_progress_log_has_a_seed_and_a_failure_but_no_order() {
    let a = artifact(fixture!("pytest-progress.log"));
    assert_eq!(a.kind, Kind::Log);
    assert_eq!(a.format, "pytest output");
    assert!(a.ran.is_empty(), "{:?}", a.ran);
    assert_eq!(a.failed_elsewhere, [PYTEST_VICTIM]);
    assert_eq!(a.seed, seed(SeedRunner::PytestRandomly, "1"));
}

#[test]
fn pytest_junit_with_the_failure_not_last() {
    let a = artifact(fixture!("pytest-junit.xml"));
    assert_eq!(a.kind, Kind::Junit);
    assert_eq!(a.format, "JUnit XML");
    assert_eq!(
        order(&a.ran),
        [
            "tests.test_settings.test_price_in_dollars",
            "tests.test_settings.test_decimals_default",
            "tests.test_settings.test_price_is_text",
            "tests.test_invoice.test_total_rounds",
            "tests.test_invoice.test_total_of_nothing",
            "tests.test_invoice.test_invoice_line_in_euro",
            "tests.test_shipping.test_no_negative_totals",
            "tests.test_shipping.test_free_shipping_threshold",
        ]
    );
    assert_eq!(
        failed(&a.ran),
        ["tests.test_invoice.test_invoice_line_in_euro"]
    );
    assert_eq!(a.ran[5].also, ["test_invoice_line_in_euro"]);
    assert_eq!(
        a.started.as_deref(),
        Some("2026-12-07T11:51:28.254119+00:00")
    );
    assert_eq!(a.seed, None);
    let index = Index::new(&PYTEST_IDS);
    assert_eq!(resolve(&index, &PYTEST_IDS, &a.ran), PYTEST_RUN);
}

// `smoke --list` in examples/rspec, and what `rspec --dry-run --format json` says of each
// example (the aliases the caller would add: `file:line` and the full description).
const RSPEC: [(&str, &str, &str); 9] = [
    (
        "spec/catalog_spec.rb[1:1]",
        "spec/catalog_spec.rb:4",
        "the catalog lists tea",
    ),
    (
        "spec/catalog_spec.rb[1:2]",
        "spec/catalog_spec.rb:8",
        "the catalog lists cake",
    ),
    (
        "spec/invoice_spec.rb[1:1]",
        "spec/invoice_spec.rb:4",
        "Invoice adds up its lines",
    ),
    (
        "spec/invoice_spec.rb[1:2]",
        "spec/invoice_spec.rb:8",
        "Invoice starts empty",
    ),
    (
        "spec/invoice_spec.rb[1:3:1]",
        "spec/invoice_spec.rb:13",
        "Invoice#line shows a line in the default currency",
    ),
    (
        "spec/invoice_spec.rb[1:3:2]",
        "spec/invoice_spec.rb:17",
        "Invoice#line names the item",
    ),
    (
        "spec/price_list_spec.rb[1:1]",
        "spec/price_list_spec.rb:4",
        "PriceList formats dollars by default",
    ),
    (
        "spec/price_list_spec.rb[1:2]",
        "spec/price_list_spec.rb:8",
        "PriceList formats euros once switched",
    ),
    (
        "spec/price_list_spec.rb[1:3]",
        "spec/price_list_spec.rb:14",
        "PriceList rounds to cents",
    ),
];

fn rspec_index() -> (Index, Vec<&'static str>) {
    let ids: Vec<&str> = RSPEC.iter().map(|(id, _, _)| *id).collect();
    let mut index = Index::new(&ids);
    for (i, (_, line, description)) in RSPEC.iter().enumerate() {
        index.alias(i, line);
        index.alias(i, description);
    }
    (index, ids)
}

#[test]
fn rspec_progress_log_has_the_seed_and_the_failed_example() {
    let a = artifact(fixture!("rspec-progress.log"));
    assert_eq!(a.kind, Kind::Log);
    assert_eq!(a.format, "rspec output");
    assert!(a.ran.is_empty());
    assert_eq!(a.failed_elsewhere, ["spec/price_list_spec.rb:4"]);
    assert_eq!(a.seed, seed(SeedRunner::Rspec, "2"));
    let (index, _) = rspec_index();
    assert_eq!(index.find(&a.failed_elsewhere[0], &[]), Found::Id(6));
}

#[test]
fn rspec_junit_meets_ids_through_descriptions() {
    let a = artifact(fixture!("rspec-junit.xml"));
    assert_eq!(a.seed, seed(SeedRunner::Rspec, "2"));
    assert_eq!(a.started.as_deref(), Some("2026-12-07T11:51:43+00:00"));
    assert_eq!(
        failed(&a.ran),
        ["spec.price_list_spec.PriceList formats dollars by default"]
    );
    assert_eq!(
        a.ran[6].also,
        [
            "PriceList formats dollars by default",
            "./spec/price_list_spec.rb"
        ]
    );
    let (index, ids) = rspec_index();
    assert_eq!(
        resolve(&index, &ids, &a.ran),
        [
            "spec/invoice_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:1]",
            "spec/invoice_spec.rb[1:3:2]",
            "spec/invoice_spec.rb[1:3:1]",
            "spec/price_list_spec.rb[1:2]",
            "spec/price_list_spec.rb[1:3]",
            "spec/price_list_spec.rb[1:1]",
            "spec/catalog_spec.rb[1:2]",
            "spec/catalog_spec.rb[1:1]",
        ]
    );
    // Without the aliases, a file name fits every example in it: never a guess.
    let bare = Index::new(&ids);
    assert_eq!(
        bare.find(&a.ran[0].name, &a.ran[0].also),
        Found::Unknown,
        "'./spec/invoice_spec.rb' is not any one example"
    );
}

// `smoke --list` in examples/gtest (after build.sh).
const GTEST_IDS: [&str; 7] = [
    "Journal.StartsEmpty",
    "Journal.AppendAddsALine",
    "Journal.CleansUpAfterItself",
    "Tail.KeepsTheLastLines",
    "Sizes/TailOfThree.NeverLongerThanAsked/0",
    "Sizes/TailOfThree.NeverLongerThanAsked/1",
    "Sizes/TailOfThree.NeverLongerThanAsked/2",
];
// `--gtest_shuffle --gtest_random_seed=5`; the disabled test is not in the run.
const GTEST_RUN: [&str; 7] = [
    "Journal.CleansUpAfterItself",
    "Journal.AppendAddsALine",
    "Journal.StartsEmpty",
    "Tail.KeepsTheLastLines",
    "Sizes/TailOfThree.NeverLongerThanAsked/1",
    "Sizes/TailOfThree.NeverLongerThanAsked/0",
    "Sizes/TailOfThree.NeverLongerThanAsked/2",
];

#[test]
fn gtest_log_and_junit() {
    let index = Index::new(&GTEST_IDS);
    let log = artifact(fixture!("gtest.log"));
    assert_eq!(log.format, "GoogleTest output");
    assert_eq!(order(&log.ran), GTEST_RUN);
    assert_eq!(failed(&log.ran), ["Journal.StartsEmpty"]);
    assert!(log.failed_elsewhere.is_empty());
    assert_eq!(log.seed, seed(SeedRunner::Gtest, "5"));
    assert_eq!(resolve(&index, &GTEST_IDS, &log.ran), GTEST_RUN);

    let junit = artifact(fixture!("gtest-junit.xml"));
    assert_eq!(order(&junit.ran), GTEST_RUN);
    assert_eq!(failed(&junit.ran), ["Journal.StartsEmpty"]);
    assert_eq!(junit.seed, seed(SeedRunner::Gtest, "5"));
    assert_eq!(junit.started.as_deref(), Some("2026-12-07T11:52:22.989"));
    assert_eq!(
        junit.ran[4].also,
        [
            "NeverLongerThanAsked/1",
            "/work/wt-ev/examples/gtest/journal_test.cc"
        ]
    );
    assert_eq!(resolve(&index, &GTEST_IDS, &junit.ran), GTEST_RUN);
}

// `smoke --list` in examples/go.
const GO_IDS: [&str; 9] = [
    "example.com/shop/backup::TestBackupRuns",
    "example.com/shop/backup::TestBackupOfAnEmptyFolder",
    "example.com/shop/cart::TestNewCartIsEmpty",
    "example.com/shop/cart::TestPriceInDefaultCurrency",
    "example.com/shop/cart::TestAddKeepsItems",
    "example.com/shop/cart::TestPriceInDollars",
    "example.com/shop/cart::TestItemsOfAMissingFile",
    "example.com/shop/export::TestFinishReleasesTheLock",
    "example.com/shop/export::TestStartTakesTheLock",
];
// `go test -v -count=1 -shuffle=1 ./...`
const GO_RUN: [&str; 9] = [
    "example.com/shop/backup::TestBackupRuns",
    "example.com/shop/backup::TestBackupOfAnEmptyFolder",
    "example.com/shop/cart::TestAddKeepsItems",
    "example.com/shop/cart::TestNewCartIsEmpty",
    "example.com/shop/cart::TestPriceInDefaultCurrency",
    "example.com/shop/cart::TestItemsOfAMissingFile",
    "example.com/shop/cart::TestPriceInDollars",
    "example.com/shop/export::TestFinishReleasesTheLock",
    "example.com/shop/export::TestStartTakesTheLock",
];

#[test]
fn go_logs_name_tests_by_package() {
    let index = Index::new(&GO_IDS);
    let a = artifact(fixture!("go-shuffle.log"));
    assert_eq!(a.format, "go test -v output");
    assert_eq!(order(&a.ran), GO_RUN);
    assert_eq!(
        failed(&a.ran),
        ["example.com/shop/cart::TestNewCartIsEmpty"]
    );
    assert_eq!(a.ran[3].also, ["TestNewCartIsEmpty"]);
    assert_eq!(a.seed, seed(SeedRunner::Go, "1"));
    assert_eq!(resolve(&index, &GO_IDS, &a.ran), GO_RUN);

    // Unshuffled, it passes: the listed order, no seed.
    let a = artifact(fixture!("go-v.log"));
    assert_eq!(order(&a.ran), GO_IDS);
    assert_eq!(failed(&a.ran), Vec::<&str>::new());
    assert_eq!(a.seed, None);

    // The bare name of a `=== RUN` line alone is a unique suffix of the id.
    assert_eq!(index.find("TestAddKeepsItems", &[]), Found::Id(4));
}

#[test]
fn go_shuffle_on_keeps_the_seed_of_the_package_that_failed() {
    let a = artifact(fixture!("go-shuffle-on.log"));
    assert_eq!(a.seed, seed(SeedRunner::Go, "1796644369130397704"));
    assert_eq!(
        failed(&a.ran),
        [
            "example.com/shop/cart::TestPriceInDefaultCurrency",
            "example.com/shop/cart::TestNewCartIsEmpty"
        ]
    );
}

#[test]
fn go_junit_report() {
    let a = artifact(fixture!("go-junit-report.xml"));
    assert_eq!(a.ran[3].name, "example.com/shop/cart.TestNewCartIsEmpty");
    assert_eq!(failed(&a.ran), ["example.com/shop/cart.TestNewCartIsEmpty"]);
    let index = Index::new(&GO_IDS);
    assert_eq!(resolve(&index, &GO_IDS, &a.ran), GO_RUN);
}

// `smoke --list` in examples/jest.
const JEST_IDS: [&str; 5] = [
    "__tests__/cart.test.js",
    "__tests__/catalog.test.js",
    "__tests__/checkout.test.js",
    "__tests__/prices.test.js",
    "__tests__/receipt.test.js",
];

#[test]
fn jest_logs() {
    let index = Index::new(&JEST_IDS);
    let a = artifact(fixture!("jest-fail.log"));
    assert_eq!(a.format, "jest output");
    assert_eq!(order(&a.ran), JEST_IDS);
    assert_eq!(failed(&a.ran), ["__tests__/checkout.test.js"]);
    assert_eq!(a.seed, None);
    assert_eq!(resolve(&index, &JEST_IDS, &a.ran), JEST_IDS);

    let a = artifact(fixture!("jest-color.log"));
    assert_eq!(
        order(&a.ran),
        [
            "__tests__/cart.test.js",
            "__tests__/checkout.test.js",
            "__tests__/catalog.test.js"
        ]
    );
    assert_eq!(failed(&a.ran), ["__tests__/checkout.test.js"]);
    assert_eq!(a.seed, seed(SeedRunner::Jest, "7"));

    let a = artifact(fixture!("jest-seed.log"));
    assert_eq!(
        order(&a.ran),
        [
            "__tests__/checkout.test.js",
            "__tests__/prices.test.js",
            "__tests__/receipt.test.js",
            "__tests__/cart.test.js",
            "__tests__/catalog.test.js"
        ]
    );
    assert_eq!(a.seed, seed(SeedRunner::Jest, "1"));

    // jest-junit's `file` attribute, relative or absolute.
    assert_eq!(
        index.find(
            "checkout a new session starts with an empty cart",
            &strings(&["./__tests__/checkout.test.js"])
        ),
        Found::Id(2)
    );
    assert_eq!(
        index.find(
            "checkout a new session starts with an empty cart",
            &strings(&["/home/runner/work/shop/shop/__tests__/checkout.test.js"])
        ),
        Found::Id(2)
    );
}

// `smoke --list` in examples/prove; the run: 20, 40, 10, 30.
const PROVE_IDS: [&str; 4] = [
    "t/10-defaults.t",
    "t/20-debug.t",
    "t/30-arithmetic.t",
    "t/40-strings.t",
];

#[test]
fn prove_logs_name_files_not_points() {
    let index = Index::new(&PROVE_IDS);
    let run = [
        "t/20-debug.t",
        "t/40-strings.t",
        "t/10-defaults.t",
        "t/30-arithmetic.t",
    ];
    for fixture in [fixture!("prove.log"), fixture!("prove-v.log")] {
        let a = artifact(fixture);
        assert_eq!(a.format, "prove output", "{}", fixture.0);
        assert_eq!(order(&a.ran), run, "{}", fixture.0);
        assert_eq!(failed(&a.ran), ["t/10-defaults.t"], "{}", fixture.0);
        assert_eq!(resolve(&index, &PROVE_IDS, &a.ran), run);
    }
}

#[test]
fn plain_tap() {
    let a = artifact(fixture!("tap.log"));
    assert_eq!(a.format, "TAP");
    assert_eq!(
        order(&a.ran),
        [
            "debug mode can be switched on",
            "addition",
            "multiplication",
            "a fresh shop runs in production mode"
        ]
    );
    assert_eq!(failed(&a.ran), ["a fresh shop runs in production mode"]);
}

#[test]
fn surefire_reruns_count_as_failures() {
    let a = artifact(fixture!("surefire-flaky.xml"));
    assert_eq!(
        order(&a.ran),
        [
            "com.example.shop.CartTest.addsItems",
            "com.example.shop.CartTest.startsEmpty",
            "com.example.shop.CartTest.pricesInDollars",
            "com.example.shop.CartTest.slowCheckout",
            "com.example.shop.CartTest.removesItems",
        ]
    );
    assert_eq!(
        failed(&a.ran),
        [
            "com.example.shop.CartTest.startsEmpty",
            "com.example.shop.CartTest.pricesInDollars"
        ]
    );
    assert_eq!(a.started, None);
}

#[test]
fn a_rerun_keeps_the_first_position_and_the_failure() {
    let a = artifact(fixture!("junit-rerun.xml"));
    assert_eq!(
        order(&a.ran),
        [
            "tests.test_settings.test_price_in_dollars",
            "tests.test_invoice.test_invoice_line_in_euro",
            "tests.test_shipping.test_no_negative_totals",
            "tests.test_shipping.test_free_shipping_threshold",
        ]
    );
    assert_eq!(
        failed(&a.ran),
        ["tests.test_invoice.test_invoice_line_in_euro"]
    );
}

#[test]
fn split_junit_files_are_ordered_by_their_timestamps() {
    let first = artifact(fixture!("junit-split-1.xml"));
    let second = artifact(fixture!("junit-split-2.xml"));
    let evidence = combine(vec![
        ("b.xml".to_string(), second.clone()),
        ("a.xml".to_string(), first.clone()),
    ])
    .expect("one run");
    assert_eq!(evidence.kind, Kind::Junit);
    assert_eq!(evidence.format, "JUnit XML");
    assert_eq!(evidence.files, ["a.xml", "b.xml"]);
    let index = Index::new(&PYTEST_IDS);
    assert_eq!(resolve(&index, &PYTEST_IDS, &evidence.ran), PYTEST_RUN);
    assert_eq!(
        failed(&evidence.ran),
        ["tests.test_invoice.test_invoice_line_in_euro"]
    );

    // Without a timestamp on every file, the order given stands.
    let mut undated = first.clone();
    undated.started = None;
    let evidence = combine(vec![
        ("b.xml".to_string(), second.clone()),
        ("a.xml".to_string(), undated),
    ])
    .expect("one run");
    assert_eq!(evidence.files, ["b.xml", "a.xml"]);
    assert_eq!(
        evidence.ran[0].name,
        "tests.test_invoice.test_total_of_nothing"
    );

    // The file without the failure alone is no evidence.
    let e = combine(vec![("a.xml".to_string(), first.clone())]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "'a.xml' records no failed test (4 tests ran, all passed or skipped): give the JUnit \
         file of the run that failed"
    );
    let e = combine(vec![
        ("a.xml".to_string(), first.clone()),
        ("c.xml".to_string(), first),
    ])
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "'a.xml', 'c.xml' record no failed test (4 tests ran, all passed or skipped): give the \
         JUnit file of the run that failed"
    );
}

#[test]
fn a_log_adds_its_seed_to_junit_files() {
    let evidence = combine(vec![
        (
            "junit.xml".to_string(),
            artifact(fixture!("pytest-junit.xml")),
        ),
        (
            "ci.log".to_string(),
            artifact(fixture!("pytest-progress.log")),
        ),
    ])
    .expect("one run");
    assert_eq!(evidence.kind, Kind::Junit);
    assert_eq!(evidence.format, "JUnit XML + pytest output");
    assert_eq!(evidence.files, ["junit.xml", "ci.log"]);
    assert_eq!(evidence.ran.len(), 8);
    assert_eq!(evidence.failed_elsewhere, [PYTEST_VICTIM]);
    assert_eq!(evidence.seed, seed(SeedRunner::PytestRandomly, "1"));

    // Logs alone: concatenated, a missing failure is the caller's to judge.
    let evidence =
        combine(vec![("go.log".to_string(), artifact(fixture!("go-v.log")))]).expect("a log");
    assert_eq!(evidence.kind, Kind::Log);
    assert_eq!(order(&evidence.ran), GO_IDS);
}

#[test]
fn combinations_that_make_no_sense() {
    let names = artifact(fixture!("names.txt"));
    let e = combine(vec![
        ("order.txt".to_string(), names.clone()),
        (
            "junit.xml".to_string(),
            artifact(fixture!("pytest-junit.xml")),
        ),
    ])
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "'order.txt' is a list of test names, which is the whole order on its own: give it \
         alone, without 'junit.xml'"
    );
    let e = combine(vec![
        (
            "rspec.log".to_string(),
            artifact(fixture!("rspec-progress.log")),
        ),
        (
            "gtest.xml".to_string(),
            artifact(fixture!("gtest-junit.xml")),
        ),
    ])
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "'rspec.log' and 'gtest.xml' carry different seeds (rspec 2, gtest 5): give the files \
         of one run"
    );
    assert_eq!(
        combine(Vec::new()).unwrap_err().to_string(),
        "no evidence given"
    );
    let alone = combine(vec![("order.txt".to_string(), names)]).expect("names alone");
    assert_eq!(alone.kind, Kind::Names);
}

#[test]
fn names_file() {
    let a = artifact(fixture!("names.txt"));
    assert_eq!(a.kind, Kind::Names);
    assert_eq!(a.format, "test names");
    assert_eq!(
        order(&a.ran),
        [
            "tests/test_settings.py::test_price_in_dollars",
            "tests/test_invoice.py::test_invoice_line_in_euro"
        ]
    );
    assert_eq!(failed(&a.ran), Vec::<&str>::new());
    let index = Index::new(&PYTEST_IDS);
    assert_eq!(
        resolve(&index, &PYTEST_IDS, &a.ran),
        [
            "tests/test_settings.py::test_price_in_dollars",
            PYTEST_VICTIM
        ]
    );

    // Names with spaces are fine while most lines are single words; repeats are kept.
    let a = read(
        "order.txt",
        b"./t/20-debug.t\nt/10-defaults.t\nInvoice starts empty\ntests/a.py::t[a b]\nt/20-debug.t\n",
    )
    .expect("names");
    assert_eq!(
        order(&a.ran),
        [
            "./t/20-debug.t",
            "t/10-defaults.t",
            "Invoice starts empty",
            "tests/a.py::t[a b]",
            "t/20-debug.t"
        ]
    );
    let long = format!("t/a.t\n{}\n", "x".repeat(1001));
    assert!(read("order.txt", long.as_bytes()).is_err());
}

const NOTHING_KNOWN: &str = "has no seed line and no test names smoke knows (looked for: \
    pytest -v lines, [ RUN ] lines of GoogleTest, === RUN of go test -v, TAP ok/not ok lines, \
    prove and jest PASS/FAIL lines, JUnit XML; seed lines of pytest-randomly, rspec, jest, go, \
    GoogleTest, PHPUnit)";

#[test]
fn prose_is_refused() {
    assert_eq!(
        error(fixture!("setup.log")),
        format!("'setup.log' {NOTHING_KNOWN}")
    );
    let prose = b"The tests ran fine on my machine.\nThen CI failed\nno idea why\n";
    assert_eq!(
        error(("ci.log", prose)),
        format!("'ci.log' {NOTHING_KNOWN}")
    );
    // Half the lines single words is not a list either.
    assert!(read("ci.log", b"Building\nthe shop now\n").is_err());
    assert!(read("ci.log", b"# only a comment\n\n").is_err());
    assert!(read("ci.log", b"=====\n-----\n").is_err());
}

#[test]
fn what_is_not_evidence_says_what_it_is() {
    assert_eq!(
        error(fixture!("ci-page.html")),
        "'ci-page.html' is an HTML page, not a JUnit XML file or a console log (CI's page for \
         the run, perhaps): download the raw log or the JUnit artifact"
    );
    assert!(
        error(("page.xml", b"<?xml version=\"1.0\"?>\n<html><body/></html>"))
            .contains("is an HTML page")
    );
    assert_eq!(error(fixture!("empty.xml")), "'empty.xml' is empty");
    assert_eq!(error(("blank.log", b" \n\r\n\t\n")), "'blank.log' is empty");
    assert_eq!(
        error(fixture!("pytest-v.log.gz")),
        "'pytest-v.log.gz' is a gzip file (unpack it first: gunzip), not a JUnit XML file or a \
         console log"
    );
    assert_eq!(
        error(("a.out", b"\x7fELF\x02\x01\x01\0\0\0")),
        "'a.out' is a binary file, not a JUnit XML file or a console log"
    );
    let mostly_not_utf8: Vec<u8> = (0x80..=0xff).cycle().take(400).collect();
    assert_eq!(
        error(("x.bin", &mostly_not_utf8)),
        "'x.bin' is a binary file, not a JUnit XML file or a console log"
    );
    assert!(error(("r.zip", b"PK\x03\x04rest")).starts_with("'r.zip' is a zip archive"));
    assert_eq!(
        error(fixture!("coverage.xml")),
        "'coverage.xml' is XML whose root element is <coverage>, not a JUnit XML file \
         (<testsuites> or <testsuite>)"
    );
    assert_eq!(
        error(fixture!("junit-truncated.xml")),
        "'junit-truncated.xml' is not well-formed XML (line 14, column 3: syntax error: tag not \
         closed: `>` not found before end of input): a JUnit file cut short, perhaps (the run \
         was stopped before the report was written)"
    );
}

#[test]
fn logs_that_are_not_utf8_are_decoded_lossily() {
    let mut log = b"Using --randomly-seed=9\n".to_vec();
    log.extend_from_slice(b"tests/a.py::test_caf\xe9 FAILED  [100%]\n");
    let a = read("ci.log", &log).expect("a log");
    assert_eq!(order(&a.ran), ["tests/a.py::test_caf\u{fffd}"]);
    assert_eq!(failed(&a.ran), ["tests/a.py::test_caf\u{fffd}"]);
    assert_eq!(a.seed, seed(SeedRunner::PytestRandomly, "9"));
    // A UTF-8 BOM is not part of the first line.
    let a = read(
        "ci.log",
        b"\xEF\xBB\xBF[ RUN      ] A.B\n[  FAILED  ] A.B (1 ms)\n",
    )
    .expect("a log");
    assert_eq!(failed(&a.ran), ["A.B"]);
}

#[test]
fn a_log_starting_with_angle_brackets_is_still_a_log() {
    let a = read(
        "ci.log",
        b"<frozen importlib._bootstrap>:241: warning\n=== RUN   TestA\n--- FAIL: TestA (0.00s)\n",
    )
    .expect("a log");
    assert_eq!(order(&a.ran), ["TestA"]);
    assert_eq!(a.format, "go test -v output");
}

#[test]
fn progress_overwrites_keep_the_last_text() {
    let a = read(
        "ci.log",
        b"[ RUN      ] A.B\n 10%\r 50%\r\x1b[2K[  FAILED  ] A.B (3 ms)\r\n[ RUN      ] A.C\n",
    )
    .expect("a log");
    assert_eq!(order(&a.ran), ["A.B", "A.C"]);
    assert_eq!(failed(&a.ran), ["A.B"]);
}

#[test]
fn seed_runners_display_as_their_names() {
    let names: Vec<String> = [
        SeedRunner::PytestRandomly,
        SeedRunner::Rspec,
        SeedRunner::Jest,
        SeedRunner::Go,
        SeedRunner::Gtest,
        SeedRunner::Phpunit,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        names,
        ["pytest-randomly", "rspec", "jest", "go", "gtest", "phpunit"]
    );
    assert_eq!(
        serde_json::to_string(&[Kind::Junit, Kind::Log, Kind::Names]).expect("json"),
        r#"["junit","log","names"]"#
    );
}
