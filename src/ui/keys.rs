//! Slint key events → keyboard-wedge keys ([`crate::scanner::wedge::Key`]). Pure.

use crate::scanner::wedge::Key;

/// Turns the window's key presses into wedge keys. Slint reports modifiers with each key, not
/// Alt going down and up, so an Alt code (Alt held while 0 2 9 is typed: GS on Windows-style
/// wedges) is framed here: Alt-digits open it, the first key without Alt closes it.
#[derive(Debug, Default)]
pub struct KeyMapper {
    alt_code: bool,
}

impl KeyMapper {
    /// The wedge keys for one key press; empty for keys that are not scan data (arrows,
    /// function keys, Escape…), which the window then leaves to the focused widget. Slint
    /// gives Return as `\n`, Tab as `\t`, special keys as private-use characters.
    pub fn map(&mut self, text: &str, alt: bool, ctrl: bool) -> Vec<Key> {
        let mut keys = Vec::new();
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return keys; // nothing, or an input-method composition: not one key
        };
        if alt && c.is_ascii_digit() {
            if !self.alt_code {
                self.alt_code = true;
                keys.push(Key::AltDown);
            }
            keys.push(Key::Keypad(c as u8 - b'0'));
            return keys;
        }
        if self.alt_code {
            self.alt_code = false;
            keys.push(Key::AltUp);
        }
        let key = match c {
            '\n' | '\r' => Some(Key::Enter),
            '\t' => Some(Key::Tab),
            c if ctrl => Some(Key::Ctrl(c)),
            '\u{E000}'..='\u{F8FF}' => None,
            c if c.is_control() && c != crate::gs1::GS => None,
            c => Some(Key::Char(c)),
        };
        keys.extend(key);
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Vec<Key> {
        KeyMapper::default().map(text, false, false)
    }

    #[test]
    fn scanner_keys_map_and_navigation_keys_do_not() {
        assert_eq!(map("a"), vec![Key::Char('a')]);
        assert_eq!(map("\n"), vec![Key::Enter]);
        assert_eq!(map("\t"), vec![Key::Tab]);
        assert_eq!(map("\u{1d}"), vec![Key::Char('\u{1d}')]);
        assert_eq!(
            KeyMapper::default().map("]", false, true),
            vec![Key::Ctrl(']')]
        );
        assert!(map("\u{F700}").is_empty(), "arrow up");
        assert!(map("\u{1b}").is_empty(), "escape");
        assert!(map("").is_empty());
    }

    #[test]
    fn an_alt_code_is_framed_by_the_first_key_without_alt() {
        let mut m = KeyMapper::default();
        let mut keys = Vec::new();
        for d in ["0", "2", "9"] {
            keys.extend(m.map(d, true, false));
        }
        keys.extend(m.map("1", false, false));
        assert_eq!(
            keys,
            vec![
                Key::AltDown,
                Key::Keypad(0),
                Key::Keypad(2),
                Key::Keypad(9),
                Key::AltUp,
                Key::Char('1')
            ]
        );
    }
}
