//! Cost per batch through the real binary on a real store: flour and salt received with unit
//! costs, dough made from part of them with labour and overhead, bread made from part of the
//! dough — each level's exact unit cost checked by hand in the comments; an uncosted input
//! leaves every level above it partly costed and named; a correction of the flour's cost
//! recosts the dough and the bread, the history kept; the cost report's COGS, revenue, margin
//! and stock value, as JSON, CSV and XLSX; a replay equals the live state.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

const FLOUR: &str = "09506000134352";
const SALT: &str = "09506000134376";
const DOUGH: &str = "09506000134369";
const BREAD: &str = "09506000134383";

fn lotline(db: &Path, args: &[&str]) -> Output {
    support::lotline()
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LOTLINE_STATION", "bakery")
        .env("LOTLINE_ACTOR", "sam")
        .env("LOTLINE_CONFIG", db.with_extension("toml"))
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json(o: Output) -> Value {
    serde_json::from_slice(&ok(o).stdout).unwrap()
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bakery.db");
    for (gtin, name) in [
        (FLOUR, "Flour"),
        (SALT, "Salt"),
        (DOUGH, "Dough"),
        (BREAD, "Bread"),
    ] {
        ok(lotline(
            &db,
            &[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
            ],
        ));
    }
    (dir, db)
}

fn receive(db: &Path, gtin: &str, batch: &str, qty: u32, unit_cost: Option<&str>) {
    let scan = format!("(01){gtin}(17)271231(10){batch}(30){qty}");
    let mut args = vec!["receive", scan.as_str()];
    if let Some(c) = unit_cost {
        args.extend(["--unit-cost", c]);
    }
    ok(lotline(db, &args));
}

/// Makes `qty` of `product` from (gtin, batch, quantity) inputs; its batch number.
fn produce(
    db: &Path,
    product: &str,
    qty: u32,
    inputs: &[(&str, &str, u32)],
    labour: &str,
    overhead: &str,
) -> String {
    let scans: Vec<String> = inputs
        .iter()
        .map(|(g, b, q)| format!("(01){g}(10){b}(30){q}"))
        .collect();
    let qty = qty.to_string();
    let mut args = vec!["produce", "--product", product, "--qty", &qty];
    args.extend(["--labour", labour, "--overhead", overhead, "--consume"]);
    args.extend(scans.iter().map(String::as_str));
    args.push("--json");
    json(lotline(db, &args))["batch"]
        .as_str()
        .unwrap()
        .to_string()
}

fn cost(db: &Path, gtin: &str, batch: &str) -> Value {
    json(lotline(db, &["cost", batch, "--gtin", gtin, "--json"]))
}

/// The bakery, three levels: flour F1 100 at 0.80 (30 used: partial consumption), salt S1 50
/// (at `salt`, or uncosted) with 5 used, dough 40 from them with labour 10.00 and overhead
/// 2.50, bread 20 from 16 dough with 4.00 and 0.80. Returns (dough, bread) batch numbers.
fn bakery(db: &Path, salt: Option<&str>) -> (String, String) {
    receive(db, FLOUR, "F1", 100, Some("0.80"));
    receive(db, SALT, "S1", 50, salt);
    let dough = produce(
        db,
        DOUGH,
        40,
        &[(FLOUR, "F1", 30), (SALT, "S1", 5)],
        "10.00",
        "2.50",
    );
    let bread = produce(db, BREAD, 20, &[(DOUGH, &dough, 16)], "4.00", "0.80");
    (dough, bread)
}

#[test]
fn three_levels_cost_to_the_cent_and_the_json_has_the_contract_shape() {
    let (_dir, db) = site();
    let (dough, bread) = bakery(&db, Some("0.30"));

    // Level 1: 100 × 0.80 = 80.00; 30 of it went into the dough, the rest is still on hand.
    let flour = cost(&db, FLOUR, "F1");
    assert_eq!(flour["total_cost"], "80.00");
    assert_eq!(flour["unit_cost"], "0.8000");
    // Level 2: 30 × 0.80 = 24.00, 5 × 0.30 = 1.50, labour 10.00, overhead 2.50:
    // 38.00 over 40 = 0.95.
    let d = cost(&db, DOUGH, &dough);
    assert_eq!(
        d,
        json!({
            "gtin": DOUGH, "batch": dough, "quantity": 40, "currency": "EUR",
            "unit_cost": "0.9500", "total_cost": "38.00", "complete": true,
            "components": [
                {"kind": "material", "gtin": FLOUR, "batch": "F1", "quantity": 30,
                 "unit_cost": "0.8000", "cost": "24.00"},
                {"kind": "material", "gtin": SALT, "batch": "S1", "quantity": 5,
                 "unit_cost": "0.3000", "cost": "1.50"},
                {"kind": "labour", "cost": "10.00"},
                {"kind": "overhead", "cost": "2.50"},
            ],
            "uncosted": [],
        })
    );
    // Level 3: 16 × 0.95 = 15.20, labour 4.00, overhead 0.80: 20.00 over 20 = 1.00.
    let b = cost(&db, BREAD, &bread);
    assert_eq!(b["total_cost"], "20.00");
    assert_eq!(b["unit_cost"], "1.0000");
    assert_eq!(b["complete"], true);
    assert_eq!(b["components"][0]["cost"], "15.20");

    // In words too, naming the parts.
    let text =
        String::from_utf8(ok(lotline(&db, &["cost", &bread, "--gtin", BREAD])).stdout).unwrap();
    assert!(text.contains("20.00 EUR total, unit cost 1.0000"), "{text}");
    assert!(
        text.contains(&format!(
            "material 16 of {DOUGH} / {dough} at 0.9500: 15.20"
        )),
        "{text}"
    );

    // Amounts that are not amounts are refused before anything is written.
    for (flag, bad) in [
        ("--unit-cost", "-1"),
        ("--unit-cost", "1,25"),
        ("--unit-cost", "0.00001"),
    ] {
        let o = lotline(
            &db,
            &[
                "receive",
                &format!("(01){FLOUR}(10)F9(30)5"),
                &format!("{flag}={bad}"),
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--unit-cost"));
    }
    assert!(
        lotline(&db, &["lot", "show", "F9", "--gtin", FLOUR, "--json"])
            .status
            .code()
            == Some(1),
        "nothing received"
    );
}

#[test]
fn an_uncosted_input_is_named_and_every_level_above_it_is_partly_costed() {
    let (_dir, db) = site();
    let (dough, bread) = bakery(&db, None);
    let salt = cost(&db, SALT, "S1");
    assert_eq!(salt["complete"], false);
    assert_eq!(salt["unit_cost"], Value::Null, "uncosted, never zero");
    let d = cost(&db, DOUGH, &dough);
    assert_eq!(d["complete"], false);
    assert_eq!(
        d["components"][1],
        json!({"kind": "material", "gtin": SALT, "batch": "S1", "quantity": 5,
               "unit_cost": null, "cost": null})
    );
    // What is known: 24.00 + 12.50 = 36.50 (a lower bound).
    assert_eq!(d["total_cost"], "36.50");
    let b = cost(&db, BREAD, &bread);
    assert_eq!(b["complete"], false);
    assert_eq!(
        b["uncosted"],
        json!([{"gtin": SALT, "batch": "S1", "why": "received"}])
    );
    let text =
        String::from_utf8(ok(lotline(&db, &["cost", &bread, "--gtin", BREAD])).stdout).unwrap();
    assert!(text.contains("(partly costed)"), "{text}");
    assert!(
        text.contains(&format!(
            "NO COST: {SALT} / S1: received without a unit cost"
        )),
        "{text}"
    );
}

#[test]
fn a_correction_recosts_the_batches_made_from_the_lot_and_keeps_the_history() {
    let (_dir, db) = site();
    let (dough, bread) = bakery(&db, Some("0.30"));
    let c = json(lotline(
        &db,
        &[
            "cost",
            "correct",
            "F1",
            "--gtin",
            FLOUR,
            "--unit-cost",
            "0.90",
            "--reason",
            "invoice INV-4711 differs from PO",
            "--json",
        ],
    ));
    assert_eq!(c["before"]["unit_cost"], "0.8000");
    assert_eq!(c["after"]["unit_cost"], "0.9000");
    // Dough: 30 × 0.90 = 27.00 + 1.50 + 12.50 = 41.00 over 40 = 1.025.
    assert_eq!(cost(&db, DOUGH, &dough)["unit_cost"], "1.0250");
    // Bread: 16 × 1.025 = 16.40 + 4.00 + 0.80 = 21.20 over 20 = 1.06.
    let b = cost(&db, BREAD, &bread);
    assert_eq!(
        (&b["total_cost"], &b["unit_cost"]),
        (&json!("21.20"), &json!("1.0600"))
    );
    // Labour booked late on the bread: 16.40 + 5.00 + 0.80 = 22.20 → 1.11.
    ok(lotline(
        &db,
        &[
            "cost", "correct", &bread, "--gtin", BREAD, "--labour", "5.00", "--reason", "overtime",
        ],
    ));
    assert_eq!(cost(&db, BREAD, &bread)["unit_cost"], "1.1100");

    let text =
        String::from_utf8(ok(lotline(&db, &["cost", "F1", "--gtin", FLOUR])).stdout).unwrap();
    assert!(
        text.contains("by sam at bakery: unit cost 0.90 EUR (invoice INV-4711 differs from PO)"),
        "{text}"
    );
    // The history: the receipt's cost and the correction are both in the flour's events.
    let store = lotline::store::Store::open(&db).unwrap();
    let history: Vec<_> = store
        .lot_events(FLOUR, "F1", 100)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(history.iter().any(|e| matches!(e,
        lotline::domain::EventKind::LotReceived { unit_cost: Some(m), .. } if m.amount.to_string() == "0.80")));
    assert!(
        history.iter().any(|e| matches!(e,
        lotline::domain::EventKind::CostCorrected { reason, .. } if reason.starts_with("invoice")))
    );
    drop(store);

    // Refusals: nothing to correct, no reason, an unknown lot.
    let o = lotline(
        &db,
        &["cost", "correct", "F1", "--gtin", FLOUR, "--reason", "x"],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = lotline(
        &db,
        &[
            "cost",
            "correct",
            "F1",
            "--gtin",
            FLOUR,
            "--unit-cost",
            "1",
            "--reason",
            " ",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = lotline(&db, &["cost", "NOPE", "--gtin", FLOUR]);
    assert_eq!(o.status.code(), Some(1));
    // Labour corrects a production run, a unit cost a receipt.
    let o = lotline(
        &db,
        &[
            "cost", "correct", "F1", "--gtin", FLOUR, "--labour", "1", "--reason", "x",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not produced here"));
    let o = lotline(
        &db,
        &[
            "cost",
            "correct",
            &bread,
            "--gtin",
            BREAD,
            "--unit-cost",
            "1",
            "--reason",
            "x",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not received here"));

    // A replay of the log lands on the same derived state, costs included.
    let mut store = lotline::store::Store::open(&db).unwrap();
    let before = store.derived_snapshot().unwrap();
    assert!(before.iter().any(|r| r.starts_with("lot_costs: ")));
    store.rebuild().unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), before);
}

#[test]
fn the_cost_report_gives_cogs_revenue_margin_and_stock_value() {
    let (dir, db) = site();
    let (_dough, bread) = bakery(&db, Some("0.30"));
    let ship = |qty: &str, customer: &str, price: Option<&str>| {
        let scan = format!("(01){BREAD}(10){bread}");
        let mut args = vec![
            "dispatch",
            scan.as_str(),
            "--qty",
            qty,
            "--customer",
            customer,
        ];
        if let Some(p) = price {
            args.extend(["--unit-price", p]);
        }
        ok(lotline(&db, &args));
    };
    ship("10", "Shop", Some("3.10"));
    ship("4", "Deli", Some("2.50"));
    ship("1", "Deli", None);

    let r = json(lotline(
        &db,
        &["cost", "report", "--by", "customer", "--json"],
    ));
    // Deli: 5 at 1.00 = 5.00 COGS; 4 × 2.50 = 10.00 revenue (1 unpriced); margin 5.00.
    // Shop: 10 at 1.00 = 10.00; 31.00 revenue; margin 21.00.
    assert_eq!(
        r["lines"],
        json!([
            {"gtin": null, "batch": null, "customer": "Deli", "quantity": 5, "cogs": "5.00",
             "revenue": "10.00", "margin": "5.00", "uncosted_quantity": 0, "unpriced_quantity": 1},
            {"gtin": null, "batch": null, "customer": "Shop", "quantity": 10, "cogs": "10.00",
             "revenue": "31.00", "margin": "21.00", "uncosted_quantity": 0, "unpriced_quantity": 0},
        ])
    );
    assert_eq!(r["total"]["margin"], "26.00");
    assert_eq!(r["currency"], "EUR");
    // Stock at lot cost: flour 70 × 0.80 = 56.00, salt 45 × 0.30 = 13.50, dough 24 × 0.95 =
    // 22.80, bread 5 × 1.00 = 5.00: 97.30.
    assert_eq!(
        r["stock"],
        json!({"lots": 4, "quantity": 144, "value": "97.30", "uncosted_quantity": 0})
    );

    let by_product = json(lotline(&db, &["cost", "report", "--json"]));
    assert_eq!(by_product["by"], "product");
    assert_eq!(by_product["lines"][0]["gtin"], BREAD);
    assert_eq!(by_product["lines"][0]["product"], "Bread");
    let by_batch = json(lotline(&db, &["cost", "report", "--by", "batch", "--json"]));
    assert_eq!(by_batch["lines"][0]["batch"], bread.as_str());
    // Nothing shipped since tomorrow; the stock is still valued.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let later = json(lotline(
        &db,
        &["cost", "report", "--since", &tomorrow, "--json"],
    ));
    assert_eq!(later["lines"], json!([]));
    assert_eq!(later["stock"]["value"], "97.30");

    // CSV: exact amounts; XLSX: the same rows as numbers.
    let csv = dir.path().join("costs.csv");
    ok(lotline(
        &db,
        &[
            "cost",
            "report",
            "--by",
            "customer",
            "--csv",
            csv.to_str().unwrap(),
        ],
    ));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Line,GTIN,Batch,Customer,Product,Quantity,COGS,Revenue,Margin"),
        "{text}"
    );
    assert!(
        lines.contains(&"customer,,,Shop,,10,10.00,31.00,21.00,,0,0,EUR"),
        "{text}"
    );
    assert!(
        lines.contains(&"stock on hand,,,,,144,,,,97.30,0,,EUR"),
        "{text}"
    );
    let xlsx = dir.path().join("costs.xlsx");
    ok(lotline(
        &db,
        &["cost", "report", "--xlsx", xlsx.to_str().unwrap()],
    ));
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("Cost report").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][6], Data::String("COGS".into()));
    assert_eq!(rows[1][6], Data::Float(15.0));
    assert_eq!(rows[1][7], Data::Float(41.0));

    // The table for people.
    let table = String::from_utf8(ok(lotline(&db, &["cost", "report", "--by", "customer"])).stdout)
        .unwrap();
    assert!(
        table.contains("Stock on hand: 144 units in 4 lots, valued 97.30 EUR"),
        "{table}"
    );
}

/// The site currency comes from the station config; a code that is not ISO 4217 is refused
/// when the config is read.
#[test]
fn costs_are_in_the_site_currency_of_the_config() {
    let (_dir, db) = site();
    std::fs::write(db.with_extension("toml"), "[site]\ncurrency = \"USD\"\n").unwrap();
    receive(&db, FLOUR, "F1", 10, Some("1.10"));
    let c = cost(&db, FLOUR, "F1");
    assert_eq!(
        (&c["currency"], &c["total_cost"]),
        (&json!("USD"), &json!("11.00"))
    );
    // Costed in USD, reported in EUR: no exchange rate, so uncosted there, and said so.
    std::fs::write(db.with_extension("toml"), "[site]\ncurrency = \"EUR\"\n").unwrap();
    let c = cost(&db, FLOUR, "F1");
    assert_eq!(c["complete"], false);
    assert_eq!(c["uncosted"][0]["why"], "other_currency");
    std::fs::write(db.with_extension("toml"), "[site]\ncurrency = \"euro\"\n").unwrap();
    let o = lotline(&db, &["cost", "F1", "--gtin", FLOUR]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ISO 4217"));
}
