//! What an event must be to be recorded: the checks a station makes before it records one,
//! applied again by the server to every event a station pushes (it believes nothing it cannot
//! check). One function, [`EventKind::validate`], for both sides; a failure names the field
//! and the rule. Pure.

use chrono::{Datelike, NaiveDate};

use super::EventKind;
use super::event::RunCosts;
use super::money::{self, Amount, Money};
use super::recall::{self, RecallRefusal};
use super::shipment::OutgoingPallet;
use super::status::{self, StatusRefusal};
use super::trace::LotRef;
use crate::gs1;

/// Largest quantity one event may carry as a count: beyond it a scan or a typo is far likelier
/// than a real pallet.
pub const MAX_QUANTITY: u64 = 1_000_000;

/// Largest total an event may carry (stock on hand, a recall's outstanding quantity, a count's
/// difference): a million receipts of the largest count. Totals sum counts, so they may pass
/// [`MAX_QUANTITY`]; past this they are garbage, and far inside `i64`, so no sum overflows.
pub const MAX_TOTAL: u64 = 1_000_000 * MAX_QUANTITY;

/// Longest free text (names, locations, customers, reasons, notes), in characters: the longest
/// real one is a product name or a reason of a sentence or two; a bound keeps one event from
/// filling the screen, a label line or the server's memory.
pub const MAX_TEXT: usize = 200;

/// The years a date or time may fall in: GS1 dates run 2000–2099, and a station's clock or a
/// typed date outside this range is wrong (a date far out also leaves the calendar's range).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2199;

/// An event (or its envelope) that must not be recorded: which field, and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {rule}")]
pub struct Invalid {
    /// The field, as a path in the event's JSON (`lots[3].lot.batch`).
    pub field: String,
    pub rule: Rule,
}

/// The rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("is not a GTIN-14 with its check digit: {0}")]
    Gtin(String),
    #[error("is not a GS1 batch/lot number: {0}")]
    Batch(String),
    #[error("is not an SSCC: {0}")]
    Sscc(String),
    #[error("is {value}: it must be {min} to {max}")]
    Quantity { value: i128, min: i128, max: i128 },
    #[error("is {0}: a date here lies in the years 2000 to 2199")]
    Date(String),
    #[error("is not a time in RFC 3339 (2026-12-01T08:00:00Z)")]
    Time,
    #[error("is empty")]
    Empty,
    #[error("has the control character U+{code:04X} at character {at}")]
    Control { code: u32, at: usize },
    #[error("is {0} characters long: at most {MAX_TEXT}")]
    TooLong(usize),
    #[error("adds up to {sum}, not the event's quantity {quantity}")]
    Parts { sum: u128, quantity: u64 },
    #[error("is {difference} with {counted} counted: the store would have held less than nothing")]
    BelowZero { difference: i64, counted: u64 },
    #[error("is refused: {0}")]
    Status(#[from] StatusRefusal),
    /// An amount of money that is negative, too large or too precise, in its words.
    #[error("is refused: {0}")]
    Amount(#[from] money::AmountError),
    /// A correction that corrects nothing.
    #[error("names no cost: give a unit cost, labour or overhead")]
    NoCost,
    /// A recall rule, in its words (the refusal itself is large, and errors stay small).
    #[error("is refused: {0}")]
    Recall(String),
    #[error("is not a person id (1 to 64 of a-z, 0-9, '.', '_', '-'): {0}")]
    Person(String),
    #[error("is not a credential (an Ed25519 public key and a v1 sealed key, hex)")]
    Credential,
    /// A list that must hold something (a shipment's pallets, a pallet's lines).
    #[error("is empty: it needs at least one entry")]
    NoEntries,
    /// The same pallet or dispatch named twice in one event.
    #[error("names {0} twice")]
    Twice(String),
    /// A built pallet's SSCC that is not under the prefix it says it was allocated under.
    #[error("is not allocated under {0}")]
    NotUnder(String),
}

impl From<RecallRefusal> for Rule {
    fn from(r: RecallRefusal) -> Rule {
        Rule::Recall(r.to_string())
    }
}

fn invalid(field: &str, rule: impl Into<Rule>) -> Invalid {
    Invalid {
        field: field.to_string(),
        rule: rule.into(),
    }
}

impl Invalid {
    /// The same fault, as a field of entry `i` of the list `list`.
    fn within(self, list: &str, i: usize) -> Invalid {
        Invalid {
            field: format!("{list}[{i}].{}", self.field),
            rule: self.rule,
        }
    }
}

/// Free text that must be there: not empty, no control characters, at most [`MAX_TEXT`].
pub fn text(field: &str, value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(invalid(field, Rule::Empty));
    }
    optional_text(field, Some(value))
}

/// Free text that may be left out; when given, as [`text`] but it may be blank.
pub fn optional_text(field: &str, value: Option<&str>) -> Result<(), Invalid> {
    let Some(value) = value else { return Ok(()) };
    let mut n = 0;
    for (i, c) in value.chars().enumerate() {
        if c.is_control() {
            return Err(invalid(
                field,
                Rule::Control {
                    code: c as u32,
                    at: i + 1,
                },
            ));
        }
        n += 1;
    }
    if n > MAX_TEXT {
        return Err(invalid(field, Rule::TooLong(n)));
    }
    Ok(())
}

/// A moment as events carry it (RFC 3339), within [`YEARS`].
pub fn time(field: &str, at: &str) -> Result<(), Invalid> {
    let t = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| invalid(field, Rule::Time))?;
    if !YEARS.contains(&t.year()) {
        return Err(invalid(field, Rule::Date(at.to_string())));
    }
    Ok(())
}

fn date(field: &str, d: Option<NaiveDate>) -> Result<(), Invalid> {
    match d {
        Some(d) if !YEARS.contains(&d.year()) => Err(invalid(field, Rule::Date(d.to_string()))),
        _ => Ok(()),
    }
}

fn gtin(field: &str, g: &str) -> Result<(), Invalid> {
    match gs1::normalize_gtin(g) {
        Ok(n) if n == g => Ok(()),
        Ok(_) => Err(invalid(field, Rule::Gtin("it needs 14 digits".into()))),
        Err(e) => Err(invalid(field, Rule::Gtin(e.to_string()))),
    }
}

fn batch(field: &str, b: &str) -> Result<(), Invalid> {
    gs1::check_element("10", b).map_err(|e| invalid(field, Rule::Batch(e.to_string())))
}

/// A pallet's SSCC, when there is one: 18 digits with its check digit, by the AI table.
fn sscc_of(sscc: Option<&str>) -> Result<(), Invalid> {
    match sscc {
        Some(s) => {
            gs1::check_element("00", s).map_err(|e| invalid("sscc", Rule::Sscc(e.to_string())))
        }
        None => Ok(()),
    }
}

fn lot(l: &LotRef) -> Result<(), Invalid> {
    gtin("gtin", &l.gtin).and_then(|_| batch("batch", &l.batch))
}

/// A number within `min..=max` (every integer type fits `i128`, so no bound check wraps).
fn within(field: &str, value: impl Into<i128>, min: i128, max: u64) -> Result<(), Invalid> {
    let (value, max) = (value.into(), i128::from(max));
    if value < min || value > max {
        return Err(invalid(field, Rule::Quantity { value, min, max }));
    }
    Ok(())
}

/// A count of units: 1 (0 where `zero` is a real answer) to [`MAX_QUANTITY`].
fn count(field: &str, value: u64, min: i128) -> Result<(), Invalid> {
    within(field, value, min, MAX_QUANTITY)
}

/// A total (see [`MAX_TOTAL`]): 0 to it, or its negative to it where `signed`.
fn total(field: &str, value: i64, signed: bool) -> Result<(), Invalid> {
    let bound = i128::from(MAX_TOTAL);
    within(field, value, if signed { -bound } else { 0 }, MAX_TOTAL)
}

/// Stock taken from locations: each a location and a count, together the event's quantity.
fn parts(from: &[(String, u64)], quantity: u64) -> Result<(), Invalid> {
    let mut sum: u128 = 0;
    for (i, (location, q)) in from.iter().enumerate() {
        text("location", location)
            .and_then(|_| count("quantity", *q, 1))
            .map_err(|e| e.within("from", i))?;
        sum += u128::from(*q);
    }
    if sum != quantity.into() {
        return Err(invalid("from", Rule::Parts { sum, quantity }));
    }
    Ok(())
}

fn amount(field: &str, a: Amount) -> Result<(), Invalid> {
    money::check_amount(a).map_err(|e| invalid(field, e))
}

/// A unit cost or price, when there is one (its currency is an ISO code by its type).
fn money_of(field: &str, m: Option<&Money>) -> Result<(), Invalid> {
    match m {
        Some(m) => amount(&format!("{field}.amount"), m.amount),
        None => Ok(()),
    }
}

fn each<T>(
    list: &str,
    items: &[T],
    mut check: impl FnMut(&T) -> Result<(), Invalid>,
) -> Result<(), Invalid> {
    for (i, item) in items.iter().enumerate() {
        check(item).map_err(|e| e.within(list, i))?;
    }
    Ok(())
}

impl EventKind {
    /// Checks every field as the station does before recording: GS1 identifiers with their
    /// check digits, batch numbers by the rules of AI (10), counts within bounds, dates in
    /// [`YEARS`], text present where required, without control characters, at most
    /// [`MAX_TEXT`]; status changes, recalls and their closing as the status machine and the
    /// recall rules allow. It cannot know the store (stock, the lot's current status): those
    /// rules are the workflows'.
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            EventKind::ProductRegistered {
                gtin: g,
                name,
                receive_as: _,
                receiving,
            } => {
                // Any status is one a product may be received in (`product add --receive-as`).
                gtin("gtin", g)?;
                text("name", name)?;
                match receiving.min_shelf_life_days {
                    // A hundred years of shelf life is no minimum a product asks for.
                    Some(days) => within("receiving.min_shelf_life_days", days, 1, 36_500),
                    None => Ok(()),
                }
            }
            EventKind::LotReceived {
                gtin: g,
                batch: b,
                expiry,
                quantity,
                location,
                status: _,
                supplier,
                sscc,
                po,
                unit_cost,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                date("expiry", *expiry)?;
                count("quantity", *quantity, 1)?;
                text("location", location)?;
                optional_text("supplier", supplier.as_deref())?;
                sscc_of(sscc.as_deref())?;
                optional_text("po", po.as_deref())?;
                money_of("unit_cost", unit_cost.as_ref())
            }
            // `sequence` is the site's own counter: any number is harmless.
            EventKind::BatchProduced {
                gtin: g,
                batch: b,
                quantity,
                location,
                expiry,
                status: _,
                sequence_key,
                sequence: _,
                costs,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                count("quantity", *quantity, 1)?;
                text("location", location)?;
                date("expiry", *expiry)?;
                text("sequence_key", sequence_key)?;
                match costs {
                    Some(RunCosts {
                        labour, overhead, ..
                    }) => {
                        if let Some(a) = labour {
                            amount("costs.labour", *a)?;
                        }
                        if let Some(a) = overhead {
                            amount("costs.overhead", *a)?;
                        }
                        Ok(())
                    }
                    None => Ok(()),
                }
            }
            EventKind::LotConsumed {
                gtin: g,
                batch: b,
                quantity,
                into_gtin,
                into_batch,
                from,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                count("quantity", *quantity, 1)?;
                gtin("into_gtin", into_gtin)?;
                batch("into_batch", into_batch)?;
                parts(from, *quantity)
            }
            EventKind::LotDispatched {
                gtin: g,
                batch: b,
                quantity,
                customer,
                shipment,
                from,
                sscc,
                unit_price,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                count("quantity", *quantity, 1)?;
                text("customer", customer)?;
                optional_text("shipment", shipment.as_deref())?;
                sscc_of(sscc.as_deref())?;
                money_of("unit_price", unit_price.as_ref())?;
                parts(from, *quantity)
            }
            EventKind::CostCorrected {
                gtin: g,
                batch: b,
                unit_cost,
                labour,
                overhead,
                currency: _,
                reason,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                if unit_cost.is_none() && labour.is_none() && overhead.is_none() {
                    return Err(invalid("unit_cost", Rule::NoCost));
                }
                for (field, a) in [
                    ("unit_cost", unit_cost),
                    ("labour", labour),
                    ("overhead", overhead),
                ] {
                    if let Some(a) = a {
                        amount(field, *a)?;
                    }
                }
                text("reason", reason)
            }
            EventKind::DispatchVoided {
                event,
                gtin: g,
                batch: b,
                quantity,
                customer,
                to,
                sscc,
                reason,
            } => {
                text("event", event)?;
                gtin("gtin", g)?;
                batch("batch", b)?;
                count("quantity", *quantity, 1)?;
                text("customer", customer)?;
                sscc_of(sscc.as_deref())?;
                text("reason", reason)?;
                parts(to, *quantity).map_err(|e| Invalid {
                    field: e.field.replacen("from", "to", 1),
                    ..e
                })
            }
            EventKind::LotMoved {
                gtin: g,
                batch: b,
                from,
                to,
                quantity,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                text("from", from)?;
                text("to", to)?;
                count("quantity", *quantity, 1)
            }
            EventKind::LotCounted {
                gtin: g,
                batch: b,
                location,
                counted,
                difference,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                text("location", location)?;
                count("counted", *counted, 0)?;
                total("difference", *difference, true)?;
                // What the store held was `counted - difference`: never below zero.
                if *difference > *counted as i64 {
                    return Err(invalid(
                        "difference",
                        Rule::BelowZero {
                            difference: *difference,
                            counted: *counted,
                        },
                    ));
                }
                Ok(())
            }
            EventKind::LotStatusChanged {
                gtin: g,
                batch: b,
                from,
                to,
                role,
                reason,
            } => {
                gtin("gtin", g)?;
                batch("batch", b)?;
                text("reason", reason)?;
                status::check_status_change(*from, *to, *role, reason).map_err(|e| {
                    let field = match e {
                        StatusRefusal::NoReason => "reason",
                        StatusRefusal::NotSupervisor => "role",
                        _ => "to",
                    };
                    invalid(field, e)
                })
            }
            EventKind::RecallStarted {
                recall: id,
                reason,
                role,
                include_derived: _,
                named,
                lots,
                items,
            } => {
                text("recall", id)?;
                text("reason", reason)?;
                recall::check_start(*role, reason, named.len()).map_err(|e| {
                    let field = match e {
                        RecallRefusal::NoReason => "reason",
                        RecallRefusal::NoLots => "named",
                        _ => "role",
                    };
                    invalid(field, e)
                })?;
                each("named", named, lot)?;
                each("lots", lots, |c| {
                    lot(&c.lot).map_err(|e| Invalid {
                        field: format!("lot.{}", e.field),
                        rule: e.rule,
                    })?;
                    total("on_hand", c.on_hand, false)
                })?;
                each("items", items, |item| {
                    lot(&item.lot).map_err(|e| Invalid {
                        field: format!("lot.{}", e.field),
                        rule: e.rule,
                    })?;
                    optional_text("customer", item.customer.as_deref())?;
                    total("quantity", item.quantity, false)
                })
            }
            EventKind::RecallAccounted {
                recall: id,
                gtin: g,
                batch: b,
                customer,
                quantity,
                how: _,
                note,
            } => {
                text("recall", id)?;
                gtin("gtin", g)?;
                batch("batch", b)?;
                optional_text("customer", customer.as_deref())?;
                within("quantity", *quantity, 1, MAX_TOTAL)?;
                optional_text("note", note.as_deref())
            }
            EventKind::RecallClosed {
                recall: id,
                role,
                forced,
                reason,
                outstanding,
            } => {
                text("recall", id)?;
                if *role != status::Role::Supervisor {
                    return Err(invalid("role", RecallRefusal::NotSupervisor));
                }
                if *forced {
                    text("reason", reason.as_deref().unwrap_or(""))?;
                } else {
                    optional_text("reason", reason.as_deref())?;
                }
                total("outstanding", *outstanding, false)
            }
            EventKind::ShipmentClosed {
                customer,
                shipment,
                pallets,
            } => {
                text("customer", customer)?;
                optional_text("shipment", shipment.as_deref())?;
                closed_pallets(pallets)
            }
            EventKind::PersonEnrolled {
                person: p,
                name,
                role: _,
                credential: c,
            } => {
                person("person", p)?;
                text("name", name)?;
                credential(c)
            }
            EventKind::PersonCredentialChanged {
                person: p,
                credential: c,
            } => {
                person("person", p)?;
                credential(c)
            }
            EventKind::PersonRemoved { person: p } => person("person", p),
        }
    }
}

/// A closed shipment's pallets: at least one, each an SSCC (a built one under the extension
/// digit and company prefix it names) with at least one line of a valid lot and count; no
/// pallet and no dispatch named twice.
fn closed_pallets(pallets: &[OutgoingPallet]) -> Result<(), Invalid> {
    if pallets.is_empty() {
        return Err(invalid("pallets", Rule::NoEntries));
    }
    let mut ssccs = std::collections::HashSet::new();
    let mut dispatches = std::collections::HashSet::new();
    each("pallets", pallets, |p| {
        sscc_of(Some(&p.sscc))?;
        if !ssccs.insert(p.sscc.clone()) {
            return Err(invalid("sscc", Rule::Twice(p.sscc.clone())));
        }
        if let Some(under) = &p.allocated_under {
            let digits = under.bytes().all(|b| b.is_ascii_digit());
            // An extension digit and a company prefix of 4 to 12 digits.
            if !digits || !(5..=13).contains(&under.len()) || !p.sscc.starts_with(under.as_str()) {
                return Err(invalid(
                    "sscc",
                    Rule::NotUnder(under.chars().take(20).collect()),
                ));
            }
        }
        if p.lines.is_empty() {
            return Err(invalid("lines", Rule::NoEntries));
        }
        each("lines", &p.lines, |l| {
            text("dispatch", &l.dispatch)?;
            gtin("gtin", &l.gtin)?;
            batch("batch", &l.batch)?;
            date("expiry", l.expiry)?;
            count("quantity", l.quantity, 1)?;
            if !dispatches.insert(l.dispatch.clone()) {
                return Err(invalid("dispatch", Rule::Twice(l.dispatch.clone())));
            }
            Ok(())
        })
    })
}

fn person(field: &str, id: &str) -> Result<(), Invalid> {
    if crate::domain::person::valid_id(id) {
        Ok(())
    } else {
        Err(invalid(field, Rule::Person(id.chars().take(80).collect())))
    }
}

fn credential(c: &crate::domain::person::Credential) -> Result<(), Invalid> {
    if c.well_formed() {
        Ok(())
    } else {
        Err(invalid("credential", Rule::Credential))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LotStatus;
    use crate::domain::recall::{CoveredLot, Disposition, RecallItem};
    use crate::domain::status::Role;

    const G: &str = "09501101530003";

    fn received() -> EventKind {
        EventKind::LotReceived {
            gtin: G.into(),
            batch: "L1".into(),
            expiry: NaiveDate::from_ymd_opt(2027, 12, 31),
            quantity: 10,
            location: "DOCK".into(),
            status: LotStatus::Released,
            supplier: Some("Farm".into()),
            sscc: Some("095011010000000018".into()),
            po: None,
            unit_cost: None,
        }
    }

    fn with(f: impl FnOnce(&mut EventKind)) -> Result<(), Invalid> {
        let mut e = received();
        f(&mut e);
        e.validate()
    }

    fn field(r: Result<(), Invalid>) -> String {
        r.expect_err("refused").field
    }

    #[test]
    fn a_receipt_as_the_dock_records_it_passes() {
        received().validate().unwrap();
    }

    #[test]
    fn each_broken_field_of_a_receipt_is_named_with_its_rule() {
        let set = |f: fn(&mut EventKind)| field(with(f));
        macro_rules! receipt {
            ($e:ident, $body:expr) => {
                |e: &mut EventKind| {
                    if let EventKind::LotReceived { $e, .. } = e {
                        $body
                    }
                }
            };
        }
        assert_eq!(set(receipt!(gtin, *gtin = "09501101530004".into())), "gtin");
        assert_eq!(set(receipt!(gtin, *gtin = "9501101530003".into())), "gtin");
        assert_eq!(set(receipt!(batch, *batch = String::new())), "batch");
        assert_eq!(set(receipt!(batch, *batch = "B".repeat(5000))), "batch");
        assert_eq!(set(receipt!(batch, *batch = "L\u{0}1".into())), "batch");
        assert_eq!(set(receipt!(quantity, *quantity = u64::MAX)), "quantity");
        assert_eq!(set(receipt!(quantity, *quantity = 0)), "quantity");
        assert_eq!(
            set(receipt!(
                expiry,
                *expiry = NaiveDate::from_ymd_opt(262142, 12, 31)
            )),
            "expiry"
        );
        assert_eq!(set(receipt!(location, *location = " ".into())), "location");
        assert_eq!(
            set(receipt!(supplier, *supplier = Some("Fa\u{0}rm".into()))),
            "supplier"
        );
        assert_eq!(
            set(receipt!(supplier, *supplier = Some("x".repeat(201)))),
            "supplier"
        );
        assert_eq!(
            set(receipt!(sscc, *sscc = Some("095011010000000017".into()))),
            "sscc"
        );
        let e = with(receipt!(quantity, *quantity = u64::MAX)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "quantity is 18446744073709551615: it must be 1 to 1000000"
        );
        let e = with(receipt!(batch, *batch = "L\u{0}1".into())).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("batch is not a GS1 batch/lot number: (10)"),
            "{e}"
        );
    }

    /// Money in events: a unit cost, a run's labour and overhead, a price and a correction are
    /// refused negative, above the bound or with more than four decimals, naming the field;
    /// a correction must correct something and say why.
    #[test]
    fn amounts_are_not_negative_bounded_and_of_limited_scale() {
        use crate::domain::money::{Currency, Money};
        let amount = |s: &str| Amount(s.parse().unwrap());
        let cost = |s: &str| {
            with(|e| {
                if let EventKind::LotReceived { unit_cost, .. } = e {
                    *unit_cost = Some(Money::new(amount(s), Currency::default()));
                }
            })
        };
        cost("1.25").unwrap();
        cost("0").unwrap();
        for bad in ["-0.01", "1000000000.0001", "0.00001"] {
            assert_eq!(field(cost(bad)), "unit_cost.amount", "{bad}");
        }
        let corrected = |unit_cost: Option<&str>, labour: Option<&str>, reason: &str| {
            EventKind::CostCorrected {
                gtin: G.into(),
                batch: "L1".into(),
                unit_cost: unit_cost.map(amount),
                labour: labour.map(amount),
                overhead: None,
                currency: Currency::default(),
                reason: reason.into(),
            }
            .validate()
        };
        corrected(Some("0.90"), None, "invoice 4711").unwrap();
        assert_eq!(field(corrected(None, None, "x")), "unit_cost");
        assert_eq!(field(corrected(None, Some("-5"), "x")), "labour");
        assert_eq!(field(corrected(Some("1"), None, " ")), "reason");
        let produced = EventKind::BatchProduced {
            gtin: G.into(),
            batch: "B1".into(),
            quantity: 10,
            location: "LINE".into(),
            expiry: None,
            status: LotStatus::Released,
            sequence_key: "k".into(),
            sequence: 1,
            costs: Some(RunCosts {
                labour: Some(amount("20.00")),
                overhead: Some(amount("1.000001")),
                currency: Currency::default(),
            }),
        };
        assert_eq!(field(produced.validate()), "costs.overhead");
        // A cost as a JSON number is not read (it would pass through a float).
        let json = r#"{"kind":"lot_received","gtin":"09501101530003","batch":"L1","expiry":null,
            "quantity":1,"location":"D","status":"released","supplier":null,"sscc":null,"po":null,
            "unit_cost":{"amount":1.25,"currency":"EUR"}}"#;
        assert!(serde_json::from_str::<EventKind>(json).is_err());
        let json = json.replace("1.25", "\"1.25\"").replace("EUR", "eur");
        assert!(
            serde_json::from_str::<EventKind>(&json).is_err(),
            "currency"
        );
    }

    #[test]
    fn text_is_present_printable_and_bounded() {
        assert_eq!(text("name", "").unwrap_err().rule, Rule::Empty);
        assert_eq!(
            text("name", "a\tb").unwrap_err().rule,
            Rule::Control { code: 9, at: 2 }
        );
        // Characters, not bytes: 200 of them in any script pass.
        text("name", &"é".repeat(MAX_TEXT)).unwrap();
        assert_eq!(
            text("name", &"é".repeat(MAX_TEXT + 1)).unwrap_err().rule,
            Rule::TooLong(MAX_TEXT + 1)
        );
        optional_text("note", Some("")).unwrap();
        time("at", "2026-12-01T08:00:00.000000Z").unwrap();
        assert_eq!(time("at", "yesterday").unwrap_err().rule, Rule::Time);
        assert!(time("at", "1970-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn stock_taken_adds_up_and_a_count_never_implies_negative_stock() {
        let dispatched = |from: Vec<(String, u64)>| EventKind::LotDispatched {
            gtin: G.into(),
            batch: "L1".into(),
            quantity: 5,
            customer: "Northwind".into(),
            shipment: None,
            from,
            sscc: None,
            unit_price: None,
        };
        dispatched(vec![("A".into(), 2), ("B".into(), 3)])
            .validate()
            .unwrap();
        assert_eq!(field(dispatched(vec![("A".into(), 2)]).validate()), "from");
        assert_eq!(
            field(dispatched(vec![("A".into(), u64::MAX), ("B".into(), 6)]).validate()),
            "from[0].quantity"
        );
        let counted = |counted: u64, difference: i64| EventKind::LotCounted {
            gtin: G.into(),
            batch: "L1".into(),
            location: "A".into(),
            counted,
            difference,
        };
        counted(0, -7).validate().unwrap();
        counted(5, 5).validate().unwrap();
        assert_eq!(field(counted(5, 6).validate()), "difference");
        assert_eq!(field(counted(5, i64::MIN).validate()), "difference");
    }

    /// A close names pallets by valid SSCCs (a built one under the prefix it names), each
    /// with lines of valid lots and counts; no pallet or dispatch twice.
    #[test]
    fn a_closed_shipment_names_valid_pallets_once() {
        use crate::domain::shipment::{OutgoingPallet, PalletLine};
        let line = |d: &str| PalletLine {
            dispatch: d.into(),
            gtin: G.into(),
            batch: "L1".into(),
            expiry: NaiveDate::from_ymd_opt(2027, 12, 31),
            quantity: 4,
        };
        let pallet = |sscc: &str, under: Option<&str>, lines| OutgoingPallet {
            sscc: sscc.into(),
            allocated_under: under.map(Into::into),
            lines,
        };
        let closed = |pallets| EventKind::ShipmentClosed {
            customer: "Northwind".into(),
            shipment: Some("SO-1".into()),
            pallets,
        };
        let built = crate::gs1::make_sscc(3, "9501101", 1).unwrap();
        closed(vec![
            pallet("095011010000000018", None, vec![line("a")]),
            pallet(&built, Some("39501101"), vec![line("b"), line("c")]),
        ])
        .validate()
        .unwrap();
        assert_eq!(field(closed(vec![]).validate()), "pallets");
        assert_eq!(
            field(closed(vec![pallet("095011010000000017", None, vec![line("a")])]).validate()),
            "pallets[0].sscc"
        );
        assert_eq!(
            field(closed(vec![pallet(&built, Some("29501101"), vec![line("a")])]).validate()),
            "pallets[0].sscc"
        );
        assert_eq!(
            field(closed(vec![pallet(&built, None, vec![])]).validate()),
            "pallets[0].lines"
        );
        assert_eq!(
            field(
                closed(vec![
                    pallet(&built, None, vec![line("a")]),
                    pallet(&built, None, vec![line("b")])
                ])
                .validate()
            ),
            "pallets[1].sscc"
        );
        assert_eq!(
            field(closed(vec![pallet(&built, None, vec![line("a"), line("a")])]).validate()),
            "pallets[0].lines[1].dispatch"
        );
        let mut bad = line("a");
        bad.quantity = 0;
        assert_eq!(
            field(closed(vec![pallet(&built, None, vec![bad])]).validate()),
            "pallets[0].lines[0].quantity"
        );
    }

    #[test]
    fn status_changes_and_recalls_follow_their_rules() {
        let change = |from, to, role| EventKind::LotStatusChanged {
            gtin: G.into(),
            batch: "L1".into(),
            from,
            to,
            role,
            reason: "QC".into(),
        };
        change(
            LotStatus::Quarantined,
            LotStatus::Released,
            Role::Supervisor,
        )
        .validate()
        .unwrap();
        assert_eq!(
            field(change(LotStatus::Recalled, LotStatus::Released, Role::Supervisor).validate()),
            "to"
        );
        let recall = |batch: &str, on_hand: i64| EventKind::RecallStarted {
            recall: "RC-261201-0A1B2C".into(),
            reason: "supplier recall".into(),
            role: Role::Supervisor,
            include_derived: true,
            named: vec![LotRef::new(G, "L1")],
            lots: vec![CoveredLot {
                lot: LotRef::new(G, batch),
                named: true,
                status: LotStatus::Released,
                on_hand,
            }],
            items: vec![RecallItem {
                lot: LotRef::new(G, "L1"),
                customer: Some("Northwind".into()),
                quantity: 4,
            }],
        };
        recall("L1", 6).validate().unwrap();
        assert_eq!(field(recall("", 6).validate()), "lots[0].lot.batch");
        assert_eq!(field(recall("L1", -1).validate()), "lots[0].on_hand");
        let accounted = EventKind::RecallAccounted {
            recall: "RC-261201-0A1B2C".into(),
            gtin: G.into(),
            batch: "L1".into(),
            customer: None,
            quantity: u64::MAX,
            how: Disposition::Destroyed,
            note: None,
        };
        assert_eq!(field(accounted.validate()), "quantity");
        let closed = EventKind::RecallClosed {
            recall: "RC-261201-0A1B2C".into(),
            role: Role::Supervisor,
            forced: true,
            reason: None,
            outstanding: 3,
        };
        assert_eq!(field(closed.validate()), "reason");
    }
}
