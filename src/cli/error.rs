//! The command line's one error shape. Every failure becomes a stable machine [`Code`] and a
//! message for people; the core's typed errors carry the data, and the wording that names a
//! command-line flag is added here, where the flags live. docs/cli.md lists the codes.

use std::fmt;
use std::process::ExitCode;

use serde_json::json;

use crate::domain::LotStatus;
use crate::domain::recall::RecallRefusal;
use crate::domain::rules::DispatchRefusal;
use crate::domain::shipment::CloseRefusal;
use crate::domain::status::StatusRefusal;
use crate::store::StoreError;
use crate::workflow::{Needed, NotVoidable, Refusal, WorkflowError};

/// Exit status: everything asked was done.
pub const EXIT_OK: u8 = 0;
/// Exit status: invalid input, a refused operation or a failure; nothing (more) was done.
pub const EXIT_REFUSED: u8 = 1;
/// Exit status: the command line was not understood.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: some items of a batch (scans, images) were done, others refused.
pub const EXIT_PARTLY: u8 = 3;

/// Why a command failed, as a machine reads it. Stable: scripts match on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Usage,
    InvalidInput,
    InvalidGs1,
    ScanIncomplete,
    LotNotFound,
    AmbiguousLot,
    GtinMismatch,
    UnknownProduct,
    InvalidQuantity,
    QuantityRequired,
    ValueRequired,
    RefusedQuarantined,
    RefusedOnHold,
    RefusedRejected,
    RefusedRecalled,
    RefusedExpired,
    PalletAlreadyReceived,
    PalletAlreadyShipped,
    PalletNotFound,
    PalletMismatch,
    NotVoidable,
    ShipmentClosed,
    NothingToClose,
    Refused,
    ReasonRequired,
    NotSupervisor,
    StatusUnchanged,
    TransitionNotAllowed,
    RecallNotFound,
    RecallClosed,
    RecallOpen,
    NotCovered,
    HolderAmbiguous,
    NothingOutstanding,
    NoteRequired,
    ChainBroken,
    StoreFailed,
    ConfigInvalid,
    TemplateInvalid,
    BarcodeFailed,
    PrintFailed,
    SyncFailed,
    TokenNotFound,
    PersonNotFound,
    CredentialRefused,
    IoFailed,
    Failed,
}

impl Code {
    /// Every code, for the documentation test.
    pub const ALL: [Code; 47] = [
        Code::Usage,
        Code::InvalidInput,
        Code::InvalidGs1,
        Code::ScanIncomplete,
        Code::LotNotFound,
        Code::AmbiguousLot,
        Code::GtinMismatch,
        Code::UnknownProduct,
        Code::InvalidQuantity,
        Code::QuantityRequired,
        Code::ValueRequired,
        Code::RefusedQuarantined,
        Code::RefusedOnHold,
        Code::RefusedRejected,
        Code::RefusedRecalled,
        Code::RefusedExpired,
        Code::PalletAlreadyReceived,
        Code::PalletAlreadyShipped,
        Code::PalletNotFound,
        Code::PalletMismatch,
        Code::NotVoidable,
        Code::ShipmentClosed,
        Code::NothingToClose,
        Code::Refused,
        Code::ReasonRequired,
        Code::NotSupervisor,
        Code::StatusUnchanged,
        Code::TransitionNotAllowed,
        Code::RecallNotFound,
        Code::RecallClosed,
        Code::RecallOpen,
        Code::NotCovered,
        Code::HolderAmbiguous,
        Code::NothingOutstanding,
        Code::NoteRequired,
        Code::ChainBroken,
        Code::StoreFailed,
        Code::ConfigInvalid,
        Code::TemplateInvalid,
        Code::BarcodeFailed,
        Code::PrintFailed,
        Code::SyncFailed,
        Code::TokenNotFound,
        Code::PersonNotFound,
        Code::CredentialRefused,
        Code::IoFailed,
        Code::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Usage => "usage",
            Code::InvalidInput => "invalid_input",
            Code::InvalidGs1 => "invalid_gs1",
            Code::ScanIncomplete => "scan_incomplete",
            Code::LotNotFound => "lot_not_found",
            Code::AmbiguousLot => "ambiguous_lot",
            Code::GtinMismatch => "gtin_mismatch",
            Code::UnknownProduct => "unknown_product",
            Code::InvalidQuantity => "invalid_quantity",
            Code::QuantityRequired => "quantity_required",
            Code::ValueRequired => "value_required",
            Code::RefusedQuarantined => "refused_quarantined",
            Code::RefusedOnHold => "refused_on_hold",
            Code::RefusedRejected => "refused_rejected",
            Code::RefusedRecalled => "refused_recalled",
            Code::RefusedExpired => "refused_expired",
            Code::PalletAlreadyReceived => "pallet_already_received",
            Code::PalletAlreadyShipped => "pallet_already_shipped",
            Code::PalletNotFound => "pallet_not_found",
            Code::PalletMismatch => "pallet_mismatch",
            Code::NotVoidable => "not_voidable",
            Code::ShipmentClosed => "shipment_closed",
            Code::NothingToClose => "nothing_to_close",
            Code::Refused => "refused",
            Code::ReasonRequired => "reason_required",
            Code::NotSupervisor => "not_supervisor",
            Code::StatusUnchanged => "status_unchanged",
            Code::TransitionNotAllowed => "transition_not_allowed",
            Code::RecallNotFound => "recall_not_found",
            Code::RecallClosed => "recall_closed",
            Code::RecallOpen => "recall_open",
            Code::NotCovered => "not_covered",
            Code::HolderAmbiguous => "holder_ambiguous",
            Code::NothingOutstanding => "nothing_outstanding",
            Code::NoteRequired => "note_required",
            Code::ChainBroken => "chain_broken",
            Code::StoreFailed => "store_failed",
            Code::ConfigInvalid => "config_invalid",
            Code::TemplateInvalid => "template_invalid",
            Code::BarcodeFailed => "barcode_failed",
            Code::PrintFailed => "print_failed",
            Code::SyncFailed => "sync_failed",
            Code::TokenNotFound => "token_not_found",
            Code::PersonNotFound => "person_not_found",
            Code::CredentialRefused => "credential_refused",
            Code::IoFailed => "io_failed",
            Code::Failed => "failed",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal the command line makes itself (a file name it cannot write, a value out of
/// range), with its code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub code: Code,
    pub message: String,
}

/// `Err` of a [`CliError`], for `return refuse(…)`.
pub fn refuse<T>(code: Code, message: impl Into<String>) -> anyhow::Result<T> {
    Err(CliError {
        code,
        message: message.into(),
    }
    .into())
}

/// An error as the user sees it: its code, and the message with the command line's advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub code: Code,
    pub message: String,
}

impl Described {
    pub fn of(err: &anyhow::Error) -> Described {
        let code = err.chain().find_map(code_of).unwrap_or(Code::Failed);
        let mut message = format!("{err:#}");
        if let Some(hint) = err.chain().find_map(hint_of) {
            message.push_str(&hint);
        }
        Described { code, message }
    }

    /// Writes it to stderr: one JSON object under `--json`, else `error: MESSAGE`.
    pub fn report(&self, json: bool) {
        self.report_with(json, None)
    }

    /// Like [`Described::report`], naming the item of a batch it is about (a scan, an image).
    pub fn report_with(&self, json: bool, item: Option<(&str, &str)>) {
        if json {
            let mut v = json!({"code": self.code.as_str(), "message": self.message});
            if let Some((key, value)) = item {
                v[key] = value.into();
            }
            eprintln!("{v}");
        } else {
            match item {
                Some((_, value)) => eprintln!("error: {value}: {}", self.message),
                None => eprintln!("error: {}", self.message),
            }
        }
    }
}

/// Whether the command line asks for JSON: errors are then JSON objects too, also those of a
/// command line clap cannot parse.
pub fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .take_while(|a| a.as_os_str() != "--")
        .any(|a| a.as_os_str() == "--json")
}

/// The exit status for a batch of items: all done, none done, or some of each.
pub fn batch_exit(done: usize, refused: usize) -> ExitCode {
    ExitCode::from(match (done, refused) {
        (_, 0) => EXIT_OK,
        (0, _) => EXIT_REFUSED,
        _ => EXIT_PARTLY,
    })
}

fn code_of(e: &(dyn std::error::Error + 'static)) -> Option<Code> {
    if let Some(e) = e.downcast_ref::<CliError>() {
        return Some(e.code);
    }
    if let Some(e) = e.downcast_ref::<WorkflowError>() {
        return workflow_code(e);
    }
    if let Some(e) = e.downcast_ref::<StatusRefusal>() {
        return Some(status_code(e));
    }
    if let Some(e) = e.downcast_ref::<RecallRefusal>() {
        return Some(recall_code(e));
    }
    if let Some(e) = e.downcast_ref::<StoreError>() {
        return Some(store_code(e));
    }
    if e.is::<crate::gs1::Gs1Error>() {
        return Some(Code::InvalidGs1);
    }
    if e.is::<crate::compliance::report::NotAReportFile>() {
        return Some(Code::InvalidInput);
    }
    if e.is::<crate::config::ConfigError>() {
        return Some(Code::ConfigInvalid);
    }
    if e.is::<crate::label::LabelError>() {
        return Some(Code::TemplateInvalid);
    }
    if e.is::<crate::barcode::BarcodeError>() {
        return Some(Code::BarcodeFailed);
    }
    if e.is::<crate::printer::PrintError>() {
        return Some(Code::PrintFailed);
    }
    if e.is::<crate::sync::SyncError>() {
        return Some(Code::SyncFailed);
    }
    if e.is::<std::io::Error>() || e.is::<csv::Error>() {
        return Some(Code::IoFailed);
    }
    None
}

/// `None` for an error that only wraps another (the chain is searched on).
fn workflow_code(e: &WorkflowError) -> Option<Code> {
    Some(match e {
        WorkflowError::BadScan(_) => Code::InvalidGs1,
        WorkflowError::Refused(r) => refusal_code(r),
        WorkflowError::Store(s) => store_code(s),
    })
}

/// The code of the station core's typed refusal (also `lotline scan --json`'s `reason`).
pub fn refusal_code(r: &Refusal) -> Code {
    match r {
        Refusal::Missing(_) => Code::ScanIncomplete,
        Refusal::UnknownProduct { .. } => Code::UnknownProduct,
        Refusal::BadQuantity(_) | Refusal::NegativeQuantity(_) | Refusal::BadCount(_) => {
            Code::InvalidQuantity
        }
        Refusal::NoCount => Code::QuantityRequired,
        Refusal::Needs(_) => Code::ValueRequired,
        Refusal::MayNotShip { why, .. } | Refusal::NotThere { why, .. } => match why {
            DispatchRefusal::NotReleased { status } => match status {
                LotStatus::Quarantined => Code::RefusedQuarantined,
                LotStatus::OnHold => Code::RefusedOnHold,
                LotStatus::Rejected => Code::RefusedRejected,
                LotStatus::Recalled => Code::RefusedRecalled,
                LotStatus::Released => Code::Refused,
            },
            DispatchRefusal::Expired { .. } => Code::RefusedExpired,
            DispatchRefusal::NotEnoughStock { .. } | DispatchRefusal::NotFefo(_) => Code::Refused,
        },
        Refusal::NeverReceived { .. } | Refusal::BatchExists(_) => Code::Refused,
        Refusal::ExpiredOnArrival { .. } => Code::RefusedExpired,
        Refusal::PalletAlreadyReceived(_) => Code::PalletAlreadyReceived,
        Refusal::PalletShipped(_) => Code::PalletAlreadyShipped,
        Refusal::UnknownPallet { .. } => Code::PalletNotFound,
        Refusal::PalletMismatch(_) => Code::PalletMismatch,
        Refusal::NotVoidable {
            why: NotVoidable::ShipmentClosed,
            ..
        }
        | Refusal::ShipmentClosed(_) => Code::ShipmentClosed,
        Refusal::NotVoidable { .. } => Code::NotVoidable,
        Refusal::Close(r) => match r {
            CloseRefusal::Empty => Code::NothingToClose,
            CloseRefusal::NoCompanyPrefix => Code::ValueRequired,
            CloseRefusal::BadPalletCount(_) | CloseRefusal::Sscc(_) => Code::InvalidInput,
        },
        Refusal::NoProductionBatch(_) | Refusal::Invalid(_) => Code::InvalidInput,
        Refusal::Status(r) => status_code(r),
        Refusal::NoSuchLot(_) | Refusal::NoSuchBatch(_) => Code::LotNotFound,
        Refusal::AmbiguousBatch { .. } => Code::AmbiguousLot,
        Refusal::GtinMismatch { .. } => Code::GtinMismatch,
        Refusal::Lots(problems) => problems
            .first()
            .map(|(_, r)| refusal_code(r))
            .unwrap_or(Code::InvalidInput),
        Refusal::Recall(r) => recall_code(r),
    }
}

fn status_code(e: &StatusRefusal) -> Code {
    match e {
        StatusRefusal::NoReason => Code::ReasonRequired,
        StatusRefusal::NotSupervisor => Code::NotSupervisor,
        StatusRefusal::Unchanged(_) => Code::StatusUnchanged,
        StatusRefusal::NoSuchTransition { .. } => Code::TransitionNotAllowed,
    }
}

fn recall_code(e: &RecallRefusal) -> Code {
    match e {
        RecallRefusal::NotSupervisor => Code::NotSupervisor,
        RecallRefusal::NoReason => Code::ReasonRequired,
        RecallRefusal::NoLots => Code::InvalidInput,
        RecallRefusal::UnknownRecall(_) => Code::RecallNotFound,
        RecallRefusal::Closed(_) => Code::RecallClosed,
        RecallRefusal::NotCovered { .. } | RecallRefusal::NoSuchItem { .. } => Code::NotCovered,
        RecallRefusal::WhichHolder { .. } => Code::HolderAmbiguous,
        RecallRefusal::NothingOutstanding { .. } => Code::NothingOutstanding,
        RecallRefusal::TooMuch { .. } | RecallRefusal::NoQuantity => Code::InvalidQuantity,
        RecallRefusal::OtherNeedsNote => Code::NoteRequired,
        RecallRefusal::StillOpen { .. } => Code::RecallOpen,
    }
}

fn store_code(e: &StoreError) -> Code {
    match e {
        StoreError::ChainBroken { .. } => Code::ChainBroken,
        StoreError::Invalid(_) => Code::InvalidInput,
        _ => Code::StoreFailed,
    }
}

/// What to type to fix it, for the errors whose fix is a command-line flag. The core's
/// message says what is wrong; only the command line knows its flags.
fn hint_of(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(e) = e.downcast_ref::<WorkflowError>() {
        return match e {
            WorkflowError::Refused(r) => refusal_hint(r),
            WorkflowError::Store(s) => store_hint(s),
            WorkflowError::BadScan(_) => None,
        };
    }
    if let Some(r) = e.downcast_ref::<StatusRefusal>() {
        return status_hint(r);
    }
    if let Some(r) = e.downcast_ref::<RecallRefusal>() {
        return recall_hint(r);
    }
    e.downcast_ref::<StoreError>().and_then(store_hint)
}

fn refusal_hint(r: &Refusal) -> Option<String> {
    match r {
        Refusal::UnknownProduct { gtin } => Some(format!(" (lotline product add {gtin} --name …)")),
        Refusal::NoCount => Some(" (--qty N)".into()),
        Refusal::Needs(what) => needed_flag(*what).map(|flag| format!(" ({flag})")),
        Refusal::AmbiguousBatch { .. } => Some(": say which with --gtin".into()),
        Refusal::NoProductionBatch(_) => Some(" (lotline produce)".into()),
        Refusal::Status(r) => status_hint(r),
        Refusal::Recall(r) => recall_hint(r),
        Refusal::Lots(problems) => problems.iter().find_map(|(_, r)| refusal_hint(r)),
        _ => None,
    }
}

fn needed_flag(what: Needed) -> Option<&'static str> {
    match what {
        Needed::ProductName => Some("--name"),
        Needed::ReceiptLocation | Needed::CountLocation => Some("--location"),
        Needed::Customer => Some("--customer"),
        Needed::Destination => Some("--to"),
        // Only the station UI starts a batch and then scans inputs into it.
        Needed::ProductionBatch => None,
        Needed::VoidReason | Needed::CorrectionReason => Some("--reason"),
    }
}

fn status_hint(r: &StatusRefusal) -> Option<String> {
    match r {
        StatusRefusal::NoReason => Some(" (--reason \"…\")".into()),
        _ => None,
    }
}

fn recall_hint(r: &RecallRefusal) -> Option<String> {
    match r {
        RecallRefusal::NotSupervisor => Some(" (--role supervisor)".into()),
        RecallRefusal::NoReason => Some(" (--reason \"…\")".into()),
        RecallRefusal::WhichHolder { .. } => {
            Some(": say which with --customer NAME or --site".into())
        }
        RecallRefusal::NoQuantity => Some(" (--qty N)".into()),
        RecallRefusal::OtherNeedsNote => Some(" (--note \"…\")".into()),
        RecallRefusal::StillOpen { .. } => Some(", or close with --force --reason \"…\"".into()),
        RecallRefusal::UnknownRecall(_) => Some(": `lotline recall list` shows them".into()),
        _ => None,
    }
}

fn store_hint(e: &StoreError) -> Option<String> {
    matches!(
        e,
        StoreError::Folder { .. } | StoreError::File { .. } | StoreError::ServerDatabase { .. }
    )
    .then(|| "; choose another place with --db".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_words() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                s.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'),
                "{s}"
            );
            assert!(seen.insert(s), "{s} twice");
        }
    }

    #[test]
    fn the_core_says_what_is_wrong_and_the_command_line_names_the_flag() {
        let err = anyhow::Error::from(WorkflowError::from(Refusal::AmbiguousBatch {
            batch: "L1".into(),
            gtins: vec!["09501101530003".into(), "09501101531000".into()],
        }));
        let d = Described::of(&err);
        assert_eq!(d.code, Code::AmbiguousLot);
        assert!(d.message.contains("09501101531000"), "{}", d.message);
        assert!(
            d.message.ends_with("say which with --gtin"),
            "{}",
            d.message
        );
        assert!(!err.to_string().contains("--"), "the core names no flag");
    }

    #[test]
    fn a_refusal_for_a_recalled_lot_has_its_own_code_under_context() {
        let err = anyhow::Error::from(WorkflowError::from(Refusal::MayNotShip {
            lot: crate::domain::trace::LotRef::new("09501101530003", "L1"),
            input: false,
            why: DispatchRefusal::NotReleased {
                status: LotStatus::Recalled,
            },
        }))
        .context("dispatching");
        assert_eq!(Described::of(&err).code, Code::RefusedRecalled);
    }

    #[test]
    fn json_is_asked_for_before_the_end_of_options_only() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(wants_json(&args(&["lotline", "trace", "L1", "--json"])));
        assert!(!wants_json(&args(&["lotline", "trace", "--", "--json"])));
        assert!(!wants_json(&args(&["lotline", "trace", "L1"])));
    }

    #[test]
    fn a_batch_is_done_refused_or_partly_done() {
        assert_eq!(batch_exit(2, 0), ExitCode::from(EXIT_OK));
        assert_eq!(batch_exit(0, 2), ExitCode::from(EXIT_REFUSED));
        assert_eq!(batch_exit(1, 1), ExitCode::from(EXIT_PARTLY));
    }
}
