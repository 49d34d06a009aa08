//! How the suite's tests are found and run: the `[suite]` keys and the flags that say it
//! (`tests`/`list`/`glob`, `run`/`batch`, `format`, `mode`), merged with what a `preset` fills
//! in, and the warnings for flags that cannot apply there. Pure: nothing is run or read.

use super::DEFAULT_CONFIG;
use super::file::FileSuite;
use crate::batch::Format;
use crate::cli::Cli;
use crate::error::ConfigError;
use crate::execution::{BatchTemplate, Execution, ForkRunner, RunMode, RunTemplate, TestSource};
use crate::preset::{Defaults, Preset};
use crate::shell;
use std::path::{Path, PathBuf};

/// Where the names come from and how the tests run.
pub(super) struct SuiteParts {
    pub preset: Option<Preset>,
    pub source: TestSource,
    pub execution: Execution,
    /// Batch mode with a runner that runs each test once per invocation however often it is
    /// named: its name.
    pub deduplicating_runner: Option<&'static str>,
    /// Batch mode with pytest, unless turned off: fork each sequence from a server that
    /// collected the suite once.
    pub fork_server: Option<ForkRunner>,
}

/// The suite from the flags and the file's `[suite]`; sentences for flags that cannot apply go
/// to `warnings`.
pub(super) fn resolve(
    cli: &Cli,
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    warnings: &mut Vec<String>,
) -> Result<SuiteParts, ConfigError> {
    let preset = cli.preset.or(suite.preset);
    let program = cli.program.clone().or(suite.program.clone());
    let defaults = match preset {
        Some(preset) => {
            let program = program
                .as_deref()
                .or(preset.default_program())
                .ok_or_else(|| {
                    ConfigError::new(format!(
                        "the {preset} preset needs the test binary: set [suite] program = \
                         \"build/unit_tests\" in smoke.toml, or pass --program PATH"
                    ))
                })?;
            Some((preset, preset.defaults(program)))
        }
        None => None,
    };
    let source = test_source(suite, config_file, cli, defaults.as_ref())?;
    let execution = execution(cli, suite, config_file, defaults.as_ref())?;
    let batch_mode = matches!(execution, Execution::Batch(_));
    if let Some(words) = &cli.program {
        let used = defaults.as_ref().is_some_and(|(_, d)| {
            d.source == source
                || match &execution {
                    Execution::PerTest(run) => *run == d.run,
                    Execution::Batch(b) => {
                        d.batch.as_ref().is_some_and(|x| x.template == b.template)
                    }
                }
        });
        match preset {
            None => warnings.push(format!(
                "--program '{words}' has no effect without a preset: pass --preset ({}) or put \
                 the program in the run or batch template",
                Preset::all_names()
            )),
            Some(preset) if !used => {
                let keys = explicit_keys(cli, suite, config_file);
                warnings.push(format!(
                    "--program '{words}' has no effect: {} replace{} everything the {preset} \
                     preset would fill in with it; change {} instead",
                    keys.join(" and "),
                    if keys.len() == 1 { "s" } else { "" },
                    if keys.len() == 1 { "it" } else { "them" },
                ));
            }
            Some(_) => {}
        }
    }
    if cli.format.is_some() && !batch_mode {
        warnings.push(
            "--format has no effect in per-test mode (each test's exit status is its \
             result); it applies to batch mode (--batch, --mode batch)"
                .to_string(),
        );
    }
    if cli.ignore_runner_exit && !batch_mode {
        warnings.push(
            "--ignore-runner-exit has no effect in per-test mode (a test's exit status is \
             its result); it applies to batch mode"
                .to_string(),
        );
    }
    let deduplicating_runner = match &execution {
        Execution::Batch(b) => deduplicating_runner(preset, &b.template),
        Execution::PerTest(_) => None,
    };
    let fork_wanted = !cli.no_fork_server && suite.fork_server != Some(false);
    let fork_server = match deduplicating_runner {
        Some("pytest") if fork_wanted => Some(ForkRunner::Pytest),
        _ => None,
    };
    if cli.no_fork_server && deduplicating_runner != Some("pytest") {
        warnings.push(
            "--no-fork-server has no effect: only batch mode with pytest forks its sequences \
             from a server"
                .to_string(),
        );
    }
    if suite.fork_server == Some(true) && fork_server.is_none() && !cli.no_fork_server {
        warnings.push(
            "[suite] fork-server = true has no effect: only batch mode with pytest (the \
             pytest preset, or a batch template that runs pytest) has a fork server"
                .to_string(),
        );
    }
    Ok(SuiteParts {
        preset,
        source,
        execution,
        deduplicating_runner,
        fork_server,
    })
}

/// The keys given that decide what a preset would fill in, as the user gave them (for the
/// message when `--program` cannot apply).
fn explicit_keys(cli: &Cli, suite: &FileSuite, config_file: &Option<PathBuf>) -> Vec<String> {
    let file = config_file
        .as_deref()
        .map_or(String::new(), |p| format!(" in '{}'", p.display()));
    let mut keys = Vec::new();
    for (key, flag, in_file) in [
        ("tests", false, suite.tests.is_some()),
        ("list", false, suite.list.is_some()),
        ("glob", false, suite.glob.is_some()),
        ("run", cli.run.is_some(), suite.run.is_some()),
        ("batch", cli.batch.is_some(), suite.batch.is_some()),
    ] {
        if flag {
            keys.push(format!("--{key}"));
        } else if in_file {
            keys.push(format!("[suite] {key}{file}"));
        }
    }
    keys
}

/// The runner of a batch that runs each test once per invocation however often it is named:
/// pytest and prove (by preset, or as the template's program).
fn deduplicating_runner(preset: Option<Preset>, template: &str) -> Option<&'static str> {
    match preset {
        Some(Preset::Pytest) => return Some("pytest"),
        Some(Preset::Prove) => return Some("prove"),
        _ => {}
    }
    let words: Vec<&str> = template.split_whitespace().collect();
    let runs = |program: &str| {
        words
            .iter()
            .any(|w| w.rsplit('/').next() == Some(program) || w.starts_with(&format!("{program}=")))
    };
    if runs("pytest") || runs("py.test") {
        Some("pytest")
    } else if runs("prove") {
        Some("prove")
    } else {
        None
    }
}

fn test_source(
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    cli: &Cli,
    defaults: Option<&(Preset, Defaults)>,
) -> Result<TestSource, ConfigError> {
    let Some(path) = config_file else {
        if let Some((_, defaults)) = defaults {
            return Ok(defaults.source.clone());
        }
        let how = cli.run.is_some() || cli.batch.is_some();
        return match (how, cli.tests.is_empty()) {
            (true, false) => Ok(TestSource::CommandLine),
            (true, true) => Err(ConfigError::new(
                "no tests: with --run and no smoke.toml, give the test names after the options, \
                 e.g. smoke --run 'sh {test}' t/a.sh t/b.sh",
            )),
            (false, _) => Err(ConfigError::new(format!(
                "no smoke.toml here and no --run or --preset: write a smoke.toml (see the \
                 README), pass --config FILE, pass --preset ({}), or pass --run 'COMMAND \
                 {{test}}' followed by test names",
                Preset::all_names()
            ))),
        };
    };
    let mut given = Vec::new();
    if let Some(tests) = &suite.tests {
        given.push(("tests", TestSource::Listed(tests.clone())));
    }
    if let Some(list) = &suite.list {
        given.push(("list", TestSource::ListCommand(list.clone())));
    }
    if let Some(glob) = &suite.glob {
        given.push(("glob", TestSource::Glob(glob.clone())));
    }
    match given.len() {
        1 => Ok(given.remove(0).1),
        0 if defaults.is_some() => Ok(defaults.expect("checked").1.source.clone()),
        0 => Err(ConfigError::new(format!(
            "no tests in '{}': set exactly one of [suite] tests, list or glob",
            path.display()
        ))),
        _ => Err(ConfigError::new(format!(
            "[suite] in '{}' sets {}: keep exactly one of tests, list and glob",
            path.display(),
            given.iter().map(|g| g.0).collect::<Vec<_>>().join(" and ")
        ))),
    }
}

/// Per-test or batch, from the explicit keys first, then the preset's. An explicit `batch`
/// means batch mode and an explicit `run` per-test mode, unless `mode` says otherwise.
fn execution(
    cli: &Cli,
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    defaults: Option<&(Preset, Defaults)>,
) -> Result<Execution, ConfigError> {
    let file_name = config_file
        .as_deref()
        .unwrap_or(Path::new(DEFAULT_CONFIG))
        .display()
        .to_string();
    let explicit_run = cli.run.clone().or(suite.run.clone());
    let explicit_batch = cli.batch.clone().or(suite.batch.clone());
    let preset = defaults.map(|d| d.0);
    let mode =
        cli.mode
            .or(suite.mode)
            .unwrap_or(match (&explicit_batch, &explicit_run, defaults) {
                (Some(_), _, _) => RunMode::Batch,
                (None, Some(_), _) => RunMode::PerTest,
                (None, None, Some((_, d))) if d.batch_by_default => RunMode::Batch,
                _ => RunMode::PerTest,
            });
    match mode {
        RunMode::PerTest => {
            if let Some(template) = explicit_run {
                let script = shell::test_script(&template).ok_or_else(|| {
                    ConfigError::new(format!(
                        "the run template '{template}' has no {{test}}: put {{test}} where the \
                         test's name goes, e.g. 'sh {{test}}'"
                    ))
                })?;
                return Ok(Execution::PerTest(RunTemplate { template, script }));
            }
            match defaults {
                Some((_, d)) => Ok(Execution::PerTest(d.run.clone())),
                None => Err(ConfigError::new(format!(
                    "no run command: set [suite] run = \"sh {{test}}\" in '{file_name}', or pass \
                     --run 'COMMAND {{test}}'"
                ))),
            }
        }
        RunMode::Batch => {
            let preset_batch = defaults.and_then(|d| d.1.batch.clone());
            let (template, preset_format) = match (explicit_batch, preset_batch) {
                (Some(t), _) => (t, None),
                (None, Some(b)) => (b.template, Some(b.format)),
                (None, None) => {
                    let why = match preset {
                        Some(p) => format!(" ({p}: {})", p.no_batch_reason()),
                        None => String::new(),
                    };
                    return Err(ConfigError::new(format!(
                        "batch mode needs a batch command{why}: set [suite] batch = \
                         \"runner --junit={{junit}} {{tests}}\" in '{file_name}', pass --batch, \
                         or use per-test mode (--mode per-test)"
                    )));
                }
            };
            let (script, has_junit) = shell::batch_script(&template).ok_or_else(|| {
                ConfigError::new(format!(
                    "the batch template '{template}' has no {{tests}}: put {{tests}} where the \
                     runner takes the test names, e.g. 'prove -v {{tests}}'"
                ))
            })?;
            let format = cli
                .format
                .or(suite.format)
                .or(preset_format)
                .unwrap_or(if has_junit {
                    Format::Junit
                } else {
                    Format::Tap
                });
            if format == Format::Junit && !has_junit {
                return Err(ConfigError::new(format!(
                    "the batch template '{template}' has no {{junit}}, but the format is junit: \
                     put {{junit}} where the runner takes its JUnit XML path (e.g. \
                     --junitxml={{junit}}), or set format = \"tap\" for TAP on stdout"
                )));
            }
            Ok(Execution::Batch(BatchTemplate {
                template,
                script,
                format,
            }))
        }
    }
}
