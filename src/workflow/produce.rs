//! Production: batches numbered by the site's format, and the input lots consumed into them.

use super::{Refusal, Station, WorkflowError, check_quantity, gtin_arg, parse_scan, take_from};
use crate::batch::{BatchFormat, BatchInputs};
use crate::domain::rules;
use crate::domain::trace::LotRef;
use crate::domain::{EventKind, LotStatus};
use crate::gs1;

/// The site's production settings (`[site]` in the station config).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Facility code for `{FAC}` in the batch format.
    pub facility: String,
    /// Batch-number format (see `src/batch`); `{PROD}` is the GTIN's item digits.
    pub batch_format: String,
    /// Where produced batches are put.
    pub production_location: String,
    /// The site's GLN (13 digits): the location of its events in exports (EPCIS, FSMA 204).
    pub gln: Option<String>,
    /// The site's currency (ISO 4217): costs and prices recorded here are in it, and costs
    /// are reported in it.
    pub currency: crate::domain::money::Currency,
    /// The site's GS1 company prefix (4 to 12 digits): pallets built at dispatch get SSCCs
    /// under it. None: only received pallets can leave (a shipment with loose cases cannot be
    /// closed).
    pub company_prefix: Option<String>,
    /// This station's SSCC extension digit (0-9), different at each station of the site that
    /// closes shipments: with it, two stations never make the same SSCC, offline or not.
    pub sscc_extension: u8,
}

impl SiteConfig {
    /// Where this station's new SSCCs come from, when the site has a company prefix.
    pub fn sscc_source(&self) -> Option<super::SsccSource> {
        self.company_prefix.as_ref().map(|p| super::SsccSource {
            extension: self.sscc_extension,
            company_prefix: p.trim().to_string(),
        })
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            facility: String::new(),
            batch_format: "{YY}{JJJ}{SEQ:4}".into(),
            production_location: "PRODUCTION".into(),
            gln: None,
            currency: Default::default(),
            company_prefix: None,
            sscc_extension: 0,
        }
    }
}

/// A production batch to record.
#[derive(Debug, Clone, Default)]
pub struct ProduceRequest {
    pub product: String,
    pub quantity: u64,
    pub expiry: Option<chrono::NaiveDate>,
    /// Scans of input lots used up (label count, else all on hand).
    pub consume: Vec<String>,
    pub gs_substitute: Option<char>,
    /// The run's labour and overhead, in the site currency, when given.
    pub costs: Option<crate::domain::event::RunCosts>,
}

/// A production batch recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProduceOutcome {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub location: String,
    pub status: LotStatus,
    pub inputs: Vec<ConsumedInput>,
}

/// An input lot used up by a production batch, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsumedInput {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
}

/// An input lot consumed into a production batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsumeOutcome {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    /// The production batch it went into.
    pub into: LotRef,
}

impl Station {
    /// Records a production batch: its number from the site format and a sequence that never
    /// repeats in this store, and every input lot consumed into it, in one transaction.
    pub fn produce(
        &mut self,
        site: &SiteConfig,
        req: &ProduceRequest,
        today: chrono::NaiveDate,
    ) -> Result<ProduceOutcome, WorkflowError> {
        let gtin = gtin_arg(&req.product)?;
        let product = self
            .store
            .product(&gtin)?
            .ok_or_else(|| Refusal::UnknownProduct { gtin: gtin.clone() })?;
        check_quantity(req.quantity)?;
        let invalid = |e: crate::batch::BatchError| Refusal::Invalid(e.to_string());
        let format = BatchFormat::parse(&site.batch_format).map_err(invalid)?;
        let item = &gtin[8..13];
        let key = format.sequence_key(today, item);
        let sequence = self.store.last_sequence(&key)? + 1;
        let batch = format
            .render(&BatchInputs {
                date: today,
                facility: &site.facility,
                product: item,
                sequence,
            })
            .map_err(invalid)?;
        if self.store.lot(&gtin, &batch)?.is_some() {
            return Err(Refusal::BatchExists(LotRef::new(gtin, batch)).into());
        }
        let mut events = vec![EventKind::BatchProduced {
            gtin: gtin.clone(),
            batch: batch.clone(),
            quantity: req.quantity,
            location: site.production_location.clone(),
            expiry: req.expiry,
            status: product.receive_as,
            sequence_key: key,
            sequence,
            costs: req.costs.clone(),
        }];
        let into = LotRef::new(gtin.clone(), batch.clone());
        let mut inputs = Vec::new();
        for scan in &req.consume {
            let msg = parse_scan(scan, req.gs_substitute, false)?;
            let (event, input) = self.consumption(&msg, &into, today)?;
            events.push(event);
            inputs.push(ConsumedInput {
                gtin: input.gtin,
                batch: input.batch,
                quantity: input.quantity,
            });
        }
        self.record_all(events)?;
        Ok(ProduceOutcome {
            gtin,
            batch,
            quantity: req.quantity,
            location: site.production_location.clone(),
            status: product.receive_as,
            inputs,
        })
    }

    /// Consumes one scanned input lot into an existing production batch.
    pub fn consume(
        &mut self,
        scan: &str,
        into_gtin: &str,
        into_batch: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> Result<ConsumeOutcome, WorkflowError> {
        let msg = parse_scan(scan, gs_substitute, false)?;
        self.consume_label(&msg, into_gtin, into_batch, today)
    }

    /// Consumes the input lot a whole label names (its lot, or its pallet's).
    pub fn consume_label(
        &mut self,
        msg: &gs1::Message,
        into_gtin: &str,
        into_batch: &str,
        today: chrono::NaiveDate,
    ) -> Result<ConsumeOutcome, WorkflowError> {
        let into = LotRef::new(gtin_arg(into_gtin)?, into_batch);
        if self.store.lot(&into.gtin, &into.batch)?.is_none() {
            return Err(Refusal::NoProductionBatch(into).into());
        }
        let (event, input) = self.consumption(msg, &into, today)?;
        self.record(event)?;
        Ok(input)
    }

    /// Checks an input lot (released, not expired, on hand: the dispatch rules) and makes its
    /// consumption event.
    fn consumption(
        &self,
        msg: &gs1::Message,
        into: &LotRef,
        today: chrono::NaiveDate,
    ) -> Result<(EventKind, ConsumeOutcome), WorkflowError> {
        let (target, lot, pallet) = self.shippable_lot(msg, true, today)?;
        let on_hand = lot.on_hand();
        let quantity = pallet
            .map(|p| p.quantity)
            .or(msg.quantity())
            .unwrap_or(on_hand.max(0) as u64);
        // Nothing on hand to take is refused like too little.
        rules::check_on_hand(on_hand, quantity.max(1), None).map_err(|_| Refusal::MayNotShip {
            lot: target.clone(),
            input: true,
            why: rules::DispatchRefusal::NotEnoughStock {
                on_hand,
                asked: quantity,
                at: None,
            },
        })?;
        let event = EventKind::LotConsumed {
            gtin: target.gtin.clone(),
            batch: target.batch.clone(),
            quantity,
            into_gtin: into.gtin.clone(),
            into_batch: into.batch.clone(),
            from: take_from(&lot.stock, quantity),
        };
        let outcome = ConsumeOutcome {
            gtin: target.gtin,
            batch: target.batch,
            quantity,
            into: into.clone(),
        };
        Ok((event, outcome))
    }
}
