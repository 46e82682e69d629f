//! Decoding images and camera frames: every symbol in a greyscale image, top to bottom, and
//! only symbols that pass the station's [`policy`](super::policy).
//!
//! Passes run cheapest first until one finds a symbol the policy accepts (chosen by
//! measurement against zxing-cpp: docs/BENCHMARKS.md, "Camera decode"). With rxing
//! ([`Decoder::Rxing`], the default build): the frame as it is; with TryHarder (every row,
//! and turned 90°); halved by a 2×2 mean (noise); grey levels stretched (low contrast);
//! doubled (small modules); then DataMatrix symbols away from the image centre, found by their
//! "L" finder and decoded cropped. With zxing-cpp (`Decoder::ZxingCpp`, the `zxing-cpp`
//! feature): zxing-cpp, then rxing on the halved frame. Linear reads are checked on scan
//! lines of their own (rxing) or by zxing-cpp's line count plus rxing's dissent.

use std::collections::HashSet;

use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, MultiFormatReader,
    MultiUseMultiFormatReader, RXingResultMetadataType, RXingResultMetadataValue, Reader,
};

use super::policy::{self, Accepted};
use super::{BarcodeError, SymbolKind};
use crate::gs1::GS;
use lotline_imaging as imaging;

/// One symbol found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The AIM symbology identifier (`]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR,
    /// `]Q1` plain QR, `]E0` EAN/UPC, …) when the decoder reports one.
    pub aim_id: Option<String>,
    /// The data, with GS (0x1D) between GS1 elements, without the AIM identifier.
    pub text: String,
    /// Which of Lotline's symbologies it is.
    pub symbology: SymbolKind,
}

impl Decoded {
    /// The bytes a scanner would send for this symbol: AIM identifier then data.
    pub fn scan_data(&self) -> String {
        format!("{}{}", self.aim_id.as_deref().unwrap_or(""), self.text)
    }
}

/// How to decode: which symbologies count, and with which decoder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    pub accepted: Accepted,
    pub decoder: Decoder,
}

/// The decoder behind the passes. The default is the best one the build has: zxing-cpp
/// with the `zxing-cpp` feature, else rxing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Decoder {
    /// rxing (pure Rust) with Lotline's pre-processing passes.
    #[cfg_attr(not(feature = "zxing-cpp"), default)]
    Rxing,
    /// zxing-cpp, then rxing on the halved frame.
    #[cfg(feature = "zxing-cpp")]
    #[default]
    ZxingCpp,
}

/// Decodes every barcode in a greyscale image (one byte per pixel, row by row), top first,
/// accepting every symbology Lotline prints.
pub fn decode_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<Vec<Decoded>, BarcodeError> {
    decode_luma_with(&luma, width, height, &DecodeOptions::default())
}

/// A greyscale image the passes look at.
struct Gray<'a> {
    px: std::borrow::Cow<'a, [u8]>,
    width: u32,
    height: u32,
}

/// Decodes every barcode in a greyscale image that `options` accept, top first.
pub fn decode_luma_with(
    luma: &[u8],
    width: u32,
    height: u32,
    options: &DecodeOptions,
) -> Result<Vec<Decoded>, BarcodeError> {
    let len = (width as usize).checked_mul(height as usize);
    if width == 0 || height == 0 || len.is_none_or(|n| luma.len() < n) {
        return Err(BarcodeError::BadImage(format!(
            "{} bytes do not make a {width}×{height} image",
            luma.len()
        )));
    }
    let luma = &luma[..(width * height) as usize];
    let formats = formats_of(&options.accepted);
    if formats.is_empty() {
        return Err(BarcodeError::NoBarcode { width, height });
    }
    // (symbol, its top edge in full-image pixels)
    let mut found: Vec<(Decoded, f32)> = Vec::new();
    let passes = match options.decoder {
        Decoder::Rxing => RXING_PASSES,
        #[cfg(feature = "zxing-cpp")]
        Decoder::ZxingCpp => ZXING_CPP_PASSES,
    };
    for pass in passes {
        let prepared = match pass.prep {
            Prep::AsIs => None,
            Prep::Half => match imaging::half(luma, width, height) {
                Some(g) => Some(g),
                None => continue,
            },
            Prep::Stretch => match imaging::stretch(luma) {
                Some(px) => Some(imaging::Gray { px, width, height }),
                None => continue,
            },
            Prep::Double => match imaging::double(luma, width, height) {
                Some(g) => Some(g),
                None => continue,
            },
        };
        let image = match &prepared {
            Some(g) => Gray {
                px: g.px.as_slice().into(),
                width: g.width,
                height: g.height,
            },
            None => Gray {
                px: luma.into(),
                width,
                height,
            },
        };
        let factor = height as f32 / image.height as f32;
        match pass.engine {
            Engine::Rxing { try_harder } => {
                for result in detect(&image, try_harder, &formats) {
                    if let Some(d) = accept(&options.accepted, &image, &result) {
                        push(&mut found, d, top(&result) * factor);
                    }
                }
            }
            #[cfg(feature = "zxing-cpp")]
            Engine::ZxingCpp => {
                for (d, y) in zxing::detect(&image, &options.accepted) {
                    push(&mut found, d, y * factor);
                }
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    // rxing's DataMatrix detector grows a rectangle from the image centre, so a DataMatrix in
    // a corner of a label is missed. Find DataMatrix-like shapes (a dark connected region
    // with the solid "L" finder on two adjacent sides) and decode each one cropped.
    // (zxing-cpp's detector looks at the whole frame: not needed with it.)
    let dm: HashSet<BarcodeFormat> = [BarcodeFormat::DATA_MATRIX].into();
    if options.decoder == Decoder::Rxing && formats.contains(&BarcodeFormat::DATA_MATRIX) {
        for (x0, y0, x1, y1) in imaging::datamatrix_candidates(luma, width, height) {
            let (cw, ch) = (x1 - x0, y1 - y0);
            let crop: Vec<u8> = (y0..y1)
                .flat_map(|row| {
                    let start = (row * width + x0) as usize;
                    luma[start..start + cw as usize].iter().copied()
                })
                .collect();
            let crop = Gray {
                px: crop.into(),
                width: cw,
                height: ch,
            };
            for result in detect(&crop, false, &dm) {
                if let Some(d) = accept(&options.accepted, &crop, &result) {
                    push(&mut found, d, top(&result) + y0 as f32);
                }
            }
        }
    }
    if found.is_empty() {
        return Err(BarcodeError::NoBarcode { width, height });
    }
    found.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(found.into_iter().map(|(d, _)| d).collect())
}

/// How a pass prepares the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prep {
    AsIs,
    /// Halved (2×2 mean): noise.
    Half,
    /// Grey levels stretched to the full range: low contrast.
    Stretch,
    /// Doubled (bilinear): small modules.
    Double,
}

/// Which decoder a pass runs.
#[derive(Debug, Clone, Copy)]
enum Engine {
    /// rxing; TryHarder looks at every row and turns the image 90°.
    Rxing { try_harder: bool },
    /// zxing-cpp with its defaults (rotations, downscaling, inversion), 1-D symbols read
    /// the same on at least two scan lines.
    #[cfg(feature = "zxing-cpp")]
    ZxingCpp,
}

#[derive(Debug, Clone, Copy)]
struct Pass {
    prep: Prep,
    engine: Engine,
}

/// The passes, cheapest first; decoding stops after the first that finds a symbol.
const RXING_PASSES: &[Pass] = &[
    Pass {
        prep: Prep::AsIs,
        engine: Engine::Rxing { try_harder: false },
    },
    Pass {
        prep: Prep::AsIs,
        engine: Engine::Rxing { try_harder: true },
    },
    Pass {
        prep: Prep::Half,
        engine: Engine::Rxing { try_harder: true },
    },
    Pass {
        prep: Prep::Stretch,
        engine: Engine::Rxing { try_harder: true },
    },
    Pass {
        prep: Prep::Double,
        engine: Engine::Rxing { try_harder: false },
    },
];

/// With zxing-cpp: zxing-cpp first; rxing on the halved frame reads noisy frames that
/// zxing-cpp misses (measured: docs/BENCHMARKS.md).
#[cfg(feature = "zxing-cpp")]
const ZXING_CPP_PASSES: &[Pass] = &[
    Pass {
        prep: Prep::AsIs,
        engine: Engine::ZxingCpp,
    },
    Pass {
        prep: Prep::Half,
        engine: Engine::Rxing { try_harder: true },
    },
];

fn push(found: &mut Vec<(Decoded, f32)>, d: Decoded, top: f32) {
    if !found
        .iter()
        .any(|(f, _)| f.aim_id == d.aim_id && f.text == d.text)
    {
        found.push((d, top));
    }
}

fn top(r: &rxing::RXingResult) -> f32 {
    r.getPoints()
        .iter()
        .map(|p| p.y)
        .fold(f32::INFINITY, f32::min)
}

/// zxing-cpp behind the `zxing-cpp` feature.
#[cfg(feature = "zxing-cpp")]
mod zxing {
    use zxingcpp::{BarcodeFormat, TextMode};

    use super::{Accepted, Decoded, Gray, SymbolKind, policy, strip_spurious_trailing_gs};

    fn formats(accepted: &Accepted) -> Vec<BarcodeFormat> {
        let mut out = Vec::new();
        for k in accepted.kinds() {
            let f = match k {
                SymbolKind::Gs1_128 | SymbolKind::Code128 => BarcodeFormat::Code128,
                SymbolKind::Gs1DataMatrix | SymbolKind::DataMatrix => BarcodeFormat::DataMatrix,
                SymbolKind::Gs1Qr | SymbolKind::Qr => BarcodeFormat::QRCode,
                SymbolKind::Ean13 => BarcodeFormat::EAN13,
                SymbolKind::UpcA => BarcodeFormat::UPCA,
                SymbolKind::Itf14 => BarcodeFormat::ITF,
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// The symbols zxing-cpp reads that the policy accepts, with their top edge.
    pub(super) fn detect(image: &Gray, accepted: &Accepted) -> Vec<(Decoded, f32)> {
        let Ok(view) = zxingcpp::ImageView::from_slice(
            &image.px,
            image.width,
            image.height,
            zxingcpp::ImageFormat::Lum,
        ) else {
            return Vec::new();
        };
        let reader = zxingcpp::read()
            .formats(formats(accepted))
            .text_mode(TextMode::Plain)
            .min_line_count(2);
        let Ok(found) = reader.from(view) else {
            return Vec::new();
        };
        let read = found
            .iter()
            .filter_map(|b| {
                // Lotline names ITF-14 `]I0` whichever decoder read it (zxing-cpp says `]I1`:
                // check digit verified, which the policy does as well).
                let aim = match b.symbology_identifier() {
                    id if id == "]I1" => "]I0".to_string(),
                    id => id,
                };
                let mut text = b.text();
                // A UPC-A is an EAN-13 starting with 0; rxing reports it as UPC-A (12 digits)
                // when UPC-A is accepted, and so does Lotline whichever decoder read it.
                let ean_upc = matches!(b.format(), BarcodeFormat::UPCA | BarcodeFormat::EAN13);
                if ean_upc
                    && text.len() == 13
                    && text.starts_with('0')
                    && accepted.contains(SymbolKind::UpcA)
                {
                    text.remove(0);
                }
                let text = strip_spurious_trailing_gs(Some(&aim), text);
                let symbology = policy::check(accepted, &aim, &text).ok()?;
                // zxing-cpp's own scan-line agreement: two lines (min_line_count above), and
                // three for the symbologies guarded by one mod-10 digit only.
                // (zxing-cpp counts lines for linear symbols only.)
                if policy::is_linear(symbology)
                    && b.line_count() < policy::scan_lines_needed(symbology) as i32
                {
                    return None;
                }
                let p = b.position();
                // A mod-10 symbology read by zxing-cpp is read again by rxing on lines of its
                // own, and dropped when rxing reads other data there (zxing-cpp alone misread
                // 2 EAN-13 of 5,103 frames with a valid check digit, on several of its scan
                // lines). Requiring rxing to agree instead of not to dissent lost a quarter of
                // the ITF-14 reads: rxing reads fewer lines.
                if matches!(
                    symbology,
                    SymbolKind::Ean13 | SymbolKind::UpcA | SymbolKind::Itf14
                ) {
                    let mid = |q: zxingcpp::PointI, r: zxingcpp::PointI| {
                        ((q.x + r.x) as f32 / 2.0, (q.y + r.y) as f32 / 2.0)
                    };
                    let formats: std::collections::HashSet<rxing::BarcodeFormat> =
                        if symbology == SymbolKind::Itf14 {
                            [rxing::BarcodeFormat::ITF].into()
                        } else {
                            [rxing::BarcodeFormat::EAN_13, rxing::BarcodeFormat::UPC_A].into()
                        };
                    let digits = |t: &str| {
                        t.strip_prefix('0')
                            .filter(|r| r.len() == 12)
                            .map(str::to_string)
                            .unwrap_or_else(|| t.to_string())
                    };
                    let others: Vec<Option<String>> = super::lines_read(
                        image,
                        mid(p.top_left, p.bottom_left),
                        mid(p.top_right, p.bottom_right),
                        formats,
                    )
                    .into_iter()
                    .map(|r| r.map(|r| digits(r.getText())))
                    .collect();
                    let want = digits(&text);
                    if policy::dissent(&want, others.iter().map(|o| o.as_deref())) {
                        return None;
                    }
                }
                let corners = [p.top_left, p.top_right, p.bottom_left, p.bottom_right];
                let xs = corners.iter().map(|q| q.x as f32);
                let ys = corners.iter().map(|q| q.y as f32);
                let bbox = (
                    xs.clone().fold(f32::INFINITY, f32::min),
                    ys.clone().fold(f32::INFINITY, f32::min),
                    xs.fold(f32::NEG_INFINITY, f32::max),
                    ys.fold(f32::NEG_INFINITY, f32::max),
                );
                Some((
                    Decoded {
                        aim_id: Some(aim),
                        text,
                        symbology,
                    },
                    bbox,
                ))
            })
            .collect::<Vec<_>>();
        // Two different linear reads of one symbol (same ends, a little apart across the
        // bars) are one symbol read two ways: neither is trusted. Measured: zxing-cpp read an
        // EAN-13 right on some lines and, 30 px lower, wrong with a valid check digit.
        read.iter()
            .filter(|(d, bbox)| {
                !policy::is_linear(d.symbology)
                    || !read.iter().any(|(o, obox)| {
                        policy::is_linear(o.symbology)
                            && (o.aim_id != d.aim_id || o.text != d.text)
                            && policy::same_linear_symbol(*bbox, *obox)
                            && super::bars_join(image, *bbox, *obox)
                    })
            })
            .map(|(d, bbox)| (d.clone(), bbox.1))
            .collect()
    }
}

/// The rxing formats that can hold the accepted symbologies.
fn formats_of(accepted: &Accepted) -> HashSet<BarcodeFormat> {
    accepted
        .kinds()
        .iter()
        .map(|k| match k {
            SymbolKind::Gs1_128 | SymbolKind::Code128 => BarcodeFormat::CODE_128,
            SymbolKind::Gs1DataMatrix | SymbolKind::DataMatrix => BarcodeFormat::DATA_MATRIX,
            SymbolKind::Gs1Qr | SymbolKind::Qr => BarcodeFormat::QR_CODE,
            SymbolKind::Ean13 => BarcodeFormat::EAN_13,
            SymbolKind::UpcA => BarcodeFormat::UPC_A,
            SymbolKind::Itf14 => BarcodeFormat::ITF,
        })
        .collect()
}

/// A result the policy lets through: accepted symbology, checks passed, and for a linear
/// symbol a second scan line through it reading the same.
fn accept(accepted: &Accepted, image: &Gray, result: &rxing::RXingResult) -> Option<Decoded> {
    let (aim, text) = split_aim(result);
    let symbology = policy::check(accepted, aim.as_deref().unwrap_or(""), &text).ok()?;
    if policy::is_linear(symbology) {
        let first = result.getText();
        let others = parallel_lines(image, result).into_iter().map(|line| {
            line.filter(|r| r.getBarcodeFormat() == result.getBarcodeFormat())
                .map(|r| r.getText().to_string())
        });
        let others: Vec<Option<String>> = others.collect();
        if !policy::agree(first, others.iter().map(|o| o.as_deref())) {
            return None;
        }
    }
    Some(Decoded {
        aim_id: aim,
        text,
        symbology,
    })
}

/// Reads of four scan lines parallel to the one a linear result was read on (two each side,
/// a few pixels apart), each sampled from the image on its own.
fn parallel_lines(image: &Gray, result: &rxing::RXingResult) -> Vec<Option<rxing::RXingResult>> {
    let points = result.getPoints();
    let (Some(a), Some(b)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let formats: HashSet<BarcodeFormat> = [*result.getBarcodeFormat()].into();
    lines_read(image, (a.x, a.y), (b.x, b.y), formats)
}

/// rxing's reads of six lines parallel to the segment `a`–`b` through a linear symbol (three
/// each side, a few pixels apart), each sampled from the image on its own.
fn lines_read(
    image: &Gray,
    a: (f32, f32),
    b: (f32, f32),
    formats: HashSet<BarcodeFormat>,
) -> Vec<Option<rxing::RXingResult>> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 10.0 {
        return Vec::new();
    }
    let (mut ux, mut uy) = (dx / len, dy / len);
    let (mut ax, mut ay) = a;
    // rxing reads bars along rows or columns: such a line is sampled on whole pixels, as rxing
    // sampled it (interpolating between pixels would blur bars of 1–2 px).
    let axis_aligned = ux.abs() > 0.9998 || uy.abs() > 0.9998;
    if axis_aligned {
        (ux, uy) = (ux.round(), uy.round());
        (ax, ay) = (ax.round(), ay.round());
    }
    let (nx, ny) = (-uy, ux);
    // Quiet zones and a margin either side of the bars; each line is the mean of 3 lines a
    // pixel apart along the bars (noise).
    let ext = (0.2 * len).round();
    let samples = (len + 2.0 * ext).round() as usize;
    let near = (0.025 * len).max(3.0).round();
    let hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::AssumeGs1(true))
        .with(rxing::DecodeHintValue::PossibleFormats(formats));
    let read = |line: Vec<u8>| {
        let width = line.len() as u32;
        let source = Luma8Source::new(line, width, 1).ok()?;
        MultiFormatReader::default()
            .decode_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints)
            .ok()
    };
    [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]
        .into_iter()
        .map(|k| {
            let off = k * near;
            let (x0, y0) = (ax - ext * ux + off * nx, ay - ext * uy + off * ny);
            let line: Vec<u8> = (0..samples)
                .map(|i| {
                    let (x, y) = (x0 + i as f32 * ux, y0 + i as f32 * uy);
                    let sum: u32 = [-1.0f32, 0.0, 1.0]
                        .iter()
                        .map(|d| bilinear(image, x + d * nx, y + d * ny) as u32)
                        .sum();
                    (sum / 3) as u8
                })
                .collect();
            // rxing's bar reader misses bars of 1–2 px that it reads once the line is
            // interpolated to twice its length.
            let doubled = || imaging::double_line(&line);
            read(line.clone()).or_else(|| read(doubled()))
        })
        .collect()
}

/// Whether the bars seen by two parallel reads (boxes around their scan lines, from
/// [`policy::same_linear_symbol`]) run on unbroken from one to the other, i.e. the two reads
/// are of one symbol: most columns between them keep one shade. Two symbols stacked on a
/// label have a quiet zone and text between them, which breaks every column.
#[cfg(feature = "zxing-cpp")]
fn bars_join(image: &Gray, a: (f32, f32, f32, f32), b: (f32, f32, f32, f32)) -> bool {
    let along_x = a.2 - a.0 >= a.3 - a.1;
    // Work in (u along the bars' reading direction, v across) coordinates.
    let at = |u: f32, v: f32| {
        if along_x {
            bilinear(image, u, v)
        } else {
            bilinear(image, v, u)
        }
    };
    let (u0, u1, va, vb) = if along_x {
        (
            a.0.max(b.0),
            a.2.min(b.2),
            (a.1 + a.3) / 2.0,
            (b.1 + b.3) / 2.0,
        )
    } else {
        (
            a.1.max(b.1),
            a.3.min(b.3),
            (a.0 + a.2) / 2.0,
            (b.0 + b.2) / 2.0,
        )
    };
    if u1 - u0 < 10.0 {
        return false;
    }
    let (v0, v1) = (va.min(vb), va.max(vb));
    // The contrast of the bars on the first line.
    let mut line: Vec<u8> = (0..((u1 - u0) as usize))
        .map(|i| at(u0 + i as f32, va))
        .collect();
    line.sort_unstable();
    let contrast = line[line.len() * 95 / 100] as f32 - line[line.len() * 5 / 100] as f32;
    if contrast < 10.0 {
        return false;
    }
    let columns = 24;
    let steady = (0..columns)
        .filter(|c| {
            let u = u0 + (u1 - u0) * (*c as f32 + 0.5) / columns as f32;
            let (mut lo, mut hi) = (255u8, 0u8);
            let mut v = v0;
            while v <= v1 {
                let p = at(u, v);
                (lo, hi) = (lo.min(p), hi.max(p));
                v += 1.0;
            }
            ((hi - lo) as f32) < 0.5 * contrast
        })
        .count();
    steady * 4 >= columns * 3
}

/// The grey level at a point, interpolated; white off the image.
fn bilinear(g: &Gray, x: f32, y: f32) -> u8 {
    let (w, h) = (g.width as f32, g.height as f32);
    if !(0.0..w - 1.0).contains(&x) || !(0.0..h - 1.0).contains(&y) {
        return 255;
    }
    let (x0, y0) = (x as usize, y as usize);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let stride = g.width as usize;
    let p = |xx: usize, yy: usize| g.px[yy * stride + xx] as f32;
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    (top * (1.0 - fy) + bottom * fy).round() as u8
}

/// Decodes an encoded image (PNG or JPEG), accepting every symbology Lotline prints.
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<Decoded>, BarcodeError> {
    decode_image_bytes_with(bytes, &DecodeOptions::default())
}

/// Decodes an encoded image (PNG or JPEG).
pub fn decode_image_bytes_with(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<Vec<Decoded>, BarcodeError> {
    let image =
        image::load_from_memory(bytes).map_err(|e| BarcodeError::BadImage(e.to_string()))?;
    let luma = image.to_luma8();
    let (width, height) = luma.dimensions();
    decode_luma_with(luma.as_raw(), width, height, options)
}

fn detect(
    image: &Gray,
    try_harder: bool,
    formats: &HashSet<BarcodeFormat>,
) -> Vec<rxing::RXingResult> {
    let hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::AssumeGs1(true))
        .with(rxing::DecodeHintValue::TryHarder(try_harder))
        .with(rxing::DecodeHintValue::PossibleFormats(formats.clone()));
    let Ok(source) = Luma8Source::new_with_slice(&image.px, image.width, image.height) else {
        return Vec::new();
    };
    GenericMultipleBarcodeReader::new(MultiUseMultiFormatReader::default())
        .decode_multiple_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints)
        .unwrap_or_default()
}

/// The AIM identifier and the data of a result.
fn split_aim(result: &rxing::RXingResult) -> (Option<String>, String) {
    let raw = result.getText();
    let reported = match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(id)) => Some(id.clone()),
        _ => None,
    };
    // With AssumeGs1, rxing puts the identifier in the text as well for GS1 symbols.
    let (aim_id, text) = match raw.strip_prefix(']').filter(|_| raw.len() >= 3) {
        Some(_) => (Some(raw[..3].to_string()), raw[3..].to_string()),
        None => (reported, raw.to_string()),
    };
    let text = strip_spurious_trailing_gs(aim_id.as_deref(), text);
    (aim_id, text)
}

/// rxing decodes a Code 128 symbol whose check character is 102 (the FNC1 value) with a
/// trailing GS (about 1 symbol in 100). A GS1 element string never ends with a separator, so
/// a trailing GS on GS1 data is dropped.
fn strip_spurious_trailing_gs(aim_id: Option<&str>, mut text: String) -> String {
    let gs1 = matches!(aim_id, Some("]C1" | "]d2" | "]Q3" | "]e0" | "]J1"));
    if gs1 {
        while text.ends_with(GS) {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_gs_is_dropped_from_gs1_data_only() {
        assert_eq!(
            strip_spurious_trailing_gs(Some("]C1"), "10AB\u{1d}".into()),
            "10AB"
        );
        assert_eq!(
            strip_spurious_trailing_gs(Some("]C0"), "AB\u{1d}".into()),
            "AB\u{1d}"
        );
    }

    #[test]
    fn an_empty_or_short_buffer_is_a_bad_image_not_a_panic() {
        assert!(matches!(
            decode_luma(vec![], 10, 10),
            Err(BarcodeError::BadImage(_))
        ));
        assert!(matches!(
            decode_image_bytes(b"not an image"),
            Err(BarcodeError::BadImage(_))
        ));
    }

    #[test]
    fn a_blank_image_has_no_barcode() {
        let err = decode_luma(vec![255; 100 * 100], 100, 100).unwrap_err();
        assert_eq!(
            err,
            BarcodeError::NoBarcode {
                width: 100,
                height: 100
            }
        );
    }
}
