"""The patch's intent: which commit-message phrases explain a removed get, put or owner as extra."""

import pytest

from reviewbot.checks import _intent


@pytest.mark.parametrize("text, role", [
    ("PCI: hotplug: Drop superfluous try_module_get() calls", "get"),
    ("The extra reference taken here is never released, causing a refcount leak.", "get"),
    ("Remove the unbalanced get_device() in foo_probe()", "get"),
    ("i2c: fix double put of the adapter", "put"),
    ("The device was already released by device_unregister(), so the put is an underflow.", "put"),
    ("Fix a use-after-free: the node is put twice", "put"),
    ("The .owner field is set by the core in __platform_driver_register()", "owner"),
    ("usb: misc: remove redundant module_put()", "put"),
    ("The reference is no longer needed since the core holds one.", "get"),
])
def test_phrase_explains_the_removal(text, role):
    assert _intent.explains(text, role)


@pytest.mark.parametrize("text, role", [
    ("spi: stm32: add runtime PM support", "get"),
    ("Fix a refcount leak in foo_probe()", "put"),  # a leak explains a removed get, not a removed put
    ("drm: fix double put of the bridge", "get"),  # a double put explains a removed put only
    ("Signed-off-by: Redundant Name <r@example.org>", "get"),  # trailers are not the author's claim
    ("see drivers/foo/unneeded-file.c", "get"),  # not prose
])
def test_phrase_does_not_explain_it(text, role):
    assert not _intent.explains(text, role)
