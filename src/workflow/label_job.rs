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

impl LabelJobError {
    /// The problem in words for the person at the station, who can choose another template
    /// but not edit one: what is wrong with this lot's label and what to do.
    pub fn for_station(&self) -> String {
        match self {
            LabelJobError::Label(LabelError::DoesNotFit {
                template, field, ..
            }) => format!(
                "the {template} label has no room for this lot's {}: choose another label template in Settings, and ask whoever looks after the templates to run `lotline label check {template}`",
                field.as_deref().unwrap_or("data")
            ),
            LabelJobError::Label(LabelError::MissingValue { template, key, .. }) => format!(
                "the {template} label needs the lot's {key}, which this lot does not have: choose another label template in Settings"
            ),
            LabelJobError::Label(
                LabelError::Template { template, .. } | LabelError::Element { template, .. },
            ) => format!(
                "the {template} label template has a mistake ({self}): choose another label template in Settings"
            ),
            other => other.to_string(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{TOMATOES, receive, station};

    /// The station's "Print internal label" after a receive: a lot with the longest batch
    /// number AI (10) allows, in characters that make symbols and text widest, and the most
    /// the store takes on hand, prints on every shipped template (8-digit counts: `label
    /// check`).
    #[test]
    fn a_received_lot_with_the_longest_batch_prints_on_every_shipped_template() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let batch = "%W%W%W%W%W%W%W%W%W%W";
        receive(&mut s, TOMATOES, batch, crate::workflow::MAX_QUANTITY);
        for template in label::template::shipped() {
            let mut job = LabelJob::for_lot(&template, TOMATOES, batch);
            // What the store has no value for (pallet data) comes from the sample.
            job.sample = true;
            let (_, labels) = lay_out_labels(&job, Some(&s)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(labels.len(), 1);
        }
    }

    /// A template that cannot fit a lot's data says so in the station's words: which label,
    /// which value, what to do; never the template's keys.
    #[test]
    fn a_label_that_cannot_fit_says_what_to_do_at_the_station() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "ABCDEFGHIJKLMNOPQRST", 5);
        let path = dir.path().join("narrow.toml");
        std::fs::write(
            &path,
            "format = 1\nname = \"narrow\"\nwidth_mm = 60\nheight_mm = 30\n[sample]\ngtin = \"09501101530003\"\nbatch = \"B1\"\n[[element]]\nkind = \"barcode\"\nx_mm = 1\ny_mm = 1\nsymbology = \"gs1-128\"\ndata = \"(01){gtin}(10){batch}\"\nmodule_mm = 0.25\nheight_mm = 10\nmax_symbols = 2\n",
        )
        .unwrap();
        let job = LabelJob::for_lot(path.to_str().unwrap(), TOMATOES, "ABCDEFGHIJKLMNOPQRST");
        let said = lay_out_labels(&job, Some(&s)).unwrap_err().for_station();
        assert_eq!(
            said,
            "the narrow label has no room for this lot's batch: choose another label template in Settings, and ask whoever looks after the templates to run `lotline label check narrow`"
        );
        assert!(!said.contains("module_mm"), "{said}");
    }
}
