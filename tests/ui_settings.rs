//! Settings and the expiry board in the real station window, headless: a bad value is refused
//! naming the field and nothing is saved; good values are saved as the station's TOML file,
//! which loads back; the expiry board lists a lot close to its date.

mod ui_support;

use lotline::config::StationConfig;
use lotline::ui::Mode;
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

    fill(&app, lotline::ui::settings::PRINTER, "lpt1");
    tap(&app, "Save");
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(banner(&app).contains("Printer"), "{}", banner(&app));
    assert!(!path.exists(), "nothing saved");

    fill(&app, lotline::ui::settings::PRINTER, "folder:/srv/labels");
    fill(&app, lotline::ui::settings::PIN, "4711");
    fill(&app, lotline::ui::settings::EXPIRY, "30");
    tap(&app, "Save");
    wait_for("the save", || banner(&app).starts_with("SAVED"));
    let saved = StationConfig::load(Some(&path)).unwrap();
    assert_eq!(saved.ui.supervisor_pin.as_deref(), Some("4711"));
    assert_eq!(saved.ui.expiry_days, 30);
    assert!(saved.printer.is_some());

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
