//! Pure: shards, one run split across machines. Shard k of n runs the iterations i with
//! `(i - 1) mod n == k - 1`, under the whole run's indexes and seeds, so n machines given the
//! same `--seed` and `--iterations` together run exactly what one machine would.
//!
//! This module parses `--shard K/N` and reads the index and total that CI systems set for
//! parallel jobs, from a map the caller hands in: it never reads the process environment (the
//! edge, `Config::load`, does that once), and it runs nothing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One shard of a run: `index` of `total`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    index: u32,
    total: u32,
}

impl Shard {
    /// Shard `index` of `total` (1-based); `None` unless `1 <= index <= total`.
    pub fn new(index: u32, total: u32) -> Option<Shard> {
        (1..=total)
            .contains(&index)
            .then_some(Shard { index, total })
    }

    /// Which shard this is, 1-based.
    pub fn index(self) -> u32 {
        self.index
    }

    /// How many shards the run has.
    pub fn total(self) -> u32 {
        self.total
    }

    /// Whether iteration `iteration` (1-based, of the whole run) belongs to this shard.
    pub fn contains(self, iteration: u32) -> bool {
        iteration >= 1 && (iteration - 1) % self.total == self.index - 1
    }

    /// How many of a run's `iterations` this shard runs.
    pub fn count(self, iterations: u32) -> u32 {
        if iterations < self.index {
            0
        } else {
            (iterations - self.index) / self.total + 1
        }
    }

    /// The iterations of a run of `iterations` that this shard runs, in order.
    pub fn iterations(self, iterations: u32) -> impl Iterator<Item = u32> {
        (self.index..=iterations).step_by(self.total as usize)
    }

    /// This shard's iterations of a run of `iterations`, in words for reports: `iterations 2, 5,
    /// 8`, `iterations 1, 4, 7, …, 28 (10)`, `no iteration`.
    pub fn describe(self, iterations: u32) -> String {
        let count = self.count(iterations);
        let listed: Vec<String> = self.iterations(iterations).map(|i| i.to_string()).collect();
        match count {
            0 => "no iteration".to_string(),
            1 => format!("iteration {}", listed[0]),
            2..=5 => format!("iterations {}", listed.join(", ")),
            _ => format!(
                "iterations {}, …, {} ({count})",
                listed[..3].join(", "),
                listed[listed.len() - 1]
            ),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shard {} of {}", self.index, self.total)
    }
}

/// What `--shard` says: an explicit shard, or "ask the CI system".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSpec {
    /// `--shard K/N`.
    Explicit(Shard),
    /// `--shard ci`: read the index and total from the CI system's variables.
    Ci,
}

/// Parse `--shard`'s value: `K/N` with `1 <= K <= N`, or `ci`.
pub fn parse_spec(text: &str) -> Result<ShardSpec, String> {
    if text.eq_ignore_ascii_case("ci") {
        return Ok(ShardSpec::Ci);
    }
    let malformed = || {
        format!(
            "a shard is K/N, this machine's share K of N (e.g. 2/3: the second of three), or \
             'ci' to read it from the CI system's variables (got '{text}')"
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(malformed)?;
    let (k, n): (u32, u32) = match (k.trim().parse(), n.trim().parse()) {
        (Ok(k), Ok(n)) => (k, n),
        _ => return Err(malformed()),
    };
    if n == 0 {
        return Err(format!(
            "a run has at least 1 shard (got '{text}'): N in K/N counts the machines"
        ));
    }
    Shard::new(k, n).map(ShardSpec::Explicit).ok_or_else(|| {
        format!("shard {k} of {n} does not exist: K in K/N counts from 1 to N (got '{text}')")
    })
}

/// A CI system's variables for its parallel jobs.
struct CiSystem {
    name: &'static str,
    index: &'static str,
    /// `None`: the system sets no total (`--shard-total` gives it).
    total: Option<&'static str>,
    /// Whether the index counts from 0.
    zero_based: bool,
}

/// The systems `--shard ci` knows, in the order they are looked for.
const CI_SYSTEMS: [CiSystem; 4] = [
    CiSystem {
        name: "GitLab",
        index: "CI_NODE_INDEX",
        total: Some("CI_NODE_TOTAL"),
        zero_based: false,
    },
    CiSystem {
        name: "CircleCI",
        index: "CIRCLE_NODE_INDEX",
        total: Some("CIRCLE_NODE_TOTAL"),
        zero_based: true,
    },
    CiSystem {
        name: "Buildkite",
        index: "BUILDKITE_PARALLEL_JOB",
        total: Some("BUILDKITE_PARALLEL_JOB_COUNT"),
        zero_based: true,
    },
    CiSystem {
        name: "a Kubernetes Indexed Job",
        index: "JOB_COMPLETION_INDEX",
        total: None,
        zero_based: true,
    },
];

/// The names of every variable `--shard ci` reads: the edge reads these, and only these.
pub fn ci_variables() -> impl Iterator<Item = &'static str> {
    CI_SYSTEMS
        .iter()
        .flat_map(|s| std::iter::once(s.index).chain(s.total))
}

/// The shard `--shard ci` means, from the CI variables in `env` (name → value) and
/// `--shard-total` (`total_flag`). The first system whose index variable is set is the one;
/// the message of an error says what was found and how to fix it.
pub fn from_ci(env: &BTreeMap<String, String>, total_flag: Option<u32>) -> Result<Shard, String> {
    let Some(system) = CI_SYSTEMS.iter().find(|s| env.contains_key(s.index)) else {
        return Err(
            "--shard ci found none of the variables CI systems set for parallel jobs: \
             CI_NODE_INDEX and CI_NODE_TOTAL (GitLab, `parallel:`), CIRCLE_NODE_INDEX and \
             CIRCLE_NODE_TOTAL (CircleCI, `parallelism:`), BUILDKITE_PARALLEL_JOB and \
             BUILDKITE_PARALLEL_JOB_COUNT (Buildkite, `parallelism:`), JOB_COMPLETION_INDEX \
             (a Kubernetes Indexed Job, with --shard-total N); GitHub Actions sets none: pass \
             --shard ${{ matrix.shard }}/N from a matrix instead"
                .to_string(),
        );
    };
    let number = |name: &str| -> Result<u32, String> {
        let value = &env[name];
        value.trim().parse().map_err(|_| {
            format!(
                "--shard ci: {name}='{value}' is not a whole number ({} sets it for parallel \
                 jobs; unset it, or pass --shard K/N)",
                system.name
            )
        })
    };
    let raw = number(system.index)?;
    let total = match (system.total, total_flag) {
        (Some(name), given) => {
            if !env.contains_key(name) {
                return Err(format!(
                    "--shard ci: {} is set but {name} is not ({} sets both for parallel jobs): \
                     set {name}, or pass --shard K/N",
                    system.index, system.name
                ));
            }
            let total = number(name)?;
            if let Some(given) = given.filter(|&g| g != total) {
                return Err(format!(
                    "--shard-total {given} disagrees with {name}={total}: leave --shard-total \
                     out ({} gives the total)",
                    system.name
                ));
            }
            total
        }
        (None, Some(given)) => given,
        (None, None) => {
            return Err(format!(
                "--shard ci: {}={raw} gives this pod's index (from 0), but {} sets no total: \
                 pass --shard-total N, N being the Job's completions",
                system.index, system.name
            ));
        }
    };
    let index = if system.zero_based {
        raw.checked_add(1)
    } else {
        Some(raw)
    };
    let base = if system.zero_based {
        "from 0"
    } else {
        "from 1"
    };
    index
        .and_then(|index| Shard::new(index, total))
        .ok_or_else(|| {
            let range = if system.zero_based {
                format!("0 to {}", total.saturating_sub(1))
            } else {
                format!("1 to {total}")
            };
            format!(
                "--shard ci: {}={raw} is not a shard of {total} ({} counts {base}, so it must be \
                 {range}): check the job's parallel settings{}",
                system.index,
                system.name,
                if system.total.is_none() {
                    " and --shard-total"
                } else {
                    ""
                }
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: u32, total: u32) -> Shard {
        Shard::new(index, total).expect("a valid shard")
    }

    /// Variables as a CI system sets them.
    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn env(vars: Vars) -> BTreeMap<String, String> {
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn shards_split_the_iterations_round_robin_and_together_cover_each_once() {
        let table: [(Shard, u32, &[u32]); 6] = [
            (shard(1, 3), 10, &[1, 4, 7, 10]),
            (shard(2, 3), 10, &[2, 5, 8]),
            (shard(3, 3), 10, &[3, 6, 9]),
            (shard(1, 1), 3, &[1, 2, 3]),
            (shard(3, 3), 2, &[]),
            (shard(2, 4), 1, &[]),
        ];
        for (s, iterations, expected) in table {
            let listed: Vec<u32> = s.iterations(iterations).collect();
            assert_eq!(listed, expected, "{s} of {iterations}");
            let contained: Vec<u32> = (1..=iterations).filter(|&i| s.contains(i)).collect();
            assert_eq!(contained, expected, "{s} of {iterations}");
            assert_eq!(s.count(iterations) as usize, expected.len(), "{s}");
        }
        for total in 1..=7 {
            for iterations in 0..=20 {
                let mut all: Vec<u32> = (1..=total)
                    .flat_map(|k| shard(k, total).iterations(iterations))
                    .collect();
                all.sort_unstable();
                assert_eq!(all, (1..=iterations).collect::<Vec<_>>());
            }
        }
        assert!(!shard(1, 3).contains(0), "iterations count from 1");
        assert_eq!(shard(2, 3).describe(10), "iterations 2, 5, 8");
        assert_eq!(shard(1, 3).describe(30), "iterations 1, 4, 7, …, 28 (10)");
        assert_eq!(shard(2, 2).describe(3), "iteration 2");
        assert_eq!(shard(2, 2).describe(1), "no iteration");
        assert_eq!(shard(2, 3).to_string(), "shard 2 of 3");
    }

    #[test]
    fn shard_values_parse_and_bad_ones_say_what_a_shard_is() {
        assert_eq!(parse_spec("2/3"), Ok(ShardSpec::Explicit(shard(2, 3))));
        assert_eq!(parse_spec("1/1"), Ok(ShardSpec::Explicit(shard(1, 1))));
        assert_eq!(parse_spec("ci"), Ok(ShardSpec::Ci));
        assert_eq!(parse_spec("CI"), Ok(ShardSpec::Ci));
        let table = [
            (
                "0/3",
                "shard 0 of 3 does not exist: K in K/N counts from 1 to N",
            ),
            ("4/3", "shard 4 of 3 does not exist"),
            ("1/0", "a run has at least 1 shard (got '1/0')"),
            ("2", "a shard is K/N"),
            ("2of3", "(got '2of3')"),
            ("a/3", "a shard is K/N"),
            ("-1/3", "a shard is K/N"),
            ("", "a shard is K/N"),
        ];
        for (text, expected) in table {
            let message = parse_spec(text).expect_err(text);
            assert!(message.contains(expected), "{text}: {message}");
        }
    }

    #[test]
    fn ci_variables_give_the_shard_one_based_or_zero_based_as_each_system_counts() {
        let table: [(Vars, Option<u32>, Shard); 6] = [
            (
                &[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")],
                None,
                shard(2, 3),
            ),
            (
                &[("CIRCLE_NODE_INDEX", "0"), ("CIRCLE_NODE_TOTAL", "4")],
                None,
                shard(1, 4),
            ),
            (
                &[
                    ("BUILDKITE_PARALLEL_JOB", "4"),
                    ("BUILDKITE_PARALLEL_JOB_COUNT", "5"),
                ],
                None,
                shard(5, 5),
            ),
            (&[("JOB_COMPLETION_INDEX", "2")], Some(3), shard(3, 3)),
            // A total given that agrees is fine.
            (
                &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "2")],
                Some(2),
                shard(1, 2),
            ),
            // GitLab's variables come first when several systems' are set.
            (
                &[
                    ("JOB_COMPLETION_INDEX", "0"),
                    ("CI_NODE_INDEX", "3"),
                    ("CI_NODE_TOTAL", "3"),
                ],
                None,
                shard(3, 3),
            ),
        ];
        for (vars, total, expected) in table {
            assert_eq!(from_ci(&env(vars), total), Ok(expected), "{vars:?}");
        }
    }

    #[test]
    fn ci_errors_name_the_variables_and_how_to_fix_them() {
        let table: [(Vars, Option<u32>, &[&str]); 8] = [
            (
                &[("CI", "true")],
                None,
                &[
                    "found none of the variables",
                    "CI_NODE_INDEX and CI_NODE_TOTAL (GitLab",
                    "CIRCLE_NODE_INDEX",
                    "BUILDKITE_PARALLEL_JOB_COUNT",
                    "JOB_COMPLETION_INDEX",
                    "--shard ${{ matrix.shard }}/N",
                ],
            ),
            (
                &[("JOB_COMPLETION_INDEX", "1")],
                None,
                &["JOB_COMPLETION_INDEX=1", "pass --shard-total N"],
            ),
            (
                &[("CI_NODE_INDEX", "1")],
                None,
                &["CI_NODE_INDEX is set but CI_NODE_TOTAL is not"],
            ),
            (
                &[("CI_NODE_INDEX", "x"), ("CI_NODE_TOTAL", "3")],
                None,
                &["CI_NODE_INDEX='x' is not a whole number"],
            ),
            (
                &[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")],
                None,
                &[
                    "CI_NODE_INDEX=0 is not a shard of 3",
                    "counts from 1",
                    "1 to 3",
                ],
            ),
            (
                &[("CIRCLE_NODE_INDEX", "3"), ("CIRCLE_NODE_TOTAL", "3")],
                None,
                &[
                    "CIRCLE_NODE_INDEX=3 is not a shard of 3",
                    "from 0",
                    "0 to 2",
                ],
            ),
            (
                &[("JOB_COMPLETION_INDEX", "3")],
                Some(3),
                &[
                    "JOB_COMPLETION_INDEX=3 is not a shard of 3",
                    "--shard-total",
                ],
            ),
            (
                &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "3")],
                Some(4),
                &["--shard-total 4 disagrees with CI_NODE_TOTAL=3"],
            ),
        ];
        for (vars, total, expected) in table {
            let message = from_ci(&env(vars), total).expect_err("refused");
            for needle in expected {
                assert!(message.contains(needle), "{vars:?}: {message}");
            }
        }
        let names: Vec<&str> = ci_variables().collect();
        assert_eq!(names.len(), 7);
        assert!(names.contains(&"JOB_COMPLETION_INDEX"));
    }
}
