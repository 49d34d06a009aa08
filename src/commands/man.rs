//! `smoke man`: the man page, made from the clap definitions in `cli` by clap_mangen, never
//! written by hand, so it cannot fall behind the flags.
//!
//! On stdout it is one page (`smoke man | man -l -`): smoke's own options, then a section per
//! subcommand with its synopsis, description and options, since a page printed to a pipe cannot
//! point at pages that are not installed. `--dir DIR` writes the usual set instead, `smoke.1`
//! and `smoke-SUBCOMMAND.1` for each subcommand, cross-referenced as `git`'s pages are. The
//! page is built in memory ([`page`], pure); this module writes it and decides nothing else. It
//! reads no config and runs no test.

use super::session::Session;
use crate::cli::{Cli, ManArgs};
use crate::error::exit;
use crate::term::{self, outln};
use anyhow::Context;
use clap::CommandFactory;
use clap_mangen::Man;
use std::path::Path;

/// `smoke man`: print the page on stdout, or with `--dir` write one page per command there
/// and print their paths. Returns the exit code.
pub(crate) fn run(args: ManArgs, session: &Session) -> anyhow::Result<u8> {
    if let Some(dir) = args.dir {
        for written in write_pages(&session.cwd.join(&dir))? {
            outln!("{}", dir.join(written).display());
        }
        return Ok(exit::OK);
    }
    let page = page(Cli::command()).context("cannot render the man page")?;
    term::write_document(&mut std::io::stdout().lock(), &page)
        .context("cannot write the man page to stdout")?;
    Ok(exit::OK)
}

/// The whole command as one roff page: a section per subcommand with its synopsis,
/// description, options and notes (under a `.SS` heading), where clap_mangen's own page only
/// lists them as references to their pages.
pub(crate) fn page(mut cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    // Built once here, so the subcommands carry their full names (`smoke merge`).
    cmd.build();
    render(&cmd, Subcommands::Inline)
}

/// How a page shows the subcommands of its command.
#[derive(Clone, Copy, PartialEq)]
enum Subcommands {
    /// Each in full, in a part of this page.
    Inline,
    /// Each as a reference to its own page (`smoke-merge(1)`), with its one-line description.
    Referenced,
}

/// The page of `cmd` (built): clap_mangen's sections in clap_mangen's order, the subcommands
/// shown as asked, and the notes (clap's after-help) headed by what they hold rather than
/// clap_mangen's EXTRA.
fn render(cmd: &clap::Command, subcommands: Subcommands) -> std::io::Result<Vec<u8>> {
    let top = man(cmd.clone());
    let mut out = Vec::new();
    top.render_title(&mut out)?;
    out.extend(section(Headings::Keep, |w| {
        top.render_name_section(w)?;
        top.render_synopsis_section(w)?;
        top.render_description_section(w)
    })?);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        out.extend(section(Headings::Keep, |w| top.render_options_section(w))?);
    }
    let subs: Vec<_> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    match subcommands {
        _ if subs.is_empty() => {}
        Subcommands::Referenced => out.extend(section(Headings::Keep, |w| {
            top.render_subcommands_section(w)
        })?),
        Subcommands::Inline => {
            out.extend_from_slice(b".SH SUBCOMMANDS\n");
            for sub in subs.iter().copied() {
                out.extend(inline(sub)?);
            }
        }
    }
    if cmd.get_after_help().is_some() {
        // smoke's own notes are its examples and exit codes; a subcommand's, how to reach a
        // test of its name.
        let heading = if subs.is_empty() {
            "NOTES"
        } else {
            "\"EXAMPLES AND EXIT CODES\""
        };
        out.extend_from_slice(format!(".SH {heading}\n").as_bytes());
        out.extend(section(Headings::Drop, |w| top.render_extra_section(w))?);
    }
    if cmd.get_version().is_some() {
        out.extend(section(Headings::Keep, |w| top.render_version_section(w))?);
    }
    Ok(out)
}

/// The part of the one page for the subcommand `sub`: its page's sections under a `.SS`
/// heading with their own headings dropped, a paragraph each.
fn inline(sub: &clap::Command) -> std::io::Result<Vec<u8>> {
    let name = sub.get_bin_name().unwrap_or_else(|| sub.get_name());
    let man = man(sub.clone());
    let mut parts = vec![
        section(Headings::Drop, |w| man.render_synopsis_section(w))?,
        section(Headings::Drop, |w| man.render_description_section(w))?,
    ];
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        parts.push(section(Headings::Drop, |w| man.render_options_section(w))?);
    }
    if sub.get_after_help().is_some() {
        parts.push(section(Headings::Drop, |w| man.render_extra_section(w))?);
    }
    let mut out = format!(".SS \"{name}\"\n").into_bytes();
    out.extend(parts.join(&b".PP\n"[..]));
    Ok(out)
}

/// clap_mangen's page of `cmd`, titled in capitals as man pages are (`SMOKE-MERGE(1)`), each
/// page's footer naming smoke and its version.
fn man(cmd: clap::Command) -> Man {
    let title = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_uppercase();
    Man::new(cmd)
        .title(title)
        .source(concat!("smoke ", env!("CARGO_PKG_VERSION")))
}

/// What `render` writes, as [`body`] keeps it.
fn section(
    headings: Headings,
    render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<Vec<u8>> {
    let mut roff = Vec::new();
    render(&mut roff)?;
    Ok(body(&roff, headings))
}

/// Whether [`body`] keeps the `.SH` lines.
#[derive(Clone, Copy, PartialEq)]
enum Headings {
    Keep,
    Drop,
}

/// `roff` as written by one of clap_mangen's section renderers, without the preamble each of
/// them repeats (the page's title keeps the one needed), and without its `.SH` heading when
/// asked. A line of text never starts with a dot (roff escapes it as `\&.`), so only control
/// lines are dropped.
fn body(roff: &[u8], headings: Headings) -> Vec<u8> {
    roff.split_inclusive(|&b| b == b'\n')
        .filter(|line| {
            !(line.starts_with(b".ie \\n(.g .ds Aq")
                || line.starts_with(b".el .ds Aq")
                || (headings == Headings::Drop && line.starts_with(b".SH")))
        })
        .flatten()
        .copied()
        .collect()
}

/// Write `smoke.1` and a page per subcommand into `dir` (made if missing), cross-referenced;
/// returns the file names, the top command's first.
fn write_pages(dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot make the folder '{}' for the man pages",
            dir.display()
        )
    })?;
    let mut cmd = Cli::command();
    cmd.build();
    let subcommands = cmd.get_subcommands().filter(|s| !s.is_hide_set());
    let mut written = Vec::new();
    for command in std::iter::once(&cmd).chain(subcommands) {
        let name = man(command.clone()).get_filename();
        let page = render(command, Subcommands::Referenced)
            .with_context(|| format!("cannot render the man page {name}"))?;
        std::fs::write(dir.join(&name), page)
            .with_context(|| format!("cannot write '{name}' in '{}'", dir.display()))?;
        written.push(name);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        String::from_utf8(page(Cli::command()).expect("renders")).expect("roff is UTF-8 here")
    }

    #[test]
    fn the_one_page_names_every_subcommand_and_every_long_flag() {
        let page = text();
        assert!(
            page.lines().any(|l| l.starts_with(".TH SMOKE 1 ")),
            "{}",
            &page[..200]
        );
        let mut cmd = Cli::command();
        cmd.build();
        let flags = |cmd: &clap::Command| {
            cmd.get_arguments()
                .filter_map(|a| a.get_long())
                .map(|long| format!("\\-\\-{}", long.replace('-', "\\-")))
                .collect::<Vec<_>>()
        };
        for flag in flags(&cmd) {
            assert!(page.contains(&flag), "{flag} missing");
        }
        for sub in cmd.get_subcommands() {
            let heading = format!(".SS \"smoke {}\"", sub.get_name());
            let at = page
                .find(&heading)
                .unwrap_or_else(|| panic!("{heading} missing"));
            let part = &page[at..];
            let part = &part[..part[1..].find(".SS").map_or(part.len(), |end| end + 1)];
            for flag in flags(sub) {
                assert!(part.contains(&flag), "{flag} missing under {heading}");
            }
        }
    }

    #[test]
    fn the_subcommands_have_no_headings_of_their_own_and_the_notes_come_last() {
        let page = text();
        let headings: Vec<_> = page.lines().filter(|l| l.starts_with(".SH")).collect();
        assert_eq!(
            headings,
            [
                ".SH NAME",
                ".SH SYNOPSIS",
                ".SH DESCRIPTION",
                ".SH OPTIONS",
                ".SH SUBCOMMANDS",
                ".SH \"EXAMPLES AND EXIT CODES\"",
                ".SH VERSION",
            ]
        );
        assert!(
            page.contains("smoke \\-\\- merge"),
            "the tip for a test called merge"
        );
    }

    #[test]
    fn the_preamble_is_said_once_and_headings_are_dropped_when_asked() {
        let page = text();
        assert_eq!(page.matches(".ds Aq").count(), 2, "one .ie/.el pair");
        let roff = b".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH OPTIONS\n.TP\n\\&.SH is text\n";
        assert_eq!(body(roff, Headings::Drop), b".TP\n\\&.SH is text\n");
        assert_eq!(
            body(roff, Headings::Keep),
            b".SH OPTIONS\n.TP\n\\&.SH is text\n"
        );
    }
}
