"""The PostgreSQL adapter's schema and statements (docs/operations.md explains each table and index).

Tables are prefixed ``orderflow_`` so that they can share a database (and a schema) with the host's.
Statements are bytes: psycopg takes them as they are, parameters bound by the server.
"""

#: The channel ``append`` notifies at commit when the order has a deadline pending (payload: when).
DUE_CHANNEL = "orderflow_due"

#: The advisory lock ``create_schema`` holds, so that processes starting together do not race.
SCHEMA_LOCK = 0x6F72646572666C6F  # "orderflo"

SCHEMA = b"""
CREATE TABLE IF NOT EXISTS orderflow_orders (
    order_id text PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 0),
    state text NOT NULL,
    next_due timestamptz,
    postponed_until timestamptz,
    last_error text,
    snapshot jsonb,
    snapshot_version integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orderflow_orders_due ON orderflow_orders (next_due, order_id)
    WHERE next_due IS NOT NULL;
CREATE TABLE IF NOT EXISTS orderflow_events (
    order_id text NOT NULL,
    version integer NOT NULL,
    type text NOT NULL,
    body jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, version)
);
CREATE TABLE IF NOT EXISTS orderflow_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    message_id text PRIMARY KEY,
    order_id text NOT NULL,
    version integer NOT NULL,
    effect_index integer NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    ready_at timestamptz,
    published_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE orderflow_outbox ADD COLUMN IF NOT EXISTS dead_at timestamptz;
CREATE INDEX IF NOT EXISTS orderflow_outbox_dead ON orderflow_outbox (seq) WHERE dead_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS orderflow_outbox_unpublished ON orderflow_outbox (seq)
    WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS orderflow_outbox_published ON orderflow_outbox (published_at)
    WHERE published_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS orderflow_idempotency (
    key text PRIMARY KEY,
    fingerprint text NOT NULL,
    outcome jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orderflow_idempotency_created ON orderflow_idempotency (created_at);
"""

LOAD = b"SELECT version, snapshot, snapshot_version FROM orderflow_orders WHERE order_id = %s"
VERSION = b"SELECT version FROM orderflow_orders WHERE order_id = %s"
EVENTS = b"SELECT version, body FROM orderflow_events WHERE order_id = %s AND version > %s ORDER BY version"
# Up to the version the order row showed (READ COMMITTED: later rows may have been committed since).
EVENTS_UP_TO = b"""SELECT version, body FROM orderflow_events WHERE order_id = %s AND version > %s
    AND version <= %s ORDER BY version"""

# A new order: nothing if another transaction created it (it waits for that one to end first).
CREATE = b"""
INSERT INTO orderflow_orders (order_id, version, state, next_due, snapshot, snapshot_version)
VALUES (%(order_id)s, %(version)s, %(state)s, %(next_due)s, %(snapshot)s, coalesce(%(snapshot_version)s, 0))
ON CONFLICT (order_id) DO NOTHING
RETURNING CASE WHEN %(notify)s THEN pg_notify(%(channel)s, %(payload)s) END
"""

# An existing order, only from the expected version: under READ COMMITTED the UPDATE waits for a
# concurrent writer of the row, then checks the version it committed. Both statements return a
# row only when they moved the order, and then notify the runners if a deadline is pending (saving
# a round trip; delivered at commit).
EXTEND = b"""
UPDATE orderflow_orders SET version = %(version)s, state = %(state)s, next_due = %(next_due)s,
    postponed_until = NULL, last_error = NULL, updated_at = now(),
    snapshot = coalesce(%(snapshot)s, snapshot),
    snapshot_version = coalesce(%(snapshot_version)s, snapshot_version)
WHERE order_id = %(order_id)s AND version = %(expected)s
RETURNING CASE WHEN %(notify)s THEN pg_notify(%(channel)s, %(payload)s) END
"""

INSERT_EVENT = b"INSERT INTO orderflow_events (order_id, version, type, body) VALUES (%s, %s, %s, %s)"

DUE = b"""
SELECT order_id FROM orderflow_orders
WHERE next_due <= %(now)s AND (postponed_until IS NULL OR postponed_until <= %(now)s)
ORDER BY next_due, order_id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
"""

# When ``due`` will next list an order: the later of its due instant and its postponement.
NEXT_DUE = b"SELECT min(greatest(next_due, postponed_until)) FROM orderflow_orders WHERE next_due IS NOT NULL"

POSTPONE = b"UPDATE orderflow_orders SET postponed_until = %s, last_error = %s WHERE order_id = %s"

GET_KEY = b"SELECT fingerprint, outcome FROM orderflow_idempotency WHERE key = %s"
PUT_KEY = b"""
INSERT INTO orderflow_idempotency (key, fingerprint, outcome) VALUES (%s, %s, %s)
ON CONFLICT (key) DO NOTHING
"""

PUT_MESSAGE = b"""
INSERT INTO orderflow_outbox (message_id, order_id, version, effect_index, kind, payload, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""

# Lease the oldest ready messages that no other relay holds right now.
CLAIM = b"""
WITH ready AS (
    SELECT seq FROM orderflow_outbox
    WHERE published_at IS NULL AND dead_at IS NULL AND (ready_at IS NULL OR ready_at <= %(now)s)
    ORDER BY seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE orderflow_outbox AS o SET ready_at = %(until)s FROM ready WHERE o.seq = ready.seq
RETURNING o.seq, message_id, order_id, version, effect_index, kind, payload, attempts, created_at
"""

KNOWN_MESSAGES = b"SELECT message_id FROM orderflow_outbox WHERE message_id = ANY(%s)"
PUBLISHED = b"""
UPDATE orderflow_outbox SET published_at = now() WHERE message_id = ANY(%s) AND published_at IS NULL
"""
RETRY = b"""
UPDATE orderflow_outbox SET attempts = attempts + 1, ready_at = %s, last_error = %s
WHERE message_id = %s
"""

# Dead letters: messages the relay gave up on, kept out of CLAIM until revived or dropped.
BURY = b"""
UPDATE orderflow_outbox SET attempts = attempts + 1, last_error = %s, dead_at = now() WHERE message_id = %s
"""
DEAD = b"""
SELECT message_id, order_id, version, effect_index, kind, payload, attempts, created_at, last_error
FROM orderflow_outbox WHERE dead_at IS NOT NULL ORDER BY seq LIMIT %s
"""
KNOWN_DEAD = b"SELECT message_id FROM orderflow_outbox WHERE dead_at IS NOT NULL AND message_id = ANY(%s)"
REVIVE = b"UPDATE orderflow_outbox SET dead_at = NULL, attempts = 0, ready_at = %s WHERE message_id = ANY(%s)"
DROP = b"DELETE FROM orderflow_outbox WHERE message_id = ANY(%s)"

# The operator's figures (Storage.stats): due orders and the outbox's backlog and dead letters.
STATS = b"""
SELECT (SELECT count(*) FROM orderflow_orders WHERE next_due <= %(now)s),
       (SELECT min(next_due) FROM orderflow_orders WHERE next_due <= %(now)s),
       count(*) FILTER (WHERE dead_at IS NULL), min(created_at) FILTER (WHERE dead_at IS NULL),
       count(*) FILTER (WHERE dead_at IS NOT NULL)
FROM orderflow_outbox WHERE published_at IS NULL
"""
