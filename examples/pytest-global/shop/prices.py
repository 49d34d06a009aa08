"""Formats prices with the current settings."""

from shop import settings


def format_price(amount):
    text = f"{amount:.{settings.DECIMALS}f}"
    if settings.CURRENCY == "EUR":
        return f"{text} EUR"
    return f"${text}"


def total(amounts):
    return round(sum(amounts), settings.DECIMALS)
