"""Listings over a collection's ids can be counted and walked more than once."""

from __future__ import annotations

from mailtwin.listing import Listing
from mailtwin.store import Collection


def test_a_listing_over_the_collection_counts_and_walks_again() -> None:
    made = Collection("id")
    for ident in range(1, 6):
        made.insert({"id": ident})
    listing = Listing(made, made.ids(), [], dict)
    assert listing.ids_window(0, 2) == [1, 2]
    assert listing.total() == 5
    assert listing.ids_window(0, 2) == [1, 2]
    assert list(made.ids(reverse=True)) == [5, 4, 3, 2, 1] == list(made.ids(reverse=True))
