//! Labels as ZPL II for Zebra-compatible thermal printers. Barcodes use the printer's own
//! commands (sharper than bitmaps): `^BC` Code 128 / GS1-128 with explicit code-set switches
//! and `>8` FNC1, `^BX` DataMatrix (quality 200) with `_1` FNC1, `^BQ` QR, `^BE` EAN-13,
//! `^BU` UPC-A, `^B2` ITF-14. Text uses the resident scalable font 0 (or the element's
//! `zpl_font`) with `^FH` escapes; images are `^GFA` graphic fields.

use super::LabelError;
use super::bitmap::Bitmap;
use super::layout::{Item, Layout};
use crate::barcode::SymbolKind;
use crate::gs1::GS;

/// Renders labels as one ZPL stream (`^XA … ^XZ` per label).
pub fn render(labels: &[Layout]) -> Result<String, LabelError> {
    let mut out = String::new();
    for label in labels {
        let dpi = label.dpi as f32;
        let dots = |mm: f32| (mm * dpi / 25.4).round() as i64;
        out.push_str(&format!(
            "^XA\n^CI28\n^PW{}\n^LL{}\n",
            dots(label.width_mm),
            dots(label.height_mm)
        ));
        for item in &label.items {
            match item {
                Item::Rect {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                } => {
                    let (w, h) = (dots(*w_mm).max(1), dots(*h_mm).max(1));
                    out.push_str(&format!(
                        "^FO{},{}^GB{w},{h},{}^FS\n",
                        dots(*x_mm),
                        dots(*y_mm),
                        w.min(h)
                    ));
                }
                Item::Text {
                    x_mm,
                    y_mm,
                    size_pt,
                    text,
                    zpl_font,
                    ..
                } => {
                    let h = (size_pt * dpi / 72.0).round() as i64;
                    let font = match zpl_font.as_deref() {
                        None => format!("^A0N,{h},{h}"),
                        Some(stored) if stored.contains(':') => format!("^A@N,{h},{h},{stored}"),
                        Some(resident) => format!("^A{resident}N,{h},{h}"),
                    };
                    out.push_str(&format!(
                        "^FO{},{}{font}^FH^FD{}^FS\n",
                        dots(*x_mm),
                        dots(*y_mm),
                        escape_text(text)
                    ));
                }
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    threshold,
                    bitmap,
                } => {
                    let (w, h) = (dots(*w_mm).max(1) as u32, dots(*h_mm).max(1) as u32);
                    out.push_str(&format!(
                        "^FO{},{}{}^FS\n",
                        dots(*x_mm),
                        dots(*y_mm),
                        graphic_field(bitmap, w, h, *threshold)
                    ));
                }
                Item::Barcode(b) => {
                    out.push_str(&format!("^FO{},{}", dots(b.x_mm), dots(b.y_mm)));
                    let m = b.module_dots;
                    let h = dots(b.height_mm);
                    let cmd = match b.symbol.symbology {
                        SymbolKind::Gs1_128 => format!(
                            "^BY{m}^BCN,{h},N,N,N,N^FD{}^FS",
                            code128_invocations(&b.data, true)
                        ),
                        SymbolKind::Code128 => format!(
                            "^BY{m}^BCN,{h},N,N,N,N^FD{}^FS",
                            code128_invocations(&b.data, false)
                        ),
                        SymbolKind::Gs1DataMatrix => {
                            format!("^BXN,{m},200,,,,_^FD_1{}^FS", escape_datamatrix(&b.data))
                        }
                        SymbolKind::DataMatrix => {
                            format!("^BXN,{m},200,,,,_^FD{}^FS", escape_datamatrix(&b.data))
                        }
                        SymbolKind::Qr => format!("^BQN,2,{}^FDMA,{}^FS", m.clamp(1, 10), b.data),
                        SymbolKind::Ean13 => format!("^BY{m}^BEN,{h},N,N^FD{}^FS", &b.data[..12]),
                        SymbolKind::UpcA => format!("^BY{m}^BUN,{h},N,N,N^FD{}^FS", &b.data[..11]),
                        SymbolKind::Itf14 => format!("^BY{m}^B2N,{h},N,N,N^FD{}^FS", b.data),
                        SymbolKind::Gs1Qr => {
                            return Err(LabelError::Template {
                                template: "ZPL output".into(),
                                problem: "GS1 QR (FNC1) has no ZPL command; use a QR with digital_link = true".into(),
                            });
                        }
                    };
                    out.push_str(&cmd);
                    out.push('\n');
                }
            }
        }
        out.push_str("^XZ\n");
    }
    Ok(out)
}

/// Code 128 data with ZPL invocation codes: start in subset C for digit pairs (`>;`) or B
/// (`>:`), `>5`/`>6` to switch, `>8` for FNC1 (first, and for each GS when `gs1`).
pub fn code128_invocations(data: &str, gs1: bool) -> String {
    let chars: Vec<char> = data.chars().collect();
    let digits_ahead = |i: usize| chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = String::new();
    let mut in_c = digits_ahead(0) >= 2;
    out.push_str(if in_c { ">;" } else { ">:" });
    if gs1 {
        out.push_str(">8");
    }
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == GS && gs1 {
            out.push_str(">8");
            i += 1;
            continue;
        }
        let run = digits_ahead(i);
        if in_c {
            if run >= 2 {
                out.push(chars[i]);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            out.push_str(">6");
            in_c = false;
        } else if run >= 4 && run % 2 == 0 {
            out.push_str(">5");
            in_c = true;
            continue;
        }
        if c == '>' {
            out.push_str("><");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// `^GFA,b,c,d,data`: the image at `w`×`h` dots as an uncompressed ASCII-hex graphic field;
/// `b` and `c` are the total bytes, `d` the bytes per row (each row padded to whole bytes,
/// 1 = black dot, most significant bit leftmost).
pub fn graphic_field(bitmap: &Bitmap, w: u32, h: u32, threshold: u8) -> String {
    use std::fmt::Write;
    let (bytes, per_row) = bitmap.to_mono_rows(w, h, threshold);
    let mut out = String::with_capacity(24 + 2 * bytes.len());
    let _ = write!(out, "^GFA,{0},{0},{per_row},", bytes.len());
    for b in bytes {
        let _ = write!(out, "{b:02X}");
    }
    out
}

fn escape_datamatrix(data: &str) -> String {
    data.replace('_', "__").replace(GS, "_1")
}

/// `^FH` hex escapes for the characters ZPL would take as commands.
fn escape_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '^' => "_5E".to_string(),
            '~' => "_7E".to_string(),
            '_' => "_5F".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a ^BC field back the way a printer does: subsets and FNC1 → data with GS.
    fn interpret(field: &str) -> (bool, String) {
        let mut chars = field.chars().peekable();
        let mut out = String::new();
        let mut fnc1_first = false;
        let mut in_c = false;
        let mut first = true;
        while let Some(c) = chars.next() {
            if c == '>' {
                match chars.next().unwrap() {
                    ';' | '5' => in_c = true,
                    ':' | '6' => in_c = false,
                    '<' => out.push('>'),
                    '8' if first || out.is_empty() => fnc1_first = true,
                    '8' => out.push(GS),
                    other => panic!("unexpected invocation >{other}"),
                }
                first = false;
                continue;
            }
            first = false;
            if in_c {
                let d = chars.next().expect("subset C takes digit pairs");
                assert!(
                    c.is_ascii_digit() && d.is_ascii_digit(),
                    "{c}{d} in subset C"
                );
                out.push(c);
                out.push(d);
            } else {
                out.push(c);
            }
        }
        (fnc1_first, out)
    }

    #[test]
    fn gs1_128_field_has_fnc1_first_and_at_each_separator() {
        for data in [
            "0109501101530003\u{1d}10LOT-7\u{1d}3712",
            "010950110153000310AB-12\u{1d}17271231",
            "00395011010000000019",
            "10A\u{1d}17271231",
            "0109501101530003172712311012345",
            "21X>Y",
        ] {
            let field = code128_invocations(data, true);
            assert_eq!(interpret(&field), (true, data.to_string()), "{field}");
        }
        assert_eq!(
            code128_invocations("0109501101530003\u{1d}10AB", true),
            ">;>80109501101530003>810>6AB"
        );
    }

    #[test]
    fn plain_code128_has_no_fnc1() {
        let field = code128_invocations("PALLET-0042", false);
        assert_eq!(interpret(&field), (false, "PALLET-0042".to_string()));
        assert!(!field.contains(">8"));
    }

    #[test]
    fn datamatrix_separators_become_escaped_fnc1() {
        assert_eq!(escape_datamatrix("10A_B\u{1d}3712"), "10A__B_13712");
    }

    #[test]
    fn text_escapes_zpl_command_characters() {
        assert_eq!(escape_text("a^b~c_d"), "a_5Eb_7Ec_5Fd");
    }
}
