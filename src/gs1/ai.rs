//! The Application Identifier table's types and lookup. The table itself is
//! [`ai_table`](super::ai_table), written by `scripts/gen-ai-table.py` from the GS1 Barcode
//! Syntax Dictionary's facts.

use std::sync::OnceLock;

use super::ai_table::AIS;

/// One AI: what its value looks like and how it relates to other AIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiDef {
    pub ai: &'static str,
    pub title: &'static str,
    /// Predefined length: no FNC1 separator needed after it (`*` in the dictionary).
    pub fixed_length: bool,
    /// May appear as a GS1 Digital Link query attribute (`?`).
    pub dl_attribute: bool,
    /// The value's parts, applied in order.
    pub components: &'static [Component],
    /// Each entry must be met: one of its alternatives (a set of AI patterns) must be present.
    pub requires: &'static [&'static [&'static [&'static str]]],
    /// None of these AI patterns may be present.
    pub excludes: &'static [&'static str],
    /// Digital Link primary key, with its alternative ordered qualifier sequences.
    pub dl_primary_key: Option<&'static [&'static [&'static str]]>,
}

/// One part of an AI's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    /// May be left out when the data is exhausted.
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// Character sets of GS1 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits.
    Numeric,
    /// GS1 AI encodable character set 82.
    Cset82,
    /// GS1 AI encodable character set 39.
    Cset39,
    /// GS1 AI encodable character set 64 (base64url with `=` padding).
    Cset64,
}

impl Cset {
    pub fn name(self) -> &'static str {
        match self {
            Cset::Numeric => "digits",
            Cset::Cset82 => "GS1 CSET 82",
            Cset::Cset39 => "GS1 CSET 39",
            Cset::Cset64 => "GS1 CSET 64",
        }
    }

    /// The index of the first byte of `part` outside the set. The set is matched once, not per
    /// byte.
    #[inline]
    pub fn first_disallowed(self, part: &[u8]) -> Option<usize> {
        match self {
            Cset::Numeric if all_digits(part) => None,
            Cset::Numeric => part.iter().position(|c| !c.is_ascii_digit()),
            Cset::Cset82 => part.iter().position(|&c| !CSET82[c as usize]),
            Cset::Cset39 | Cset::Cset64 => part.iter().position(|&c| !self.allows(c)),
        }
    }

    #[inline]
    pub fn allows(self, b: u8) -> bool {
        match self {
            Cset::Numeric => b.is_ascii_digit(),
            Cset::Cset82 => CSET82[b as usize],
            Cset::Cset39 => matches!(b, b'#' | b'-' | b'/' | b'0'..=b'9' | b'A'..=b'Z'),
            Cset::Cset64 => {
                matches!(b, b'-' | b'_' | b'=' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
            }
        }
    }
}

/// Whether every byte is an ASCII digit, eight at a time: a byte is a digit when its high
/// nibble is 3 and adding 6 to it does not carry out of the low nibble.
#[inline]
pub(crate) fn all_digits(b: &[u8]) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if x & HIGH != THREES || (x.wrapping_add(SIXES)) & HIGH != THREES {
            return false;
        }
    }
    chunks.remainder().iter().all(u8::is_ascii_digit)
}

/// CSET 82 membership by byte: `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`.
static CSET82: [bool; 256] = {
    let mut t = [false; 256];
    let allowed =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    let mut i = 0;
    while i < allowed.len() {
        t[allowed[i] as usize] = true;
        i += 1;
    }
    t
};

/// Content checks named by the dictionary (reference "linter" procedures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    Csum,
    CsumAlpha,
    GcpPos1,
    GcpPos2,
    Yymmd0,
    Yymmdd,
    Yyyymmdd,
    Hh,
    Mi,
    Ss,
    Hhmi,
    NonZero,
    Zero,
    YesNo,
    Iso3166,
    Iso3166Or999,
    Iso3166Alpha2,
    Iso4217,
    Iso5218,
    PercentEncoded,
    Hyphen,
    PieceOfTotal,
    Winding,
    PosInSeqSlash,
    PackageType,
    NoZeroPrefix,
    MediaType,
    Latitude,
    Longitude,
    ImporterIdx,
    Iban,
    HasNonDigit,
    CouponPosOffer,
    CouponCode,
}

impl Linter {
    /// The linter's name in the GS1 Barcode Syntax Dictionary.
    pub fn dictionary_name(self) -> &'static str {
        match self {
            Linter::Csum => "csum",
            Linter::CsumAlpha => "csumalpha",
            Linter::GcpPos1 => "gcppos1",
            Linter::GcpPos2 => "gcppos2",
            Linter::Yymmd0 => "yymmd0",
            Linter::Yymmdd => "yymmdd",
            Linter::Yyyymmdd => "yyyymmdd",
            Linter::Hh => "hh",
            Linter::Mi => "mi",
            Linter::Ss => "ss",
            Linter::Hhmi => "hhmi",
            Linter::NonZero => "nonzero",
            Linter::Zero => "zero",
            Linter::YesNo => "yesno",
            Linter::Iso3166 => "iso3166",
            Linter::Iso3166Or999 => "iso3166999",
            Linter::Iso3166Alpha2 => "iso3166alpha2",
            Linter::Iso4217 => "iso4217",
            Linter::Iso5218 => "iso5218",
            Linter::PercentEncoded => "pcenc",
            Linter::Hyphen => "hyphen",
            Linter::PieceOfTotal => "pieceoftotal",
            Linter::Winding => "winding",
            Linter::PosInSeqSlash => "posinseqslash",
            Linter::PackageType => "packagetype",
            Linter::NoZeroPrefix => "nozeroprefix",
            Linter::MediaType => "mediatype",
            Linter::Latitude => "latitude",
            Linter::Longitude => "longitude",
            Linter::ImporterIdx => "importeridx",
            Linter::Iban => "iban",
            Linter::HasNonDigit => "hasnondigit",
            Linter::CouponPosOffer => "couponposoffer",
            Linter::CouponCode => "couponcode",
        }
    }
}

impl AiDef {
    /// Longest value the AI takes.
    #[inline]
    pub fn max_len(&self) -> usize {
        if let [c] = self.components {
            return c.max as usize;
        }
        self.components.iter().map(|c| c.max as usize).sum()
    }

    /// Shortest value: the mandatory components at their minimum.
    #[inline]
    pub fn min_len(&self) -> usize {
        if let [c] = self.components {
            return if c.optional { 0 } else { c.min as usize };
        }
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.min as usize)
            .sum()
    }
}

/// Index of the AI table by (length, numeric value): 2-, 3- and 4-digit AIs share no prefix,
/// so the first length that hits is the AI.
#[inline]
fn index() -> &'static [u16] {
    static INDEX: OnceLock<Vec<u16>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut idx = vec![u16::MAX; 100 + 1000 + 10000];
        for (i, def) in AIS.iter().enumerate() {
            idx[slot(def.ai.as_bytes()).expect("table AIs are 2-4 digits")] = i as u16;
        }
        idx
    })
}

#[inline]
fn slot(digits: &[u8]) -> Option<usize> {
    let base = match digits.len() {
        2 => 0,
        3 => 100,
        4 => 1100,
        _ => return None,
    };
    let mut n = 0usize;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as usize;
    }
    Some(base + n)
}

/// The definition of exactly this AI.
#[inline]
pub fn lookup(ai: &str) -> Option<&'static AiDef> {
    index_of(ai).map(|i| &AIS[i])
}

/// The position of a table entry in [`all`].
#[inline]
pub(crate) fn position(def: &'static AiDef) -> usize {
    (def as *const AiDef as usize - AIS.as_ptr() as usize) / std::mem::size_of::<AiDef>()
}

/// The position of exactly this AI in [`all`].
#[inline]
pub(crate) fn index_of(ai: &str) -> Option<usize> {
    let i = *index().get(slot(ai.as_bytes())?)?;
    (i != u16::MAX).then_some(i as usize)
}

/// The AI at the start of `data` (2 to 4 digits), if any.
#[inline]
pub fn lookup_prefix(data: &[u8]) -> Option<&'static AiDef> {
    let idx = index();
    for len in 2..=4.min(data.len()) {
        if let Some(s) = slot(&data[..len]) {
            let i = idx[s];
            if i != u16::MAX {
                return Some(&AIS[i as usize]);
            }
        } else {
            return None;
        }
    }
    None
}

/// Whether `ai` matches a dictionary pattern such as `01`, `310n` or `35nn`.
#[inline]
pub fn matches_pattern(ai: &str, pattern: &str) -> bool {
    let (a, p) = (ai.as_bytes(), pattern.as_bytes());
    if a.len() != p.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if p[i] != b'n' && p[i] != a[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two AIs are the same: a byte loop over their 2 to 4 digits, cheaper on the hot path
/// than `==`, which calls `memcmp` for strings of unknown length.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// How many AIs the table holds.
pub(crate) const AI_COUNT: usize = AIS.len();

/// Every AI definition.
pub fn all() -> &'static [AiDef] {
    AIS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_ais_of_every_length_and_nothing_else() {
        assert_eq!(lookup("01").unwrap().title, "GTIN");
        assert_eq!(lookup("3103").unwrap().ai, "3103");
        assert_eq!(lookup("8006").unwrap().ai, "8006");
        assert!(lookup("04").is_none());
        assert!(lookup("0").is_none());
        assert_eq!(lookup_prefix(b"10ABC").unwrap().ai, "10");
        assert_eq!(lookup_prefix(b"2351234").unwrap().ai, "235");
        assert!(lookup_prefix(b"9").is_none());
        for (i, d) in all().iter().enumerate() {
            assert_eq!(position(lookup(d.ai).unwrap()), i);
            assert_eq!(index_of(d.ai), Some(i));
        }
    }

    #[test]
    fn all_digits_matches_the_bytewise_test() {
        for len in 0..20 {
            let digits = b"01234567890123456789";
            assert!(all_digits(&digits[..len]));
            for at in 0..len {
                for bad in [b'/', b':', b'@', b'\x00', b'\xB0', b'\xF9', b'?', b' '] {
                    let mut v = digits[..len].to_vec();
                    v[at] = bad;
                    assert!(!all_digits(&v), "{v:?}");
                }
            }
        }
        for b in 0..=255u8 {
            assert_eq!(all_digits(&[b; 9]), b.is_ascii_digit(), "{b}");
        }
    }

    #[test]
    fn patterns_use_n_for_any_digit() {
        assert!(matches_pattern("3103", "310n"));
        assert!(!matches_pattern("3113", "310n"));
        assert!(matches_pattern("3500", "35nn"));
    }

    #[test]
    fn no_ai_is_a_prefix_of_another() {
        for a in all() {
            for b in all() {
                assert!(
                    a.ai == b.ai || !b.ai.starts_with(a.ai),
                    "{} / {}",
                    a.ai,
                    b.ai
                );
            }
        }
    }
}
