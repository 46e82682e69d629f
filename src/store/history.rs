//! Old history: a station drops the content of the events of lots that left its site long ago
//! (the server keeps every event; lookups of that history go to it).
//!
//! A lot is pruned whole, or not at all, when nothing at the site can still need its events:
//! - none of it is in stock here, and no dispatch of it waits for its shipment to close;
//! - no recall names it (a recall's record stays whole at every station that has it);
//! - every one of its events is older than the cut-off, held by the server (it has a server
//!   position) and not refused by it: a station never drops what only it holds;
//! - every other lot its events name (a production's inputs and output, a shipment's lines) is
//!   pruned with it, so no remaining event names a pruned lot.
//!
//! A pruned event keeps its row, id, time, station, actor, kind and hashes: the hash chain still
//! links, and the rows that name it (a pallet's receipt, a shipment's dispatch) still find its
//! time. Only its payload goes. What the station keeps of a pruned lot is what its rules and its
//! traces read without the events: the lot and its settled status (a recalled lot received again
//! is still recalled), its pallets (a pallet is received once), its shipments, genealogy,
//! receipts and costs (a recall and a trace reach every customer it went to), and the
//! sequences its events moved (a batch or SSCC number is never given twice). Those rows are
//! also folded into the `base_` tables, from which `rebuild` starts before it replays the events
//! that remain, so a rebuild still gives exactly the tables the store holds.

use rusqlite::{Transaction, params};

use super::{Store, StoreError, schema, write_tx};

/// What one [`Store::prune`] dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    /// Lots whose history went.
    pub lots: u64,
    /// Events whose content went.
    pub events: u64,
}

/// The folded tables keyed by one lot (`gtin`, `batch` columns).
const BY_LOT: &[&str] = &[
    "lots",
    "lot_status_log",
    "pallets",
    "shipments",
    "receipts",
    "lot_costs",
];

impl Store {
    /// Drops the content of the events of every lot that left this site before `before`
    /// (RFC 3339, UTC), by the rules above, in one transaction. Returns what went. The file
    /// does not shrink until it is compacted (`VACUUM`); the pages are reused meanwhile.
    pub fn prune(&mut self, before: &str) -> Result<Pruned, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let pruned = prune(&tx, before)?;
        tx.commit()?;
        Ok(pruned)
    }

    /// Events whose content was pruned (their rows remain, in the chain).
    pub fn pruned_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM events WHERE pruned", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Whether this lot's history was pruned here, wholly or in part: its events are at the
    /// server only.
    pub fn lot_history_pruned(&self, gtin: &str, batch: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM base_lots WHERE gtin = ?1 AND batch = ?2)",
            params![gtin, batch],
            |r| r.get(0),
        )?)
    }
}

fn prune(tx: &Transaction, before: &str) -> Result<Pruned, StoreError> {
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.prune_lots;
         DROP TABLE IF EXISTS temp.prune_events;
         CREATE TEMP TABLE prune_lots (gtin TEXT NOT NULL, batch TEXT NOT NULL,
             PRIMARY KEY (gtin, batch)) WITHOUT ROWID;
         CREATE TEMP TABLE prune_events (seq INTEGER NOT NULL, gtin TEXT NOT NULL,
             batch TEXT NOT NULL, PRIMARY KEY (seq, gtin, batch)) WITHOUT ROWID;",
    )?;
    // The lots that left: nothing in stock, no open dispatch, no recall, and every event old,
    // at the server and not refused (a lot whose events were all pruned has none left).
    tx.execute(
        "INSERT INTO temp.prune_lots (gtin, batch)
         SELECT l.gtin, l.batch FROM lots l
         WHERE EXISTS (SELECT 1 FROM lot_events le WHERE le.gtin = l.gtin AND le.batch = l.batch)
           AND NOT EXISTS (SELECT 1 FROM stock s
                           WHERE s.gtin = l.gtin AND s.batch = l.batch AND s.quantity <> 0)
           AND NOT EXISTS (SELECT 1 FROM shipments s
                           WHERE s.gtin = l.gtin AND s.batch = l.batch AND s.closed_seq IS NULL)
           AND NOT EXISTS (SELECT 1 FROM recall_lots r WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (SELECT 1 FROM recall_items r WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (SELECT 1 FROM recall_accounting r
                           WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (
               SELECT 1 FROM lot_events le JOIN events e ON e.seq = le.seq
               WHERE le.gtin = l.gtin AND le.batch = l.batch
                 AND (e.at >= ?1
                      OR NOT EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
                      OR EXISTS (SELECT 1 FROM push_refused r WHERE r.seq = e.seq)))",
        params![before],
    )?;
    // Every lot named by the events of those lots, candidate or not.
    tx.execute(
        "INSERT OR IGNORE INTO temp.prune_events (seq, gtin, batch)
         SELECT le.seq, le.gtin, le.batch FROM lot_events le
         WHERE le.seq IN (SELECT e.seq FROM temp.prune_lots p
                          JOIN lot_events e ON e.gtin = p.gtin AND e.batch = p.batch)",
        [],
    )?;
    tx.execute_batch("CREATE INDEX temp.prune_events_lot ON prune_events (gtin, batch);")?;
    // A lot goes only with every lot its events name.
    loop {
        let dropped = tx.execute(
            "DELETE FROM temp.prune_lots WHERE EXISTS (
                 SELECT 1 FROM temp.prune_events a JOIN temp.prune_events b ON b.seq = a.seq
                 WHERE a.gtin = prune_lots.gtin AND a.batch = prune_lots.batch
                   AND NOT EXISTS (SELECT 1 FROM temp.prune_lots q
                                   WHERE q.gtin = b.gtin AND q.batch = b.batch))",
            [],
        )?;
        if dropped == 0 {
            break;
        }
    }
    tx.execute(
        "DELETE FROM temp.prune_events WHERE NOT EXISTS (
             SELECT 1 FROM temp.prune_lots q WHERE q.gtin = prune_events.gtin
               AND q.batch = prune_events.batch)",
        [],
    )?;
    let in_lots = "(gtin, batch) IN (SELECT gtin, batch FROM temp.prune_lots)";
    let in_events = "IN (SELECT seq FROM temp.prune_events)";
    // The settled status stays as the lot's one status step: the step of its last synced
    // status event, now the creation of the status it settled at. A later event of the lot
    // comes after it in the server's order (or is not synced yet), so it settles the same.
    tx.execute(
        &format!(
            "DELETE FROM lot_status_log WHERE {in_lots} AND event_seq NOT IN (
                 SELECT (SELECT s.event_seq FROM lot_status_log s JOIN server_pos p ON p.seq = s.event_seq
                         WHERE s.gtin = q.gtin AND s.batch = q.batch ORDER BY p.pos DESC LIMIT 1)
                 FROM temp.prune_lots q)"
        ),
        [],
    )?;
    tx.execute(
        &format!(
            "UPDATE lot_status_log SET change = 0, status = (
                 SELECT l.status FROM lots l
                 WHERE l.gtin = lot_status_log.gtin AND l.batch = lot_status_log.batch)
             WHERE {in_lots}"
        ),
        [],
    )?;
    for table in BY_LOT {
        tx.execute(&format!("DELETE FROM base_{table} WHERE {in_lots}"), [])?;
        tx.execute(
            &format!("INSERT INTO base_{table} SELECT * FROM {table} WHERE {in_lots}"),
            [],
        )?;
    }
    let genealogy = "(input_gtin, input_batch) IN (SELECT gtin, batch FROM temp.prune_lots)
                     OR (output_gtin, output_batch) IN (SELECT gtin, batch FROM temp.prune_lots)";
    tx.execute(&format!("DELETE FROM base_genealogy WHERE {genealogy}"), [])?;
    tx.execute(
        &format!("INSERT INTO base_genealogy SELECT * FROM genealogy WHERE {genealogy}"),
        [],
    )?;
    tx.execute(
        &format!(
            "INSERT INTO base_shipment_closes SELECT * FROM shipment_closes WHERE event_seq {in_events}"
        ),
        [],
    )?;
    tx.execute_batch(
        "DELETE FROM base_sequences; INSERT INTO base_sequences SELECT * FROM sequences;",
    )?;
    tx.execute(&format!("DELETE FROM lot_events WHERE {in_lots}"), [])?;
    tx.execute(&format!("DELETE FROM stock WHERE {in_lots}"), [])?;
    let events = tx.execute(
        &format!("UPDATE events SET payload = '', pruned = 1 WHERE seq {in_events}"),
        [],
    )? as u64;
    let lots: i64 = tx.query_row("SELECT count(*) FROM temp.prune_lots", [], |r| r.get(0))?;
    tx.execute_batch("DROP TABLE temp.prune_lots; DROP TABLE temp.prune_events;")?;
    debug_assert!(schema::FOLDED.len() == BY_LOT.len() + 3);
    Ok(Pruned {
        lots: lots as u64,
        events,
    })
}
