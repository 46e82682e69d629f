//! Workflow outcomes → what the screen shows: a verdict (the banner's colour and the sound),
//! a headline readable from across the dock, a message that says what and what to do, and
//! detail lines. Pure; the app copies these into the Slint properties.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::trace::TraceNode;
use crate::domain::{EventKind, LotStatus};
use crate::scanner::station::{Feedback, Outcome};
use crate::store::{ExpiringLot, Lot, RecordedEvent, SyncStatus};

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

/// The banner for a scan's feedback (the same [`Feedback`] the headless scan loop prints).
pub fn scan_banner(kind: ScanKind, feedback: &Feedback) -> Shown {
    let warning = feedback
        .detail
        .get("warning")
        .and_then(Value::as_str)
        .filter(|w| !w.is_empty());
    match (feedback.outcome, warning) {
        (Outcome::Ok, Some(_)) => {
            Shown::new(Verdict::Warn, "SHIPPED — CHECK FEFO", &feedback.message)
        }
        (Outcome::Ok, None) => Shown::new(
            Verdict::Ok,
            match kind {
                ScanKind::Receive => "RECEIVED",
                ScanKind::Dispatch => "SHIPPED",
                ScanKind::Produce => "CONSUMED",
                ScanKind::Lookup => "FOUND",
            },
            &feedback.message,
        ),
        (Outcome::Refused, _) => Shown::new(
            Verdict::Refused,
            match kind {
                ScanKind::Dispatch => format!("STOP — {}", refusal_word(&feedback.message)),
                _ => "REFUSED".to_string(),
            },
            strip_refused(&feedback.message),
        ),
        (Outcome::Invalid, _) => {
            Shown::new(Verdict::Invalid, "NOT A VALID LABEL", &feedback.message)
        }
    }
}

/// A one-word reason for a dispatch refusal, for the headline.
fn refusal_word(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("recalled") {
        "RECALLED"
    } else if m.contains("expired") {
        "EXPIRED"
    } else if m.contains("on_hold") || m.contains("on hold") {
        "ON HOLD"
    } else if m.contains("quarantined") {
        "QUARANTINED"
    } else if m.contains("rejected") {
        "REJECTED"
    } else if m.contains("fefo") {
        "NOT FEFO"
    } else {
        "DO NOT SHIP"
    }
}

fn strip_refused(message: &str) -> String {
    message
        .strip_prefix("REFUSED: ")
        .unwrap_or(message)
        .to_string()
}

/// What the Receive view shows of the lot just received (from the feedback's detail).
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
    pub fn from_detail(detail: &Value) -> Option<Received> {
        let s = |k: &str| {
            detail
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let batch = s("batch");
        if batch.is_empty() {
            return None;
        }
        Some(Received {
            product: s("product"),
            gtin: s("gtin"),
            batch,
            expiry: detail
                .get("expiry")
                .and_then(Value::as_str)
                .unwrap_or("none on the label")
                .to_string(),
            quantity: detail
                .get("quantity")
                .and_then(Value::as_u64)
                .map(|q| q.to_string())
                .unwrap_or_default(),
            status: status_text(&s("status")),
        })
    }
}

/// A lot status for people: "on hold" rather than "on_hold".
pub fn status_text(name: &str) -> String {
    name.replace('_', " ")
}

/// The dispatch log line for a scan: what shipped, or what was refused and why.
pub fn dispatch_line(shown: &Shown) -> ShownLine {
    let mark = match shown.verdict {
        Verdict::Ok => "✔",
        Verdict::Warn => "!",
        Verdict::Refused | Verdict::Invalid => "✘",
    };
    ShownLine {
        text: format!("{mark} {}", shown.message),
        verdict: Some(shown.verdict),
        indent: 0,
    }
}

/// The facts panel of a looked-up lot.
pub fn lot_facts(lot: &Lot, product: Option<&str>) -> Vec<(String, String)> {
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
            lot.supplier
                .clone()
                .unwrap_or_else(|| "(own production)".into()),
        ),
    ]
}

/// A lot's history, newest last: one line per event that names it, QC changes coloured.
pub fn history_lines(events: &[RecordedEvent]) -> Vec<ShownLine> {
    events
        .iter()
        .map(|e| {
            let at = e.at.get(..16).unwrap_or(&e.at).replace('T', " ");
            let (what, verdict) = describe(&e.event);
            ShownLine {
                text: format!("{at}  {what}  ({}, {})", e.actor, e.station),
                verdict,
                indent: 0,
            }
        })
        .collect()
}

fn describe(e: &EventKind) -> (String, Option<Verdict>) {
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
                status_text(status.name())
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
                status_text(from.name()),
                status_text(to.name())
            ),
            Some(status_verdict(*to)),
        ),
        other => (format!("{other:?}"), None),
    }
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

/// A genealogy tree as indented lines (the root lot itself left out: it is the lot shown).
pub fn tree_lines(
    root: Option<&TraceNode>,
    forward: bool,
    names: &BTreeMap<String, String>,
) -> Vec<ShownLine> {
    let mut out = Vec::new();
    if let Some(root) = root {
        for child in &root.children {
            walk(child, forward, names, &mut out);
        }
        extras(root, forward, 0, &mut out);
    }
    if out.is_empty() {
        out.push(ShownLine::plain(if forward {
            "not used or shipped yet"
        } else {
            "no inputs or receipts recorded"
        }));
    }
    out
}

/// `names`: product names by GTIN (a product the store does not name shows its GTIN).
fn walk(
    node: &TraceNode,
    forward: bool,
    names: &BTreeMap<String, String>,
    out: &mut Vec<ShownLine>,
) {
    let qty = node.quantity.map(|q| format!("{q} × ")).unwrap_or_default();
    let again = if node.repeated { " (see above)" } else { "" };
    let product = names.get(&node.lot.gtin).unwrap_or(&node.lot.gtin);
    out.push(ShownLine {
        text: format!("{qty}lot {} ({product}){again}", node.lot.batch),
        verdict: None,
        indent: node.depth as i32 - 1,
    });
    for child in &node.children {
        walk(child, forward, names, out);
    }
    extras(node, forward, node.depth as i32, out);
}

/// Shipments (forward) or receipts (backward) of a node, one level under it.
fn extras(node: &TraceNode, forward: bool, indent: i32, out: &mut Vec<ShownLine>) {
    if forward {
        for s in &node.shipments {
            out.push(ShownLine {
                text: format!("{} shipped to {}", s.quantity, s.customer),
                verdict: None,
                indent,
            });
        }
    } else {
        for r in &node.receipts {
            out.push(ShownLine {
                text: format!(
                    "{} received from {}",
                    r.quantity,
                    r.supplier.as_deref().unwrap_or("(unknown supplier)")
                ),
                verdict: None,
                indent,
            });
        }
    }
}

/// The expiry board: expired lots red, within a week amber, the rest plain.
pub fn expiry_lines(lots: &[ExpiringLot], today: chrono::NaiveDate) -> Vec<ShownLine> {
    if lots.is_empty() {
        return vec![ShownLine::plain("no lots with stock expire in this period")];
    }
    lots.iter()
        .map(|l| {
            let days = (l.expiry - today).num_days();
            let (when, verdict) = match days {
                d if d < 0 => (format!("EXPIRED {} days ago", -d), Verdict::Refused),
                0 => ("expires TODAY".to_string(), Verdict::Refused),
                d if d <= 7 => (format!("expires in {d} days"), Verdict::Warn),
                d => (format!("expires in {d} days"), Verdict::Ok),
            };
            ShownLine {
                text: format!(
                    "{}  lot {} ({})  {}  {} on hand, {}",
                    l.expiry,
                    l.batch,
                    l.gtin,
                    when,
                    l.on_hand,
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
        text,
        problem,
    };
    match setup {
        SyncSetup::Off => shown(false, "sync off (no server set)".into(), None),
        SyncSetup::NoToken => shown(
            false,
            "not syncing".into(),
            Some(
                "no token for the server: an admin creates one (`lotline server token create`); put it as `token` under [sync] in the station config".into(),
            ),
        ),
        SyncSetup::On(server) if !live => shown(false, format!("connecting to {server}…"), None),
        SyncSetup::On(_) => match (&state.last_error, &state.last_success) {
            (Some(problem), last) => shown(
                false,
                match last {
                    Some(at) => format!("sync failed; last synced {}", local_time(at)),
                    None => "sync failed".into(),
                },
                Some(problem.clone()),
            ),
            (None, Some(at)) => shown(true, format!("synced {}", local_time(at)), None),
            (None, None) => shown(false, "not synced yet".into(), None),
        },
    }
}

/// An RFC 3339 time as the station's local HH:MM:SS (the text as stored if it is not one).
fn local_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
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
    fn a_dispatch_refusal_names_the_reason_in_the_headline() {
        let fb = Feedback::new(
            Outcome::Refused,
            "REFUSED: B1: the lot is recalled: it must not ship",
        );
        let shown = scan_banner(ScanKind::Dispatch, &fb);
        assert_eq!(shown.verdict, Verdict::Refused);
        assert_eq!(shown.headline, "STOP — RECALLED");
        assert!(!shown.message.starts_with("REFUSED"));
    }

    #[test]
    fn a_fefo_warning_is_amber_not_green() {
        let fb = Feedback::new(Outcome::Ok, "shipped 5 of lot B2 to ACME WARNING: not FEFO")
            .with_detail(serde_json::json!({"warning": "not the FEFO choice"}));
        assert_eq!(scan_banner(ScanKind::Dispatch, &fb).verdict, Verdict::Warn);
        let fb =
            Feedback::new(Outcome::Ok, "shipped").with_detail(serde_json::json!({"warning": null}));
        assert_eq!(scan_banner(ScanKind::Dispatch, &fb).verdict, Verdict::Ok);
    }

    #[test]
    fn expiry_lines_colour_by_days_left() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let lot = |d: i64| ExpiringLot {
            gtin: "0".into(),
            batch: "B".into(),
            expiry: today + chrono::Duration::days(d),
            status: LotStatus::Released,
            on_hand: 1,
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
        assert!(!sync_shown(SyncSetup::Off, &good, true).online);
        let no_token = sync_shown(SyncSetup::NoToken, &good, true);
        assert!(!no_token.online);
        assert!(no_token.problem.unwrap().contains("[sync]"));
    }
}
