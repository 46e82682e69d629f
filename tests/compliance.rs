//! Compliance builders over a receive → produce → ship scenario: EPCIS events (validated
//! against the EPCIS 2.0 JSON Schema when ../shared/epcis is present), FSMA 204 rows.

use std::path::PathBuf;
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use lotline::compliance::{Cte, CteKind, LotQuantity, Party, epcis, fsma};

const FLOUR: &str = "09506000134352";
const BREAD: &str = "09506000134369";
const SITE: &str = "9506000000015";
const MILL: &str = "9506000000022";
const SHOP: &str = "9506000000039";

fn lot(
    gtin: &str,
    lot: &str,
    qty: f64,
    unit: &str,
    expiry: Option<(i32, u32, u32)>,
) -> LotQuantity {
    LotQuantity {
        gtin: gtin.into(),
        lot: lot.into(),
        description: if gtin == FLOUR {
            "Flour 25 kg"
        } else {
            "Bread"
        }
        .into(),
        quantity: qty,
        unit: unit.into(),
        expiry: expiry.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
    }
}

/// Flour lot F1 received from the mill, baked into bread lot B1, B1 shipped to the shop.
fn scenario() -> Vec<Cte> {
    let t = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
    vec![
        Cte {
            id: "ev-1".into(),
            kind: CteKind::Receiving,
            time: t(2, 8),
            location_gln: SITE.into(),
            inputs: vec![],
            outputs: vec![lot(FLOUR, "F1", 500.0, "KGM", Some((2026, 9, 30)))],
            source: Some(Party {
                name: "North Mill".into(),
                gln: Some(MILL.into()),
            }),
            destination: None,
            reference: Some("PO 4711".into()),
        },
        Cte {
            id: "ev-2".into(),
            kind: CteKind::Transformation,
            time: t(3, 6),
            location_gln: SITE.into(),
            inputs: vec![lot(FLOUR, "F1", 200.0, "KGM", Some((2026, 9, 30)))],
            outputs: vec![lot(BREAD, "B1", 400.0, "EA", Some((2026, 3, 10)))],
            source: None,
            destination: None,
            reference: Some("WO 17".into()),
        },
        Cte {
            id: "ev-3".into(),
            kind: CteKind::Shipping,
            time: t(4, 9),
            location_gln: SITE.into(),
            inputs: vec![lot(BREAD, "B1", 120.0, "EA", Some((2026, 3, 10)))],
            outputs: vec![],
            source: None,
            destination: Some(Party {
                name: "Corner Shop".into(),
                gln: Some(SHOP.into()),
            }),
            reference: Some("DESADV 9".into()),
        },
    ]
}

#[test]
fn epcis_events_for_receive_produce_ship() {
    let doc = epcis::document(
        &scenario(),
        Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).unwrap(),
    )
    .unwrap();
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    assert_eq!(events.len(), 3);

    let rcv = &events[0];
    assert_eq!(rcv["type"], "ObjectEvent");
    assert_eq!(rcv["action"], "ADD");
    assert_eq!(rcv["bizStep"], "receiving");
    assert_eq!(rcv["eventTime"], "2026-03-02T08:00:00.000Z");
    assert_eq!(
        rcv["quantityList"][0]["epcClass"],
        "https://id.gs1.org/01/09506000134352/10/F1"
    );
    assert_eq!(rcv["quantityList"][0]["quantity"], 500.0);
    assert_eq!(rcv["ilmd"]["cbvmda:itemExpirationDate"], "2026-09-30");
    assert_eq!(
        rcv["bizLocation"]["id"],
        "https://id.gs1.org/414/9506000000015"
    );
    assert_eq!(
        rcv["sourceList"][0]["source"],
        "https://id.gs1.org/417/9506000000022"
    );

    let make = &events[1];
    assert_eq!(make["type"], "TransformationEvent");
    assert_eq!(
        make["inputQuantityList"][0]["epcClass"],
        "https://id.gs1.org/01/09506000134352/10/F1"
    );
    assert_eq!(
        make["outputQuantityList"][0]["epcClass"],
        "https://id.gs1.org/01/09506000134369/10/B1"
    );
    assert_eq!(make["ilmd"]["cbvmda:itemExpirationDate"], "2026-03-10");

    let ship = &events[2];
    assert_eq!(ship["type"], "ObjectEvent");
    assert_eq!(ship["action"], "OBSERVE");
    assert_eq!(ship["bizStep"], "shipping");
    assert_eq!(ship["disposition"], "in_transit");
    assert_eq!(ship["quantityList"][0]["quantity"], 120.0);
    assert_eq!(
        ship["destinationList"][0]["destination"],
        "https://id.gs1.org/417/9506000000039"
    );
}

#[test]
fn epcis_document_is_schema_valid() {
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/epcis/EPCIS-JSON-Schema.json");
    if !schema.exists() {
        eprintln!("skipping: {} not present", schema.display());
        return;
    }
    let doc = epcis::document(&scenario(), Utc::now()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("doc.json");
    std::fs::write(&doc_path, serde_json::to_vec(&doc).unwrap()).unwrap();
    // Validated by the reference Python implementation (draft-07, as the schema declares).
    let script = "import json,sys,jsonschema\n\
        s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n\
        errs=list(jsonschema.Draft7Validator(s).iter_errors(d))\n\
        [print(list(e.path), e.message) for e in errs]\n\
        sys.exit(1 if errs else 0)";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&doc_path)
        .output()
        .expect("python3 with jsonschema (scripts/setup-system installs python3-jsonschema)");
    assert!(
        out.status.success(),
        "EPCIS document fails the schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // And the validator does reject a broken document (the check can fail).
    let mut bad = doc.clone();
    bad["epcisBody"]["eventList"][0]["action"] = "SMASH".into();
    std::fs::write(&doc_path, serde_json::to_vec(&bad).unwrap()).unwrap();
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&doc_path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "schema accepted an invalid action");
}

#[test]
fn fsma_rows_one_per_cte_with_kdes_sorted() {
    let rows = fsma::rows(&scenario(), &[], None, None);
    let ctes: Vec<_> = rows.iter().map(|r| r.cte).collect();
    assert_eq!(ctes, ["Receiving", "Transformation", "Shipping"]);
    assert_eq!(rows[0].event_date, "2026-03-02");
    assert_eq!(rows[0].previous_source, "North Mill (GLN 9506000000022)");
    assert_eq!(rows[0].tlc, "(01)09506000134352(10)F1");
    assert_eq!(rows[1].tlc, "(01)09506000134369(10)B1");
    assert_eq!(rows[1].input_lots, "(01)09506000134352(10)F1");
    assert_eq!(rows[1].expiry, "2026-03-10");
    assert_eq!(rows[2].ship_to, "Corner Shop (GLN 9506000000039)");
    assert_eq!(rows[2].quantity, 120.0);

    // Filter by lot: F1 is named by its receipt and as input of the transformation.
    let f1 = fsma::rows(&scenario(), &["F1".into()], None, None);
    assert_eq!(
        f1.iter().map(|r| r.cte).collect::<Vec<_>>(),
        ["Receiving", "Transformation"]
    );
    // Filter by dates (inclusive).
    let d = |day| NaiveDate::from_ymd_opt(2026, 3, day);
    let mid = fsma::rows(&scenario(), &[], d(3), d(3));
    assert_eq!(mid.len(), 1);
    assert_eq!(mid[0].cte, "Transformation");

    let mut csv = Vec::new();
    fsma::write_csv(&rows, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Event date,Event time (UTC),CTE,Traceability lot code")
    );
    assert_eq!(lines.count(), 3);
}

/// Runs the real binary against a store file.
fn lotline(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lotline"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LOTLINE_SITE_GLN")
        .output()
        .unwrap()
}

#[test]
fn cli_exports_fsma_and_epcis_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    ok(lotline(
        &db,
        &[
            "product",
            "add",
            BREAD,
            "--name",
            "Bread",
            "--receive-as",
            "released",
        ],
    ));
    ok(lotline(
        &db,
        &[
            "receive",
            &format!("(01){BREAD}(17)261231(10)B7"),
            "--qty",
            "40",
            "--supplier",
            MILL,
            "--po",
            "PO1",
        ],
    ));
    ok(lotline(
        &db,
        &[
            "dispatch",
            &format!("(01){BREAD}(10)B7"),
            "--qty",
            "15",
            "--customer",
            "Corner Shop",
        ],
    ));

    let csv_path = dir.path().join("fsma.csv");
    ok(lotline(
        &db,
        &[
            "export",
            "fsma",
            "--lot",
            "B7",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    ));
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(&rows[0][2], "Receiving");
    assert_eq!(&rows[0][9], "9506000000022 (GLN 9506000000022)");
    assert_eq!(&rows[0][12], "2026-12-31");
    assert_eq!(&rows[1][2], "Shipping");
    assert_eq!(rows[1][6].parse::<f64>().unwrap(), 15.0);
    assert_eq!(&rows[1][10], "Corner Shop");

    // EPCIS needs the site GLN: refused with a reason and exit 1 without it.
    let out_path = dir.path().join("events.jsonld");
    let refused = lotline(
        &db,
        &["export", "epcis", "--out", out_path.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--site-gln"));

    let o = ok(lotline(
        &db,
        &[
            "export",
            "epcis",
            "--site-gln",
            SITE,
            "--json",
            "--out",
            out_path.to_str().unwrap(),
        ],
    ));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["count"], 2);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    assert_eq!(events[0]["action"], "ADD");
    assert_eq!(events[0]["ilmd"]["cbvmda:itemExpirationDate"], "2026-12-31");
    assert_eq!(events[1]["action"], "OBSERVE");
    assert_eq!(events[1]["quantityList"][0]["quantity"], 15.0);
}

/// A production recorded in the store (batch from the site format, flour consumed) exports as
/// an EPCIS TransformationEvent (flour in, bread out) and as an FSMA transformation row.
#[test]
fn a_production_in_the_store_exports_as_a_transformation() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    ok(lotline(
        &db,
        &[
            "product",
            "add",
            FLOUR,
            "--name",
            "Flour",
            "--receive-as",
            "released",
        ],
    ));
    ok(lotline(&db, &["product", "add", BREAD, "--name", "Bread"]));
    ok(lotline(
        &db,
        &[
            "receive",
            &format!("(01){FLOUR}(17)271231(10)F9(30)50"),
            "--supplier",
            MILL,
        ],
    ));
    let made = ok(lotline(
        &db,
        &[
            "produce",
            "--product",
            BREAD,
            "--qty",
            "30",
            "--consume",
            &format!("(01){FLOUR}(10)F9(30)20"),
        ],
    ));
    let batch = String::from_utf8(made.stdout).unwrap().trim().to_string();

    let out_path = dir.path().join("events.jsonld");
    ok(lotline(
        &db,
        &[
            "export",
            "epcis",
            "--site-gln",
            SITE,
            "--out",
            out_path.to_str().unwrap(),
        ],
    ));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    let make = events
        .iter()
        .find(|e| e["type"] == "TransformationEvent")
        .expect("a TransformationEvent");
    assert_eq!(
        make["inputQuantityList"][0]["epcClass"],
        format!("https://id.gs1.org/01/{FLOUR}/10/F9")
    );
    assert_eq!(make["inputQuantityList"][0]["quantity"], 20.0);
    assert_eq!(
        make["outputQuantityList"][0]["epcClass"],
        format!("https://id.gs1.org/01/{BREAD}/10/{batch}")
    );
    assert_eq!(make["outputQuantityList"][0]["quantity"], 30.0);

    let csv_path = dir.path().join("fsma.csv");
    ok(lotline(
        &db,
        &["export", "fsma", "--out", csv_path.to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let kinds: Vec<String> = rdr.records().map(|r| r.unwrap()[2].to_string()).collect();
    assert!(kinds.iter().any(|k| k == "Transformation"), "{text}");
}
