//! Labels: templates (TOML files in `label-templates/`), a pure layout, and renderers.
//!
//! A [`Template`] plus [`LabelData`] (key → value, from `--set`, a CSV row, a lot in the
//! store or the template's own sample) lays out to a [`Layout`] in millimetres: text, lines,
//! boxes, images and barcodes (as encoded [`Symbol`](crate::barcode::Symbol)s with their module size
//! snapped to whole printer dots). Renderers draw a layout: [`pdf`] (vector bars, embedded
//! font), [`png`] (preview), [`zpl`] (Zebra printers, native barcode commands).
//! The format is documented in `docs/labels.md`.

pub mod bitmap;
pub mod check;
pub mod font;
pub mod layout;
pub mod pdf;
pub mod png;
pub mod spec;
pub mod template;
pub mod zpl;

pub use layout::{Item, Layout, lay_out, lay_out_all};
pub use template::{LabelData, Template};

/// `f` over `items` on every core, results in order: a print run lays out and draws each
/// label independently. Small runs stay on the calling thread.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(64);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// File names in `dir` ending in `.{ext}`, without it, sorted (templates, fonts).
pub(crate) fn stems_in(dir: &std::path::Path, ext: &str) -> Vec<String> {
    let suffix = format!(".{ext}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(&suffix).map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Why a template or a label cannot be made. Names the template and the element.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelError {
    /// The template file cannot be read or is not valid TOML for the format.
    #[error("template {template}: {problem}")]
    Template { template: String, problem: String },
    /// One element of the template cannot be laid out with this data.
    #[error("template {template}, element {element} ({kind}): {problem}")]
    Element {
        template: String,
        element: usize,
        kind: &'static str,
        problem: String,
    },
    /// Valid data that does not fit where the template puts it. `field` is the placeholder
    /// whose value does not fit, where one does.
    #[error("template {template}, element {element} ({kind}): {problem}")]
    DoesNotFit {
        template: String,
        element: usize,
        kind: &'static str,
        field: Option<String>,
        problem: String,
    },
    /// A placeholder the label needs has no value.
    #[error(
        "template {template}, element {element} ({kind}): no value for {{{key}}}: give it with --set {key}=…"
    )]
    MissingValue {
        template: String,
        element: usize,
        kind: &'static str,
        key: String,
    },
}
