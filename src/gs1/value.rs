//! An element's value: a string stored inline up to 23 bytes (GTINs, dates, batches and serials
//! all fit), so a parse allocates nothing per element; longer values are on the heap.
//!
//! Why not `smol_str` (used before): its constructor, out of line, copies the value with
//! `memcpy` into a stack buffer and the caller then moves it with wider loads, so every element
//! stalled on store-to-load forwarding, about a third of a parse's time (perf, issue 16). Here
//! the parser builds the inline bytes as three words read straight from its input
//! ([`Value::within`]), which stay in registers until stored in the element.

use std::fmt;
use std::ops::Deref;

/// The value of a GS1 element. Derefs to `str`.
#[derive(Clone)]
pub struct Value(Repr);

#[derive(Clone)]
enum Repr {
    Inline(Inline),
    Heap(Box<str>),
}

/// Up to [`Value::INLINE_CAP`] bytes, the rest zero, the length in the last byte. Word-aligned,
/// so the three words it is built from are stored whole.
#[derive(Clone, Copy)]
#[repr(align(8))]
struct Inline([u8; 24]);

impl Value {
    /// The longest value stored inline.
    pub const INLINE_CAP: usize = 23;

    /// A value holding `text`.
    pub fn new(text: &str) -> Value {
        let n = text.len();
        if n > Self::INLINE_CAP {
            return Value(Repr::Heap(text.into()));
        }
        let b = text.as_bytes();
        if n >= 8 {
            return Value::inline_words(b, 0, n);
        }
        // Too short to read a word from: byte by byte (never on a parse's hot path).
        let mut bytes = [0u8; 24];
        bytes[..n].copy_from_slice(b);
        bytes[23] = n as u8;
        Value(Repr::Inline(Inline(bytes)))
    }

    /// `text[start..end]`, read from `text` a word at a time: bytes of `text` around the value
    /// may be read, and are masked off. Panics where [`str::get`] gives `None`.
    // Always inlined, like the two below: out of line, the value came back through memory and
    // the caller's wider copy of it stalled again.
    #[inline(always)]
    pub(crate) fn within(text: &str, start: usize, end: usize) -> Value {
        let value = text
            .get(start..end)
            .expect("a value on character boundaries");
        let n = value.len();
        if n > Self::INLINE_CAP || text.len() < 8 {
            return Value::new(value);
        }
        Value::inline_words(text.as_bytes(), start, n)
    }

    /// `b[start..start + n]` inline, `n` at most 23, `b` at least 8 bytes long. The caller has
    /// checked that the range is a `str`'s bytes.
    #[inline(always)]
    fn inline_words(b: &[u8], start: usize, n: usize) -> Value {
        let w0 = word(b, start, n.min(8));
        let w1 = word(b, start + 8, n.saturating_sub(8).min(8));
        let w2 = word(b, start + 16, n.saturating_sub(16)) | (n as u64) << 56;
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&w0.to_le_bytes());
        bytes[8..16].copy_from_slice(&w1.to_le_bytes());
        bytes[16..].copy_from_slice(&w2.to_le_bytes());
        Value(Repr::Inline(Inline(bytes)))
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(Inline(b)) => {
                let bytes = &b[..b[23] as usize];
                // SAFETY: an inline value's first `b[23]` bytes are always a copy of a `str`'s
                // bytes: `new` copies a whole `&str`, `within` the bytes of a range `str::get`
                // accepted (so on character boundaries); nothing else writes them. Checking them
                // again on every read would cost more than the parse saves (tests below hold the
                // copy to the original for every length and for multi-byte characters).
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(s) => s,
        }
    }

    /// Whether the value is on the heap (longer than [`Value::INLINE_CAP`]).
    pub fn is_heap_allocated(&self) -> bool {
        matches!(self.0, Repr::Heap(_))
    }
}

/// The `n` (0 to 8) bytes of `b` from `at` as a little-endian word, the rest zero; `b` holds at
/// least 8 bytes and `at + n <= b.len()`. Near the end of `b` the word is read from its last 8
/// bytes and shifted, so there is no branch on where the value lies.
#[inline(always)]
fn word(b: &[u8], at: usize, n: usize) -> u64 {
    let from = at.min(b.len() - 8);
    let w = u64::from_le_bytes(b[from..from + 8].try_into().expect("8 bytes"));
    // `at - from` is above 7 only when `n` is 0, and then the mask clears the word anyway.
    let shifted = w.checked_shr(8 * (at - from) as u32).unwrap_or(0);
    shifted & u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0)
}

impl Deref for Value {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Value {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Value {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::new("")
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::new(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::new(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        if s.len() > Value::INLINE_CAP {
            Value(Repr::Heap(s.into_boxed_str()))
        } else {
            Value::new(&s)
        }
    }
}

impl From<Value> for String {
    fn from(v: Value) -> String {
        v.as_str().to_string()
    }
}

impl PartialEq for Value {
    #[inline]
    fn eq(&self, other: &Value) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Value {}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Value> for str {
    fn eq(&self, other: &Value) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Value> for &str {
    fn eq(&self, other: &Value) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts of every length up to past the inline capacity, with multi-byte characters
    /// (2, 3 and 4 bytes) at the start, the end and across the word boundaries.
    fn texts() -> Vec<String> {
        let mut out = Vec::new();
        for len in 0..40 {
            out.push((0..len).map(|i| (b'A' + (i % 26) as u8) as char).collect());
        }
        for ch in ['é', '€', '𝄞'] {
            for at in 0..30 {
                let mut s: String = "0123456789012345678901234567890".chars().take(at).collect();
                s.push(ch);
                for tail in 0..4 {
                    out.push(format!("{s}{}", &"WXYZ"[..tail]));
                }
            }
        }
        out
    }

    #[test]
    fn new_holds_exactly_its_text() {
        for t in texts() {
            let v = Value::new(&t);
            assert_eq!(v.as_str(), t);
            assert_eq!(v.is_heap_allocated(), t.len() > Value::INLINE_CAP, "{t:?}");
            assert_eq!(Value::from(t.clone()), v);
            assert_eq!(format!("{v}"), t);
            assert_eq!(format!("{v:?}"), format!("{t:?}"));
        }
    }

    #[test]
    fn within_reads_exactly_the_range_wherever_it_lies() {
        for text in texts() {
            for start in 0..=text.len() {
                for end in start..=text.len() {
                    let Some(want) = text.get(start..end) else {
                        continue;
                    };
                    let v = Value::within(&text, start, end);
                    assert_eq!(v.as_str(), want, "{text:?} {start}..{end}");
                    // Bytes past the value are zero: equal values are equal in every form.
                    assert_eq!(v, Value::new(want));
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "character boundaries")]
    fn within_refuses_a_range_inside_a_character() {
        Value::within("0123456789€0123456789", 10, 11);
    }

    #[test]
    fn inline_bytes_past_the_value_are_zero() {
        let text = "0109501101530003172712311OLOT-7";
        for end in 2..text.len() {
            if let Value(Repr::Inline(Inline(b))) = Value::within(text, 2, end) {
                let n = b[23] as usize;
                assert!(b[n..23].iter().all(|&c| c == 0), "{end}: {b:?}");
            }
        }
    }
}
