//! Pure: shell text. Turns the user's `run` and `batch` templates into scripts that receive test
//! names as data, and quotes words for the replay commands smoke prints.
//!
//! A test name is never pasted into shell text. The template runs as `sh -c SCRIPT smoke NAME`,
//! and each `{test}` in it becomes a reference to `$1` that is a single word in whatever quoting
//! the user wrote around it: `"$1"` outside quotes, `${1}` inside double quotes, and `'"$1"'`
//! (close, quoted reference, reopen) inside single quotes. So `sh {test}`, `sh "{test}"` and
//! `sh '{test}'` all hand the name over intact, whatever characters it holds. A `batch` template
//! runs as `sh -c SCRIPT smoke NAME...`: `{tests}` becomes `"$@"` (one word per name) and
//! `{junit}` a reference to `$SMOKE_JUNIT`, quoted the same way.
//!
//! A template that is one simple command (no `;`, `&`, `|`, parentheses or newline outside
//! quotes, no leading assignment, not a shell keyword or builtin) is run with `exec`, so the
//! test *is* the process smoke's keeper waits for (see `exec`): a test killed by a signal is seen
//! as that signal, not as the shell's exit status 128+N, and there is one process less per test.

use std::borrow::Cow;

/// The placeholder for the test name in a `run` template.
pub const TEST_PLACEHOLDER: &str = "{test}";
/// The placeholder for the sequence's test names, each one word, in a `batch` template.
pub const TESTS_PLACEHOLDER: &str = "{tests}";
/// The placeholder for a file holding the sequence's names, one per line, in a `batch` template
/// (for sequences too long for a command line).
pub const TESTS_FILE_PLACEHOLDER: &str = "{tests-file}";
/// The variable a batch script reads that file's path from.
pub const TESTS_FILE_VAR: &str = "SMOKE_TESTS_FILE";
/// The placeholder for the fresh JUnit XML path in a `batch` template.
pub const JUNIT_PLACEHOLDER: &str = "{junit}";
/// The variable a batch script reads the JUnit path from.
pub const JUNIT_VAR: &str = "SMOKE_JUNIT";
/// The placeholder for the fresh JSON results path in a `batch` template (rspec, jest).
pub const JSON_PLACEHOLDER: &str = "{json}";
/// The variable a batch script reads the JSON results path from.
pub const JSON_VAR: &str = "SMOKE_JSON";
/// The variable that names the private folder holding smoke's helper files for runners (the
/// rspec ordering, the jest sequencer), set for every batch command.
pub const HELPERS_VAR: &str = "SMOKE_HELPERS";
/// The placeholder for the worker's number (1..=N) in any command smoke runs per sequence.
pub const WORKER_PLACEHOLDER: &str = "{worker}";
/// The variable that holds the worker's number.
pub const WORKER_VAR: &str = "SMOKE_WORKER";

/// Rewrite a `run` template into a script that reads the test name from `$1`.
///
/// Returns `None` when the template has no `{test}`.
///
/// ```
/// use smoke::shell::test_script;
/// assert_eq!(test_script("sh {test}").as_deref(), Some(r#"exec sh "$1""#));
/// assert_eq!(test_script("pytest '{test}' -q").as_deref(), Some(r#"exec pytest ''"$1"'' -q"#));
/// assert_eq!(test_script("cd t && sh {test}").as_deref(), Some(r#"cd t && sh "$1""#));
/// assert_eq!(test_script("make check"), None);
/// ```
pub fn test_script(template: &str) -> Option<String> {
    let (script, found) = rewrite(
        template,
        &[(TEST_PLACEHOLDER, "1"), (WORKER_PLACEHOLDER, WORKER_VAR)],
    );
    found[0].then_some(script)
}

/// Rewrite a setup or teardown command: `{worker}` becomes a reference to `$SMOKE_WORKER`,
/// quoted for where it stands; the rest is the user's shell text as written (no `exec`: a hook
/// runs as it always has).
///
/// ```
/// use smoke::shell::hook_script;
/// assert_eq!(hook_script("createdb app_{worker}"), r#"createdb app_"$SMOKE_WORKER""#);
/// assert_eq!(hook_script("rm -rf 'state-{worker}'"), r#"rm -rf 'state-'"$SMOKE_WORKER"''"#);
/// assert_eq!(hook_script("rm -rf state && mkdir state"), "rm -rf state && mkdir state");
/// ```
pub fn hook_script(template: &str) -> String {
    substitute(template, &[(WORKER_PLACEHOLDER, WORKER_VAR)]).0
}

/// Whether a command names its worker (`{worker}` or `SMOKE_WORKER`), so that workers can keep
/// their state apart.
pub fn names_worker(template: &str) -> bool {
    template.contains(WORKER_PLACEHOLDER) || template.contains(WORKER_VAR)
}

/// Rewrite a `batch` template into a script that reads the test names from `"$@"` (each one
/// word), the path of a file holding them (`{tests-file}`) from `$SMOKE_TESTS_FILE`, the JUnit
/// path, if the template has `{junit}`, from `$SMOKE_JUNIT`, and the JSON results path, if it
/// has `{json}`, from `$SMOKE_JSON`. Returns the script and whether it has `{junit}`, or `None`
/// when the template has neither `{tests}` nor `{tests-file}`.
///
/// ```
/// use smoke::shell::batch_script;
/// assert_eq!(
///     batch_script("pytest --junitxml={junit} {tests}"),
///     Some((r#"exec pytest --junitxml="$SMOKE_JUNIT" "$@""#.to_string(), true))
/// );
/// assert_eq!(batch_script("prove -v {tests}"), Some((r#"exec prove -v "$@""#.to_string(), false)));
/// assert_eq!(
///     batch_script("pytest @{tests-file}"),
///     Some((r#"exec pytest @"$SMOKE_TESTS_FILE""#.to_string(), false))
/// );
/// assert_eq!(batch_script("prove -v"), None);
/// ```
pub fn batch_script(template: &str) -> Option<(String, bool)> {
    let (script, found) = rewrite(
        template,
        &[
            (TESTS_PLACEHOLDER, "@"),
            (JUNIT_PLACEHOLDER, JUNIT_VAR),
            (WORKER_PLACEHOLDER, WORKER_VAR),
            (JSON_PLACEHOLDER, JSON_VAR),
            (TESTS_FILE_PLACEHOLDER, TESTS_FILE_VAR),
        ],
    );
    (found[0] || found[4]).then_some((script, found[1]))
}

/// Replace each placeholder with a reference to its variable (`1`, `@`, a name) that stays one
/// word (`"$@"`: one word per name) in whatever quoting surrounds it, and prefix `exec` when the
/// template is one simple command. Also says which placeholders were found.
fn rewrite(template: &str, placeholders: &[(&str, &str)]) -> (String, Vec<bool>) {
    let (out, found, simple) = substitute(template, placeholders);
    let script = if simple && execs(template) {
        format!("exec {out}")
    } else {
        out
    };
    (script, found)
}

/// The placeholders replaced (see [`rewrite`]), which were found, and whether the template is
/// one simple command.
fn substitute(template: &str, placeholders: &[(&str, &str)]) -> (String, Vec<bool>, bool) {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut quote = Quote::None;
    let mut found = vec![false; placeholders.len()];
    let mut simple = true;
    let mut rest = template;
    'scan: while let Some(c) = rest.chars().next() {
        for (i, (placeholder, var)) in placeholders.iter().enumerate() {
            if let Some(after) = rest.strip_prefix(placeholder) {
                out.push_str(&match quote {
                    Quote::None => format!("\"${var}\""),
                    Quote::Double => format!("${{{var}}}"),
                    Quote::Single => format!("'\"${var}\"'"),
                });
                found[i] = true;
                rest = after;
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if quote == Quote::None && matches!(c, ';' | '&' | '|' | '(' | ')' | '\n' | '\r') {
            simple = false;
        }
        match (quote, c) {
            (Quote::None | Quote::Double, '\\') => {
                // The escaped character is copied as it is and never starts a quote.
                if let Some(next) = rest.chars().next() {
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
            }
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            _ => {}
        }
    }
    (out, found, simple)
}

/// Whether a template that is one simple command can be run with `exec`: its first word is not
/// a variable assignment, a shell keyword or a builtin (those are not programs to exec).
fn execs(template: &str) -> bool {
    const NOT_PROGRAMS: &[&str] = &[
        "!", ".", ":", "[", "[[", "{", "}", "alias", "break", "builtin", "case", "cd", "command",
        "continue", "do", "done", "echo", "elif", "else", "esac", "eval", "exec", "exit", "export",
        "false", "fi", "for", "function", "getopts", "hash", "if", "in", "local", "printf", "read",
        "readonly", "return", "select", "set", "shift", "source", "test", "then", "time", "times",
        "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
    ];
    let first = template.split_whitespace().next().unwrap_or("");
    let assignment = first.split_once('=').is_some_and(|(name, _)| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    !first.is_empty() && !assignment && !NOT_PROGRAMS.contains(&first)
}

/// Quote one word for a POSIX shell, for commands smoke prints for the user to paste.
/// Words that need no quoting are left as they are. A word holding control characters (an
/// escape sequence, a newline) becomes a `printf` command substitution like [`quote_bytes`]'s,
/// so that it stays one line and reaches a terminal as plain text.
pub fn quote(word: &str) -> Cow<'_, str> {
    if word.chars().any(char::is_control) {
        return Cow::Owned(printf_word(word.as_bytes()));
    }
    // try_quote only fails on a NUL byte, which no argument can hold anyway.
    shlex::try_quote(word).unwrap_or(Cow::Borrowed(word))
}

/// Quote one word given as bytes. UTF-8 is quoted as by [`quote`]; other bytes become a
/// command substitution, `"$(printf '\351')"`, that any POSIX shell turns back into them.
pub fn quote_bytes(word: &[u8]) -> String {
    match std::str::from_utf8(word) {
        Ok(text) => quote(text).into_owned(),
        Err(_) => printf_word(word),
    }
}

/// `"$(printf '...')"` giving back exactly `word`: printable ASCII as it is, every other byte
/// (and what printf or the quotes would read otherwise) as an octal escape.
fn printf_word(word: &[u8]) -> String {
    let mut format = String::from("\"$(printf '");
    for &b in word {
        if (0x20..=0x7e).contains(&b) && !matches!(b, b'\'' | b'\\' | b'%') {
            format.push(char::from(b));
        } else {
            format.push_str(&format!("\\{b:03o}"));
        }
    }
    format.push_str("')\"");
    format
}

/// Quote and join words into one pasteable command line.
pub fn join<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> String {
    words
        .into_iter()
        .map(|w| quote(w.as_ref()).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_becomes_one_word_in_every_quoting() {
        let table = [
            ("sh {test}", r#"exec sh "$1""#),
            (r#"sh "{test}""#, r#"exec sh "${1}""#),
            ("sh '{test}'", r#"exec sh ''"$1"''"#),
            ("./run --name={test} -v", r#"exec ./run --name="$1" -v"#),
            (r#"echo "t: {test}!""#, r#"echo "t: ${1}!""#),
            (r"echo \'{test}", r#"echo \'"$1""#),
            ("a {test} b {test}", r#"exec a "$1" b "$1""#),
            ("grün {test}", r#"exec grün "$1""#),
        ];
        for (template, script) in table {
            assert_eq!(test_script(template).as_deref(), Some(script), "{template}");
        }
    }

    #[test]
    fn only_one_simple_command_is_run_with_exec() {
        for (template, execs) in [
            ("sh t.sh {test} > out.log", true),
            (r#"python -m pytest "{test}" -k 'a;b'"#, true),
            ("cd t && sh {test}", false),
            ("sh {test}; echo done", false),
            ("sh {test} | tee log", false),
            ("sh {test} 2>&1", false),
            ("(sh {test})", false),
            ("sh {test}\necho more", false),
            ("FOO=1 sh {test}", false),
            ("cd {test}", false),
            ("if true; then sh {test}; fi", false),
        ] {
            let script = test_script(template).expect("has {test}");
            assert_eq!(script.starts_with("exec "), execs, "{template} -> {script}");
        }
    }

    #[test]
    fn batch_placeholders_become_every_name_and_the_junit_path() {
        let table = [
            ("t {tests}", r#"exec t "$@""#, false),
            (
                r#"t "{tests}" --x={junit}"#,
                r#"exec t "${@}" --x="$SMOKE_JUNIT""#,
                true,
            ),
            (
                "cd a && t '{junit}' {tests}",
                r#"cd a && t ''"$SMOKE_JUNIT"'' "$@""#,
                true,
            ),
            (
                "t --from={tests-file} '{tests-file}'",
                r#"exec t --from="$SMOKE_TESTS_FILE" ''"$SMOKE_TESTS_FILE"''"#,
                false,
            ),
        ];
        for (template, script, junit) in table {
            assert_eq!(
                batch_script(template),
                Some((script.to_string(), junit)),
                "{template}"
            );
        }
        assert_eq!(batch_script("t {test}"), None);
    }

    #[test]
    fn a_template_without_the_placeholder_is_refused() {
        assert_eq!(test_script("sh t/a.sh"), None);
        assert_eq!(test_script("sh {tests}x"), None);
    }

    #[test]
    fn quoting_for_display_round_trips_through_a_shell_lexer() {
        for name in [
            "plain",
            "a b",
            "it's a $(touch pwned) test",
            "a; rm x",
            "`x`",
            "-dash",
        ] {
            let q = quote(name);
            assert_eq!(shlex::split(&q), Some(vec![name.to_string()]), "{q}");
        }
        assert_eq!(join(["smoke", "a b"]), "smoke 'a b'");
        assert_eq!(quote("a\x1b[2Jb\nc"), r#""$(printf 'a\033[2Jb\012c')""#);
    }
}
