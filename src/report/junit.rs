//! Pure: the run's findings as JUnit XML (`--junit PATH`), so GitHub, GitLab and Jenkins list
//! order bugs the way they list failing tests. One `<testcase>` per unique failure: its name is
//! the victim, its classname `smoke`, and its `<failure>` says the classification and the
//! minimal sequence, with the replay command, how far it is proven and where the report is in
//! its text. A run that found nothing gets one passing testcase, so the CI page shows that smoke
//! ran. The XML follows the JUnit schema Jenkins reads (`tests/fixtures/junit-10.xsd`).

use super::record::RunReport;
use super::{Proof, minimal_label};
use crate::shell;
use quick_xml::escape::escape;
use std::fmt::Write as _;

/// The findings of `report` as JUnit XML; `report_path` is where the full report is.
pub fn render_junit(report: &RunReport, report_path: &str) -> String {
    let failures = report.failures.len();
    let tests = failures.max(1);
    // Folded from +0.0: an empty f64 sum is -0.0, which the schema's time pattern refuses.
    let seconds = report
        .failures
        .iter()
        .filter_map(|f| f.shrink_seconds)
        .fold(0.0_f64, |a, b| a + b.max(0.0));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"smoke\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" \
         time=\"{seconds:.3}\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"smoke: test-order bugs\" tests=\"{tests}\" failures=\"{failures}\" \
         errors=\"0\" skipped=\"0\" time=\"{seconds:.3}\" timestamp=\"{}\">",
        escape(report.started_at.as_str())
    );
    if report.failures.is_empty() {
        let _ = writeln!(
            x,
            "    <testcase classname=\"smoke\" name=\"{}\" time=\"0\"/>",
            escape(
                format!(
                    "no test-order bug found ({} of {} iterations, {})",
                    report.stats.iterations_run, report.options.iterations, report.status
                )
                .as_str()
            )
        );
    }
    for f in &report.failures {
        let class = f
            .classification
            .map_or("not classified".to_string(), |c| c.to_string());
        let proof = Proof::of(f);
        let message = format!(
            "{class}: {} ({} tests: {}), {}",
            f.failure,
            f.minimal.len(),
            shell::join(&f.minimal),
            minimal_label(f.proven_minimal)
        );
        let mut body = format!("{proof}\n");
        if let Some(replay) = &f.replay {
            let _ = writeln!(body, "replay: {replay}");
        }
        if let Some(cause) = &f.same_cause_as {
            let _ = writeln!(body, "same cause as the failure of {cause}");
        }
        if let Some(hint) = &f.hint {
            let _ = writeln!(body, "hint: {hint}");
        }
        if let Some(state) = super::render::state_headline(f.state.as_ref(), f.probe.as_ref()) {
            let _ = writeln!(body, "state: {state}");
        }
        let _ = writeln!(
            body,
            "found in iteration {} (seed {}), seen {} time(s)\nreport: {report_path}",
            f.iteration, f.seed, f.seen
        );
        if !f.output.is_empty() {
            let _ = write!(body, "output (end):\n{}", f.output);
        }
        let _ = writeln!(
            x,
            "    <testcase classname=\"smoke\" name=\"{}\" time=\"{:.3}\">\n      <failure \
             type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
            escape(f.test.as_str()),
            f.shrink_seconds.unwrap_or(0.0),
            escape(class.as_str()),
            escape(message.as_str()),
            escape(xml_text(&body).as_str())
        );
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Text XML 1.0 can hold: control characters other than tab, newline and carriage return are
/// not allowed even escaped, so they are shown as `\xNN` (as the text report does).
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::Recorder;
    use super::super::record::tests::{header, sample};
    use super::*;

    #[test]
    fn each_unique_failure_is_a_failing_testcase_with_what_to_do_about_it() {
        let mut recorder = Recorder::new(header());
        sample(&mut recorder);
        let mut report = recorder.report().clone();
        report.failures[0].output = "boom <&> \u{1b}[2J\n".into();
        let xml = render_junit(&report, "reports/run.txt");
        // Well-formed, and the testcase is there as a parser sees it.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut testcases = 0;
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == b"testcase" => {
                    testcases += 1
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(testcases, 1);
        assert!(
            xml.contains("<testcase classname=\"smoke\" name=\"v\""),
            "{xml}"
        );
        assert!(
            xml.contains("message=\"order-dependent: exit 1 (2 tests: p v), minimal\""),
            "{xml}"
        );
        assert!(
            xml.contains("replay: smoke --order rotate --times 1 p v"),
            "{xml}"
        );
        assert!(xml.contains("boom &lt;&amp;&gt; \\x1b[2J"), "{xml}");
        assert!(xml.contains("tests=\"1\" failures=\"1\""), "{xml}");
        let mut clean = header();
        clean.status = "completed".into();
        let xml = render_junit(&clean, "r.txt");
        assert!(xml.contains("failures=\"0\""), "{xml}");
        assert!(xml.contains("time=\"0.000\""), "never -0.000: {xml}");
        assert!(xml.contains("name=\"no test-order bug found"), "{xml}");
    }
}
