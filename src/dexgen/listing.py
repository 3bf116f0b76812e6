"""Truncated lists in messages: the first few items and how many were left out, so a warning about
12 objects that shows 10 never reads as if 10 were all of them."""

from __future__ import annotations

from collections.abc import Iterable


def first_n(items: Iterable[object], n: int = 10, *, sep: str = ", ") -> str:
    """``items`` joined by ``sep``, cut after ``n`` with "and K more" naming how many were cut."""
    shown = [str(item) for item in items]
    more = len(shown) - n
    text = sep.join(shown[:n])
    return f"{text}{sep}and {more} more" if more > 0 else text
