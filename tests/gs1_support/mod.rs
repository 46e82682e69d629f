//! Generated GS1 inputs for the differential run against GS1's syntax engine and for the
//! mutation fuzzer: every AI of the dictionary with valid and broken values, in bracketed, raw,
//! AIM scan data (]C1 ]d2 ]Q3 ]J1 ]e0 and others) and Digital Link form, then mutated.

#![allow(dead_code)]

use lotline::gs1::{self, AiDef, DEFAULT_DL_DOMAIN, Message, ParseOptions, ai::Cset, ai::Linter};

/// A small deterministic generator (xorshift64*), so a run is repeatable from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET39: &[u8] = b"#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CSET64: &[u8] = b"-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn chars(rng: &mut Rng, set: &[u8], n: usize) -> String {
    (0..n).map(|_| *rng.pick(set) as char).collect()
}

fn digits(rng: &mut Rng, n: usize) -> String {
    chars(rng, b"0123456789", n)
}

fn with_check_digit(body: &str) -> String {
    format!("{body}{}", gs1::check_digit(body).expect("digits"))
}

fn yymmdd(rng: &mut Rng, day_zero: bool) -> String {
    let mm = 1 + rng.below(12);
    let dd = if day_zero && rng.chance(20) {
        0
    } else {
        1 + rng.below(28)
    };
    format!("{:02}{mm:02}{dd:02}", rng.below(100))
}

/// A value for one component that passes its linters (most of the time: some linters are
/// only approximated, which the engine then judges).
fn component(rng: &mut Rng, c: &gs1::ai::Component, len: usize) -> String {
    let linters = c.linters;
    let has = |l: Linter| linters.contains(&l);
    if has(Linter::Csum) {
        let mut body = digits(rng, len.saturating_sub(1));
        if has(Linter::GcpPos2) && !body.is_empty() {
            body.replace_range(..1, &rng.below(10).to_string());
        }
        return with_check_digit(&body);
    }
    if has(Linter::Yymmd0) || has(Linter::Yymmdd) {
        return yymmdd(rng, has(Linter::Yymmd0));
    }
    if has(Linter::Yyyymmdd) {
        return format!("{}{}", 19 + rng.below(2), &yymmdd(rng, false));
    }
    if has(Linter::Hhmi) {
        return format!("{:02}{:02}", rng.below(24), rng.below(60));
    }
    if has(Linter::Hh) {
        return format!("{:02}", rng.below(24));
    }
    if has(Linter::Mi) || has(Linter::Ss) {
        return format!("{:02}", rng.below(60));
    }
    if has(Linter::Iso3166) || has(Linter::Iso3166Or999) {
        return rng
            .pick(&["826", "276", "250", "840", "999", "756", "528"])
            .to_string();
    }
    if has(Linter::Iso3166Alpha2) {
        return rng.pick(&["GB", "DE", "FR", "US", "NL", "XX"]).to_string();
    }
    if has(Linter::Iso4217) {
        return rng.pick(&["978", "826", "840", "756", "191"]).to_string();
    }
    if has(Linter::Iso5218) {
        return rng.pick(&["0", "1", "2", "9"]).to_string();
    }
    if has(Linter::YesNo) {
        return rng.pick(&["0", "1"]).to_string();
    }
    if has(Linter::Winding) {
        return rng.pick(&["0", "1", "9"]).to_string();
    }
    if has(Linter::Zero) {
        return "0".repeat(len);
    }
    if has(Linter::Hyphen) {
        return "-".repeat(len);
    }
    if has(Linter::PieceOfTotal) {
        let total = 1 + rng.below(99);
        return format!("{:02}{total:02}", 1 + rng.below(total));
    }
    if has(Linter::PosInSeqSlash) {
        return rng.pick(&["1/3", "2/2", "1/9", "3/4"]).to_string();
    }
    if has(Linter::PackageType) {
        return rng.pick(&["BX", "PX", "AE", "CT", "X11", "8"]).to_string();
    }
    if has(Linter::MediaType) {
        return rng.pick(&["01", "05", "10", "80", "99"]).to_string();
    }
    if has(Linter::Latitude) {
        return format!("{:010}", rng.below(1_800_000_001));
    }
    if has(Linter::Longitude) {
        return format!("{:010}", rng.below(3_600_000_001));
    }
    if has(Linter::ImporterIdx) {
        return chars(rng, b"-_0123456789ABCxyz", 1);
    }
    if has(Linter::Iban) {
        return rng
            .pick(&[
                "GB82WEST12345698765432",
                "DE89370400440532013000",
                "NL91ABNA0417164300",
            ])
            .to_string();
    }
    if has(Linter::CsumAlpha) {
        return rng
            .pick(&[
                "1987654Ad4X4bL5ttr2310c2K",
                "12345678901234567890122",
                "95012345BMC3",
            ])
            .to_string();
    }
    if has(Linter::CouponCode) {
        return rng
            .pick(&[
                "0012345678901234567890123",
                "101234567123456112340001",
                "60012345012345100000",
            ])
            .to_string();
    }
    if has(Linter::CouponPosOffer) {
        return rng
            .pick(&["00012345612345612345678", "1012345678901123456789012"])
            .to_string();
    }
    if has(Linter::NoZeroPrefix) {
        return format!("{}{}", 1 + rng.below(9), digits(rng, len.saturating_sub(1)));
    }
    if has(Linter::PercentEncoded) && rng.chance(30) {
        let mut v = chars(rng, CSET82, len.saturating_sub(3));
        v.push_str("%2F");
        return v;
    }
    let mut v = match c.cset {
        Cset::Numeric => digits(rng, len),
        Cset::Cset82 => chars(rng, CSET82, len),
        Cset::Cset39 => chars(rng, CSET39, len),
        Cset::Cset64 => chars(rng, CSET64, len),
    };
    if (has(Linter::GcpPos1) || has(Linter::GcpPos2)) && len >= 5 {
        v.replace_range(..5, &digits(rng, 5));
    }
    if has(Linter::NonZero) && v.bytes().all(|b| b == b'0') {
        v.replace_range(..1, "1");
    }
    if has(Linter::HasNonDigit) && v.bytes().all(|b| b.is_ascii_digit()) {
        v.push('A');
    }
    v
}

/// A value for `def`, valid as far as the generator knows.
pub fn value(rng: &mut Rng, def: &AiDef) -> String {
    let mut v = String::new();
    for c in def.components {
        if c.optional && rng.chance(40) {
            break;
        }
        let len = if c.min == c.max {
            c.max as usize
        } else {
            c.min as usize + rng.below((c.max - c.min) as usize + 1)
        };
        v.push_str(&component(rng, c, len.max(1)));
    }
    v
}

/// An AI with its requirements (the first alternative of each), so many messages are valid.
pub fn message(rng: &mut Rng) -> Vec<(&'static str, String)> {
    let all = gs1::ai::all();
    let mut out: Vec<(&'static str, String)> = Vec::new();
    // Half the picks among the AIs with content rules or Digital Link roles, so the many
    // plain measurement AIs do not crowd out the linters.
    let interesting: Vec<&'static AiDef> = all
        .iter()
        .filter(|d| {
            d.dl_primary_key.is_some()
                || d.components.iter().any(|c| {
                    c.linters.iter().any(|l| !matches!(l, Linter::Csum)) || c.cset != Cset::Numeric
                })
        })
        .collect();
    let picks = 1 + rng.below(3);
    for _ in 0..picks {
        let def = if rng.chance(50) {
            *rng.pick(&interesting)
        } else {
            rng.pick(all)
        };
        add_with_requirements(rng, def, &mut out, 0);
    }
    if rng.chance(5) && !out.is_empty() {
        // The same AI again, same value or not.
        let (ai, v) = out[rng.below(out.len())].clone();
        let v = if rng.chance(50) { v } else { mutate(rng, &v) };
        out.push((ai, v));
    }
    out
}

fn add_with_requirements(
    rng: &mut Rng,
    def: &'static AiDef,
    out: &mut Vec<(&'static str, String)>,
    depth: usize,
) {
    if out.iter().any(|(a, _)| *a == def.ai) || depth > 3 {
        return;
    }
    for requirement in def.requires {
        let alt = rng.pick(requirement);
        for pattern in alt.iter() {
            let concrete = pattern.replace('n', "0");
            if let Some(d) = gs1::lookup(&concrete) {
                add_with_requirements(rng, d, out, depth + 1);
            }
        }
    }
    out.push((def.ai, value(rng, def)));
}

fn bracketed(pairs: &[(&'static str, String)]) -> String {
    pairs
        .iter()
        .map(|(a, v)| format!("({a}){}", v.replace('(', "\\(")))
        .collect()
}

fn raw(pairs: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (i, (a, v)) in pairs.iter().enumerate() {
        out.push_str(a);
        out.push_str(v);
        let fixed = gs1::lookup(a).is_some_and(|d| d.fixed_length);
        if !fixed && i + 1 < pairs.len() {
            out.push(gs1::GS);
        }
    }
    out
}

const AIM_IDS: &[&str] = &["]C1", "]d2", "]Q3", "]J1", "]e0"];
const OTHER_IDS: &[&str] = &[
    "]C0", "]dB", "]Q1", "]d1", "]J0", "]E0", "]E4", "]e1", "]X0",
];

fn digital_link(rng: &mut Rng, pairs: &[(&'static str, String)]) -> String {
    let domain = *rng.pick(&[
        DEFAULT_DL_DOMAIN,
        "https://example.com",
        "http://a.example/prefix",
        "HTTPS://EXAMPLE.COM",
        "https://192.0.2.1:8080",
    ]);
    let elements: Vec<(&str, &str)> = pairs.iter().map(|(a, v)| (*a, v.as_str())).collect();
    // Lotline's own generator when it can; otherwise a hand-made path and query.
    if let Ok(m) = Message::from_elements(elements.clone())
        && let Ok(uri) = m.to_digital_link(domain)
        && rng.chance(70)
    {
        return uri;
    }
    let mut uri = domain.to_string();
    let mut query = Vec::new();
    for (i, (a, v)) in elements.iter().enumerate() {
        let enc = encode(v);
        if i == 0 || rng.chance(40) {
            uri.push_str(&format!("/{a}/{enc}"));
        } else {
            query.push(format!("{a}={enc}"));
        }
    }
    if rng.chance(25) {
        let extra = *rng.pick(&[
            "linkType=gs1:pip",
            "foo",
            "x=1",
            "=5",
            "99=1",
            "0=1",
            "17=",
            "&",
            "10=A+B",
            "414=9521234000013",
            "01=09501101530003",
            "7040=1A2B",
            "4300=A%20B",
            "22=%41",
            "3103=000195",
            "11=271200",
            "21=S%25",
            "8200=http%3A%2F%2Fx",
        ]);
        query.push(extra.to_string());
    }
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    if rng.chance(5) {
        let tails = ["#frag", "/", "//", "?", "#?17=271231"];
        let tail: &&str = rng.pick(&tails);
        uri.push_str(tail);
    }
    uri
}

fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Characters a mutation inserts or substitutes: data, syntax and a few a URI must encode.
const MUTATION: &[u8] = b"0123456789ABCXYZabz-_.~!\"%&'()*+,/:;<=>?#[]@$ `{}\\\x1d";

pub fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 if !b.is_empty() && at < b.len() => {
                b.remove(at);
            }
            1 if at < b.len() => b[at] = *rng.pick(MUTATION),
            2 if at < b.len() && b[at].is_ascii_digit() => {
                b[at] = b'0' + ((b[at] - b'0' + 1 + rng.below(9) as u8) % 10)
            }
            _ => b.insert(at, *rng.pick(MUTATION)),
        }
    }
    String::from_utf8(b).expect("ASCII")
}

/// One generated input in any form, valid or broken.
pub fn input(rng: &mut Rng) -> String {
    let pairs = message(rng);
    let form = match rng.below(10) {
        0 | 1 => bracketed(&pairs),
        2 => raw(&pairs),
        3..=5 => format!("{}{}", rng.pick(AIM_IDS), raw(&pairs)),
        6 => format!("{}{}", rng.pick(OTHER_IDS), {
            if rng.chance(50) {
                digital_link(rng, &pairs)
            } else {
                raw(&pairs)
            }
        }),
        _ => digital_link(rng, &pairs),
    };
    let form = if rng.chance(3) {
        // A field quirk Lotline absorbs: leading or doubled GS, doubled identifier.
        match rng.below(3) {
            0 => format!("\u{1d}{form}"),
            1 => form.replacen('\u{1d}', "\u{1d}\u{1d}", 1),
            _ if form.starts_with(']') => format!("{}{form}", &form[..3]),
            _ => form,
        }
    } else {
        form
    };
    if rng.chance(45) {
        mutate(rng, &form)
    } else {
        form
    }
}

/// Lotline's answer in the engine harness's shape: `OK\t(AI) value…`, `ERR`, or `PLAIN` for data
/// that is valid but not GS1 (the engine accepts it with no AIs).
pub fn lotline_answer(input: &str) -> String {
    match gs1::parse(input, &ParseOptions::default()) {
        Ok(m) if m.symbology == Some(gs1::Symbology::Ean) && input.starts_with("]E") => {
            "PLAIN".into()
        }
        Ok(m) => {
            let mut s = "OK".to_string();
            for e in &m.elements {
                s.push_str(&format!("\t({}) {}", e.ai, e.value));
            }
            s
        }
        Err(gs1::Gs1Error::PlainData { .. }) => "PLAIN".into(),
        Err(_) => "ERR".into(),
    }
}

/// The engine harness's line reduced to the same shape (its error message and DL dropped).
pub fn engine_answer(line: &str) -> String {
    if line.starts_with("ERR") {
        return "ERR".into();
    }
    let fields: Vec<&str> = line
        .split('\t')
        .filter(|f| !f.starts_with("DL=") && *f != "DL!")
        .collect();
    if fields == ["OK"] {
        return "PLAIN".into();
    }
    fields.join("\t")
}

/// Escapes an input for a one-line data file: `\\`, `\t`, `\x1d`.
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\u{1d}', "\\x1d")
}

pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&h, 16).expect("hex") as char);
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}
