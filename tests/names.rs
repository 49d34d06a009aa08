//! Test names are data: random names, full of quotes, `$()`, backticks, `;`, newlines and
//! unicode, go through every kind of `run` template and arrive byte for byte, and nothing in them
//! is ever run as shell code.

mod common;

use common::{Suite, stderr};
use proptest::prelude::*;
use std::fs;
use std::process::Command;

/// Every way a template can hold `{test}`, with what `printf` then prints for name N.
const TEMPLATES: &[(&str, &str, &str)] = &[
    // (template, text before the name, text after it)
    ("printf %s {test}", "", ""),
    (r#"printf %s "{test}""#, "", ""),
    ("printf %s '{test}'", "", ""),
    ("printf %s --name={test}", "--name=", ""),
    (r#"printf %s "<{test}>""#, "<", ">"),
    ("printf %s '<{test}>'", "<", ">"),
    ("cd . && printf %s {test}", "", ""),
    ("X=1 printf %s {test}", "", ""),
    ("printf %s {test}; true", "", ""),
];

/// Run `script` as smoke does, `sh -c SCRIPT smoke NAME`, in `dir`; what it printed.
fn run(script: &str, name: &str, dir: &std::path::Path) -> Vec<u8> {
    let out = Command::new("/bin/sh")
        .args(["-c", script, "smoke", name])
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{script} with {name:?}: {out:?}");
    out.stdout
}

fn nasty_name() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "'",
        "\"",
        "`",
        "$(touch pwned)",
        "`touch pwned`",
        ";",
        "&",
        "|",
        "\n",
        "\\",
        "$1",
        "${HOME}",
        "*",
        "?",
        "[a]",
        " ",
        "\t",
        "-",
        "--",
        "é",
        "漢",
        "🦀",
        "{test}",
        "%s",
        "a",
        "b",
        "rm -rf ~",
        "#",
        "~",
        "!",
        ">x",
        "<y",
    ]);
    prop::collection::vec(pieces, 1..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_name_reaches_the_test_intact_through_every_template(name in nasty_name()) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (template, before, after) in TEMPLATES {
            let script = smoke::shell::test_script(template).expect("has {test}");
            let got = run(&script, &name, dir.path());
            let expected = format!("{before}{name}{after}");
            prop_assert_eq!(
                String::from_utf8_lossy(&got), expected.as_str(),
                "template {:?} became {:?}", template, script
            );
        }
        prop_assert!(!dir.path().join("pwned").exists(), "a name ran as code");
    }
}

#[test]
fn names_from_a_list_command_and_the_config_reach_the_binary_intact() {
    let names = [
        "a; touch pwned",
        "$(touch pwned)",
        "`touch pwned`",
        "it's \"quoted\"",
        "--looks-like-a-flag",
        "sp ace\ttab",
        "ünï 🦀",
    ];
    let suite = Suite::new();
    let list: Vec<String> = names.iter().map(|n| common::toml_string(n)).collect();
    suite
        .file(
            "smoke.toml",
            &format!(
                "[suite]\ntests = [{}]\nrun = \"printf '%s\\\\0' {{test}} >> got.bin\"\n",
                list.join(", ")
            ),
        )
        .dispatcher("");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = fs::read(suite.path().join("got.bin")).expect("tests ran");
    let got: Vec<String> = got
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8(p.to_vec()).expect("utf8"))
        .collect();
    assert_eq!(got, names);
    assert!(!suite.path().join("pwned").exists(), "a name ran as code");
}
