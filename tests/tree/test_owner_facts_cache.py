"""owner_facts() keeps its answer by the headers its walk read (paths and blob ids): a warm
answer is the cold one, and a file whose walk reaches the same headers gets it from the cache."""

from __future__ import annotations

from reviewbot.tree import headers
from reviewbot.tree.store import Reader, Snap, Store
from tests.tree.conftest import ATHDMAC, ES8328, NETXBIG, OPENDICE


def test_cached_owner_facts_are_the_cold_ones(kernel_repo):
    store = Store(str(kernel_repo.path))
    try:
        reader = Reader(store)
        at = Snap(kernel_repo.base)
        walks = []
        for path in (ATHDMAC, ES8328, NETXBIG, OPENDICE):
            text = reader.text(at, path)
            walks.append(headers.direct_includes(reader, at, path, text))
        headers._FACTS.clear()
        cold = [headers.owner_facts(reader, at, inc) for inc in walks]
        assert len(headers._FACTS) == len({tuple(i) for i in walks}) > 1
        cached = dict(headers._FACTS)
        warm = [headers.owner_facts(reader, at, inc) for inc in walks]
        assert warm == cold and headers._FACTS == cached  # served from the cache, nothing added
        assert any(structs or wrappers for structs, wrappers in cold)  # facts were found
        # the cache is keyed by what was read, not by the request: a cold walk again agrees
        headers._FACTS.clear()
        assert [headers.owner_facts(reader, at, inc) for inc in walks] == cold
    finally:
        store.close()
