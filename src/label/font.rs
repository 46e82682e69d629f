//! Label fonts: TrueType files in `assets/fonts/` (shipped with their licence). A text element
//! names one with `font = "NAME"` (the file `assets/fonts/NAME.ttf`; `bold = true` takes
//! `NAME-Bold.ttf`); without `font` it is DejaVu Sans, built into the binary. A [`Face`] gives
//! the bytes for PDF embedding and the metrics for the layout's fit checks and the PNG preview.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

/// The default face (no `font` key), built in so a label renders without an assets folder.
pub const DEFAULT: &str = "DejaVuSans";
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// One font file, parsed once per process and kept for its lifetime (a label run uses a
/// handful of faces, and every laid-out text refers to its face).
pub struct Face {
    /// File stem in `assets/fonts/`, e.g. `DejaVuSansMono-Bold`.
    pub name: String,
    pub bytes: &'static [u8],
    pub font: FontRef<'static>,
    /// Every glyph has the same advance (a fixed-pitch face).
    pub monospaced: bool,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Face({})", self.name)
    }
}

/// A face is its file: two handles to one name are the same face.
impl PartialEq for Face {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Face {
    fn new(name: String, bytes: &'static [u8], font: FontRef<'static>) -> Face {
        let advance = |c| font.h_advance_unscaled(font.glyph_id(c));
        let monospaced = advance('i') == advance('M') && advance('i') > 0.0;
        Face {
            name,
            bytes,
            font,
            monospaced,
        }
    }

    /// Width of `text` in millimetres at `size_pt` points.
    pub fn text_width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let font = &self.font;
        // Scale so one unit = one point; 1 pt = 25.4/72 mm.
        let scaled = font.as_scaled(PxScale::from(
            size_pt * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0),
        ));
        // No kerning: the PDF shows glyphs at their advances, and kerning only ever narrows,
        // so the unkerned width is what the fit checks must hold to (and it is cheap).
        let width: f32 = text
            .chars()
            .map(|ch| scaled.h_advance(scaled.glyph_id(ch)))
            .sum();
        width * 25.4 / 72.0
    }

    /// Characters of `text` this face has no glyph for.
    pub fn missing_glyphs(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = text
            .chars()
            .filter(|&c| !c.is_whitespace() && self.font.glyph_id(c).0 == 0)
            .collect();
        missing.dedup();
        missing
    }
}

/// The folder of label assets (images, `fonts/`): `LOTLINE_ASSETS`, or `assets/` in the
/// source tree.
pub fn assets_dir() -> PathBuf {
    std::env::var_os("LOTLINE_ASSETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"))
}

fn fonts_dir() -> PathBuf {
    assets_dir().join("fonts")
}

fn cache() -> &'static Mutex<HashMap<String, &'static Face>> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Face>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let builtin = |name: &str, bytes: &'static [u8]| -> (String, &'static Face) {
            let font =
                FontRef::try_from_slice(bytes).expect("the built-in font is a valid TrueType file");
            let face: &'static Face = Box::leak(Box::new(Face::new(name.into(), bytes, font)));
            (name.to_string(), face)
        };
        Mutex::new(HashMap::from([
            builtin(DEFAULT, REGULAR),
            builtin("DejaVuSans-Bold", BOLD),
        ]))
    })
}

/// DejaVu Sans, the face of texts without `font` and of the lines under linear symbols.
pub fn default_face() -> &'static Face {
    static FACE: OnceLock<&'static Face> = OnceLock::new();
    FACE.get_or_init(|| resolve(None, false).expect("the built-in font is always there"))
}

/// The face for a text element: `font` (a file stem in `assets/fonts/`, or none for DejaVu
/// Sans) in its bold file when `bold`. The error says what is wrong and what to do.
pub fn resolve(font: Option<&str>, bold: bool) -> Result<&'static Face, String> {
    let base = font.unwrap_or(DEFAULT);
    if base.is_empty()
        || !base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "font {base:?} is not a font name: give the file name of a .ttf in assets/fonts without \
             its extension (letters, digits, - and _), e.g. font = \"DejaVuSansMono\""
        ));
    }
    let name = if bold {
        format!("{base}-Bold")
    } else {
        base.to_string()
    };
    // A poisoned lock only means another thread panicked while loading; the map is intact.
    let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(face) = cache.get(&name) {
        return Ok(face);
    }
    let path = fonts_dir().join(format!("{name}.ttf"));
    let bytes = std::fs::read(&path).map_err(|e| {
        let what = if bold && font_exists(base) {
            format!(
                "bold = true needs the bold file assets/fonts/{name}.ttf, which cannot be read ({e}): add it or drop bold"
            )
        } else {
            format!("unknown font {base:?}: cannot read assets/fonts/{name}.ttf ({e})")
        };
        format!("{what}; fonts available: {}", available().join(", "))
    })?;
    FontRef::try_from_slice(&bytes).map_err(|e| {
        format!("assets/fonts/{name}.ttf is not a TrueType font ({e}): replace the file")
    })?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let font = FontRef::try_from_slice(bytes).expect("parsed just above");
    let face: &'static Face = Box::leak(Box::new(Face::new(name.clone(), bytes, font)));
    cache.insert(name, face);
    Ok(face)
}

fn font_exists(stem: &str) -> bool {
    stem == DEFAULT || fonts_dir().join(format!("{stem}.ttf")).is_file()
}

/// Font names that `font = "…"` accepts here (file stems in `assets/fonts/`, bold files
/// included).
pub fn available() -> Vec<String> {
    let mut names = super::stems_in(&fonts_dir(), "ttf");
    if !names.iter().any(|n| n == DEFAULT) {
        names.insert(0, DEFAULT.to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider_and_scales_with_size() {
        let face = resolve(None, false).unwrap();
        let a = face.text_width_mm("LOT", 10.0);
        assert!(a > 3.0 && a < 10.0, "{a}");
        assert!(face.text_width_mm("LOT-0001", 10.0) > a);
        assert!((face.text_width_mm("LOT", 20.0) - 2.0 * a).abs() < 0.01);
        assert!(resolve(None, true).unwrap().text_width_mm("LOT", 10.0) > a);
    }

    #[test]
    fn named_fonts_load_from_assets_and_are_cached() {
        let mono = resolve(Some("DejaVuSansMono"), false).unwrap();
        assert!(mono.monospaced && !resolve(None, false).unwrap().monospaced);
        assert_eq!(
            mono.text_width_mm("iiii", 10.0),
            mono.text_width_mm("MMMM", 10.0)
        );
        let bold = resolve(Some("DejaVuSansMono"), true).unwrap();
        assert_eq!(bold.name, "DejaVuSansMono-Bold");
        assert!(std::ptr::eq(
            mono,
            resolve(Some("DejaVuSansMono"), false).unwrap()
        ));
    }

    #[test]
    fn unknown_or_unsafe_font_names_are_refused_with_what_to_do() {
        let err = resolve(Some("Comic"), false).unwrap_err();
        assert!(
            err.contains("unknown font \"Comic\"") && err.contains("DejaVuSansMono"),
            "{err}"
        );
        let err = resolve(Some("../../etc/passwd"), false).unwrap_err();
        assert!(err.contains("is not a font name"), "{err}");
        assert!(
            resolve(None, false)
                .unwrap()
                .missing_glyphs("Ab 1")
                .is_empty()
        );
    }
}
