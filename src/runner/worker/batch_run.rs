//! Batch mode's half of a worker: a whole sequence as one runner command, fresh or forked from
//! a fork server that loaded the suite once. It prepares what a fresh runner gets beyond the
//! names (smoke's pytest plugin, rspec helper or jest reporter streaming each test's start and
//! end, early stop, a names file), reads the runner's results (streamed lines, JUnit XML, JSON,
//! TAP) through `batch`, checks they match the order asked, and turns them into the sequence's
//! outcome, the same shape as per-test mode's.

use super::{Worker, not_runnable, stops_at_failure};
use crate::batch::{self, Format, Mismatch};
use crate::config::Config;
use crate::error::ConfigError;
use crate::exec::{
    BatchArgs, BatchExtras, BatchFinished, Collect, Executor, ForkPlan, Forked, Job, Stream,
};
use crate::execution::{BatchTemplate, Execution, ForkRunner, TestSource};
use crate::helpers;
use crate::model::{Hook, Outcome, TestId, TestNames};
use crate::report::Purpose;
use crate::runner::messages::{Context, Failed, Progress, SequenceRun, Stop};
use anyhow::Result;
use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

/// The least weight of a test the runner timed (see `run_batch`): the resolution of pytest's
/// JUnit times.
const MIN_TEST_TIME: Duration = Duration::from_millis(1);

/// Above this many bytes of names (each with a separator), a fresh pytest gets them in a file,
/// as `@FILE`, instead of one argument each: well under the usual limit of a command line
/// (2 MiB on Linux, 1 MiB on macOS, with the environment), so it always fits.
const ARGS_FILE_ABOVE: usize = 100 * 1024;

impl Worker<'_> {
    /// Run the whole sequence as one batch command and learn each test's outcome from the
    /// runner's results. The time limit is the per-test timeout times the sequence's length. A
    /// runner that reorders or drops tests is an error; one that dies without saying in which
    /// test abandons the sequence, like a failing hook. With `state`, smoke's helper in the
    /// runner writes what each test changed in the process there (`SMOKE_STATE`).
    pub(super) fn run_batch(
        &mut self,
        template: &BatchTemplate,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
        run: &mut SequenceRun,
        state: Option<&Path>,
    ) -> Result<()> {
        crate::trace::mark(format_args!("batch.start {purpose:?} {}", sequence.len()));
        let length = u32::try_from(sequence.len()).unwrap_or(u32::MAX);
        let workdir = self.workdir().map(Path::to_path_buf);
        let mut env = self.env(ctx, None);
        env.extend(state.map(|path| (crate::probe::state::ENV, path.as_os_str().to_owned())));
        let job = Job {
            script: &template.script,
            args: sequence.iter().map(|&t| self.names.raw(t)).collect(),
            env,
            dir: workdir.as_deref(),
            label: "(batch)",
            kill_leftovers: true,
            timeout: self.config.timeout.map(|t| {
                t.saturating_mul(length)
                    .min(crate::config::MAX_COMMAND_LIMIT)
            }),
            collect: match template.format {
                Format::Junit => Collect::JunitFile,
                Format::Tap => Collect::Stdout,
                Format::Json => Collect::JsonFile,
            },
        };
        let extras = self.batch_extras(template, &job.args, purpose)?;
        let fresh = |exec: &mut Box<dyn Executor + Send + '_>| -> Result<_> {
            let BatchFinished { finished, stream } = exec.run_batch(&job, &extras)?;
            Ok((finished, false, stream))
        };
        let (finished, forked, stream) = match fork_plan(self.config, self.names, template, purpose)
        {
            Some(plan) => match self.exec.run_forked(&job, &plan)? {
                Forked::Ran(finished) => (finished, true, None),
                Forked::Unavailable(why) => {
                    if self.warned.insert(why.clone()) {
                        self.emit(Progress::Warning(format!(
                            "{} runs a fresh process for this batch: the fork server \
                                 cannot take it ({why}); --no-fork-server turns it off",
                            plan.runner
                        )));
                    }
                    fresh(&mut self.exec)?
                }
            },
            None => fresh(&mut self.exec)?,
        };
        if self.stopping() {
            run.stop = Some(Stop::Interrupted);
            return Ok(());
        }
        self.say_notes(if forked {
            finished.results.as_deref()
        } else {
            stream.as_deref()
        });
        let asked: Vec<&str> = sequence.iter().map(|&t| self.names.shown(t)).collect();
        let ended = finished.outcome;
        let said = || {
            let mut said = String::from_utf8_lossy(&finished.output)
                .trim_end()
                .to_string();
            if let (Format::Tap, Some(stdout)) = (template.format, &finished.results) {
                let stdout = String::from_utf8_lossy(stdout);
                let lines: Vec<&str> = stdout.trim_end().lines().collect();
                said = format!(
                    "{}\n{said}",
                    lines[lines.len().saturating_sub(20)..].join("\n")
                );
            }
            said.trim().to_string()
        };
        let no_results = match (template.format, &finished.results) {
            _ if forked => finished.results.is_none(),
            (Format::Tap, Some(stdout)) => !batch::looks_like_tap(stdout, &asked),
            (Format::Tap, None) => true,
            (Format::Junit, results) => results.is_none(),
            (Format::Json, results) => results.is_none(),
        };
        if no_results && matches!(ended, Outcome::Fail { code: 126 | 127 }) {
            return Err(ConfigError::new(format!(
                "the batch command '{}' could not start the runner ({ended}: {}); check the \
                 command and PATH. It printed:\n{}",
                template.template,
                not_runnable(ended),
                said()
            ))
            .into());
        }
        let stdout_empty = finished.results.as_deref().is_none_or(<[u8]>::is_empty);
        if template.format == Format::Tap && no_results && (!stdout_empty || ended.passed()) {
            return Err(ConfigError::new(format!(
                "the batch command '{}' printed no TAP on stdout ({ended}), so smoke cannot \
                 tell which test did what. If the runner writes JUnit XML, put {{junit}} where \
                 it takes the path (pytest: --junitxml={{junit}}) or set format = \"junit\" \
                 (--format junit); if it can print TAP, make it (prove -v, a TAP reporter). \
                 It printed:\n{}",
                template.template,
                said()
            ))
            .into());
        }
        // A fresh runner that died wrote no JUnit XML or JSON (or half of it); smoke's helper
        // (pytest's plugin, rspec_order.rb, jest's reporter) said as it went which tests started
        // and ended, so the test it died in is still known. A test that ended its process with status 0
        // (`os._exit(0)`) is a crash too: it started and never ended.
        let died_in_a_test = stream.as_deref().is_some_and(|lines| {
            batch::parse_forked(lines)
                .last()
                .is_some_and(|r| r.outcome.is_none())
        });
        let unreadable = |results: &[u8]| match template.format {
            Format::Junit => batch::parse_junit(results).is_err(),
            Format::Json => batch::parse_json(results, &asked).is_err(),
            Format::Tap => false,
        };
        // A forked child's lines are its results: never read as the format's whole file.
        let results_lost = !forked
            && template.format != Format::Tap
            && (!ended.passed() || died_in_a_test)
            && finished.results.as_deref().is_none_or(unreadable);
        let streamed = stream.as_deref().filter(|_| results_lost);
        let reported = match (template.format, &finished.results) {
            _ if forked => batch::parse_forked(finished.results.as_deref().unwrap_or_default()),
            _ if streamed.is_some() => batch::parse_forked(streamed.unwrap_or_default()),
            (Format::Tap, results) => {
                batch::parse_tap(results.as_deref().unwrap_or_default(), &asked)
            }
            (Format::Junit, results) => whole_file(
                template,
                results.as_deref(),
                ended,
                batch::parse_junit,
                ("JUnit XML", "{junit}"),
                "where the runner takes its report path (pytest: --junitxml={junit})",
            )?,
            (Format::Json, results) => whole_file(
                template,
                results.as_deref(),
                ended,
                |json| batch::parse_json(json, &asked),
                ("JSON results", "{json}"),
                "where the runner takes its results path (rspec: --format json --out {json}; \
                 jest: --json --outputFile={json})",
            )?,
        };
        let says_which = forked || template.format == Format::Tap;
        let attributed = batch::attribute(&asked, reported, ended, says_which)
            .map_err(|m| self.order_error(template, &m))?;
        crate::trace::mark(format_args!("batch.result {purpose:?} forked={forked}"));
        if attributed.unattributed {
            let mut said = match streamed {
                // Every test that started also ended: the runner died outside the tests.
                Some(_) => format!(
                    "smoke: the batch ended ({ended}) after {} of {} results and before any \
                     failure, outside any test (every test that started also ended: while \
                     loading or collecting the tests, in a suite-wide hook or teardown, in a \
                     plugin); the tests after the last result did not run. Its output is \
                     below.\n",
                    attributed.results.len(),
                    sequence.len(),
                ),
                None => format!(
                    "smoke: the batch ended ({ended}) after {} of {} results and before any \
                     failure, and {} does not say which test was running; the tests after the \
                     last result did not run. Its output is below; per-test mode (--mode \
                     per-test) shows which test crashes.\n",
                    attributed.results.len(),
                    sequence.len(),
                    match template.format {
                        Format::Junit => "its JUnit XML",
                        Format::Tap => "its TAP",
                        Format::Json => "its JSON results file",
                    }
                ),
            }
            .into_bytes();
            said.extend_from_slice(&finished.output);
            run.executed += attributed.results.len();
            self.emit(Progress::HookFailed {
                hook: Hook::Batch,
                iteration: ctx.iteration_of(purpose),
                command: template.template.clone(),
                outcome: ended,
                output: said,
            });
            run.stop = Some(Stop::HookFailed(Hook::Batch));
            return Ok(());
        }
        // Formats without times (TAP) share the batch's time evenly. The batch's own cost is
        // its wall time minus the times the runner reported (start-up and collection: the
        // fixed cost of every candidate the shrinker weighs). A test's weight is its reported
        // time, but at least MIN_TEST_TIME: pytest writes 0.000 for fast tests (its JUnit
        // times have three decimals), and a weight of zero would make every test alike and
        // the fixed cost look like that of one test.
        let count = u32::try_from(attributed.results.len().max(1)).unwrap_or(u32::MAX);
        let share = finished.duration / count;
        let mut tests_time = Duration::ZERO;
        for (position, (outcome, reported, output)) in attributed.results.into_iter().enumerate() {
            let test = sequence[position];
            tests_time += reported.unwrap_or(share);
            let duration = reported.map_or(share, |d| d.max(MIN_TEST_TIME));
            self.emit(Progress::TestStarted {
                test,
                position,
                length: sequence.len(),
            });
            self.emit(Progress::TestFinished {
                purpose,
                test,
                position,
                length: sequence.len(),
                outcome,
                duration,
                output: output.clone(),
            });
            if outcome.passed() {
                run.passed.push(position);
            }
            run.executed += 1;
            run.durations.push(duration);
            if !outcome.passed() {
                run.failed += 1;
                // The runner's words about the test; its own output if it said nothing.
                let (output, dropped) = if output.is_empty() {
                    (finished.output.clone(), finished.dropped)
                } else {
                    (output, 0)
                };
                let failed = Failed {
                    position,
                    test,
                    outcome,
                    output,
                    dropped,
                };
                if run.failure.is_none() {
                    run.failure = Some(failed);
                } else if purpose == Purpose::Iteration {
                    run.later_failures.push(failed);
                }
            }
        }
        run.hooks += finished.duration.saturating_sub(tests_time);
        // Every test passed, yet the runner says the run failed (a coverage threshold, an
        // error in a session fixture): that is not a clean run, and smoke says so, as for a
        // failed setup.
        let complete = run.executed == sequence.len();
        if complete && run.failure.is_none() && !ended.passed() && !self.config.ignore_runner_exit {
            let mut note = format!(
                "smoke: the batch runner reported all {} tests as passed but exited with {ended}: \
                 something outside the tests failed (a coverage threshold, a session fixture, \
                 a plugin). The sequence was abandoned; pass --ignore-runner-exit (or set \
                 [suite] ignore-runner-exit = true) if that exit status is expected. Its \
                 output:\n",
                sequence.len()
            )
            .into_bytes();
            note.extend_from_slice(&finished.output);
            self.emit(Progress::HookFailed {
                hook: Hook::Batch,
                iteration: ctx.iteration_of(purpose),
                command: template.template.clone(),
                outcome: ended,
                output: note,
            });
            run.stop = Some(Stop::HookFailed(Hook::Batch));
        }
        Ok(())
    }

    /// What a fresh batch gets beyond its names. With pytest (when smoke can hand it options:
    /// `{tests}`, or `@{tests-file}`): smoke's plugin streaming each test's start and end (JUnit
    /// XML is written only at the end, so a crash would leave no word of its test), and
    /// `--maxfail=1` where the sequence stops at its first failure; with rspec (`{tests}`),
    /// `--fail-fast` there, and the same streaming from smoke's `rspec_order.rb` when the
    /// command loads it; with jest, when the command loads smoke's `jest_reporter.js`, the same
    /// streaming and, where the sequence stops at its first failure, `SMOKE_JEST_STOP=1`. The
    /// names go in a file for
    /// `{tests-file}`, and for pytest as `@FILE` when they would not fit on a command line; a
    /// name that cannot be one line of such a file is refused.
    fn batch_extras(
        &self,
        template: &BatchTemplate,
        names: &[&OsStr],
        purpose: Purpose,
    ) -> Result<BatchExtras<'static>> {
        let pytest = self.config.runs_pytest;
        let options_in_file = !template.takes_names() && template.reads_args_file();
        let placed = pytest && (template.takes_names() || options_in_file);
        let names_len: usize = names.iter().map(|n| n.len() + 1).sum();
        let args = if !template.takes_names() {
            BatchArgs::Nothing
        } else if pytest && names_len > ARGS_FILE_ABOVE {
            BatchArgs::AtFile
        } else {
            BatchArgs::Names
        };
        let pytest_file = args == BatchArgs::AtFile || (pytest && template.reads_args_file());
        if template.takes_tests_file() || args == BatchArgs::AtFile {
            let breaks = |c: char| {
                // Where Python's str.splitlines() splits: pytest reads its @file that way.
                c == '\n'
                    || (pytest_file
                        && matches!(
                            c,
                            '\r' | '\x0b' | '\x0c' | '\x1c'
                                ..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
                        ))
            };
            if let Some(name) = names.iter().find(|n| n.to_string_lossy().contains(breaks)) {
                let why = if template.takes_tests_file() {
                    format!(
                        "the batch template '{}' reads the names from {{tests-file}}, one per \
                         line",
                        template.template
                    )
                } else {
                    format!(
                        "this sequence's names ({names_len} bytes) are too long for a command \
                         line, so pytest reads them from a file (@FILE), one per line"
                    )
                };
                return Err(ConfigError::new(format!(
                    "the test name {} holds a line break, and {why}: rename the test, or leave \
                     it out of the selection",
                    crate::shell::quote(&name.to_string_lossy())
                ))
                .into());
            }
        }
        let mut options: Vec<&'static OsStr> = Vec::new();
        if placed && stops_at_failure(self.config, purpose) {
            options.push(OsStr::new("--maxfail=1"));
        }
        // rspec takes options among the example ids, so `{tests}` can carry its stop too.
        let rspec = self.config.deduplicating_runner == Some("rspec");
        if rspec && template.takes_names() && stops_at_failure(self.config, purpose) {
            options.push(OsStr::new("--fail-fast"));
        }
        // smoke's rspec_order.rb and jest_reporter.js, which the presets' batch commands load,
        // stream when told where; the reporter also stops jest when told to.
        let jest = template.loads_helper(helpers::JEST_REPORTER);
        let stream = if placed && template.format == Format::Junit {
            Stream::Pytest
        } else if rspec && template.loads_helper(helpers::RSPEC_ORDER) {
            Stream::Rspec
        } else if jest {
            Stream::Jest
        } else {
            Stream::Nothing
        };
        let mut flags = Vec::new();
        if jest && stops_at_failure(self.config, purpose) {
            flags.push(helpers::JEST_STOP_VAR);
        }
        Ok(BatchExtras {
            options,
            stream,
            tests_file: template.takes_tests_file(),
            options_in_file,
            args,
            flags,
        })
    }

    /// The error for a batch runner that did not run what was asked, with the option that
    /// keeps the order.
    fn order_error(&self, template: &BatchTemplate, mismatch: &Mismatch) -> anyhow::Error {
        let hint = match (mismatch, self.config.preset) {
            (Mismatch::Dropped { repeated: true, .. }, _) => {
                "run each test once per sequence: --times 1 (the default in batch mode), and no \
                 name twice on the command line"
                    .to_string()
            }
            (_, Some(preset)) if !preset.order_hint().is_empty() => preset.order_hint().to_string(),
            _ if template.template.contains("pytest") => {
                crate::preset::Preset::Pytest.order_hint().to_string()
            }
            _ => "make the runner run exactly the tests it is given, in the order given, or use \
                  per-test mode (--mode per-test)"
                .to_string(),
        };
        ConfigError::new(format!(
            "the batch command '{}' did not run the sequence smoke asked for: {mismatch}. \
             Its results cannot be trusted, so smoke stops here; {hint}",
            template.template
        ))
        .into()
    }
}

/// The results of a runner that writes them whole at its end (JUnit XML, JSON), read with
/// `parse`. A runner that failed may have left none or half a file: no results (the caller
/// tells a crash from there). One that ended well must have written a whole one: the error names
/// `what` it is and its `placeholder`, and says `where_` to put that.
fn whole_file(
    template: &BatchTemplate,
    results: Option<&[u8]>,
    ended: Outcome,
    parse: impl Fn(&[u8]) -> Result<Vec<batch::Reported>, String>,
    (what, placeholder): (&str, &str),
    where_: &str,
) -> Result<Vec<batch::Reported>> {
    match results {
        Some(bytes) => match parse(bytes) {
            Ok(reported) => Ok(reported),
            Err(_) if !ended.passed() => Ok(Vec::new()),
            Err(e) => Err(ConfigError::new(format!(
                "cannot read the {what} the batch command '{}' wrote: {e}",
                template.template
            ))
            .into()),
        },
        None if ended.passed() => Err(ConfigError::new(format!(
            "the batch command '{}' exited 0 but wrote no {what} at {placeholder}: put \
             {placeholder} {where_}",
            template.template
        ))
        .into()),
        None => Ok(Vec::new()),
    }
}

/// How to fork a batch from a server that loaded the suite once, when the run uses one.
/// Bug mode runs past the first failure, and iterations with `--keep-going` (their later
/// failures are recorded); every other sequence stops at its first.
fn fork_plan<'t>(
    config: &Config,
    names: &'t TestNames,
    template: &'t BatchTemplate,
    purpose: Purpose,
) -> Option<ForkPlan<'t>> {
    server_plan(
        config,
        template,
        (0..names.len()).map(|test| names.raw(test)).collect(),
        stops_at_failure(config, purpose),
    )
}

/// The plan of a server started before the tests are listed (see
/// [`Executor::prestart_fork_server`](crate::exec::Executor::prestart_fork_server)): no names,
/// so it collects what the runner's own configuration says, as the preset's listing does.
/// `None` when the run forks no batch, or lists its tests some other way.
pub fn early_fork_plan(config: &Config) -> Option<ForkPlan<'_>> {
    let Execution::Batch(template) = &config.execution else {
        return None;
    };
    let listed_by_the_runner = matches!(
        config.source,
        TestSource::PytestCollect(_) | TestSource::Rspec(_)
    );
    if !listed_by_the_runner || config.list_only || config.driving.is_some() {
        return None;
    }
    let mut plan = server_plan(config, template, Vec::new(), true)?;
    plan.lists = config.server_lists;
    Some(plan)
}

/// A fork server's plan: `tests`, every test the run may ask for (passed to the server so it
/// collects just those).
fn server_plan<'t>(
    config: &Config,
    template: &'t BatchTemplate,
    tests: Vec<&'t OsStr>,
    stop_at_failure: bool,
) -> Option<ForkPlan<'t>> {
    Some(ForkPlan {
        runner: config.fork_server?,
        script: &template.script,
        tests,
        // Collecting is not a test: a --timeout of seconds must not stop the server starting.
        startup: config.timeout.map_or(crate::suite::LIST_TIMEOUT, |t| {
            t.max(crate::suite::LIST_TIMEOUT)
        }),
        test_timeout: config.timeout,
        stop_at_failure,
        options_in_file: config.fork_server == Some(ForkRunner::Pytest)
            && !template.takes_names()
            && template.reads_args_file(),
        lists: false,
        prefault: config.fork_prefault,
    })
}
