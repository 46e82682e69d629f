//! `lotline barcode encode|decode` through the real binary, checked by rxing (our decoder) and by
//! independent decoders: zbarimg (zbar-tools) for linear and QR symbols, dmtxread (dmtx-utils)
//! for DataMatrix. scripts/setup-system installs both.

use std::path::Path;
use std::process::{Command, Output};

const GS: char = '\u{1d}';

fn lotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lotline"))
        .args(args)
        .output()
        .expect("lotline runs")
}

fn encode(dir: &Path, symbology: &str, data: &str, ext: &str) -> std::path::PathBuf {
    let out = dir.join(format!("{symbology}.{ext}"));
    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        symbology,
        "--data",
        data,
        "--gs",
        "|",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "{symbology}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn zbarimg(path: &Path) -> String {
    let o = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(path)
        .output()
        .expect("zbarimg is installed (scripts/setup-system)");
    String::from_utf8_lossy(&o.stdout)
        .trim_end_matches('\n')
        .to_string()
}

fn dmtxread(path: &Path) -> String {
    let o = Command::new("dmtxread")
        .args(["-N1", "-m", "10000"])
        .arg(path)
        .output()
        .expect("dmtxread is installed (scripts/setup-system)");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// What lotline's own decoder reads: (AIM id, text) of each symbol in the image.
fn lotline_decode(path: &Path) -> Vec<(String, String)> {
    let o = lotline(&["barcode", "decode", "--json", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
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

#[test]
fn encoded_png_reads_back_with_separators_in_lotline_and_independent_decoders() {
    let dir = tempfile::tempdir().unwrap();
    // (symbology, data with | for GS, AIM id, independent decoder)
    let cases = [
        (
            "gs1-128",
            "0109501101530003|17271231|10LOT-7|3712",
            "]C1",
            "zbar",
        ),
        ("gs1-qr", "0109501101530003|10ABC|21S1", "]Q3", "zbar"),
        (
            "qr",
            "https://id.gs1.org/01/09501101530003/10/ABC",
            "]Q1",
            "zbar",
        ),
        ("ean-13", "9501101530003", "]E0", "zbar"),
        ("upc-a", "036000291452", "]E0", "zbar"),
        ("itf-14", "19501101530000", "]I0", "zbar"),
        ("code128", "PALLET-0042", "]C0", "zbar"),
        (
            "gs1-datamatrix",
            "010950110153000317271231|10A1B2|3750",
            "]d2",
            "dmtx",
        ),
        ("datamatrix", "Plain text 123", "]d1", "dmtx"),
    ];
    for (symbology, data, aim, peer) in cases {
        let meant = data.replace('|', &GS.to_string());
        {
            let path = encode(dir.path(), symbology, data, "png");
            assert_eq!(
                lotline_decode(&path),
                vec![(aim.to_string(), meant.clone())],
                "{symbology}: lotline decode"
            );
            match peer {
                // zbar reports the GS1 separators as GS.
                "zbar" => {
                    let read = zbarimg(&path);
                    let expect = if symbology == "upc-a" {
                        format!("0{meant}")
                    } else {
                        meant.clone()
                    };
                    assert!(
                        read == meant || read == expect,
                        "{symbology}: zbarimg read {read:?}, meant {meant:?}"
                    );
                }
                // dmtxread prints FNC1 separators as nothing; the rest must match exactly.
                _ => assert_eq!(
                    dmtxread(&path),
                    meant.replace(GS, ""),
                    "{symbology}: dmtxread"
                ),
            }
        }
    }
}

#[test]
fn svg_output_is_vector_bars() {
    let dir = tempfile::tempdir().unwrap();
    let path = encode(dir.path(), "gs1-128", "0109501101530003|10LOT-7", "svg");
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.matches("<rect").count() > 20, "one rect per bar");
}

#[test]
fn bad_input_is_refused_with_a_reason_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.png");
    let out = out.to_str().unwrap();
    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        "ean-13",
        "--data",
        "9501101530004",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("check digit is 4, expected 3"));
    assert!(
        !Path::new(out).exists(),
        "nothing written for a refused barcode"
    );

    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        "pdf417",
        "--data",
        "x",
        "--out",
        out,
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "unknown symbology is a usage error"
    );

    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        "qr",
        "--data",
        "x",
        "--out",
        "x.gif",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".png or .svg"));

    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not an image").unwrap();
    let o = lotline(&["barcode", "decode", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be read"));
}
