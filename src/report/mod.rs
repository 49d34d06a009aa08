//! What the runner tells the world: [`Event`]s, and the [`Reporter`]s that consume them.
//!
//! The runner never prints or writes files; it emits events. `console` turns them into lines and
//! progress bars, `record` folds them into the report model (pure), `render` turns that model
//! into text and JSON (pure), `html` into a self-contained HTML page (pure), `export` writes them
//! after every unit of work, `junit` writes the findings as JUnit XML, and `build` collects the
//! build parameters. The reports about other reports are modelled here too, pure: `replay`
//! (the verdicts and the replay report), `diagnosis` (`smoke diagnose`'s report) and `merge`
//! (the shards' reports of one run merged into the run's).

pub mod build;
pub mod console;
pub mod diagnosis;
pub mod export;
pub mod html;
pub mod junit;
pub mod merge;
pub mod record;
pub mod render;
pub mod replay;

use crate::model::{Classification, Hook, Order, Outcome};
use crate::reduce::{Rate, Reduction};
use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

/// Which kind of run this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Iterations of the chosen order, shrinking failures.
    Smoke,
    /// `--bug-mode`: each test once, not stopping at failures.
    BugMode,
}

/// Why a sequence runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// An iteration's sequence.
    Iteration,
    /// A shrink candidate.
    Candidate,
    /// The verbose rerun of a minimal sequence, logged in full: the first run of its
    /// confirmation when it has one, else a run of its own after the checks.
    Rerun,
    /// A test that fails alone, run again where it first passed: does state survive setup?
    Check,
    /// A shrink's result run again before it is called verified: the minimal sequence, or it
    /// without one test (the first run of the minimal sequence is the [`Purpose::Rerun`]).
    Confirm,
    /// A recorded sequence run again by `smoke replay`.
    Replay,
    /// The bug-mode pass over the suite.
    BugMode,
}

/// How an iteration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IterationStatus {
    /// Every test passed.
    Passed,
    /// A test failed (and was shrunk).
    Failed,
    /// A test failed, but its output does not match `--match`: not shrunk.
    Unmatched,
    /// Setup or teardown failed: the iteration was abandoned.
    HookFailed(Hook),
    /// Stopped by a signal.
    Interrupted,
    /// The driver said `stop` with no test failed: the run ends after it.
    Stopped,
    /// The outside driver failed (crashed, said something smoke cannot read, went silent):
    /// the run stopped there.
    DriverFailed,
}

impl std::fmt::Display for IterationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IterationStatus::Passed => f.write_str("passed"),
            IterationStatus::Failed => f.write_str("failed"),
            IterationStatus::Unmatched => f.write_str("failed, output does not match --match"),
            IterationStatus::HookFailed(hook) => write!(f, "{hook} failed, abandoned"),
            IterationStatus::Interrupted => f.write_str("interrupted"),
            IterationStatus::Stopped => f.write_str("passed, then the controller said stop"),
            IterationStatus::DriverFailed => f.write_str("controller failed, run stopped"),
        }
    }
}

/// Something that happened during a run.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// The run starts.
    RunStarted {
        mode: Mode,
        tests: usize,
        order: Order,
        times: u32,
        iterations: u32,
        seed: u64,
        /// Given rather than drawn: a drawn seed means nothing to a fixed order.
        seed_given: bool,
        /// Workers running sequences side by side (`--jobs`).
        jobs: usize,
    },
    /// An iteration starts.
    IterationStarted {
        index: u32,
        seed: u64,
        length: usize,
    },
    /// A sequence starts (setup comes first). `batch`: its tests run as one command, whose
    /// results come all at once at the end.
    SequenceStarted {
        purpose: Purpose,
        length: usize,
        batch: bool,
    },
    /// A test starts, on worker `worker` (1-based).
    TestStarted {
        worker: usize,
        test: &'a str,
        position: usize,
        length: usize,
    },
    /// A test ended.
    TestFinished {
        purpose: Purpose,
        test: &'a str,
        position: usize,
        length: usize,
        outcome: Outcome,
        duration: Duration,
        output: &'a [u8],
    },
    /// A test was running when a signal stopped the run (its process group was killed).
    TestInterrupted {
        purpose: Purpose,
        test: &'a str,
        duration: Duration,
    },
    /// Setup or teardown failed (or a batch runner, see [`Hook::Batch`]), in a sequence of
    /// iteration `iteration` (`None`: bug mode).
    HookFailed {
        hook: Hook,
        iteration: Option<u32>,
        command: &'a str,
        outcome: Outcome,
        output: &'a [u8],
    },
    /// Something the user should know that happened while running (the report's `warnings`):
    /// the fork server could not be used, for example.
    Warning { text: &'a str },
    /// An iteration ended.
    IterationFinished {
        index: u32,
        seed: u64,
        length: usize,
        executed: usize,
        failed: Option<(&'a str, Outcome)>,
        status: IterationStatus,
        /// The end of the failing test's output when it is not shrunk (`--match` did not
        /// match), so the user can see why.
        output: Option<&'a [u8]>,
        /// How long its sequence took: setup, the tests, teardown.
        duration: Duration,
        /// A driven iteration: the tests its driver chose, in the order they ran.
        driven: Option<Vec<String>>,
    },
    /// A failure was found. `id` names it in the events about it that follow (several
    /// failures can be handled at once).
    FailureFound {
        id: usize,
        iteration: u32,
        seed: u64,
        test: &'a str,
        outcome: Outcome,
        original: Vec<String>,
        /// The end of the failing test's output, and how many bytes before it were not kept.
        output: &'a [u8],
        dropped: u64,
    },
    /// A shrink step found a shorter failing sequence for failure `id`.
    Reduced {
        id: usize,
        reduction: Reduction,
        sequence: Vec<String>,
    },
    /// Failure `id` was shrunk, and is a new one.
    FailureShrunk {
        id: usize,
        /// The failure (its id) whose polluters make this one fail too, when trying them
        /// first reproduced it.
        same_cause: Option<usize>,
        classification: Option<Classification>,
        minimal: Vec<String>,
        tries: usize,
        executions: u64,
        /// Finished, and seen to fail with every single removal seen to pass.
        proven: bool,
        reproduced: Rate,
        stopped_by: Option<String>,
        replay: String,
        log: Option<PathBuf>,
        rerun: Option<Outcome>,
        /// What the result suggests beyond its classification (a runner that cannot be found,
        /// state that survives setup).
        hint: Option<String>,
        /// The runs that confirmed (or measured) the result after its shrink.
        confirmation: Confirmation,
    },
    /// The state probes watched failure `id`'s verbose rerun: what each test changed. Comes
    /// just before its [`Event::FailureShrunk`].
    StateProbed {
        id: usize,
        probe: &'a crate::probe::ProbeRecord,
    },
    /// smoke's helper inside the runner watched failure `id`'s verbose rerun: what each test
    /// changed in the runner's process. Comes just before its [`Event::FailureShrunk`].
    StateInside {
        id: usize,
        state: &'a crate::probe::state::StateDiff,
    },
    /// The failure is one found before (its prefix holds that minimal sequence, or shrinking led
    /// to it again): counted, not listed again.
    FailureRepeated {
        /// This failure, whose record goes.
        id: usize,
        /// The earlier failure it is (its id).
        of: usize,
        iteration: u32,
        tries: usize,
        executions: u64,
        /// Why it is that one again.
        again: Again,
    },
    /// Failure `id`'s verbose rerun ended before its report, as the first run of its
    /// confirmation: its log at `log` is complete, and is named when the failure is reported
    /// ([`Event::FailureShrunk`]). Said so that the report's writer holds on to the log while
    /// the confirmation's later runs go on (a test may remove the report folder).
    LogFinished { id: usize, log: &'a std::path::Path },
    /// The run ended. `interrupted` holds the signal that stopped it.
    RunFinished { interrupted: Option<i32> },
}

/// Consumes events. An `Err` stops the run (e.g. the report can no longer be written).
pub trait Reporter {
    /// Handle one event.
    fn handle(&mut self, event: &Event) -> anyhow::Result<()>;
}

/// Hands each event to several reporters in turn.
pub struct Fanout<'a>(pub Vec<&'a mut dyn Reporter>);

impl Reporter for Fanout<'_> {
    fn handle(&mut self, event: &Event) -> anyhow::Result<()> {
        for reporter in &mut self.0 {
            reporter.handle(event)?;
        }
        Ok(())
    }
}

/// What a redacted value is shown as.
pub const REDACTED: &str = "<redacted>";

/// Hides the values of secret-looking environment variables (names holding TOKEN, SECRET,
/// PASSWORD or KEY) wherever reports and the console show text: test and hook output, build
/// command output. Values shorter than 4 characters are left alone (too common to hide).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Longest first, so that a value containing another is hidden whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// Whether a variable's name says its value is a secret.
    pub fn looks_secret(name: &str) -> bool {
        let name = name.to_ascii_uppercase();
        ["TOKEN", "SECRET", "PASSWORD", "KEY"]
            .iter()
            .any(|word| name.contains(word))
    }

    /// From `(name, value)` pairs: the values of the secret-looking names.
    pub fn new<N: AsRef<str>, V: AsRef<str>>(vars: impl IntoIterator<Item = (N, V)>) -> Self {
        let mut secrets: Vec<String> = vars
            .into_iter()
            .filter(|(name, value)| {
                Self::looks_secret(name.as_ref()) && value.as_ref().chars().count() >= 4
            })
            .map(|(_, value)| value.as_ref().to_string())
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn apply(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }

    /// A variable's value as a report may show it.
    pub fn value(&self, name: &str, value: &str) -> String {
        if Self::looks_secret(name) {
            REDACTED.to_string()
        } else {
            self.apply(value)
        }
    }
}

/// `text` safe for a terminal and a text report: control characters (escape sequences that would
/// clear the screen or retitle the terminal, carriage returns that overwrite a line, bells) are
/// shown as escapes (`\x1b`, `\r`, `\u{9b}`); newlines and tabs are kept.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\n' || c == '\t')
}

/// `text` as one line for a terminal or a text report: like [`printable`], and newlines and tabs
/// are escaped too, so a name or a command cannot break a report's layout.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| false)
}

fn escape_controls(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !c.is_control() || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Output bytes as text for people: invalid UTF-8 shown lossily.
pub fn lossy(output: &[u8]) -> String {
    String::from_utf8_lossy(output).into_owned()
}

/// The last `max_lines` lines of `output`, each indented as `    | line`, with a first line
/// saying how many earlier lines are left out and `where_rest` they can be found. Every line
/// ends with a newline; empty output gives an empty string.
pub fn quote_tail(output: &str, max_lines: usize, where_rest: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let skip = lines.len().saturating_sub(max_lines);
    let mut block = String::new();
    if skip > 0 {
        block.push_str(&format!("    | ... ({skip} earlier lines {where_rest})\n"));
    }
    for line in &lines[skip..] {
        block.push_str(&format!("    | {line}\n"));
    }
    block
}

/// How far a shrink result can be trusted, in the same words in the console and the report.
#[derive(Clone, Copy, Debug)]
pub struct Proof<'a> {
    pub classification: Option<Classification>,
    pub stopped_by: Option<&'a str>,
    /// Finished, and seen to fail with every single removal seen to pass.
    pub proven: bool,
    pub reproduced: Rate,
    pub tries: usize,
    pub executions: u64,
    /// The runs that confirmed it after the shrink.
    pub confirmation: Option<Confirmation>,
}

impl<'a> Proof<'a> {
    /// The proof of a recorded failure.
    pub fn of(f: &'a record::FailureRecord) -> Self {
        Proof {
            classification: f.classification,
            stopped_by: f.stopped_by.as_deref(),
            proven: f.proven_minimal,
            reproduced: f.reproduced,
            tries: f.tries,
            executions: f.shrink_executions,
            confirmation: f.confirmation,
        }
    }
}

impl std::fmt::Display for Proof<'_> {
    /// A failure that never came back is never called minimal: it was not reduced at all. Nor is
    /// one that fails alone because state from an earlier sequence survived setup.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cost = format!(
            "{} candidate runs, {} test executions",
            self.tries, self.executions
        );
        let rate = format!(
            "failed {} of {} runs",
            self.reproduced.failed, self.reproduced.runs
        );
        let flaky = self.classification == Some(Classification::Flaky);
        let flaky_rate = if flaky {
            format!("; flaky: {rate}")
        } else {
            String::new()
        };
        match (self.stopped_by, self.proven) {
            (Some(why), _) => write!(
                f,
                "not proven minimal: shrinking stopped ({why}){flaky_rate}; {cost}"
            ),
            _ if self.classification == Some(Classification::LeftoverState) => write!(
                f,
                "not verified: it fails alone now, but state left by an earlier sequence \
                 survives setup (see the hint); {cost}"
            ),
            // A flaky result is never verified, whatever its shrink proved.
            (None, _) if flaky && self.reproduced.failed > 1 => write!(
                f,
                "not verified: it did not fail every time it ran again ({rate}); {cost}"
            ),
            (None, true) => {
                let confirmed = match self.confirmation {
                    Some(c) if c.runs > 0 => format!(
                        ", as {} more runs confirmed{}{}",
                        c.runs,
                        if c.alone { " on one worker alone" } else { "" },
                        if c.verbose_rerun {
                            ", the verbose rerun among them"
                        } else {
                            ""
                        }
                    ),
                    _ => String::new(),
                };
                write!(
                    f,
                    "1-minimal, verified: it fails, and passes with any one test \
                     dropped{confirmed}{flaky_rate}; {cost}"
                )
            }
            (None, false) if flaky => {
                write!(
                    f,
                    "not reduced: the failure did not come back while shrinking ({rate}); {cost}"
                )
            }
            (None, false) => write!(f, "not proven minimal; {cost}"),
        }
    }
}

/// Why a failure counts as an earlier one again, not shrunk or not reported on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Again {
    /// Its failing run holds that one's minimal sequence (`tries` 0), or its shrink came to
    /// the same one.
    Sequence,
    /// That one's test is flaky: any failure of it the same way is that one.
    Flaky,
    /// Its test already fails after [`MANY_POLLUTERS`] different polluters: they are
    /// interchangeable (a fixture, a module they all import), and shrinking each further one
    /// would spend the run on one victim.
    ManyPolluters,
}

/// Different polluters of one victim after which its further failures count as that group
/// again, not shrunk.
pub const MANY_POLLUTERS: usize = 3;

/// The runs that confirmed a shrink's result before it was called verified (see
/// `reduce::confirm`), or measured the rate of one that did not hold up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Confirmation {
    /// Sequence runs: the minimal sequence again, and each single removal.
    pub runs: usize,
    /// Tests those runs executed.
    pub executions: u64,
    /// They ran on one worker with nothing beside it (several workers were running).
    #[serde(default)]
    pub alone: bool,
    /// The first of them was the verbose rerun (its log and `rerun` outcome are that run's): it
    /// is one of `runs`, not a run beside them.
    #[serde(default)]
    pub verbose_rerun: bool,
}

/// What the minimal sequence is called: `minimal` only once proven, else the shortest sequence
/// seen to fail so far.
pub fn minimal_label(proven: bool) -> &'static str {
    if proven {
        "minimal"
    } else {
        "shortest failing"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_line_never_calls_a_flaky_or_stopped_result_minimal() {
        let proof = |classification, stopped_by, proven, failed, runs| {
            Proof {
                classification,
                stopped_by,
                proven,
                reproduced: Rate { failed, runs },
                tries: 7,
                executions: 40,
                confirmation: None,
            }
            .to_string()
        };
        let flaky = Some(Classification::Flaky);
        let ordered = Some(Classification::OrderDependent);
        assert_eq!(
            proof(ordered, None, true, 4, 4),
            "1-minimal, verified: it fails, and passes with any one test dropped; \
             7 candidate runs, 40 test executions"
        );
        assert_eq!(
            proof(flaky, None, false, 1, 3),
            "not reduced: the failure did not come back while shrinking (failed 1 of 3 runs); 7 \
             candidate runs, 40 test executions"
        );
        assert_eq!(
            proof(Some(Classification::LeftoverState), None, false, 2, 2),
            "not verified: it fails alone now, but state left by an earlier sequence survives \
             setup (see the hint); 7 candidate runs, 40 test executions"
        );
        // Flaky is never verified, even when the shrink proved its sequence 1-minimal.
        for proven in [true, false] {
            assert_eq!(
                proof(flaky, None, proven, 3, 5),
                "not verified: it did not fail every time it ran again (failed 3 of 5 runs); 7 \
                 candidate runs, 40 test executions"
            );
        }
        assert_eq!(
            proof(ordered, Some("interrupted"), false, 2, 2),
            "not proven minimal: shrinking stopped (interrupted); 7 candidate runs, 40 test \
             executions"
        );
        assert_eq!(
            proof(None, None, false, 1, 1),
            "not proven minimal; 7 candidate runs, 40 test executions"
        );
    }

    #[test]
    fn the_proof_line_says_how_many_runs_confirmed_and_that_the_verbose_rerun_was_one() {
        let proof = |confirmation| {
            Proof {
                classification: Some(Classification::OrderDependent),
                stopped_by: None,
                proven: true,
                reproduced: Rate { failed: 6, runs: 6 },
                tries: 7,
                executions: 40,
                confirmation: Some(confirmation),
            }
            .to_string()
        };
        let among = Confirmation {
            runs: 6,
            executions: 10,
            alone: false,
            verbose_rerun: true,
        };
        assert_eq!(
            proof(among),
            "1-minimal, verified: it fails, and passes with any one test dropped, as 6 more runs \
             confirmed, the verbose rerun among them; 7 candidate runs, 40 test executions"
        );
        assert_eq!(
            proof(Confirmation {
                alone: true,
                ..among
            }),
            "1-minimal, verified: it fails, and passes with any one test dropped, as 6 more runs \
             confirmed on one worker alone, the verbose rerun among them; 7 candidate runs, 40 \
             test executions"
        );
        assert_eq!(
            proof(Confirmation {
                verbose_rerun: false,
                ..among
            }),
            "1-minimal, verified: it fails, and passes with any one test dropped, as 6 more runs \
             confirmed; 7 candidate runs, 40 test executions"
        );
    }

    #[test]
    fn secret_looking_values_are_hidden_wherever_they_appear() {
        let r = Redactor::new([
            ("API_TOKEN", "tok-123456"),
            ("db_password", "hunter22"),
            ("SSH_KEY_PATH", "abc"),
            ("HOME", "/home/me"),
            ("SECRET_PREFIX", "tok-123"),
        ]);
        assert_eq!(
            r.apply("token=tok-123456 pw=hunter22 home=/home/me k=abc"),
            "token=<redacted> pw=<redacted> home=/home/me k=abc"
        );
        assert_eq!(r.apply("x tok-123 y"), "x <redacted> y");
        assert_eq!(r.value("MY_SECRET", "anything"), "<redacted>");
        assert_eq!(
            r.value("PLAIN", "has hunter22 in it"),
            "has <redacted> in it"
        );
        assert!(!Redactor::looks_secret("PATH"));
        assert!(Redactor::looks_secret("aws_secret_access_key"));
    }

    #[test]
    fn control_characters_never_reach_a_terminal_or_a_text_report() {
        let hostile = "a\x1b[2J\x1b]0;title\x07 b\r\u{9b}c\td\ne";
        assert_eq!(
            printable(hostile),
            "a\\x1b[2J\\x1b]0;title\\x07 b\\r\\u{9b}c\td\ne"
        );
        assert_eq!(
            one_line(hostile),
            "a\\x1b[2J\\x1b]0;title\\x07 b\\r\\u{9b}c\\td\\ne"
        );
        assert!(matches!(printable("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(one_line("grün ✓"), "grün ✓");
    }

    #[test]
    fn a_long_output_is_cut_to_its_last_lines_and_says_so() {
        assert_eq!(quote_tail("", 2, "x"), "");
        assert_eq!(quote_tail("a\nb\n", 2, "x"), "    | a\n    | b\n");
        assert_eq!(
            quote_tail("a\nb\nc\n", 2, "in the report"),
            "    | ... (1 earlier lines in the report)\n    | b\n    | c\n"
        );
    }
}
