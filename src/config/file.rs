//! `smoke.toml` as serde reads it: one struct per table, unknown keys refused, and errors that
//! name the file, line and column. Reading and parsing only: merging with the flags, defaults
//! and checks are `config`'s.

use crate::batch::Format;
use crate::error::ConfigError;
use crate::execution::{RunMode, Workdir};
use crate::model::Order;
use crate::preset::Preset;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    #[serde(default)]
    pub(super) suite: FileSuite,
    #[serde(default)]
    pub(super) smoke: FileSmoke,
    #[serde(default)]
    pub(super) report: FileReport,
}

/// `[suite]`: where the tests are and how they run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSuite {
    pub(super) tests: Option<Vec<String>>,
    pub(super) list: Option<String>,
    pub(super) glob: Option<String>,
    pub(super) run: Option<String>,
    pub(super) batch: Option<String>,
    pub(super) format: Option<Format>,
    pub(super) mode: Option<RunMode>,
    pub(super) preset: Option<Preset>,
    pub(super) program: Option<String>,
    pub(super) setup: Option<String>,
    pub(super) teardown: Option<String>,
    pub(super) timeout: Option<String>,
    #[serde(rename = "ignore-runner-exit")]
    pub(super) ignore_runner_exit: Option<bool>,
    #[serde(rename = "fork-server")]
    pub(super) fork_server: Option<bool>,
    #[serde(rename = "keep-going")]
    pub(super) keep_going: Option<bool>,
    pub(super) workdir: Option<Workdir>,
    pub(super) probe: Option<String>,
    #[serde(rename = "probe-ignore")]
    pub(super) probe_ignore: Option<Vec<String>>,
    #[serde(rename = "probe-files")]
    pub(super) probe_files: Option<Vec<String>>,
    #[serde(rename = "state-ignore")]
    pub(super) state_ignore: Option<Vec<String>>,
    #[serde(default)]
    pub(super) env: BTreeMap<String, String>,
}

/// `[smoke]`: defaults for the flags of the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSmoke {
    pub(super) times: Option<u32>,
    pub(super) iterations: Option<u32>,
    pub(super) order: Option<Order>,
    pub(super) seed: Option<u64>,
    #[serde(rename = "match")]
    pub(super) match_output: Option<String>,
    pub(super) retries: Option<u32>,
    #[serde(rename = "max-reduce")]
    pub(super) max_reduce: Option<u64>,
    pub(super) reduce: Option<crate::reduce::Reducer>,
    pub(super) jobs: Option<FileJobs>,
    pub(super) controller: Option<String>,
    /// Relative to the file's folder once read (see `Config::from_parts_in`).
    #[serde(rename = "control-dir")]
    pub(super) control_dir: Option<PathBuf>,
}

/// `[smoke] jobs`: a number, or `"auto"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum FileJobs {
    Count(usize),
    Word(String),
}

/// `[report]`: where reports go and what they record.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileReport {
    pub(super) dir: Option<PathBuf>,
    pub(super) junit: Option<PathBuf>,
    #[serde(default)]
    pub(super) build: Vec<String>,
    #[serde(default)]
    pub(super) env: Vec<String>,
}

/// Read the file at `path` (as the current folder sees it).
pub(super) fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(format!(
            "cannot read config file '{}': {e} (check the path given to --config)",
            path.display()
        ))
    })
}

/// Parse `text`, read from `path` (as the user named it, for messages).
pub(super) fn parse(path: &Path, text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        ConfigError::new(format!(
            "invalid config file '{}': {}",
            path.display(),
            e.to_string().trim_end()
        ))
    })
}
