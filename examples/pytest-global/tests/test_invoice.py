"""The victim: relies on the default currency, and passes in the usual order (this file runs
before test_settings.py)."""

from shop.prices import format_price, total


def test_invoice_line_in_euro():
    assert format_price(total([1.5, 2.25])) == "3.75 EUR"


def test_total_of_nothing():
    assert total([]) == 0


def test_total_rounds():
    assert total([0.333, 0.333]) == 0.67
