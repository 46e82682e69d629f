//! Settings and the expiry board in the real station window, headless: a bad value is refused
//! naming the field and nothing is saved; good values are saved as the station's TOML file,
//! which loads back; the first supervisor PIN needs nothing, changing it needs the current one
//! (a wrong one refused), and the file then holds its hash, no PIN in clear; the expiry board
//! lists a lot close to its date.

mod ui_support;

use lotline::config::StationConfig;
use lotline::ui::{Mode, settings};
use lotline::workflow::ReceiveRequest;
use ui_support::*;

#[test]
fn settings_are_checked_and_saved_and_the_expiry_board_lists_lots() {
    init();
    let site = Site::new();
    let soon = (chrono::Local::now().date_naive() + chrono::Days::new(3))
        .format("%y%m%d")
        .to_string();
    site.station()
        .receive(
            &ReceiveRequest {
                scan: format!("(01){GTIN}(17){soon}(10)SOON1"),
                quantity: Some(12),
                location: "A-04".into(),
                ..Default::default()
            },
            chrono::Local::now().date_naive(),
        )
        .unwrap();
    let app = site.open(StationConfig::default(), Mode::Settings);
    let path = site.dir.path().join("lotline.toml");

    fill(&app, settings::PRINTER, "lpt1");
    tap(&app, "Save");
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(banner(&app).contains("Printer"), "{}", banner(&app));
    assert!(!path.exists(), "nothing saved");

    // The station's first PIN needs nothing more.
    fill(&app, settings::PRINTER, "folder:/srv/labels");
    fill(&app, settings::PIN, "4711");
    fill(&app, settings::EXPIRY, "30");
    tap(&app, "Save");
    wait_for("the save", || banner(&app).starts_with("SAVED"));
    let saved = StationConfig::load(Some(&path)).unwrap();
    let first = saved.ui.supervisor_pin_hash.clone().expect("a PIN hash");
    assert_eq!(lotline::pin::verify(&first, "4711"), Ok(true));
    assert_eq!(saved.ui.expiry_days, 30);
    assert!(saved.printer.is_some());

    // Changing it needs the current one: a wrong one is refused and nothing is saved...
    fill(&app, settings::CURRENT_PIN, "1111");
    fill(&app, settings::PIN, "2468");
    tap(&app, "Save");
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(
        banner(&app).contains(settings::CURRENT_PIN),
        "{}",
        banner(&app)
    );
    assert!(
        banner(&app).contains("wrong supervisor PIN"),
        "{}",
        banner(&app)
    );
    let kept = StationConfig::load(Some(&path)).unwrap();
    assert_eq!(kept.ui.supervisor_pin_hash.as_deref(), Some(first.as_str()));

    // ...the right one changes it, and the file holds a hash, never a PIN in clear.
    fill(&app, settings::CURRENT_PIN, "4711");
    tap(&app, "Save");
    wait_for("the save", || banner(&app).starts_with("SAVED"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("supervisor_pin_hash = \"$argon2id$"),
        "{text}"
    );
    assert!(!text.contains("2468") && !text.contains("4711"), "{text}");
    assert!(!text.contains("supervisor_pin ="), "{text}");
    let changed = StationConfig::load(Some(&path)).unwrap();
    let phc = changed.ui.supervisor_pin_hash.unwrap();
    assert_eq!(lotline::pin::verify(&phc, "2468"), Ok(true));

    tap(&app, "Expiry");
    wait_for("the expiry board", || {
        lotline_lines(&app).iter().any(|l| l.contains("SOON1"))
    });
    let line = lotline_lines(&app)
        .into_iter()
        .find(|l| l.contains("SOON1"))
        .unwrap();
    assert!(line.contains("expires in 3 days"), "{line}");
}

fn lotline_lines(app: &lotline::ui::App) -> Vec<String> {
    use slint::{ComponentHandle, Model};
    app.window
        .global::<lotline::ui::Ui>()
        .get_exp_lines()
        .iter()
        .map(|l| l.text.to_string())
        .collect()
}
