//! Receiving: supplier lots from one GS1 scan, and the products they must belong to.

use super::{
    Needed, Refusal, Station, WorkflowError, check_quantity, gtin_arg, lot_of, parse_scan,
};
use crate::domain::{EventKind, LotStatus};
use crate::gs1;
use crate::store::RecordedEvent;

/// What a receiving scan brings besides the label.
#[derive(Debug, Clone, Default)]
pub struct ReceiveRequest {
    pub scan: String,
    pub quantity: Option<u64>,
    pub location: String,
    pub supplier: Option<String>,
    pub po: Option<String>,
    pub gs_substitute: Option<char>,
}

/// A received lot, for the worker's feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReceiveOutcome {
    pub event_id: String,
    pub gtin: String,
    pub product: String,
    pub batch: String,
    pub expiry: Option<chrono::NaiveDate>,
    pub quantity: u64,
    pub location: String,
    pub status: LotStatus,
    pub sscc: Option<String>,
}

impl Station {
    /// Registers (or renames) a product and the status its received lots start in.
    pub fn register_product(
        &mut self,
        gtin: &str,
        name: &str,
        receive_as: LotStatus,
    ) -> Result<RecordedEvent, WorkflowError> {
        let gtin = gtin_arg(gtin)?;
        if name.trim().is_empty() {
            return Err(Refusal::Needs(Needed::ProductName).into());
        }
        Ok(self.record(EventKind::ProductRegistered {
            gtin,
            name: name.trim().to_string(),
            receive_as,
        })?)
    }

    /// Receives a supplier lot from one GS1 scan (GTIN, batch, expiry, count and SSCC from the
    /// label), on `today`. Durable when it returns.
    pub fn receive(
        &mut self,
        req: &ReceiveRequest,
        today: chrono::NaiveDate,
    ) -> Result<ReceiveOutcome, WorkflowError> {
        let msg = parse_scan(&req.scan, req.gs_substitute, false)?;
        self.receive_label(&msg, req, today)
    }

    /// Receives the lot a whole label names (its barcodes put together, see
    /// [`crate::domain::assembly`]); `req.scan` is not read. A pallet (SSCC) already received
    /// is refused, and so is a lot already expired.
    pub fn receive_label(
        &mut self,
        msg: &gs1::Message,
        req: &ReceiveRequest,
        today: chrono::NaiveDate,
    ) -> Result<ReceiveOutcome, WorkflowError> {
        let lot = lot_of(msg)?;
        if let Some(sscc) = msg.sscc()
            && let Some(pallet) = self.store.pallet(sscc)?
        {
            return Err(Refusal::PalletAlreadyReceived(Box::new(pallet)).into());
        }
        let quantity = req.quantity.or(msg.quantity()).ok_or(Refusal::NoCount)?;
        check_quantity(quantity)?;
        let location = req.location.trim();
        if location.is_empty() {
            return Err(Refusal::Needs(Needed::ReceiptLocation).into());
        }
        let product = self
            .store
            .product(&lot.gtin)?
            .ok_or_else(|| Refusal::UnknownProduct {
                gtin: lot.gtin.clone(),
            })?;
        if let Some(expiry) = msg.expiry().filter(|e| *e < today) {
            return Err(Refusal::ExpiredOnArrival { lot, expiry }.into());
        }
        let recorded = self.record(EventKind::LotReceived {
            gtin: lot.gtin.clone(),
            batch: lot.batch.clone(),
            expiry: msg.expiry(),
            quantity,
            location: location.to_string(),
            status: product.receive_as,
            supplier: req.supplier.clone(),
            sscc: msg.sscc().map(str::to_string),
            po: req.po.clone(),
        })?;
        Ok(ReceiveOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            product: product.name,
            batch: lot.batch,
            expiry: msg.expiry(),
            quantity,
            location: location.to_string(),
            status: product.receive_as,
            sscc: msg.sscc().map(str::to_string),
        })
    }
}
