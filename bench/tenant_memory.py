"""Memory one tenant costs, per provider: once first read, and after 10 writes.

    .venv/bin/python bench/tenant_memory.py [--tenants 100]

For each provider, `--tenants` tenants are made by a first read of the store (as a request's
first touch makes them) and the Python heap they add is measured with tracemalloc, one
tenant at a time; then each tenant's first 10 records (of its largest collection) get one
changed field each, as 10 writes would, and that growth is measured too. Medians over the
tenants. It measures the store alone, in this process: no server, no socket.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tracemalloc

from mailtwin import Config
from mailtwin.runtime import Runtime

WRITES = 10


def measure(runtime: Runtime, provider: str, tenants: int) -> tuple[float, float, float]:
    """Median bytes a tenant adds when first touched, when its largest collection is read
    too, and when 10 records of that collection change."""
    store = runtime.store
    pristine = store.pristine(provider)
    largest = max(pristine.counts, key=pristine.counts.__getitem__)
    made: list[int] = []
    read: list[int] = []
    written: list[int] = []
    for n in range(tenants):
        name = f"memory-{n}"
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        tenant = store.tenant(provider, name, reading=True)
        gc.collect()
        middle = tracemalloc.get_traced_memory()[0]
        made.append(middle - before)
        collection = tenant.collections[largest]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        read.append(after - middle)
        for ident in list(collection.records)[:WRITES]:
            collection.update(ident, {"memory_bench": n})
        gc.collect()
        written.append(tracemalloc.get_traced_memory()[0] - after)
    return statistics.median(made), statistics.median(read), statistics.median(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    options = parser.parse_args()
    config = Config(seed=0, max_tenants=options.tenants + 10)
    runtime = Runtime(config)
    runtime.warm()
    tracemalloc.start()
    print("| provider | a tenant once read | its largest collection read | 10 writes more |"
          " 10,000 tenants once read |")
    print("| --- | --: | --: | --: | --: |")
    for provider in sorted(runtime.providers):
        made, read, written = measure(runtime, provider, options.tenants)
        largest = max(runtime.store.pristine(provider).counts.items(), key=lambda kv: kv[1])
        print(f"| {provider} | {made / 1024:,.0f} KB | {read / 1024:,.0f} KB "
              f"({largest[0]}, {largest[1]} records) | {written / 1024:,.1f} KB | "
              f"{made * 10_000 / 1e9:,.1f} GB |")
        runtime.store.reset(provider)

if __name__ == "__main__":
    main()
