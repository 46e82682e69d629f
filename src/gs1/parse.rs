//! Parsing of raw element strings, bracketed HRI and AIM-prefixed scan data; value validation
//! and AI association rules. Digital Link URIs are in `digital_link`.

use std::borrow::Cow;

use super::ai::{self, AiDef, Cset};
use super::{
    Element, Gs1Error, Message, ParseOptions, Symbology, Value, digital_link, generate, lint,
};

const GS_BYTE: u8 = 0x1d;

pub(super) fn parse(input: &str, opts: &ParseOptions) -> Result<Message, Gs1Error> {
    // Trailing CR/LF from scanners configured with a suffix.
    let mut end = input.len();
    while end > 0 && matches!(input.as_bytes()[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    let trimmed = &input[..end];
    let data: Cow<str> = match opts.gs_substitute {
        Some(sub) if trimmed.contains(sub) => Cow::Owned(trimmed.replace(sub, "\u{1d}")),
        _ => Cow::Borrowed(trimmed),
    };
    // A raw element string notes its AIs' table positions as it reads them.
    let mut known = Present::new();
    let msg = if data.starts_with(']') {
        scan_data(&data, &mut known)?
    } else {
        by_form(&data, 0, &mut known)?
    };
    if known.complete {
        finish_with(&msg, opts, Some(&known))?;
    } else {
        finish_with(&msg, opts, Present::of(&msg.elements).as_ref())?;
    }
    Ok(msg)
}

/// What the data behind an AIM symbology identifier is.
enum AimData {
    /// GS1 element string (FNC1 in first position).
    Gs1(Symbology),
    /// EAN-13 / UPC-A (13 digits; 12 accepted for UPC-A) or EAN-8 (8 digits): a GTIN.
    Ean(usize),
    /// Plain data; GS1 only as a Digital Link URI.
    Plain,
}

/// The identifiers GS1's syntax engine reads (ISO/IEC 15424 for the GS1 carriers): others
/// (`]C0`, `]dB`, `]e1` …) are refused, not guessed at.
fn aim_data(id: &[u8]) -> Option<AimData> {
    Some(match id {
        b"C1" => AimData::Gs1(Symbology::Gs1_128),
        b"d2" => AimData::Gs1(Symbology::Gs1DataMatrix),
        b"Q3" => AimData::Gs1(Symbology::Gs1Qr),
        b"e0" => AimData::Gs1(Symbology::Gs1DataBar),
        b"J1" => AimData::Gs1(Symbology::Gs1DotCode),
        b"E0" => AimData::Ean(13),
        b"E4" => AimData::Ean(8),
        b"d1" | b"Q1" | b"J0" => AimData::Plain,
        _ => return None,
    })
}

/// Scan data: an AIM symbology identifier (a doubled one is absorbed), then its data.
fn scan_data(data: &str, known: &mut Present) -> Result<Message, Gs1Error> {
    let b = data.as_bytes();
    let Some(id) = b.get(1..3).filter(|_| b.len() >= 3) else {
        return Err(Gs1Error::Symbology {
            id: data.to_string(),
            problem: "is cut short: an AIM identifier is ']' and two characters",
        });
    };
    let Some(kind) = aim_data(id) else {
        return Err(Gs1Error::Symbology {
            id: String::from_utf8_lossy(&b[..3]).into_owned(),
            problem: "is not a symbology that carries GS1 data",
        });
    };
    let mut start = 3;
    while b[start..].starts_with(&b[..3]) {
        start += 3;
    }
    let body = &data[start..];
    match kind {
        AimData::Gs1(sym) => {
            let mut m = raw(body, start, known)?;
            m.symbology = Some(sym);
            Ok(m)
        }
        AimData::Ean(len) => {
            // ISO/IEC 15420 sends UPC-A as 13 digits (a leading 0); some decoders (rxing, so
            // Lotline's camera source) send its 12: read as the same GTIN.
            let upc_a = len == 13 && body.len() == 12;
            if (body.len() != len && !upc_a) || !body.bytes().all(|c| c.is_ascii_digit()) {
                return Err(Gs1Error::Content {
                    ai: "01",
                    pos: start + 1,
                    problem: format!("an EAN/UPC scan ({}) carries {len} digits", &data[..3]),
                    expected: None,
                });
            }
            ean(body, start)
        }
        AimData::Plain if is_digital_link(body) => {
            let mut m = digital_link::parse(body)?;
            m.symbology = Some(Symbology::DigitalLink);
            Ok(m)
        }
        AimData::Plain => Err(Gs1Error::PlainData {
            id: data[..3].to_string(),
        }),
    }
}

/// A Digital Link URI starts with one of the schemes GS1's engine reads: `https://` or
/// `http://`, all lower or all upper case.
fn is_digital_link(body: &str) -> bool {
    ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .any(|s| body.starts_with(s))
}

fn by_form(body: &str, start: usize, known: &mut Present) -> Result<Message, Gs1Error> {
    if is_digital_link(body) {
        let mut m = digital_link::parse(body)?;
        m.symbology = Some(Symbology::DigitalLink);
        return Ok(m);
    }
    if body.starts_with('(') {
        let mut m = bracketed(body, start)?;
        m.symbology = Some(Symbology::Bracketed);
        return Ok(m);
    }
    // A bare EAN-13 / UPC-A / EAN-8 from a scanner that sends no identifier. All-digit data of
    // those lengths with a valid check digit is read as a GTIN, not as an internal AI (9n).
    if matches!(body.len(), 8 | 12 | 13)
        && body.bytes().all(|b| b.is_ascii_digit())
        && let Ok(m) = ean(body, start)
    {
        return Ok(m);
    }
    let mut m = raw(body, start, known)?;
    m.symbology = Some(Symbology::Unknown);
    Ok(m)
}

fn ean(body: &str, start: usize) -> Result<Message, Gs1Error> {
    let gtin = generate::normalize_gtin(body).map_err(|e| match e {
        Gs1Error::Content {
            problem, expected, ..
        } => Gs1Error::Content {
            ai: "01",
            pos: start + body.len(),
            problem,
            expected,
        },
        other => other,
    })?;
    Ok(Message {
        symbology: Some(Symbology::Ean),
        elements: vec![Element {
            ai: "01",
            value: gtin.into(),
        }],
        ignored: Vec::new(),
    })
}

/// A raw element string: AIs and values, GS after variable-length values.
/// `known` receives the AIs' table positions, and is `complete` when there were few enough.
/// Inlined into the two callers: out of line, its `Message` came back through memory and the
/// caller's copy of it, in wider loads than raw's stores, stalled on store-to-load forwarding
/// (perf: a tenth of a parse).
#[inline(always)]
fn raw(body: &str, start: usize, known: &mut Present) -> Result<Message, Gs1Error> {
    let b = body.as_bytes();
    let mut fits = true;
    // Five elements (GTIN, expiry, weight, batch, serial) are common: one allocation.
    let mut elements = Vec::with_capacity(8);
    let mut pos = 0;
    while pos < b.len() {
        // A leading GS, a GS after a fixed-length value, or a doubled GS carry no data.
        if b[pos] == GS_BYTE {
            pos += 1;
            continue;
        }
        let Some(def) = ai::lookup_prefix(&b[pos..]) else {
            return Err(unknown_ai(body, pos, start));
        };
        let vstart = pos + def.ai.len();
        let vend = if def.fixed_length {
            (vstart + def.max_len()).min(b.len())
        } else {
            b[vstart..]
                .iter()
                .position(|&c| c == GS_BYTE)
                .map_or(b.len(), |i| vstart + i)
        };
        let Some(value) = body.get(vstart..vend) else {
            return Err(non_ascii(def, body, vstart, start));
        };
        validate_value(def, value, start + vstart + 1)?;
        fits &= known.add(ai::position(def));
        elements.push(Element {
            ai: def.ai,
            value: Value::within(body, vstart, vend),
        });
        pos = vend;
    }
    if elements.is_empty() {
        return Err(Gs1Error::Empty);
    }
    known.complete = fits;
    Ok(Message {
        symbology: None,
        elements,
        ignored: Vec::new(),
    })
}

fn unknown_ai(body: &str, pos: usize, start: usize) -> Gs1Error {
    let rest = &body[pos..];
    let digits: String = rest
        .chars()
        .take_while(char::is_ascii_digit)
        .take(4)
        .collect();
    if digits.len() < 2 {
        Gs1Error::ExpectedAi {
            pos: start + pos + 1,
            found: rest.chars().take(4).collect(),
        }
    } else {
        Gs1Error::UnknownAi {
            ai: digits,
            pos: start + pos + 1,
        }
    }
}

fn non_ascii(def: &'static AiDef, body: &str, vstart: usize, start: usize) -> Gs1Error {
    let (i, ch) = body
        .char_indices()
        .find(|(i, c)| *i >= vstart.saturating_sub(3) && !c.is_ascii())
        .unwrap_or((vstart, '?'));
    Gs1Error::BadCharacter {
        ai: def.ai,
        pos: start + i + 1,
        ch,
        cset: def.components[0].cset.name(),
    }
}

/// Bracketed HRI: `(01)09501101530003(10)ABC`; `\(` is a literal parenthesis in a value.
fn bracketed(body: &str, start: usize) -> Result<Message, Gs1Error> {
    let b = body.as_bytes();
    let mut elements = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        if b[pos] != b'(' {
            return Err(Gs1Error::Bracketed {
                pos: start + pos + 1,
                problem: "expected '(' to open an AI".into(),
            });
        }
        let close = b[pos..]
            .iter()
            .position(|&c| c == b')')
            .map(|i| pos + i)
            .ok_or_else(|| Gs1Error::Bracketed {
                pos: start + pos + 1,
                problem: "'(' without ')'".into(),
            })?;
        let ai_text = &body[pos + 1..close];
        let def = ai::lookup(ai_text).ok_or_else(|| {
            if ai_text.len() >= 2
                && ai_text.len() <= 4
                && ai_text.bytes().all(|c| c.is_ascii_digit())
            {
                Gs1Error::UnknownAi {
                    ai: ai_text.to_string(),
                    pos: start + pos + 2,
                }
            } else {
                Gs1Error::Bracketed {
                    pos: start + pos + 2,
                    problem: format!("{ai_text:?} is not an AI"),
                }
            }
        })?;
        let vstart = close + 1;
        let mut value = String::new();
        let mut i = vstart;
        while i < b.len() && b[i] != b'(' {
            if b[i] == b'\\' && b.get(i + 1) == Some(&b'(') {
                value.push('(');
                i += 2;
                continue;
            }
            let ch = body[i..].chars().next().expect("in bounds");
            value.push(ch);
            i += ch.len_utf8();
        }
        validate_value(def, &value, start + vstart + 1)?;
        elements.push(Element {
            ai: def.ai,
            value: value.into(),
        });
        pos = i;
    }
    if elements.is_empty() {
        return Err(Gs1Error::Empty);
    }
    Ok(Message {
        symbology: None,
        elements,
        ignored: Vec::new(),
    })
}

/// Checks one value against its AI: length, each component's character set and linters.
/// `pos` is the 1-based input position of the value's first character.
#[inline]
pub(super) fn validate_value(def: &'static AiDef, value: &str, pos: usize) -> Result<(), Gs1Error> {
    // A non-ASCII character is the fault named first. Every character set refuses those bytes,
    // so a value that passes is ASCII: the test is only needed once a check has failed.
    check_value(def, value, pos).map_err(|e| match non_ascii_char(def, value, pos) {
        Some(first) => first,
        None => e,
    })
}

#[cold]
fn non_ascii_char(def: &'static AiDef, value: &str, pos: usize) -> Option<Gs1Error> {
    let (i, ch) = value.char_indices().find(|(_, c)| !c.is_ascii())?;
    Some(Gs1Error::BadCharacter {
        ai: def.ai,
        pos: pos + i,
        ch,
        cset: def.components[0].cset.name(),
    })
}

#[inline]
fn check_value(def: &'static AiDef, value: &str, pos: usize) -> Result<(), Gs1Error> {
    let len = value.len();
    let (min_len, max_len) = (def.min_len(), def.max_len());
    if len < min_len {
        return Err(Gs1Error::TooShort {
            ai: def.ai,
            pos,
            len,
            min: min_len,
        });
    }
    if len > max_len {
        let hint = if def.fixed_length {
            ""
        } else {
            "; is a GS separator missing after it?"
        };
        return Err(Gs1Error::TooLong {
            ai: def.ai,
            pos,
            len,
            max: max_len,
            hint,
        });
    }
    let b = value.as_bytes();
    let mut offset = 0;
    for comp in def.components {
        let remaining = len - offset;
        if remaining == 0 {
            if comp.optional {
                break;
            }
            return Err(Gs1Error::TooShort {
                ai: def.ai,
                pos,
                len,
                min: min_len,
            });
        }
        let take = if comp.min == comp.max {
            comp.max as usize
        } else {
            remaining.min(comp.max as usize)
        };
        if take > remaining {
            return Err(Gs1Error::TooShort {
                ai: def.ai,
                pos,
                len,
                min: offset + take,
            });
        }
        if let Some(i) = comp.cset.first_disallowed(&b[offset..offset + take]) {
            return Err(Gs1Error::BadCharacter {
                ai: def.ai,
                pos: pos + offset + i,
                ch: b[offset + i] as char,
                cset: comp.cset.name(),
            });
        }
        // ASCII now (every set is), so these are character boundaries.
        let part = &value[offset..offset + take];
        if comp.cset == Cset::Cset64 {
            check_cset64_padding(def, part, pos + offset)?;
        }
        let digits = comp.cset == Cset::Numeric;
        for &linter in comp.linters {
            if digits && lint::digits_pass(linter, part.as_bytes()) {
                continue;
            }
            lint::check(linter, part).map_err(|f| Gs1Error::Content {
                ai: def.ai,
                pos: pos + offset + f.offset,
                problem: f.problem,
                expected: f.expected,
            })?;
        }
        offset += take;
    }
    if offset < len {
        return Err(Gs1Error::TooLong {
            ai: def.ai,
            pos,
            len,
            max: offset,
            hint: "",
        });
    }
    Ok(())
}

/// CSET 64 is base64url: `=` only as padding at the end, at most two, and only when the
/// component's length is a multiple of three (the engine's rule).
fn check_cset64_padding(def: &'static AiDef, part: &str, pos: usize) -> Result<(), Gs1Error> {
    let b = part.as_bytes();
    let pads = b.iter().rev().take_while(|&&c| c == b'=').count();
    let data = b.len() - pads;
    if let Some(i) = b[..data].iter().position(|&c| c == b'=') {
        return Err(Gs1Error::Content {
            ai: def.ai,
            pos: pos + i,
            problem: "has '=' before the end: in CSET 64 it only pads the end".into(),
            expected: None,
        });
    }
    if pads > 2 || (pads > 0 && !b.len().is_multiple_of(3)) {
        return Err(Gs1Error::Content {
            ai: def.ai,
            pos: pos + data,
            problem: format!(
                "has {pads} '=' padding characters where a length of {} allows none",
                b.len()
            ),
            expected: None,
        });
    }
    Ok(())
}

/// Message-level rules: the same AI twice with different values is refused (the same value is
/// kept twice, as GS1's engine keeps it: data of several symbols of one label), then the
/// associations and the digital signature's serialised keys.
pub(super) fn finish(msg: &mut Message, opts: &ParseOptions) -> Result<(), Gs1Error> {
    finish_with(msg, opts, Present::of(&msg.elements).as_ref())
}

/// [`finish`] given the message's AIs as a bit set over the table (`None`: not known, or too
/// many): an AI seen twice is the only case the pairwise duplicate check has to look at, and
/// the association rules test bits.
fn finish_with(
    msg: &Message,
    opts: &ParseOptions,
    present: Option<&Present>,
) -> Result<(), Gs1Error> {
    let elements = &msg.elements;
    if present.is_none_or(|p| p.repeated) {
        check_duplicates(elements)?;
    }
    match present {
        Some(p) => {
            if !p.associations_hold(opts.skip_requisites) {
                check_associations(elements, opts.skip_requisites)?;
            }
            if p.has(rules().signature) {
                check_signed_keys_are_serialised(elements)?;
            }
            Ok(())
        }
        None => {
            check_associations(elements, opts.skip_requisites)?;
            check_signed_keys_are_serialised(elements)
        }
    }
}

fn check_duplicates(elements: &[Element]) -> Result<(), Gs1Error> {
    for (i, e) in elements.iter().enumerate() {
        if let Some(first) = elements[..i].iter().find(|s| ai::same(s.ai, e.ai))
            && first.value != e.value
        {
            return Err(Gs1Error::Duplicate {
                ai: e.ai,
                first: first.value.to_string(),
                second: e.value.to_string(),
            });
        }
    }
    Ok(())
}

/// Bit words covering the AI table.
const WORDS: usize = ai::AI_COUNT.div_ceil(64);
/// Messages with more elements than this take the pattern scans.
const MAX_FAST: usize = 16;

/// A set of AI table positions as (word, bits) pairs: the rules name few AIs, so a test reads
/// one or two words.
type Mask = Box<[(u8, u64)]>;

/// One AI's association rules as masks over the table, computed once: its excluded AIs, and
/// per requirement every AI that meets it (`None` when an alternative needs several AIs
/// together: those take the pattern scans). The AI itself is left out of its masks, as it
/// never satisfies or breaks its own rule.
struct AiRules {
    excludes: Mask,
    requires: Option<Box<[Mask]>>,
}

struct Rules {
    per_ai: Vec<AiRules>,
    /// 8030, the digital signature.
    signature: usize,
}

fn rules() -> &'static Rules {
    static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let all = ai::all();
        let mask = |own: &str, patterns: &mut dyn Iterator<Item = &str>| -> Mask {
            let mut words = [0u64; WORDS];
            for p in patterns {
                for (i, d) in all.iter().enumerate() {
                    if !ai::same(d.ai, own) && ai::matches_pattern(d.ai, p) {
                        words[i / 64] |= 1 << (i % 64);
                    }
                }
            }
            (0..WORDS)
                .filter(|&w| words[w] != 0)
                .map(|w| (w as u8, words[w]))
                .collect()
        };
        let per_ai = all
            .iter()
            .map(|d| AiRules {
                excludes: mask(d.ai, &mut d.excludes.iter().copied()),
                requires: d
                    .requires
                    .iter()
                    .map(|req| {
                        req.iter()
                            .all(|alt| alt.len() == 1)
                            .then(|| mask(d.ai, &mut req.iter().map(|alt| alt[0])))
                    })
                    .collect(),
            })
            .collect();
        Rules {
            per_ai,
            signature: ai::index_of("8030").expect("8030 is in the table"),
        }
    })
}

/// The table positions of a message's AIs.
struct Present {
    words: [u64; WORDS],
    index: [u16; MAX_FAST],
    len: usize,
    /// Some AI occurs more than once.
    repeated: bool,
    /// Every AI of the message is noted.
    complete: bool,
}

impl Present {
    /// `None` when the message is too long or carries an AI outside the table.
    #[inline]
    fn of(elements: &[Element]) -> Option<Present> {
        let mut p = Present::new();
        for e in elements {
            if !p.add(ai::index_of(e.ai)?) {
                return None;
            }
        }
        p.complete = true;
        Some(p)
    }

    #[inline]
    fn new() -> Present {
        Present {
            words: [0; WORDS],
            index: [0; MAX_FAST],
            len: 0,
            repeated: false,
            complete: false,
        }
    }

    /// Notes the AI at table position `i`; false when the set is full.
    #[inline]
    fn add(&mut self, i: usize) -> bool {
        if self.len == MAX_FAST {
            return false;
        }
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        self.repeated |= self.words[w] & bit != 0;
        self.words[w] |= bit;
        self.index[self.len] = i as u16;
        self.len += 1;
        true
    }

    #[inline]
    fn has(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    fn hits(&self, mask: &[(u8, u64)]) -> bool {
        mask.iter().any(|&(w, b)| self.words[w as usize] & b != 0)
    }

    /// True when every association rule holds; false when one may not (the pattern scans then
    /// decide, and name the rule).
    #[inline]
    fn associations_hold(&self, skip_requisites: bool) -> bool {
        let rules = &rules().per_ai;
        self.index[..self.len].iter().all(|&i| {
            let r = &rules[i as usize];
            !self.hits(&r.excludes)
                && (skip_requisites
                    || r.requires
                        .as_ref()
                        .is_some_and(|reqs| reqs.iter().all(|m| self.hits(m))))
        })
    }
}

/// With a digital signature (8030), a GDTI (253), GCN (255) or GRAI (8003) must carry its
/// serial component (be longer than its shortest form).
fn check_signed_keys_are_serialised(elements: &[Element]) -> Result<(), Gs1Error> {
    if !elements.iter().any(|e| ai::same(e.ai, "8030")) {
        return Ok(());
    }
    for e in elements {
        if matches!(e.ai, "253" | "255" | "8003")
            && ai::lookup(e.ai).is_some_and(|d| e.value.len() == d.min_len())
        {
            return Err(Gs1Error::SerialNeededForSignature { ai: e.ai });
        }
    }
    Ok(())
}

pub(super) fn check_associations(
    elements: &[Element],
    skip_requisites: bool,
) -> Result<(), Gs1Error> {
    for e in elements {
        // An AI never satisfies or breaks its own rule, even through a pattern such as 310n.
        let present = |pattern: &str| {
            elements
                .iter()
                .any(|o| !ai::same(o.ai, e.ai) && ai::matches_pattern(o.ai, pattern))
        };
        let Some(def) = ai::lookup(e.ai) else {
            continue;
        };
        for pattern in def.excludes {
            // An AI is not exclusive of itself even if it matches a pattern.
            if let Some(other) = elements
                .iter()
                .find(|o| !ai::same(o.ai, e.ai) && ai::matches_pattern(o.ai, pattern))
            {
                return Err(Gs1Error::Exclusive {
                    ai: e.ai,
                    other: other.ai,
                });
            }
        }
        if skip_requisites {
            continue;
        }
        for requirement in def.requires {
            if !requirement.iter().any(|alt| alt.iter().all(|p| present(p))) {
                let needs = requirement
                    .iter()
                    .map(|alt| {
                        alt.iter()
                            .map(|p| format!("({p})"))
                            .collect::<Vec<_>>()
                            .join(" + ")
                    })
                    .collect::<Vec<_>>()
                    .join(" or ");
                return Err(Gs1Error::MissingPartner { ai: e.ai, needs });
            }
        }
    }
    Ok(())
}
