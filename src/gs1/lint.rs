//! Content checks of AI components, named as the GS1 Barcode Syntax Dictionary names them, with
//! the rules GS1's reference implementation (the GS1 Barcode Syntax Engine) applies. Each check
//! stands alone (it checks its own characters, never panics on any input) and returns the rule
//! broken, in words a user can act on.
//!
//! `gcppos1`/`gcppos2` check what can be known without GS1's live company prefix lookup, as the
//! engine does without one: the component holds at least a minimal (4-digit) GS1 Company Prefix
//! and those positions are digits.

use super::ai::Linter;
use super::ai_table::{ISO3166_ALPHA2, ISO3166_NUMERIC, ISO4217_NUMERIC};

/// A failed check: what is wrong, and at which offset within the component (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFailure {
    pub offset: usize,
    pub problem: String,
    /// For check digits: the right one.
    pub expected: Option<String>,
}

fn fail(offset: usize, problem: impl Into<String>) -> Result<(), LintFailure> {
    Err(LintFailure {
        offset,
        problem: problem.into(),
        expected: None,
    })
}

/// The shortest GS1 Company Prefix: four digits.
const GCP_MIN_LEN: usize = 4;

/// For a part its component's character set has already found to be all digits: true when
/// `linter` surely accepts it, without re-checking the digits. False means "run [`check`]",
/// which decides and names the fault (and is the only path for the other linters).
#[inline]
pub(crate) fn digits_pass(linter: Linter, b: &[u8]) -> bool {
    match linter {
        Linter::Csum => match b.split_last() {
            Some((&last, body)) => mod10(body) == last.wrapping_sub(b'0'),
            None => false,
        },
        Linter::GcpPos1 => b.len() >= GCP_MIN_LEN,
        Linter::GcpPos2 => b.len() >= 2 && b.len() > GCP_MIN_LEN,
        Linter::Yymmd0 | Linter::Yymmdd => {
            if b.len() != 6 {
                return false;
            }
            let two = |i: usize| ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u64;
            let (yy, mm, dd) = (two(0), two(2), two(4));
            (1..=12).contains(&mm)
                && ((dd == 0 && linter == Linter::Yymmd0)
                    || (dd != 0 && dd <= days_in_month(yy, mm)))
        }
        _ => false,
    }
}

#[inline]
pub fn check(linter: Linter, v: &str) -> Result<(), LintFailure> {
    let b = v.as_bytes();
    match linter {
        Linter::Csum => csum(b),
        Linter::CsumAlpha => csum_alpha(v),
        Linter::GcpPos1 => gcp(b, 0),
        Linter::GcpPos2 => {
            if b.len() < 2 {
                return fail(0, "is too short to hold a GS1 Company Prefix");
            }
            gcp(&b[1..], 1)
        }
        Linter::Yymmd0 => date(b, 0, true),
        Linter::Yymmdd => date(b, 0, false),
        Linter::Yyyymmdd => date8(b),
        Linter::Hh => exact_digits(b, 2, "an hour HH").and_then(|_| range(b, 0, 2, 0, 23, "hour")),
        Linter::Mi | Linter::Ss => {
            let what = if linter == Linter::Mi {
                "minute"
            } else {
                "second"
            };
            exact_digits(b, 2, what).and_then(|_| range(b, 0, 2, 0, 59, what))
        }
        Linter::Hhmi => exact_digits(b, 4, "a time HHMI")
            .and_then(|_| range(b, 0, 2, 0, 23, "hour"))
            .and_then(|_| range(b, 2, 2, 0, 59, "minute")),
        Linter::NonZero => {
            digits(b)?;
            if b.iter().all(|&c| c == b'0') {
                return fail(0, "must not be zero");
            }
            Ok(())
        }
        Linter::Zero => {
            if b.is_empty() || b.iter().any(|&c| c != b'0') {
                return fail(0, "must be zero");
            }
            Ok(())
        }
        Linter::YesNo => one_of(v, &["0", "1"], "must be 0 (no) or 1 (yes)"),
        Linter::Iso3166 => listed(v, ISO3166_NUMERIC, "is not an ISO 3166 country code"),
        Linter::Iso3166Or999 => {
            if v == "999" {
                return Ok(());
            }
            listed(
                v,
                ISO3166_NUMERIC,
                "is not an ISO 3166 country code (or 999)",
            )
        }
        Linter::Iso3166Alpha2 => {
            listed(v, ISO3166_ALPHA2, "is not an ISO 3166 alpha-2 country code")
        }
        Linter::Iso4217 => listed(v, ISO4217_NUMERIC, "is not an ISO 4217 currency code"),
        Linter::Iso5218 => one_of(
            v,
            &["0", "1", "2", "9"],
            "is not an ISO 5218 sex code (0, 1, 2, 9)",
        ),
        Linter::PercentEncoded => {
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' {
                    if i + 2 >= b.len()
                        || !b[i + 1].is_ascii_hexdigit()
                        || !b[i + 2].is_ascii_hexdigit()
                    {
                        return fail(i, "'%' must be followed by two hex digits");
                    }
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Ok(())
        }
        Linter::Hyphen => {
            if b.is_empty() || b.iter().any(|&c| c != b'-') {
                return fail(0, "must be '-'");
            }
            Ok(())
        }
        Linter::PieceOfTotal => piece_of_total(b),
        Linter::Winding => one_of(v, &["0", "1", "9"], "winding must be 0, 1 or 9"),
        Linter::PosInSeqSlash => pos_in_seq(v),
        Linter::PackageType => {
            if PACKAGE_TYPES.binary_search(&v).is_err() {
                return fail(0, format!("{v:?} is not a GS1 package type code"));
            }
            Ok(())
        }
        Linter::NoZeroPrefix => {
            if b.first() == Some(&b'0') {
                return fail(0, "must not start with 0");
            }
            digits(b)
        }
        Linter::MediaType => {
            // ICCBBA assignments 01-10 and local/national use 80-99; the rest is reserved.
            let ok = b.len() == 2
                && b.iter().all(u8::is_ascii_digit)
                && matches!(number(b), 1..=10 | 80..=99);
            if !ok {
                return fail(0, format!("{v:?} is not an AIDC media type (01-10, 80-99)"));
            }
            Ok(())
        }
        Linter::Latitude => {
            exact_digits(b, 10, "a latitude")?;
            range(b, 0, 10, 0, 1_800_000_000, "latitude")
        }
        Linter::Longitude => {
            exact_digits(b, 10, "a longitude")?;
            range(b, 0, 10, 0, 3_600_000_000, "longitude")
        }
        Linter::ImporterIdx => {
            if b.len() != 1 || !(b[0].is_ascii_alphanumeric() || b[0] == b'-' || b[0] == b'_') {
                return fail(0, "importer index must be one of 0-9 A-Z a-z - _");
            }
            Ok(())
        }
        Linter::Iban => iban(v),
        Linter::HasNonDigit => {
            if b.iter().all(u8::is_ascii_digit) {
                return fail(0, "must contain a character that is not a digit");
            }
            Ok(())
        }
        Linter::CouponPosOffer => coupon::pos_offer(b),
        Linter::CouponCode => coupon::code(b),
    }
}

/// GS1 mod-10 check digit of `digits` (weights 3, 1, 3 … from the right).
#[inline]
pub fn mod10(digits: &[u8]) -> u8 {
    // Two digits a step from the right: the right one weighs 3, the left one 1.
    let mut sum = 0u32;
    let mut rest = digits;
    while let [head @ .., left, right] = rest {
        sum += 3 * (right - b'0') as u32 + (left - b'0') as u32;
        rest = head;
    }
    if let [first] = rest {
        sum += 3 * (first - b'0') as u32;
    }
    ((10 - sum % 10) % 10) as u8
}

fn number(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10)
            .saturating_add(d.wrapping_sub(b'0') as u64)
    })
}

/// Every character a digit.
fn digits(b: &[u8]) -> Result<(), LintFailure> {
    match b.iter().position(|c| !c.is_ascii_digit()) {
        Some(i) => fail(i, "must be digits"),
        None => Ok(()),
    }
}

/// Exactly `len` digits.
fn exact_digits(b: &[u8], len: usize, what: &str) -> Result<(), LintFailure> {
    if b.len() != len {
        return fail(0, format!("{what} needs {len} digits"));
    }
    digits(b)
}

#[inline]
fn csum(b: &[u8]) -> Result<(), LintFailure> {
    if b.is_empty() {
        return fail(0, "is too short to carry a check digit");
    }
    digits(b)?;
    let expected = mod10(&b[..b.len() - 1]);
    let found = b[b.len() - 1] - b'0';
    if found != expected {
        return Err(LintFailure {
            offset: b.len() - 1,
            problem: format!("check digit is {found}, expected {expected}"),
            expected: Some(expected.to_string()),
        });
    }
    Ok(())
}

/// A GS1 Company Prefix at `base`: at least its minimal length, and digits there.
#[inline]
fn gcp(b: &[u8], base: usize) -> Result<(), LintFailure> {
    if b.len() < GCP_MIN_LEN {
        return fail(
            base,
            format!("is shorter than the shortest GS1 Company Prefix ({GCP_MIN_LEN} digits)"),
        );
    }
    match b[..GCP_MIN_LEN].iter().position(|c| !c.is_ascii_digit()) {
        Some(i) => fail(
            base + i,
            "is not a GS1 Company Prefix: it must start with digits",
        ),
        None => Ok(()),
    }
}

fn range(b: &[u8], at: usize, len: usize, lo: u64, hi: u64, what: &str) -> Result<(), LintFailure> {
    let Some(part) = b.get(at..at + len) else {
        return fail(at, format!("{what} is missing"));
    };
    if !part.iter().all(u8::is_ascii_digit) {
        return fail(at, format!("{what} must be digits"));
    }
    let n = number(part);
    if n < lo || n > hi {
        return fail(at, format!("{n:0len$} is not a valid {what} ({lo}-{hi})"));
    }
    Ok(())
}

fn one_of(v: &str, allowed: &[&str], problem: &str) -> Result<(), LintFailure> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        fail(0, format!("{v:?} {problem}"))
    }
}

fn listed(v: &str, list: &[&str], problem: &str) -> Result<(), LintFailure> {
    if list.binary_search(&v).is_ok() {
        Ok(())
    } else {
        fail(0, format!("{v} {problem}"))
    }
}

/// YYMMDD; `day_zero` allows DD = 00 (meaning the last day of the month).
#[inline]
fn date(b: &[u8], base: usize, day_zero: bool) -> Result<(), LintFailure> {
    if b.len() != 6 {
        return fail(base, "a date needs 6 digits YYMMDD");
    }
    digits(b)?;
    let (yy, mm, dd) = (number(&b[0..2]), number(&b[2..4]), number(&b[4..6]));
    if !(1..=12).contains(&mm) {
        return fail(base + 2, format!("month {mm:02} is not a month"));
    }
    if dd == 0 && day_zero {
        return Ok(());
    }
    // Within GS1's century window every two-digit year divisible by 4 is a leap year (00 is 2000).
    let last = days_in_month(yy, mm);
    if dd == 0 || dd > last {
        return fail(
            base + 4,
            format!("day {dd:02} does not exist in month {mm:02} (it has {last} days)"),
        );
    }
    Ok(())
}

/// YYYYMMDD with the full Gregorian leap-year rule; day 00 is refused.
fn date8(b: &[u8]) -> Result<(), LintFailure> {
    exact_digits(b, 8, "a date YYYYMMDD")?;
    let (year, mm, dd) = (number(&b[0..4]), number(&b[4..6]), number(&b[6..8]));
    if !(1..=12).contains(&mm) {
        return fail(4, format!("month {mm:02} is not a month"));
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let last = match mm {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if dd == 0 || dd > last {
        return fail(
            6,
            format!("day {dd:02} does not exist in month {mm:02} of {year} (it has {last} days)"),
        );
    }
    Ok(())
}

/// Days in month `mm` of two-digit year `yy`.
pub fn days_in_month(yy: u64, mm: u64) -> u64 {
    match mm {
        2 if yy.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Piece number then total, each half of the digits: neither zero, the piece not above the total.
fn piece_of_total(b: &[u8]) -> Result<(), LintFailure> {
    digits(b)?;
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return fail(0, "piece and total need the same number of digits");
    }
    let (piece, total) = b.split_at(b.len() / 2);
    if piece.iter().all(|&c| c == b'0') {
        return fail(0, "piece number must not be zero");
    }
    if total.iter().all(|&c| c == b'0') {
        return fail(piece.len(), "total must not be zero");
    }
    if piece > total {
        return fail(
            0,
            format!(
                "piece {} of total {} is not a piece of the total",
                number(piece),
                number(total)
            ),
        );
    }
    Ok(())
}

/// `position/end`, both digits without a leading zero, the position not past the end.
fn pos_in_seq(v: &str) -> Result<(), LintFailure> {
    let malformed = || fail(0, "must be position/total with digits, e.g. 1/3");
    let Some((pos, end)) = v.split_once('/') else {
        return malformed();
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits_only(pos) || !digits_only(end) {
        return malformed();
    }
    if pos.starts_with('0') {
        return fail(0, "position must not start with 0");
    }
    if end.starts_with('0') {
        return fail(pos.len() + 1, "total must not start with 0");
    }
    if (pos.len(), pos) > (end.len(), end) {
        return fail(0, format!("position {pos} of {end} is out of the sequence"));
    }
    Ok(())
}

/// The alphanumeric check character pair (GS1 General Specifications 7.9.5): CSET 82 values
/// weighted by primes from the right, sum mod 1021, written as two CSET 32 characters. The
/// prime weights cover 97 characters before the pair.
fn csum_alpha(v: &str) -> Result<(), LintFailure> {
    const CSET82: &[u8] =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    const MAX_DATA: usize = 97;
    let b = v.as_bytes();
    if b.len() < 2 {
        return fail(0, "too short to carry the two check characters");
    }
    let data = &b[..b.len() - 2];
    if data.len() > MAX_DATA {
        return fail(0, "too long for the check character pair");
    }
    let primes = primes(data.len());
    let mut sum = 0usize;
    for (i, c) in data.iter().rev().enumerate() {
        let Some(value) = CSET82.iter().position(|x| x == c) else {
            return fail(data.len() - 1 - i, "character outside GS1 CSET 82");
        };
        sum += value * primes[i];
    }
    sum %= 1021;
    let expected = [CSET32[sum >> 5], CSET32[sum & 31]];
    if b[b.len() - 2..] != expected {
        let expected = String::from_utf8_lossy(&expected).into_owned();
        return Err(LintFailure {
            offset: b.len() - 2,
            problem: format!(
                "check characters are {}, expected {expected}",
                String::from_utf8_lossy(&b[b.len() - 2..])
            ),
            expected: Some(expected),
        });
    }
    Ok(())
}

fn primes(n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    let mut k = 2;
    while out.len() < n {
        if (2..k).take_while(|d| d * d <= k).all(|d| k % d != 0) {
            out.push(k);
        }
        k += 1;
    }
    out
}

/// ISO 13616 IBAN: a country code, then check digits and account; 11 to 34 digits and capital
/// letters; mod 97 = 1.
fn iban(v: &str) -> Result<(), LintFailure> {
    let b = v.as_bytes();
    if b.len() < 4 {
        return fail(0, "is too short for an IBAN");
    }
    if ISO3166_ALPHA2.binary_search(&&v[..2]).is_err() {
        return fail(0, format!("{:?} is not an IBAN country code", &v[..2]));
    }
    if b.len() > 34 {
        return fail(0, "is too long for an IBAN (at most 34 characters)");
    }
    if b.len() <= 10 {
        return fail(0, "is too short for an IBAN");
    }
    let mut rem = 0u32;
    for (i, &c) in b[4..].iter().chain(&b[..4]).enumerate() {
        let value = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => {
                return fail(
                    (i + 4) % b.len(),
                    "IBANs use digits and capital letters only",
                );
            }
        };
        rem = if value >= 10 {
            (rem * 100 + value) % 97
        } else {
            (rem * 10 + value) % 97
        };
    }
    if rem != 1 {
        return fail(2, "IBAN check digits do not match");
    }
    Ok(())
}

/// North American coupon data (AIs 8110 and 8112), field by field as the GS1 US coupon
/// guideline lays them out: each variable-length field follows a length indicator (VLI).
mod coupon {
    use super::{LintFailure, fail, gcp};

    /// A cursor over the coupon's digits.
    struct Fields<'a> {
        b: &'a [u8],
        at: usize,
    }

    impl<'a> Fields<'a> {
        fn at_end(&self) -> bool {
            self.at >= self.b.len()
        }

        /// The next single digit; `allowed` says which.
        fn digit(&mut self, what: &str, allowed: &[u8]) -> Result<u8, LintFailure> {
            let Some(&d) = self.b.get(self.at) else {
                return Err(missing(self.at, what));
            };
            if !allowed.contains(&d) {
                return Err(bad(
                    self.at,
                    format!("{what} {:?} is not allowed", d as char),
                ));
            }
            self.at += 1;
            Ok(d - b'0')
        }

        /// The next `n` digits.
        fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LintFailure> {
            if self.b.len() - self.at < n {
                return Err(bad(
                    self.at,
                    format!("{what} is cut short: {n} digits needed"),
                ));
            }
            self.at += n;
            Ok(&self.b[self.at - n..self.at])
        }

        /// A VLI digit in `allowed`, then `add + vli` digits (none when the VLI is `9` and
        /// `nine_is_none`).
        fn vli_field(
            &mut self,
            what: &str,
            allowed: &[u8],
            add: usize,
            nine_is_none: bool,
        ) -> Result<&'a [u8], LintFailure> {
            let vli = self.digit(&format!("{what} length"), allowed)? as usize;
            let n = if nine_is_none && vli == 9 {
                0
            } else {
                vli + add
            };
            self.take(n, what)
        }

        fn gcp_field(&mut self, what: &str, allowed: &[u8]) -> Result<(), LintFailure> {
            let start = self.at + 1;
            let field = self.vli_field(what, allowed, 6, true)?;
            if !field.is_empty() {
                gcp(field, start)?;
            }
            Ok(())
        }

        /// Purchase requirement, its code and the family code.
        fn purchase(&mut self, nth: &str) -> Result<(), LintFailure> {
            self.vli_field(&format!("{nth} purchase requirement"), b"12345", 0, false)?;
            self.digit(&format!("{nth} purchase requirement code"), b"012349")?;
            self.take(3, &format!("{nth} purchase family code"))?;
            Ok(())
        }

        /// An optional field starts with its indicator digit.
        fn optional(&mut self, indicator: u8) -> bool {
            if self.b.get(self.at) == Some(&indicator) {
                self.at += 1;
                true
            } else {
                false
            }
        }
    }

    fn missing(at: usize, what: &str) -> LintFailure {
        LintFailure {
            offset: at,
            problem: format!("coupon: {what} is missing"),
            expected: None,
        }
    }

    fn bad(at: usize, problem: String) -> LintFailure {
        LintFailure {
            offset: at,
            problem: format!("coupon: {problem}"),
            expected: None,
        }
    }

    fn all_digits(b: &[u8]) -> Result<(), LintFailure> {
        match b.iter().position(|c| !c.is_ascii_digit()) {
            Some(i) => fail(i, "coupon data must be digits"),
            None => Ok(()),
        }
    }

    /// AI (8110): the coupon code.
    pub(super) fn code(b: &[u8]) -> Result<(), LintFailure> {
        all_digits(b)?;
        let mut f = Fields { b, at: 0 };
        f.gcp_field("company prefix", b"0123456")?;
        f.take(6, "offer code")?;
        f.vli_field("save value", b"12345", 0, false)?;
        f.purchase("1st")?;
        if f.optional(b'1') {
            f.digit("additional purchase rules code", b"0123")?;
            f.purchase("2nd")?;
            f.gcp_field("2nd purchase company prefix", b"01234569")?;
        }
        if f.optional(b'2') {
            f.purchase("3rd")?;
            f.gcp_field("3rd purchase company prefix", b"01234569")?;
        }
        let mut expiry = None;
        if f.optional(b'3') {
            let at = f.at;
            let d = f.take(6, "expiration date")?;
            if super::date(d, at, false).is_err() {
                return Err(bad(at, "expiration date is not a date YYMMDD".into()));
            }
            expiry = Some(d);
        }
        if f.optional(b'4') {
            let at = f.at;
            let d = f.take(6, "start date")?;
            if super::date(d, at, false).is_err() {
                return Err(bad(at, "start date is not a date YYMMDD".into()));
            }
            if expiry.is_some_and(|e| d > e) {
                return Err(bad(
                    at,
                    "the expiration date is before the start date".into(),
                ));
            }
        }
        if f.optional(b'5') {
            f.vli_field("serial number", b"0123456789", 6, false)?;
        }
        if f.optional(b'6') {
            let start = f.at + 1;
            let field = f.vli_field("retailer company prefix or GLN", b"1234567", 6, false)?;
            gcp(field, start)?;
        }
        if f.optional(b'9') {
            f.digit("save value code", b"01256")?;
            f.digit("save value applies to item", b"012")?;
            f.digit("store coupon flag", b"0123456789")?;
            f.digit("don't multiply flag", b"01")?;
        }
        if !f.at_end() {
            return Err(bad(f.at, "data after the last field".into()));
        }
        Ok(())
    }

    /// AI (8112): the paperless coupon's offer identification.
    pub(super) fn pos_offer(b: &[u8]) -> Result<(), LintFailure> {
        all_digits(b)?;
        let mut f = Fields { b, at: 0 };
        f.digit("format code", b"01")?;
        f.vli_field("funder ID", b"0123456", 6, false)?;
        f.take(6, "offer code")?;
        f.vli_field("serial number", b"0123456789", 6, false)?;
        if !f.at_end() {
            return Err(bad(f.at, "data after the serial number".into()));
        }
        Ok(())
    }
}

/// GS1 package type codes (AI 7041): UN/ECE Recommendation 21 codes and GS1's additions,
/// as the GS1 code list gives them. Sorted (byte order) for binary search.
static PACKAGE_TYPES: &[&str] = &[
    "1A", "1B", "1D", "1F", "1G", "1W", "200", "201", "202", "203", "204", "205", "206", "210",
    "211", "212", "2C", "3A", "3H", "43", "44", "4A", "4B", "4C", "4D", "4F", "4G", "4H", "5H",
    "5L", "5M", "6H", "6P", "7A", "7B", "8", "8A", "8B", "8C", "9", "AA", "AB", "AC", "AD", "AF",
    "AG", "AH", "AI", "AJ", "AL", "AM", "AP", "APE", "AT", "AV", "B4", "BB", "BC", "BD", "BE",
    "BF", "BG", "BGE", "BH", "BI", "BJ", "BK", "BL", "BM", "BME", "BN", "BO", "BP", "BQ", "BR",
    "BRI", "BS", "BT", "BU", "BV", "BW", "BX", "BY", "BZ", "CA", "CB", "CBL", "CC", "CCE", "CD",
    "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CQ", "CR", "CS", "CT",
    "CU", "CV", "CW", "CX", "CY", "CZ", "DA", "DB", "DC", "DG", "DH", "DI", "DJ", "DK", "DL", "DM",
    "DN", "DP", "DPE", "DR", "DS", "DT", "DU", "DV", "DW", "DX", "DY", "E1", "E2", "E3", "EC",
    "ED", "EE", "EF", "EG", "EH", "EI", "EN", "FB", "FC", "FD", "FE", "FI", "FL", "FO", "FOB",
    "FP", "FPE", "FR", "FT", "FW", "FX", "GB", "GI", "GL", "GR", "GU", "GY", "GZ", "HA", "HB",
    "HC", "HG", "HN", "HR", "IA", "IB", "IC", "ID", "IE", "IF", "IG", "IH", "IK", "IL", "IN", "IZ",
    "JB", "JC", "JG", "JR", "JT", "JY", "KG", "KI", "LAB", "LE", "LG", "LT", "LU", "LV", "LZ",
    "MA", "MB", "MC", "ME", "MPE", "MR", "MS", "MT", "MW", "MX", "NA", "NE", "NF", "NG", "NS",
    "NT", "NU", "NV", "OA", "OB", "OC", "OD", "OE", "OF", "OK", "OPE", "OT", "OU", "P2", "PA",
    "PAE", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PJ", "PK", "PL", "PLP", "PN", "PO",
    "POP", "PP", "PPE", "PR", "PT", "PU", "PUE", "PV", "PX", "PY", "PZ", "QA", "QB", "QC", "QD",
    "QF", "QG", "QH", "QJ", "QK", "QL", "QM", "QN", "QP", "QQ", "QR", "QS", "RB1", "RB2", "RB3",
    "RCB", "RD", "RG", "RJ", "RK", "RL", "RO", "RT", "RZ", "S1", "SA", "SB", "SC", "SD", "SE",
    "SEC", "SH", "SI", "SK", "SL", "SM", "SO", "SP", "SS", "ST", "STL", "SU", "SV", "SW", "SX",
    "SY", "SZ", "T1", "TB", "TC", "TD", "TE", "TEV", "TG", "THE", "TI", "TK", "TL", "TN", "TO",
    "TR", "TRE", "TS", "TT", "TTE", "TU", "TV", "TW", "TWE", "TY", "TZ", "UC", "UN", "UUE", "VA",
    "VG", "VI", "VK", "VL", "VN", "VO", "VP", "VQ", "VR", "VS", "VY", "WA", "WB", "WC", "WD", "WF",
    "WG", "WH", "WJ", "WK", "WL", "WM", "WN", "WP", "WQ", "WR", "WRP", "WS", "WT", "WU", "WV",
    "WW", "WX", "WY", "WZ", "X11", "X12", "X15", "X16", "X17", "X18", "X19", "X20", "X3", "XA",
    "XB", "XC", "XD", "XF", "XG", "XH", "XJ", "XK", "YA", "YB", "YC", "YD", "YF", "YG", "YH", "YJ",
    "YK", "YL", "YM", "YN", "YP", "YQ", "YR", "YS", "YT", "YV", "YW", "YX", "YY", "YZ", "ZA", "ZB",
    "ZC", "ZD", "ZF", "ZG", "ZH", "ZJ", "ZK", "ZL", "ZM", "ZN", "ZP", "ZQ", "ZR", "ZS", "ZT", "ZU",
    "ZV", "ZW", "ZX", "ZY", "ZZ",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod10_matches_known_gtins_and_ssccs() {
        assert_eq!(mod10(b"0950110153000"), 3);
        assert_eq!(mod10(b"37610425002123456"), 9);
        assert!(check(Linter::Csum, "09501101530003").is_ok());
        let err = check(Linter::Csum, "09501101530004").unwrap_err();
        assert_eq!(
            (err.problem.as_str(), err.expected.as_deref()),
            ("check digit is 4, expected 3", Some("3"))
        );
    }

    #[test]
    fn dates_follow_the_calendar_and_day_zero_only_where_allowed() {
        assert!(check(Linter::Yymmd0, "271200").is_ok());
        assert!(check(Linter::Yymmdd, "271200").is_err());
        assert_eq!(
            check(Linter::Yymmdd, "271301").unwrap_err().problem,
            "month 13 is not a month"
        );
        assert!(check(Linter::Yymmdd, "280229").is_ok());
        assert!(
            check(Linter::Yymmdd, "270229")
                .unwrap_err()
                .problem
                .contains("28 days")
        );
        assert!(check(Linter::Yymmdd, "270431").is_err());
        assert!(check(Linter::Yyyymmdd, "20270430").is_ok());
    }

    #[test]
    fn alphanumeric_check_pair_matches_the_gs1_example() {
        // GS1 General Specifications example GMN.
        assert!(check(Linter::CsumAlpha, "1987654Ad4X4bL5ttr2310c2K").is_ok());
        let err = check(Linter::CsumAlpha, "1987654Ad4X4bL5ttr2310c2L").unwrap_err();
        assert_eq!(err.expected.as_deref(), Some("2K"));
    }

    #[test]
    fn code_lists_and_small_rules() {
        assert!(check(Linter::Iso3166, "826").is_ok());
        assert!(check(Linter::Iso3166, "999").is_err());
        assert!(check(Linter::Iso3166Or999, "999").is_ok());
        assert!(check(Linter::Iso4217, "978").is_ok());
        assert!(check(Linter::Iban, "GB82WEST12345698765432").is_ok());
        assert!(check(Linter::Iban, "GB83WEST12345698765432").is_err());
        assert!(check(Linter::PercentEncoded, "a%2Fb").is_ok());
        assert!(check(Linter::PercentEncoded, "a%2").is_err());
        assert!(check(Linter::PieceOfTotal, "0102").is_ok());
        assert!(check(Linter::PieceOfTotal, "0302").is_err());
        assert!(check(Linter::PosInSeqSlash, "2/3").is_ok());
        assert!(check(Linter::PosInSeqSlash, "4/3").is_err());
        assert!(check(Linter::Hhmi, "2359").is_ok());
        assert!(check(Linter::Hhmi, "2460").is_err());
        assert!(check(Linter::NonZero, "000").is_err());
    }
}
