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
    /// The command runs pytest: the pytest preset's own (batch or per-test), or a template
    /// naming pytest (a template of the user's beside the preset may run anything).
    pub runs_pytest: bool,
    /// The fork server collects exactly what the listing collects (see [`Config::server_lists`]).
    ///
    /// [`Config::server_lists`]: super::Config::server_lists
    pub server_lists: bool,
}

/// The suite (in the folder `dir`) from the flags and the file's `[suite]`; sentences for
/// flags that cannot apply go to `warnings`.
pub(super) fn resolve(
    cli: &Cli,
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    dir: &Path,
    machine: &super::Machine,
    warnings: &mut Vec<String>,
) -> Result<SuiteParts, ConfigError> {
    let preset = cli.preset.or(suite.preset);
    let program = cli.program.clone().or(suite.program.clone());
    let program = program.or_else(|| pytest_program(preset, dir, machine, warnings));
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
    let runs_pytest = match &execution {
        Execution::Batch(b) => {
            let preset_batch = defaults
                .as_ref()
                .filter(|(p, _)| *p == Preset::Pytest)
                .and_then(|(_, d)| d.batch.as_ref());
            preset_batch.is_some_and(|d| d.template == b.template)
                || self::deduplicating_runner(None, &b.template) == Some("pytest")
        }
        Execution::PerTest(run) => {
            defaults
                .as_ref()
                .is_some_and(|(p, d)| *p == Preset::Pytest && d.run == *run)
                || self::deduplicating_runner(None, &run.template) == Some("pytest")
        }
    };
    let fork_wanted = !cli.no_fork_server && suite.fork_server != Some(false);
    // The server's options go where {tests} is, or in the file pytest reads as its arguments.
    let takes_options = match &execution {
        Execution::Batch(b) => b.takes_names() || (runs_pytest && b.reads_args_file()),
        Execution::PerTest(_) => false,
    };
    let runner = match deduplicating_runner {
        Some("pytest") if runs_pytest => Some(ForkRunner::Pytest),
        Some("rspec") => Some(ForkRunner::Rspec),
        _ => None,
    };
    let fork_server = match runner {
        Some(runner) if fork_wanted && !takes_options => {
            let place = match runner {
                ForkRunner::Pytest => "{tests} or @{tests-file}",
                _ => "{tests}",
            };
            warnings.push(format!(
                "the batch template '{}' has no {place}, so smoke cannot hand {runner} its \
                 options: no fork server, no early stop, and a crash abandons the sequence; put \
                 {place} where {runner} takes its arguments",
                execution.template()
            ));
            None
        }
        runner => runner.filter(|_| fork_wanted),
    };
    if cli.no_fork_server && runner.is_none() {
        warnings.push(
            "--no-fork-server has no effect: only batch mode with pytest or rspec forks its \
             sequences from a server"
                .to_string(),
        );
    }
    if suite.fork_server == Some(true) && fork_server.is_none() && !cli.no_fork_server {
        warnings.push(
            "[suite] fork-server = true has no effect: only batch mode with pytest or rspec \
             (their presets, or a batch template that runs them) has a fork server"
                .to_string(),
        );
    }
    // The pytest preset's own listing and batch command load the same suite with the same
    // options (the project's configuration, no names): the server's collection is the listing.
    let server_lists = fork_server == Some(ForkRunner::Pytest)
        && defaults.as_ref().is_some_and(|(p, d)| {
            *p == Preset::Pytest
                && d.source == source
                && matches!((&d.batch, &execution), (Some(d), Execution::Batch(b)) if d.template == b.template)
        });
    Ok(SuiteParts {
        preset,
        source,
        execution,
        deduplicating_runner,
        fork_server,
        runs_pytest,
        server_lists,
    })
}

/// The pytest preset with no program named, when `pytest` on `PATH` is not the one to run:
/// 1. smoke was installed in a virtualenv that has pytest and is not activated (a wheel's
///    `venv/bin/smoke`, run by its path): that virtualenv's pytest, the environment smoke was
///    started from (a warning says so when `PATH` has another pytest);
/// 2. `pytest` is not on `PATH`: the suite's virtualenv, not activated (`.venv/bin/python`,
///    else `venv/bin/python`, in `dir`), which runs pytest as `python -m pytest`.
fn pytest_program(
    preset: Option<Preset>,
    dir: &Path,
    machine: &super::Machine,
    warnings: &mut Vec<String>,
) -> Option<String> {
    if preset != Some(Preset::Pytest) {
        return None;
    }
    if let Some(pytest) = &machine.own_pytest {
        let program = shell::quote(&pytest.to_string_lossy()).into_owned();
        if (machine.on_path)("pytest") {
            warnings.push(format!(
                "smoke was installed in a virtualenv that is not activated, so the pytest \
                 preset runs its pytest, {program}, not the pytest on PATH (activate a \
                 virtualenv, or pass --program, to run another)"
            ));
        }
        return Some(program);
    }
    if (machine.on_path)("pytest") {
        return None;
    }
    let python = [".venv", "venv"]
        .iter()
        .map(|venv| dir.join(venv).join("bin").join("python"))
        .find(|python| (machine.executable)(python))?;
    let program = format!("{} -m pytest", shell::quote(&python.to_string_lossy()));
    warnings.push(format!(
        "pytest is not on PATH, so the pytest preset runs the suite's virtualenv: {program} \
         (activate the virtualenv, or pass --program, to run another)"
    ));
    Some(program)
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
/// pytest, prove and rspec (by preset, or as the template's program). jest runs a file as often
/// as it is named (smoke's sequencer hands it each time).
fn deduplicating_runner(preset: Option<Preset>, template: &str) -> Option<&'static str> {
    match preset {
        Some(Preset::Pytest) => return Some("pytest"),
        Some(Preset::Prove) => return Some("prove"),
        Some(Preset::Rspec) => return Some("rspec"),
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
    } else if runs("rspec") {
        Some("rspec")
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
                "no smoke.toml here and no --run or --preset: write a smoke.toml (see \
                 docs/guide.md), pass --config FILE, pass --preset ({}), or pass --run 'COMMAND \
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
                     runner takes the test names, e.g. 'prove -v {{tests}}' (or {{tests-file}} \
                     where it takes a file of names, one per line)"
                ))
            })?;
            let format = cli
                .format
                .or(suite.format)
                .or(preset_format)
                .unwrap_or(if has_junit {
                    Format::Junit
                } else if template.contains(shell::JSON_PLACEHOLDER) {
                    Format::Json
                } else {
                    Format::Tap
                });
            if format == Format::Json && !template.contains(shell::JSON_PLACEHOLDER) {
                return Err(ConfigError::new(format!(
                    "the batch template '{template}' has no {{json}}, but the format is json: \
                     put {{json}} where the runner takes its JSON results path (rspec: \
                     --format json --out {{json}}; jest: --json --outputFile={{json}})"
                )));
            }
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

/// The state probes from the flags (which replace the file's keys) and `[suite] probe`,
/// `probe-ignore`, `probe-files`, validated; `timeout` is the suite's, if set.
pub(super) fn probes(
    cli: &crate::cli::ProbeArgs,
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    timeout: Option<std::time::Duration>,
    warnings: &mut Vec<String>,
) -> Result<crate::probe::Probes, ConfigError> {
    let in_file = |key: &str| match config_file {
        Some(path) => format!("[suite] {key} in '{}'", path.display()),
        None => format!("[suite] {key}"),
    };
    let (command, command_from) = match (&cli.probe, &suite.probe) {
        (Some(c), _) => (Some(c.clone()), "--probe".to_string()),
        (None, Some(c)) => (Some(c.clone()), in_file("probe")),
        (None, None) => (None, String::new()),
    };
    if command.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(ConfigError::new(format!(
            "{command_from} is empty: give a command that prints the state the tests share, \
             e.g. probe = \"ls -la state\", or leave it out"
        )));
    }
    // A list given as flags replaces the file's key; each comes with where it came from.
    let list = |given: &[String], filed: &Option<Vec<String>>, key: &str| {
        if given.is_empty() {
            (filed.clone().unwrap_or_default(), in_file(key))
        } else {
            (given.to_vec(), format!("--{key}"))
        }
    };
    let (ignore, ignore_from) = list(&cli.probe_ignore, &suite.probe_ignore, "probe-ignore");
    let ignore = ignore
        .iter()
        .map(|pattern| {
            regex::Regex::new(pattern).map_err(|e| {
                ConfigError::new(format!(
                    "invalid {ignore_from} '{pattern}': {e} (each is a regular expression for \
                     lines to drop, e.g. '^\\d{{4}}-\\d{{2}}-\\d{{2}}' for a leading date)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !ignore.is_empty() && command.is_none() {
        warnings.push(format!(
            "{ignore_from} has no effect without a probe command: it drops lines of the \
             probe's output (set [suite] probe or pass --probe)"
        ));
    }
    let (files, files_from) = list(&cli.probe_files, &suite.probe_files, "probe-files");
    for path in &files {
        if path.trim().is_empty() || path.contains('\0') {
            return Err(ConfigError::new(format!(
                "invalid {files_from} '{}': name a folder or file to watch, relative to the \
                 folder the tests run in, e.g. \"state\" or \".\"",
                path.escape_debug()
            )));
        }
    }
    let (state_ignore, state_ignore_from) =
        list(&cli.state_ignore, &suite.state_ignore, "state-ignore");
    let state_ignore = state_ignore
        .iter()
        .map(|pattern| {
            glob::Pattern::new(pattern.trim_end_matches('/')).map_err(|e| {
                ConfigError::new(format!(
                    "invalid {state_ignore_from} '{pattern}': {e} (each is a glob relative to \
                     the suite folder, e.g. \"log/*.log\")"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::probe::Probes {
        command,
        ignore,
        files,
        timeout: timeout.unwrap_or(crate::probe::DEFAULT_TIMEOUT),
        state_ignore,
        inside: !cli.no_state_diff && suite.state_diff != Some(false),
    })
}
