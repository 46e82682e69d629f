//! GS1 DataMatrix codewords, written here instead of by rxing's writer.
//!
//! rxing puts FNC1 into a DataMatrix only through its minimal (shortest-path) encoder, which
//! costs about a millisecond per symbol: a quarter of the time of a 1,000-label print run. GS1
//! element strings are digits with a few letters, so ASCII encodation (digit pairs in one
//! codeword, FNC1 = 232 first and as separator) is what GS1 printers emit and is within a
//! codeword or two of optimal. Error correction, module placement and the symbol table stay
//! rxing's.

use rxing::datamatrix::encoder::{
    DefaultPlacement, SymbolInfoLookup, SymbolShapeHint, error_correction,
};

use crate::gs1::GS;

/// FNC1 in ASCII encodation.
const FNC1: u8 = 232;
/// The first pad codeword after the data.
const PAD: u8 = 129;
/// Upper shift: the next codeword is an extended ASCII character.
const UPPER_SHIFT: u8 = 235;

/// The data codewords of `element_string` (GS marks the end of a variable-length value):
/// FNC1, then ASCII encodation, unpadded.
pub fn gs1_codewords(element_string: &str) -> Vec<u8> {
    let bytes: Vec<u8> = element_string
        .chars()
        .map(|c| if c == GS { 0x1D } else { c as u32 as u8 })
        .collect();
    let mut out = Vec::with_capacity(bytes.len() / 2 + 2);
    out.push(FNC1);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push(130 + (b - b'0') * 10 + (bytes[i + 1] - b'0'));
            i += 2;
            continue;
        }
        if b == 0x1D {
            out.push(FNC1);
        } else if b < 128 {
            out.push(b + 1);
        } else {
            out.extend([UPPER_SHIFT, b - 128 + 1]);
        }
        i += 1;
    }
    out
}

/// Pads `codewords` to `capacity`: one 129, then the 253-state randomised pads of ISO 16022.
fn pad(codewords: &mut Vec<u8>, capacity: usize) {
    if codewords.len() < capacity {
        codewords.push(PAD);
    }
    while codewords.len() < capacity {
        let position = codewords.len() as u32 + 1;
        let pseudo = (149 * position) % 253 + 1;
        let value = u32::from(PAD) + pseudo;
        codewords.push(if value <= 254 { value } else { value - 254 } as u8);
    }
}

/// A square GS1 DataMatrix for `element_string` as rows of modules (true = dark), finder and
/// timing patterns included, no quiet zone. `Err` says why it cannot be encoded.
pub fn encode_gs1(element_string: &str) -> Result<(u32, Vec<bool>), String> {
    if !element_string.is_ascii() {
        return Err("GS1 DataMatrix data must be ASCII".into());
    }
    let mut codewords = gs1_codewords(element_string);
    let lookup = SymbolInfoLookup::new();
    let info = lookup
        .lookup_with_shape(codewords.len() as u32, SymbolShapeHint::FORCE_SQUARE)
        .map_err(|e| e.to_string())?
        .ok_or("the data is too long for a DataMatrix symbol")?;
    pad(&mut codewords, info.getDataCapacity() as usize);
    let data: String = codewords.iter().map(|&c| char::from(c)).collect();
    let with_ecc = error_correction::encodeECC200(&data, info).map_err(|e| e.to_string())?;
    let err = |e: rxing::Exceptions| e.to_string();
    let (data_w, data_h) = (
        info.getSymbolDataWidth().map_err(err)?,
        info.getSymbolDataHeight().map_err(err)?,
    );
    let (size_w, size_h) = (
        info.getSymbolWidth().map_err(err)?,
        info.getSymbolHeight().map_err(err)?,
    );
    let mut placement = DefaultPlacement::new(with_ecc, data_w as usize, data_h as usize);
    placement.place().map_err(err)?;
    // Each data region is framed by a solid left and bottom edge and an alternating top and
    // right edge; the region's data size follows from how many frames the symbol has.
    let region_w = data_w / ((size_w - data_w) / 2);
    let region_h = data_h / ((size_h - data_h) / 2);
    let mut rows: Vec<bool> = Vec::with_capacity((size_w * size_h) as usize);
    for y in 0..data_h {
        if y % region_h == 0 {
            rows.extend((0..size_w).map(|x| x % 2 == 0));
        }
        for x in 0..data_w {
            if x % region_w == 0 {
                rows.push(true);
            }
            rows.push(placement.getBit(x as usize, y as usize));
            if x % region_w == region_w - 1 {
                rows.push(y % 2 == 0);
            }
        }
        if y % region_h == region_h - 1 {
            rows.extend((0..size_w).map(|_| true));
        }
    }
    debug_assert_eq!(rows.len(), (size_w * size_h) as usize);
    Ok((size_w, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_pair_up_and_gs_becomes_fnc1() {
        // FNC1, "01" "09" "50" … then "10", 'A' → 66, GS → FNC1, "21" "12".
        let cw = gs1_codewords("0109501101530003" /* 16 digits */);
        assert_eq!(cw[0], FNC1);
        assert_eq!(&cw[1..4], &[131, 139, 180]);
        assert_eq!(cw.len(), 9);
        let cw = gs1_codewords("10A\u{1d}2112");
        assert_eq!(cw, vec![FNC1, 140, 66, FNC1, 151, 142]);
        // An odd digit before a letter stands alone as ASCII + 1.
        assert_eq!(gs1_codewords("101A"), vec![FNC1, 140, b'1' + 1, 66]);
    }

    #[test]
    fn padding_follows_the_253_state_rule() {
        let mut cw = vec![FNC1, 131];
        pad(&mut cw, 5);
        // Positions 4 and 5: 129 + ((149 * p) % 253 + 1), wrapped past 254.
        assert_eq!(cw, vec![FNC1, 131, PAD, 220, 115]);
    }

    #[test]
    fn symbols_are_square_with_the_l_finder() {
        let (w, bits) = encode_gs1("0109501101530003\u{1d}10B2611").unwrap();
        let h = bits.len() as u32 / w;
        assert_eq!(w, h);
        assert!((0..h).all(|y| bits[(y * w) as usize]), "solid left edge");
        assert!(
            (0..w).all(|x| bits[((h - 1) * w + x) as usize]),
            "solid bottom"
        );
        assert!(
            (0..w).all(|x| bits[x as usize] == (x % 2 == 0)),
            "timing top"
        );
    }

    #[test]
    fn rxing_reads_back_every_size_from_one_region_to_several() {
        use crate::barcode::{SymbolKind, decode_image_bytes, encode, to_png};
        // Lengths that land in 10×10 up to 64×64 (four data regions and more).
        let mut widest = 0;
        for n in [1usize, 7, 20, 44, 90, 150, 200] {
            let batch: String = (0..n).map(|i| (b'A' + (i % 26) as u8) as char).collect();
            let data = format!("0109501101530003\u{1d}10{}", &batch[..n.min(20)]);
            let data = if n > 20 {
                format!("{data}\u{1d}91{}", &batch[..(n - 20).min(90)])
            } else {
                data
            };
            let symbol = encode(SymbolKind::Gs1DataMatrix, &data).unwrap();
            let found = decode_image_bytes(&to_png(&symbol, 4)).unwrap();
            assert_eq!(found.len(), 1, "{n}: one symbol");
            assert_eq!(found[0].aim_id.as_deref(), Some("]d2"), "{n}");
            assert_eq!(
                found[0].text, data,
                "{n}: {}x{}",
                symbol.matrix.width, symbol.matrix.height
            );
            widest = widest.max(symbol.matrix.width);
        }
        assert!(widest >= 32, "the largest case has several data regions");
    }

    #[test]
    fn non_ascii_and_overlong_data_are_refused() {
        assert!(encode_gs1("10É").is_err());
        assert!(encode_gs1(&"9".repeat(4000)).is_err());
    }
}
