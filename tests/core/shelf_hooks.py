"""Hooks of the shelf test provider: each uses one verb of the hook API."""

from __future__ import annotations

from mailtwin.hooks import Context, Hooks, Move, Reply, rows


def lend(ctx: Context) -> Reply:
    """Lend a book to a reader; the event bus hears of it."""
    book = ctx.require()
    reader = str(ctx.fields().get("reader") or "anonymous")
    ctx.move(book, "lend", also={"reader": reader})
    ctx.emit("book.lent", id=book["id"], reader=reader)
    return ctx.respond(book)


def reading_list(ctx: Context) -> Reply:
    """The books lent, as computed rows, a page at a time."""
    lent = [{"id": b["id"], "title": b["title"], "reader": b.get("reader")}
            for b in ctx.tenant.collections["book"].records.values() if b["state"] != "shelved"]
    return ctx.page(rows(lent))


def count_moves(move: Move) -> None:
    """Every move of a book is counted on the book itself."""
    move.record["moves"] = int(move.record.get("moves") or 0) + 1


HOOKS = Hooks.of(lend, reading_list, moves={"book": [count_moves]})
