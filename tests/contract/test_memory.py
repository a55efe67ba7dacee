"""The storage contract for ``MemoryStorage``."""

from __future__ import annotations

import pytest

from orderflow.adapters.memory import MemoryStorage
from orderflow.testing.contract import StorageContract
from orderflow.testing.contract.support import THREADS


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> MemoryStorage:
        storage = MemoryStorage()
        storage.create_schema()
        return storage

    @pytest.fixture
    def peers(self, storage: MemoryStorage) -> list[MemoryStorage]:
        return [storage] * THREADS
