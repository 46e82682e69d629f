//! Generation: the textual forms of a message, check digits, GTIN normalisation and SSCCs.

use super::{GS, Gs1Error, Message, Symbology, ai, digital_link, lint};

impl Message {
    /// Raw element string: AIs and values, GS only after a variable-length value that is
    /// followed by another element (what a GS1 barcode carries after its FNC1).
    pub fn to_element_string(&self) -> String {
        let mut out = String::with_capacity(
            self.elements
                .iter()
                .map(|e| e.ai.len() + e.value.len() + 1)
                .sum(),
        );
        for (i, e) in self.elements.iter().enumerate() {
            out.push_str(e.ai);
            out.push_str(&e.value);
            let fixed = ai::lookup(e.ai).is_some_and(|d| d.fixed_length);
            if !fixed && i + 1 < self.elements.len() {
                out.push(GS);
            }
        }
        out
    }

    /// Bracketed human-readable form `(01)…(10)…`; a `(` inside a value is written `\(`.
    pub fn to_bracketed(&self) -> String {
        let mut out = String::new();
        for e in &self.elements {
            out.push('(');
            out.push_str(e.ai);
            out.push(')');
            out.push_str(&e.value.replace('(', "\\("));
        }
        out
    }

    /// What a scanner transmits for this message in `symbology`: AIM identifier + data.
    pub fn to_scan_data(&self, symbology: Symbology) -> Result<String, Gs1Error> {
        match symbology {
            Symbology::Ean => {
                let gtin = self
                    .gtin()
                    .filter(|_| self.elements.len() == 1)
                    .ok_or_else(|| {
                        Gs1Error::Invalid("an EAN/UPC symbol carries a GTIN alone".into())
                    })?;
                Ok(format!("]E0{}", &gtin[1..]))
            }
            Symbology::DigitalLink => self.to_digital_link(super::DEFAULT_DL_DOMAIN),
            Symbology::Bracketed => Ok(self.to_bracketed()),
            Symbology::Unknown => Ok(self.to_element_string()),
            other => Ok(format!(
                "{}{}",
                other.aim_id().unwrap_or(""),
                self.to_element_string()
            )),
        }
    }

    /// GS1 Digital Link URI on `domain` (e.g. `https://id.gs1.org` or your own resolver).
    pub fn to_digital_link(&self, domain: &str) -> Result<String, Gs1Error> {
        digital_link::build(self, domain)
    }
}

/// The GS1 mod-10 check digit for a string of digits (the digits without their check digit).
pub fn check_digit(digits: &str) -> Result<u8, Gs1Error> {
    if digits.is_empty() || digits.len() > 17 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Gs1Error::Invalid(format!(
            "{digits:?}: a check digit is computed over 1 to 17 digits (GTIN, SSCC, GLN … without their check digit)"
        )));
    }
    Ok(lint::mod10(digits.as_bytes()))
}

/// Normalises a GTIN-8/12/13/14 (with valid check digit) to 14 digits.
pub fn normalize_gtin(gtin: &str) -> Result<String, Gs1Error> {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) || !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Gs1Error::Invalid(format!(
            "{gtin:?} is not a GTIN: it needs 8, 12, 13 or 14 digits"
        )));
    }
    let expected = lint::mod10(&gtin.as_bytes()[..gtin.len() - 1]);
    let found = gtin.as_bytes()[gtin.len() - 1] - b'0';
    if found != expected {
        return Err(Gs1Error::Content {
            ai: "01",
            pos: gtin.len(),
            problem: format!("check digit is {found}, expected {expected}"),
            expected: Some(expected.to_string()),
        });
    }
    Ok(format!("{gtin:0>14}"))
}

/// Builds an 18-digit SSCC from extension digit, GS1 company prefix and serial reference.
pub fn make_sscc(extension: u8, company_prefix: &str, serial: u64) -> Result<String, Gs1Error> {
    if extension > 9 {
        return Err(Gs1Error::Invalid(format!(
            "extension digit {extension} must be 0-9"
        )));
    }
    if !(4..=12).contains(&company_prefix.len())
        || !company_prefix.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Gs1Error::Invalid(format!(
            "{company_prefix:?} is not a GS1 company prefix (4 to 12 digits)"
        )));
    }
    let width = 16 - company_prefix.len();
    let serial_text = format!("{serial:0width$}");
    if serial_text.len() > width {
        return Err(Gs1Error::Invalid(format!(
            "serial reference {serial} does not fit in the {width} digits a {}-digit company prefix leaves",
            company_prefix.len()
        )));
    }
    let body = format!("{extension}{company_prefix}{serial_text}");
    let check = lint::mod10(body.as_bytes());
    Ok(format!("{body}{check}"))
}
