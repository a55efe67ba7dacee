"""The storage contract: what every ``orderflow.ports.Storage`` guarantees, as a base class of
pytest tests that a host subclasses to check its own adapter (as eventsourcing ships its
recorder tests). docs/persistence.md, "Checking your own adapter", shows how::

    from orderflow.testing.contract import THREADS, StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self):                  # an empty database, schema created
            storage = MyStorage(...)
            storage.create_schema()
            yield storage
            storage.close()

        @pytest.fixture
        def peers(self, storage):           # THREADS storages over that same database
            return [storage] * THREADS

The tests need pytest and Hypothesis (the ``test`` extra). ``examples`` bounds the Hypothesis test.
"""

from .edges import EdgeContract
from .queues import QueueContract
from .streams import StorageContract
from .support import THREADS

__all__ = ["THREADS", "EdgeContract", "QueueContract", "StorageContract"]
