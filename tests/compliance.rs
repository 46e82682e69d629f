//! Compliance builders over a receive → produce → ship scenario: EPCIS events (validated
//! against the EPCIS 2.0 JSON Schema when ../shared/epcis is present), FSMA 204 rows.

mod support;

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

/// The EPCIS 2.0 JSON Schema's complaints about `doc` (empty when valid), or `None` when
/// ../shared/epcis is not present (CI has it). Validated by the reference Python
/// implementation (draft-07, as the schema declares).
fn schema_errors(doc: &serde_json::Value) -> Option<String> {
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/epcis/EPCIS-JSON-Schema.json");
    if !schema.exists() {
        eprintln!(
            "skipping schema validation: {} not present",
            schema.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("doc.json");
    std::fs::write(&doc_path, serde_json::to_vec(doc).unwrap()).unwrap();
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
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        if out.status.success() {
            String::new()
        } else {
            format!(
                "(exit {:?}) {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        }
    ))
}

#[test]
fn epcis_document_is_schema_valid() {
    let doc = epcis::document(&scenario(), Utc::now()).unwrap();
    let Some(errors) = schema_errors(&doc) else {
        return;
    };
    assert!(
        errors.is_empty(),
        "EPCIS document fails the schema:\n{errors}"
    );

    // And the validator does reject a broken document (the check can fail).
    let mut bad = doc.clone();
    bad["epcisBody"]["eventList"][0]["action"] = "SMASH".into();
    assert!(
        !schema_errors(&bad).unwrap().is_empty(),
        "schema accepted an invalid action"
    );
}

#[test]
fn fsma_rows_one_per_cte_with_kdes_sorted() {
    let rows = fsma::rows(&scenario(), &[], None, None);
    let ctes: Vec<_> = rows.iter().map(|r| r.cte).collect();
    assert_eq!(ctes, ["Receiving", "Transformation", "Shipping"]);
    assert_eq!(rows[0].event_date, "2026-03-02");
    assert_eq!(rows[0].previous_source, "North Mill (GLN 9506000000022)");
    assert_eq!(rows[0].tlc, "(01)09506000134352(10)F1");
    assert_eq!(rows[0].tlc_source, "North Mill (GLN 9506000000022)");
    assert_eq!(
        (
            rows[0].reference_type.as_str(),
            rows[0].reference_number.as_str()
        ),
        ("PO", "4711")
    );
    assert_eq!(rows[1].tlc, "(01)09506000134369(10)B1");
    assert_eq!(rows[1].tlc_source, "this site (GLN 9506000000015)");
    assert_eq!(rows[1].input_lots, "(01)09506000134352(10)F1");
    assert_eq!(rows[1].expiry, "2026-03-10");
    assert_eq!(
        rows[2].subsequent_recipient,
        "Corner Shop (GLN 9506000000039)"
    );
    assert_eq!(rows[2].tlc_source, "this site (GLN 9506000000015)");
    assert_eq!(rows[2].quantity, 120.0);
    assert_eq!(rows[2].location_gln, SITE);

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
    assert_eq!(lines.next().unwrap(), fsma::COLUMNS.join(","));
    assert_eq!(lines.count(), 3);
    // A lot number that merely starts another's is not that lot.
    assert!(fsma::rows(&scenario(), &["F".into()], None, None).is_empty());
}

use support::run_db as lotline;

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
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(&rows[0][col("CTE")], "Receiving");
    assert_eq!(
        &rows[0][col("Immediate previous source")],
        "9506000000022 (GLN 9506000000022)"
    );
    assert_eq!(&rows[0][col("Expiry date")], "2026-12-31");
    assert_eq!(&rows[0][col("Reference document type")], "Purchase order");
    assert_eq!(&rows[0][col("Reference document number")], "PO1");
    assert_eq!(&rows[1][col("CTE")], "Shipping");
    assert_eq!(rows[1][col("Quantity")].parse::<f64>().unwrap(), 15.0);
    assert_eq!(
        &rows[1][col("Immediate subsequent recipient")],
        "Corner Shop"
    );

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

/// A site that receives flour, bakes bread from it (and one batch with no recorded inputs),
/// and ships the bread: the EPCIS export has the right events and validates against the
/// official schema; the FSMA workbook for the flour lot and a date range has its receiving and
/// transformation rows with their KDEs, real dates, a frozen header row and an autofilter.
#[test]
fn a_receive_produce_ship_site_exports_epcis_and_an_fsma_workbook() {
    use calamine::{Data, DataType, Reader, Xlsx, open_workbook};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    for (gtin, name) in [(FLOUR, "Flour 25 kg"), (BREAD, "Bread")] {
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
    for (batch, qty) in [("F9", "50"), ("F10", "70")] {
        ok(lotline(
            &db,
            &[
                "receive",
                &format!("(01){FLOUR}(17)271231(10){batch}(30){qty}"),
                "--supplier",
                MILL,
                "--po",
                "PO1",
            ],
        ));
    }
    let made = ok(lotline(
        &db,
        &[
            "produce",
            "--product",
            BREAD,
            "--qty",
            "30",
            "--expiry",
            "2026-12-31",
            "--consume",
            &format!("(01){FLOUR}(10)F9(30)20"),
        ],
    ));
    let bread = String::from_utf8(made.stdout).unwrap().trim().to_string();
    let plain = ok(lotline(&db, &["produce", "--product", BREAD, "--qty", "5"]));
    let plain = String::from_utf8(plain.stdout).unwrap().trim().to_string();
    ok(lotline(
        &db,
        &[
            "dispatch",
            &format!("(01){BREAD}(10){bread}"),
            "--qty",
            "10",
            "--customer",
            SHOP,
            "--shipment",
            "SH-9",
        ],
    ));

    // EPCIS: every event since yesterday (none since tomorrow).
    let today = Utc::now().date_naive();
    let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let out_path = dir.path().join("events.jsonld");
    let export = |since: &str| {
        ok(lotline(
            &db,
            &[
                "export",
                "epcis",
                "--since",
                since,
                "--site-gln",
                SITE,
                "--out",
                out_path.to_str().unwrap(),
            ],
        ));
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&out_path).unwrap())
            .unwrap()
    };
    assert!(
        export(&day(1))["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let doc = export(&day(-1));
    if let Some(errors) = schema_errors(&doc) {
        assert!(
            errors.is_empty(),
            "the store's EPCIS export fails the schema:\n{errors}"
        );
    }
    let events = doc["epcisBody"]["eventList"].as_array().unwrap();
    let shape: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["action"].as_str().unwrap_or("-"),
                e["bizStep"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("ObjectEvent", "ADD", "receiving"),
            ("ObjectEvent", "ADD", "receiving"),
            ("TransformationEvent", "-", "commissioning"),
            ("ObjectEvent", "ADD", "commissioning"),
            ("ObjectEvent", "OBSERVE", "shipping"),
        ]
    );
    let ids: std::collections::BTreeSet<&str> = events
        .iter()
        .map(|e| {
            e["eventID"]
                .as_str()
                .expect("every store event has an eventID")
        })
        .collect();
    assert_eq!(ids.len(), events.len(), "eventIDs are unique");
    assert!(ids.iter().all(|id| id.starts_with("urn:uuid:")));
    let class = |gtin: &str, lot: &str| format!("https://id.gs1.org/01/{gtin}/10/{lot}");
    assert_eq!(events[0]["quantityList"][0]["epcClass"], class(FLOUR, "F9"));
    assert_eq!(events[0]["ilmd"]["cbvmda:itemExpirationDate"], "2027-12-31");
    assert_eq!(
        events[0]["sourceList"][0]["source"],
        format!("https://id.gs1.org/417/{MILL}")
    );
    assert_eq!(
        events[0]["readPoint"]["id"],
        format!("https://id.gs1.org/414/{SITE}")
    );
    let make = &events[2];
    assert_eq!(make["inputQuantityList"][0]["epcClass"], class(FLOUR, "F9"));
    assert_eq!(make["inputQuantityList"][0]["quantity"], 20.0);
    assert_eq!(
        make["outputQuantityList"][0]["epcClass"],
        class(BREAD, &bread)
    );
    assert_eq!(make["outputQuantityList"][0]["quantity"], 30.0);
    assert_eq!(make["ilmd"]["cbvmda:itemExpirationDate"], "2026-12-31");
    assert_eq!(
        events[3]["quantityList"][0]["epcClass"],
        class(BREAD, &plain)
    );
    assert_eq!(events[3]["disposition"], "active");
    let ship = &events[4];
    assert_eq!(ship["disposition"], "in_transit");
    assert_eq!(ship["quantityList"][0]["epcClass"], class(BREAD, &bread));
    assert_eq!(ship["quantityList"][0]["quantity"], 10.0);
    assert_eq!(
        ship["destinationList"][0]["destination"],
        format!("https://id.gs1.org/417/{SHOP}")
    );

    // FSMA workbook for the flour lot F9 in a date range: its receipt, and the bread made
    // from it (not F10, not the shipment of the bread).
    let xlsx = dir.path().join("fsma.xlsx");
    ok(lotline(
        &db,
        &[
            "export",
            "fsma",
            "--lot",
            "F9",
            "--from",
            &day(-1),
            "--to",
            &day(1),
            "--site-gln",
            SITE,
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("FSMA 204").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, fsma::COLUMNS);
    assert_eq!(rows.len(), 3, "header, receiving, transformation");
    let col = |name: &str| fsma::COLUMNS.iter().position(|c| *c == name).unwrap();
    let text = |r: usize, name: &str| rows[r][col(name)].to_string();
    assert_eq!(text(1, "CTE"), "Receiving");
    assert_eq!(
        text(1, "Traceability lot code"),
        format!("(01){FLOUR}(10)F9")
    );
    assert_eq!(
        text(1, "Traceability lot code source"),
        format!("{MILL} (GLN {MILL})")
    );
    assert_eq!(rows[1][col("Quantity")].get_float(), Some(50.0));
    assert_eq!(text(1, "Unit of measure"), "EA");
    assert_eq!(text(1, "Product description"), "Flour 25 kg");
    assert_eq!(text(1, "Location (GLN)"), SITE);
    assert_eq!(text(1, "Reference document type"), "Purchase order");
    assert_eq!(text(1, "Reference document number"), "PO1");
    assert_eq!(rows[1][col("Event date")].as_date(), Some(today));
    assert_eq!(
        rows[1][col("Expiry date")].as_date(),
        NaiveDate::from_ymd_opt(2027, 12, 31)
    );
    assert_eq!(text(2, "CTE"), "Transformation");
    assert_eq!(
        text(2, "Traceability lot code"),
        format!("(01){BREAD}(10){bread}")
    );
    assert_eq!(
        text(2, "Input traceability lot codes"),
        format!("(01){FLOUR}(10)F9")
    );
    assert_eq!(
        text(2, "Traceability lot code source"),
        format!("this site (GLN {SITE})")
    );
    assert_eq!(text(2, "Reference document number"), bread);
    // Sortable: the header row is frozen and an autofilter covers every column and row.
    let xml = Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())",
        ])
        .arg(&xlsx)
        .output()
        .expect("python3 (also used for the EPCIS schema check)");
    let xml = String::from_utf8_lossy(&xml.stdout);
    assert!(
        xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#),
        "{xml}"
    );
    assert!(xml.contains(r#"<autoFilter ref="A1:Q3"/>"#), "{xml}");

    // The whole log: the shipment names its immediate subsequent recipient.
    ok(lotline(
        &db,
        &[
            "export",
            "fsma",
            "--site-gln",
            SITE,
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("FSMA 204").unwrap();
    let ship = sheet
        .rows()
        .find(|r| r[col("CTE")].get_string() == Some("Shipping"))
        .expect("a shipping row");
    assert_eq!(
        ship[col("Immediate subsequent recipient")].to_string(),
        format!("{SHOP} (GLN {SHOP})")
    );
    assert_eq!(ship[col("Reference document number")].to_string(), "SH-9");

    // A file that is neither .csv nor .xlsx is refused.
    let o = lotline(
        &db,
        &[
            "export",
            "fsma",
            "--out",
            dir.path().join("f.ods").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".xlsx"));
}
