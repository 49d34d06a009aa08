//! The suite's test names: resolving `tests` / `list` / `glob` (the `list` command and the glob
//! are I/O, at the edge), and selecting the tests named on the command line (pure).

use crate::config::{Config, TestSource};
use crate::error::ConfigError;
use crate::exec;
use crate::model::{Outcome, TestId, TestNames};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

/// The limit for the `list` command when no `timeout` is set.
const LIST_TIMEOUT: Duration = Duration::from_secs(300);

/// The names of every test in the suite, in its usual order. Names from the `list` command and
/// the glob are kept byte for byte, whether or not they are UTF-8.
pub fn resolve(config: &Config) -> anyhow::Result<TestNames> {
    let names: Vec<OsString> = match &config.source {
        TestSource::Listed(names) => names.iter().map(OsString::from).collect(),
        TestSource::CommandLine => {
            let mut names: Vec<OsString> = Vec::new();
            for name in &config.selected {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            names
        }
        TestSource::ListCommand(command) => {
            let timeout = config.timeout.unwrap_or(LIST_TIMEOUT);
            let got = exec::capture(
                &[exec::SHELL, "-c", command],
                &config.dir,
                &config.env,
                timeout,
            )?;
            if got.outcome != Outcome::Pass {
                let stderr = String::from_utf8_lossy(&got.stderr);
                return Err(ConfigError::new(format!(
                    "the list command '{command}' failed ({}){}{}",
                    got.outcome,
                    if stderr.trim().is_empty() { "" } else { ": " },
                    stderr.trim()
                ))
                .into());
            }
            got.stdout
                .split(|&b| b == b'\n')
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .filter(|line| !line.trim_ascii().is_empty())
                .map(|line| OsString::from_vec(line.to_vec()))
                .collect()
        }
        TestSource::Glob(pattern) => glob_names(config, pattern)?,
    };
    if names.is_empty() {
        let why = match &config.source {
            TestSource::Listed(_) => "[suite] tests is an empty list".to_string(),
            TestSource::ListCommand(c) => format!("the list command '{c}' printed no names"),
            TestSource::Glob(p) => format!(
                "no file matches the glob '{p}' in '{}'",
                config.dir.display()
            ),
            TestSource::CommandLine => "no test names were given".to_string(),
        };
        return Err(ConfigError::new(format!("the suite is empty: {why}")).into());
    }
    Ok(TestNames::new(names))
}

fn glob_names(config: &Config, pattern: &str) -> anyhow::Result<Vec<OsString>> {
    let full = config.dir.join(pattern);
    let full = full.to_string_lossy();
    let paths = glob::glob(&full)
        .map_err(|e| ConfigError::new(format!("invalid glob '{pattern}': {e}")))?;
    let mut names = Vec::new();
    for path in paths {
        let path = path?;
        if path.is_dir() {
            continue;
        }
        let relative = path.strip_prefix(&config.dir).unwrap_or(&path);
        names.push(relative.as_os_str().to_owned());
    }
    names.sort();
    Ok(names)
}

/// The tests to run: all of `suite` in its order, or the `wanted` names in their order (a name
/// may repeat). An unknown name is an error naming the closest known one.
pub fn select(suite: &TestNames, wanted: &[OsString]) -> Result<Vec<TestId>, ConfigError> {
    if wanted.is_empty() {
        return Ok((0..suite.len()).collect());
    }
    wanted
        .iter()
        .map(|name| suite.find(name).ok_or_else(|| unknown_test(suite, name)))
        .collect()
}

fn unknown_test(suite: &TestNames, name: &OsStr) -> ConfigError {
    let name = name.to_string_lossy();
    let closest = suite
        .all_shown()
        .iter()
        .map(|known| (strsim::normalized_levenshtein(known, &name), known))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match closest {
        Some((score, known)) if score > 0.4 => format!("did you mean '{known}'?"),
        _ => format!("the suite has {} tests", suite.len()),
    };
    ConfigError::new(format!(
        "unknown test '{name}' on the command line ({hint})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn suite(list: &[&str]) -> TestNames {
        TestNames::new(names(list))
    }

    #[test]
    fn no_names_selects_the_whole_suite_in_order() {
        assert_eq!(
            select(&suite(&["a", "b", "c"]), &[]).expect("ok"),
            [0, 1, 2]
        );
    }

    #[test]
    fn names_select_in_their_own_order_and_may_repeat() {
        let suite = suite(&["a", "b", "c"]);
        assert_eq!(
            select(&suite, &names(&["c", "a", "c"])).expect("ok"),
            [2, 0, 2]
        );
    }

    #[test]
    fn an_unknown_name_suggests_the_closest() {
        let suite = suite(&["t/polluter.sh", "t/victim.sh"]);
        let message = select(&suite, &names(&["t/victm.sh"]))
            .expect_err("unknown")
            .to_string();
        assert_eq!(
            message,
            "unknown test 't/victm.sh' on the command line (did you mean 't/victim.sh'?)"
        );
        let message = select(&suite, &names(&["zzz"]))
            .expect_err("unknown")
            .to_string();
        assert!(message.contains("the suite has 2 tests"), "{message}");
    }
}
