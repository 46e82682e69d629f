//! A frame's bytes → a checked [`Scan`]: text check, AIM symbology identifier. Pure.

use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{Reject, Scan, SourceId, Symbology};

/// Control characters that belong in scan data: GS (FNC1 in GS1 data) and the ISO/IEC 15434
/// envelope characters (EOT, FS, RS, US). Every other control character means line noise.
fn is_allowed_control(byte: u8) -> bool {
    matches!(byte, 0x04 | 0x1C..=0x1F)
}

/// Checks that a frame is text a scanner could have sent.
pub fn check_text(raw: &[u8]) -> Result<&str, Reject> {
    let not_text = |position: usize| Reject::NotText {
        len: raw.len(),
        byte: raw[position],
        position,
    };
    let bad_control = |bytes: &[u8]| {
        bytes
            .iter()
            .position(|&b| (b < 0x20 && !is_allowed_control(b)) || b == 0x7F)
    };
    match std::str::from_utf8(raw) {
        Ok(text) => match bad_control(raw) {
            Some(position) => Err(not_text(position)),
            None => Ok(text),
        },
        // Report the first bad byte, whichever kind it is.
        Err(e) => Err(not_text(
            bad_control(&raw[..e.valid_up_to()]).unwrap_or(e.valid_up_to()),
        )),
    }
}

/// The AIM symbology identifier (`]` + symbology letter + modifier) at the start of the text.
pub fn aim_id(text: &str) -> Option<&str> {
    let id = text.get(..3)?;
    let mut chars = id.chars();
    let ok = chars.next() == Some(']')
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    ok.then_some(id)
}

impl Scan {
    /// Builds a scan from a complete frame, or says why the frame is not one.
    pub fn from_frame(
        raw: Vec<u8>,
        source: &SourceId,
        arrived: Instant,
        received_at: DateTime<Utc>,
    ) -> Result<Scan, Reject> {
        let text = check_text(&raw)?.to_owned();
        let aim = aim_id(&text).map(str::to_owned);
        Ok(Scan {
            symbology: aim.as_deref().and_then(Symbology::from_aim_id),
            aim_id: aim,
            text,
            raw,
            source: source.clone(),
            received_at,
            arrived,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(raw: &[u8]) -> Result<Scan, Reject> {
        Scan::from_frame(
            raw.to_vec(),
            &SourceId::new("test"),
            Instant::now(),
            Utc::now(),
        )
    }

    #[test]
    fn gs1_128_with_gs_keeps_aim_and_separator() {
        let s = scan(b"]C10109501101531000\x1d10ABC").unwrap();
        assert_eq!(s.text, "]C10109501101531000\u{1d}10ABC");
        assert_eq!(s.aim_id.as_deref(), Some("]C1"));
        assert_eq!(s.symbology, Some(Symbology::Gs1_128));
    }

    #[test]
    fn plain_symbologies_keep_their_id_but_name_no_gs1_symbology() {
        let s = scan(b"]Q1https://id.gs1.org/01/09501101531000").unwrap();
        assert_eq!(s.aim_id.as_deref(), Some("]Q1"));
        assert_eq!(s.symbology, None);
        let s = scan(b"0109501101531000").unwrap();
        assert_eq!((s.aim_id, s.symbology), (None, None));
    }

    #[test]
    fn iso_15434_envelope_characters_are_text() {
        assert!(scan(b"[)>\x1e06\x1d1PABC\x1e\x04").is_ok());
    }

    #[test]
    fn line_noise_is_rejected_naming_the_byte() {
        assert_eq!(
            scan(b"ab\x00cd").unwrap_err(),
            Reject::NotText {
                len: 5,
                byte: 0,
                position: 2
            }
        );
        assert_eq!(
            scan(b"\xff\xfe").unwrap_err(),
            Reject::NotText {
                len: 2,
                byte: 0xFF,
                position: 0
            }
        );
    }

    #[test]
    fn utf8_text_is_accepted() {
        assert_eq!(scan("Lot Äpfel".as_bytes()).unwrap().text, "Lot Äpfel");
    }
}
