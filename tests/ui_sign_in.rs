//! Sign in at the station window: a worker with an account taps Sign in, types her id and PIN;
//! the pallets she receives then name her and are signed by her, until she signs out. A wrong
//! PIN signs no one in.

mod ui_support;

use lotline::config::StationConfig;
use lotline::domain::EventKind;
use lotline::domain::person::PersonRole;
use lotline::people::{Credential, Sealed};
use lotline::ui::Mode;
use ui_support::*;

/// The last event the store file holds that waits to be pushed (all of them, here).
fn last_event(site: &Site) -> lotline::store::RecordedEvent {
    site.station()
        .store()
        .outbox_batch(10_000)
        .unwrap()
        .pop()
        .unwrap()
}

#[test]
fn a_worker_signs_in_and_what_she_receives_names_her() {
    init();
    let site = Site::new();
    site.station()
        .store_mut()
        .append(
            "server",
            "admin (server)",
            EventKind::PersonEnrolled {
                person: "wendy".into(),
                name: "Wendy".into(),
                role: PersonRole::Worker,
                credential: Credential::enrol("246802").unwrap(),
            },
        )
        .unwrap();
    let app = site.open(StationConfig::default(), Mode::Receive);

    tap(&app, "Sign in…");
    fill(&app, "Your id", "wendy");
    fill(&app, "Your PIN", "000000");
    tap(&app, "Sign in");
    wait_for("the refusal", || banner(&app).contains("not signed in"));
    fill(&app, "Your PIN", "246802");
    tap(&app, "Sign in");
    wait_for("the sign-in", || banner(&app).starts_with("SIGNED IN"));

    scan(&app, &pallet(1, "W1"));
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));
    let received = last_event(&site);
    assert_eq!(received.actor, "wendy");
    assert!(received.signature.is_some(), "{received:?}");

    tap(&app, "wendy (worker) · Sign out");
    wait_for("the sign-out", || banner(&app).starts_with("SIGNED OUT"));
    // Past the scanner's doubled-read window (1 s).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    scan(&app, &pallet(2, "W2"));
    wait_for("the second receipt", || {
        banner(&app).starts_with("RECEIVED") && last_event(&site).id != received.id
    });
    // The station's user again, unsigned.
    let after = last_event(&site);
    assert_ne!(after.actor, "wendy");
    assert_eq!(after.signature, None);
}
