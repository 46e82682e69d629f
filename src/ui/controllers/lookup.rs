//! Lot lookup: a lot found by a scan or its batch number, its facts, stock, history and
//! genealogy; a worker's hold, a supervisor's release/reject/recall behind the PIN; its trace
//! report.
//!
//! A lot whose older history was pruned here is shown at once with what the station has and a
//! line saying the rest is at the server; the whole history is fetched from the server
//! ([`HistoryFetch`], run away from the UI thread and the worker) and replaces it when it
//! comes, or the line says why it could not be had.

use std::path::Path;
use std::sync::Arc;

use crate::compliance::report::ReportFormat;
use crate::domain::LotStatus;
use crate::domain::money::Currency;
use crate::domain::status::Role;
use crate::domain::trace::{Direction, LotRef};
use crate::store::RecordedEvent;
use crate::ui::pin::PinGate;
use crate::ui::present::{self, ScanKind, Shown, ShownLine, Verdict};
use crate::workflow::lookup::{
    HistoryServer, LotDetails, LotHistory, OlderHistory, complete_history,
};
use crate::workflow::recall::{RecallRequest, RecallStarted};
use crate::workflow::{Outcome, Station, StatusRequest};

/// What the supervisor typed for a status change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusForm {
    /// The supervisor's person id (blank: the station's supervisor PIN).
    pub person: String,
    pub pin: String,
    pub reason: String,
    /// A recall also recalls the lots made from this one.
    pub include_derived: bool,
}

/// What Lot lookup shows of a lot found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotView {
    /// The lot's batch, for the search field.
    pub query: String,
    /// The status name (`on_hold`), for the view's status buttons.
    pub status: String,
    pub facts: Vec<(String, String)>,
    pub stock: Vec<(String, String)>,
    pub history: Vec<ShownLine>,
    /// Where it came from.
    pub up: Vec<ShownLine>,
    /// Where it went.
    pub down: Vec<ShownLine>,
}

/// What Lot lookup shows after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupView {
    pub shown: Shown,
    /// `Some(Some(lot))`: show this lot; `Some(None)`: no lot (not found); `None`: the panel
    /// stays as it is.
    pub lot: Option<Option<LotView>>,
    /// Clear the PIN field (after any use, right or wrong).
    pub clear_pin: bool,
    /// Clear the reason field (after a change went through).
    pub clear_reason: bool,
    /// The lot shown has its older history at the server: fetch it (on a thread of its own)
    /// and show it in place of the lot's history if the lot is still the one shown.
    pub history_fetch: Option<HistoryFetch>,
}

impl LookupView {
    fn banner(shown: Shown) -> LookupView {
        LookupView {
            shown,
            lot: None,
            clear_pin: false,
            clear_reason: false,
            history_fetch: None,
        }
    }
}

/// A lot's whole history to fetch from the server, with what the station showed of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFetch {
    /// Which lot shown it is for: each shown lot whose history is fetched has its own.
    pub id: u64,
    lot: LotRef,
    /// What the station holds of the lot's history, oldest first.
    local: Vec<RecordedEvent>,
}

impl HistoryFetch {
    /// Asks `server` for the lot's whole history (this waits on the network: never on the UI
    /// thread) and returns the history lines to show: the server's whole history with the
    /// station's events it lacks yet; else what the station has, under a line saying why the
    /// rest could not be had.
    pub fn run(self, server: &dyn HistoryServer) -> FetchedHistory {
        let local = LotHistory {
            lot: self.lot,
            events: self.local,
            older: OlderHistory::AtServer,
        };
        FetchedHistory {
            id: self.id,
            history: history_view(&complete_history(local, Some(server))),
        }
    }
}

/// The history lines of a lot shown, fetched from the server ([`HistoryFetch::run`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedHistory {
    /// The [`HistoryFetch::id`] it answers.
    pub id: u64,
    pub history: Vec<ShownLine>,
}

/// The line that says the older history is being fetched from the server.
pub const LOADING: &str = "Older history is kept at the server — loading…";

/// A lot's history as Lot lookup shows it: where its older part is when it is not all here,
/// then one line per event.
fn history_view(h: &LotHistory) -> Vec<ShownLine> {
    let note = match &h.older {
        OlderHistory::Here | OlderHistory::FromServer => None,
        OlderHistory::AtServer => Some(
            "Older history is kept at the server (no server is set up for this station).".into(),
        ),
        OlderHistory::NotAtServer => {
            Some("Older history was pruned here, and the server does not hold this lot.".into())
        }
        OlderHistory::Failed {
            unreachable: true,
            why,
        } => Some(format!(
            "Older history is kept at the server, which could not be reached ({why})."
        )),
        OlderHistory::Failed {
            unreachable: false,
            why,
        } => Some(format!(
            "Older history is kept at the server, which did not give it: {why}"
        )),
    };
    note.map(|text| ShownLine {
        text,
        verdict: Some(Verdict::Warn),
        indent: 0,
    })
    .into_iter()
    .chain(present::history_lines(&h.events))
    .collect()
}

/// Where Lot lookup asks for a lot's whole history: the server set up for the station.
pub type SharedHistoryServer = Arc<dyn HistoryServer + Send + Sync>;

/// The Lot lookup mode: the lot shown, which the status buttons and the report act on.
#[derive(Default)]
pub struct LookupController {
    shown_lot: Option<LotRef>,
    /// The site currency where the station shows costs (`[ui] show_costs`).
    costs: Option<Currency>,
    /// The server a pruned history is fetched from, when one is set up (`[sync]`).
    server: Option<SharedHistoryServer>,
    /// History fetches asked for so far (the last one's id).
    fetches: u64,
}

impl std::fmt::Debug for LookupController {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupController")
            .field("shown_lot", &self.shown_lot)
            .field("costs", &self.costs)
            .field("server", &self.server.is_some())
            .field("fetches", &self.fetches)
            .finish()
    }
}

impl LookupController {
    /// The server a lot's history pruned here is fetched from; `None`: no server is set up
    /// (Lot lookup then says the older history is at the server).
    pub fn set_server(&mut self, server: Option<SharedHistoryServer>) {
        self.server = server;
    }

    /// The server a lot's pruned history is fetched from, if any.
    pub fn server(&self) -> Option<SharedHistoryServer> {
        self.server.clone()
    }

    /// A controller that shows each lot's unit cost in `currency`.
    pub fn costing(currency: Option<Currency>) -> LookupController {
        LookupController {
            costs: currency,
            ..LookupController::default()
        }
    }

    /// Whether lots' unit costs are shown, and in which currency, after Settings changed it.
    pub fn set_costs(&mut self, currency: Option<Currency>) {
        self.costs = currency;
    }

    /// The lot shown, if any.
    pub fn lot(&self) -> Option<&LotRef> {
        self.shown_lot.as_ref()
    }

    /// Finds a lot by a scan of its label or its batch number.
    pub fn find(&mut self, station: &Station, query: &str, gs: Option<char>) -> LookupView {
        let query = query.trim();
        if query.is_empty() {
            self.shown_lot = None;
            return LookupView {
                lot: Some(None),
                ..LookupView::banner(Shown::refused(
                    "scan a lot's label or type its batch number",
                ))
            };
        }
        match station.lot_details(query, gs) {
            Ok(details) => {
                self.shown_lot = Some(LotRef::new(
                    details.lot.gtin.clone(),
                    details.lot.batch.clone(),
                ));
                let mut view = lot_view(&details);
                if let Some(currency) = &self.costs {
                    view.facts.push((
                        "Unit cost".into(),
                        unit_cost_text(station, &details.lot.gtin, &details.lot.batch, currency),
                    ));
                }
                // Older history pruned here: what is here now, the whole from the server later.
                let mut history_fetch = None;
                if details.history_pruned {
                    let lot = LotHistory {
                        lot: LotRef::new(&details.lot.gtin, &details.lot.batch),
                        events: details.history,
                        older: OlderHistory::AtServer,
                    };
                    view.history = history_view(&lot);
                    if self.server.is_some() {
                        view.history[0].text = LOADING.into();
                        view.history[0].verdict = Some(Verdict::Pending);
                        self.fetches += 1;
                        history_fetch = Some(HistoryFetch {
                            id: self.fetches,
                            lot: lot.lot,
                            local: lot.events,
                        });
                    }
                }
                LookupView {
                    lot: Some(Some(view)),
                    history_fetch,
                    ..LookupView::banner(present::lot_banner(&details.lot))
                }
            }
            Err(e) => {
                self.shown_lot = None;
                LookupView {
                    lot: Some(None),
                    ..LookupView::banner(present::scan_banner(
                        ScanKind::Lookup,
                        &Outcome::from_error(e),
                    ))
                }
            }
        }
    }

    /// A status change of the lot shown. A hold needs no PIN (a worker may make a lot less
    /// available; recorded as the station's user); release, reject and recall, and a hold with
    /// the PIN typed, go through `gate` against `configured_hash` (none set refuses, wrong ones
    /// count toward the lockout) and are recorded as the supervisor's. Then the status rules;
    /// the lot is shown again after.
    pub fn change_status(
        &mut self,
        station: &mut Station,
        gate: &mut PinGate,
        configured_hash: Option<&str>,
        form: &StatusForm,
        to: LotStatus,
    ) -> LookupView {
        let Some(lot) = self.shown_lot.clone() else {
            return LookupView::banner(Shown::refused(
                "look up a lot first: scan its label or type its batch",
            ));
        };
        // Whoever is signed in acts again once the supervisor's decision is recorded.
        let previous = station.acting_as().cloned();
        let worker_hold = to == LotStatus::OnHold && form.pin.trim().is_empty();
        let (role, actor) = if worker_hold {
            (Role::Worker, station.identity().actor.clone())
        } else {
            match super::prove_supervisor(station, gate, configured_hash, &form.person, &form.pin) {
                Ok(proven) => proven,
                Err(refusal) => {
                    return LookupView {
                        clear_pin: true,
                        ..LookupView::banner(Shown::refused(refusal))
                    };
                }
            }
        };
        let reason = form.reason.trim().to_string();
        // Recall from Lookup is the same recall as `lotline recall start`: listed by
        // `recall list`, with what to account for; the lots made from it when asked.
        let done = if to == LotStatus::Recalled {
            let request = RecallRequest {
                lots: vec![lot.batch.clone()],
                gtin: Some(lot.gtin.clone()),
                reason,
                role,
                include_derived: form.include_derived,
                gs_substitute: None,
            };
            station
                .start_recall(&request, chrono::Local::now().date_naive(), false)
                .map(|r| recall_started(&r))
        } else {
            let request = StatusRequest {
                gtin: lot.gtin.clone(),
                batch: lot.batch.clone(),
                to,
                role,
                reason,
            };
            station.set_status_by(&request, &actor).map(|outcome| {
                Shown::new(
                    present::status_verdict(outcome.to),
                    present::status_text(outcome.to.name()).to_uppercase(),
                    format!(
                        "lot {} was {}, now {}: {}",
                        outcome.batch,
                        present::status_text(outcome.from.name()),
                        present::status_text(outcome.to.name()),
                        outcome.reason
                    ),
                )
            })
        };
        station.act_as(previous);
        match done {
            Ok(shown) => {
                let mut view =
                    self.find(station, &format!("(01){}(10){}", lot.gtin, lot.batch), None);
                view.shown = shown;
                LookupView {
                    clear_pin: true,
                    clear_reason: true,
                    ..view
                }
            }
            Err(e) => LookupView {
                clear_pin: true,
                ..LookupView::banner(Shown::refused(present::error_text(&e)))
            },
        }
    }

    /// Writes the trace report (both directions) of the lot shown into `dir`, as `format`
    /// (`PDF`/`CSV`), named after the lot and `stamp`.
    pub fn report(&self, station: &Station, dir: &Path, format: &str, stamp: &str) -> Shown {
        let Some(lot) = &self.shown_lot else {
            return Shown::refused("look up a lot first: scan its label or type its batch");
        };
        let format = ReportFormat::from_name(format).unwrap_or(ReportFormat::Pdf);
        let out = dir.join(format!(
            "trace-{}-{stamp}.{}",
            file_safe(&lot.batch),
            format.extension()
        ));
        match write_report(station, lot, format, &out) {
            Ok(()) => Shown::new(
                Verdict::Ok,
                "REPORT WRITTEN",
                format!("trace report written to {}", out.display()),
            ),
            Err(message) => Shown::refused(message),
        }
    }
}

/// A batch number as part of a file name.
fn file_safe(batch: &str) -> String {
    batch
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_report(
    station: &Station,
    lot: &LotRef,
    format: ReportFormat,
    out: &Path,
) -> Result<(), String> {
    let report = station
        .trace_report(std::slice::from_ref(lot), Direction::Both)
        .map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let file =
        std::fs::File::create(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    report
        .write(format, std::io::BufWriter::new(file))
        .map_err(|e| format!("writing {}: {e}", out.display()))
}

/// The panel of a lot found.
/// A lot's unit cost as Lot lookup shows it: `1.2500 EUR`, `partly costed`, or why none.
fn unit_cost_text(station: &Station, gtin: &str, batch: &str, currency: &Currency) -> String {
    match station.lot_cost(gtin, batch, currency) {
        Ok(c) => match (c.unit_cost, c.complete) {
            (Some(u), true) => format!("{u} {currency}"),
            (Some(u), false) => format!(
                "{u} {currency} so far: partly costed ({} without a cost)",
                c.uncosted
                    .iter()
                    .map(|u| u.batch.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, _) => "no cost recorded".into(),
        },
        Err(e) => format!("cannot be costed: {e}"),
    }
}

fn lot_view(d: &LotDetails) -> LotView {
    let stock = if d.lot.stock.is_empty() {
        vec![("(no stock)".to_string(), "0".to_string())]
    } else {
        d.lot
            .stock
            .iter()
            .map(|(l, q)| (l.clone(), q.to_string()))
            .collect()
    };
    LotView {
        query: d.lot.batch.clone(),
        status: d.lot.status.name().to_string(),
        facts: present::lot_facts(
            &d.lot,
            d.product.as_deref(),
            d.trace
                .receipts
                .iter()
                .any(|r| r.lot.gtin == d.lot.gtin && r.lot.batch == d.lot.batch),
        ),
        stock,
        history: present::history_lines(&d.history),
        up: present::tree_lines(d.trace.backward.as_ref(), false, &d.names),
        down: present::tree_lines(d.trace.forward.as_ref(), true, &d.names),
    }
}

/// What a recall started from Lookup says: its id, the lots it marked, the customers to tell.
fn recall_started(r: &RecallStarted) -> Shown {
    let id = r.id.as_deref().unwrap_or("-");
    let customers: std::collections::BTreeSet<&str> = r
        .plan
        .items
        .iter()
        .filter_map(|i| i.customer.as_deref())
        .collect();
    Shown::new(
        present::status_verdict(LotStatus::Recalled),
        "RECALLED",
        format!(
            "recall {id} started: {} lot(s) recalled, {} customer(s) to contact ({})",
            r.marked.len(),
            customers.len(),
            r.reason
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{TOMATOES, receive, station};

    #[test]
    fn a_lot_is_found_by_scan_or_batch_and_shown_with_its_status_colour() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B7", 12);
        let mut c = LookupController::default();
        let v = c.find(&s, "B7", None);
        assert_eq!(v.shown.headline, "RELEASED");
        let lot = v.lot.unwrap().unwrap();
        assert_eq!(lot.query, "B7");
        assert!(lot.facts.contains(&("Product".into(), "Tomatoes".into())));
        assert_eq!(lot.stock, vec![("DOCK".to_string(), "12".to_string())]);
        assert_eq!(c.lot(), Some(&LotRef::new(TOMATOES, "B7")));
        let v = c.find(&s, "NOPE", None);
        assert_eq!(v.shown.verdict, Verdict::Refused);
        assert_eq!(v.lot, Some(None));
        assert!(c.lot().is_none());
    }

    #[test]
    fn a_worker_holds_without_the_pin_and_a_supervisor_releases_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B7", 12);
        let mut c = LookupController::default();
        let mut gate = PinGate::default();
        let phc = crate::pin::hash("4321").unwrap();
        let configured = Some(phc.as_str());
        let form = |pin: &str| StatusForm {
            person: String::new(),
            pin: pin.into(),
            reason: "mould found".into(),
            include_derived: false,
        };
        let v = c.change_status(&mut s, &mut gate, configured, &form(""), LotStatus::OnHold);
        assert!(v.shown.message.contains("look up a lot first"));
        c.find(&s, "B7", None);

        // A worker's hold: no PIN, recorded as the station's user.
        let v = c.change_status(&mut s, &mut gate, None, &form(""), LotStatus::OnHold);
        assert_eq!(v.shown.headline, "ON HOLD", "{}", v.shown.message);
        assert_eq!(v.lot.unwrap().unwrap().status, "on_hold");
        assert!(v.clear_reason);
        let last = |s: &Station| {
            s.store()
                .lot_events(TOMATOES, "B7", 10)
                .unwrap()
                .pop()
                .unwrap()
        };
        assert_eq!(last(&s).actor, s.identity().actor);

        // A release: the PIN, checked; then recorded as the supervisor's.
        for (pin, says) in [("", "supervisor PIN"), ("1111", "wrong supervisor PIN")] {
            let v = c.change_status(
                &mut s,
                &mut gate,
                configured,
                &form(pin),
                LotStatus::Released,
            );
            assert!(v.shown.message.contains(says), "{}", v.shown.message);
            assert!(v.clear_pin);
        }
        let v = c.change_status(&mut s, &mut gate, None, &form("4321"), LotStatus::Released);
        assert!(
            v.shown.message.contains("no supervisor PIN is set"),
            "{}",
            v.shown.message
        );
        assert_eq!(
            s.lookup(TOMATOES, "B7").unwrap().unwrap().status,
            LotStatus::OnHold
        );
        let v = c.change_status(
            &mut s,
            &mut gate,
            configured,
            &form("4321"),
            LotStatus::Released,
        );
        assert_eq!(v.shown.headline, "RELEASED", "{}", v.shown.message);
        assert_eq!(last(&s).actor, crate::pin_gate::SUPERVISOR);
        let history = v.lot.unwrap().unwrap().history;
        assert!(
            history.last().unwrap().text.contains("(supervisor, "),
            "{history:?}"
        );
    }

    #[test]
    fn a_supervisor_with_an_account_signs_with_their_own_pin() {
        use crate::people::{Credential, PersonRole, Sealed};
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B7", 12);
        // The account as the server's event makes it known at the station.
        let credential = Credential::enrol("135790").unwrap();
        s.store_mut()
            .append(
                "server",
                "admin (server)",
                crate::domain::EventKind::PersonEnrolled {
                    person: "sup".into(),
                    name: "Sam".into(),
                    role: PersonRole::Supervisor,
                    credential: credential.clone(),
                },
            )
            .unwrap();
        let mut c = LookupController::default();
        let mut gate = PinGate::default();
        c.find(&s, "B7", None);
        let form = |person: &str, pin: &str| StatusForm {
            person: person.into(),
            pin: pin.into(),
            reason: "lab OK".into(),
            include_derived: true,
        };
        let v = c.change_status(&mut s, &mut gate, None, &form("", ""), LotStatus::OnHold);
        assert_eq!(v.shown.headline, "ON HOLD", "{}", v.shown.message);
        for (person, pin, says) in [
            ("sup", "000000", "wrong supervisor PIN"),
            ("nobody", "135790", "knows no person"),
        ] {
            let v = c.change_status(
                &mut s,
                &mut gate,
                None,
                &form(person, pin),
                LotStatus::Released,
            );
            assert!(v.shown.message.contains(says), "{}", v.shown.message);
        }
        let v = c.change_status(
            &mut s,
            &mut gate,
            None,
            &form("sup", "135790"),
            LotStatus::Released,
        );
        assert_eq!(v.shown.headline, "RELEASED", "{}", v.shown.message);
        let e = s
            .store()
            .lot_events(TOMATOES, "B7", 10)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(e.actor, "sup");
        assert!(crate::workflow::testing::signed_by(
            &s,
            &e,
            &credential.public_key
        ));
        // What follows is the station's user again, unsigned.
        let v = c.change_status(&mut s, &mut gate, None, &form("", ""), LotStatus::OnHold);
        assert_eq!(v.shown.headline, "ON HOLD", "{}", v.shown.message);
        let e = s
            .store()
            .lot_events(TOMATOES, "B7", 10)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(e.actor, s.identity().actor);

        // Recall from Lookup starts a full recall, as `lotline recall start` does, signed.
        let v = c.change_status(
            &mut s,
            &mut gate,
            None,
            &form("sup", "135790"),
            LotStatus::Recalled,
        );
        assert_eq!(v.shown.headline, "RECALLED", "{}", v.shown.message);
        assert!(
            v.shown.message.contains("recall RC-"),
            "{}",
            v.shown.message
        );
        assert_eq!(s.recalls().unwrap().len(), 1);
        assert_eq!(
            s.lookup(TOMATOES, "B7").unwrap().unwrap().status,
            LotStatus::Recalled
        );
        let events = s.store().events().unwrap();
        let started = events
            .iter()
            .find(|e| e.event.name() == "recall_started")
            .unwrap();
        assert_eq!(started.actor, "sup");
        assert!(
            s.store()
                .event(&started.id)
                .unwrap()
                .unwrap()
                .signature
                .is_some()
        );
    }

    /// Lot lookup of a lot whose older history was pruned here: what is here at once, with a
    /// line saying the rest is at the server; then the server's whole history (fetched away
    /// from the UI), or why it could not be had.
    #[test]
    fn a_pruned_history_is_fetched_from_the_server_or_said_to_be_there() {
        use crate::sync::{HttpTransport, SyncError};
        use crate::workflow::testing::{Answers, at_server, prune_lot};
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B7", 12);
        receive(&mut s, TOMATOES, "KEPT", 5);
        let old = prune_lot(&mut s, TOMATOES, "B7");
        let history = |v: &LookupView| -> Vec<String> {
            let lot = v.lot.clone().unwrap().unwrap();
            lot.history.into_iter().map(|l| l.text).collect()
        };

        // No server set up: the line says where the older history is; nothing to fetch.
        let mut c = LookupController::default();
        let v = c.find(&s, "B7", None);
        assert_eq!(v.shown.headline, "RELEASED", "{}", v.shown.message);
        assert_eq!(
            history(&v),
            ["Older history is kept at the server (no server is set up for this station)."]
        );
        assert!(v.history_fetch.is_none());
        // A lot whose history is all here: no line, no fetch, whatever the server.
        c.set_server(Some(Arc::new(Answers(Err(|| {
            SyncError::Protocol("asked".into())
        })))));
        let v = c.find(&s, "KEPT", None);
        assert!(v.history_fetch.is_none());
        assert_eq!(history(&v).len(), 1);
        assert!(
            history(&v)[0].contains("received 5 into DOCK"),
            "{:?}",
            history(&v)
        );

        // A server: what is here (a hold since the prune) under "loading…", then the whole.
        s.set_status(&crate::workflow::StatusRequest {
            gtin: TOMATOES.into(),
            batch: "B7".into(),
            to: LotStatus::OnHold,
            role: Role::Worker,
            reason: "smell".into(),
        })
        .unwrap();
        let server = Answers(Ok(Some(vec![at_server(&old[0], 1), at_server(&old[1], 2)])));
        let v = c.find(&s, "B7", None);
        let shown = history(&v);
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0], LOADING);
        assert_eq!(
            v.lot.clone().unwrap().unwrap().history[0].verdict,
            Some(Verdict::Pending)
        );
        assert!(
            shown[1].contains("QC: released → on hold: smell"),
            "{shown:?}"
        );
        let fetch = v.history_fetch.clone().unwrap();
        let fetched = fetch.clone().run(&server);
        assert_eq!(fetched.id, fetch.id);
        let lines: Vec<&str> = fetched.history.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("received 12 into DOCK"), "{lines:?}");
        assert!(lines[1].contains("counted 0 at DOCK (-12)"), "{lines:?}");
        assert!(lines[2].contains("on hold: smell"), "{lines:?}");
        // The same lines as a history kept whole here: one presentation.
        assert_eq!(
            fetched.history[..2],
            present::history_lines(&old)[..],
            "{lines:?}"
        );
        // Each look-up that fetches has its own id: an old answer is told apart.
        let again = c.find(&s, "B7", None).history_fetch.unwrap();
        assert_ne!(again.id, fetch.id);

        // Offline: what is here, and that the server could not be reached, in its words.
        let offline = HttpTransport::new(
            "http://127.0.0.1:9",
            "llt_x",
            std::time::Duration::from_secs(5),
            None,
        );
        let fetched = fetch.clone().run(&offline);
        let lines: Vec<&str> = fetched.history.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "Older history is kept at the server, which could not be reached (http://127.0.0.1:9"
            ),
            "{lines:?}"
        );
        assert_eq!(fetched.history[0].verdict, Some(Verdict::Warn));
        assert!(lines[1].contains("on hold: smell"), "{lines:?}");
        // A server that does not hold the lot, or refuses.
        let lines = fetch.clone().run(&Answers(Ok(None))).history;
        assert!(
            lines[0].text.contains("does not hold this lot"),
            "{lines:?}"
        );
        let refused = Answers(Err(|| SyncError::TokenRefused {
            error: "revoked".into(),
            hint: "ask for a new one".into(),
        }));
        let lines = fetch.run(&refused).history;
        assert!(lines[0].text.contains("which did not give it"), "{lines:?}");
        assert!(lines[0].text.contains("revoked"), "{lines:?}");
    }

    #[test]
    fn the_report_is_written_as_the_format_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B/7", 12);
        let mut c = LookupController::default();
        let out = dir.path().join("reports");
        assert!(
            c.report(&s, &out, "CSV", "x")
                .message
                .contains("look up a lot first")
        );
        c.find(&s, "B/7", None);
        let shown = c.report(&s, &out, "CSV", "20260301");
        assert_eq!(shown.headline, "REPORT WRITTEN", "{}", shown.message);
        let csv = out.join("trace-B_7-20260301.csv");
        assert!(std::fs::read_to_string(csv).unwrap().contains("B/7"));
    }
}
