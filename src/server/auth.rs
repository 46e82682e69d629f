//! Bearer tokens: `llt_<id>_<secret>`, 256 random bits, shown once; the server stores only
//! their SHA-256 and looks them up by it.

use chrono::{DateTime, Days, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::db::{DbError, ServerStore, TokenRecord};
use crate::protocol::{TokenInfo, TokenRole};

/// Why a token is not accepted (answered with 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("no bearer token")]
    Missing,
    #[error("the token is not known to this server")]
    Unknown,
    #[error("the token was revoked on {0}")]
    Revoked(String),
    #[error("the token expired on {0}")]
    Expired(String),
}

impl TokenRefusal {
    pub fn hint(&self) -> &'static str {
        match self {
            TokenRefusal::Missing => {
                "send `Authorization: Bearer <token>`; an admin creates tokens with `lotline server token create`"
            }
            _ => "ask an admin for a new token (`lotline server token create`)",
        }
    }
}

/// Who is calling, from a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub token_id: String,
    pub station: String,
    pub role: TokenRole,
    /// The site (GLN) the token's station belongs to, if any.
    pub site: Option<String>,
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The longest validity a token can be given, in days (about 100 years): a larger number is a
/// typing error, and dates past it leave the calendar the database can store.
pub const MAX_TOKEN_DAYS: u32 = 36_500;

/// Creates a token for `station` with `role`, valid `expires_days` days (forever when
/// `None`); returns the token (to show once) and its record.
pub async fn create(
    db: &dyn ServerStore,
    station: &str,
    role: TokenRole,
    expires_days: Option<u32>,
    site: Option<&str>,
) -> Result<(String, TokenInfo), DbError> {
    let station = station.trim();
    if station.is_empty() || station.len() > 200 {
        return Err(DbError::Refused(
            "a token needs a station name (--station NAME, at most 200 characters)".into(),
        ));
    }
    if let Some(days) = expires_days
        && !(1..=MAX_TOKEN_DAYS).contains(&days)
    {
        return Err(DbError::Refused(format!(
            "a token expires in 1 to {MAX_TOKEN_DAYS} days (--expires DAYS), not {days}; \
             leave it out for a token that does not expire"
        )));
    }
    let site = match site.map(str::trim) {
        Some(gln) => Some(known_site(db, gln).await?),
        None => None,
    };
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    rand::fill(&mut id);
    rand::fill(&mut secret);
    let id = hex::encode(id);
    let token = format!("llt_{id}_{}", hex::encode(secret));
    let created = now();
    let record = TokenRecord {
        id: id.clone(),
        hash: hash(&token),
        station: station.to_string(),
        role,
        created: stamp(created),
        expires: expires_days.map(|d| stamp(created + Days::new(d.into()))),
        revoked: None,
        site,
    };
    db.put_token(record.clone()).await?;
    Ok((token, info(&record)))
}

pub fn info(r: &TokenRecord) -> TokenInfo {
    TokenInfo {
        id: r.id.clone(),
        station: r.station.clone(),
        role: r.role,
        created: r.created.clone(),
        expires: r.expires.clone(),
        revoked: r.revoked.clone(),
        site: r.site.clone(),
    }
}

/// A GLN (AI 414's rules: 13 digits, check digit) as a site name is checked, before it is
/// added or a token is tied to it.
pub fn check_gln(gln: &str) -> Result<(), DbError> {
    crate::gs1::Message::from_elements([("414", gln)])
        .map(|_| ())
        .map_err(|e| DbError::Refused(format!("{gln:?} is not a GLN: {e}")))
}

/// `gln`, when it is one of the server's sites.
async fn known_site(db: &dyn ServerStore, gln: &str) -> Result<String, DbError> {
    check_gln(gln)?;
    if db.sites().await?.iter().any(|s| s.gln == gln) {
        Ok(gln.to_string())
    } else {
        Err(DbError::Refused(format!(
            "the server has no site {gln}: add it first (`lotline server site add {gln} --name NAME`)"
        )))
    }
}

/// Checks a presented token: known, not revoked, not expired.
pub async fn check(db: &dyn ServerStore, token: Option<&str>) -> Result<Caller, CheckError> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(TokenRefusal::Missing)?;
    let record = db
        .token_by_hash(hash(token))
        .await?
        .ok_or(TokenRefusal::Unknown)?;
    if let Some(at) = record.revoked {
        return Err(TokenRefusal::Revoked(at).into());
    }
    if let Some(exp) = &record.expires {
        let expired = DateTime::parse_from_rfc3339(exp)
            .map(|e| e.with_timezone(&Utc) <= now())
            .unwrap_or(true);
        if expired {
            return Err(TokenRefusal::Expired(exp.clone()).into());
        }
    }
    Ok(Caller {
        token_id: record.id,
        station: record.station,
        role: record.role,
        site: record.site,
    })
}

/// Revokes the token with this public id (also accepted: the whole token). False when none.
pub async fn revoke(db: &dyn ServerStore, id: &str) -> Result<bool, DbError> {
    let id = id
        .strip_prefix("llt_")
        .map(|rest| rest.split('_').next().unwrap_or(rest))
        .unwrap_or(id);
    db.revoke_token(id.to_string(), stamp(now())).await
}

/// A token check that failed: refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Refused(#[from] TokenRefusal),
    #[error(transparent)]
    Db(#[from] DbError),
}
