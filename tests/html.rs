//! The HTML report from the real binary: beside the text and JSON, escaped whatever the names
//! and output hold, self-contained, rewritten as the run goes, and rendered by a real browser
//! (headless Chromium, Debian's `chromium` package, which scripts/test installs).

mod common;

use common::{Suite, stderr, stdout, wait_for};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A polluter and a victim whose names and output are hostile HTML, with harmless tests between
/// them to shrink away.
const POLLUTER: &str = "<script>alert(1)</script>";
const VICTIM: &str = "a & b \"c\" </script>";
const SEQUENCE: [&str; 9] = [
    "--order", "rotate", "--times", "1", POLLUTER, "x1", "x2", "x3", VICTIM,
];

fn hostile_suite() -> Suite {
    let suite = Suite::new();
    suite
        .toml(&[POLLUTER, "x1", "x2", "x3", VICTIM], "")
        .dispatcher(
            r#"case "$1" in
  '<script>alert(1)</script>') touch state/p ;;
  'a & b "c" </script>') [ ! -e state/p ] || {
      printf '</script><script>alert(2)</script> "quoted" \047single\047 \033[2J\007\r\001 done\n'
      exit 1
    } ;;
esac"#,
        );
    suite
}

/// The report paths smoke printed on stdout.
fn printed_reports(out: &std::process::Output) -> Vec<PathBuf> {
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_prefix("report: "))
        .map(PathBuf::from)
        .collect()
}

fn html_of(suite: &Suite) -> (PathBuf, String) {
    let json = suite.reports().pop().expect("a report");
    let html = json.with_extension("html");
    let page = fs::read_to_string(&html).expect("the HTML report beside the JSON");
    (html, page)
}

/// Every `href` stays in the page, and nothing is loaded from anywhere.
fn assert_self_contained(page: &str) {
    for needle in [
        "http://", "https://", "src=", "url(", "@import", "<link", "<img", "<iframe",
    ] {
        assert!(!page.contains(needle), "{needle} in the page");
    }
    for href in page.split("href=\"").skip(1) {
        assert!(href.starts_with('#'), "a link out of the page: {href:.60}");
    }
}

#[test]
fn hostile_names_and_output_are_escaped_in_the_html_report() {
    let suite = hostile_suite();
    let out = suite.smoke(&SEQUENCE);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (html, page) = html_of(&suite);
    assert_eq!(
        printed_reports(&out).last(),
        Some(&html),
        "the HTML report's path is printed with the others"
    );
    // The failure is there, shrunk to the pair.
    let report = suite.report();
    assert_eq!(
        common::minimal_sequences(&report),
        [vec![POLLUTER.to_string(), VICTIM.to_string()]]
    );
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only smoke's own script"
    );
    assert_eq!(
        page.matches("</script>").count(),
        1,
        "only smoke's own script"
    );
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "a &amp; b &quot;c&quot; &lt;/script&gt;",
        "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &quot;quoted&quot; 'single' \
         \\x1b[2J\\x07\\r\\x01 done",
        "<li class=\"victim\" title=\"the failing test\">a &amp; b &quot;c&quot; &lt;/script&gt;</li>",
    ] {
        assert!(page.contains(escaped), "missing {escaped:?} in\n{page}");
    }
    let controls: Vec<char> = page
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(controls.is_empty(), "control characters: {controls:?}");
    assert_self_contained(&page);
    // The replay command in the page is the one the JSON holds, to the byte once unescaped.
    let replay = report["failures"][0]["replay"].as_str().expect("a replay");
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    let shown = page
        .split("<pre class=\"replay\"")
        .nth(1)
        .and_then(|p| p.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(command, _)| unescape(command))
        .expect("a replay block");
    assert_eq!(shown, replay);
}

#[test]
fn the_html_report_is_rewritten_as_the_run_goes_and_an_interrupted_run_keeps_its_status() {
    let suite = Suite::new();
    suite.toml(&["a", "b", "c"], "").dispatcher(
        r#"case "$1" in
  a) touch state/a ;;
  b) [ ! -e state/a ] || { echo polluted; exit 1; } ;;
  c) if [ -e hang ]; then sleep 60 & echo $! >> children.pids; wait; fi ;;
esac"#,
    );
    let mut child = suite.spawn(&["--seed", "1", "-n", "1000"]);
    // While it runs, the HTML already shows the failure, and that the run is still going.
    let started = Instant::now();
    let page = loop {
        let page = suite
            .reports()
            .pop()
            .and_then(|json| fs::read_to_string(json.with_extension("html")).ok())
            .unwrap_or_default();
        if page.contains("Failure 1:") {
            break page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no failure in the HTML report after 60 s:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        page.contains("<span class=\"badge status-running\">running</span>"),
        "{page}"
    );
    assert!(page.contains("still running: this page is rewritten as the run goes"));
    // Then a test hangs, and Ctrl-C stops the run.
    fs::write(suite.path().join("hang"), "").expect("write");
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(30));
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    let (_, page) = html_of(&suite);
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(
        page.contains("<span class=\"badge status-interrupted\">interrupted</span>"),
        "{page}"
    );
    let finished = report["finished_at"].as_str().expect("a finish time");
    assert!(page.contains(&format!("finished {finished}")), "{page}");
    assert!(page.contains("Failure 1: <code>b</code> failed (exit 1)"));
    assert!(!page.contains("still running"));
}

#[test]
fn an_html_report_path_is_refused_and_report_path_puts_the_html_beside_the_text() {
    let suite = Suite::new();
    suite.toml(&["a"], "").dispatcher("");
    let out = suite
        .command()
        .args(["--report", "r.html"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("would put the text report and the HTML report in one file"),
        "{}",
        stderr(&out)
    );
    let out = suite
        .command()
        .args(["--report", "out/r.txt"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = fs::read_to_string(suite.path().join("out/r.html")).expect("beside the text");
    assert!(page.contains("No test-order bug found so far (completed)."));
    assert!(page.starts_with("<!DOCTYPE html>"));
}

#[test]
fn a_replay_writes_its_html_page_beside_its_text_and_json() {
    let suite = hostile_suite();
    let out = suite.smoke(&SEQUENCE);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let run_json = suite.reports().pop().expect("the run's report");
    let out = suite
        .command()
        .arg("replay")
        .arg(&run_json)
        .args(["--report", "replayed/r.txt"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "still fails: {}", stderr(&out));
    let html = suite.path().join("replayed/r.html");
    assert_eq!(printed_reports(&out).last(), Some(&html));
    let page = fs::read_to_string(&html).expect("the replay's HTML page");
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only smoke's own script"
    );
    for needle in [
        "<title>smoke replay: 0 of 1 fixed (completed)</title>",
        "<span class=\"badge verdict-still-fails\">still fails</span>",
        "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>",
        "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &quot;quoted&quot;",
    ] {
        assert!(page.contains(needle), "missing {needle:?} in\n{page}");
    }
    assert_self_contained(&page);
}

#[test]
fn a_merge_writes_the_merged_report_as_html_too() {
    let suite = hostile_suite();
    for shard in ["1/2", "2/2"] {
        let n = &shard[..1];
        let out = suite
            .command()
            .args(["--seed", "7", "-n", "2", "--shard", shard])
            .args(["--report", &format!("shards/s{n}.txt")])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }
    let out = suite
        .command()
        .args([
            "merge",
            "shards/s1.json",
            "shards/s2.json",
            "--report",
            "m.txt",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let html = suite.path().join("m.html");
    assert_eq!(printed_reports(&out).last(), Some(&html));
    let page = fs::read_to_string(&html).expect("the merged HTML report");
    for needle in [
        "<th>merged from</th><td class=\"mono\">shard 1 of 2: shards/s1.json (completed",
        "<th>merged from</th><td class=\"mono\">shard 2 of 2: shards/s2.json (completed",
        "a &amp; b &quot;c&quot; &lt;/script&gt;",
    ] {
        assert!(page.contains(needle), "missing {needle:?} in\n{page}");
    }
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only smoke's own script"
    );
}

// ---- In a real browser ----

/// Whether headless Chromium can run. Without it a browser test is skipped with a printed
/// reason, unless `CI` is set: CI installs it (scripts/test), so there it fails instead.
fn have_chromium() -> bool {
    common::toolchain(
        "chromium",
        "--version",
        "Debian: apt-get install chromium; scripts/test --install-system installs it",
    )
}

/// Headless Chromium with everything that could reach the network off, and a fresh profile.
fn chromium(profile: &Path) -> Command {
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// The DOM after the page's scripts ran (and timers up to 5 s of virtual time).
fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().expect("a profile folder");
    let out = chromium(profile.path())
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn chromium_renders_the_html_report_with_its_copy_button_and_chart() {
    if !have_chromium() {
        return;
    }
    let suite = hostile_suite();
    let out = suite.smoke(&SEQUENCE);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (html, page) = html_of(&suite);
    let report = suite.report();
    let replay = report["failures"][0]["replay"].as_str().expect("a replay");

    let dom = dump_dom(&html);
    assert!(
        dom.contains("data-script=\"ran\""),
        "the script ran:\n{dom}"
    );
    assert_eq!(dom.matches("<button").count(), 1, "one copy button:\n{dom}");
    assert!(dom.contains("class=\"copy\""), "{dom}");
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "nothing injected:\n{dom}"
    );
    assert!(dom.contains("<svg class=\"shrink-chart\""), "{dom}");
    assert!(dom.contains("<polyline class=\"path\""), "{dom}");

    // Clicking the button: once with the clipboard API (stood in for, to see what it is
    // handed), once with the browser's own, which headless Chromium refuses: the command is
    // then selected for Ctrl+C.
    let click = |stub: &str| {
        let probe = format!(
            "<script>{stub}\nvar b = document.querySelector('button.copy');\nb.click();\n\
             setTimeout(function () {{ document.body.setAttribute('data-copy-test', \
             b.getAttribute('data-state') + '|' + (window.copiedText || \
             window.getSelection().toString())); }}, 300);\n</script></body>"
        );
        let path = suite.path().join("click.html");
        fs::write(&path, page.replace("</body>", &probe)).expect("write");
        let dom = dump_dom(&path);
        dom.split("data-copy-test=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("the click probe did not finish:\n{dom}"))
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    let stub = "Object.defineProperty(navigator, 'clipboard', { value: { writeText: \
                function (t) { window.copiedText = t; return Promise.resolve(); } } });";
    assert_eq!(click(stub), format!("copied|{replay}"));
    let native = click("");
    assert!(
        native == format!("selected|{replay}") || native == format!("copied|{replay}"),
        "{native}"
    );
}

#[test]
fn the_screenshot_script_makes_a_picture_of_the_demo_s_html_report() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp folder");
    let png = dir.path().join("report.png");
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/html-screenshot.sh"))
        .arg(&png)
        .env("SMOKE", env!("CARGO_BIN_EXE_smoke"))
        .env("WINDOW", "800,600")
        .output()
        .expect("the script runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let size = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!((size(16), size(20)), (800, 600));
    // A blank or error page compresses to a few KiB; the report's text and chart do not.
    assert!(bytes.len() > 20_000, "{} bytes: a blank page?", bytes.len());
}
