//! The on-screen keypad (ui/widgets/keypad.slint): what one of its keys does to the text of
//! the count or PIN field it types into. Pure.

/// The most digits a keypad field takes (a GTIN-14 and any count or PIN fit).
pub const MAX_DIGITS: usize = 18;

/// `text` after the keypad key `key`: a digit is appended (up to [`MAX_DIGITS`]), `back`
/// takes the last character off, `clear` empties it; any other key changes nothing.
pub fn press(text: &str, key: &str) -> String {
    match key {
        "back" => {
            let mut t = text.to_string();
            t.pop();
            t
        }
        "clear" => String::new(),
        d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() => {
            if text.chars().count() >= MAX_DIGITS {
                text.to_string()
            } else {
                format!("{text}{d}")
            }
        }
        _ => text.to_string(),
    }
}

/// What the keypad's display shows of `text`: a PIN (`secret`) as one dot per digit.
pub fn show(text: &str, secret: bool) -> String {
    if secret {
        "●".repeat(text.chars().count())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_append_back_takes_one_off_and_clear_empties() {
        let mut t = String::new();
        for k in ["4", "7", "1", "1"] {
            t = press(&t, k);
        }
        assert_eq!(t, "4711");
        assert_eq!(press(&t, "back"), "471");
        assert_eq!(press("", "back"), "");
        assert_eq!(press(&t, "clear"), "");
        assert_eq!(press(&t, "x"), "4711", "not a key of the keypad");
        assert_eq!(press(&t, "12"), "4711", "one digit per key");
        let full = "9".repeat(MAX_DIGITS);
        assert_eq!(press(&full, "1"), full, "no more than {MAX_DIGITS} digits");
        assert_eq!(press("é", "back"), "", "a character, not a byte");
    }

    #[test]
    fn a_pin_shows_as_dots() {
        assert_eq!(show("4711", true), "●●●●");
        assert_eq!(show("4711", false), "4711");
    }
}
