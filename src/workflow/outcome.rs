//! What one scan did at the station, as data: the station core's answer to every front end.
//! The core chooses no words, colours or sounds: the UI turns an [`Outcome`] into a banner and
//! a sound, the CLI into a line of text or JSON.

use super::{ConsumeOutcome, DispatchOutcome, ReceiveOutcome, Refusal, WorkflowError};
use crate::domain::assembly::PartialLabel;
use crate::gs1;
use crate::store::{Lot, StoreError};

/// What one scan did.
#[derive(Debug)]
pub enum Outcome {
    /// A supplier lot received (durable).
    Received(ReceiveOutcome),
    /// A lot shipped (durable); `warning` set when FEFO wanted another lot first.
    Shipped(DispatchOutcome),
    /// An input lot consumed into a production batch (durable).
    Consumed(ConsumeOutcome),
    /// A lot looked up; nothing written.
    Found(Box<Lot>),
    /// A scan checked as GS1 data (set-up mode); nothing written.
    Parsed(gs1::Message),
    /// One barcode of a label whose others are still to be scanned; nothing written yet.
    Partial(PartialLabel),
    /// Another barcode of the pallet label just dealt with; nothing to do.
    SameLabel { sscc: String },
    /// The station refuses, for this typed reason; nothing written.
    Refused(Refusal),
    /// Not GS1 data the station can read (or a GS1 rule broken); nothing written.
    Unreadable(gs1::Gs1Error),
    /// The store failed (disk, database); nothing written, the scan can be repeated.
    Failed(StoreError),
}

/// How an outcome counts: taken, refused, or not readable. For tallies and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Taken {
    Ok,
    /// Neither taken nor refused: a barcode waiting for the rest of its label.
    Pending,
    Refused,
    Invalid,
}

impl Outcome {
    /// Whether the scan was taken, refused, or unreadable.
    pub fn taken(&self) -> Taken {
        match self {
            Outcome::Received(_)
            | Outcome::Shipped(_)
            | Outcome::Consumed(_)
            | Outcome::Found(_)
            | Outcome::Parsed(_) => Taken::Ok,
            Outcome::Partial(_) | Outcome::SameLabel { .. } => Taken::Pending,
            Outcome::Refused(_) | Outcome::Failed(_) => Taken::Refused,
            Outcome::Unreadable(_) => Taken::Invalid,
        }
    }

    /// The outcome of an operation that failed.
    pub fn from_error(e: WorkflowError) -> Outcome {
        match e {
            WorkflowError::BadScan(e) => Outcome::Unreadable(e),
            WorkflowError::Refused(r) => Outcome::Refused(r),
            WorkflowError::Store(e) => Outcome::Failed(e),
        }
    }
}

impl<T: Into<Outcome>> From<Result<T, WorkflowError>> for Outcome {
    fn from(r: Result<T, WorkflowError>) -> Outcome {
        r.map_or_else(Outcome::from_error, Into::into)
    }
}

impl From<ReceiveOutcome> for Outcome {
    fn from(r: ReceiveOutcome) -> Outcome {
        Outcome::Received(r)
    }
}

impl From<DispatchOutcome> for Outcome {
    fn from(d: DispatchOutcome) -> Outcome {
        Outcome::Shipped(d)
    }
}

impl From<ConsumeOutcome> for Outcome {
    fn from(c: ConsumeOutcome) -> Outcome {
        Outcome::Consumed(c)
    }
}

impl From<Lot> for Outcome {
    fn from(l: Lot) -> Outcome {
        Outcome::Found(Box::new(l))
    }
}
