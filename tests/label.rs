//! Labels end to end through the real binary: every shipped template rendered to PDF and PNG,
//! rasterised (pdftoppm at 203 and 300 dpi) and decoded back with rxing and with independent
//! decoders (zbarimg for linear and QR, dmtxread for DataMatrix). The data read back, GS1
//! separators included, must be exactly what the template meant.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lotline::label::{Item, Template, lay_out};

const GS: char = '\u{1d}';

fn lotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lotline"))
        .args(args)
        .output()
        .expect("lotline runs")
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// What each barcode of a template's sample label encodes: (AIM id, data with GS).
fn meant(template: &str) -> Vec<(String, String)> {
    let t = Template::load(template).unwrap();
    let layout = lay_out(&t, &t.sample).unwrap();
    layout
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Barcode(b) => Some(b),
            _ => None,
        })
        .map(|b| {
            let aim = match b.symbol.symbology.name() {
                "gs1-128" => "]C1",
                "gs1-datamatrix" => "]d2",
                "qr" => "]Q1",
                other => panic!("add the AIM id for {other}"),
            };
            (aim.to_string(), b.data.clone())
        })
        .collect()
}

fn rasterise(pdf: &Path, dpi: u32) -> PathBuf {
    let prefix = pdf.with_extension(format!("{dpi}"));
    ok(Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-png",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is installed (scripts/setup-system)"));
    prefix.with_extension(format!("{dpi}.png"))
}

fn rxing_reads(png: &Path) -> BTreeSet<(String, String)> {
    let o = ok(lotline(&[
        "barcode",
        "decode",
        "--json",
        png.to_str().unwrap(),
    ]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["aim"].as_str().unwrap_or("").to_string(),
                s["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn zbar_reads(png: &Path) -> BTreeSet<String> {
    let o = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png)
        .output()
        .expect("zbarimg");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn dmtx_reads(png: &Path) -> String {
    let o = Command::new("dmtxread")
        .args(["-N1", "-m", "20000"])
        .arg(png)
        .output()
        .expect("dmtxread");
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn check_image(template: &str, png: &Path) {
    let meant = meant(template);
    let read = rxing_reads(png);
    let zbar = zbar_reads(png);
    for (aim, data) in &meant {
        assert!(
            read.contains(&(aim.clone(), data.clone())),
            "{template} {}: rxing read {read:?}, meant {aim}{data:?}",
            png.display()
        );
        if aim == "]d2" {
            assert_eq!(
                dmtx_reads(png),
                data.replace(GS, ""),
                "{template}: dmtxread"
            );
        } else {
            assert!(
                zbar.contains(data),
                "{template} {}: zbarimg read {zbar:?}, meant {data:?}",
                png.display()
            );
        }
    }
}

#[test]
fn every_shipped_template_reads_back_from_pdf_at_203_and_300_dpi_and_from_png() {
    let dir = tempfile::tempdir().unwrap();
    for template in [
        "gs1-logistics-4x6",
        "gs1-logistics-a6",
        "case-batch",
        "item-qr",
    ] {
        let pdf = dir.path().join(format!("{template}.pdf"));
        ok(lotline(&[
            "label",
            "render",
            "--template",
            template,
            "--sample",
            "--out",
            pdf.to_str().unwrap(),
        ]));
        for dpi in [203, 300] {
            check_image(template, &rasterise(&pdf, dpi));
        }
        let png = dir.path().join(format!("{template}.png"));
        ok(lotline(&[
            "label",
            "render",
            "--template",
            template,
            "--sample",
            "--out",
            png.to_str().unwrap(),
        ]));
        check_image(template, &png);
    }
}

#[test]
fn set_values_replace_the_sample_and_copies_make_pages() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("c.pdf");
    ok(lotline(&[
        "label",
        "render",
        "--template",
        "case-batch",
        "--sample",
        "--set",
        "batch=LOT42",
        "--set",
        "expiry=280615",
        "--copies",
        "3",
        "--out",
        pdf.to_str().unwrap(),
    ]));
    let info =
        String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    let read = rxing_reads(&rasterise(&pdf, 300));
    let lot42 = "1728061510LOT42".to_string();
    assert!(read.contains(&("]C1".to_string(), lot42)), "{read:?}");
}

#[test]
fn a_csv_batch_makes_one_label_per_row_in_one_small_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rows.csv");
    let mut rows = String::from("product,gtin,batch,expiry,expiry_date\n");
    for i in 0..50 {
        rows.push_str(&format!(
            "Passata,09501101530003,B{i:04},271231,2027-12-31\n"
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    let pdf = dir.path().join("batch.pdf");
    ok(lotline(&[
        "label",
        "batch",
        "--template",
        "case-batch",
        "--csv",
        csv.to_str().unwrap(),
        "--out",
        pdf.to_str().unwrap(),
    ]));
    let info =
        String::from_utf8(Command::new("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 50")),
        "{info}"
    );
    // The font is embedded once, subset: labels stay small.
    let size = std::fs::metadata(&pdf).unwrap().len();
    assert!(size < 50 * 5 * 1024, "{size} bytes for 50 labels");
    let fonts =
        String::from_utf8(Command::new("pdffonts").arg(&pdf).output().unwrap().stdout).unwrap();
    let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        !font_lines.is_empty() && font_lines.iter().all(|l| l.contains(" yes ")),
        "fonts are embedded:\n{fonts}"
    );
}

#[test]
fn zpl_encodes_fnc1_for_gs1_128_and_datamatrix() {
    let dir = tempfile::tempdir().unwrap();
    let zpl = dir.path().join("c.zpl");
    ok(lotline(&[
        "label",
        "render",
        "--template",
        "case-batch",
        "--sample",
        "--out",
        zpl.to_str().unwrap(),
    ]));
    let zpl = std::fs::read_to_string(zpl).unwrap();
    assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
    // GS1-128: start in subset C with FNC1 first, switch to B for the batch; (10) is last so
    // it needs no separator.
    assert!(
        zpl.contains("^FD>;>80109501101530003^FS") && zpl.contains("^FD>;>81727123110>6B>52611^FS"),
        "{zpl}"
    );
    // GS1 DataMatrix: FNC1 first as the _1 escape.
    assert!(
        zpl.contains("^BXN,4,200,,,,_^FD_1010950110153000317271231") && zpl.contains("10B2611^FS"),
        "{zpl}"
    );

    let zpl_path = dir.path().join("q.zpl");
    ok(lotline(&[
        "label",
        "render",
        "--template",
        "item-qr",
        "--sample",
        "--out",
        zpl_path.to_str().unwrap(),
    ]));
    let zpl = std::fs::read_to_string(zpl_path).unwrap();
    assert!(
        zpl.contains("^BQN,2,4^FDMA,https://id.gs1.org/01/09501101530003/10/B2611^FS"),
        "{zpl}"
    );
}

#[test]
fn raw_printing_sends_zpl_to_the_printer_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let printer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        got
    });
    ok(lotline(&[
        "label",
        "print",
        "--template",
        "case-batch",
        "--sample",
        "--copies",
        "2",
        "--raw",
        &addr,
    ]));
    let got = printer.join().unwrap();
    assert_eq!(got.matches("^XA").count(), 2, "{got}");

    // A printer that is off: a clear refusal.
    let o = lotline(&[
        "label",
        "print",
        "--template",
        "case-batch",
        "--sample",
        "--raw",
        "127.0.0.1:1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot reach the printer"));
}

#[test]
fn a_bad_template_or_bad_data_is_refused_naming_template_element_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pdf");
    let out = out.to_str().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let head = "format = 1\nname = \"t\"\nwidth_mm = 60\nheight_mm = 40\n";
    let cases = [
        (
            write("unknown.toml", &format!("{head}colour = 1\n")),
            "unknown field `colour`",
        ),
        (
            write(
                "gs1.toml",
                &format!(
                    "{head}[sample]\ng = \"09501101530004\"\n[[element]]\nkind = \"barcode\"\nx_mm = 1\ny_mm = 1\nsymbology = \"gs1-128\"\ndata = \"(01){{g}}\"\nmodule_mm = 0.25\n"
                ),
            ),
            "template t, element 1 (barcode): \"(01)09501101530004\" is not valid GS1 data",
        ),
        (
            write(
                "fit.toml",
                &format!(
                    "{head}[sample]\np = \"A very long product name that cannot fit\"\n[[element]]\nkind = \"text\"\nx_mm = 2\ny_mm = 2\nsize_pt = 14\ntext = \"{{p}}\"\n"
                ),
            ),
            "template t, element 1 (text): \"A very long product name that cannot fit\" is",
        ),
    ];
    for (path, message) in cases {
        let o = lotline(&[
            "label",
            "render",
            "--template",
            &path,
            "--sample",
            "--out",
            out,
        ]);
        assert_eq!(o.status.code(), Some(1), "{path}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{path}: {err}");
        assert!(!Path::new(out).exists());
    }
    let o = lotline(&["label", "render", "--template", "case-batch", "--out", out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--set"),
        "missing data names the --set to give"
    );
}

#[test]
fn a_lots_label_comes_straight_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lotline.db");
    let db = db.to_str().unwrap();
    ok(lotline(&[
        "--db",
        db,
        "product",
        "add",
        "09501101530003",
        "--name",
        "Passata 500 g",
    ]));
    ok(lotline(&[
        "--db",
        db,
        "receive",
        "(01)09501101530003(17)280615(10)B77(30)24",
    ]));
    let pdf = dir.path().join("lot.pdf");
    ok(lotline(&[
        "--db",
        db,
        "label",
        "render",
        "--template",
        "case-batch",
        "--lot",
        "B77",
        "--out",
        pdf.to_str().unwrap(),
    ]));
    let read = rxing_reads(&rasterise(&pdf, 300));
    assert!(
        read.contains(&("]C1".to_string(), "0109501101530003".to_string())),
        "{read:?}"
    );
    assert!(
        read.contains(&("]C1".to_string(), "1728061510B77".to_string())),
        "{read:?}"
    );
    assert!(
        read.contains(&(
            "]d2".to_string(),
            "01095011015300031728061510B77".to_string()
        )),
        "{read:?}"
    );
    let o = lotline(&[
        "--db",
        db,
        "label",
        "render",
        "--template",
        "case-batch",
        "--lot",
        "NOPE",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no lot NOPE in this store"));
}
