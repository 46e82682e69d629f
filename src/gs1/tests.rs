//! Parser, validation and generation behaviour, one rule per test.

use super::*;

fn p(s: &str) -> Result<Message, Gs1Error> {
    parse(s, &ParseOptions::default())
}

fn pairs(m: &Message) -> Vec<(&str, &str)> {
    m.pairs().collect()
}

const CASE: &[(&str, &str)] = &[
    ("01", "09501101530003"),
    ("17", "271231"),
    ("10", "LOT-7"),
    ("30", "12"),
];

#[test]
fn every_form_gives_the_same_elements() {
    let forms = [
        "(01)09501101530003(17)271231(10)LOT-7(30)12",
        "]C10109501101530003172712311 0LOT-7\u{1d}3012",
        "]d201095011015300031727123110LOT-7\u{1d}3012",
        "]Q301095011015300031727123110LOT-7\u{1d}3012",
        "01095011015300031727123110LOT-7\u{1d}3012",
        "https://id.gs1.org/01/09501101530003/10/LOT-7?17=271231&30=12",
    ];
    for form in forms.iter().map(|f| f.replace("1 0", "10")) {
        let m = p(&form).unwrap_or_else(|e| panic!("{form:?}: {e}"));
        let mut got = pairs(&m);
        got.sort();
        let mut want = CASE.to_vec();
        want.sort();
        assert_eq!(got, want, "{form:?}");
    }
}

#[test]
fn symbology_comes_from_the_aim_identifier() {
    assert_eq!(
        p("]C10109501101530003").unwrap().symbology,
        Some(Symbology::Gs1_128)
    );
    assert_eq!(
        p("]d20109501101530003").unwrap().symbology,
        Some(Symbology::Gs1DataMatrix)
    );
    assert_eq!(
        p("]Q30109501101530003").unwrap().symbology,
        Some(Symbology::Gs1Qr)
    );
    assert_eq!(
        p("]e00109501101530003").unwrap().symbology,
        Some(Symbology::Gs1DataBar)
    );
    assert_eq!(
        p("]J10109501101530003").unwrap().symbology,
        Some(Symbology::Gs1DotCode)
    );
    let ean = p("]E09501101530003").unwrap();
    assert_eq!(
        (ean.symbology, ean.gtin()),
        (Some(Symbology::Ean), Some("09501101530003"))
    );
    let dl = p("]Q1https://example.com/01/09501101530003").unwrap();
    assert_eq!(dl.symbology, Some(Symbology::DigitalLink));
}

#[test]
fn field_quirks_are_absorbed() {
    let want = vec![("01", "09501101530003"), ("10", "ABC")];
    for quirk in [
        "\u{1d}010950110153000310ABC",          // leading GS
        "0109501101530003\u{1d}10ABC",          // GS after a fixed-length element
        "]C10109501101530003\u{1d}10ABC\r\n",   // trailing CR/LF
        "]C1]C1010950110153000310ABC",          // doubled AIM prefix
        "]C10109501101530003\u{1d}\u{1d}10ABC", // doubled GS
    ] {
        assert_eq!(pairs(&p(quirk).unwrap()), want, "{quirk:?}");
    }
    let sub = ParseOptions {
        gs_substitute: Some('|'),
        ..Default::default()
    };
    assert_eq!(
        pairs(&parse("10ABC|0109501101530003", &sub).unwrap()),
        vec![("10", "ABC"), ("01", "09501101530003")]
    );
    // A bare EAN-13 / UPC-A from a scanner that sends no identifier.
    assert_eq!(p("9501101530003").unwrap().gtin(), Some("09501101530003"));
    assert_eq!(p("036000291452").unwrap().gtin(), Some("00036000291452"));
}

#[test]
fn errors_name_the_ai_the_position_and_the_rule() {
    let cases = [
        (
            "(01)09501101530004",
            "(01) check digit is 4, expected 3 at position 18",
        ),
        (
            "]C10109501101530003171313011 0A",
            "(17) month 13 is not a month at position 24",
        ),
        (
            "(01)09501101530003(17)270230",
            "(17) day 30 does not exist in month 02 (it has 28 days) at position 27",
        ),
        (
            "(01)0950110153000",
            "(01) is too short: 13 characters at position 5, 14 needed",
        ),
        (
            "(01)09501101530003(10)ABCDEFGHIJKLMNOPQRSTU",
            "(10) is too long: 21 characters at position 23, at most 20",
        ),
        (
            "(01)09501101530003(10)AB~C",
            "(10) has '~' at position 25: only GS1 CSET 82 allowed",
        ),
        ("(04)123", "unknown AI (04) at position 2"),
        ("0109501101530003049", "unknown AI (049) at position 17"),
        (
            "(10)ABC",
            "(10) needs (01) or (02) or (03) or (8006) or (8026) with it",
        ),
        (
            "(01)09501101530003(02)09501101530003",
            "(02) and (01) may not appear together",
        ),
        (
            "(01)09501101530003(10)A(10)B",
            "(10) appears twice with different values: \"A\" and \"B\"",
        ),
        (
            "(01)09501101530003(10",
            "bracketed data: '(' without ')' at position 19",
        ),
        (
            "https://id.gs1.org/01/09501101530003/21/S1/10/B1",
            "Digital Link URI: the path /01/21/10 is not a primary key with its qualifiers in an allowed order (allowed after /01/: /22/10/21 or /235)",
        ),
        ("", "no data: the scan is empty"),
    ];
    for (input, want) in cases {
        let input = input.replace("1 0", "10");
        let err = p(&input).unwrap_err().to_string();
        assert!(
            err.starts_with(want),
            "{input:?}:\n  got  {err}\n  want {want}"
        );
    }
    // A variable-length value run into the next AI: the separator is missing.
    let err = p("010950110153000310ABC2112345678901234567890").unwrap_err();
    assert!(
        err.to_string().contains("is a GS separator missing"),
        "{err}"
    );
}

#[test]
fn repeated_identical_elements_are_kept_as_given() {
    // GS1's engine keeps both: the data of several symbols of one label may repeat an AI.
    let m = p("(01)09501101530003(10)A(10)A").unwrap();
    assert_eq!(
        pairs(&m),
        vec![("01", "09501101530003"), ("10", "A"), ("10", "A")]
    );
}

#[test]
fn requisites_can_be_left_to_the_other_symbols_of_a_label() {
    let opts = ParseOptions {
        skip_requisites: true,
        ..Default::default()
    };
    assert!(parse("(17)271231(10)B1", &opts).is_ok());
    assert!(p("(17)271231(10)B1").is_err());
    // Exclusions still apply within one symbol.
    assert!(parse("(01)09501101530003(02)09501101530003", &opts).is_err());
}

#[test]
fn textual_forms_round_trip() {
    let m = Message::from_elements(CASE.iter().copied()).unwrap();
    assert_eq!(
        m.to_element_string(),
        "01095011015300031727123110LOT-7\u{1d}3012"
    );
    assert_eq!(
        m.to_bracketed(),
        "(01)09501101530003(17)271231(10)LOT-7(30)12"
    );
    assert_eq!(
        m.to_scan_data(Symbology::Gs1_128).unwrap(),
        "]C101095011015300031727123110LOT-7\u{1d}3012"
    );
    assert_eq!(
        m.to_digital_link(DEFAULT_DL_DOMAIN).unwrap(),
        "https://id.gs1.org/01/09501101530003/10/LOT-7?17=271231&30=12"
    );
    for form in [
        m.to_element_string(),
        m.to_bracketed(),
        m.to_scan_data(Symbology::Gs1DataMatrix).unwrap(),
    ] {
        assert_eq!(p(&form).unwrap().elements, m.elements, "{form:?}");
    }
}

#[test]
fn digital_link_details() {
    // Custom domain with a path prefix, a short GTIN, percent-encoding, unknown parameters.
    let m = p("https://brand.example/dl/01/09501101530003/10/A%2FB?17=271231&utm_source=x&linkType=gs1:pip").unwrap();
    assert_eq!(
        pairs(&m),
        vec![("01", "09501101530003"), ("10", "A/B"), ("17", "271231")]
    );
    assert_eq!(m.ignored, vec!["utm_source=x", "linkType=gs1:pip"]);
    assert_eq!(
        m.to_digital_link("https://brand.example/").unwrap(),
        "https://brand.example/01/09501101530003/10/A%2FB?17=271231"
    );
    let sscc = Message::from_elements([("00", "395011010000000019")]).unwrap();
    assert_eq!(
        sscc.to_digital_link(DEFAULT_DL_DOMAIN).unwrap(),
        "https://id.gs1.org/00/395011010000000019"
    );
    let no_key = Message::from_elements([("90", "INTERNAL-7")]).unwrap();
    assert!(
        no_key
            .to_digital_link(DEFAULT_DL_DOMAIN)
            .unwrap_err()
            .to_string()
            .contains("no primary key")
    );
    assert!(
        p("https://id.gs1.org/foo/bar")
            .unwrap_err()
            .to_string()
            .contains("no primary key")
    );
    assert!(
        p("https://id.gs1.org/01/09501101530003?21=S1")
            .unwrap_err()
            .to_string()
            .contains("cannot be a query attribute")
    );
}

#[test]
fn generators() {
    assert_eq!(check_digit("950110153000").unwrap(), 3);
    assert!(check_digit("12a").is_err());
    assert!(
        normalize_gtin("95011015")
            .unwrap_err()
            .to_string()
            .contains("check digit")
    );
    assert_eq!(normalize_gtin("9501101530003").unwrap(), "09501101530003");
    assert_eq!(normalize_gtin("036000291452").unwrap(), "00036000291452");
    assert!(normalize_gtin("12345").is_err());
    assert_eq!(make_sscc(3, "9501101", 1).unwrap(), "395011010000000019");
    assert!(make_sscc(0, "9501101", 1_000_000_000).is_err());
    assert!(make_sscc(10, "9501101", 1).is_err());
}

#[test]
fn typed_accessors() {
    let m = p("(01)09501101530003(17)270200(10)B(30)40").unwrap();
    assert_eq!(m.expiry(), NaiveDate::from_ymd_opt(2027, 2, 28));
    assert_eq!(m.quantity(), Some(40));
    assert_eq!(m.batch(), Some("B"));
    assert_eq!(
        yymmdd_date("991231", 2026),
        NaiveDate::from_ymd_opt(1999, 12, 31)
    );
    assert_eq!(
        yymmdd_date("751231", 2026),
        NaiveDate::from_ymd_opt(2075, 12, 31)
    );
    assert_eq!(yymmdd_date("280000", 2026), None);
}

#[test]
fn non_ascii_is_refused_not_a_panic() {
    for input in [
        "(10)ÄBC(01)09501101530003",
        "0109501101530é03",
        "10Ä",
        "]C1é",
    ] {
        assert!(p(input).is_err(), "{input}");
    }
}

/// Digital Link rules as GS1's syntax engine applies them (the cases issue 16 lists).
#[test]
fn digital_link_rules_of_the_engine() {
    let ok = |uri: &str| p(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    let refused = |uri: &str, why: &str| {
        let err = p(uri)
            .err()
            .unwrap_or_else(|| panic!("{uri} accepted"))
            .to_string();
        assert!(err.contains(why), "{uri}: {err}");
    };
    // A key AI that is a data attribute may sit in the query of another key.
    let m = ok("https://id.gs1.org/417/9521234000006?414=9521234000013");
    assert_eq!(
        pairs(&m),
        vec![("417", "9521234000006"), ("414", "9521234000013")]
    );
    for c in ["<", ">", "\"", " ", "{", "^", "`"] {
        refused(
            &format!("https://id.gs1.org/01/09501101530003/10/A{c}B"),
            "must be percent-encoded",
        );
    }
    refused("https://id.gs1.org/01/09501101530003?=x", "not a GS1 AI");
    refused("https://id.gs1.org/01/09501101530003?17=", "empty value");
    refused(
        "https://ex$ample.com/01/09501101530003",
        "no domain may have",
    );
    refused("https://id.gs1.org/01/9501101530003", "(01) is too short");
    refused(
        "https://id.gs1.org/01/09501101530003?99999=1",
        "not a GS1 AI",
    );
    refused("https://id.gs1.org/01/09501101530003?123=1", "not a GS1 AI");
    refused(
        "https://id.gs1.org/01/09501101530003?10=AB",
        "belongs in the path",
    );
    refused(
        "https://id.gs1.org/01/09501101530003/10/A?10=A",
        "appears twice",
    );
    refused(
        "https://id.gs1.org/01/09501101530003?17=271231&17=271231",
        "appears twice",
    );
    refused("HtTpS://id.gs1.org/01/09501101530003", "");
    refused("https://id.gs1.org/01/09501101530003/", "no primary key");
    refused("https://id.gs1.org/01/09501101530003/10/A%00", "NUL");
    // Non-AI parameters are ignored; a '%' without two hex digits is a literal '%'.
    let m = ok("HTTPS://ID.GS1.ORG/01/09501101530003/10/A%2?linkType=all&foo&17=271231#frag");
    assert_eq!(
        pairs(&m),
        vec![("01", "09501101530003"), ("10", "A%2"), ("17", "271231")]
    );
    assert_eq!(m.ignored, vec!["linkType=all", "foo"]);
    // The key is the last primary key of the path read from its end; before it is a prefix.
    let m = ok("https://example.com/00/006141411234567890/01/09501101530003");
    assert_eq!(pairs(&m), vec![("01", "09501101530003")]);
}

#[test]
fn digital_link_generation_follows_the_engine() {
    let m = Message::from_elements([
        ("01", "09501101530003"),
        ("10", "AB"),
        ("3103", "000195"),
        ("17", "271231"),
        ("21", "S/1"),
    ])
    .unwrap();
    // Fixed-length attributes first, in the order given; unreserved characters kept.
    assert_eq!(
        m.to_digital_link(DEFAULT_DL_DOMAIN).unwrap(),
        "https://id.gs1.org/01/09501101530003/10/AB/21/S%2F1?3103=000195&17=271231"
    );
}

#[test]
fn unsupported_symbology_identifiers_are_refused() {
    for input in [
        "]dB0109501101530003",
        "]C00109501101530003",
        "]e10109501101530003",
        "]X",
    ] {
        assert!(
            matches!(p(input), Err(Gs1Error::Symbology { .. })),
            "{input}: {:?}",
            p(input)
        );
    }
    // Plain-data symbologies carry GS1 only as a Digital Link URI.
    assert!(matches!(
        p("]Q1(01)09501101530003"),
        Err(Gs1Error::PlainData { .. })
    ));
    // EAN-13 / UPC-A is 13 digits after ]E0, EAN-8 is 8 after ]E4.
    assert!(p("]E095011015").is_err());
    assert_eq!(p("]E0036000291452").unwrap().gtin(), Some("00036000291452"));
    assert_eq!(p("]E40123456").err().map(|_| ()), Some(()));
    assert_eq!(p("]E495011011").unwrap().gtin(), Some("00000095011011"));
}

#[test]
fn company_prefix_coupon_and_code_list_linters() {
    let refused = |input: &str| assert!(p(input).is_err(), "{input} accepted");
    let ok = |input: &str| p(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    // gcppos1 / gcppos2: a minimal 4-digit GS1 Company Prefix must be there, as digits.
    refused("(401)AB12CD");
    refused("(401)12");
    ok("(401)1234AB");
    refused("(8010)123");
    // couponcode (8110): VLI-led fields, digits only.
    refused("(8110)ABCDEF");
    ok("(8110)001234567890115110123");
    refused("(8110)0012345678901151101237");
    // couponposoffer (8112).
    ok("(8112)000123456789010123456");
    refused("(8112)200123456789010123456");
    // packagetype (7041) and mediatype (7241) code lists.
    ok("(00)095011015300000003(7041)BX");
    refused("(00)095011015300000003(7041)QQQ");
    ok("(8018)950110153000000014(7241)80");
    refused("(8018)950110153000000014(7241)50");
    // CSET 64: '=' only pads the end.
    ok("(253)9501101530003X1(8030)AB=");
    refused("(253)9501101530003X1(8030)A=B");
    // A digital signature needs a serialised GDTI.
    refused("(253)9501101530003(8030)ABC");
    ok("(253)9501101530003X1(8030)ABC");
}

#[test]
fn the_digit_fast_path_of_linters_never_accepts_what_the_full_check_refuses() {
    use ai::Linter;
    let mut cases: Vec<String> = Vec::new();
    for yy in [0, 1, 4, 23, 24, 99] {
        for mm in 0..=13 {
            for dd in 0..=32 {
                cases.push(format!("{yy:02}{mm:02}{dd:02}"));
            }
        }
    }
    for n in 0..2000u64 {
        cases.push(format!("{:014}", n * 7_919_031));
        cases.push(format!("{:05}", n));
    }
    cases.extend(["", "1", "12", "123", "1234", "12345"].map(String::from));
    for v in &cases {
        for linter in [
            Linter::Csum,
            Linter::GcpPos1,
            Linter::GcpPos2,
            Linter::Yymmd0,
            Linter::Yymmdd,
        ] {
            let full = lint::check(linter, v).is_ok();
            let fast = lint::digits_pass(linter, v.as_bytes());
            assert!(!fast || full, "{linter:?} {v}");
            if matches!(linter, Linter::Yymmd0 | Linter::Yymmdd | Linter::Csum) {
                assert_eq!(fast, full, "{linter:?} {v}");
            }
        }
    }
}

#[test]
fn a_non_ascii_character_is_the_fault_named_first_wherever_it_sits() {
    // Across a component boundary (253: 13 digits, then CSET 82), in a fixed-length value
    // that is also too short, and after a character-set fault.
    for (input, ch) in [
        ("(253)123456789012é4", 'é'),
        ("(253)12345678901€", '€'),
        ("(11)26é1", 'é'),
        ("(10)A B€", '€'),
        ("(01)0950110153000ü", 'ü'),
    ] {
        match p(input) {
            Err(Gs1Error::BadCharacter { ch: found, .. }) => assert_eq!(found, ch, "{input}"),
            other => panic!("{input}: {other:?}"),
        }
    }
}
