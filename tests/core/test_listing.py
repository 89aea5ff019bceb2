"""Listings resume after a place in their order: ids_after / ids_before agree with walking
the whole ordered list, whatever shape the ids come in (insertion order, a sorted list, an
index walk), with and without predicates, and a listing can be walked more than once."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mailtwin.handlers import sort_ids
from mailtwin.listing import Listing, Order, Predicate
from mailtwin.store import Collection


def collection(seed: int) -> Collection:
    rng = random.Random(seed)
    made = Collection("id", ["state"])
    for ident in range(1, 41):
        state = "rare" if ident % 10 == 0 else rng.choice(["a", "b", "c"])
        made.insert({"id": ident, "state": state,
                     "score": rng.choice([None, 1, 2, 2.5, 3]), "name": rng.choice("xyz")})
    for ident in rng.sample(range(1, 41), 6):
        made.delete(ident)
    return made


def shapes(made: Collection, order: Order) -> dict[str, Any]:
    """The same records in `order`, as each way a list handler may hand ids over."""
    base = {"in order": made.ids(order.reverse),
            "index walk": made.ids_where("state", ["a", "b", "c"], order.reverse),
            "index list": made.ids_where("state", ["rare"], order.reverse)}
    if order.terms:
        return {name: sort_ids(made.records, ids, list(order.terms))
                for name, ids in base.items()}
    return base


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("terms", [(), (("score", False),), (("score", True), ("name", False))])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("counted", [False, True])
def test_ids_after_and_before_match_the_whole_order(
        seed: int, terms: tuple[tuple[str, bool], ...], reverse: bool, filtered: bool,
        counted: bool) -> None:
    made = collection(seed)
    order = Order(terms, reverse)
    predicates: list[Predicate] = [lambda r: r["name"] != "y"] if filtered else []
    for name, ids in shapes(made, order).items():
        listing = Listing(made, ids, predicates, dict, order=order)
        if counted:
            listing.total()
        whole = [i for i in ids if not filtered or made.records[i]["name"] != "y"]
        assert listing.all_ids() == whole, name
        ranks = [listing.rank(i) for i in whole]
        assert ranks == sorted(ranks), name
        for place, ident in enumerate(whole):
            rank = listing.rank(ident)
            assert listing.ids_after(rank, 3) == whole[place + 1:place + 4], (name, ident)
            assert listing.ids_before(rank, 3) == whole[max(0, place - 3):place], (name, ident)


def test_a_listing_over_the_collection_counts_and_walks_again() -> None:
    made = Collection("id")
    for ident in range(1, 6):
        made.insert({"id": ident})
    listing = Listing(made, made.ids(), [], dict)
    assert listing.ids_window(0, 2) == [1, 2]
    assert listing.total() == 5
    assert listing.ids_window(0, 2) == [1, 2]
    assert list(made.ids(reverse=True)) == [5, 4, 3, 2, 1] == list(made.ids(reverse=True))
