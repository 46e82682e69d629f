//! The label template format (version 1): a TOML file. See `docs/labels.md`.
//!
//! ```toml
//! format = 1
//! name = "case-batch"
//! width_mm = 100.0
//! height_mm = 70.0
//! dpi = 203                         # printer resolution the module sizes snap to
//! [sample]                          # data for `--sample` previews and checks
//! gtin = "09501101530003"
//! [[element]]
//! kind = "text"                     # text | barcode | line | box | image
//! x_mm = 4.0
//! y_mm = 4.0                        # from the top-left corner
//! size_pt = 12.0
//! text = "Batch {batch}"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use serde::Deserialize;

use super::LabelError;
use super::bitmap::Bitmap;
use super::font::{self, Face};
use crate::barcode::SymbolKind;

/// Label data: placeholder name → value.
pub type LabelData = BTreeMap<String, String>;

pub use super::spec::Application;

/// The current template format version.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub format: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub width_mm: f32,
    pub height_mm: f32,
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// What the label is for: chooses the GS1 symbol specification `label check` holds its
    /// symbols to.
    #[serde(default)]
    pub application: Application,
    /// Placeholders every label needs; `--sample` fills them from here.
    #[serde(default)]
    pub sample: LabelData,
    /// Longest values `label check` proves fit, for placeholders that are not a GS1 value (a
    /// GS1 value's worst case comes from the AI table).
    #[serde(default)]
    pub worst_case: LabelData,
    #[serde(rename = "element", default)]
    pub elements: Vec<Element>,
}

fn default_dpi() -> u32 {
    203
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Element {
    Text {
        x_mm: f32,
        y_mm: f32,
        size_pt: f32,
        text: String,
        #[serde(default)]
        bold: bool,
        /// A font file in `assets/fonts/` by name without `.ttf` (default: DejaVu Sans).
        font: Option<String>,
        /// ZPL only: a font stored in the printer, used instead of the resident font 0:
        /// one letter or digit (`"D"`), or a file such as `"E:DEJAVUSANSMONO.TTF"`.
        zpl_font: Option<String>,
        /// Refuse the label when the text is wider (default: up to the right edge).
        max_width_mm: Option<f32>,
        /// Text too wide at `size_pt` is set smaller, down to this size, before it is refused.
        min_size_pt: Option<f32>,
        /// Text too wide for one line wraps onto up to this many lines (at spaces, else
        /// anywhere), each `size × 1.15` below the last.
        #[serde(default = "one")]
        max_lines: u32,
        /// The face, found when the template is loaded.
        #[serde(skip)]
        face: Option<&'static Face>,
    },
    Barcode {
        x_mm: f32,
        y_mm: f32,
        symbology: SymbolKind,
        /// GS1 symbologies: bracketed element string, e.g. `(01){gtin}(10){batch}`.
        /// `qr` with `digital_link = true`: the same, rendered as a GS1 Digital Link URI.
        data: String,
        /// Module (X) size; snapped to the nearest whole printer dot, never below one dot.
        module_mm: f32,
        /// Bar height for linear symbols.
        #[serde(default = "default_bar_height")]
        height_mm: f32,
        /// Human-readable text under a linear symbol (GS1 bracketed form).
        #[serde(default = "yes")]
        hri: bool,
        #[serde(default)]
        digital_link: bool,
        /// GS1-128 only: spread the element string over up to this many symbols stacked
        /// downwards, `gap_mm` apart, so each fits the room. An element that fits in none
        /// must be carried by another symbol of the label (e.g. a GS1 DataMatrix).
        max_symbols: Option<u32>,
        #[serde(default = "default_gap")]
        gap_mm: f32,
        /// Room for the symbol with its quiet zones (default: up to the label's right edge).
        max_width_mm: Option<f32>,
    },
    Line {
        x1_mm: f32,
        y1_mm: f32,
        x2_mm: f32,
        y2_mm: f32,
        #[serde(default = "default_stroke")]
        thickness_mm: f32,
    },
    Box {
        x_mm: f32,
        y_mm: f32,
        w_mm: f32,
        h_mm: f32,
        #[serde(default = "default_stroke")]
        thickness_mm: f32,
    },
    Image {
        x_mm: f32,
        y_mm: f32,
        /// A PNG (or JPEG) inside the assets folder, e.g. `"logo.png"`.
        path: String,
        /// Printed size. Give one to keep the image's proportions, or neither to print one
        /// image pixel per printer dot.
        w_mm: Option<f32>,
        h_mm: Option<f32>,
        /// ZPL: grey levels darker than this (0-255) print black.
        #[serde(default = "default_threshold")]
        threshold: u8,
        /// The pixels, read when the template is loaded.
        #[serde(skip)]
        bitmap: Option<Arc<Bitmap>>,
    },
}

fn default_bar_height() -> f32 {
    15.0
}
fn default_gap() -> f32 {
    1.5
}
fn one() -> u32 {
    1
}
fn default_stroke() -> f32 {
    0.4
}
fn default_threshold() -> u8 {
    128
}
fn yes() -> bool {
    true
}

impl Element {
    pub fn kind(&self) -> &'static str {
        match self {
            Element::Text { .. } => "text",
            Element::Barcode { .. } => "barcode",
            Element::Line { .. } => "line",
            Element::Box { .. } => "box",
            Element::Image { .. } => "image",
        }
    }

    /// The strings with placeholders in this element.
    fn templated(&self) -> Vec<&str> {
        match self {
            Element::Text { text, .. } => vec![text],
            Element::Barcode { data, .. } => vec![data],
            _ => vec![],
        }
    }
}

impl Template {
    /// Reads a template by path, or by name from `label-templates/` (`NAME.toml`).
    pub fn load(name_or_path: &str) -> Result<Template, LabelError> {
        let path = resolve(name_or_path);
        let text = std::fs::read_to_string(&path).map_err(|e| LabelError::Template {
            template: path.display().to_string(),
            problem: format!(
                "cannot read it ({e}); shipped templates: {}",
                shipped().join(", ")
            ),
        })?;
        Template::from_toml(&text, &path.display().to_string())
    }

    /// Parses and checks a template; `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Template, LabelError> {
        let problem = |problem: String| LabelError::Template {
            template: origin.to_string(),
            problem,
        };
        let mut t: Template = toml::from_str(text)
            .map_err(|e| element_problem(text).unwrap_or_else(|| problem(e.to_string())))?;
        if t.format != FORMAT {
            return Err(problem(format!(
                "format {} is not supported (this Lotline reads format {FORMAT})",
                t.format
            )));
        }
        if !(t.width_mm > 0.0 && t.height_mm > 0.0 && t.width_mm <= 400.0 && t.height_mm <= 400.0) {
            return Err(problem(
                "width_mm and height_mm must be between 0 and 400".into(),
            ));
        }
        if !(100..=1200).contains(&t.dpi) {
            return Err(problem(format!(
                "dpi {} is not a printer resolution (100-1200)",
                t.dpi
            )));
        }
        for (i, el) in t.elements.iter().enumerate() {
            for s in el.templated() {
                for key in placeholders(s).map_err(|p| t.element_error(i, p))? {
                    if !t.sample.contains_key(key) {
                        return Err(t.element_error(
                            i,
                            format!(
                                "placeholder {{{key}}} has no sample value: add it to [sample]"
                            ),
                        ));
                    }
                }
            }
        }
        for (i, el) in t.elements.iter().enumerate() {
            let checked = match el {
                Element::Text {
                    size_pt,
                    min_size_pt,
                    max_lines,
                    ..
                } if min_size_pt.is_some_and(|m| !(m > 0.0 && m <= *size_pt)) || *max_lines == 0 => {
                    Err("min_size_pt must be above 0 and at most size_pt, max_lines at least 1"
                        .to_string())
                }
                Element::Barcode {
                    symbology,
                    max_symbols: Some(n),
                    ..
                } if *symbology != SymbolKind::Gs1_128 || *n == 0 => Err(
                    "max_symbols splits GS1-128 data: it needs symbology = \"gs1-128\" and 1 or more"
                        .to_string(),
                ),
                _ => Ok(()),
            };
            checked.map_err(|p| t.element_error(i, p))?;
        }
        let assets = font::assets_dir();
        for i in 0..t.elements.len() {
            let checked = match &mut t.elements[i] {
                Element::Text {
                    font,
                    bold,
                    zpl_font,
                    face,
                    ..
                } => font::resolve(font.as_deref(), *bold)
                    .map(|f| *face = Some(f))
                    .and_then(|()| zpl_font.as_deref().map_or(Ok(()), check_zpl_font)),
                Element::Image {
                    path,
                    w_mm,
                    h_mm,
                    bitmap,
                    ..
                } => {
                    if w_mm.is_some_and(|w| w <= 0.0) || h_mm.is_some_and(|h| h <= 0.0) {
                        Err("w_mm and h_mm must be above 0".to_string())
                    } else {
                        Bitmap::load(&assets, path).map(|b| *bitmap = Some(Arc::new(b)))
                    }
                }
                _ => Ok(()),
            };
            checked.map_err(|p| t.element_error(i, p))?;
        }
        Ok(t)
    }

    pub(super) fn element_error(&self, element: usize, problem: String) -> LabelError {
        LabelError::Element {
            template: self.name.clone(),
            element: element + 1,
            kind: self.elements.get(element).map_or("?", Element::kind),
            problem,
        }
    }

    /// `problem` with element `element` (0-based) as a [`LabelError`]: a missing value becomes
    /// [`LabelError::MissingValue`].
    pub(super) fn unfilled(&self, element: usize, problem: Unfilled) -> LabelError {
        match problem {
            Unfilled::Missing(key) => LabelError::MissingValue {
                template: self.name.clone(),
                element: element + 1,
                kind: self.elements.get(element).map_or("?", Element::kind),
                key,
            },
            Unfilled::Other(problem) => self.element_error(element, problem),
        }
    }

    /// Valid data of `field` that does not fit where element `element` (0-based) puts it.
    pub(super) fn no_fit(
        &self,
        element: usize,
        field: Option<&str>,
        problem: String,
    ) -> LabelError {
        LabelError::DoesNotFit {
            template: self.name.clone(),
            element: element + 1,
            kind: self.elements.get(element).map_or("?", Element::kind),
            field: field.map(str::to_string),
            problem,
        }
    }

    /// Every placeholder the template uses, sorted.
    pub fn fields(&self) -> Vec<String> {
        self.sample.keys().cloned().collect()
    }
}

/// When a template does not read, the first `[[element]]` that does not read by itself, so
/// the message names it (the TOML error points at the first element of the array whatever
/// element is wrong).
fn element_problem(text: &str) -> Option<LabelError> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let template = table.get("name")?.as_str().unwrap_or("?").to_string();
    let elements = table.get("element")?.as_array()?;
    elements.iter().enumerate().find_map(|(i, el)| {
        let kind = match el.get("kind").and_then(|k| k.as_str()) {
            Some("text") => "text",
            Some("barcode") => "barcode",
            Some("line") => "line",
            Some("box") => "box",
            Some("image") => "image",
            _ => "?",
        };
        el.clone()
            .try_into::<Element>()
            .err()
            .map(|e| LabelError::Element {
                template: template.clone(),
                element: i + 1,
                kind,
                problem: e.to_string().trim_end().to_string(),
            })
    })
}

/// A ZPL font name: one resident font letter or digit, or a font file stored in the printer
/// (`E:NAME.TTF`, drive letter R, E, B or A).
fn check_zpl_font(name: &str) -> Result<(), String> {
    let resident = name.len() == 1 && name.chars().all(|c| c.is_ascii_alphanumeric());
    let stored = name.len() > 2
        && matches!(&name[..2], "R:" | "E:" | "B:" | "A:")
        && name[2..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
    if resident || stored {
        Ok(())
    } else {
        Err(format!(
            "zpl_font {name:?} is not a printer font: give a resident font (one letter or digit, e.g. \"0\") or a stored font file such as \"E:DEJAVUSANSMONO.TTF\""
        ))
    }
}

/// `{name}` placeholders in a string; `{{` and `}}` stand for literal braces.
pub fn placeholders(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err(format!("unmatched '}}' in {s:?}"));
        }
        let end = tail
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in {s:?}"))?;
        let key = &tail[1..end];
        if let Some(ai) = key.strip_prefix(TITLE) {
            ai_title(ai)?;
        } else if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "placeholder {{{key}}} is not a name (letters, digits, _) or {{title:AI}}"
            ));
        } else {
            out.push(key);
        }
        rest = &tail[end + 1..];
    }
    Ok(out)
}

/// `{title:17}`: the AI's title in the GS1 Barcode Syntax Dictionary ("USE BY or EXPIRY"),
/// the caption a label prints over the AI's value.
const TITLE: &str = "title:";

fn ai_title(ai: &str) -> Result<&'static str, String> {
    crate::gs1::lookup(ai)
        .map(|d| d.title)
        .ok_or_else(|| format!("{{title:{ai}}}: ({ai}) is not a GS1 Application Identifier"))
}

/// Why a string's placeholders cannot be filled.
#[derive(Debug, Clone, PartialEq)]
pub enum Unfilled {
    /// No value for this key.
    Missing(String),
    Other(String),
}

impl std::fmt::Display for Unfilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfilled::Missing(key) => {
                write!(f, "no value for {{{key}}}: give it with --set {key}=…")
            }
            Unfilled::Other(problem) => f.write_str(problem),
        }
    }
}

/// `(AI){name}` pairs in barcode data: the placeholder that is the whole value of an AI.
pub fn ai_fields(data: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(open) = rest.find('(') {
        let tail = &rest[open + 1..];
        let Some(close) = tail.find(')') else { break };
        let (ai, after) = (&tail[..close], &tail[close + 1..]);
        if let Some(name) = after
            .strip_prefix('{')
            .and_then(|a| a.split_once('}'))
            .map(|(n, _)| n)
            && after[name.len() + 2..]
                .chars()
                .next()
                .is_none_or(|c| c == '(')
        {
            out.push((ai, name));
        }
        rest = after;
    }
    out
}

/// Fills placeholders from `data` and AI titles from the dictionary; a missing key is an
/// error naming it.
pub fn fill(s: &str, data: &LabelData) -> Result<String, Unfilled> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(tail.as_bytes()[0] as char);
            rest = &tail[2..];
            continue;
        }
        let end = tail
            .find('}')
            .ok_or_else(|| Unfilled::Other(format!("unclosed '{{' in {s:?}")))?;
        let key = &tail[1..end];
        let value = match key.strip_prefix(TITLE) {
            Some(ai) => ai_title(ai).map_err(Unfilled::Other)?,
            None => data
                .get(key)
                .ok_or_else(|| Unfilled::Missing(key.to_string()))?,
        };
        out.push_str(value);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The folder of shipped templates (next to the binary's source tree, or `LOTLINE_TEMPLATES`).
pub fn templates_dir() -> PathBuf {
    std::env::var_os("LOTLINE_TEMPLATES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("label-templates"))
}

fn resolve(name_or_path: &str) -> PathBuf {
    let p = Path::new(name_or_path);
    if p.extension().is_some() || p.components().count() > 1 {
        p.to_path_buf()
    } else {
        templates_dir().join(format!("{name_or_path}.toml"))
    }
}

/// Names of the shipped templates.
pub fn shipped() -> Vec<String> {
    super::stems_in(&templates_dir(), "toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_filled() {
        assert_eq!(
            placeholders("(01){gtin}(10){batch}").unwrap(),
            vec!["gtin", "batch"]
        );
        let data: LabelData = [("gtin".into(), "1".into())].into();
        assert_eq!(fill("{{x}} {gtin}", &data).unwrap(), "{x} 1");
        assert!(
            fill("{batch}", &data)
                .unwrap_err()
                .to_string()
                .contains("--set batch=")
        );
        assert_eq!(fill("{title:10} {gtin}", &data).unwrap(), "BATCH/LOT 1");
        assert!(placeholders("{title:99999}").is_err());
        assert_eq!(
            ai_fields("(02){gtin}(37){count}(10)B{batch}(17){expiry}"),
            vec![("02", "gtin"), ("37", "count"), ("17", "expiry")]
        );
        assert!(placeholders("{bad key}").is_err());
        assert!(placeholders("{open").is_err());
    }

    #[test]
    fn a_template_with_an_unknown_field_is_refused_naming_it() {
        let err = Template::from_toml(
            "format = 1\nname = \"t\"\nwidth_mm = 50\nheight_mm = 30\ncolour = \"red\"\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("t.toml") && err.to_string().contains("colour"),
            "{err}"
        );
    }

    #[test]
    fn a_placeholder_without_sample_is_refused_naming_the_element() {
        let err = Template::from_toml(
            "format = 1\nname = \"t\"\nwidth_mm = 50\nheight_mm = 30\n[[element]]\nkind = \"text\"\nx_mm = 1\ny_mm = 1\nsize_pt = 8\ntext = \"{lot}\"\n",
            "t.toml",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "template t, element 1 (text): placeholder {lot} has no sample value: add it to [sample]"
        );
    }

    #[test]
    fn every_shipped_template_loads() {
        let names = shipped();
        assert!(names.len() >= 4, "{names:?}");
        for name in names {
            Template::load(&name).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
