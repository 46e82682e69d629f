//! A lot's history as people read it: one line per event that names the lot, the same words in
//! Lot lookup and `lotline lot history`.

use crate::domain::{EventKind, LotStatus};
use crate::store::RecordedEvent;

/// One event of a lot's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// When, to the minute: `2026-03-01 14:05`.
    pub at: String,
    /// What happened.
    pub what: String,
    pub actor: String,
    pub station: String,
    /// What deserves a look: a dispatch undone, a status change.
    pub mark: Option<Mark>,
}

/// Why a history line stands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A dispatch undone.
    Undone,
    /// The lot's status changed to this.
    Status(LotStatus),
}

impl HistoryLine {
    /// `WHEN  WHAT  (ACTOR, STATION)`.
    pub fn text(&self) -> String {
        format!(
            "{}  {}  ({}, {})",
            self.at, self.what, self.actor, self.station
        )
    }
}

/// The line of one event of a lot's history.
pub fn history_line(e: &RecordedEvent) -> HistoryLine {
    let (what, mark) = describe(&e.event);
    HistoryLine {
        at: e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
        what,
        actor: e.actor.clone(),
        station: e.station.clone(),
        mark,
    }
}

/// A status as words: `on hold`.
fn words(status: &str) -> String {
    status.replace('_', " ")
}

fn describe(e: &EventKind) -> (String, Option<Mark>) {
    match e {
        EventKind::LotReceived {
            quantity,
            location,
            supplier,
            status,
            ..
        } => (
            format!(
                "received {quantity} into {location}{} as {}",
                supplier
                    .as_ref()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default(),
                words(status.name())
            ),
            None,
        ),
        EventKind::BatchProduced {
            quantity, location, ..
        } => (format!("produced {quantity} into {location}"), None),
        EventKind::LotConsumed {
            quantity,
            into_batch,
            ..
        } => (format!("{quantity} consumed into batch {into_batch}"), None),
        EventKind::LotDispatched {
            quantity,
            customer,
            shipment,
            ..
        } => (
            format!(
                "{quantity} shipped to {customer}{}",
                shipment
                    .as_ref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            ),
            None,
        ),
        EventKind::DispatchVoided {
            quantity,
            customer,
            reason,
            ..
        } => (
            format!("VOID: {quantity} shipped to {customer} undone, back in stock: {reason}"),
            Some(Mark::Undone),
        ),
        EventKind::LotMoved {
            quantity, from, to, ..
        } => (format!("{quantity} moved {from} → {to}"), None),
        EventKind::LotCounted {
            location,
            counted,
            difference,
            ..
        } => (
            format!("counted {counted} at {location} ({difference:+})"),
            None,
        ),
        EventKind::LotStatusChanged {
            from, to, reason, ..
        } => (
            format!(
                "QC: {} → {}: {reason}",
                words(from.name()),
                words(to.name())
            ),
            Some(Mark::Status(*to)),
        ),
        EventKind::ShipmentClosed {
            customer,
            shipment,
            pallets,
        } => (
            format!(
                "shipment {}to {customer} closed: left on {}",
                shipment
                    .as_ref()
                    .map(|s| format!("{s} "))
                    .unwrap_or_default(),
                pallets
                    .iter()
                    .map(|p| format!("pallet {}", p.sscc))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        ),
        // No amounts: the history is shown at every station, costs only where they are.
        EventKind::CostCorrected { reason, .. } => (format!("cost corrected: {reason}"), None),
        other => (format!("{other:?}"), None),
    }
}
