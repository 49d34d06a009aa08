"""Innocent bystanders."""

from shop.prices import total


def test_free_shipping_threshold():
    assert total([20, 30]) >= 50


def test_no_negative_totals():
    assert total([5, -1]) == 4
