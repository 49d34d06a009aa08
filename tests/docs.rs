//! The docs stay true to the binary and to themselves: `docs/reference.md` names every long flag
//! that `smoke --help` and each `smoke SUB --help` print, in that command's section, every key
//! `smoke.toml` accepts (`smoke::config::keys`, read from the config's own serde definitions)
//! in its key table, and every exit code of `smoke::error::exit` in its exit-code table; every
//! relative link and `#anchor` in README.md, CHANGELOG.md and `docs/*.md` leads to a file and a
//! heading that exist (GitHub's anchors; external links are not fetched); and the README stays
//! short, its set-up commands within 100 characters.

mod common;

use common::long_flags;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A heading: its level (1 to 6), its text as a reader sees it, its anchor, and where it
/// starts in the file.
#[derive(Debug)]
struct Heading {
    level: usize,
    text: String,
    slug: String,
    at: usize,
}

/// A link or image: where it points, and the line it is on.
#[derive(Debug)]
struct Link {
    dest: String,
    line: usize,
}

/// A table: its rows (the header first), each a list of cells as text, and where it starts.
#[derive(Debug)]
struct Table {
    at: usize,
    rows: Vec<Vec<String>>,
}

/// A markdown file, read by a real markdown parser (CommonMark with GitHub's tables).
struct Doc {
    text: String,
    headings: Vec<Heading>,
    links: Vec<Link>,
    tables: Vec<Table>,
}

impl Doc {
    fn read(rel: &str) -> Doc {
        Doc::parse(read(rel))
    }

    fn parse(text: String) -> Doc {
        let mut headings = Vec::new();
        let mut links = Vec::new();
        let mut tables: Vec<Table> = Vec::new();
        let mut heading: Option<(usize, usize, String)> = None;
        let mut cell: Option<String> = None;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let line_of = |at: usize| text[..at].matches('\n').count() + 1;
        for (event, range) in Parser::new_ext(&text, Options::ENABLE_TABLES).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    heading = Some((level as usize, range.start, String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    let (level, at, text) = heading.take().expect("a heading was open");
                    let slug = slug(&text, &mut seen);
                    headings.push(Heading {
                        level,
                        text,
                        slug,
                        at,
                    });
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    links.push(Link {
                        dest: dest_url.to_string(),
                        line: line_of(range.start),
                    });
                }
                Event::Start(Tag::Table(_)) => tables.push(Table {
                    at: range.start,
                    rows: Vec::new(),
                }),
                Event::Start(Tag::TableHead | Tag::TableRow) => {
                    tables.last_mut().expect("in a table").rows.push(Vec::new());
                }
                Event::Start(Tag::TableCell) => cell = Some(String::new()),
                Event::End(TagEnd::TableCell) => {
                    let text = cell.take().expect("a cell was open");
                    let table = tables.last_mut().expect("in a table");
                    table.rows.last_mut().expect("in a row").push(text);
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, _, h)) = heading.as_mut() {
                        h.push_str(&t);
                    }
                    if let Some(c) = cell.as_mut() {
                        c.push_str(&t);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some((_, _, h)) = heading.as_mut() {
                        h.push(' ');
                    }
                }
                _ => {}
            }
        }
        Doc {
            text,
            headings,
            links,
            tables,
        }
    }

    /// The heading whose text is `text`.
    fn heading(&self, text: &str) -> &Heading {
        self.headings
            .iter()
            .find(|h| h.text == text)
            .unwrap_or_else(|| panic!("no heading '{text}'"))
    }

    /// Where the section under `heading` ends: at the next heading of its level or above.
    fn end_of(&self, heading: &Heading) -> usize {
        self.headings
            .iter()
            .find(|h| h.at > heading.at && h.level <= heading.level)
            .map_or(self.text.len(), |h| h.at)
    }

    /// The markdown of the section under the heading `text`, subsections included.
    fn section(&self, text: &str) -> &str {
        let heading = self.heading(text);
        &self.text[heading.at..self.end_of(heading)]
    }

    /// The tables in the section under the heading `text`, subsections included.
    fn tables_in(&self, text: &str) -> Vec<&Table> {
        let heading = self.heading(text);
        let end = self.end_of(heading);
        self.tables
            .iter()
            .filter(|t| t.at > heading.at && t.at < end)
            .collect()
    }
}

/// GitHub's anchor for a heading's text: lowercase; every character but letters, digits,
/// spaces, `-` and `_` dropped; spaces become `-`; the second heading with the same anchor gets
/// `-1`, the third `-2`, and so on.
fn slug(text: &str, seen: &mut BTreeMap<String, usize>) -> String {
    let base: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect();
    let n = seen.entry(base.clone()).or_insert(0);
    let slug = if *n == 0 {
        base.clone()
    } else {
        format!("{base}-{n}")
    };
    *n += 1;
    slug
}

/// Whether `text` names `flag` as a whole word: `--report` is not found in `--report-dir`.
fn names_flag(text: &str, flag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(flag).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + flag.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The heading of a command's section in the reference: `` `smoke` `` or `` `smoke SUB` ``.
fn command_heading(sub: &str) -> String {
    if sub.is_empty() {
        "smoke".to_string()
    } else {
        format!("smoke {sub}")
    }
}

/// The long flags of each command that the reference's section for it does not name.
fn flags_missing_from(reference: &Doc, commands: &[(String, Vec<String>)]) -> Vec<String> {
    let mut missing = Vec::new();
    for (sub, flags) in commands {
        let heading = command_heading(sub);
        let section = reference.section(&heading);
        for flag in flags {
            if !names_flag(section, flag) {
                missing.push(format!("{flag} (in '{heading}')"));
            }
        }
    }
    missing
}

#[test]
fn the_reference_names_every_flag_of_every_command_in_its_section() {
    let reference = Doc::read("docs/reference.md");
    let commands = long_flags();
    assert!(
        commands.len() >= 10,
        "smoke and its subcommands: {commands:?}"
    );
    let missing = flags_missing_from(&reference, &commands);
    assert!(
        missing.is_empty(),
        "docs/reference.md does not name these flags of `--help` in their command's section: {}",
        missing.join(", ")
    );
    // The check can fail: a flag the binary does not have is missing, and a flag named only in
    // another command's section does not count.
    let made_up = [
        (String::new(), vec!["--no-such-flag".to_string()]),
        ("op".to_string(), vec!["--jobs".to_string()]),
    ];
    assert_eq!(flags_missing_from(&reference, &made_up).len(), 2);
}

/// The `(table, key)` pairs of the reference's smoke.toml key table: the table from the first
/// column (`[suite]`), the key from the first word of the second.
fn documented_keys(reference: &Doc) -> BTreeSet<(String, String)> {
    let tables = reference.tables_in("smoke.toml keys");
    assert_eq!(tables.len(), 1, "one key table under 'smoke.toml keys'");
    let rows = &tables[0].rows;
    assert_eq!(
        rows[0],
        ["section", "key", "type", "default", "meaning"],
        "the key table's header"
    );
    rows[1..]
        .iter()
        .map(|row| {
            let table = row[0].trim_matches(['[', ']']).to_string();
            let key = row[1].split_whitespace().next().unwrap_or("").to_string();
            (table, key)
        })
        .collect()
}

#[test]
fn the_reference_has_a_row_for_every_key_smoke_toml_accepts() {
    let reference = Doc::read("docs/reference.md");
    let documented = documented_keys(&reference);
    let accepted: BTreeSet<(String, String)> = smoke::config::keys()
        .into_iter()
        .flat_map(|(table, keys)| keys.iter().map(move |k| (table.to_string(), k.to_string())))
        .collect();
    assert!(accepted.len() >= 30, "{accepted:?}");
    let missing: Vec<_> = accepted.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "keys smoke.toml accepts with no row in docs/reference.md's key table: {missing:?}"
    );
    let unknown: Vec<_> = documented.difference(&accepted).collect();
    assert!(
        unknown.is_empty(),
        "rows in docs/reference.md's key table for keys smoke.toml refuses: {unknown:?}"
    );
}

/// The exit codes `src/error.rs` names in its `exit` module: `(NAME, code)`.
fn exit_codes() -> Vec<(String, u32)> {
    let source = read("src/error.rs");
    let module = source
        .split("pub mod exit {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("src/error.rs has `pub mod exit { ... }`");
    module
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const ")?;
            let (name, value) = rest.split_once(':')?;
            let value = value.split('=').nth(1)?.trim().trim_end_matches(';');
            Some((name.trim().to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The constants of `codes` with no row in `rows` whose first cell holds both the code and
/// the constant's name.
fn codes_missing_from(rows: &[Vec<String>], codes: &[(String, u32)]) -> Vec<String> {
    codes
        .iter()
        .filter(|(name, code)| {
            !rows.iter().any(|row| {
                let words: Vec<&str> = row[0]
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .collect();
                words.contains(&code.to_string().as_str()) && words.contains(&name.as_str())
            })
        })
        .map(|(name, code)| format!("{name} = {code}"))
        .collect()
}

#[test]
fn the_reference_has_a_row_for_every_exit_code_in_error_rs() {
    let codes = exit_codes();
    assert!(
        codes.len() >= 4 && codes.contains(&("INTERRUPTED".to_string(), 130)),
        "the constants of src/error.rs's exit module, read from its source: {codes:?}"
    );
    let reference = Doc::read("docs/reference.md");
    let tables = reference.tables_in("Exit codes");
    assert_eq!(tables.len(), 1, "one table under 'Exit codes'");
    let rows = &tables[0].rows;
    let missing = codes_missing_from(rows, &codes);
    assert!(
        missing.is_empty(),
        "exit codes of src/error.rs with no row in docs/reference.md's Exit codes: {missing:?}"
    );
    let made_up = [("TIMED_OUT".to_string(), 124), ("OK".to_string(), 3)];
    assert_eq!(codes_missing_from(rows, &made_up).len(), 2);
}

/// Every markdown file whose links are checked.
fn markdown_files() -> Vec<String> {
    let mut files = vec!["README.md".to_string(), "CHANGELOG.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 6, "{docs:?}");
    files.extend(docs);
    files
}

/// Where the links of the files in `docs` (path → contents) lead nowhere: a relative path that
/// is no file, or an anchor that is no heading of its file. External links are not fetched.
fn broken_links(docs: &BTreeMap<String, Doc>, exists: impl Fn(&Path) -> bool) -> Vec<String> {
    let anchors = |rel: &str| -> Option<BTreeSet<&str>> {
        docs.get(rel)
            .map(|d| d.headings.iter().map(|h| h.slug.as_str()).collect())
    };
    let mut broken = Vec::new();
    for (rel, doc) in docs {
        let folder = Path::new(rel).parent().expect("a file has a folder");
        for link in &doc.links {
            let dest = link.dest.as_str();
            if dest.contains("://") || dest.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match dest.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (dest, None),
            };
            let target = if path.is_empty() {
                rel.to_string()
            } else {
                normalize(&folder.join(path))
            };
            let at = format!("{rel}:{}: {dest}", link.line);
            if !path.is_empty() && !exists(Path::new(&target)) {
                broken.push(format!("{at} (no file {target})"));
                continue;
            }
            if let Some(anchor) = anchor {
                match anchors(&target) {
                    Some(found) if found.contains(anchor) => {}
                    Some(_) => broken.push(format!("{at} (no heading #{anchor} in {target})")),
                    None => broken.push(format!("{at} (an anchor in {target}, not checked here)")),
                }
            }
        }
    }
    broken
}

/// `docs/../README.md` as `README.md`.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.iter().map(|p| p.to_str().expect("a UTF-8 path")) {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[test]
fn every_relative_link_and_anchor_in_the_docs_leads_somewhere() {
    let docs: BTreeMap<String, Doc> = markdown_files()
        .into_iter()
        .map(|rel| {
            let doc = Doc::read(&rel);
            (rel, doc)
        })
        .collect();
    let links: usize = docs.values().map(|d| d.links.len()).sum();
    assert!(
        links > 100,
        "only {links} links: is the parser reading them?"
    );
    let broken = broken_links(&docs, |p| repo().join(p).exists());
    assert!(
        broken.is_empty(),
        "links that lead nowhere:\n{}",
        broken.join("\n")
    );
}

#[test]
fn anchors_follow_githubs_rules_and_a_bad_link_is_found() {
    let mut seen = BTreeMap::new();
    let mut slugs = |t: &str| slug(t, &mut seen);
    assert_eq!(
        slugs("What \"verified\" means"),
        "what-verified-means",
        "punctuation dropped"
    );
    assert_eq!(
        slugs("Early stop (--keep-going)"),
        "early-stop---keep-going",
        "each space a dash"
    );
    assert_eq!(slugs("smoke.toml keys"), "smoketoml-keys");
    assert_eq!(
        slugs("Apache::TestSmoke's reduction"),
        "apachetestsmokes-reduction"
    );
    assert_eq!(slugs("Output"), "output");
    assert_eq!(slugs("Output"), "output-1", "a second heading gets -1");
    assert_eq!(slugs("Output"), "output-2");
    let doc = Doc::parse(
        "# A `code` heading\n\n## Two\n\n## Two\n\n[ok](#a-code-heading) [ok](#two-1) \
         [bad](#three) [ok](b.md#b) [bad](b.md#nope) [bad](gone.md) [skip](https://x.y/#z)\n"
            .to_string(),
    );
    let other = Doc::parse("# B\n".to_string());
    let docs = BTreeMap::from([("a.md".to_string(), doc), ("b.md".to_string(), other)]);
    let broken = broken_links(&docs, |p| p == Path::new("b.md") || p == Path::new("a.md"));
    assert_eq!(broken.len(), 3, "{broken:?}");
    assert!(broken[0].contains("#three") && broken[1].contains("#nope"));
    assert!(broken[2].contains("no file gone.md"), "{broken:?}");
}

/// The problems with a README: too long, or a set-up line over 100 characters.
fn readme_problems(readme: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines = readme.lines().count();
    if lines > 300 {
        problems.push(format!("README.md has {lines} lines, more than 300"));
    }
    let doc = Doc::parse(readme.to_string());
    let setup = doc.section("The two set-up commands");
    let block = setup
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or("");
    let commands: Vec<&str> = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    if commands.len() != 2 {
        problems.push(format!(
            "the set-up block has {} commands, not 2",
            commands.len()
        ));
    }
    for line in block.lines() {
        let width = line.chars().count();
        if width > 100 {
            problems.push(format!("a set-up line of {width} characters: {line}"));
        }
    }
    problems
}

#[test]
fn the_readme_is_short_and_its_set_up_commands_fit_in_100_columns() {
    let readme = read("README.md");
    let problems = readme_problems(&readme);
    assert!(problems.is_empty(), "{problems:?}");
    let demo = "cargo run --release -- --config examples/polluted/smoke.toml --seed 1";
    assert!(readme.contains(&format!("\n{demo}\n")), "the demo command");
    assert!(readme.contains("\nscripts/test\n"), "the test command");
    // The checks can fail.
    let long = format!("{readme}{}", "more\n".repeat(300));
    assert!(readme_problems(&long)[0].contains("more than 300"));
    let wide = readme.replacen(demo, &format!("{demo} {}", "-v ".repeat(20)), 1);
    assert!(
        readme_problems(&wide)
            .iter()
            .any(|p| p.contains("set-up line")),
        "a wide set-up line is found"
    );
}

#[test]
fn the_readme_links_to_every_doc() {
    let readme = Doc::read("README.md");
    let linked: BTreeSet<PathBuf> = readme
        .links
        .iter()
        .map(|l| PathBuf::from(l.dest.split('#').next().unwrap_or("")))
        .collect();
    for rel in markdown_files().iter().filter(|f| *f != "README.md") {
        assert!(
            linked.contains(Path::new(rel)),
            "README.md does not link to {rel}"
        );
    }
}
