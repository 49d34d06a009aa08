# Shared helpers for the demo tests (sourced, not a test: the glob only matches t/[0-9]*.sh).
fail() { echo "FAIL: $*" >&2; exit 1; }
