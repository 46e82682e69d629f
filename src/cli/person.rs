//! `lotline person`: the people this station knows (accounts made at the server), and a
//! person changing their own PIN.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::error::{Code, refuse};
use super::output::Out;
use super::values::pin;
use super::workflow::open_station;
use super::{CmdResult, Globals};
use crate::domain::person::Person;
use crate::pin_gate::PinGate;

#[derive(Debug, Args)]
pub struct PersonArgs {
    #[command(subcommand)]
    command: PersonCommand,
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// The people this station knows (learned from the server at sync).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change your PIN: the current one from `LOTLINE_PIN` or --pin-file, the new one (at
    /// least 6 characters) from `LOTLINE_NEW_PIN` or --new-pin-file.
    Pin {
        /// Your person id.
        id: String,
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        new_pin_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: PersonArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let mut station = open_station(globals)?;
    match args.command {
        PersonCommand::List { json } => {
            let people = station.store().people()?;
            print_people(
                &people,
                json,
                Some("no people yet: they are added at the server and learned at sync"),
                out,
            )?;
        }
        PersonCommand::Pin {
            id,
            pin_file,
            new_pin_file,
            json,
        } => {
            let old = pin(pin_file.as_deref())?;
            let new = match new_pin_file {
                Some(f) => pin(Some(&f))?,
                None => std::env::var("LOTLINE_NEW_PIN")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            if new.is_empty() {
                return refuse(
                    Code::CredentialRefused,
                    "the new PIN comes from LOTLINE_NEW_PIN or --new-pin-file",
                );
            }
            let mut gate = PinGate::of_store(&globals.db_path());
            let event = station
                .change_person_pin(&mut gate, &id, &old, &new)
                .map_err(super::act::unlock_refused)?;
            if json {
                out.json(&serde_json::json!({ "person": id, "event": event }))?;
            } else {
                out.line(format_args!(
                    "{id}: PIN changed (the server learns it at the next sync)"
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// People as `person list` and `server person list` show them (never their keys): a JSON list,
/// or one line each; `none` is said when there is nobody.
pub(super) fn print_people<'a>(
    people: impl IntoIterator<Item = &'a Person>,
    json: bool,
    none: Option<&str>,
    out: &mut Out,
) -> std::io::Result<()> {
    let people: Vec<&Person> = people.into_iter().collect();
    if json {
        let list: Vec<_> = people
            .iter()
            .map(|p| {
                serde_json::json!({
                    "id": p.id, "name": p.name, "role": p.role, "active": p.active,
                })
            })
            .collect();
        return out.json(&list);
    }
    if people.is_empty()
        && let Some(none) = none
    {
        return out.line(none);
    }
    for p in people {
        out.line(format_args!(
            "{:<20} {:<10} {}{}",
            p.id,
            p.role.name(),
            p.name,
            if p.active { "" } else { "  (removed)" }
        ))?;
    }
    Ok(())
}
