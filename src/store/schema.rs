//! Schema versions. Each migration upgrades a file in place; `PRAGMA user_version` records
//! which ran. Add new versions at the end; never edit one that has shipped.

use rusqlite::{Connection, Transaction};

use super::StoreError;

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: event log, outbox (a row per event waiting for the sync, until 11), products, lots,
    // stock.
    "CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        station TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE outbox (event_id TEXT PRIMARY KEY REFERENCES events (id));
    CREATE TABLE products (gtin TEXT PRIMARY KEY, name TEXT NOT NULL, receive_as TEXT NOT NULL);
    CREATE TABLE lots (
        gtin TEXT NOT NULL, batch TEXT NOT NULL, expiry TEXT, status TEXT NOT NULL, supplier TEXT,
        PRIMARY KEY (gtin, batch)
    );
    CREATE TABLE stock (
        gtin TEXT NOT NULL, batch TEXT NOT NULL, location TEXT NOT NULL, quantity INTEGER NOT NULL,
        PRIMARY KEY (gtin, batch, location)
    );",
    // 2: shipments.
    "CREATE TABLE shipments (
        event_seq INTEGER PRIMARY KEY, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        quantity INTEGER NOT NULL, customer TEXT NOT NULL, shipment TEXT
    );
    CREATE INDEX shipments_lot ON shipments (gtin, batch);",
    // 3: production sequences and genealogy.
    "CREATE TABLE sequences (key TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE genealogy (
        event_seq INTEGER PRIMARY KEY, input_gtin TEXT NOT NULL, input_batch TEXT NOT NULL,
        output_gtin TEXT NOT NULL, output_batch TEXT NOT NULL, quantity INTEGER NOT NULL
    );
    CREATE INDEX genealogy_input ON genealogy (input_gtin, input_batch);
    CREATE INDEX genealogy_output ON genealogy (output_gtin, output_batch);",
    // 4: expiry alerts scan lots by date.
    "CREATE INDEX lots_expiry ON lots (expiry);",
    // 5: receipts per lot (backward trace ends at the supplier), filled from the log so an
    // older file keeps its history.
    "CREATE TABLE receipts (
        event_seq INTEGER PRIMARY KEY, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        quantity INTEGER NOT NULL, supplier TEXT, po TEXT
    );
    CREATE INDEX receipts_lot ON receipts (gtin, batch);
    INSERT INTO receipts (event_seq, gtin, batch, quantity, supplier, po)
        SELECT seq, json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'),
               json_extract(payload, '$.quantity'), json_extract(payload, '$.supplier'),
               json_extract(payload, '$.po')
        FROM events WHERE kind = 'lot_received';",
    // 6 (recall): recalls, the lots they cover, what must be accounted for (`customer` NULL:
    // stock at the site) and what was; all derived from the recall_* events.
    "CREATE TABLE recalls (
        id TEXT PRIMARY KEY, event_seq INTEGER NOT NULL, reason TEXT NOT NULL,
        include_derived INTEGER NOT NULL, closed_seq INTEGER, forced INTEGER,
        close_reason TEXT, outstanding_at_close INTEGER
    );
    CREATE TABLE recall_lots (
        recall TEXT NOT NULL, position INTEGER NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        named INTEGER NOT NULL, status TEXT NOT NULL, on_hand INTEGER NOT NULL,
        PRIMARY KEY (recall, position)
    );
    CREATE INDEX recall_lots_lot ON recall_lots (gtin, batch);
    CREATE TABLE recall_items (
        recall TEXT NOT NULL, position INTEGER NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        customer TEXT, quantity INTEGER NOT NULL,
        PRIMARY KEY (recall, position)
    );
    CREATE TABLE recall_accounting (
        event_seq INTEGER PRIMARY KEY, recall TEXT NOT NULL, gtin TEXT NOT NULL,
        batch TEXT NOT NULL, customer TEXT, quantity INTEGER NOT NULL, how TEXT NOT NULL, note TEXT
    );
    CREATE INDEX recall_accounting_recall ON recall_accounting (recall);",
    // 7: sync with the central server. `server_pos` is each synced event's place in the
    // server's order (sync metadata, not derived: a rebuild keeps it); `lot_status_log` is
    // every lot's status history, settled in that order so stations converge; `sync_state`
    // is the station's pull cursor and its last sync outcome.
    "CREATE TABLE server_pos (event_id TEXT PRIMARY KEY REFERENCES events (id), pos INTEGER NOT NULL);
    CREATE TABLE lot_status_log (
        event_seq INTEGER PRIMARY KEY, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        status TEXT NOT NULL, change INTEGER NOT NULL
    );
    CREATE INDEX lot_status_log_lot ON lot_status_log (gtin, batch);
    INSERT INTO lot_status_log (event_seq, gtin, batch, status, change)
        SELECT seq, json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'),
               json_extract(payload, '$.status'), 0
        FROM events WHERE kind IN ('lot_received', 'batch_produced');
    INSERT INTO lot_status_log (event_seq, gtin, batch, status, change)
        SELECT seq, json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'),
               json_extract(payload, '$.to'), 1
        FROM events WHERE kind = 'lot_status_changed';
    CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), server TEXT, pull_cursor INTEGER NOT NULL DEFAULT 0,
        last_success TEXT, last_error TEXT, last_error_at TEXT
    );
    INSERT INTO sync_state (id) VALUES (1);",
    // 8 (storeperf): a large site. `lots_batch`: a batch number names its lot without reading
    // every lot; `lots_pick`: a product's released lots by expiry, covering what a pick needs;
    // stock clustered by lot (WITHOUT ROWID): a lot's and a product's stock are a few adjacent
    // rows, and a stock change writes one B-tree instead of a table and its key index.
    "CREATE INDEX lots_batch ON lots (batch, gtin);
    CREATE INDEX lots_pick ON lots (gtin, status, expiry, batch);
    CREATE TABLE stock_by_lot (
        gtin TEXT NOT NULL, batch TEXT NOT NULL, location TEXT NOT NULL, quantity INTEGER NOT NULL,
        PRIMARY KEY (gtin, batch, location)
    ) WITHOUT ROWID;
    INSERT INTO stock_by_lot (gtin, batch, location, quantity)
        SELECT gtin, batch, location, quantity FROM stock;
    DROP TABLE stock;
    ALTER TABLE stock_by_lot RENAME TO stock;",
    // 9 (storeperf): shipments clustered by lot (WITHOUT ROWID) like stock: a trace reads a
    // lot's shipments from adjacent rows, and a dispatch writes one B-tree, not a table and
    // its lot index.
    "CREATE TABLE shipments_by_lot (
        event_seq INTEGER NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        quantity INTEGER NOT NULL, customer TEXT NOT NULL, shipment TEXT,
        PRIMARY KEY (gtin, batch, event_seq)
    ) WITHOUT ROWID;
    INSERT INTO shipments_by_lot (event_seq, gtin, batch, quantity, customer, shipment)
        SELECT event_seq, gtin, batch, quantity, customer, shipment FROM shipments;
    DROP TABLE shipments;
    ALTER TABLE shipments_by_lot RENAME TO shipments;",
    // 10: each lot's events (`EventKind::lots`), clustered by lot: Lot lookup shows a lot's
    // history from a few adjacent rows instead of parsing every event's payload. Filled here
    // for the events a file already holds.
    "CREATE TABLE lot_events (
        gtin TEXT NOT NULL, batch TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (gtin, batch, seq)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO lot_events (gtin, batch, seq)
        SELECT json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'), seq FROM events
        WHERE json_extract(payload, '$.batch') IS NOT NULL;
    INSERT OR IGNORE INTO lot_events (gtin, batch, seq)
        SELECT json_extract(payload, '$.into_gtin'), json_extract(payload, '$.into_batch'), seq
        FROM events WHERE kind = 'lot_consumed';
    INSERT OR IGNORE INTO lot_events (gtin, batch, seq)
        SELECT json_extract(l.value, '$.lot.gtin'), json_extract(l.value, '$.lot.batch'), e.seq
        FROM events e, json_each(e.payload, '$.lots') l WHERE e.kind = 'recall_started';",
    // 11: the outbox becomes a position in the log (`sync_state.pushed_through`, see
    // `store::outbox`) instead of a row per event, and `server_pos` is keyed by the event's
    // sequence number so the events after the position that the server already holds are
    // found by a range read. The position is the safe one: just before the oldest event still
    // in the outbox (acks could come out of order, so a later event may have left it first), or
    // the end of the log when the outbox is empty. Everything after it without a server
    // position is pushed (again, at worst: the server keeps each event id once); events
    // pulled from other stations always have one, so they are never pushed back.
    "CREATE TABLE server_pos_by_seq (
        seq INTEGER PRIMARY KEY REFERENCES events (seq), pos INTEGER NOT NULL
    );
    INSERT INTO server_pos_by_seq (seq, pos)
        SELECT e.seq, p.pos FROM server_pos p JOIN events e ON e.id = p.event_id;
    DROP TABLE server_pos;
    ALTER TABLE server_pos_by_seq RENAME TO server_pos;
    ALTER TABLE sync_state ADD COLUMN pushed_through INTEGER NOT NULL DEFAULT 0;
    UPDATE sync_state SET pushed_through = coalesce(
        (SELECT min(e.seq) - 1 FROM outbox o JOIN events e ON e.id = o.event_id),
        (SELECT max(seq) FROM events),
        0);
    DROP TABLE outbox;",
    // 12: pallets (SSCC) received, each with its content and the dispatch that shipped it: a
    // pallet is received once and ships once. Filled here from the receipts a file holds (a
    // pallet received twice before this keeps its first receipt).
    "CREATE TABLE pallets (
        sscc TEXT PRIMARY KEY, gtin TEXT NOT NULL, batch TEXT NOT NULL,
        quantity INTEGER NOT NULL, location TEXT NOT NULL, received_seq INTEGER NOT NULL,
        dispatched_seq INTEGER
    );
    INSERT OR IGNORE INTO pallets (sscc, gtin, batch, quantity, location, received_seq)
        SELECT json_extract(payload, '$.sscc'), json_extract(payload, '$.gtin'),
               json_extract(payload, '$.batch'), json_extract(payload, '$.quantity'),
               json_extract(payload, '$.location'), seq
        FROM events WHERE kind = 'lot_received' AND json_extract(payload, '$.sscc') IS NOT NULL
        ORDER BY seq;",
    // 13: each product's receiving rules (JSON, NULL for the defaults).
    "ALTER TABLE products ADD COLUMN receiving TEXT;",
    // 14: events the server refused for good (4xx: invalid, another station's, a conflicting
    // id), with its answer. They leave the outbox like acknowledged ones, so one poisoned event
    // does not hold back the events behind it, and the station shows them. Sync metadata, not
    // derived: a rebuild keeps it.
    "CREATE TABLE push_refused (
        seq INTEGER PRIMARY KEY REFERENCES events (seq),
        status INTEGER NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL
    );",
    // 15: the id of the server the pull cursor and the server positions belong to (NULL: not
    // known yet, from before the server said it). Another id, and they are started over.
    "ALTER TABLE sync_state ADD COLUMN server_id TEXT;",
    // 16: people (accounts made at the server, synced here) and each event's signature by the
    // person who authorised it (hex Ed25519; NULL for events that need none). The signature is
    // not part of the hash chain, which keeps its form; it covers the event itself.
    "ALTER TABLE events ADD COLUMN signature TEXT;
     CREATE TABLE people (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
        public_key TEXT NOT NULL, sealed_key TEXT NOT NULL, active INTEGER NOT NULL
     );",
    // 17 (costing): each lot's cost facts in log order (receipts with their unit cost, the
    // production run with its labour and overhead, corrections), clustered by lot; amounts as
    // decimal strings, NULL where none was recorded. Shipments gain their unit price and their
    // day (UTC) for the cost report. Filled here from the events a file holds.
    "CREATE TABLE lot_costs (
        gtin TEXT NOT NULL, batch TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
        quantity INTEGER, unit_cost TEXT, labour TEXT, overhead TEXT, currency TEXT,
        PRIMARY KEY (gtin, batch, seq)
    ) WITHOUT ROWID;
    INSERT INTO lot_costs (gtin, batch, seq, kind, quantity, unit_cost, currency)
        SELECT json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'), seq, 'received',
               json_extract(payload, '$.quantity'), json_extract(payload, '$.unit_cost.amount'),
               json_extract(payload, '$.unit_cost.currency')
        FROM events WHERE kind = 'lot_received';
    INSERT INTO lot_costs (gtin, batch, seq, kind, quantity, labour, overhead, currency)
        SELECT json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'), seq, 'produced',
               json_extract(payload, '$.quantity'), json_extract(payload, '$.costs.labour'),
               json_extract(payload, '$.costs.overhead'), json_extract(payload, '$.costs.currency')
        FROM events WHERE kind = 'batch_produced';
    INSERT INTO lot_costs (gtin, batch, seq, kind, unit_cost, labour, overhead, currency)
        SELECT json_extract(payload, '$.gtin'), json_extract(payload, '$.batch'), seq, 'corrected',
               json_extract(payload, '$.unit_cost'), json_extract(payload, '$.labour'),
               json_extract(payload, '$.overhead'), json_extract(payload, '$.currency')
        FROM events WHERE kind = 'cost_corrected';
    ALTER TABLE shipments ADD COLUMN unit_price TEXT;
    ALTER TABLE shipments ADD COLUMN currency TEXT;
    ALTER TABLE shipments ADD COLUMN day TEXT;
    UPDATE shipments SET
        day = (SELECT substr(e.at, 1, 10) FROM events e WHERE e.seq = shipments.event_seq),
        unit_price = (SELECT json_extract(e.payload, '$.unit_price.amount') FROM events e
                      WHERE e.seq = shipments.event_seq),
        currency = (SELECT json_extract(e.payload, '$.unit_price.currency') FROM events e
                    WHERE e.seq = shipments.event_seq);",
    // 18: the station's own events as linked for the server (`protocol::Link`): a chain of
    // their own, in the order they are pushed, which the server checks on arrival. Linked when
    // first pushed; sync metadata, not derived.
    "CREATE TABLE push_links (
        seq INTEGER PRIMARY KEY REFERENCES events (seq),
        prev TEXT NOT NULL, hash TEXT NOT NULL
    );",
    // 19 (ship-close): shipments closed as they leave the dock (`customer`, `shipment` NULL for
    // the unreferenced one), and each dispatch's close: `shipments_open` holds only the
    // dispatches not closed yet, so a shipment's lines and the open shipments are read without
    // reading every dispatch ever made. No file holds a close yet: nothing to fill.
    "CREATE TABLE shipment_closes (
        event_seq INTEGER PRIMARY KEY, customer TEXT NOT NULL, shipment TEXT
    );
    CREATE INDEX shipment_closes_ref ON shipment_closes (customer, shipment);
    ALTER TABLE shipments ADD COLUMN closed_seq INTEGER;
    CREATE INDEX shipments_open ON shipments (customer, shipment) WHERE closed_seq IS NULL;",
    // 20 (sites): the site the server says this station belongs to (its GLN and name), shown
    // at the station; NULL while the server names none. `events.other_site`: an event pulled
    // from another site (a transferred lot's history), which does not count in this site's
    // stock or pallets (outside the hash chain, like the signature). No file holds one yet.
    "ALTER TABLE sync_state ADD COLUMN site_gln TEXT;
    ALTER TABLE sync_state ADD COLUMN site_name TEXT;
    ALTER TABLE events ADD COLUMN other_site INTEGER NOT NULL DEFAULT 0;",
    // 21 (old history): an event whose content the station dropped (`pruned`, see
    // `store::history`) keeps its row, id, time, station, actor, kind and hashes, so the chain
    // still links and the rows that name it still find it; its payload is ''. What replaying
    // the log can no longer derive of a pruned lot (its lot row and settled status, pallets,
    // shipments, genealogy, receipts, costs, the sequences its events moved) is folded
    // into `base_*` tables of the same columns, which `rebuild` loads before it replays. A
    // later migration that changes one of these derived tables changes its `base_` twin too.
    "ALTER TABLE events ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE base_lots AS SELECT * FROM lots WHERE 0;
    CREATE TABLE base_lot_status_log AS SELECT * FROM lot_status_log WHERE 0;
    CREATE TABLE base_pallets AS SELECT * FROM pallets WHERE 0;
    CREATE TABLE base_shipments AS SELECT * FROM shipments WHERE 0;
    CREATE TABLE base_genealogy AS SELECT * FROM genealogy WHERE 0;
    CREATE TABLE base_receipts AS SELECT * FROM receipts WHERE 0;
    CREATE TABLE base_lot_costs AS SELECT * FROM lot_costs WHERE 0;
    CREATE TABLE base_sequences AS SELECT * FROM sequences WHERE 0;
    CREATE INDEX base_lots_lot ON base_lots (gtin, batch);",
];

/// The derived tables whose rows of pruned lots are folded into a `base_` twin
/// (`store::history`): loaded by `rebuild` before the replay of the events that remain.
pub(super) const FOLDED: &[&str] = &[
    "lots",
    "lot_status_log",
    "pallets",
    "shipments",
    "genealogy",
    "receipts",
    "lot_costs",
    "sequences",
];

/// Tables derived from the events, with the order that makes a snapshot comparable.
pub(super) const DERIVED: &[(&str, &str)] = &[
    ("products", "gtin"),
    ("lots", "gtin, batch"),
    ("stock", "gtin, batch, location"),
    ("shipments", "event_seq"),
    ("sequences", "key"),
    ("genealogy", "event_seq"),
    ("receipts", "event_seq"),
    ("recalls", "id"),
    ("recall_lots", "recall, position"),
    ("recall_items", "recall, position"),
    ("recall_accounting", "event_seq"),
    ("lot_status_log", "event_seq"),
    ("lot_events", "gtin, batch, seq"),
    ("pallets", "sscc"),
    ("people", "id"),
    ("lot_costs", "gtin, batch, seq"),
    ("shipment_closes", "event_seq"),
];

/// The schema version this Lotline writes (the number of migrations).
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(StoreError::TooNew {
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

pub(super) fn clear_derived(tx: &Transaction) -> Result<(), StoreError> {
    for (table, _) in DERIVED {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The storeperf migrations rebuild `stock` and `shipments` clustered by lot: a file
    /// upgraded from the version before them keeps every row.
    #[test]
    fn clustering_stock_and_shipments_by_lot_keeps_every_row() {
        let at = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE stock_by_lot"))
            .expect("the storeperf migration");
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("old.db")).unwrap();
        for sql in &MIGRATIONS[..at] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", at as i64).unwrap();
        conn.execute_batch(
            "INSERT INTO lots VALUES ('09501101530003', 'B1', '2027-01-31', 'released', 'Acme');
             INSERT INTO stock VALUES ('09501101530003', 'B1', 'BAY-2', 7),
                                      ('09501101530003', 'B1', 'BAY-1', 3);
             INSERT INTO shipments VALUES (12, '09501101530003', 'B1', 4, 'Northwind', 'SH-1'),
                                          (9, '09501101530003', 'B1', 1, 'Contoso', NULL);",
        )
        .unwrap();
        let dump = |conn: &Connection, sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        };
        let stock = "SELECT * FROM stock ORDER BY gtin, batch, location";
        let shipments = "SELECT event_seq, gtin, batch, quantity, customer, shipment FROM shipments
            ORDER BY event_seq";
        let before = (dump(&conn, stock), dump(&conn, shipments));
        migrate(&mut conn).unwrap();
        assert_eq!((dump(&conn, stock), dump(&conn, shipments)), before);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, latest_version());
        let clustered: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name IN ('stock', 'shipments')
                 AND sql LIKE '%WITHOUT ROWID%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(clustered, 2);
    }
}
