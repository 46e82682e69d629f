//! Finding lots: by GTIN and batch, by a scan of the label, by a batch number alone; their
//! traces, their history and their label data.
//!
//! A lot's history may be partial here: a station drops the events of lots that left it long
//! ago (`Store::prune`), or started from a snapshot without them. The server keeps every
//! event, so the whole history is asked of it ([`HistoryServer`], [`complete_history`]) and
//! shown with what the station holds that the server does not yet.

use std::collections::{BTreeMap, HashSet};

use super::{Refusal, Station, WorkflowError, gtin_arg, parse_scan};
use crate::domain::trace::{self, Direction, LotRef, Trace};
use crate::gs1;
use crate::protocol::ServerEvent;
use crate::store::{Lot, Product, RecordedEvent};
use crate::sync::{HttpTransport, SyncError};

/// Events of a lot's history [`Station::lot_details`] returns.
pub const HISTORY_LIMIT: usize = 200;

/// A looked-up lot with what a supervisor sees of it.
#[derive(Debug, Clone)]
pub struct LotDetails {
    pub lot: Lot,
    /// The product's name, when registered here.
    pub product: Option<String>,
    /// The newest [`HISTORY_LIMIT`] events that name the lot, oldest first.
    pub history: Vec<RecordedEvent>,
    /// The lot's older history was pruned here: it is at the server only, and `history` holds
    /// what came after (often nothing).
    pub history_pruned: bool,
    /// Both directions.
    pub trace: Trace,
    /// Product names of the lots in the trace, by GTIN.
    pub names: BTreeMap<String, String>,
}

impl LotDetails {
    /// Shows the server's whole history of the lot instead of what is left here: see
    /// [`merge_history`].
    pub fn merge_server_history(&mut self, server: Vec<ServerEvent>) {
        self.history = merge_history(server, &self.history);
    }
}

/// A lot's history as a station can tell it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotHistory {
    pub lot: LotRef,
    pub events: Vec<RecordedEvent>,
    /// Whether `events` is all of it, and where the rest is.
    pub older: OlderHistory,
}

/// Whether a lot's history as shown is whole, and where its older part is when it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OlderHistory {
    /// This station holds all of it.
    Here,
    /// Whole, from the server: every event it holds of the lot, then this station's events it
    /// does not hold yet.
    FromServer,
    /// The older history is at the server only (pruned here, or the lot is unknown here); not
    /// asked for (no server is set up for this station).
    AtServer,
    /// The older history is at the server only, and the server holds no such lot (another
    /// server than the one this station synced with?).
    NotAtServer,
    /// The older history is at the server only, and the server did not give it: it could not
    /// be reached (`unreachable`), or it refused; `why`, in the sync's words.
    Failed { unreachable: bool, why: String },
}

impl OlderHistory {
    /// The history shown is the lot's whole history.
    pub fn complete(&self) -> bool {
        matches!(self, OlderHistory::Here | OlderHistory::FromServer)
    }
}

/// Where a station asks for a lot's whole history: the server ([`HttpTransport`]); tests give
/// their own.
pub trait HistoryServer {
    /// Every event the server holds of the lot, in its order; `None`: it holds no such lot.
    fn lot_history(&self, lot: &LotRef) -> Result<Option<Vec<ServerEvent>>, SyncError>;
}

impl HistoryServer for HttpTransport {
    fn lot_history(&self, lot: &LotRef) -> Result<Option<Vec<ServerEvent>>, SyncError> {
        HttpTransport::lot_history(self, &lot.gtin, &lot.batch)
    }
}

/// A lot's whole history: `local` as it is when it is whole; else asked of `server` (none:
/// said to be at the server). A server that cannot give it leaves `local` as it is, saying why.
pub fn complete_history(local: LotHistory, server: Option<&dyn HistoryServer>) -> LotHistory {
    if local.older == OlderHistory::Here {
        return local;
    }
    let Some(server) = server else {
        return LotHistory {
            older: OlderHistory::AtServer,
            ..local
        };
    };
    let older = match server.lot_history(&local.lot) {
        Ok(Some(events)) => {
            return LotHistory {
                events: merge_history(events, &local.events),
                older: OlderHistory::FromServer,
                lot: local.lot,
            };
        }
        Ok(None) => OlderHistory::NotAtServer,
        Err(SyncError::Unreachable { server, reason }) => OlderHistory::Failed {
            unreachable: true,
            why: format!("{server}: {reason}"),
        },
        Err(e) => OlderHistory::Failed {
            unreachable: false,
            why: e.to_string(),
        },
    };
    LotHistory { older, ..local }
}

/// A lot's history from the server's whole history of it (in the server's order) and what
/// this station holds of it (`local`, oldest first): the server's events, then those of
/// `local` the server does not hold yet (recorded here, not pushed). An event from the server
/// has no sequence number or hash here (`0`, empty): it is not in this store's log.
pub fn merge_history(server: Vec<ServerEvent>, local: &[RecordedEvent]) -> Vec<RecordedEvent> {
    let held: HashSet<&str> = server.iter().map(|e| e.event.id.as_str()).collect();
    let unsent: Vec<RecordedEvent> = local
        .iter()
        .filter(|e| !held.contains(e.id.as_str()))
        .cloned()
        .collect();
    drop(held);
    server
        .into_iter()
        .map(|e| RecordedEvent {
            seq: 0,
            id: e.event.id,
            at: e.event.at,
            station: e.event.station,
            actor: e.event.actor,
            event: e.event.event,
            hash: String::new(),
            signature: e.event.signature,
        })
        .chain(unsent)
        .collect()
}

impl Station {
    /// What this station holds of a lot's history, oldest first (all of it), and whether that
    /// is its whole history: not when the older part was pruned here.
    pub fn lot_history(&self, lot: &LotRef) -> Result<LotHistory, WorkflowError> {
        let events = self
            .store
            .lot_events(&lot.gtin, &lot.batch, i64::MAX as usize)?;
        let older = if self.store.lot_history_pruned(&lot.gtin, &lot.batch)? {
            OlderHistory::AtServer
        } else {
            OlderHistory::Here
        };
        Ok(LotHistory {
            lot: lot.clone(),
            events,
            older,
        })
    }

    pub fn product(&self, gtin: &str) -> Result<Option<Product>, WorkflowError> {
        Ok(self.store.product(&gs1::normalize_gtin(gtin)?)?)
    }

    /// Every product registered here, by name.
    pub fn products(&self) -> Result<Vec<Product>, WorkflowError> {
        Ok(self.store.products()?)
    }

    /// A lot by GTIN and batch.
    pub fn lookup(&self, gtin: &str, batch: &str) -> Result<Option<Lot>, WorkflowError> {
        Ok(self.store.lot(&gs1::normalize_gtin(gtin)?, batch)?)
    }

    /// The lot a scan names (GTIN and batch from its GS1 data).
    pub fn lookup_scan(
        &self,
        scan: &str,
        gs_substitute: Option<char>,
    ) -> Result<Lot, WorkflowError> {
        self.lookup_label(&parse_scan(scan, gs_substitute, true)?)
    }

    /// The lot a whole label names: its lot, or its pallet's.
    pub fn lookup_label(&self, msg: &gs1::Message) -> Result<Lot, WorkflowError> {
        let (lot, _) = self.named_lot(msg)?;
        self.existing_lot(&lot.gtin, &lot.batch)
    }

    /// A lot named by a scan of its label or its batch number, with its history, its trace
    /// both ways and the names of the products in it.
    pub fn lot_details(
        &self,
        query: &str,
        gs_substitute: Option<char>,
    ) -> Result<LotDetails, WorkflowError> {
        let target = self.resolve_lot(query, None, gs_substitute)?;
        let lot = self.existing_lot(&target.gtin, &target.batch)?;
        let trace = self.trace_lot(&target, Direction::Both)?;
        // Every lot of the trace, the looked-up one included: one read per product.
        let mut names = BTreeMap::new();
        for l in &trace.lots {
            if !names.contains_key(&l.gtin)
                && let Some(p) = self.store.product(&l.gtin)?
            {
                names.insert(l.gtin.clone(), p.name);
            }
        }
        Ok(LotDetails {
            product: names.get(&lot.gtin).cloned(),
            history: self
                .store
                .lot_events(&lot.gtin, &lot.batch, HISTORY_LIMIT)?,
            history_pruned: self.store.lot_history_pruned(&lot.gtin, &lot.batch)?,
            trace,
            names,
            lot,
        })
    }

    /// Label placeholders for a lot in the store: `gtin`, `batch`, `product`, `expiry` (GS1
    /// YYMMDD), `expiry_date`, `count` (on hand). `gtin` picks among products sharing a batch.
    pub fn label_data(
        &self,
        batch: &str,
        gtin: Option<&str>,
    ) -> Result<BTreeMap<String, String>, WorkflowError> {
        let gtin = self.gtin_of_batch(batch, gtin)?;
        let lot = self.existing_lot(&gtin, batch)?;
        let product = self.store.product(&gtin)?;
        let mut data = BTreeMap::new();
        data.insert("gtin".to_string(), gtin);
        data.insert("batch".to_string(), lot.batch.clone());
        if let Some(p) = product {
            data.insert("product".to_string(), p.name);
        }
        if let Some(e) = lot.expiry {
            data.insert("expiry".to_string(), e.format("%y%m%d").to_string());
            data.insert("expiry_date".to_string(), e.to_string());
        }
        data.insert("count".to_string(), lot.on_hand().to_string());
        Ok(data)
    }

    /// The GTIN of a lot named by its batch number: `gtin` when given, else the one product
    /// that has a lot with this batch (several are refused, naming them).
    fn gtin_of_batch(&self, batch: &str, gtin: Option<&str>) -> Result<String, WorkflowError> {
        if let Some(g) = gtin {
            return Ok(gtin_arg(g)?);
        }
        let found = self.store.gtins_with_batch(batch)?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Refusal::NoSuchBatch(batch.to_string()).into()),
            _ => Err(Refusal::AmbiguousBatch {
                batch: batch.to_string(),
                gtins: found,
            }
            .into()),
        }
    }

    /// Forward and/or backward trace of a lot (see [`trace::trace`]): where it went (lots it
    /// was consumed into, shipments with customer, quantity and date) and where it came from
    /// (input lots, receipts with supplier). `lot` is a GS1 scan of the lot's label (GTIN and
    /// batch from it), or a batch number with `gtin` to choose among products sharing it.
    /// The one trace the CLI, the UI, the recall report and the server call.
    pub fn trace(
        &self,
        lot: &str,
        gtin: Option<&str>,
        direction: Direction,
        gs_substitute: Option<char>,
    ) -> Result<Trace, WorkflowError> {
        let target = self.resolve_lot(lot, gtin, gs_substitute)?;
        self.trace_lot(&target, direction)
    }

    /// The traces of several resolved lots, one each, in order.
    pub fn trace_lots(
        &self,
        lots: &[LotRef],
        direction: Direction,
    ) -> Result<Vec<Trace>, WorkflowError> {
        lots.iter().map(|l| self.trace_lot(l, direction)).collect()
    }

    /// The trace of a lot already resolved (see [`Station::resolve_lot`]).
    pub fn trace_lot(&self, lot: &LotRef, direction: Direction) -> Result<Trace, WorkflowError> {
        let facts = self.store.trace_facts(lot, direction)?;
        Ok(trace::trace(lot, direction, &facts, trace::MAX_TRACE_DEPTH))
    }

    /// Resolves every lot named; refused naming all that are unknown, so one try shows every
    /// mistake.
    pub fn resolve_lots(
        &self,
        lots: &[String],
        gtin: Option<&str>,
        gs_substitute: Option<char>,
    ) -> Result<Vec<LotRef>, WorkflowError> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for l in lots {
            match self.resolve_lot(l, gtin, gs_substitute) {
                Ok(r) if !found.contains(&r) => found.push(r),
                Ok(_) => {}
                Err(WorkflowError::Refused(r)) => problems.push((l.clone(), r)),
                Err(WorkflowError::Store(e)) => return Err(e.into()),
                Err(e) => problems.push((l.clone(), Refusal::Invalid(e.to_string()))),
            }
        }
        if !problems.is_empty() {
            return Err(Refusal::Lots(problems).into());
        }
        Ok(found)
    }

    /// The lot a user names: a GS1 scan of its label (GTIN and batch from it, in any form
    /// [`gs1::parse`] reads) or of its pallet's SSCC, or a batch number, with `gtin` to choose among products sharing
    /// it (with a scan, `gtin` must agree with it). Refused when this store does not know the
    /// lot. The one resolver of every command that names a lot.
    pub fn resolve_lot(
        &self,
        lot: &str,
        gtin: Option<&str>,
        gs_substitute: Option<char>,
    ) -> Result<LotRef, WorkflowError> {
        let target = self.lot_named(lot, gtin, gs_substitute)?;
        self.existing_lot(&target.gtin, &target.batch)?;
        Ok(target)
    }

    /// The lot a user names, as [`Station::resolve_lot`] reads it, whether this store knows
    /// the lot or not (a lot known at the server only): a scan names it, and so does a batch
    /// number with `gtin`; a batch number alone must be one this store knows.
    pub fn lot_named(
        &self,
        lot: &str,
        gtin: Option<&str>,
        gs_substitute: Option<char>,
    ) -> Result<LotRef, WorkflowError> {
        let lot = lot.trim();
        // A scan of the lot's label or of its pallet's SSCC; else a batch number.
        let scan = parse_scan(lot, gs_substitute, true)
            .ok()
            .filter(|m| m.sscc().is_some() || (m.gtin().is_some() && m.batch().is_some()));
        let target = match scan {
            Some(msg) => {
                let (scanned, _) = self.named_lot(&msg)?;
                if let Some(given) = gtin.map(gtin_arg).transpose()?
                    && given != scanned.gtin
                {
                    return Err(Refusal::GtinMismatch {
                        scanned: scanned.gtin,
                        given,
                    }
                    .into());
                }
                scanned
            }
            None => LotRef::new(self.gtin_of_batch(lot, gtin)?, lot),
        };
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{Answers, TOMATOES, at_server, prune_lot, receive, station};

    #[test]
    fn a_pruned_lots_history_is_the_servers_then_what_it_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B7", 12);
        let lot = LotRef::new(TOMATOES, "B7");
        let whole = s.lot_history(&lot).unwrap();
        assert_eq!(whole.older, OlderHistory::Here);
        assert_eq!(whole.events.len(), 1);
        // Whole here: the server is not asked.
        let refused = Answers(Err(|| SyncError::Protocol("asked".into())));
        assert_eq!(complete_history(whole.clone(), Some(&refused)), whole);

        let old = prune_lot(&mut s, TOMATOES, "B7");
        assert_eq!(old.len(), 2);
        let details = s.lot_details("B7", None).unwrap();
        assert!(details.history_pruned);
        assert!(details.history.is_empty());
        // A hold recorded after the prune, not pushed yet.
        s.set_status(&crate::workflow::StatusRequest {
            gtin: TOMATOES.into(),
            batch: "B7".into(),
            to: crate::domain::LotStatus::OnHold,
            role: crate::domain::status::Role::Worker,
            reason: "smell".into(),
        })
        .unwrap();
        let local = s.lot_history(&lot).unwrap();
        assert_eq!(local.older, OlderHistory::AtServer);
        assert_eq!(local.events.len(), 1);
        assert_eq!(local.events[0].event.name(), "lot_status_changed");

        // The server holds the receipt and the count (pruned here), and another station's move.
        let count = &old[1];
        assert_eq!(count.event.name(), "lot_counted");
        let mut elsewhere = at_server(count, 7);
        elsewhere.event.id = "00000000-0000-4000-8000-000000000001".into();
        elsewhere.event.station = "B".into();
        let server = vec![at_server(&old[0], 3), elsewhere, at_server(count, 9)];
        let fetched = complete_history(local.clone(), Some(&Answers(Ok(Some(server.clone())))));
        assert_eq!(fetched.older, OlderHistory::FromServer);
        assert!(fetched.older.complete());
        let ids: Vec<&str> = fetched.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                old[0].id.as_str(),
                "00000000-0000-4000-8000-000000000001",
                count.id.as_str(),
                local.events[0].id.as_str(),
            ]
        );
        assert_eq!(
            (fetched.events[0].seq, fetched.events[0].hash.as_str()),
            (0, "")
        );
        // Once the hold is at the server too, it is there once, in the server's place.
        let mut with_hold = server;
        with_hold.insert(1, at_server(&local.events[0], 5));
        let fetched = complete_history(local.clone(), Some(&Answers(Ok(Some(with_hold)))));
        assert_eq!(fetched.events.len(), 4);
        assert_eq!(fetched.events[1].id, local.events[0].id);
        let mut details = s.lot_details("B7", None).unwrap();
        details.merge_server_history(vec![at_server(&old[0], 3)]);
        assert_eq!(details.history.len(), 2);

        // No server, a server without the lot, one out of reach, one that refuses.
        assert_eq!(
            complete_history(local.clone(), None).older,
            OlderHistory::AtServer
        );
        let none = complete_history(local.clone(), Some(&Answers(Ok(None))));
        assert_eq!(none.older, OlderHistory::NotAtServer);
        assert_eq!(none.events, local.events);
        let offline = Answers(Err(|| SyncError::Unreachable {
            server: "http://hq".into(),
            reason: "connection refused".into(),
        }));
        assert_eq!(
            complete_history(local.clone(), Some(&offline)).older,
            OlderHistory::Failed {
                unreachable: true,
                why: "http://hq: connection refused".into()
            }
        );
        let refused = complete_history(local, Some(&refused));
        assert!(
            matches!(&refused.older, OlderHistory::Failed { unreachable: false, why } if why.contains("asked")),
            "{:?}",
            refused.older
        );
        assert!(!refused.older.complete());
    }
}
