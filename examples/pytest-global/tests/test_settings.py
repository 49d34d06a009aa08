"""The polluter: switches the currency for its own check and leaves it switched."""

from shop import settings
from shop.prices import format_price


def test_decimals_default():
    assert settings.DECIMALS == 2


def test_price_in_dollars():
    settings.CURRENCY = "USD"  # the bug: no monkeypatch, never restored
    assert format_price(2) == "$2.00"


def test_price_is_text():
    assert isinstance(format_price(1), str)
