//! Pure: shell text. Turns the user's `run` template into a script that receives the test name
//! as data, and quotes words for the replay commands smoke prints.
//!
//! A test name is never pasted into shell text. The template runs as `sh -c SCRIPT smoke NAME`,
//! and each `{test}` in it becomes a reference to `$1` that is a single word in whatever quoting
//! the user wrote around it: `"$1"` outside quotes, `${1}` inside double quotes, and `'"$1"'`
//! (close, quoted reference, reopen) inside single quotes. So `sh {test}`, `sh "{test}"` and
//! `sh '{test}'` all hand the name over intact, whatever characters it holds.

use std::borrow::Cow;

/// The placeholder for the test name in a `run` template.
pub const TEST_PLACEHOLDER: &str = "{test}";

/// Rewrite a `run` template into a script that reads the test name from `$1`.
///
/// Returns `None` when the template has no `{test}`.
///
/// ```
/// use smoke::shell::test_script;
/// assert_eq!(test_script("sh {test}").as_deref(), Some(r#"sh "$1""#));
/// assert_eq!(test_script("pytest '{test}' -q").as_deref(), Some(r#"pytest ''"$1"'' -q"#));
/// assert_eq!(test_script("make check"), None);
/// ```
pub fn test_script(template: &str) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut quote = Quote::None;
    let mut found = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with(TEST_PLACEHOLDER) {
            out.push_str(match quote {
                Quote::None => "\"$1\"",
                Quote::Double => "${1}",
                Quote::Single => "'\"$1\"'",
            });
            found = true;
            rest = &rest[TEST_PLACEHOLDER.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
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
    found.then_some(out)
}

/// Quote one word for a POSIX shell, for commands smoke prints for the user to paste.
/// Words that need no quoting are left as they are.
pub fn quote(word: &str) -> Cow<'_, str> {
    // try_quote only fails on a NUL byte, which no argument can hold anyway.
    shlex::try_quote(word).unwrap_or(Cow::Borrowed(word))
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
            ("sh {test}", r#"sh "$1""#),
            (r#"sh "{test}""#, r#"sh "${1}""#),
            ("sh '{test}'", r#"sh ''"$1"''"#),
            ("./run --name={test} -v", r#"./run --name="$1" -v"#),
            (r#"echo "t: {test}!""#, r#"echo "t: ${1}!""#),
            (r"echo \'{test}", r#"echo \'"$1""#),
            ("a {test} b {test}", r#"a "$1" b "$1""#),
            ("grün {test}", r#"grün "$1""#),
        ];
        for (template, script) in table {
            assert_eq!(test_script(template).as_deref(), Some(script), "{template}");
        }
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
    }
}
