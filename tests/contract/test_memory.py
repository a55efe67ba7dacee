"""The storage contract for ``MemoryStorage``."""

from __future__ import annotations

import pytest
from storage_contract import StorageContract
from storage_support import THREADS

from orderflow.adapters.memory import MemoryStorage


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> MemoryStorage:
        storage = MemoryStorage()
        storage.create_schema()
        return storage

    @pytest.fixture
    def peers(self, storage: MemoryStorage) -> list[MemoryStorage]:
        return [storage] * THREADS
