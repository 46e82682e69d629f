//! What can happen at a station, as typed data. The store keeps these in an append-only,
//! hash-chained log; every table of current state is derived from them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::LotStatus;
use super::arrival::ReceivingRules;
use super::money::{Amount, Currency, Money};
use super::person::{Credential, PersonRole};
use super::recall::{CoveredLot, Disposition, RecallItem};
use super::shipment::OutgoingPallet;
use super::status::Role;
use super::trace::LotRef;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A product the site handles, and the status its received lots start in.
    ProductRegistered {
        gtin: String,
        name: String,
        receive_as: LotStatus,
        /// Its receiving rules (expired lots, minimum shelf life); left out of the payload
        /// when they are the defaults, so earlier events hash the same.
        #[serde(default, skip_serializing_if = "ReceivingRules::is_default")]
        receiving: ReceivingRules,
    },
    /// A supplier lot received into a location.
    LotReceived {
        gtin: String,
        batch: String,
        expiry: Option<NaiveDate>,
        quantity: u64,
        location: String,
        status: LotStatus,
        supplier: Option<String>,
        sscc: Option<String>,
        po: Option<String>,
        /// What one unit cost (the supplier's price); none: received uncosted, never zero.
        /// Left out of the payload when none, so events recorded before costs hash the same.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_cost: Option<Money>,
    },
    /// A production batch made, its number taken from the site's format and sequence.
    BatchProduced {
        gtin: String,
        batch: String,
        quantity: u64,
        location: String,
        expiry: Option<NaiveDate>,
        status: LotStatus,
        sequence_key: String,
        sequence: u64,
        /// The run's labour and overhead, when recorded (left out of the payload when none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        costs: Option<RunCosts>,
    },
    /// An input lot used up in a production batch, taken from these locations.
    LotConsumed {
        gtin: String,
        batch: String,
        quantity: u64,
        into_gtin: String,
        into_batch: String,
        from: Vec<(String, u64)>,
    },
    /// Stock of a lot shipped to a customer, taken from these locations.
    LotDispatched {
        gtin: String,
        batch: String,
        quantity: u64,
        customer: String,
        shipment: Option<String>,
        from: Vec<(String, u64)>,
        /// The pallet shipped, when the scan named one: it ships once. (Absent in events
        /// recorded before pallets were tracked, and left out of the payload when none.)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sscc: Option<String>,
        /// What the customer pays per unit, when recorded (left out of the payload when none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_price: Option<Money>,
    },
    /// A dispatch scanned by mistake, undone: its stock is back where it was taken from and it
    /// no longer counts as shipped. The dispatch event itself stays in the log.
    DispatchVoided {
        /// The id of the `LotDispatched` event undone.
        event: String,
        gtin: String,
        batch: String,
        quantity: u64,
        customer: String,
        /// Where the stock goes back to: the locations the dispatch took it from.
        to: Vec<(String, u64)>,
        sscc: Option<String>,
        reason: String,
    },
    /// A shipment closed as it leaves the dock: the customer's dispatches under this reference
    /// (or, `None`, their unreferenced dispatches not closed yet), each on the outgoing pallet
    /// it leaves on. Its dispatches can no longer be undone, and a closed reference takes no
    /// more dispatches (see [`crate::domain::shipment`]).
    ShipmentClosed {
        customer: String,
        shipment: Option<String>,
        pallets: Vec<OutgoingPallet>,
    },
    /// Stock of a lot moved from one location to another.
    LotMoved {
        gtin: String,
        batch: String,
        from: String,
        to: String,
        quantity: u64,
    },
    /// A stock count of a lot at a location: stock there becomes `counted`; `difference` is
    /// the adjustment against what the store held (negative: stock was missing).
    LotCounted {
        gtin: String,
        batch: String,
        location: String,
        counted: u64,
        difference: i64,
    },
    /// A supervisor changed a lot's quality status, with the reason given.
    LotStatusChanged {
        gtin: String,
        batch: String,
        from: LotStatus,
        to: LotStatus,
        role: Role,
        reason: String,
    },
    /// A lot's cost corrected (a supplier invoice that differs from the PO, a run's labour
    /// booked late): from this event on, `unit_cost` replaces the cost of the lot's receipts,
    /// `labour`/`overhead` the run's; what is `None` stays as it was. Every lot made from it is
    /// costed anew; the events before it stay in the log (the cost's history).
    CostCorrected {
        gtin: String,
        batch: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit_cost: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        labour: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overhead: Option<Amount>,
        currency: Currency,
        reason: String,
    },
    /// A supervisor started a recall: the lots it covers and what must be accounted for (stock
    /// on hand, shipments per customer) as they stood. The covered lots' status changes are
    /// recorded as `LotStatusChanged` events in the same transaction.
    RecallStarted {
        recall: String,
        reason: String,
        role: Role,
        include_derived: bool,
        named: Vec<LotRef>,
        lots: Vec<CoveredLot>,
        items: Vec<RecallItem>,
    },
    /// A quantity of a recalled lot accounted for, at the site (`customer` = `None`) or at a
    /// customer it was shipped to.
    RecallAccounted {
        recall: String,
        gtin: String,
        batch: String,
        customer: Option<String>,
        quantity: u64,
        how: Disposition,
        note: Option<String>,
    },
    /// A supervisor closed a recall; `forced` with a reason when something was still open.
    RecallClosed {
        recall: String,
        role: Role,
        forced: bool,
        reason: Option<String>,
        outstanding: i64,
    },
    /// A person given an account at the server (every station learns it): who they are, what
    /// they may do, and their credential (public key, PIN-sealed private key). Recorded only
    /// by the server.
    PersonEnrolled {
        person: String,
        name: String,
        role: PersonRole,
        credential: Credential,
    },
    /// A person's credential sealed under a new PIN (same key), or a new key given by an
    /// admin at the server. At a station, signed by the person with the old PIN.
    PersonCredentialChanged {
        person: String,
        credential: Credential,
    },
    /// A person who may no longer act (their history stays theirs). Recorded only by the
    /// server.
    PersonRemoved { person: String },
}

/// A production run's labour and overhead, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCosts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labour: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Amount>,
    pub currency: Currency,
}

impl EventKind {
    /// The short name stored beside the payload (for queries and the sync envelope).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::ProductRegistered { .. } => "product_registered",
            EventKind::LotReceived { .. } => "lot_received",
            EventKind::LotDispatched { .. } => "lot_dispatched",
            EventKind::DispatchVoided { .. } => "dispatch_voided",
            EventKind::ShipmentClosed { .. } => "shipment_closed",
            EventKind::BatchProduced { .. } => "batch_produced",
            EventKind::LotConsumed { .. } => "lot_consumed",
            EventKind::LotStatusChanged { .. } => "lot_status_changed",
            EventKind::LotMoved { .. } => "lot_moved",
            EventKind::LotCounted { .. } => "lot_counted",
            EventKind::RecallStarted { .. } => "recall_started",
            EventKind::RecallAccounted { .. } => "recall_accounted",
            EventKind::RecallClosed { .. } => "recall_closed",
            EventKind::PersonEnrolled { .. } => "person_enrolled",
            EventKind::PersonCredentialChanged { .. } => "person_credential_changed",
            EventKind::PersonRemoved { .. } => "person_removed",
            EventKind::CostCorrected { .. } => "cost_corrected",
        }
    }

    /// The lots (GTIN, batch) whose history this event is part of: its own lot, the batch a
    /// consumption went into, every lot a recall covers. A lot's history in Lot lookup is
    /// exactly the events that name it here.
    pub fn lots(&self) -> Vec<(&str, &str)> {
        match self {
            EventKind::ProductRegistered { .. }
            | EventKind::RecallClosed { .. }
            | EventKind::PersonEnrolled { .. }
            | EventKind::PersonCredentialChanged { .. }
            | EventKind::PersonRemoved { .. } => Vec::new(),
            EventKind::LotConsumed {
                gtin,
                batch,
                into_gtin,
                into_batch,
                ..
            } => vec![(gtin, batch), (into_gtin, into_batch)],
            EventKind::RecallStarted { lots, .. } => lots
                .iter()
                .map(|l| (l.lot.gtin.as_str(), l.lot.batch.as_str()))
                .collect(),
            EventKind::ShipmentClosed { pallets, .. } => {
                let mut lots: Vec<(&str, &str)> = pallets
                    .iter()
                    .flat_map(|p| &p.lines)
                    .map(|l| (l.gtin.as_str(), l.batch.as_str()))
                    .collect();
                lots.sort_unstable();
                lots.dedup();
                lots
            }
            EventKind::LotReceived { gtin, batch, .. }
            | EventKind::BatchProduced { gtin, batch, .. }
            | EventKind::LotDispatched { gtin, batch, .. }
            | EventKind::DispatchVoided { gtin, batch, .. }
            | EventKind::LotMoved { gtin, batch, .. }
            | EventKind::LotCounted { gtin, batch, .. }
            | EventKind::LotStatusChanged { gtin, batch, .. }
            | EventKind::RecallAccounted { gtin, batch, .. }
            | EventKind::CostCorrected { gtin, batch, .. } => vec![(gtin, batch)],
        }
    }

    /// The person an account event is about.
    pub fn person(&self) -> Option<&str> {
        match self {
            EventKind::PersonEnrolled { person, .. }
            | EventKind::PersonCredentialChanged { person, .. }
            | EventKind::PersonRemoved { person } => Some(person),
            _ => None,
        }
    }
}
