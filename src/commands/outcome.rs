//! How a run ends, the same for `smoke` and `smoke reproduce`: the summary line and the
//! report's paths on stdout, what setup or teardown abandoned on stderr, and the documented exit
//! code (a signal, then a failure found, then a failing setup or teardown, else success).

use crate::error::exit;
use crate::interrupt;
use crate::model;
use crate::report::export::ReportFiles;
use crate::report::record::RunReport;
use crate::runner;
use crate::term;

/// Print the end of a finished run whose report is `report` in `files`, and return its exit
/// code.
pub(super) fn end(report: &RunReport, files: &ReportFiles, summary: &runner::Summary) -> u8 {
    let out = crate::report::console::summary(report, summary.interrupted);
    term::outln!(
        "{out}\nreport: {}\nreport: {}\nreport: {}",
        files.text.display(),
        files.json.display(),
        files.html.display()
    );
    if summary.hook_failures > 0 {
        term::errln!(
            "smoke: {} failed {} time(s); those sequences were abandoned (see the report)",
            hook_names(report),
            summary.hook_failures
        );
    }
    exit_code(summary)
}

/// What failed, in the words of the summary: `setup`, `teardown`, `the batch runner`.
fn hook_names(report: &RunReport) -> String {
    let mut names: Vec<String> = Vec::new();
    for failure in &report.hook_failures {
        let name = match failure.hook {
            model::Hook::Batch => "the batch runner".to_string(),
            hook => hook.to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        "setup or teardown".to_string()
    } else {
        names.join(" or ")
    }
}

/// The documented exit code for a finished run: a signal wins, then a reported failure, then a
/// setup/teardown failure (smoke could not test what was asked), else success.
pub(super) fn exit_code(summary: &runner::Summary) -> u8 {
    if let Some(signal) = summary.interrupted {
        interrupt::exit_code(signal)
    } else if summary.failures > 0 {
        exit::FAILURES
    } else if summary.hook_failures > 0 {
        exit::ERROR
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Summary;

    #[test]
    fn exit_codes_follow_the_documented_precedence() {
        let summary = |failures, hook_failures, interrupted| Summary {
            failures,
            unmatched: 0,
            hook_failures,
            interrupted,
        };
        let table = [
            (summary(0, 0, None), exit::OK),
            (summary(2, 0, None), exit::FAILURES),
            (summary(0, 3, None), exit::ERROR),
            (summary(1, 3, None), exit::FAILURES),
            (summary(1, 3, Some(2)), exit::INTERRUPTED),
            (summary(0, 0, Some(15)), 143),
        ];
        for (summary, code) in table {
            assert_eq!(exit_code(&summary), code, "{summary:?}");
        }
    }
}
