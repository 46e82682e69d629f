//! Money: exact decimal amounts (never floats) and the ISO 4217 currency they are in. Pure.
//!
//! An [`Amount`] is a `rust_decimal::Decimal`; in events and JSON it is a decimal string
//! (`"1.25"`), read back exactly. Amounts an event carries are checked by [`check_amount`]:
//! not negative, at most [`MAX_AMOUNT`], at most [`MAX_SCALE`] decimal places.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest amount one event may carry (a unit cost, a unit price, a run's labour): a
/// thousand million in the site's currency is a typo or garbage, not a price.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Most decimal places an amount in an event may have: a unit cost of a hundredth of a cent
/// (screws, grams of spice) is real; beyond that it is noise.
pub const MAX_SCALE: u32 = 4;

/// Decimal places a unit cost is shown with (costs themselves: the currency's minor unit).
pub const UNIT_COST_SCALE: u32 = 4;

/// An exact amount of money (no currency: the event or report carrying it names that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(pub Decimal);

impl Amount {
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    pub fn new(d: Decimal) -> Amount {
        Amount(d)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// `self` × a count, exactly (`None` past the decimal's range, which checked amounts and
    /// counts never reach).
    pub fn times(self, n: u64) -> Option<Amount> {
        self.0.checked_mul(Decimal::from(n)).map(Amount)
    }

    /// Rounded to `places` decimals, half away from zero (as an invoice rounds).
    pub fn round(self, places: u32) -> Amount {
        Amount(
            self.0
                .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
                .normalize_to(places),
        )
    }
}

/// A decimal with exactly `places` decimals shown (`1.2` → `1.20` for 2).
trait NormalizeTo {
    fn normalize_to(self, places: u32) -> Decimal;
}

impl NormalizeTo for Decimal {
    fn normalize_to(self, places: u32) -> Decimal {
        let mut d = self;
        if d.scale() < places {
            d.rescale(places);
        }
        d
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a typed amount is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a plain decimal number (`12`, `1.25`): no sign, exponent, comma or spaces.
    #[error("{0:?} is not an amount: write it as digits with an optional decimal point, like 1.25")]
    NotDecimal(String),
    /// A negative amount (an event never carries one).
    #[error("{0} is negative: an amount is 0 or more")]
    Negative(Decimal),
    /// Above [`MAX_AMOUNT`].
    #[error("{0} is more than {MAX_AMOUNT}")]
    TooLarge(Decimal),
    /// More than [`MAX_SCALE`] decimal places.
    #[error("{0} has more than {MAX_SCALE} decimal places")]
    TooPrecise(Decimal),
}

impl FromStr for Amount {
    type Err = AmountError;

    /// Digits with an optional decimal point (`1.25`, `20`, `0.0125`); a leading `-` is read
    /// so [`check_amount`] can say "negative" rather than "not an amount".
    fn from_str(s: &str) -> Result<Amount, AmountError> {
        let bad = || AmountError::NotDecimal(s.to_string());
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || digits.ends_with('.') {
            return Err(bad());
        }
        Decimal::from_str_exact(s).map(Amount).map_err(|_| bad())
    }
}

/// An amount as an event may carry it: 0 to [`MAX_AMOUNT`], at most [`MAX_SCALE`] places.
pub fn check_amount(a: Amount) -> Result<(), AmountError> {
    let d = a.0;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(AmountError::Negative(d));
    }
    if d > MAX_AMOUNT {
        return Err(AmountError::TooLarge(d));
    }
    if d.normalize().scale() > MAX_SCALE {
        return Err(AmountError::TooPrecise(d));
    }
    Ok(())
}

/// Parses and checks a typed amount (a CLI option, a UI field).
pub fn parse_amount(s: &str) -> Result<Amount, AmountError> {
    let a: Amount = s.trim().parse()?;
    check_amount(a)?;
    Ok(a)
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// From a decimal string only: a JSON number would pass through a float on the way.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An amount in a currency, as an event carries a unit cost or price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Amount,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Amount, currency: Currency) -> Money {
        Money { amount, currency }
    }
}

/// An ISO 4217 currency code: three capital letters (`EUR`, `USD`, `JPY`). Three bytes, no
/// allocation: a report reads one per shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// A currency code that is not three capital letters A–Z.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 4217 currency code (three capital letters, like EUR)")]
pub struct CurrencyError(pub String);

impl Currency {
    pub fn new(code: &str) -> Result<Currency, CurrencyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(CurrencyError(code.to_string())),
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("three ASCII capitals")
    }

    /// Decimal places of the currency's minor unit (ISO 4217): 2 for most, 0 for the
    /// currencies without one, 3 for the dinars and rials that count in thousandths.
    pub fn minor_unit(&self) -> u32 {
        const NONE: &[&str] = &[
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ];
        const THOUSANDTHS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
        if NONE.contains(&self.code()) {
            0
        } else if THOUSANDTHS.contains(&self.code()) {
            3
        } else {
            2
        }
    }
}

impl Default for Currency {
    /// The site currency when the station config names none.
    fn default() -> Currency {
        Currency(*b"EUR")
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Currency, CurrencyError> {
        Currency::new(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_decimals_read_and_written_as_strings() {
        let a = parse_amount("1.25").unwrap();
        assert_eq!(a.times(3).unwrap().to_string(), "3.75");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"1.25\"");
        let back: Amount = serde_json::from_str("\"0.1\"").unwrap();
        // 0.1 + 0.2 is 0.3 exactly: no float anywhere.
        let sum = back.0 + parse_amount("0.2").unwrap().0;
        assert_eq!(sum.to_string(), "0.3");
        assert!(
            serde_json::from_str::<Amount>("1.25").is_err(),
            "a JSON number"
        );
        for bad in ["", "1,25", "1e3", " 1", "+1", ".5", "1.", "abc", "1.2.3"] {
            assert!(bad.parse::<Amount>().is_err(), "{bad:?}");
        }
        assert!(matches!(parse_amount("-1"), Err(AmountError::Negative(_))));
        assert!(matches!(
            parse_amount("1000000000.01"),
            Err(AmountError::TooLarge(_))
        ));
        assert!(matches!(
            parse_amount("0.00001"),
            Err(AmountError::TooPrecise(_))
        ));
        // Trailing zeros are not precision.
        parse_amount("1.250000").unwrap();
        assert_eq!(parse_amount("1000000000").unwrap().0, MAX_AMOUNT);
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_fixed_places() {
        let a = |s: &str| Amount(Decimal::from_str_exact(s).unwrap());
        assert_eq!(a("2.345").round(2).to_string(), "2.35");
        assert_eq!(a("2.344").round(2).to_string(), "2.34");
        assert_eq!(a("2").round(2).to_string(), "2.00");
        assert_eq!(a("0.33333").round(4).to_string(), "0.3333");
    }

    #[test]
    fn currencies_are_iso_codes_with_their_minor_unit() {
        assert_eq!(Currency::default().code(), "EUR");
        assert_eq!(Currency::new("EUR").unwrap().minor_unit(), 2);
        assert_eq!(Currency::new("JPY").unwrap().minor_unit(), 0);
        assert_eq!(Currency::new("KWD").unwrap().minor_unit(), 3);
        for bad in ["eur", "EURO", "E1R", ""] {
            assert!(Currency::new(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_err());
    }
}
