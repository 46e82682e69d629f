//! Shipments and their closing: what leaves the dock on which pallet. Pure.
//!
//! A shipment is the dispatches of one customer under one shipment reference that are still
//! standing (not voided) and not closed yet. Dispatches without a reference are the customer's
//! unreferenced shipment: closing it takes those dispatches, and the next unreferenced dispatch
//! to that customer starts a new one (a dock that works without references closes each truck
//! as it leaves). A closed reference stays closed: a dispatch under it is refused.
//!
//! Closing names every outgoing pallet by its SSCC with its content. A pallet shipped by its
//! received SSCC leaves intact under that SSCC; the loose lines (cases) go on pallets built
//! at the dock, each with a new SSCC from the site's GS1 company prefix ([`SsccPlan`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One pallet leaving with a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingPallet {
    pub sscc: String,
    /// For a pallet built at the dock: the extension digit and company prefix its SSCC was
    /// allocated under (`"3" + "9501101"`), which numbers the station's serials. `None` for a
    /// received pallet that leaves intact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_under: Option<String>,
    pub lines: Vec<PalletLine>,
}

/// A dispatch on an outgoing pallet: the lot and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PalletLine {
    /// The `LotDispatched` event this line ships.
    pub dispatch: String,
    pub gtin: String,
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub quantity: u64,
}

impl OutgoingPallet {
    /// Whether it was built at the dock (a new SSCC), rather than received and left intact.
    pub fn built(&self) -> bool {
        self.allocated_under.is_some()
    }

    /// One lot only (one GTIN and batch): its label carries (02)+(37) and (17)+(10); a mixed
    /// pallet's carries the SSCC and its content as text.
    pub fn single_lot(&self) -> Option<&PalletLine> {
        let first = self.lines.first()?;
        self.lines
            .iter()
            .all(|l| l.gtin == first.gtin && l.batch == first.batch && l.expiry == first.expiry)
            .then_some(first)
    }

    /// The pallet's units.
    pub fn quantity(&self) -> u64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// The serial reference of a built pallet's SSCC (the digits between its extension digit
    /// and company prefix and its check digit).
    pub fn serial(&self) -> Option<u64> {
        let under = self.allocated_under.as_deref()?;
        self.sscc.get(under.len()..17)?.parse().ok()
    }
}

/// A dispatch of the shipment being closed, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedLine {
    pub line: PalletLine,
    /// The received pallet it shipped as a whole, when the scan was its SSCC.
    pub sscc: Option<String>,
}

/// Where a station's new SSCCs come from: the extension digit (one per station of the site,
/// so two stations never make the same one, offline or not), the site's GS1 company prefix,
/// and the last serial this station allocated under them (from the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsccPlan {
    pub extension: u8,
    pub company_prefix: String,
    pub last_serial: u64,
}

impl SsccPlan {
    /// What the SSCCs are allocated under: the extension digit and the company prefix.
    pub fn key(&self) -> String {
        format!("{}{}", self.extension, self.company_prefix)
    }
}

/// Why a shipment cannot be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseRefusal {
    #[error("nothing to close: no dispatch stands in this shipment")]
    Empty,
    #[error("the number of built pallets must be 1 to {MAX_BUILT}, not {0}")]
    BadPalletCount(usize),
    #[error(
        "the shipment has loose cases, and a new pallet needs an SSCC: set [site] company_prefix (and this station's sscc_extension) in the station config"
    )]
    NoCompanyPrefix,
    #[error("cannot allocate an SSCC: {0}")]
    Sscc(String),
}

/// Most pallets built at one close: a truck carries about 33.
pub const MAX_BUILT: usize = 99;

/// The pallets a shipment leaves on: each received pallet intact, in scan order, then the
/// loose lines in scan order spread over `built` new pallets (whole lines, as evenly as the
/// lines fall; fewer when there are fewer lines), each with the next SSCC of `plan`.
pub fn plan_pallets(
    lines: Vec<ShippedLine>,
    built: usize,
    plan: Option<&SsccPlan>,
) -> Result<Vec<OutgoingPallet>, CloseRefusal> {
    if lines.is_empty() {
        return Err(CloseRefusal::Empty);
    }
    if !(1..=MAX_BUILT).contains(&built) {
        return Err(CloseRefusal::BadPalletCount(built));
    }
    let mut pallets = Vec::new();
    let mut loose = Vec::new();
    for l in lines {
        match l.sscc {
            Some(sscc) => pallets.push(OutgoingPallet {
                sscc,
                allocated_under: None,
                lines: vec![l.line],
            }),
            None => loose.push(l.line),
        }
    }
    if loose.is_empty() {
        return Ok(pallets);
    }
    let plan = plan.ok_or(CloseRefusal::NoCompanyPrefix)?;
    let n = built.min(loose.len());
    let mut rest = loose.into_iter();
    for i in 0..n {
        // The first `len % n` pallets take one line more.
        let take = rest.len() / (n - i) + usize::from(rest.len() % (n - i) != 0);
        let serial = plan.last_serial + 1 + i as u64;
        let sscc = crate::gs1::make_sscc(plan.extension, &plan.company_prefix, serial)
            .map_err(|e| CloseRefusal::Sscc(e.to_string()))?;
        pallets.push(OutgoingPallet {
            sscc,
            allocated_under: Some(plan.key()),
            lines: rest.by_ref().take(take).collect(),
        });
    }
    Ok(pallets)
}

/// Units per product over all pallets, in the order products first appear: the despatch
/// note's totals.
pub fn totals(pallets: &[OutgoingPallet]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for l in pallets.iter().flat_map(|p| &p.lines) {
        match out.iter_mut().find(|(g, _)| *g == l.gtin) {
            Some((_, q)) => *q += l.quantity,
            None => out.push((l.gtin.clone(), l.quantity)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "09501101530003";

    fn line(n: u32, sscc: Option<&str>) -> ShippedLine {
        ShippedLine {
            line: PalletLine {
                dispatch: format!("ev{n}"),
                gtin: G.into(),
                batch: format!("L{n}"),
                expiry: None,
                quantity: u64::from(n),
            },
            sscc: sscc.map(Into::into),
        }
    }

    fn plan(last: u64) -> SsccPlan {
        SsccPlan {
            extension: 3,
            company_prefix: "9501101".into(),
            last_serial: last,
        }
    }

    #[test]
    fn received_pallets_leave_intact_and_loose_lines_go_on_new_ones() {
        let lines = vec![
            line(1, None),
            line(2, Some("095011010000000018")),
            line(3, None),
        ];
        let p = plan_pallets(lines, 1, Some(&plan(41))).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].sscc, "095011010000000018");
        assert!(!p[0].built());
        assert_eq!(p[1].sscc, crate::gs1::make_sscc(3, "9501101", 42).unwrap());
        assert_eq!(p[1].serial(), Some(42));
        assert_eq!(p[1].lines.len(), 2);
        assert_eq!(p[1].quantity(), 4);
        assert!(p[1].single_lot().is_none(), "two lots: mixed");
        assert!(p[0].single_lot().is_some());
        // The check digit is GS1's.
        let s = &p[1].sscc;
        assert_eq!(
            crate::gs1::check_digit(&s[..17]).unwrap().to_string(),
            &s[17..]
        );
    }

    #[test]
    fn loose_lines_spread_over_the_pallets_asked_for_in_scan_order() {
        let lines: Vec<_> = (1..=5).map(|n| line(n, None)).collect();
        let p = plan_pallets(lines.clone(), 2, Some(&plan(0))).unwrap();
        let batches: Vec<Vec<&str>> = p
            .iter()
            .map(|p| p.lines.iter().map(|l| l.batch.as_str()).collect())
            .collect();
        assert_eq!(batches, vec![vec!["L1", "L2", "L3"], vec!["L4", "L5"]]);
        assert_ne!(p[0].sscc, p[1].sscc);
        // More pallets than lines: one line each, no empty pallet.
        assert_eq!(plan_pallets(lines, 9, Some(&plan(0))).unwrap().len(), 5);
    }

    #[test]
    fn what_cannot_be_closed_is_refused() {
        assert_eq!(plan_pallets(vec![], 1, None), Err(CloseRefusal::Empty));
        assert_eq!(
            plan_pallets(vec![line(1, None)], 1, None),
            Err(CloseRefusal::NoCompanyPrefix)
        );
        assert_eq!(
            plan_pallets(vec![line(1, None)], 0, Some(&plan(0))),
            Err(CloseRefusal::BadPalletCount(0))
        );
        // Received pallets only: no prefix needed.
        plan_pallets(vec![line(1, Some("095011010000000018"))], 1, None).unwrap();
        // The serials run out: said, not wrapped.
        let full = SsccPlan {
            last_serial: 999_999_999,
            ..plan(0)
        };
        assert!(matches!(
            plan_pallets(vec![line(1, None)], 1, Some(&full)),
            Err(CloseRefusal::Sscc(_))
        ));
    }

    #[test]
    fn totals_add_up_per_product() {
        let mut lines: Vec<_> = (1..=3).map(|n| line(n, None)).collect();
        lines[1].line.gtin = "09501101530010".into();
        let p = plan_pallets(lines, 2, Some(&plan(0))).unwrap();
        assert_eq!(
            totals(&p),
            vec![(G.to_string(), 4), ("09501101530010".to_string(), 2)]
        );
    }
}
