//! `smoke merge`: one report from the reports of a sharded run's shards (`--shard K/N`).
//!
//! The edge around the pure merge (`report::merge`): read the shards' JSON files, write the
//! merged report with the report writing of a run (`report::export`), print the failures and
//! the summary. It runs no test and decides nothing about the merge.

use super::session::Session;
use crate::cli::MergeArgs;
use crate::report;
use crate::report::export::ReportFiles;
use crate::report::merge::{ShardReport, console_lines, exit_code, merge};
use crate::report::record::RunReport;
use crate::term::{errln, outln};
use std::path::Path;

/// `smoke merge`: read the shard reports, merge them, write the merged report where a run
/// would write its own, and print the failures and the summary. Returns the exit code.
pub(crate) fn run(args: MergeArgs, session: &Session) -> anyhow::Result<u8> {
    let target = session.report_target(args.config.as_deref(), &args.output)?;
    let shards = args
        .reports
        .iter()
        .map(|path| read_report(path, &session.cwd))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge(shards, session.argv.clone(), env!("CARGO_PKG_VERSION"))?;
    let files = ReportFiles::create(&target, session.started)?;
    files.write(&merged)?;
    if !args.output.quiet {
        for warning in &merged.warnings {
            errln!("smoke: warning: {}", report::one_line(warning));
        }
    }
    let lines = if args.output.quiet {
        report::console::summary(&merged, None)
    } else {
        console_lines(&merged)
    };
    outln!(
        "{lines}\nreport: {}\nreport: {}\nreport: {}",
        files.text.display(),
        files.json.display(),
        files.html.display()
    );
    Ok(exit_code(&merged))
}

/// One shard's report from its JSON file, or an error naming the file and what it is instead.
fn read_report(path: &Path, cwd: &Path) -> anyhow::Result<ShardReport> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(cwd.join(path)).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the report '{file}': {e} (smoke merge takes the shards' JSON reports; \
             to run a test called merge instead, put -- first: smoke -- merge ...)"
        )
    })?;
    let not_json = |why: String| {
        let beside = path.with_extension("json");
        let hint = if path.extension().is_some_and(|e| e == "txt") && cwd.join(&beside).is_file() {
            format!(
                "; that is a text report: give the JSON beside it, '{}'",
                beside.display()
            )
        } else {
            "; give the .json reports smoke wrote (--report PATH writes PATH and the same name \
             ending .json)"
                .to_string()
        };
        anyhow::anyhow!("'{file}' is not a smoke JSON report ({why}){hint}")
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_json(format!("not JSON: {e}")))?;
    if value.get("smoke_version").is_none() || value.get("options").is_none() {
        return Err(not_json(
            "JSON, but no smoke_version and options".to_string(),
        ));
    }
    let report: RunReport = serde_json::from_value(value).map_err(|e| {
        anyhow::anyhow!(
            "'{file}' is a smoke report this smoke cannot read ({e}); merge with the smoke \
             version that wrote it"
        )
    })?;
    Ok(ShardReport { file, report })
}
