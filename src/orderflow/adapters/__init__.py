"""Adapters: implementations of ``orderflow.ports`` — storages (memory, SQLite, PostgreSQL) and clocks.

Each storage passes the same contract test suite (``tests/contract``).
"""
