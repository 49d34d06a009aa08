//! A greeting stored in a file next to the crate: the shared state the tests trip over.

use std::path::PathBuf;

/// Where the greeting lives.
pub fn greeting_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("greeting.txt")
}

/// The stored greeting, or "hello" when none is stored.
pub fn greeting() -> String {
    std::fs::read_to_string(greeting_file())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "hello".to_string())
}

/// Store a greeting.
pub fn set_greeting(text: &str) {
    std::fs::write(greeting_file(), text).expect("write the greeting file");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_next_to_the_crate() {
        assert!(greeting_file().ends_with("greeting.txt"));
    }
}
