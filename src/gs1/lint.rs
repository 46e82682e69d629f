//! Content checks of AI components, named as the GS1 Barcode Syntax Dictionary names them.
//! Each returns the rule broken, in words a user can act on.
//!
//! Not checked beyond the character set and length: `gcppos1`/`gcppos2` (needs GS1's company
//! prefix length table), `packagetype` and `mediatype` (code lists: format only),
//! `couponcode`/`couponposoffer` (North American coupon structure: digits only).

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

pub fn check(linter: Linter, v: &str) -> Result<(), LintFailure> {
    let b = v.as_bytes();
    match linter {
        Linter::Csum => {
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
        Linter::CsumAlpha => csum_alpha(v),
        Linter::GcpPos1 | Linter::GcpPos2 => Ok(()),
        Linter::Yymmd0 => date(b, 0, true),
        Linter::Yymmdd => date(b, 0, false),
        Linter::Yyyymmdd => {
            if b.len() != 8 {
                return fail(0, "a date needs 8 digits YYYYMMDD");
            }
            date(&b[2..], 2, false)
        }
        Linter::Hh => range(b, 0, 2, 0, 23, "hour"),
        Linter::Mi | Linter::Ss => range(
            b,
            0,
            2,
            0,
            59,
            if linter == Linter::Mi {
                "minute"
            } else {
                "second"
            },
        ),
        Linter::Hhmi => range(b, 0, 2, 0, 23, "hour").and_then(|_| range(b, 2, 2, 0, 59, "minute")),
        Linter::NonZero => {
            if b.iter().all(|&c| c == b'0') {
                return fail(0, "must not be zero");
            }
            Ok(())
        }
        Linter::Zero => {
            if b.iter().any(|&c| c != b'0') {
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
        Linter::Hyphen => one_of(v, &["-"], "must be '-'"),
        Linter::PieceOfTotal => {
            let (piece, total) = b.split_at(b.len() / 2);
            let (p, t) = (number(piece), number(total));
            if p == 0 || t == 0 || p > t {
                return fail(
                    0,
                    format!("piece {p} of total {t} is not a piece of the total"),
                );
            }
            Ok(())
        }
        Linter::Winding => one_of(v, &["0", "1", "9"], "winding must be 0, 1 or 9"),
        Linter::PosInSeqSlash => {
            let Some((pos, of)) = v.split_once('/') else {
                return fail(0, "must be position/total, e.g. 1/3");
            };
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
            if !digits(pos) || !digits(of) {
                return fail(0, "must be position/total with digits, e.g. 1/3");
            }
            let (p, t) = (number(pos.as_bytes()), number(of.as_bytes()));
            if p == 0 || p > t {
                return fail(0, format!("position {p} of {t} is out of the sequence"));
            }
            Ok(())
        }
        Linter::PackageType => {
            if !(2..=3).contains(&b.len())
                || !b
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                return fail(0, "is not a package type code (2-3 capitals or digits)");
            }
            Ok(())
        }
        Linter::NoZeroPrefix => {
            if b.len() > 1 && b[0] == b'0' {
                return fail(0, "must not start with 0");
            }
            Ok(())
        }
        Linter::MediaType => range(b, 0, b.len(), 1, 99, "media type"),
        Linter::Latitude => range(b, 0, b.len(), 0, 1_800_000_000, "latitude"),
        Linter::Longitude => range(b, 0, b.len(), 0, 3_600_000_000, "longitude"),
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
        Linter::CouponPosOffer | Linter::CouponCode => Ok(()),
    }
}

/// GS1 mod-10 check digit of `digits` (weights 3, 1, 3 … from the right).
pub fn mod10(digits: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let v = (d - b'0') as u32;
        sum += if i % 2 == 0 { v * 3 } else { v };
    }
    ((10 - sum % 10) % 10) as u8
}

fn number(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add((d - b'0') as u64)
    })
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
fn date(b: &[u8], base: usize, day_zero: bool) -> Result<(), LintFailure> {
    if b.len() != 6 {
        return fail(base, "a date needs 6 digits YYMMDD");
    }
    let (yy, mm, dd) = (number(&b[0..2]), number(&b[2..4]), number(&b[4..6]));
    if !(1..=12).contains(&mm) {
        return fail(base + 2, format!("month {mm:02} is not a month"));
    }
    if dd == 0 && day_zero {
        return Ok(());
    }
    // Within GS1's ±50-year century window every year divisible by 4 is a leap year.
    let last = days_in_month(yy, mm);
    if dd == 0 || dd > last {
        return fail(
            base + 4,
            format!("day {dd:02} does not exist in month {mm:02} (it has {last} days)"),
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

/// The alphanumeric check character pair (GS1 General Specifications 7.9.5): CSET 82 values
/// weighted by primes from the right, sum mod 1021, written as two CSET 32 characters.
fn csum_alpha(v: &str) -> Result<(), LintFailure> {
    const CSET82: &[u8] =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let b = v.as_bytes();
    if b.len() < 3 {
        return fail(0, "too short to carry the two check characters");
    }
    let data = &b[..b.len() - 2];
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
                &v[v.len() - 2..]
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

/// ISO 13616 IBAN: country letters, two check digits, mod 97 = 1.
fn iban(v: &str) -> Result<(), LintFailure> {
    let b = v.as_bytes();
    if b.len() < 5
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
    {
        return fail(0, "is not an IBAN (country letters then two check digits)");
    }
    if ISO3166_ALPHA2.binary_search(&&v[..2]).is_err() {
        return fail(0, format!("{} is not a country code", &v[..2]));
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let digits = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return fail(0, "IBANs use digits and capital letters only"),
        };
        rem = if digits >= 10 {
            (rem * 100 + digits) % 97
        } else {
            (rem * 10 + digits) % 97
        };
    }
    if rem != 1 {
        return fail(2, "IBAN check digits do not match");
    }
    Ok(())
}

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
