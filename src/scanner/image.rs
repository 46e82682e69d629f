//! Images as a scanner: an image file, a watched folder, or a stream of frames on stdin.
//!
//! Decoding goes through [`crate::barcode::decode_luma`]. Each barcode found is one scan, top
//! to bottom, carrying the AIM identifier (`]C1`, `]d2`, `]Q3`, …) and GS separators.
//!
//! A watched folder is polled (no daemon, no inotify): an image is taken once its size has
//! stayed the same between two polls (so half-written uploads are left alone), and is then
//! moved to `done/` (decoded) or `failed/` (no barcode), so a restart never scans it twice.
//! Frames on stdin (`image:-`) are PNG or binary PGM (P5) images back to back, as
//! `ffmpeg … -f image2pipe -c:v png -` or `-c:v pgm` writes them.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::config::ImageConfig;
use super::source::Emitter;
use super::{Reject, ScannerError, SourceState};
use crate::barcode::DecodeOptions;

/// Decodes every barcode in a greyscale image. Returns the frames (AIM id + data), top first.
pub fn decode_luma(
    luma: &[u8],
    width: u32,
    height: u32,
    options: &DecodeOptions,
) -> Result<Vec<Vec<u8>>, Reject> {
    let found = crate::barcode::decode_luma_with(luma, width, height, options).map_err(|e| {
        Reject::NoBarcode {
            what: match e {
                crate::barcode::BarcodeError::NoBarcode { .. } => {
                    format!("the {width}×{height} image")
                }
                other => other.to_string(),
            },
        }
    })?;
    Ok(found.iter().map(|d| d.scan_data().into_bytes()).collect())
}

/// Decodes an encoded image (PNG, JPEG or binary PGM).
pub fn decode_image_bytes(bytes: &[u8], options: &DecodeOptions) -> Result<Vec<Vec<u8>>, Reject> {
    let (luma, width, height) = luma_of(bytes)?;
    decode_luma(&luma, width, height, options)
}

/// The grey pixels of an encoded image (PNG, JPEG or binary PGM).
pub fn luma_of(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), Reject> {
    if bytes.starts_with(b"P5") {
        let (width, height, pixels) = parse_pgm(bytes).ok_or_else(|| Reject::NoBarcode {
            what: "a malformed PGM image".into(),
        })?;
        return Ok((pixels.to_vec(), width, height));
    }
    let image = image::load_from_memory(bytes).map_err(|e| Reject::NoBarcode {
        what: format!("an unreadable image ({e})"),
    })?;
    let luma = image.to_luma8();
    let (width, height) = luma.dimensions();
    Ok((luma.into_raw(), width, height))
}

/// Header and pixels of a binary PGM with 8-bit samples: `P5 <w> <h> <maxval>` + w×h bytes.
fn parse_pgm(bytes: &[u8]) -> Option<(u32, u32, &[u8])> {
    let (fields, body) = pgm_header(bytes)?;
    let [width, height, maxval] = fields;
    if maxval == 0 || maxval > 255 || width == 0 || height == 0 {
        return None;
    }
    let len = (width as usize).checked_mul(height as usize)?;
    Some((width, height, body.get(..len)?))
}

/// The three numbers of a PGM header and the bytes after it (comments are not supported).
fn pgm_header(bytes: &[u8]) -> Option<([u32; 3], &[u8])> {
    let mut rest = bytes.strip_prefix(b"P5")?;
    let mut fields = [0u32; 3];
    for field in &mut fields {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        if start == 0 {
            return None; // numbers must be separated by whitespace
        }
        rest = &rest[start..];
        let end = rest.iter().position(|b| !b.is_ascii_digit())?;
        *field = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
        rest = &rest[end..];
    }
    // Exactly one whitespace byte separates the header from the pixels.
    rest.first().filter(|b| b.is_ascii_whitespace())?;
    Some((fields, &rest[1..]))
}

/// Splits a byte stream of PNG / PGM images into whole images. Pure and incremental.
#[derive(Debug, Default)]
pub struct ImageStreamSplitter {
    buf: Vec<u8>,
}

/// What the splitter found.
#[derive(Debug, PartialEq, Eq)]
pub enum Split {
    Image(Vec<u8>),
    /// The stream does not start with a PNG or PGM signature; everything pending is dropped.
    Garbage(usize),
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

impl ImageStreamSplitter {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole image, or `None` when more bytes are needed.
    pub fn next_image(&mut self) -> Option<Split> {
        let len = if self.buf.starts_with(PNG_SIGNATURE) {
            png_len(&self.buf)?
        } else if self.buf.starts_with(b"P5") {
            match pgm_header(&self.buf) {
                Some(([w, h, _], body)) => {
                    (self.buf.len() - body.len()) + (w as usize).checked_mul(h as usize)?
                }
                None if self.buf.len() < 64 => return None, // header still arriving
                None => return Some(self.drop_all()),
            }
        } else if PNG_SIGNATURE.starts_with(&self.buf) || b"P5".starts_with(&self.buf) {
            return None; // a signature still arriving (or nothing at all)
        } else {
            return Some(self.drop_all());
        };
        if self.buf.len() < len {
            return None;
        }
        let rest = self.buf.split_off(len);
        Some(Split::Image(std::mem::replace(&mut self.buf, rest)))
    }

    /// Drops bytes up to the next thing that may be an image start (a PNG signature or "P5"),
    /// keeping a tail that could be the beginning of a signature.
    fn drop_all(&mut self) -> Split {
        let next_start = (1..self.buf.len()).find(|&i| {
            let rest = &self.buf[i..];
            let n = rest.len().min(PNG_SIGNATURE.len());
            rest[..n] == PNG_SIGNATURE[..n] || rest.starts_with(b"P5") || rest == b"P"
        });
        let dropped = next_start.unwrap_or(self.buf.len());
        self.buf.drain(..dropped);
        Split::Garbage(dropped)
    }
}

/// Length of the PNG at the start of `buf` (through its IEND chunk), if all of it is there.
fn png_len(buf: &[u8]) -> Option<usize> {
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = buf.get(at..at + 8)?;
        let len = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let end = at + 12 + len; // length, type, data, CRC
        if &header[4..8] == b"IEND" {
            return (buf.len() >= end).then_some(end);
        }
        at = end;
    }
}

/// What an `image:PATH` source reads, and how it decodes.
#[derive(Debug)]
pub struct ImageSource {
    input: ImageInput,
    options: DecodeOptions,
}

#[derive(Debug)]
enum ImageInput {
    File(PathBuf),
    Folder { dir: PathBuf, poll: Duration },
    Stdin,
}

impl ImageSource {
    pub fn new(path: &str, config: &ImageConfig) -> Result<Self, ScannerError> {
        Ok(ImageSource {
            input: ImageInput::new(path, config)?,
            options: config.decode_options(),
        })
    }

    /// Runs the source to its end (file, stdin) or until stopped (folder).
    pub fn run(self, emitter: Emitter) {
        emitter.state(SourceState::Connected);
        let options = &self.options;
        match self.input {
            ImageInput::File(path) => {
                scan_file(&path, &emitter, options);
            }
            ImageInput::Folder { dir, poll } => watch_folder(&dir, poll, &emitter, options),
            ImageInput::Stdin => read_stream(std::io::stdin().lock(), &emitter, options),
        }
        emitter.state(SourceState::Closed);
    }
}

impl ImageInput {
    fn new(path: &str, config: &ImageConfig) -> Result<Self, ScannerError> {
        if path == "-" {
            return Ok(ImageInput::Stdin);
        }
        let p = PathBuf::from(path);
        let meta = std::fs::metadata(&p).map_err(|source| ScannerError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(if meta.is_dir() {
            ImageInput::Folder {
                dir: p,
                poll: Duration::from_millis(config.poll_interval_ms.max(10)),
            }
        } else {
            ImageInput::File(p)
        })
    }
}

/// Decodes one image file and sends its scans. True when a barcode was found.
fn scan_file(path: &Path, emitter: &Emitter, options: &DecodeOptions) -> bool {
    let arrived = Instant::now();
    let decoded = std::fs::read(path)
        .map_err(|e| Reject::NoBarcode {
            what: format!("{} (cannot read: {e})", path.display()),
        })
        .and_then(|bytes| decode_image_bytes(&bytes, options))
        .map_err(|reject| match reject {
            Reject::NoBarcode { what } if what.starts_with("the ") => Reject::NoBarcode {
                what: path.display().to_string(),
            },
            other => other,
        });
    match decoded {
        Ok(frames) => {
            for frame in frames {
                emitter.frame(frame, arrived);
            }
            true
        }
        Err(reject) => {
            emitter.reject(reject);
            false
        }
    }
}

fn is_image(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.'));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    !hidden && matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg" | "pgm"))
}

fn watch_folder(dir: &Path, poll: Duration, emitter: &Emitter, options: &DecodeOptions) {
    // Sizes seen at the previous poll: a file is taken when its size has not changed.
    let mut seen: HashMap<PathBuf, u64> = HashMap::new();
    while !emitter.stopped() {
        let mut ready = Vec::new();
        let mut now_seen = HashMap::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() || !is_image(&path) {
                    continue;
                }
                let size = meta.len();
                if seen.get(&path) == Some(&size) && size > 0 {
                    ready.push((meta.modified().ok(), path));
                } else {
                    now_seen.insert(path, size);
                }
            }
        }
        ready.sort();
        for (_, path) in ready {
            let found = scan_file(&path, emitter, options);
            let sub = if found { "done" } else { "failed" };
            if let Err(e) = move_into(dir, sub, &path) {
                // Leaving it would scan it again at every poll: stop instead.
                emitter.state(SourceState::Reconnecting {
                    reason: format!("cannot move {} to {sub}/: {e}", path.display()),
                    retry_in_ms: 0,
                });
                return;
            }
        }
        seen = now_seen;
        emitter.sleep(poll);
    }
}

fn move_into(dir: &Path, sub: &str, path: &Path) -> std::io::Result<()> {
    let target = dir.join(sub);
    std::fs::create_dir_all(&target)?;
    let name = path.file_name().unwrap_or_default();
    std::fs::rename(path, target.join(name))
}

fn read_stream(input: impl Read, emitter: &Emitter, options: &DecodeOptions) {
    split_stream(
        input,
        64 * 1024,
        || emitter.stopped(),
        |split| {
            let arrived = Instant::now();
            let ok = match split {
                Split::Image(bytes) => match decode_image_bytes(&bytes, options) {
                    Ok(frames) => frames.into_iter().all(|f| emitter.frame(f, arrived)),
                    Err(reject) => emitter.reject(reject),
                },
                Split::Garbage(len) => emitter.reject(Reject::NoBarcode {
                    what: format!("{len} bytes on stdin that are not a PNG or PGM image"),
                }),
            };
            ok && !emitter.stopped()
        },
    );
}

/// Reads `input` in reads of `buf_size` bytes until it ends, and hands `each` every image (or
/// run of bytes that is none) the stream splits into; stops early when `each` says so, or when
/// `stopped` says so after a read. One reader for stdin images and camera frames.
pub(super) fn split_stream(
    mut input: impl Read,
    buf_size: usize,
    stopped: impl Fn() -> bool,
    mut each: impl FnMut(Split) -> bool,
) {
    let mut splitter = ImageStreamSplitter::default();
    let mut buf = vec![0u8; buf_size];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        splitter.push(&buf[..n]);
        while let Some(split) = splitter.next_image() {
            if !each(split) {
                return;
            }
        }
        if stopped() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::SymbolKind;

    #[test]
    fn pgm_and_png_frames_back_to_back_are_split_whole() {
        let pgm = b"P5 3 2\n255\n\x00\x01\x02\x03\x04\x05".to_vec();
        let mut png = Vec::new();
        image::GrayImage::new(4, 4)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let stream = [pgm.clone(), png.clone(), pgm.clone()].concat();
        let mut s = ImageStreamSplitter::default();
        let mut out = Vec::new();
        for chunk in stream.chunks(7) {
            s.push(chunk);
            while let Some(split) = s.next_image() {
                out.push(split);
            }
        }
        assert_eq!(
            out,
            vec![
                Split::Image(pgm.clone()),
                Split::Image(png),
                Split::Image(pgm)
            ]
        );
    }

    #[test]
    fn garbage_on_the_stream_is_dropped_and_the_next_image_found() {
        let mut s = ImageStreamSplitter::default();
        s.push(b"hello world, not an image");
        assert_eq!(s.next_image(), Some(Split::Garbage(25)));
        assert_eq!(s.next_image(), None);
        s.push(b"junk\x89PN");
        assert_eq!(s.next_image(), Some(Split::Garbage(4)));
        assert_eq!(s.next_image(), None, "a signature may be arriving");
        s.push(b"G\r\n\x1a\n");
        assert_eq!(s.next_image(), None, "a PNG waiting for its chunks");
        let mut s = ImageStreamSplitter::default();
        s.push(b"xxP5 1 1\n255\n\x00");
        assert_eq!(s.next_image(), Some(Split::Garbage(2)));
        assert_eq!(
            s.next_image(),
            Some(Split::Image(b"P5 1 1\n255\n\x00".to_vec()))
        );
    }

    /// A symbol as a greyscale image, drawn by the barcode module at 3 px per module.
    fn render(symbology: SymbolKind, data: &str) -> (Vec<u8>, u32, u32) {
        let png = crate::barcode::to_png(&crate::barcode::encode(symbology, data).unwrap(), 3);
        let luma = image::load_from_memory(&png).unwrap().to_luma8();
        let (w, h) = luma.dimensions();
        (luma.into_raw(), w, h)
    }

    #[test]
    fn gs1_symbols_decode_with_aim_id_and_gs() {
        let cases = [
            (
                SymbolKind::Gs1_128,
                "0109501101531000\u{1d}10LOT-42",
                "]C10109501101531000\u{1d}10LOT-42",
            ),
            (
                SymbolKind::Gs1Qr,
                "0109501101531000\u{1d}10LOT-42",
                "]Q30109501101531000\u{1d}10LOT-42",
            ),
            (
                SymbolKind::Qr,
                "https://id.gs1.org/01/09501101531000",
                "]Q1https://id.gs1.org/01/09501101531000",
            ),
        ];
        for (symbology, data, want) in cases {
            let (luma, w, h) = render(symbology, data);
            let frames = decode_luma(&luma, w, h, &DecodeOptions::default()).unwrap();
            assert_eq!(frames, vec![want.as_bytes().to_vec()], "{symbology}");
        }
    }

    #[test]
    fn a_blank_image_has_no_barcode() {
        let err = decode_luma(&[255; 64 * 64], 64, 64, &DecodeOptions::default()).unwrap_err();
        assert!(matches!(err, Reject::NoBarcode { .. }));
    }
}
