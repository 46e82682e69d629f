//! Versioned schema migrations. `PRAGMA user_version` holds the version of a file; opening a
//! file runs every migration above it, each in its own transaction, so an old file is upgraded
//! in place and a half-applied upgrade never persists.

/// Version 1: the event log and the tables derived from it.
pub const V1: &str = "
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    time       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    station    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TABLE products (
    gtin             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    receive_as       TEXT NOT NULL,
    shelf_life_days  INTEGER
);
CREATE TABLE lots (
    gtin      TEXT NOT NULL,
    batch     TEXT NOT NULL,
    expiry    TEXT,
    status    TEXT NOT NULL,
    supplier  TEXT,
    arrived   INTEGER NOT NULL,
    PRIMARY KEY (gtin, batch)
);
CREATE INDEX lots_batch ON lots(batch);
CREATE TABLE stock (
    gtin      TEXT NOT NULL,
    batch     TEXT NOT NULL,
    location  TEXT NOT NULL,
    qty       INTEGER NOT NULL,
    PRIMARY KEY (gtin, batch, location)
);
CREATE TABLE genealogy (
    parent_gtin   TEXT NOT NULL,
    parent_batch  TEXT NOT NULL,
    child_gtin    TEXT NOT NULL,
    child_batch   TEXT NOT NULL,
    qty           INTEGER NOT NULL
);
CREATE INDEX genealogy_parent ON genealogy(parent_gtin, parent_batch);
CREATE INDEX genealogy_child ON genealogy(child_gtin, child_batch);
CREATE TABLE shipments (
    shipment  TEXT NOT NULL,
    customer  TEXT NOT NULL,
    gtin      TEXT NOT NULL,
    batch     TEXT NOT NULL,
    qty       INTEGER NOT NULL,
    event_seq INTEGER NOT NULL
);
CREATE INDEX shipments_lot ON shipments(gtin, batch);
";

/// Version 2: the sync outbox (one row per event, written in the event's transaction) and the
/// never-repeating batch sequences (not derived from events: a sequence value once handed out
/// is never handed out again, even after `store rebuild`).
pub const V2: &str = "
CREATE TABLE outbox (
    event_id  TEXT PRIMARY KEY REFERENCES events(id),
    pushed_at TEXT
);
INSERT INTO outbox (event_id) SELECT id FROM events;
CREATE TABLE sequences (
    scope  TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
";

/// All migrations in order; index + 1 is the version a file has after running it.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// Tables rebuilt from the event log by `store rebuild`.
pub const DERIVED_TABLES: &[&str] = &["products", "lots", "stock", "genealogy", "shipments"];
