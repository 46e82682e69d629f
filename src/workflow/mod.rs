//! The station core: the one layer the CLI, the headless scan loop and the UI all call. Each
//! operation checks the batch-tracking rules (in [`crate::domain`]), then records one event; a
//! refusal writes nothing. Results and refusals are typed ([`Outcome`], [`Refusal`]): the core
//! chooses no words, colours or sounds, each front end presents them.
//!
//! One module per job: [`receive`], [`dispatch`] (and picking), [`produce`], [`stock`] (moves,
//! counts, expiry), [`quality`] (status changes), [`lookup`] (lots, traces, label data),
//! [`recall`], [`report`], [`label_job`] (one label job for printing and previews), [`scan`]
//! (what one scan does in each station mode → [`Outcome`]), [`identity`] (who records).

pub mod cost;
pub mod dispatch;
pub mod error;
pub mod identity;
pub mod label_job;
pub mod lookup;
pub mod outcome;
pub mod people;
pub mod produce;
pub mod quality;
pub mod recall;
pub mod receive;
pub mod report;
pub mod scan;
pub mod seed;
pub mod stock;
#[cfg(test)]
pub(crate) mod testing;

use std::path::Path;

use crate::domain::EventKind;
use crate::domain::trace::LotRef;
use crate::gs1::{self, ParseOptions};
use crate::store::{Lot, Pallet, RecordedEvent, Store, StoreError};

pub use dispatch::{DispatchOutcome, DispatchRequest, PickOutcome, VoidOutcome};
pub use error::{Element, Needed, NotVoidable, Refusal, WorkflowError};
pub use identity::{Identity, default_db_path, identity_from_env};
pub use outcome::Outcome;
pub use people::{ProofError, SupervisorProof, UnlockError};
pub use produce::{ConsumeOutcome, ConsumedInput, ProduceOutcome, ProduceRequest, SiteConfig};
pub use quality::{StatusOutcome, StatusRequest};
pub use receive::{ExpiryDiffers, ReceiveOutcome, ReceiveRequest};
pub use stock::{CountOutcome, typed_count, typed_quantity};

/// The station's sync state (see [`Station::sync_state`]).
pub use crate::store::SyncStatus as SyncState;

/// Largest quantity one receipt may carry (the domain's bound, which the server checks too).
pub use crate::domain::MAX_QUANTITY;

/// The station core over its store: who records ([`Identity`]) and the operations, one module
/// per job. (The headless loop that feeds it scans lives with the scanner sources.)
pub struct Station {
    store: Store,
    who: Identity,
    /// The person acting now, who signs what is recorded (see [`Station::act_as`]).
    signer: Option<crate::people::Signer>,
}

impl Station {
    pub fn open(db: &Path, who: Identity) -> Result<Station, WorkflowError> {
        Ok(Station {
            store: Store::open(db)?,
            who,
            signer: None,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Who records at this station.
    pub fn identity(&self) -> &Identity {
        &self.who
    }

    /// Records what follows as `signer`'s, each event signed by them (the server accepts a
    /// release, rejection or recall only so), until `act_as(None)`. The caller opened the
    /// signer with the person's PIN.
    pub fn act_as(&mut self, signer: Option<crate::people::Signer>) {
        self.signer = signer;
    }

    /// The person signed in through [`Self::act_as`], if one is.
    pub fn acting_as(&self) -> Option<&crate::people::Signer> {
        self.signer.as_ref()
    }

    /// Whether this station knows people's accounts (then a supervisor acts as themself, and
    /// the station's own supervisor PIN, which names no one, is not accepted).
    pub fn has_people(&self) -> Result<bool, WorkflowError> {
        Ok(!self.store.people()?.is_empty())
    }

    /// A person this station knows (from the server's person events).
    pub fn person(&self, id: &str) -> Result<Option<crate::domain::person::Person>, WorkflowError> {
        Ok(self.store.person(id)?)
    }

    /// The station's sync state for the UI: backlog (events not yet acknowledged by the
    /// server), last success, last error, the server last synced with. Two small queries.
    pub fn sync_state(&self) -> Result<SyncState, WorkflowError> {
        Ok(self.store.sync_status()?)
    }

    /// The lot a command names by GTIN and batch; refused ([`Refusal::NoSuchLot`]) when this
    /// store does not know it.
    pub fn existing_lot(&self, gtin: &str, batch: &str) -> Result<Lot, WorkflowError> {
        let gtin = gtin_arg(gtin)?;
        match self.store.lot(&gtin, batch)? {
            Some(lot) => Ok(lot),
            None => Err(Refusal::NoSuchLot(LotRef::new(gtin, batch)).into()),
        }
    }

    /// The lot a label names: through its pallet when it carries an SSCC (the SSCC alone is
    /// enough: the pallet's receipt says what is on it), else by its GTIN and batch. A pallet
    /// never received here is refused, and so is a label whose GTIN or batch disagrees with
    /// its pallet's record.
    fn named_lot(&self, msg: &gs1::Message) -> Result<(LotRef, Option<Pallet>), WorkflowError> {
        let Some(sscc) = msg.sscc() else {
            return Ok((lot_of(msg)?, None));
        };
        let pallet = self
            .store
            .pallet(sscc)?
            .ok_or_else(|| Refusal::UnknownPallet {
                sscc: sscc.to_string(),
            })?;
        let gtin_differs = msg.gtin().is_some_and(|g| g != pallet.gtin);
        if gtin_differs || msg.batch().is_some_and(|b| b != pallet.batch) {
            return Err(Refusal::PalletMismatch(Box::new(pallet)).into());
        }
        Ok((LotRef::new(&pallet.gtin, &pallet.batch), Some(pallet)))
    }

    /// The lot a label names ([`Self::named_lot`]), checked to be one that may ship (or,
    /// `input`, go into production) today: received here, released, not expired. The quantity
    /// and FEFO checks follow in the caller, which knows how much it takes.
    fn shippable_lot(
        &self,
        msg: &gs1::Message,
        input: bool,
        today: chrono::NaiveDate,
    ) -> Result<(LotRef, Lot, Option<Pallet>), WorkflowError> {
        let (target, pallet) = self.named_lot(msg)?;
        let Some(lot) = self.store.lot(&target.gtin, &target.batch)? else {
            return Err(Refusal::NeverReceived { lot: target, input }.into());
        };
        crate::domain::rules::check_shippable(lot.status, lot.expiry, today).map_err(|why| {
            Refusal::MayNotShip {
                lot: target.clone(),
                input,
                why,
            }
        })?;
        Ok((target, lot, pallet))
    }

    /// Records an event that passes the check the server will apply to it
    /// ([`EventKind::validate`]): what the station would have to refuse later is never recorded.
    fn record(&mut self, event: EventKind) -> Result<RecordedEvent, StoreError> {
        let actor = self.who.actor.clone();
        self.record_by(&actor, event)
    }

    /// [`Self::record`] under `actor` rather than the station's user (a supervisor who proved
    /// it with the PIN at a station logged in as someone else).
    /// (A person acting through [`Self::act_as`] is the actor whatever is given.)
    fn record_by(&mut self, actor: &str, event: EventKind) -> Result<RecordedEvent, StoreError> {
        event.validate()?;
        let actor = self.signer.as_ref().map_or(actor, |s| s.person.as_str());
        Ok(self
            .store
            .append_signed(&self.who.station, actor, vec![event], self.signer.as_ref())?
            .remove(0))
    }

    fn record_all(&mut self, events: Vec<EventKind>) -> Result<(), StoreError> {
        for event in &events {
            event.validate()?;
        }
        let actor = self
            .signer
            .as_ref()
            .map_or(self.who.actor.as_str(), |s| s.person.as_str());
        self.store
            .append_signed(&self.who.station, actor, events, self.signer.as_ref())?;
        Ok(())
    }
}

/// Refuses a quantity of 0 or beyond [`MAX_QUANTITY`].
fn check_quantity(quantity: u64) -> Result<u64, Refusal> {
    if quantity == 0 || quantity > MAX_QUANTITY {
        return Err(Refusal::BadQuantity(quantity));
    }
    Ok(quantity)
}

/// A GTIN given by hand (8, 12, 13 or 14 digits) as the store keys it: 14 digits, check digit
/// verified; a wrong one is refused with the reason.
fn gtin_arg(gtin: &str) -> Result<String, Refusal> {
    gs1::normalize_gtin(gtin).map_err(|e| Refusal::Invalid(e.to_string()))
}

/// Parses a scan as GS1 data. `skip_requisites` for one barcode of several on a label, or
/// lookups of partial labels.
fn parse_scan(
    scan: &str,
    gs_substitute: Option<char>,
    skip_requisites: bool,
) -> Result<gs1::Message, WorkflowError> {
    let opts = ParseOptions {
        gs_substitute,
        skip_requisites,
    };
    Ok(gs1::parse(scan, &opts)?)
}

/// The lot a label names by its GTIN and batch; a label that lacks either is refused.
fn lot_of(msg: &gs1::Message) -> Result<LotRef, Refusal> {
    let gtin = msg.gtin().ok_or(Refusal::Missing(Element::Gtin))?;
    let batch = msg.batch().ok_or(Refusal::Missing(Element::Batch))?;
    Ok(LotRef::new(gtin, batch))
}

/// Which locations stock is taken from: in the lot's location order until `quantity` is met.
fn take_from(stock: &[(String, i64)], quantity: u64) -> Vec<(String, u64)> {
    let mut left = quantity as i64;
    let mut from = Vec::new();
    for (location, qty) in stock {
        let take = left.min(*qty);
        if take > 0 {
            from.push((location.clone(), take as u64));
            left -= take;
        }
    }
    from
}
