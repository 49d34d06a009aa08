"""Process-wide settings: a module global, as many real projects have."""

CURRENCY = "EUR"
DECIMALS = 2
