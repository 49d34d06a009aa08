//! `smoke.toml` as serde reads it: one struct per table, unknown keys refused, and errors that
//! name the file, line and column. Reading and parsing only: merging with the flags, defaults
//! and checks are `config`'s.
//!
//! [`keys`] lists every key the file accepts, read from these structs' serde definitions, so
//! the list cannot fall behind them: `tests/docs.rs` checks that each has its row in
//! `docs/reference.md`.

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
    #[serde(rename = "state-diff")]
    pub(super) state_diff: Option<bool>,
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

/// Every key `smoke.toml` accepts, by table: `("suite", ["tests", "list", ...])`, then
/// `smoke` and `report`, each table's keys in the order its struct declares them. `[suite.env]`
/// is the `env` key of `suite`. Read from the serde definitions above (the names serde matches,
/// renames applied), not written out by hand, so a key added to a struct is listed here at once.
pub fn keys() -> Vec<(&'static str, &'static [&'static str])> {
    let tables = fields::<FileConfig>();
    let keys = |table: &str| match table {
        "suite" => fields::<FileSuite>(),
        "smoke" => fields::<FileSmoke>(),
        "report" => fields::<FileReport>(),
        other => unreachable!("FileConfig has a table '{other}' that keys() does not know"),
    };
    tables.iter().map(|&table| (table, keys(table))).collect()
}

/// The field names serde matches for struct `T`: what its derived `Deserialize` hands to
/// `deserialize_struct`, caught by a deserializer that reads nothing else.
fn fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(FieldsError::Fields(fields)) => fields,
        other => unreachable!(
            "a smoke.toml table is a plain serde struct (no flatten, no custom Deserialize): {:?}",
            other.err()
        ),
    }
}

/// A deserializer that only answers `deserialize_struct`, with its field names.
struct FieldNames;

/// How [`FieldNames`] ends: with a struct's field names, or anything else as a message.
#[derive(Debug)]
enum FieldsError {
    Fields(&'static [&'static str]),
    Other(String),
}

impl std::fmt::Display for FieldsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldsError::Fields(fields) => write!(f, "fields {fields:?}"),
            FieldsError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FieldsError {}

impl serde::de::Error for FieldsError {
    fn custom<M: std::fmt::Display>(message: M) -> Self {
        FieldsError::Other(message.to_string())
    }
}

impl<'de> serde::Deserializer<'de> for FieldNames {
    type Error = FieldsError;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, FieldsError> {
        Err(FieldsError::Other("not a struct".to_string()))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, FieldsError> {
        Err(FieldsError::Fields(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<FileConfig, ConfigError> {
        parse(Path::new("smoke.toml"), text)
    }

    /// A value of the right type for each key, so the whole file parses.
    fn value(table: &str, key: &str) -> &'static str {
        match (table, key) {
            ("suite", "tests" | "probe-ignore" | "probe-files" | "state-ignore") => r#"["a"]"#,
            ("report", "build" | "env") => r#"["a"]"#,
            ("suite", "env") => r#"{ A = "1" }"#,
            ("suite", "format") => r#""junit""#,
            ("suite", "mode") => r#""per-test""#,
            ("suite", "preset") => r#""pytest""#,
            ("suite", "workdir") => r#""fresh""#,
            ("suite", "ignore-runner-exit" | "fork-server" | "keep-going" | "state-diff") => "true",
            ("smoke", "times" | "iterations" | "seed" | "retries" | "max-reduce" | "jobs") => "2",
            ("smoke", "order") => r#""mirror""#,
            ("smoke", "reduce") => r#""testsmoke""#,
            _ => r#""x""#,
        }
    }

    #[test]
    fn every_listed_key_parses_and_an_unknown_one_is_refused() {
        let keys = keys();
        let tables: Vec<&str> = keys.iter().map(|(table, _)| *table).collect();
        assert_eq!(tables, ["suite", "smoke", "report"]);
        for (table, names) in &keys {
            assert!(!names.is_empty(), "[{table}]");
            for key in *names {
                let text = format!("[{table}]\n{key} = {}\n", value(table, key));
                if let Err(e) = parsed(&text) {
                    panic!("{text}: {e}");
                }
            }
            let unknown = format!("[{table}]\nno-such-key = 1\n");
            let message = parsed(&unknown).expect_err("an unknown key").to_string();
            assert!(
                message.contains("unknown field `no-such-key`"),
                "{unknown}: {message}"
            );
        }
        let message = parsed("[no-such-table]\n")
            .expect_err("an unknown table")
            .to_string();
        assert!(
            message.contains("unknown field `no-such-table`"),
            "{message}"
        );
    }

    #[test]
    fn the_list_has_the_names_serde_matches_renames_applied() {
        let keys = keys();
        let suite = keys[0].1;
        assert!(
            suite.contains(&"probe-ignore") && suite.contains(&"env"),
            "{suite:?}"
        );
        assert!(!suite.contains(&"probe_ignore"), "{suite:?}");
        let smoke = keys[1].1;
        assert!(
            smoke.contains(&"match") && smoke.contains(&"control-dir"),
            "{smoke:?}"
        );
        assert!(!smoke.contains(&"match_output"), "{smoke:?}");
        assert_eq!(keys[2].1, ["dir", "junit", "build", "env"]);
    }
}
