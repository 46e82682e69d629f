//! Site batch-number formats. Pure: the store keeps the sequence counters.
//!
//! A format is literal text with fields in braces:
//!
//! | field | gives |
//! |---|---|
//! | `{YYYY}` `{YY}` `{MM}` `{DD}` | production date parts |
//! | `{JJJ}` | day of the year (001-366) |
//! | `{WW}` | ISO week (01-53) |
//! | `{FAC}` or `{FAC:n}` | the site's facility code (at most n characters, default 4) |
//! | `{PROD}` or `{PROD:n}` | the product's code (at most n characters, default 6) |
//! | `{SEQ:n}` | the sequence, zero-padded to n digits (required, once) |
//!
//! e.g. `{FAC}{YY}{JJJ}-{SEQ:4}` → `DUB26329-0007`. A format is refused up front when its
//! longest output could exceed the 20 characters of AI (10) or uses characters outside GS1
//! CSET 82. The sequence restarts per the smallest date part in the format (per day with `DD`
//! or `JJJ`, per week, month or year), per product when `PROD` is used: [`BatchFormat::sequence_key`]
//! names that scope, and the store keeps one never-repeating counter per key.

use chrono::{Datelike, NaiveDate};

use crate::gs1::ai::Cset;

/// AI (10) BATCH/LOT holds at most 20 characters.
pub const MAX_BATCH_LEN: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year4,
    Year2,
    Month,
    Day,
    DayOfYear,
    Week,
    Facility(usize),
    Product(usize),
    Sequence(usize),
}

/// A checked site format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFormat {
    parts: Vec<Part>,
}

/// What a batch number is made from.
#[derive(Debug, Clone)]
pub struct BatchInputs<'a> {
    pub date: NaiveDate,
    pub facility: &'a str,
    pub product: &'a str,
    pub sequence: u64,
}

/// Why a format or a batch number cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The format string itself is wrong.
    #[error("batch format {format:?}: {problem}")]
    Format { format: String, problem: String },
    /// An input does not fit the format.
    #[error("{0}")]
    Input(String),
}

impl BatchFormat {
    pub fn parse(format: &str) -> Result<BatchFormat, BatchError> {
        let bad = |problem: String| BatchError::Format {
            format: format.to_string(),
            problem,
        };
        let mut parts = Vec::new();
        let mut rest = format;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after
                    .find('}')
                    .ok_or_else(|| bad("'{' without '}'".into()))?;
                let field = &after[..end];
                let (name, width) = match field.split_once(':') {
                    Some((n, w)) => {
                        let w: usize = w
                            .parse()
                            .map_err(|_| bad(format!("{{{field}}}: the width must be a number")))?;
                        if w == 0 || w > MAX_BATCH_LEN {
                            return Err(bad(format!(
                                "{{{field}}}: the width must be 1 to {MAX_BATCH_LEN}"
                            )));
                        }
                        (n, Some(w))
                    }
                    None => (field, None),
                };
                let fixed = |p: Part| match width {
                    Some(_) => Err(bad(format!("{{{name}}} takes no width"))),
                    None => Ok(p),
                };
                parts.push(match name {
                    "YYYY" => fixed(Part::Year4)?,
                    "YY" => fixed(Part::Year2)?,
                    "MM" => fixed(Part::Month)?,
                    "DD" => fixed(Part::Day)?,
                    "JJJ" => fixed(Part::DayOfYear)?,
                    "WW" => fixed(Part::Week)?,
                    "FAC" => Part::Facility(width.unwrap_or(4)),
                    "PROD" => Part::Product(width.unwrap_or(6)),
                    "SEQ" => Part::Sequence(
                        width.ok_or_else(|| bad("{SEQ} needs a width, e.g. {SEQ:4}".into()))?,
                    ),
                    other => {
                        return Err(bad(format!(
                            "unknown field {{{other}}}: use YYYY YY MM DD JJJ WW FAC PROD SEQ:n"
                        )));
                    }
                });
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if let Some(c) = literal
                    .chars()
                    .find(|&c| !c.is_ascii() || !Cset::Cset82.allows(c as u8))
                {
                    return Err(bad(format!(
                        "{c:?} is not allowed in a batch number (GS1 CSET 82)"
                    )));
                }
                if literal.contains('}') {
                    return Err(bad("'}' without '{'".into()));
                }
                parts.push(Part::Literal(literal.to_string()));
                rest = &rest[end..];
            }
        }
        let sequences = parts
            .iter()
            .filter(|p| matches!(p, Part::Sequence(_)))
            .count();
        if sequences != 1 {
            return Err(bad(
                "needs exactly one {SEQ:n} so that batch numbers never repeat".into(),
            ));
        }
        let f = BatchFormat { parts };
        if f.max_len() > MAX_BATCH_LEN {
            return Err(bad(format!(
                "can give {} characters; AI (10) holds at most {MAX_BATCH_LEN}: shorten it",
                f.max_len()
            )));
        }
        Ok(f)
    }

    /// The longest batch number this format can give.
    pub fn max_len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) => s.len(),
                Part::Year4 => 4,
                Part::Year2 | Part::Month | Part::Day | Part::Week => 2,
                Part::DayOfYear => 3,
                Part::Facility(n) | Part::Product(n) | Part::Sequence(n) => *n,
            })
            .sum()
    }

    /// The largest sequence value the format can show.
    pub fn max_sequence(&self) -> u64 {
        self.parts
            .iter()
            .find_map(|p| match p {
                Part::Sequence(n) => Some(10u64.saturating_pow(*n as u32) - 1),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// The counter a production batch takes its sequence from: the smallest date period in the
    /// format, and the product when the format shows it.
    pub fn sequence_key(&self, date: NaiveDate, product: &str) -> String {
        let has = |want: &dyn Fn(&Part) -> bool| self.parts.iter().any(want);
        let period = if has(&|p| matches!(p, Part::Day | Part::DayOfYear)) {
            date.format("%Y-%m-%d").to_string()
        } else if has(&|p| matches!(p, Part::Week)) {
            let w = date.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        } else if has(&|p| matches!(p, Part::Month)) {
            date.format("%Y-%m").to_string()
        } else if has(&|p| matches!(p, Part::Year2 | Part::Year4)) {
            date.format("%Y").to_string()
        } else {
            "all".to_string()
        };
        if has(&|p| matches!(p, Part::Product(_))) {
            format!("{period}|{product}")
        } else {
            period
        }
    }

    /// The batch number for these inputs.
    pub fn render(&self, inputs: &BatchInputs) -> Result<String, BatchError> {
        let mut out = String::with_capacity(self.max_len());
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Year4 => out.push_str(&format!("{:04}", inputs.date.year())),
                Part::Year2 => out.push_str(&format!("{:02}", inputs.date.year().rem_euclid(100))),
                Part::Month => out.push_str(&format!("{:02}", inputs.date.month())),
                Part::Day => out.push_str(&format!("{:02}", inputs.date.day())),
                Part::DayOfYear => out.push_str(&format!("{:03}", inputs.date.ordinal())),
                Part::Week => out.push_str(&format!("{:02}", inputs.date.iso_week().week())),
                Part::Facility(n) => out.push_str(code("facility", inputs.facility, *n)?),
                Part::Product(n) => out.push_str(code("product", inputs.product, *n)?),
                Part::Sequence(n) => {
                    if inputs.sequence > self.max_sequence() {
                        return Err(BatchError::Input(format!(
                            "sequence {} does not fit in {n} digits: this period's batch numbers are used up; widen {{SEQ:{n}}}",
                            inputs.sequence
                        )));
                    }
                    out.push_str(&format!("{:0n$}", inputs.sequence));
                }
            }
        }
        Ok(out)
    }
}

fn code<'a>(what: &str, value: &'a str, max: usize) -> Result<&'a str, BatchError> {
    if value.is_empty() {
        return Err(BatchError::Input(format!("the format needs a {what} code")));
    }
    if value.len() > max {
        return Err(BatchError::Input(format!(
            "{what} code {value:?} is longer than the {max} characters the format allows"
        )));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !c.is_ascii() || !Cset::Cset82.allows(c as u8))
    {
        return Err(BatchError::Input(format!(
            "{what} code {value:?} has {c:?}, which a batch number cannot hold"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn renders_date_parts_codes_and_padded_sequence() {
        let f = BatchFormat::parse("{FAC}{YY}{JJJ}-{SEQ:4}").unwrap();
        let inputs = BatchInputs {
            date: day(),
            facility: "DUB",
            product: "",
            sequence: 7,
        };
        assert_eq!(f.render(&inputs).unwrap(), "DUB26329-0007");
        let g = BatchFormat::parse("{PROD:4}{YYYY}{MM}{DD}{SEQ:2}").unwrap();
        let inputs = BatchInputs {
            date: day(),
            facility: "",
            product: "TP5",
            sequence: 12,
        };
        assert_eq!(g.render(&inputs).unwrap(), "TP52026112512");
    }

    #[test]
    fn formats_that_could_break_ai_10_are_refused_up_front() {
        let too_long = BatchFormat::parse("{PROD:10}{YYYY}{MM}{DD}{SEQ:4}").unwrap_err();
        assert!(
            too_long.to_string().contains("can give 22 characters"),
            "{too_long}"
        );
        assert!(
            BatchFormat::parse("LOT#{SEQ:4}")
                .unwrap_err()
                .to_string()
                .contains("'#'")
        );
        assert!(
            BatchFormat::parse("{YY}{MM}")
                .unwrap_err()
                .to_string()
                .contains("exactly one {SEQ:n}")
        );
        assert!(
            BatchFormat::parse("{XX}{SEQ:2}")
                .unwrap_err()
                .to_string()
                .contains("unknown field")
        );
        assert!(BatchFormat::parse("{SEQ}").is_err());
    }

    #[test]
    fn inputs_that_do_not_fit_are_refused() {
        let f = BatchFormat::parse("{FAC:3}{SEQ:2}").unwrap();
        let mut inputs = BatchInputs {
            date: day(),
            facility: "DUBL",
            product: "",
            sequence: 1,
        };
        assert!(f.render(&inputs).is_err());
        inputs.facility = "DUB";
        inputs.sequence = 100;
        assert!(
            f.render(&inputs)
                .unwrap_err()
                .to_string()
                .contains("used up")
        );
    }

    #[test]
    fn the_sequence_scope_follows_the_smallest_date_part_and_the_product() {
        let f = BatchFormat::parse("{YY}{JJJ}{SEQ:3}").unwrap();
        assert_eq!(f.sequence_key(day(), "X"), "2026-11-25");
        let g = BatchFormat::parse("{PROD}{YY}{WW}{SEQ:3}").unwrap();
        assert_eq!(g.sequence_key(day(), "TP5"), "2026-W48|TP5");
        assert_eq!(
            BatchFormat::parse("B{SEQ:8}")
                .unwrap()
                .sequence_key(day(), "X"),
            "all"
        );
    }

    #[test]
    fn every_rendered_batch_is_valid_for_ai_10() {
        let f = BatchFormat::parse("{FAC}{YYYY}{MM}{DD}{SEQ:4}").unwrap();
        for seq in [0, 1, 9999] {
            let b = f
                .render(&BatchInputs {
                    date: day(),
                    facility: "A-1",
                    product: "",
                    sequence: seq,
                })
                .unwrap();
            crate::gs1::Message::from_elements([("01", "09501101530003"), ("10", b.as_str())])
                .unwrap();
        }
    }
}
