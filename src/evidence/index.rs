//! Pure: which of the suite's test ids a name from a CI artifact means. The suite's ids (as
//! `--list` gives them) and any aliases the caller knows (rspec's `spec/a_spec.rb:12` and full
//! descriptions) go in; a name and its other spellings come out as one id, or as "ambiguous" or
//! "unknown". It never guesses: a name that fits two ids is ambiguous, not the first of them.
//! No I/O; it must not learn about artifact formats (the parsers give it spellings).

use std::collections::BTreeSet;

/// The suite's test ids (index = the id's position in the list) and aliases per id, to find the
/// id an artifact's name means.
#[derive(Clone, Debug)]
pub struct Index {
    ids: Vec<String>,
    id_tokens: Vec<Vec<String>>,
    /// (id, alias, its tokens)
    aliases: Vec<(usize, String, Vec<String>)>,
}

/// What [`Index::find`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Exactly this id (its position in the list given to [`Index::new`]).
    Id(usize),
    /// These ids (sorted) fit equally well.
    Ambiguous(Vec<usize>),
    /// No id fits.
    Unknown,
}

impl Index {
    /// An index over the suite's ids, in the order listed.
    pub fn new(ids: &[&str]) -> Index {
        Index {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            id_tokens: ids.iter().map(|id| tokens(id)).collect(),
            aliases: Vec::new(),
        }
    }

    /// Another name for the id at `id` (rspec's `spec/a_spec.rb:12`, an example's full
    /// description, ...). Several ids may share an alias; a name that meets it is then
    /// ambiguous.
    ///
    /// # Panics
    /// When `id` is not a position in the list given to [`Index::new`] (a caller's bug).
    pub fn alias(&mut self, id: usize, alias: &str) {
        assert!(
            id < self.ids.len(),
            "alias for id {id} of an index of {}",
            self.ids.len()
        );
        self.aliases.push((id, alias.to_string(), tokens(alias)));
    }

    /// The id `name` (or one of `also`, its other spellings) means. Four stages, the first
    /// that finds anything decides:
    ///
    /// 1. an id equal to a spelling, the spellings tried in order (`name` first): the first
    ///    spelling that equals an id wins;
    /// 2. an alias equal to a spelling, likewise (an alias shared by several ids: ambiguous);
    /// 3. an id or alias with the same normalised tokens: a leading `./` and a `.py` that ends
    ///    a path (or comes before `::`) dropped, then split on `/`, `\`, `.`, `::`, `#` and
    ///    whitespace, never inside `[...]`, so pytest's JUnit `tests.test_a` + `test_x` meets
    ///    the node id `tests/test_a.py::test_x`;
    /// 4. an id or alias whose tokens end with the spelling's, or the other way round (a bare
    ///    go test name against `pkg::TestX`, an absolute path against `__tests__/a.test.js`).
    ///
    /// In stages 3 and 4 every spelling that matches something must agree: the ids all of them
    /// allow decide, one is the answer, several (or spellings that contradict each other) are
    /// [`Found::Ambiguous`]. A spelling that matches nothing does not count.
    pub fn find(&self, name: &str, also: &[String]) -> Found {
        let mut spellings: Vec<&str> = Vec::with_capacity(also.len() + 1);
        for s in std::iter::once(name).chain(also.iter().map(String::as_str)) {
            if !s.trim().is_empty() && !spellings.contains(&s) {
                spellings.push(s);
            }
        }
        for s in &spellings {
            let hits: BTreeSet<usize> =
                (0..self.ids.len()).filter(|&i| self.ids[i] == *s).collect();
            if !hits.is_empty() {
                return found(hits);
            }
        }
        for s in &spellings {
            let hits: BTreeSet<usize> = self
                .aliases
                .iter()
                .filter(|(_, alias, _)| alias == s)
                .map(|(id, _, _)| *id)
                .collect();
            if !hits.is_empty() {
                return found(hits);
            }
        }
        let spelled: Vec<Vec<String>> = spellings
            .iter()
            .map(|s| tokens(s))
            .filter(|t| !t.is_empty())
            .collect();
        let equal = |a: &[String], b: &[String]| a == b;
        let suffix =
            |a: &[String], b: &[String]| a.len() != b.len() && (a.ends_with(b) || b.ends_with(a));
        for fits in [&equal as &dyn Fn(&[String], &[String]) -> bool, &suffix] {
            let sets: Vec<BTreeSet<usize>> = spelled
                .iter()
                .map(|t| self.matching(t, fits))
                .filter(|set| !set.is_empty())
                .collect();
            if let Some(first) = sets.first() {
                let all: BTreeSet<usize> = first
                    .iter()
                    .copied()
                    .filter(|id| sets.iter().all(|set| set.contains(id)))
                    .collect();
                if all.is_empty() {
                    return Found::Ambiguous(
                        sets.into_iter()
                            .flatten()
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect(),
                    );
                }
                return found(all);
            }
        }
        Found::Unknown
    }

    /// The ids whose own tokens or an alias's fit `spelled`.
    fn matching(
        &self,
        spelled: &[String],
        fits: &dyn Fn(&[String], &[String]) -> bool,
    ) -> BTreeSet<usize> {
        let by_id = self
            .id_tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty() && fits(spelled, t))
            .map(|(i, _)| i);
        let by_alias = self
            .aliases
            .iter()
            .filter(|(_, _, t)| !t.is_empty() && fits(spelled, t))
            .map(|(i, _, _)| *i);
        by_id.chain(by_alias).collect()
    }
}

fn found(ids: BTreeSet<usize>) -> Found {
    let ids: Vec<usize> = ids.into_iter().collect();
    match ids.as_slice() {
        [] => Found::Unknown,
        [one] => Found::Id(*one),
        _ => Found::Ambiguous(ids),
    }
}

/// A name's normalised tokens: a leading `./` is dropped, so is `.py` before `::` or at the end
/// (pytest's JUnit classname `tests.test_a` + name `test_x` and its node id
/// `tests/test_a.py::test_x` give the same tokens), then the name is split on `/`, `\`, `.`,
/// `::`, `#` and whitespace, never inside `[...]` (pytest parameters `test_x[1.5-a/b]`, rspec
/// ids `spec/a_spec.rb[1:2]` stay whole tokens).
fn tokens(name: &str) -> Vec<String> {
    let mut name = name.trim();
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    let (head, params) = match name.find('[') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let mut head = head.replace(".py::", "::");
    if params.is_empty()
        && let Some(stripped) = head.strip_suffix(".py")
    {
        head = stripped.to_string();
    }
    let name = head + params;

    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let separator = depth == 0
            && match c {
                '/' | '\\' | '.' | '#' => true,
                ':' if chars.peek() == Some(&':') => {
                    chars.next();
                    true
                }
                c => c.is_whitespace(),
            };
        if separator {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> Vec<&str> {
        // Leaked for brevity: test-only.
        tokens(name)
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect()
    }

    fn also(spellings: &[&str]) -> Vec<String> {
        spellings.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tokens_split_outside_brackets_and_drop_py() {
        assert_eq!(
            t("tests/test_cart.py::test_x"),
            ["tests", "test_cart", "test_x"]
        );
        assert_eq!(
            t("tests.test_cart.test_x"),
            ["tests", "test_cart", "test_x"]
        );
        assert_eq!(t("./tests/test_a.py"), ["tests", "test_a"]);
        assert_eq!(
            t("tests/test_a.py::TestX::test_y[1.5-a/b]"),
            ["tests", "test_a", "TestX", "test_y[1.5-a/b]"]
        );
        assert_eq!(t("spec/a_spec.rb[1:2]"), ["spec", "a_spec", "rb[1:2]"]);
        assert_eq!(t("spec/a_spec.rb:12"), ["spec", "a_spec", "rb:12"]);
        assert_eq!(t("Prefix/Suite.Test/0"), ["Prefix", "Suite", "Test", "0"]);
        assert_eq!(
            t("Invoice#line names  it"),
            ["Invoice", "line", "names", "it"]
        );
        assert_eq!(t("C:\\ci\\t\\a.t"), ["C:", "ci", "t", "a", "t"]);
        assert_eq!(t("  "), Vec::<&str>::new());
        // `.py` only ends a path: a name merely containing it keeps it.
        assert_eq!(t("tests/copy.pyc"), ["tests", "copy", "pyc"]);
    }

    #[test]
    fn exact_ids_win_in_spelling_order() {
        let index = Index::new(&["a::TestX", "TestX"]);
        assert_eq!(index.find("a::TestX", &also(&["TestX"])), Found::Id(0));
        assert_eq!(index.find("b::TestX", &also(&["TestX"])), Found::Id(1));
    }

    #[test]
    fn aliases_match_exactly_and_may_be_shared() {
        let mut index = Index::new(&["spec/a_spec.rb[1:1]", "spec/b_spec.rb[1:1]"]);
        index.alias(0, "spec/a_spec.rb:4");
        index.alias(0, "Cart is empty");
        index.alias(1, "spec/b_spec.rb:4");
        index.alias(1, "Cart is empty");
        assert_eq!(index.find("spec/a_spec.rb:4", &[]), Found::Id(0));
        assert_eq!(index.find("./spec/b_spec.rb:4", &[]), Found::Id(1));
        assert_eq!(
            index.find("spec.a_spec.Cart is empty", &also(&["Cart is empty"])),
            Found::Ambiguous(vec![0, 1])
        );
        assert_eq!(index.find("spec/c_spec.rb:4", &[]), Found::Unknown);
    }

    #[test]
    fn pytest_junit_names_meet_node_ids() {
        let index = Index::new(&[
            "tests/test_cart.py::test_x",
            "tests/test_a.py::TestX::test_y",
            "tests/test_a.py::test_p[1.5-a/b]",
            "tests/test_b.py::test_x",
        ]);
        assert_eq!(
            index.find("tests.test_cart.test_x", &also(&["test_x"])),
            Found::Id(0)
        );
        assert_eq!(
            index.find("tests.test_a.TestX.test_y", &also(&["test_y"])),
            Found::Id(1)
        );
        assert_eq!(
            index.find("tests.test_a.test_p[1.5-a/b]", &also(&["test_p[1.5-a/b]"])),
            Found::Id(2)
        );
        // Run from the repository's root: the classname has more in front; the bare name fits
        // two ids, but both spellings must agree, and only one id fits both.
        assert_eq!(
            index.find("examples.shop.tests.test_cart.test_x", &also(&["test_x"])),
            Found::Id(0)
        );
        assert_eq!(index.find("test_x", &[]), Found::Ambiguous(vec![0, 3]));
        assert_eq!(index.find("tests/test_c.py::test_x", &[]), Found::Unknown);
    }

    #[test]
    fn gtest_names() {
        let index = Index::new(&[
            "Journal.StartsEmpty",
            "Sizes/TailOfThree.NeverLongerThanAsked/0",
            "Sizes/TailOfThree.NeverLongerThanAsked/1",
        ]);
        assert_eq!(index.find("Journal.StartsEmpty", &[]), Found::Id(0));
        assert_eq!(
            index.find("Sizes/TailOfThree.NeverLongerThanAsked/1", &[]),
            Found::Id(2)
        );
        assert_eq!(index.find("NeverLongerThanAsked/0", &[]), Found::Id(1));
        assert_eq!(
            index.find("NeverLongerThanAsked", &[]),
            Found::Unknown,
            "a suffix is whole tokens at the end, not a prefix of them"
        );
    }

    #[test]
    fn go_names() {
        let index = Index::new(&[
            "example.com/shop/cart::TestAddKeepsItems",
            "example.com/shop/cart::TestNewCartIsEmpty",
            "example.com/shop/export::TestNewCartIsEmpty",
        ]);
        assert_eq!(
            index.find(
                "example.com/shop/cart.TestAddKeepsItems",
                &also(&["TestAddKeepsItems"])
            ),
            Found::Id(0)
        );
        assert_eq!(index.find("TestAddKeepsItems", &[]), Found::Id(0));
        assert_eq!(
            index.find("TestNewCartIsEmpty", &[]),
            Found::Ambiguous(vec![1, 2])
        );
    }

    #[test]
    fn jest_paths() {
        let index = Index::new(&["__tests__/cart.test.js", "__tests__/checkout.test.js"]);
        assert_eq!(index.find("./__tests__/cart.test.js", &[]), Found::Id(0));
        assert_eq!(
            index.find(
                "cart adds an item",
                &also(&["/home/runner/work/shop/shop/__tests__/cart.test.js"])
            ),
            Found::Id(0)
        );
        assert_eq!(index.find("js", &[]), Found::Ambiguous(vec![0, 1]));
        assert_eq!(index.find("prices.test.js", &[]), Found::Unknown);
    }

    #[test]
    fn contradicting_spellings_are_ambiguous() {
        let index = Index::new(&["a/x.test.js", "b/y.test.js"]);
        assert_eq!(
            index.find("/ci/a/x.test.js", &also(&["/ci/b/y.test.js"])),
            Found::Ambiguous(vec![0, 1])
        );
    }

    #[test]
    #[should_panic(expected = "alias for id 2")]
    fn an_alias_for_a_missing_id_is_a_bug() {
        Index::new(&["a", "b"]).alias(2, "c");
    }
}
