//! One label job: which template, which lot's data from the store, sample values, extra
//! values, copies → laid-out labels. The CLI (`lotline label render|print`), the UI's print
//! buttons and its preview all make their labels here; they differ only in where the labels
//! go (a file, a printer, the screen).

use super::{Refusal, Station, WorkflowError};
use crate::label::{self, LabelData, LabelError, Layout, Template};

/// Most copies of one label a job makes.
pub const MAX_COPIES: u32 = 10_000;

/// What to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelJob {
    /// A shipped template's name or a path to a template file.
    pub template: String,
    /// Fill placeholders from this lot in the store: its batch number, and its GTIN when
    /// several products share the batch.
    pub lot: Option<(String, Option<String>)>,
    /// Fill what nothing else gives from the template's own sample data (previews).
    pub sample: bool,
    /// Values given by hand; they win over the lot's.
    pub set: Vec<(String, String)>,
    pub copies: u32,
}

impl LabelJob {
    /// One label of `template` for a lot of the store.
    pub fn for_lot(template: impl Into<String>, gtin: &str, batch: &str) -> LabelJob {
        LabelJob {
            template: template.into(),
            lot: Some((batch.to_string(), Some(gtin.to_string()))),
            sample: false,
            set: Vec::new(),
            copies: 1,
        }
    }
}

/// Why a label job cannot be laid out.
#[derive(Debug, thiserror::Error)]
pub enum LabelJobError {
    #[error(transparent)]
    Label(#[from] LabelError),
    /// The lot cannot be read from the store.
    #[error(transparent)]
    Lot(#[from] WorkflowError),
    #[error("{0} copies is out of range (1 to {MAX_COPIES})")]
    Copies(u32),
}

/// Lays out a label job: its template and one layout per copy. `station` is read for the
/// job's lot; a job that names none needs no store.
pub fn lay_out_labels(
    job: &LabelJob,
    station: Option<&Station>,
) -> Result<(Template, Vec<Layout>), LabelJobError> {
    if !(1..=MAX_COPIES).contains(&job.copies) {
        return Err(LabelJobError::Copies(job.copies));
    }
    let template = Template::load(&job.template)?;
    let mut data = if job.sample {
        template.sample.clone()
    } else {
        LabelData::new()
    };
    if let Some((batch, gtin)) = &job.lot {
        let station = station.ok_or_else(|| {
            WorkflowError::from(Refusal::Invalid("a lot's labels need the store".into()))
        })?;
        data.extend(station.label_data(batch, gtin.as_deref())?);
    }
    data.extend(job.set.iter().cloned());
    let layout = label::lay_out(&template, &data)?;
    Ok((template, vec![layout; job.copies as usize]))
}
