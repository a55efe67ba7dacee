"""The SQLite adapter's schema and statements (docs/persistence.md explains each table and index).

Instants are integer microseconds since the epoch (UTC); JSON is canonical ``codec`` text.
"""

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS orders (
        order_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        next_due INTEGER,
        postponed_until INTEGER,
        last_error TEXT,
        snapshot TEXT,
        snapshot_version INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS events (
        order_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (order_id, version)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        ready_at INTEGER,
        published_at INTEGER,
        last_error TEXT,
        created_at INTEGER,
        dead_at INTEGER
    )""",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        outcome TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS orders_due ON orders (next_due, order_id) WHERE next_due IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE published_at IS NULL",
    "CREATE INDEX IF NOT EXISTS outbox_dead ON outbox (seq) WHERE dead_at IS NOT NULL",
)
#: From schema 1: the outbox learns when a message was queued and when it was given up on.
MIGRATE_1 = (
    "ALTER TABLE outbox ADD COLUMN created_at INTEGER",
    "ALTER TABLE outbox ADD COLUMN dead_at INTEGER",
)

CREATE = """INSERT INTO orders (order_id, version, state, next_due, snapshot, snapshot_version)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING"""
EXTEND = """UPDATE orders SET version = ?, state = ?, next_due = ?, postponed_until = NULL, last_error = NULL
    WHERE order_id = ? AND version = ?"""
EXTEND_SNAPSHOT = """UPDATE orders SET version = ?, state = ?, next_due = ?, postponed_until = NULL,
    last_error = NULL, snapshot = ?, snapshot_version = ? WHERE order_id = ? AND version = ?"""
INSERT_EVENT = "INSERT INTO events (order_id, version, kind, payload) VALUES (?, ?, ?, ?)"
SELECT_EVENTS = "SELECT version, payload FROM events WHERE order_id = ? AND version > ? ORDER BY version"
DUE = """SELECT order_id FROM orders
    WHERE next_due <= ?1 AND (postponed_until IS NULL OR postponed_until <= ?1)
    ORDER BY next_due, order_id LIMIT ?2"""
INSERT_MESSAGE = """INSERT INTO outbox (message_id, order_id, version, idx, kind, payload, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
CLAIM = """UPDATE outbox SET ready_at = ?1 WHERE seq IN (
        SELECT seq FROM outbox WHERE published_at IS NULL AND dead_at IS NULL
        AND (ready_at IS NULL OR ready_at <= ?2) ORDER BY seq LIMIT ?3)
    RETURNING seq, message_id, order_id, version, idx, kind, payload, attempts, created_at"""
BURY = """UPDATE outbox SET attempts = attempts + 1, last_error = ?,
    dead_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) WHERE message_id = ?"""
DEAD = """SELECT message_id, order_id, version, idx, kind, payload, attempts, created_at, last_error
    FROM outbox WHERE dead_at IS NOT NULL ORDER BY seq LIMIT ?"""
REVIVE = "UPDATE outbox SET dead_at = NULL, attempts = 0, ready_at = ? WHERE message_id = ?"
STATS = (
    """SELECT count(*), min(next_due) FROM orders WHERE next_due <= ?""",
    """SELECT count(*) FILTER (WHERE dead_at IS NULL), min(created_at) FILTER (WHERE dead_at IS NULL),
        count(*) FILTER (WHERE dead_at IS NOT NULL) FROM outbox WHERE published_at IS NULL""",
)
#: The database's wall clock in microseconds: when a message was published, for operators only.
PUBLISH = """UPDATE outbox SET published_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
    WHERE message_id = ? AND published_at IS NULL"""
#: When ``due`` will next list an order: the later of its due instant and its postponement.
NEXT_DUE = """SELECT MIN(MAX(next_due, COALESCE(postponed_until, next_due))) FROM orders
    WHERE next_due IS NOT NULL"""
RETRY = "UPDATE outbox SET attempts = attempts + 1, ready_at = ?, last_error = ? WHERE message_id = ?"
