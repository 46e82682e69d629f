//! Finding lots: by GTIN and batch, by a scan of the label, by a batch number alone; their
//! traces, their history and their label data.

use std::collections::BTreeMap;

use super::{Refusal, Station, WorkflowError, gtin_arg, parse_scan};
use crate::domain::trace::{self, Direction, LotRef, Trace};
use crate::gs1;
use crate::store::{Lot, Product, RecordedEvent};

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
    /// Both directions.
    pub trace: Trace,
    /// Product names of the lots in the trace, by GTIN.
    pub names: BTreeMap<String, String>,
}

impl Station {
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
        self.existing_lot(&target.gtin, &target.batch)?;
        Ok(target)
    }
}
