//! What the server shows across sites, computed from the events it holds in its order: a
//! lot's state ([`LotState`], the same rules as a station's derived tables), the cross-site
//! trace (the facts gathered here, the tree built by [`crate::domain::trace`]), expiry and
//! recall lists, and the supervisor's status change recorded at the server.

use std::collections::{BTreeSet, HashSet};

use chrono::{NaiveDate, SecondsFormat, Utc};
use uuid::Uuid;

use super::auth::Caller;
use super::db::{DbError, EventFilter, LotFilter, NewEvent, ServerStore};
use crate::domain::lot_state::{ExpiringLot, LotState};
use crate::domain::status::{self, Role, StatusRefusal};
use crate::domain::trace::{
    self, Direction, Link, LotRef, ReceiptLine, ShipmentLine, Trace, TraceFacts,
};
use crate::domain::{EventKind, LotStatus};
use crate::protocol::{Acked, ServerEvent, WireEvent};

/// Most lots one trace visits: far beyond a real recall, a guard against runaway data.
const MAX_TRACE_LOTS: usize = 100_000;

/// A lot's state from every event of it, in the server's order.
pub async fn lot(db: &dyn ServerStore, l: &LotRef) -> Result<Option<LotState>, DbError> {
    let events = db
        .events_where(EventFilter::Lot {
            gtin: l.gtin.clone(),
            batch: l.batch.clone(),
        })
        .await?;
    Ok(LotState::fold(
        &l.gtin,
        &l.batch,
        events.iter().map(|e| &e.event.event),
    ))
}

/// Every event of a lot, in the server's order: its own events and the consumptions into it
/// (as a station's history of the lot holds them); `None` when the server has no such lot.
pub async fn lot_events(
    db: &dyn ServerStore,
    l: &LotRef,
) -> Result<Option<Vec<ServerEvent>>, DbError> {
    let own = db
        .events_where(EventFilter::Lot {
            gtin: l.gtin.clone(),
            batch: l.batch.clone(),
        })
        .await?;
    if LotState::fold(&l.gtin, &l.batch, own.iter().map(|e| &e.event.event)).is_none() {
        return Ok(None);
    }
    let into = db
        .events_where(EventFilter::ConsumedInto {
            gtin: l.gtin.clone(),
            batch: l.batch.clone(),
        })
        .await?;
    let mut events: Vec<ServerEvent> = own.into_iter().chain(into).collect();
    events.sort_by_key(|e| e.pos);
    // A consumption of a lot into itself would be read twice.
    events.dedup_by_key(|e| e.pos);
    Ok(Some(events))
}

/// The trace of a lot across every station's events; `None` when the server has no such lot.
pub async fn trace(
    db: &dyn ServerStore,
    l: &LotRef,
    direction: Direction,
) -> Result<Option<Trace>, DbError> {
    if lot(db, l).await?.is_none() {
        return Ok(None);
    }
    let mut facts = TraceFacts::default();
    for forward in [true, false] {
        if (forward && !direction.forward()) || (!forward && !direction.backward()) {
            continue;
        }
        let mut seen = BTreeSet::from([l.clone()]);
        let mut frontier = vec![l.clone()];
        for _ in 0..=trace::MAX_TRACE_DEPTH {
            if frontier.is_empty() || seen.len() > MAX_TRACE_LOTS {
                break;
            }
            let mut next = Vec::new();
            for at in frontier {
                let own = db
                    .events_where(EventFilter::Lot {
                        gtin: at.gtin.clone(),
                        batch: at.batch.clone(),
                    })
                    .await?;
                if forward {
                    // A dispatch undone by mistake is no shipment.
                    let voided: HashSet<&str> = own
                        .iter()
                        .filter_map(|e| match &e.event.event {
                            EventKind::DispatchVoided { event, .. } => Some(event.as_str()),
                            _ => None,
                        })
                        .collect();
                    for e in own.iter().filter(|e| !voided.contains(e.event.id.as_str())) {
                        match &e.event.event {
                            EventKind::LotConsumed {
                                quantity,
                                into_gtin,
                                into_batch,
                                ..
                            } => {
                                let output = LotRef::new(into_gtin, into_batch);
                                facts.links.push(Link {
                                    input: at.clone(),
                                    output: output.clone(),
                                    quantity: *quantity as i64,
                                    at: e.event.at.clone(),
                                });
                                if seen.insert(output.clone()) {
                                    next.push(output);
                                }
                            }
                            EventKind::LotDispatched {
                                quantity,
                                customer,
                                shipment,
                                ..
                            } => facts.shipments.push(ShipmentLine {
                                lot: at.clone(),
                                quantity: *quantity as i64,
                                customer: customer.clone(),
                                shipment: shipment.clone(),
                                at: e.event.at.clone(),
                            }),
                            _ => {}
                        }
                    }
                } else {
                    for e in &own {
                        if let EventKind::LotReceived {
                            quantity,
                            supplier,
                            po,
                            ..
                        } = &e.event.event
                        {
                            facts.receipts.push(ReceiptLine {
                                lot: at.clone(),
                                quantity: *quantity as i64,
                                supplier: supplier.clone(),
                                po: po.clone(),
                                at: e.event.at.clone(),
                            });
                        }
                    }
                    let inputs = db
                        .events_where(EventFilter::ConsumedInto {
                            gtin: at.gtin.clone(),
                            batch: at.batch.clone(),
                        })
                        .await?;
                    for e in &inputs {
                        if let EventKind::LotConsumed {
                            gtin,
                            batch,
                            quantity,
                            ..
                        } = &e.event.event
                        {
                            let input = LotRef::new(gtin, batch);
                            facts.links.push(Link {
                                input: input.clone(),
                                output: at.clone(),
                                quantity: *quantity as i64,
                                at: e.event.at.clone(),
                            });
                            if seen.insert(input.clone()) {
                                next.push(input);
                            }
                        }
                    }
                }
            }
            frontier = next;
        }
    }
    Ok(Some(trace::trace(
        l,
        direction,
        &facts,
        trace::MAX_TRACE_DEPTH,
    )))
}

/// Lots with stock on hand that expire on or before `until`, soonest first.
pub async fn expiring(db: &dyn ServerStore, until: NaiveDate) -> Result<Vec<ExpiringLot>, DbError> {
    let mut out = Vec::new();
    for (gtin, batch) in db.lots_where(LotFilter::ExpiringBy(until)).await? {
        let Some(l) = lot(db, &LotRef::new(gtin, batch)).await? else {
            continue;
        };
        if let Some(expiry) = l.expiry.filter(|e| *e <= until)
            && l.on_hand() > 0
        {
            out.push(ExpiringLot {
                on_hand: l.on_hand(),
                gtin: l.gtin,
                batch: l.batch,
                expiry,
                status: l.status,
            });
        }
    }
    out.sort_by(|a, b| (a.expiry, &a.gtin, &a.batch).cmp(&(b.expiry, &b.gtin, &b.batch)));
    Ok(out)
}

/// Lots whose status is recalled now.
pub async fn recalled(db: &dyn ServerStore) -> Result<Vec<LotState>, DbError> {
    let mut out = Vec::new();
    for (gtin, batch) in db
        .lots_where(LotFilter::EverSetTo(LotStatus::Recalled))
        .await?
    {
        if let Some(l) = lot(db, &LotRef::new(gtin, batch)).await?
            && l.status == LotStatus::Recalled
        {
            out.push(l);
        }
    }
    Ok(out)
}

/// Why a status change at the server was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(
        "no lot {batch} of GTIN {gtin} on the server: has the station that received it synced?"
    )]
    NoSuchLot { gtin: String, batch: String },
    #[error(transparent)]
    Refused(#[from] StatusRefusal),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A supervisor's hold, release, reject or recall, recorded at the server as an event every
/// station pulls. Checked against the lot's status in the server's order.
pub async fn change_status(
    db: &dyn ServerStore,
    caller: &Caller,
    l: &LotRef,
    to: LotStatus,
    reason: &str,
) -> Result<(LotState, Acked), StatusError> {
    let current = lot(db, l).await?.ok_or_else(|| StatusError::NoSuchLot {
        gtin: l.gtin.clone(),
        batch: l.batch.clone(),
    })?;
    status::check_status_change(current.status, to, Role::Supervisor, reason)?;
    let wire = WireEvent {
        id: Uuid::now_v7().to_string(),
        at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        station: caller.station.clone(),
        actor: format!("{} (server)", caller.station),
        event: EventKind::LotStatusChanged {
            gtin: l.gtin.clone(),
            batch: l.batch.clone(),
            from: current.status,
            to,
            role: Role::Supervisor,
            reason: reason.trim().to_string(),
        },
        signature: None,
        link: None,
    };
    let mut ingested = db
        .ingest(None, 0, &[NewEvent::new(&wire, None)], &[], true)
        .await?;
    let after = lot(db, l).await?.unwrap_or(current);
    Ok((after, ingested.acked.remove(0)))
}
