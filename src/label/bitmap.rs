//! Images on labels (`kind = "image"`): a PNG (or JPEG) from the assets folder, kept as 8-bit
//! grey (transparent parts become white paper). PDF embeds these pixels; the PNG preview and
//! ZPL resample them to the printer's dots ([`Bitmap::resample`]); ZPL prints a dot black
//! where the grey is darker than the element's threshold ([`Bitmap::to_mono_rows`]).

use std::path::{Component, Path};

/// The largest image a label takes, per side: a logo at 600 dpi over a whole 4×6 in label is
/// smaller; anything bigger is a mistake that would make every label file huge.
pub const MAX_SIDE_PX: u32 = 4000;

#[derive(Debug, Clone, PartialEq)]
pub struct Bitmap {
    /// Path inside the assets folder, as the template wrote it.
    pub path: String,
    pub width: u32,
    pub height: u32,
    /// Row-major grey levels, 0 = black, 255 = white.
    pub luma: Vec<u8>,
}

impl Bitmap {
    /// Reads `path` (relative, inside `assets`). The error says what is wrong and what to do.
    pub fn load(assets: &Path, path: &str) -> Result<Bitmap, String> {
        let relative = Path::new(path);
        if path.is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "image {path:?} must be a relative path inside the assets folder (no '..', not absolute), e.g. \"logo.png\""
            ));
        }
        let full = assets.join(relative);
        let cannot = |e: String| {
            format!(
                "cannot read image assets/{path} ({e}): put the PNG in {}",
                assets.display()
            )
        };
        // A symbolic link inside assets/ must not lead out of it.
        let real = full.canonicalize().map_err(|e| cannot(e.to_string()))?;
        let root = assets.canonicalize().map_err(|e| cannot(e.to_string()))?;
        if !real.starts_with(&root) {
            return Err(format!(
                "image assets/{path} leads outside the assets folder (to {}): copy the file into {}",
                real.display(),
                root.display()
            ));
        }
        let bytes = std::fs::read(&real).map_err(|e| cannot(e.to_string()))?;
        Bitmap::decode(path, &bytes)
    }

    /// Decodes PNG or JPEG bytes; `path` names the image in messages.
    pub fn decode(path: &str, bytes: &[u8]) -> Result<Bitmap, String> {
        let img = image::load_from_memory(bytes).map_err(|e| {
            format!("assets/{path} is not a readable PNG or JPEG image ({e}): re-export it as PNG")
        })?;
        let (width, height) = (img.width(), img.height());
        if width == 0 || height == 0 || width > MAX_SIDE_PX || height > MAX_SIDE_PX {
            return Err(format!(
                "assets/{path} is {width}×{height} px; a label image must be 1 to {MAX_SIDE_PX} px a side: scale it down"
            ));
        }
        // Transparent pixels are paper: composite over white, then take the grey level.
        let luma = img
            .to_rgba8()
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0.map(u32::from);
                let grey = (299 * r + 587 * g + 114 * b) / 1000;
                ((grey * a + 255 * (255 - a)) / 255) as u8
            })
            .collect();
        Ok(Bitmap {
            path: path.to_string(),
            width,
            height,
            luma,
        })
    }

    /// The image scaled to `w`×`h` pixels, each target pixel the mean of the source area it
    /// covers (so thin strokes of a large logo survive as grey rather than vanish).
    pub fn resample(&self, w: u32, h: u32) -> Vec<u8> {
        let (sw, sh) = (self.width as f64, self.height as f64);
        let mut out = Vec::with_capacity(w as usize * h as usize);
        for ty in 0..h {
            let (y0, y1) = (ty as f64 * sh / h as f64, (ty + 1) as f64 * sh / h as f64);
            for tx in 0..w {
                let (x0, x1) = (tx as f64 * sw / w as f64, (tx + 1) as f64 * sw / w as f64);
                let (mut sum, mut area) = (0.0, 0.0);
                let mut sy = y0.floor() as u32;
                while (sy as f64) < y1 && sy < self.height {
                    let cover_y = (y1.min(sy as f64 + 1.0) - y0.max(sy as f64)).max(0.0);
                    let mut sx = x0.floor() as u32;
                    while (sx as f64) < x1 && sx < self.width {
                        let cover =
                            cover_y * (x1.min(sx as f64 + 1.0) - x0.max(sx as f64)).max(0.0);
                        sum += cover * self.luma[(sy * self.width + sx) as usize] as f64;
                        area += cover;
                        sx += 1;
                    }
                    sy += 1;
                }
                out.push(if area > 0.0 {
                    (sum / area).round() as u8
                } else {
                    255
                });
            }
        }
        out
    }

    /// The image at `w`×`h` dots, one bit per dot (1 = black: grey below `threshold`), rows
    /// padded to whole bytes, most significant bit first: the layout of ZPL's `^GF`.
    /// Returns the bytes and the bytes per row.
    pub fn to_mono_rows(&self, w: u32, h: u32, threshold: u8) -> (Vec<u8>, usize) {
        let grey = self.resample(w, h);
        let per_row = (w as usize).div_ceil(8);
        let mut out = vec![0u8; per_row * h as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                if grey[y * w as usize + x] < threshold {
                    out[y * per_row + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        (out, per_row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, f: impl Fn(u32, u32) -> image::Rgba<u8>) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, f);
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn transparency_is_paper_and_colour_is_grey() {
        let bytes = png(3, 1, |x, _| match x {
            0 => image::Rgba([0, 0, 0, 0]),
            1 => image::Rgba([0, 0, 0, 255]),
            _ => image::Rgba([255, 0, 0, 255]),
        });
        let b = Bitmap::decode("t.png", &bytes).unwrap();
        assert_eq!(b.luma, vec![255, 0, 76]);
    }

    #[test]
    fn resampling_averages_areas_and_keeps_exact_sizes() {
        let b = Bitmap {
            path: "t".into(),
            width: 4,
            height: 2,
            luma: vec![0, 0, 255, 255, 0, 0, 255, 255],
        };
        assert_eq!(b.resample(4, 2), b.luma);
        assert_eq!(b.resample(2, 1), vec![0, 255]);
        assert_eq!(b.resample(1, 1), vec![128]);
        assert_eq!(b.resample(8, 1), vec![0, 0, 0, 0, 255, 255, 255, 255]);
    }

    #[test]
    fn mono_rows_pad_each_row_to_whole_bytes_msb_first() {
        // 10 × 2: row 0 black at x = 0 and x = 9, row 1 black at x = 1..=8.
        let luma = (0..20)
            .map(|i| {
                let (x, y) = (i % 10, i / 10);
                let black = if y == 0 {
                    x == 0 || x == 9
                } else {
                    (1..=8).contains(&x)
                };
                if black { 0 } else { 255 }
            })
            .collect();
        let b = Bitmap {
            path: "t".into(),
            width: 10,
            height: 2,
            luma,
        };
        let (bytes, per_row) = b.to_mono_rows(10, 2, 128);
        assert_eq!(per_row, 2);
        assert_eq!(bytes, vec![0x80, 0x40, 0x7F, 0x80]);
    }

    #[test]
    fn paths_outside_assets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x.png", "/etc/passwd", "", "a/../../x.png"] {
            let err = Bitmap::load(dir.path(), bad).unwrap_err();
            assert!(err.contains("inside the assets folder"), "{bad}: {err}");
        }
        let err = Bitmap::load(dir.path(), "missing.png").unwrap_err();
        assert!(
            err.contains("cannot read image assets/missing.png"),
            "{err}"
        );
        std::fs::write(dir.path().join("junk.png"), b"not a png").unwrap();
        let err = Bitmap::load(dir.path(), "junk.png").unwrap_err();
        assert!(err.contains("not a readable PNG"), "{err}");
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("o.png"),
            png(1, 1, |_, _| image::Rgba([0; 4])),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("o.png"), dir.path().join("link.png"))
            .unwrap();
        let err = Bitmap::load(dir.path(), "link.png").unwrap_err();
        assert!(err.contains("leads outside the assets folder"), "{err}");
    }
}
