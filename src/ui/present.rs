//! Workflow outcomes → what the screen shows: a verdict (the banner's colour and the sound),
//! a headline readable from across the dock, a message that says what and what to do, and
//! detail lines. Pure; the app copies these into the Slint properties.

use std::collections::BTreeMap;

use crate::compliance::history;
use crate::compliance::report::{TreeEntry, tree_rows};
use crate::domain::LotStatus;
use crate::domain::assembly::{GaveUp, Lacking, PartialLabel};
use crate::domain::rules::DispatchRefusal;
use crate::domain::trace::TraceNode;
use crate::store::{ExpiringLot, Lot, RecordedEvent, SyncStatus};
use crate::workflow::{Needed, Outcome, ReceiveOutcome, Refusal};

/// How an outcome is judged on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Done: green, chirp.
    Ok,
    /// Done, but look (not the FEFO choice, expiring soon): amber, double beep.
    Warn,
    /// Not allowed, nothing written: red, buzz.
    Refused,
    /// Not a label the station can read: orange, buzz.
    Invalid,
    /// Read, nothing recorded yet: the label's other barcodes are awaited (blue, no sound).
    Pending,
}

/// The banner after a scan or an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub verdict: Verdict,
    pub headline: String,
    pub message: String,
}

impl Shown {
    pub fn new(verdict: Verdict, headline: impl Into<String>, message: impl Into<String>) -> Self {
        Shown {
            verdict,
            headline: headline.into(),
            message: message.into(),
        }
    }

    /// A refusal of an action (message from the error).
    pub fn refused(message: impl Into<String>) -> Self {
        Shown::new(Verdict::Refused, "REFUSED", message)
    }
}

/// One line of a list (dispatch log, history, genealogy, expiry board).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownLine {
    pub text: String,
    /// Colour of the line; `None` for plain text.
    pub verdict: Option<Verdict>,
    pub indent: i32,
}

impl ShownLine {
    pub fn plain(text: impl Into<String>) -> Self {
        ShownLine {
            text: text.into(),
            verdict: None,
            indent: 0,
        }
    }
}

/// Which station mode a scan was made in (for the headline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Receive,
    Dispatch,
    Produce,
    Lookup,
}

/// The banner for a scan's typed outcome: the UI's own words, colour and (through the
/// verdict) sound for what the station core did.
pub fn scan_banner(kind: ScanKind, outcome: &Outcome) -> Shown {
    match outcome {
        Outcome::Received(r) => {
            let message = format!(
                "received {} x {} batch {} into {}: {}",
                r.quantity,
                r.product,
                r.batch,
                r.location,
                status_text(r.status.name())
            );
            let warnings = crate::workflow::receive::warnings(r);
            if warnings.is_empty() {
                Shown::new(Verdict::Ok, "RECEIVED", message)
            } else {
                let headline = if r.status == LotStatus::OnHold && r.arrival.is_some() {
                    "RECEIVED ON HOLD"
                } else {
                    "RECEIVED — CHECK THE DATE"
                };
                Shown::new(
                    Verdict::Warn,
                    headline,
                    format!("{message} — {}", warnings.join("; ")),
                )
            }
        }
        Outcome::Shipped(d) => {
            let message = format!(
                "shipped {} of lot {} to {}",
                d.quantity, d.batch, d.customer
            );
            match &d.warning {
                Some(first) => Shown::new(
                    Verdict::Warn,
                    "SHIPPED — CHECK FEFO",
                    format!("{message} WARNING: {first}"),
                ),
                None => Shown::new(Verdict::Ok, "SHIPPED", message),
            }
        }
        Outcome::Consumed(c) => Shown::new(
            Verdict::Ok,
            "CONSUMED",
            format!(
                "consumed {} of lot {} into batch {}",
                c.quantity, c.batch, c.into.batch
            ),
        ),
        Outcome::Found(lot) => lot_banner(lot),
        Outcome::Parsed(m) => Shown::new(
            Verdict::Ok,
            "GS1 OK",
            m.elements
                .iter()
                .map(|e| format!("({}){}", e.ai, e.value))
                .collect::<String>(),
        ),
        Outcome::Partial(p) => {
            Shown::new(Verdict::Pending, "SCAN THE OTHER BARCODES", partial_text(p))
        }
        Outcome::SameLabel { sscc } => Shown::new(
            Verdict::Pending,
            "SAME PALLET",
            format!("another barcode of pallet {sscc}, dealt with just now: nothing more to do"),
        ),
        Outcome::Refused(Refusal::PalletAlreadyReceived(p)) => Shown::new(
            Verdict::Warn,
            "ALREADY RECEIVED",
            refusal_text(&Refusal::PalletAlreadyReceived(p.clone())),
        ),
        Outcome::Refused(r) => Shown::new(
            Verdict::Refused,
            match (kind, r) {
                (_, Refusal::PalletShipped(_)) => "STOP — ALREADY SHIPPED".into(),
                (ScanKind::Dispatch, Refusal::UnknownPallet { .. }) => "STOP — DO NOT SHIP".into(),
                (ScanKind::Dispatch, Refusal::MayNotShip { why, .. }) => {
                    format!("STOP — {}", stop_word(why))
                }
                (ScanKind::Dispatch, Refusal::NeverReceived { .. }) => "STOP — DO NOT SHIP".into(),
                (_, Refusal::ShipmentClosed(_)) => "STOP — SHIPMENT CLOSED".into(),
                (_, Refusal::ExpiredOnArrival { .. }) => "EXPIRED — DO NOT RECEIVE".into(),
                _ => "REFUSED".to_string(),
            },
            refusal_text(r),
        ),
        Outcome::Unreadable(e) => Shown::new(
            Verdict::Invalid,
            "NOT A VALID LABEL",
            format!("not valid GS1 data: {e}"),
        ),
        Outcome::Failed(e) => Shown::new(
            Verdict::Refused,
            "NOT RECORDED",
            format!("the store failed ({e}): nothing was recorded; scan it again"),
        ),
    }
}

/// A one-word reason for a dispatch refusal, for the headline.
fn stop_word(why: &DispatchRefusal) -> &'static str {
    match why {
        DispatchRefusal::NotReleased { status } => match status {
            LotStatus::Recalled => "RECALLED",
            LotStatus::OnHold => "ON HOLD",
            LotStatus::Quarantined => "QUARANTINED",
            LotStatus::Rejected => "REJECTED",
            LotStatus::Released => "DO NOT SHIP",
        },
        DispatchRefusal::Expired { .. } => "EXPIRED",
        DispatchRefusal::NotEnoughStock { .. } => "NOT ON HAND",
        DispatchRefusal::NotFefo(_) => "NOT FEFO",
    }
}

/// An action's error as the station worker reads it: a refusal in the station's words
/// ([`refusal_text`]), anything else (the store failed) as it says itself.
pub fn error_text(e: &crate::workflow::WorkflowError) -> String {
    match e.refusal() {
        Some(r) => refusal_text(r),
        None => e.to_string(),
    }
}

/// A refusal as the station worker reads it: what is wrong and what to do at the station
/// (never a command-line option).
pub fn refusal_text(r: &Refusal) -> String {
    match r {
        Refusal::NoCount => "the label carries no count (30)/(37): enter the count at the station \
             (Count if not on label), then scan it again; nothing was recorded"
            .into(),
        Refusal::UnknownProduct { gtin } => format!(
            "unknown GTIN {gtin}: this product is not registered at the site; a supervisor \
             registers it in the New product panel, then scan the label again"
        ),
        Refusal::Needs(Needed::Customer) => {
            "choose the customer first: tap Customer and type it; nothing was shipped".into()
        }
        Refusal::Needs(Needed::ReceiptLocation) => {
            "type the location first (Location); nothing was received".into()
        }
        Refusal::Needs(Needed::ProductionBatch) => {
            "start a batch first (product, quantity, Start batch), then scan its input lots".into()
        }
        Refusal::MayNotShip { lot, input, why } => format!(
            "{}lot {}: {}",
            if *input { "input " } else { "" },
            lot.batch,
            match why {
                DispatchRefusal::NotReleased { status } => format!(
                    "the lot is {}: only released lots may ship",
                    status_text(status.name())
                ),
                why => why.to_string(),
            }
        ),
        Refusal::NeverReceived { lot, input } => format!(
            "{}lot {} of GTIN {} was never received here: do not ship it, call a supervisor",
            if *input { "input " } else { "" },
            lot.batch,
            lot.gtin
        ),
        Refusal::ExpiredOnArrival { lot, expiry } => format!(
            "lot {} expired on {expiry}: nothing was received; set the pallet aside for the \
             supplier and call a supervisor",
            lot.batch
        ),
        Refusal::PalletAlreadyReceived(p) => format!(
            "pallet {} already received {} at {} ({} x lot {}): nothing recorded",
            p.sscc,
            local_time(&p.received_at),
            p.received_by,
            p.quantity,
            p.batch
        ),
        Refusal::PalletShipped(p) => format!(
            "pallet {} already shipped{}: it is not here to ship again; call a supervisor",
            p.sscc,
            p.shipped
                .as_ref()
                .map(|(at, to)| format!(" {} to {to}", local_time(at)))
                .unwrap_or_default()
        ),
        Refusal::UnknownPallet { sscc } => format!(
            "pallet {sscc} was never received here: do not ship it; scan its lot barcode or call \
             a supervisor"
        ),
        Refusal::NoSuchLot(lot) => format!(
            "no lot {} of GTIN {} at this site: was it received here?",
            lot.batch, lot.gtin
        ),
        Refusal::NoSuchBatch(batch) => format!("no lot {batch} at this site"),
        Refusal::AmbiguousBatch { batch, gtins } => format!(
            "batch {batch} exists for several products ({}): scan the lot's label instead",
            gtins.join(", ")
        ),
        Refusal::Missing(_) => format!(
            "{}: scan the lot's GS1 label (it carries the GTIN and the batch)",
            r.to_string().split(':').next().unwrap_or_default()
        ),
        other => strip_refused(&other.to_string()),
    }
}

/// Adds to a scan's banner that a partial label was given up before it (nothing of it was
/// recorded), so the worker knows to scan that label again.
pub fn add_gave_up(shown: &mut Shown, gave_up: &GaveUp) {
    let (p, why) = match gave_up {
        GaveUp::TimedOut(p) => (p, "its other barcodes did not come in time"),
        GaveUp::OtherLabel(p) => (p, "this barcode belongs to another label"),
    };
    let what = p
        .sscc()
        .map(|s| format!("pallet {s}"))
        .unwrap_or_else(|| "the label before".into());
    shown.message = format!(
        "{} — {what} given up, nothing recorded of it ({why}): scan all its barcodes again",
        shown.message
    );
}

/// A label waiting for its other barcodes, for the worker: "have SSCC …; need GTIN and lot".
pub fn partial_text(p: &PartialLabel) -> String {
    let have: Vec<String> = p
        .elements
        .iter()
        .map(|e| match e.ai {
            "00" => format!("SSCC {}", e.value),
            "01" | "02" => format!("GTIN {}", e.value),
            "10" => format!("lot {}", e.value),
            "17" => format!("expiry {}", e.value),
            "30" | "37" => format!("count {}", e.value),
            ai => format!("({ai}) {}", e.value),
        })
        .collect();
    let mut need: Vec<String> = Vec::new();
    for l in &p.lacking {
        let what = match l {
            Lacking::Gtin => "GTIN".to_string(),
            Lacking::Batch => "lot".to_string(),
            Lacking::Partner { needs, .. } if needs == "(00)" => "SSCC".to_string(),
            Lacking::Partner { needs, .. } => needs.clone(),
        };
        if !need.contains(&what) {
            need.push(what);
        }
    }
    format!(
        "have {}; need {}: scan the label's other barcodes",
        have.join(", "),
        need.join(" and ")
    )
}

fn strip_refused(message: &str) -> String {
    message
        .strip_prefix("REFUSED: ")
        .unwrap_or(message)
        .to_string()
}

/// The banner for a lot found: coloured by the lot's status, so a recalled lot looks red
/// from afar.
pub fn lot_banner(lot: &Lot) -> Shown {
    let expiry = lot
        .expiry
        .map(|d| format!(", expires {d}"))
        .unwrap_or_default();
    Shown::new(
        status_verdict(lot.status),
        status_text(lot.status.name()).to_uppercase(),
        format!(
            "lot {} / {}: {}{expiry}, {} on hand",
            lot.gtin,
            lot.batch,
            status_text(lot.status.name()),
            lot.on_hand()
        ),
    )
}

/// What the Receive view shows of the lot just received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub product: String,
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
    pub quantity: String,
    pub status: String,
}

impl Received {
    pub fn of(r: &ReceiveOutcome) -> Received {
        Received {
            product: r.product.clone(),
            gtin: r.gtin.clone(),
            batch: r.batch.clone(),
            expiry: r
                .expiry
                .map_or("none on the label".into(), |d| d.to_string()),
            quantity: r.quantity.to_string(),
            status: status_text(r.status.name()),
        }
    }
}

/// A lot status for people: "on hold" rather than "on_hold".
pub fn status_text(name: &str) -> String {
    name.replace('_', " ")
}

/// A product's line in the Products view: name, GTIN, how its lots arrive, its receiving
/// rules.
pub fn product_text(p: &crate::store::Product) -> String {
    use crate::domain::arrival::{WhenExpired, WhenShort};
    let expired = match p.receiving.expired {
        WhenExpired::Refuse => "expired refused",
        WhenExpired::Hold => "expired on hold",
    };
    let shelf = match p.receiving.min_shelf_life_days {
        None => String::new(),
        Some(days) => format!(
            " · min shelf life {days} days ({})",
            match p.receiving.short_shelf_life {
                WhenShort::Warn => "warn",
                WhenShort::Hold => "hold",
            }
        ),
    };
    format!(
        "{}  {}  ·  arrive {} · {expired}{shelf}",
        p.name,
        p.gtin,
        status_text(p.receive_as.name())
    )
}

/// The dispatch log line for a scan: what shipped, or what was refused and why.
pub fn dispatch_line(shown: &Shown) -> ShownLine {
    let mark = match shown.verdict {
        Verdict::Ok => "✔",
        Verdict::Warn => "!",
        Verdict::Refused | Verdict::Invalid => "✘",
        Verdict::Pending => "…",
    };
    ShownLine {
        text: format!("{mark} {}", shown.message),
        verdict: Some(shown.verdict),
        indent: 0,
    }
}

/// The facts panel of a looked-up lot; `received` says whether it came in from outside (a
/// lot received without a supplier's name is not one of ours).
pub fn lot_facts(lot: &Lot, product: Option<&str>, received: bool) -> Vec<(String, String)> {
    vec![
        (
            "Product".into(),
            product.unwrap_or("(not registered)").to_string(),
        ),
        ("GTIN".into(), lot.gtin.clone()),
        ("Lot".into(), lot.batch.clone()),
        ("Status".into(), status_text(lot.status.name())),
        (
            "Expiry".into(),
            lot.expiry.map_or("none".into(), |d| d.to_string()),
        ),
        ("On hand".into(), lot.on_hand().to_string()),
        (
            "Supplier".into(),
            lot.supplier.clone().unwrap_or_else(|| {
                if received {
                    "(none recorded)".into()
                } else {
                    "(own production)".into()
                }
            }),
        ),
    ]
}

/// A lot's history, newest last: one line per event that names it ([`history::history_line`],
/// the words `lotline lot history` prints too), QC changes coloured.
pub fn history_lines(events: &[RecordedEvent]) -> Vec<ShownLine> {
    events
        .iter()
        .map(|e| {
            let line = history::history_line(e);
            ShownLine {
                text: line.text(),
                verdict: line.mark.map(|m| match m {
                    history::Mark::Undone => Verdict::Warn,
                    history::Mark::Status(to) => status_verdict(to),
                }),
                indent: 0,
            }
        })
        .collect()
}

/// The colour a status deserves: released is fine, quarantine and hold want a look, rejected
/// and recalled must not move.
pub fn status_verdict(status: LotStatus) -> Verdict {
    match status {
        LotStatus::Released => Verdict::Ok,
        LotStatus::Quarantined | LotStatus::OnHold => Verdict::Warn,
        LotStatus::Rejected | LotStatus::Recalled => Verdict::Refused,
    }
}

/// A genealogy tree as indented lines (the root lot itself left out: it is the lot shown),
/// from the one tree walk of [`tree_rows`]. `names`: product names by GTIN (a product the
/// store does not name shows its GTIN).
pub fn tree_lines(
    root: Option<&TraceNode>,
    forward: bool,
    names: &BTreeMap<String, String>,
) -> Vec<ShownLine> {
    let rows = root.map_or_else(Vec::new, |root| {
        tree_rows(root, |gtin| {
            names.get(gtin).map_or(gtin, String::as_str).to_string()
        })
    });
    let mut out: Vec<ShownLine> = rows
        .into_iter()
        // The lot shown is the panel itself; a tree shows its own direction's movements.
        .filter(|row| match row.entry {
            TreeEntry::Lot { .. } => row.depth > 0,
            TreeEntry::Shipment { .. } => forward,
            TreeEntry::Receipt { .. } => !forward,
        })
        .map(|row| ShownLine {
            text: match row.entry {
                TreeEntry::Lot {
                    lot,
                    product,
                    quantity,
                    repeated,
                    ..
                } => format!(
                    "{}lot {} ({product}){}",
                    quantity.map(|q| format!("{q} × ")).unwrap_or_default(),
                    lot.batch,
                    if repeated { " (see above)" } else { "" }
                ),
                TreeEntry::Shipment {
                    quantity, customer, ..
                } => format!("{quantity} shipped to {customer}"),
                TreeEntry::Receipt {
                    quantity, supplier, ..
                } => format!(
                    "{quantity} received from {}",
                    supplier.as_deref().unwrap_or("(unknown supplier)")
                ),
            },
            verdict: None,
            indent: row.depth as i32 - 1,
        })
        .collect();
    if out.is_empty() {
        out.push(ShownLine::plain(if forward {
            "not used or shipped yet"
        } else {
            "no inputs or receipts recorded"
        }));
    }
    out
}

/// The expiry board: expired lots red, within a week amber, the rest plain.
/// A lot on the expiry board, with its product's name and where its stock is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryRow {
    pub lot: ExpiringLot,
    pub product: Option<String>,
    pub stock: Vec<(String, i64)>,
}

pub fn expiry_lines(rows: &[ExpiryRow], today: chrono::NaiveDate) -> Vec<ShownLine> {
    if rows.is_empty() {
        return vec![ShownLine::plain("no lots with stock expire in this period")];
    }
    rows.iter()
        .map(|row| {
            let l = &row.lot;
            let days = (l.expiry - today).num_days();
            let (when, verdict) = match days {
                d if d < 0 => (format!("EXPIRED {} days ago", -d), Verdict::Refused),
                0 => ("expires TODAY".to_string(), Verdict::Refused),
                d if d <= 7 => (format!("expires in {d} days"), Verdict::Warn),
                d => (format!("expires in {d} days"), Verdict::Ok),
            };
            let at: Vec<String> = row
                .stock
                .iter()
                .filter(|(_, q)| *q > 0)
                .map(|(location, q)| format!("{location} {q}"))
                .collect();
            ShownLine {
                text: format!(
                    "{}  {} lot {}  {}  {} on hand ({}), {}",
                    l.expiry,
                    row.product.as_deref().unwrap_or(&l.gtin),
                    l.batch,
                    when,
                    l.on_hand,
                    at.join(", "),
                    status_text(l.status.name())
                ),
                verdict: Some(verdict),
                indent: 0,
            }
        })
        .collect()
}

/// How this station is set up to sync (from `[sync]` in its config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncSetup<'a> {
    /// No server: the station works alone.
    Off,
    /// A server but no token: the sync cannot start.
    NoToken,
    /// Syncing with this server.
    On(&'a str),
}

/// The status bar's sync part (the backlog is shown next to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncShown {
    pub online: bool,
    /// No server is configured: a station on its own, not one that lost its network.
    pub local_only: bool,
    /// Short: "synced 10:32:05", "connecting to …", "sync failed".
    pub text: String,
    /// Why the station is not syncing and what to do, shown in full under it.
    pub problem: Option<String>,
}

/// The status bar's sync part. `live`: a sync round has ended since the UI started; before
/// that the store's state is from an earlier session and says nothing about the network now.
pub fn sync_shown(setup: SyncSetup<'_>, state: &SyncStatus, live: bool) -> SyncShown {
    let shown = |online: bool, text: String, problem: Option<String>| SyncShown {
        online,
        local_only: false,
        text,
        problem,
    };
    match setup {
        SyncSetup::Off => SyncShown {
            local_only: true,
            ..shown(
                false,
                "every scan is kept on this station (no server set)".into(),
                None,
            )
        },
        SyncSetup::NoToken => shown(
            false,
            "not syncing".into(),
            Some(
                "no token for the server: an admin creates one (`lotline server token create`); put it as `token` under [sync] in the station config".into(),
            ),
        ),
        SyncSetup::On(server) if !live => shown(false, format!("connecting to {server}…"), None),
        SyncSetup::On(_) => {
            // The site the server says this station is at, so a station given another
            // site's token is seen at once.
            let site = state
                .site
                .as_deref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default();
            match (&state.last_error, &state.last_success) {
                (Some(problem), last) => shown(
                    false,
                    match last {
                        Some(at) => format!("sync failed; last synced {}{site}", local_time(at)),
                        None => "sync failed".into(),
                    },
                    Some(problem.clone()),
                ),
                (None, Some(at)) => shown(true, format!("synced {}{site}", local_time(at)), None),
                (None, None) => shown(false, "not synced yet".into(), None),
            }
        }
    }
}

/// An RFC 3339 time as the station's local HH:MM:SS, with the date when it is not today
/// (the text as stored if it is not one).
fn local_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| {
            let t = t.with_timezone(&chrono::Local);
            if t.date_naive() == chrono::Local::now().date_naive() {
                t.format("%H:%M:%S").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genealogy_lines_name_the_product_and_fall_back_to_the_gtin() {
        use crate::domain::trace::LotRef;
        let node = |gtin: &str, batch: &str, depth: u32, children: Vec<TraceNode>| TraceNode {
            lot: LotRef::new(gtin, batch),
            depth,
            quantity: (depth > 0).then_some(40),
            at: None,
            repeated: false,
            children,
            shipments: Vec::new(),
            receipts: Vec::new(),
        };
        let root = node(
            "09501101530003",
            "T-1",
            0,
            vec![node(
                "09501101530010",
                "S-7",
                1,
                vec![node("09501101530027", "K-2", 2, Vec::new())],
            )],
        );
        let names = BTreeMap::from([
            ("09501101530003".to_string(), "Tomatoes".to_string()),
            ("09501101530010".to_string(), "Tomato sauce".to_string()),
        ]);
        let lines: Vec<(String, i32)> = tree_lines(Some(&root), true, &names)
            .into_iter()
            .map(|l| (l.text, l.indent))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("40 × lot S-7 (Tomato sauce)".to_string(), 0),
                ("40 × lot K-2 (09501101530027)".to_string(), 1),
            ]
        );
    }

    #[test]
    fn a_dispatch_refusal_names_the_reason_in_the_headline_from_its_type() {
        let lot = crate::domain::trace::LotRef::new("09501101530003", "B1");
        let refused = |why| {
            Outcome::Refused(Refusal::MayNotShip {
                lot: lot.clone(),
                input: false,
                why,
            })
        };
        let recalled = refused(DispatchRefusal::NotReleased {
            status: LotStatus::Recalled,
        });
        let shown = scan_banner(ScanKind::Dispatch, &recalled);
        assert_eq!(shown.verdict, Verdict::Refused);
        assert_eq!(shown.headline, "STOP — RECALLED");
        assert_eq!(
            shown.message,
            "lot B1: the lot is recalled: only released lots may ship"
        );
        let on_hold = refused(DispatchRefusal::NotReleased {
            status: LotStatus::OnHold,
        });
        assert_eq!(
            scan_banner(ScanKind::Dispatch, &on_hold).headline,
            "STOP — ON HOLD"
        );
        let expired = refused(DispatchRefusal::Expired {
            expiry: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        });
        assert_eq!(
            scan_banner(ScanKind::Dispatch, &expired).headline,
            "STOP — EXPIRED"
        );
        // Outside Dispatch a refusal is a plain REFUSED.
        assert_eq!(scan_banner(ScanKind::Produce, &expired).headline, "REFUSED");
    }

    #[test]
    fn no_refusal_the_worker_sees_names_a_command_line_option() {
        let lot = crate::domain::trace::LotRef::new("09501101530003", "B1");
        for r in [
            Refusal::NoCount,
            Refusal::Needs(Needed::Customer),
            Refusal::Needs(Needed::ReceiptLocation),
            Refusal::UnknownProduct {
                gtin: lot.gtin.clone(),
            },
            Refusal::AmbiguousBatch {
                batch: "B1".into(),
                gtins: vec![lot.gtin.clone()],
            },
            Refusal::Missing(crate::workflow::Element::Batch),
        ] {
            let text = refusal_text(&r);
            assert!(!text.contains("--"), "{text}");
        }
    }

    #[test]
    fn a_fefo_warning_is_amber_not_green() {
        let shipped = |warning| {
            Outcome::Shipped(crate::workflow::DispatchOutcome {
                event_id: "e".into(),
                gtin: "09501101530003".into(),
                batch: "B2".into(),
                quantity: 5,
                customer: "ACME".into(),
                sscc: None,
                warning,
            })
        };
        let first = crate::domain::rules::FefoChoice {
            batch: "B1".into(),
            expiry: None,
        };
        let warned = scan_banner(ScanKind::Dispatch, &shipped(Some(first)));
        assert_eq!(warned.verdict, Verdict::Warn);
        assert!(warned.message.contains("not the FEFO choice: lot B1"));
        assert_eq!(
            scan_banner(ScanKind::Dispatch, &shipped(None)).verdict,
            Verdict::Ok
        );
    }

    #[test]
    fn expiry_lines_colour_by_days_left() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let lot = |d: i64| ExpiryRow {
            lot: ExpiringLot {
                gtin: "0".into(),
                batch: "B".into(),
                expiry: today + chrono::Duration::days(d),
                status: LotStatus::Released,
                on_hand: 1,
            },
            product: None,
            stock: vec![("A".into(), 1)],
        };
        let lines = expiry_lines(&[lot(-2), lot(3), lot(20)], today);
        let verdicts: Vec<_> = lines.iter().map(|l| l.verdict).collect();
        assert_eq!(
            verdicts,
            vec![
                Some(Verdict::Refused),
                Some(Verdict::Warn),
                Some(Verdict::Ok)
            ]
        );
        assert!(lines[0].text.contains("EXPIRED 2 days ago"));
    }

    fn state(error: Option<&str>, success: Option<&str>) -> SyncStatus {
        SyncStatus {
            backlog: 3,
            server: Some("http://hq:8080".into()),
            last_success: success.map(String::from),
            last_error: error.map(String::from),
            last_error_at: error.map(|_| "2026-03-10T10:00:00Z".to_string()),
            pulled_up_to: 0,
            ..SyncStatus::default()
        }
    }

    #[test]
    fn online_only_after_a_good_round_of_this_session() {
        let good = state(None, Some("2026-03-10T09:59:00Z"));
        let hq = SyncSetup::On("http://hq:8080");
        // A success stored by an earlier session says nothing about the network now.
        let before = sync_shown(hq, &good, false);
        assert!(!before.online);
        assert_eq!(before.text, "connecting to http://hq:8080…");
        let now = sync_shown(hq, &good, true);
        assert!(now.online);
        assert!(now.text.starts_with("synced "), "{}", now.text);
        assert_eq!(now.problem, None);
        let failed = sync_shown(hq, &state(Some("cannot reach"), None), true);
        assert!(!failed.online);
        assert_eq!(failed.text, "sync failed");
        assert_eq!(failed.problem.as_deref(), Some("cannot reach"));
        let off = sync_shown(SyncSetup::Off, &good, true);
        assert!(!off.online && off.local_only, "{off:?}");
        let no_token = sync_shown(SyncSetup::NoToken, &good, true);
        assert!(!no_token.online);
        assert!(no_token.problem.unwrap().contains("[sync]"));
    }
}

#[cfg(test)]
mod facts_tests {
    use super::*;
    use crate::domain::LotStatus;

    /// A lot received without a supplier's name is not "own production" (seen by hand: a
    /// received lot's Lookup said so).
    #[test]
    fn a_lot_without_a_supplier_is_own_production_only_when_made_here() {
        let lot = Lot {
            gtin: "09501101530003".into(),
            batch: "B7".into(),
            expiry: None,
            status: LotStatus::Released,
            supplier: None,
            stock: Vec::new(),
        };
        let supplier = |received| {
            lot_facts(&lot, None, received)
                .into_iter()
                .find(|(k, _)| k == "Supplier")
                .unwrap()
                .1
        };
        assert_eq!(supplier(true), "(none recorded)");
        assert_eq!(supplier(false), "(own production)");
    }
}
