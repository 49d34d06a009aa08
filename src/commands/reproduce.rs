//! `smoke reproduce EVIDENCE...`: start from what CI kept. The evidence (JUnit XML files, a
//! console log, a file of names) is read by the pure `evidence` module into the order the tests
//! ran in and the tests that failed, or the seed of the runner that shuffled them, which the
//! runner itself is then asked to turn into an order (`suite::seeded_order`). The names are
//! mapped to the suite's own ids (unknown ones listed, never guessed), the order is cut after
//! the last failure asked for, and it runs as a rotate iteration of a run, with the suite's
//! setup and mode, up to `--tries` times until a failure comes back; whatever fails gets what
//! a run's failures get (the check, the shrink, the proof, the verdict, the report), and the
//! report's `reproduced_from` says where the order came from and whether it came back.

use super::outcome;
use super::session::Session;
use crate::cli::{Cli, ReproduceArgs};
use crate::config::{self, Config};
use crate::error::ConfigError;
use crate::evidence::{self, Evidence, Found, Index, SeedRunner};
use crate::model::{Order, TestId, TestNames};
use crate::report::record::{ReproducedFrom, ReproducedTest};
use crate::report::{self, Fanout};
use crate::{runner, suite, term};
use clap::Parser;
use std::ffi::OsString;

/// `smoke reproduce`: returns the exit code (1 when a failure came back, 0 when none did).
pub(crate) fn run(args: ReproduceArgs, session: &Session) -> anyhow::Result<u8> {
    // Bad evidence is a usage error, found before anything runs.
    let evidence = read_evidence(&args, session)?;

    let mut cli = Cli::try_parse_from(["smoke"]).expect("no arguments parse");
    cli.suite = args.suite;
    let mut config = session.config(cli)?;
    let interrupt = session.interrupt()?;
    let mut warnings = config.warnings.clone();
    let mut executors = Session::executors(&config);
    if let (Some(plan), Some(first)) = (runner::early_fork_plan(&config), executors.first_mut()) {
        first.prestart_fork_server(&plan);
    }
    // The order first: where it comes from a seed, the runner's listing in that seed's order
    // is the suite's listing too (the same command, the same ids), so the suite is listed once.
    let order = order_of(&evidence, &config, &interrupt)?;
    // `_built` keeps what listing built (the go preset's test binaries) until the run ends.
    let (names, _built) = match &order.seed {
        Some(_) => {
            let ids = order
                .tests
                .iter()
                .map(|t| OsString::from(&t.name))
                .collect();
            (TestNames::new(suite::dedupe(ids).0), None)
        }
        None => {
            let listed = session.list(&config, executors.first_mut(), &mut warnings)?;
            (listed.names, listed.built)
        }
    };
    let ids: Vec<&str> = names.all_shown().iter().map(String::as_str).collect();
    let mut index = Index::new(&ids);
    add_aliases(&mut index, &names, &order.aliases);
    let mut planned = plan(&order, &evidence, &index, &names, args.test.as_deref());
    // The other names rspec's examples go by (file:line, descriptions) cost one more rspec
    // start: asked for only when a name is not found without them.
    if order.aliases.is_empty() && planned.as_ref().map_or(true, |p| !p.unknown.is_empty()) {
        let aliases = suite::rspec_aliases(&config, &interrupt)?;
        if !aliases.is_empty() {
            add_aliases(&mut index, &names, &aliases);
            planned = plan(&order, &evidence, &index, &names, args.test.as_deref());
        }
    }
    let plan = planned?;

    // The order runs as a run's rotate iteration, once per try, until a failure comes back;
    // every failure of it is found (keep-going) and handled as a run handles it.
    config.order = Order::Rotate;
    config.times = 1;
    config.iterations = args.tries;
    config.iterations_cut = None;
    config.keep_going = true;
    config.until_found = true;
    // smoke.toml's own way of choosing tests (a controller, a control folder) and bug mode do
    // not apply: the evidence chose the order.
    config.driving = None;
    config.suite_record.controller = None;
    config.bug_mode = false;
    config.selected = plan
        .sequence
        .iter()
        .map(|&t| names.raw(t).to_owned())
        .collect::<Vec<OsString>>();
    config.suite_record.keep_going = true;
    config.suite_record.tests = plan
        .sequence
        .iter()
        .map(|&t| names.shown(t).to_string())
        .collect();
    let selection = plan.sequence.clone();

    let from = ReproducedFrom {
        evidence: evidence.files.clone(),
        source: kind_word(evidence.kind).to_string(),
        format: evidence.format.clone(),
        seed: evidence.seed.as_ref().map(|s| s.value.clone()),
        seed_runner: evidence.seed.as_ref().map(|s| s.runner.to_string()),
        seed_order: order.seed.is_some(),
        named: order.named,
        unknown: plan.unknown.clone(),
        length: plan.sequence.len(),
        failing: plan
            .targets
            .iter()
            .map(|&t| ReproducedTest {
                test: names.shown(t).to_string(),
                reproduced: false,
            })
            .collect(),
        tries: args.tries,
        verdict: None,
    };
    if config.verbosity != config::Verbosity::Quiet {
        for warning in &warnings {
            term::errln!("smoke: warning: {}", report::one_line(warning));
        }
        term::errln!("smoke: {}", report::printable(&plan.said(&from, &order)));
    }

    let (files, mut writer, mut console) =
        session.new_report(&config, &names, selection.len(), warnings, |header| {
            header.reproduced_from = Some(from);
        })?;
    let log_path = |n: usize| files.prepare_log(n);
    let result = {
        let mut reporters = Fanout(vec![&mut console, &mut writer]);
        session.unless_stopped(&mut reporters, |reporters| {
            session
                .runner(&config, &names, executors, reporters, &log_path)?
                .smoke(&selection)
        })
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = writer.fail();
            term::errln!("smoke: report so far: {}", files.text.display());
            return Err(e);
        }
    };
    let report = writer.report();
    if let Some(from) = &report.reproduced_from {
        term::outln!(
            "{}",
            report::printable(&from.describe(report.iterations.len()))
        );
    }
    Ok(outcome::end(report, &files, &summary))
}

/// The evidence files read and parsed into one piece of evidence; an unreadable or unusable
/// file is a usage error that names it.
fn read_evidence(args: &ReproduceArgs, session: &Session) -> anyhow::Result<Evidence> {
    let mut artifacts = Vec::new();
    for path in &args.evidence {
        let label = path.display().to_string();
        let bytes = std::fs::read(session.cwd.join(path)).map_err(|e| {
            ConfigError::new(format!(
                "cannot read the evidence '{label}': {e} (smoke reproduce takes the CI run's \
                 JUnit XML files, its console log, or a file of test names; to run a test \
                 called reproduce instead, put -- first: smoke -- reproduce ...)"
            ))
        })?;
        let artifact = evidence::read(&label, &bytes).map_err(|e| ConfigError::new(e.0))?;
        artifacts.push((label, artifact));
    }
    Ok(evidence::combine(artifacts).map_err(|e| ConfigError::new(e.0))?)
}

/// Give `index` the other names of the suite's tests (`aliases`, by id).
fn add_aliases(index: &mut Index, names: &TestNames, aliases: &[(String, Vec<String>)]) {
    for (id, also) in aliases {
        if let Some(test) = names.find(std::ffi::OsStr::new(id)) {
            for alias in also {
                index.alias(test, alias);
            }
        }
    }
}

/// The order the evidence gives, as names to find in the suite.
struct Named {
    /// In run order: the name as spelled, other spellings, and whether it failed.
    tests: Vec<evidence::Ran>,
    /// How many tests the evidence (or the seed's order) named.
    named: usize,
    /// The seed the order came from, when it came from a runner's seed.
    seed: Option<evidence::Seed>,
    /// The other names of the suite's tests the runner gave with that order (rspec's).
    aliases: Vec<(String, Vec<String>)>,
}

/// The evidence's own order, or, where it names only a seed, the order the runner gives that
/// seed.
fn order_of(
    evidence: &Evidence,
    config: &Config,
    interrupt: &crate::interrupt::Interrupt,
) -> anyhow::Result<Named> {
    if !evidence.ran.is_empty() {
        return Ok(Named {
            tests: evidence.ran.clone(),
            named: evidence.ran.len(),
            seed: None,
            aliases: Vec::new(),
        });
    }
    let files = evidence.files.join("', '");
    let Some(seed) = &evidence.seed else {
        return Err(ConfigError::new(format!(
            "'{files}' names no test that ran and no seed: give the CI run's JUnit XML or its \
             console log"
        ))
        .into());
    };
    let seeded = match seed.runner {
        SeedRunner::PytestRandomly => suite::Seeded::PytestRandomly,
        SeedRunner::Rspec => suite::Seeded::Rspec,
        other => return Err(ConfigError::new(no_seed_order(other, &files)).into()),
    };
    let aliases = suite::seeded_order(config, seeded, &seed.value, interrupt)?;
    let tests: Vec<evidence::Ran> = aliases
        .iter()
        .map(|(id, _)| evidence::Ran {
            name: id.clone(),
            also: Vec::new(),
            failed: false,
        })
        .collect();
    Ok(Named {
        named: tests.len(),
        tests,
        seed: Some(seed.clone()),
        aliases,
    })
}

/// Why a seed of `runner` alone gives smoke no order, and what to give instead.
fn no_seed_order(runner: SeedRunner, files: &str) -> String {
    let why = match runner {
        SeedRunner::Jest => {
            "jest's seed orders the tests inside each file, and jest chooses the order of the \
             files itself: the log's PASS and FAIL lines say it, so give a log that has them \
             (jest prints them unless --silent or a custom reporter hides them)"
        }
        SeedRunner::Go => {
            "go's -test.shuffle seed gives an order only a test binary knows while it runs the \
             tests: give the log of `go test -v` (its === RUN lines) or go-junit-report's XML"
        }
        SeedRunner::Gtest => {
            "GoogleTest's shuffle seed gives an order only the test binary knows while it runs \
             the tests: give the log with its [ RUN      ] lines or --gtest_output=xml's file"
        }
        SeedRunner::Phpunit => {
            "smoke has no PHPUnit preset to ask for that seed's order: give PHPUnit's --log-junit \
             file"
        }
        SeedRunner::PytestRandomly | SeedRunner::Rspec => "",
    };
    format!("'{files}' names {runner}'s seed but no test that ran: {why}")
}

/// What to run: the order in the suite's ids, cut after the last failure asked for.
struct Plan {
    /// The order to run, each test once.
    sequence: Vec<TestId>,
    /// The failing tests asked for, in run order.
    targets: Vec<TestId>,
    /// Names of the evidence that are no test of the suite (or could be more than one).
    unknown: Vec<String>,
    /// How many tests of the evidence's order were found in the suite.
    found: usize,
}

impl Plan {
    /// What smoke says before it starts: where the order came from and what runs.
    fn said(&self, from: &ReproducedFrom, order: &Named) -> String {
        let source = match &order.seed {
            Some(seed) => format!(
                "{}'s seed {} in {} ({} tests in that order)",
                seed.runner,
                seed.value,
                from.evidence.join(", "),
                order.named
            ),
            None => format!(
                "{} ({}, {} tests in run order)",
                from.evidence.join(", "),
                from.format,
                order.named
            ),
        };
        let mut line = format!("reproducing from {source}");
        if !self.unknown.is_empty() {
            line.push_str(&format!(
                "; {} name(s) are no test of this suite and are left out (never guessed): {}",
                self.unknown.len(),
                shorten(&self.unknown)
            ));
        }
        let targets: Vec<&str> = from.failing.iter().map(|t| t.test.as_str()).collect();
        if targets.is_empty() {
            line.push_str(&format!(
                "; it records no failure: running all {} tests in that order, up to {} tries",
                self.sequence.len(),
                from.tries
            ));
        } else {
            line.push_str(&format!(
                "; running the first {} of the {} found, up to {} (up to {} tries)",
                self.sequence.len(),
                self.found,
                shorten(&targets),
                from.tries
            ));
        }
        line
    }
}

/// A list of names for one line: the first few and how many more.
fn shorten<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 5;
    let mut shown: Vec<&str> = names.iter().take(SHOWN).map(AsRef::as_ref).collect();
    let more = names.len().saturating_sub(SHOWN);
    let more_text = format!("and {more} more");
    if more > 0 {
        shown.push(&more_text);
    }
    shown.join(", ")
}

/// Map the order's names to the suite's ids and choose what to reproduce: `--test`'s test, or
/// every failure the evidence records (the order then runs to the last of them), or, when it
/// records none, the whole order.
fn plan(
    order: &Named,
    evidence: &Evidence,
    index: &Index,
    names: &TestNames,
    test: Option<&str>,
) -> anyhow::Result<Plan> {
    let mut sequence: Vec<TestId> = Vec::new();
    let mut failed: Vec<TestId> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut failing_unknown: Vec<String> = Vec::new();
    for ran in &order.tests {
        match index.find(&ran.name, &ran.also) {
            Found::Id(id) => {
                if !sequence.contains(&id) {
                    sequence.push(id);
                }
                if ran.failed && !failed.contains(&id) {
                    failed.push(id);
                }
            }
            Found::Ambiguous(_) | Found::Unknown => {
                if ran.failed {
                    failing_unknown.push(ran.name.clone());
                }
                if !unknown.contains(&ran.name) {
                    unknown.push(ran.name.clone());
                }
            }
        }
    }
    // Failures named apart from the order (pytest's short summary, rspec's failure lines).
    for name in &evidence.failed_elsewhere {
        match index.find(name, &[]) {
            Found::Id(id) if sequence.contains(&id) => {
                if !failed.contains(&id) {
                    failed.push(id);
                }
            }
            _ => {
                if !failing_unknown.contains(name) {
                    failing_unknown.push(name.clone());
                }
            }
        }
    }
    let files = evidence.files.join("', '");
    if sequence.is_empty() {
        return Err(ConfigError::new(format!(
            "none of the {} test names in '{files}' is a test of this suite (for example {}): \
             is this the suite CI ran? Check --config or --preset, and run smoke from the \
             folder CI ran the tests in (smoke --list shows this suite's names)",
            order.tests.len(),
            shorten(&unknown)
        ))
        .into());
    }
    let position = |id: TestId| sequence.iter().position(|&t| t == id).unwrap_or(0);
    failed.sort_by_key(|&id| position(id));
    let targets = match test {
        Some(wanted) => {
            let id = match names.find(std::ffi::OsStr::new(wanted)) {
                Some(id) => Some(id),
                None => match index.find(wanted, &[]) {
                    Found::Id(id) => Some(id),
                    _ => None,
                },
            };
            match id {
                Some(id) if sequence.contains(&id) => vec![id],
                Some(id) => {
                    return Err(ConfigError::new(format!(
                        "--test {}: the test is in this suite, but not in the order of '{files}'",
                        names.shown(id)
                    ))
                    .into());
                }
                None => {
                    return Err(ConfigError::new(format!(
                        "--test {}: no test of this suite has that name (smoke --list shows \
                         them)",
                        report::one_line(wanted)
                    ))
                    .into());
                }
            }
        }
        None => {
            if failed.is_empty() && !failing_unknown.is_empty() {
                return Err(ConfigError::new(format!(
                    "the failing test(s) of '{files}', {}, are no test of this suite: is this \
                     the suite CI ran? Check --config or --preset (smoke --list shows this \
                     suite's names)",
                    shorten(&failing_unknown)
                ))
                .into());
            }
            failed
        }
    };
    let found = sequence.len();
    if let Some(last) = targets.iter().map(|&t| position(t)).max() {
        sequence.truncate(last + 1);
    }
    unknown.extend(
        failing_unknown
            .into_iter()
            .filter(|name| !order.tests.iter().any(|r| &r.name == name)),
    );
    Ok(Plan {
        sequence,
        targets,
        unknown,
        found,
    })
}

/// The report's word for the kind of evidence.
fn kind_word(kind: evidence::Kind) -> &'static str {
    match kind {
        evidence::Kind::Junit => "junit",
        evidence::Kind::Log => "log",
        evidence::Kind::Names => "names",
    }
}
