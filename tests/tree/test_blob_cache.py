"""Blobs are kept by object id across series (``store._BLOBS``): a file that a later series
reads again costs no `git cat-file` round trip, the bytes are the repository's, and the cache
stays within its byte budget."""

from __future__ import annotations

from reviewbot.tree import store as tstore
from reviewbot.tree.store import Reader, Snap, Store
from tests.tree.conftest import ATHDMAC


def test_a_blob_read_for_one_series_serves_the_next(kernel_repo, monkeypatch):
    monkeypatch.setattr(tstore, "_BLOBS", type(tstore._BLOBS)())
    monkeypatch.setattr(tstore, "_BLOB_SIZE", [0])
    store = Store(str(kernel_repo.path))
    reads: list[str] = []
    real = Store.read_many

    def counted(self, names):
        names = list(names)
        reads.extend(names)
        return real(self, names)

    monkeypatch.setattr(Store, "read_many", counted)
    try:
        at = Snap(kernel_repo.base)
        first = Reader(store)
        text = first.text(at, ATHDMAC)
        sha = first.blob_id(at, ATHDMAC)
        assert sha in reads and text
        reads.clear()
        second = Reader(store)  # a new series
        assert second.text(at, ATHDMAC) == text == kernel_repo.read(kernel_repo.base, ATHDMAC)
        assert second.data(sha) == text.encode()
        assert sha not in reads
    finally:
        store.close()


def test_the_cache_keeps_to_its_budget(monkeypatch):
    monkeypatch.setattr(tstore, "_BLOBS", type(tstore._BLOBS)())
    monkeypatch.setattr(tstore, "_BLOB_SIZE", [0])
    monkeypatch.setattr(tstore, "BLOB_BYTES", 800)
    ids = [f"{n:040x}" for n in range(20)]
    for n, sha in enumerate(ids):
        tstore._remember_blob(sha, bytes([n]) * 90)
        assert tstore._BLOB_SIZE[0] == sum(map(len, tstore._BLOBS.values())) <= 800
    assert list(tstore._BLOBS) == ids[-8:]  # the least recently used went first
    tstore._remember_blob("f" * 40, b"x" * 101)  # more than an eighth of the budget: not kept
    assert "f" * 40 not in tstore._BLOBS and list(tstore._BLOBS) == ids[-8:]
