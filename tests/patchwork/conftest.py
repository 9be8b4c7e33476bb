from __future__ import annotations

import pytest

from tests.patchwork.fake import FakePatchwork


@pytest.fixture
def patchwork():
    fake = FakePatchwork().start()
    yield fake
    fake.stop()
    assert fake.violations == []
