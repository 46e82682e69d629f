//! `lotline barcode encode|decode` through the real binary, checked by rxing (our decoder) and by
//! independent decoders: zbarimg (zbar-tools) for linear and QR symbols, dmtxread (dmtx-utils)
//! for DataMatrix; SVG output is rasterised with rsvg-convert (librsvg2-bin) first.
//! scripts/setup-system installs all three.

mod decoders;
mod support;

use std::path::Path;

use decoders::{GS, dmtx_reads, lotline, rasterise_svg, rxing_reads, zbar_reads};

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

#[test]
fn encoded_png_and_svg_read_back_with_separators_in_lotline_and_independent_decoders() {
    let dir = tempfile::tempdir().unwrap();
    // (symbology, data with | for GS, AIM id, what zbarimg calls it; None: DataMatrix, read
    // by dmtxread instead)
    let cases = [
        (
            "gs1-128",
            "010950110153000310LOT-7|21S1|17271231",
            "]C1",
            Some("CODE-128"),
        ),
        (
            "gs1-qr",
            "010950110153000310ABC|21S1",
            "]Q3",
            Some("QR-Code"),
        ),
        (
            "qr",
            "https://id.gs1.org/01/09501101530003/10/ABC",
            "]Q1",
            Some("QR-Code"),
        ),
        ("ean-13", "9501101530003", "]E0", Some("EAN-13")),
        ("upc-a", "036000291452", "]E0", Some("UPC-A")),
        ("itf-14", "19501101530000", "]I0", Some("I2/5")),
        ("code128", "PALLET-0042", "]C0", Some("CODE-128")),
        (
            "gs1-datamatrix",
            "01095011015300031727123110A1B2|3050",
            "]d2",
            None,
        ),
        ("datamatrix", "Plain text 123", "]d1", None),
    ];
    for (symbology, data, aim, zbar_kind) in cases {
        let meant = data.replace('|', &GS.to_string());
        let gs1 = symbology.starts_with("gs1-");
        let png = encode(dir.path(), symbology, data, "png");
        let svg = rasterise_svg(&encode(dir.path(), symbology, data, "svg"), 1);
        for image in [png, svg] {
            let what = format!("{symbology} {}", image.display());
            assert_eq!(
                rxing_reads(&image),
                vec![(aim.to_string(), meant.clone())],
                "{what}: lotline decode"
            );
            match zbar_kind {
                Some(kind) => {
                    let read = zbar_reads(&image);
                    assert_eq!(read.len(), 1, "{what}: zbarimg read {read:?}");
                    // zbar reads UPC-A as EAN-13 with a leading 0 unless told otherwise.
                    let upc_as_ean =
                        read[0].kind == "EAN-13" && read[0].data == format!("0{meant}");
                    assert!(
                        (read[0].kind == kind && read[0].data == meant)
                            || (kind == "UPC-A" && upc_as_ean),
                        "{what}: zbarimg read {read:?}, meant {kind} {meant:?}"
                    );
                    assert_eq!(read[0].gs1, gs1, "{what}: FNC1 first, as zbarimg sees it");
                }
                // dmtxread -G shows every FNC1 as GS: a leading one marks GS1 DataMatrix.
                None => {
                    let expect = if gs1 {
                        format!("{GS}{meant}")
                    } else {
                        meant.clone()
                    };
                    assert_eq!(dmtx_reads(&image), expect, "{what}: dmtxread");
                }
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

    // GS1 symbologies take only valid GS1 data: a wrong check digit is refused…
    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        "gs1-128",
        "--data",
        "(01)09501101530004(10)A",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not valid GS1 data") && err.contains("check digit is 4, expected 3"),
        "{err}"
    );
    assert!(!Path::new(out).exists());
    // …and bracketed data is encoded as the element string it stands for.
    let o = lotline(&[
        "barcode",
        "encode",
        "--symbology",
        "gs1-datamatrix",
        "--data",
        "(01)09501101530003(10)A1(17)271231",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        rxing_reads(Path::new(out)),
        vec![(
            "]d2".to_string(),
            format!("010950110153000310A1{GS}17271231")
        )]
    );
    std::fs::remove_file(out).unwrap();

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
