//! The core's enums as command-line values. The core knows nothing of clap; these mirror its
//! enums with the spelling its JSON uses (`on_hold`, `on_hand`), so a value is written one
//! way in arguments, output and JSON alike.

use crate::domain::LotStatus;
use crate::domain::arrival::{WhenExpired, WhenShort};
use crate::domain::person::PersonRole;
use crate::domain::recall::Disposition;
use crate::domain::rules::Strategy;
use crate::domain::status::Role;

/// A clap value enum for a core enum with the same variants, and its conversion.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident => $core:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        #[value(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $core {
            fn from(v: $name) -> $core {
                match v {
                    $($name::$variant => $core::$variant),+
                }
            }
        }
    };
}

value_enum! {
    /// A lot's quality status.
    StatusArg => LotStatus { Quarantined, Released, OnHold, Rejected, Recalled }
}

value_enum! {
    /// Who is acting.
    RoleArg => Role { Worker, Supervisor }
}

value_enum! {
    /// What a person may do.
    PersonRoleArg => PersonRole { Worker, Supervisor, Admin }
}

/// A PIN for a supervisor action or a new account: from `--pin-file` (its first line) or
/// `LOTLINE_PIN`, never from the command line, where `ps` would show it.
pub fn pin(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    use super::error::{Code, refuse};
    let pin = match file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("reading the PIN from {}: {e}", f.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => std::env::var("LOTLINE_PIN")
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    if pin.is_empty() {
        return refuse(
            Code::CredentialRefused,
            "this needs a PIN: set LOTLINE_PIN or give --pin-file FILE (never on the command line)",
        );
    }
    Ok(pin)
}

value_enum! {
    /// The order stock is picked in.
    StrategyArg => Strategy {
        /// First in, first out: oldest receipt first.
        Fifo,
        /// First expired, first out: earliest expiry first (undated lots last).
        Fefo,
        /// Last in, first out: newest receipt first.
        Lifo,
    }
}

value_enum! {
    /// What happened to a recalled quantity.
    DispositionArg => Disposition {
        /// Came back from the customer.
        Returned,
        /// Destroyed (at the site or by the customer, with proof).
        Destroyed,
        /// Found on hand and segregated, awaiting a decision.
        OnHand,
        /// Used up or sold on before the recall.
        Consumed,
        /// Anything else: --note says what.
        Other,
    }
}

value_enum! {
    /// A lot that arrives already expired.
    WhenExpiredArg => WhenExpired {
        /// Not received; nothing recorded.
        Refuse,
        /// Received on hold, for a supervisor to decide.
        Hold,
    }
}

value_enum! {
    /// A lot that arrives with less than the product's minimum shelf life.
    WhenShortArg => WhenShort {
        /// Received, with a warning.
        Warn,
        /// Received on hold.
        Hold,
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The argument spelling is the JSON spelling, value by value.
    #[test]
    fn arguments_are_spelled_as_the_json_is() {
        fn same<A: ValueEnum + Copy, C: From<A> + serde::Serialize>() {
            for v in A::value_variants() {
                let arg = v.to_possible_value().unwrap().get_name().to_string();
                let json = serde_json::to_value(C::from(*v)).unwrap();
                assert_eq!(json, serde_json::Value::String(arg));
            }
        }
        same::<StatusArg, LotStatus>();
        same::<RoleArg, Role>();
        same::<PersonRoleArg, PersonRole>();
        same::<StrategyArg, Strategy>();
        same::<DispositionArg, Disposition>();
        same::<WhenExpiredArg, WhenExpired>();
        same::<WhenShortArg, WhenShort>();
    }
}
