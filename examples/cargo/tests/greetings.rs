//! The victim runs first in the usual (alphabetical) order and passes; the polluter leaves its
//! greeting file behind.

use shared_file::{greeting, set_greeting};

#[test]
fn default_greeting_is_hello() {
    assert_eq!(greeting(), "hello");
}

#[test]
fn greeting_can_be_changed() {
    set_greeting("bonjour"); // the bug: never removed
    assert_eq!(greeting(), "bonjour");
}

#[test]
fn shouting_is_upper_case() {
    assert_eq!("hello".to_uppercase(), "HELLO");
}
