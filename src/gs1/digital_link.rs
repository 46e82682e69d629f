//! GS1 Digital Link URIs: `https://domain[/prefix]/01/{gtin}[/22/…][/10/…][/21/…][?17=…&…]`,
//! read and written with the rules GS1's reference implementation (the GS1 Barcode Syntax
//! Engine) applies:
//!
//! - only URI characters (anything else must be percent-encoded), a scheme of `https://` or
//!   `http://` (all lower or all upper case), a domain without `_ ~ ? # @ ! $ & ' ( ) * + , ; = %`;
//! - the path's AI/value pairs are read back from its end to the first primary key; what comes
//!   before it is the resolver's own prefix; the key's qualifiers in one of its allowed orders;
//! - query parameters: a numeric key must be a known AI, with a non-empty value, a GS1 data
//!   attribute that does not belong in the path; other keys (and keys without `=`) are ignored
//!   and reported;
//! - no AI twice; a GTIN in the path has all 14 digits; `%XX` decodes (a `%` not followed by two
//!   hex digits is a literal `%`), `+` in the query is a space; a decoded NUL is refused.

use super::ai::{self, AiDef};
use super::parse::validate_value;
use super::{Element, Gs1Error, Message};

/// Characters a URI may hold (RFC 3986 unreserved, reserved and `%`).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// URI characters that have no place in a domain.
fn is_bad_domain_char(b: u8) -> bool {
    b"_~?#@!$&'()*+,;=%".contains(&b)
}

fn bad(why: impl Into<String>) -> Gs1Error {
    Gs1Error::DigitalLink(why.into())
}

/// Parses a Digital Link URI. Query parameters that are not GS1 AIs are ignored and listed in
/// [`Message::ignored`].
pub(super) fn parse(uri: &str) -> Result<Message, Gs1Error> {
    if let Some((i, c)) = uri
        .char_indices()
        .find(|&(_, c)| !c.is_ascii() || !is_uri_char(c as u8))
    {
        return Err(bad(format!(
            "{c:?} at position {} must be percent-encoded",
            i + 1
        )));
    }
    let rest = ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .find_map(|s| uri.strip_prefix(s))
        .ok_or_else(|| bad("the scheme must be https:// or http://"))?;
    let domain_end = rest.find('/').unwrap_or(rest.len());
    if let Some(c) = rest[..domain_end].bytes().find(|&c| is_bad_domain_char(c)) {
        return Err(bad(format!(
            "the domain {:?} has {:?}, which no domain may have",
            &rest[..domain_end],
            c as char
        )));
    }
    if domain_end == 0 || domain_end == rest.len() {
        return Err(bad("needs a domain and a path such as /01/{GTIN}"));
    }
    let after_domain = &rest[domain_end..];
    let before_fragment = after_domain.split('#').next().unwrap_or("");
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let key_at = primary_key_position(path).ok_or_else(|| {
        bad(format!(
            "no primary key (such as /01/ GTIN or /00/ SSCC) in the path {path:?}"
        ))
    })?;

    let mut elements = Vec::new();
    let mut at = key_at;
    while at < path.len() {
        let ai_end = path[at + 1..]
            .find('/')
            .map(|i| at + 1 + i)
            .ok_or_else(|| bad("the path ends with an AI and no value"))?;
        let ai_text = &path[at + 1..ai_end];
        let def = ai::lookup(ai_text).ok_or_else(|| bad(format!("{ai_text:?} is not an AI")))?;
        let value_end = path[ai_end + 1..]
            .find('/')
            .map_or(path.len(), |i| ai_end + 1 + i);
        let raw = &path[ai_end + 1..value_end];
        if raw.is_empty() {
            return Err(bad(format!("({}) has an empty value in the path", def.ai)));
        }
        elements.push(Element {
            ai: def.ai,
            value: decode(def, raw, false)?.into(),
        });
        at = value_end;
    }
    let path_len = elements.len();

    let mut ignored = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let Some((key, raw)) = param.split_once('=') else {
            ignored.push(param.to_string());
            continue;
        };
        if !key.bytes().all(|b| b.is_ascii_digit()) {
            ignored.push(param.to_string());
            continue;
        }
        let def = ai::lookup(key).ok_or_else(|| {
            bad(format!(
                "query parameter {key:?} is numeric but not a GS1 AI"
            ))
        })?;
        if raw.is_empty() {
            return Err(bad(format!("({}) has an empty value in the query", def.ai)));
        }
        elements.push(Element {
            ai: def.ai,
            value: decode(def, raw, true)?.into(),
        });
    }

    let path_ais: Vec<&str> = elements[..path_len].iter().map(|e| e.ai).collect();
    if !is_key_qualifier_sequence(&path_ais) {
        return Err(bad(format!(
            "the path {} is not a primary key with its qualifiers in an allowed order{}",
            path_ais.iter().map(|a| format!("/{a}")).collect::<String>(),
            allowed_orders(path_ais[0])
        )));
    }
    for (i, e) in elements.iter().enumerate() {
        if elements[..i].iter().any(|o| o.ai == e.ai) {
            return Err(bad(format!("({}) appears twice", e.ai)));
        }
    }
    for e in &elements[path_len..] {
        let def = ai::lookup(e.ai).expect("looked up");
        if !def.dl_attribute {
            return Err(bad(format!(
                "({}) {} cannot be a query attribute",
                def.ai, def.title
            )));
        }
        let fits_in_path = (1..=path_len).any(|j| {
            let mut seq = path_ais.clone();
            seq.insert(j, e.ai);
            is_key_qualifier_sequence(&seq)
        });
        if fits_in_path {
            return Err(bad(format!(
                "({}) {} is a key qualifier: it belongs in the path, not the query",
                def.ai, def.title
            )));
        }
    }
    for e in &elements {
        validate_value(ai::lookup(e.ai).expect("looked up"), &e.value, 1)?;
    }
    Ok(Message {
        symbology: None,
        elements,
        ignored,
    })
}

/// Where the path's AI/value pairs start: walking back from the end pair by pair, the first
/// pair whose AI is a primary key. `None` when a pair before it is no AI.
fn primary_key_position(path: &str) -> Option<usize> {
    let mut end = path.len();
    loop {
        let value_slash = path[..end].rfind('/')?;
        if value_slash == 0 {
            return None;
        }
        let ai_slash = path[..value_slash].rfind('/')?;
        let def = ai::lookup(&path[ai_slash + 1..value_slash])?;
        if def.dl_primary_key.is_some() {
            return Some(ai_slash);
        }
        end = ai_slash;
    }
}

/// A primary key alone, or followed by some of one of its qualifier sequences, in order.
fn is_key_qualifier_sequence(ais: &[&str]) -> bool {
    let Some(sequences) = ais
        .first()
        .and_then(|k| ai::lookup(k))
        .and_then(|d| d.dl_primary_key)
    else {
        return false;
    };
    let qualifiers = &ais[1..];
    qualifiers.is_empty()
        || sequences.iter().any(|seq| {
            let mut rest = seq.iter();
            qualifiers.iter().all(|q| rest.by_ref().any(|s| s == q))
        })
}

fn allowed_orders(key: &str) -> String {
    let orders: Vec<String> = ai::lookup(key)
        .and_then(|d| d.dl_primary_key)
        .unwrap_or(&[])
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|a| format!("/{a}")).collect())
        .collect();
    if orders.is_empty() {
        format!(" (/{key}/ takes no qualifiers)")
    } else {
        format!(" (allowed after /{key}/: {})", orders.join(" or "))
    }
}

/// Builds the URI as GS1's engine does: the first primary key in the data, the longest of its
/// qualifier sequences the data satisfies (the first in AI order on a tie), then the other
/// elements as query attributes, fixed-length AIs first, each in the order given.
pub(super) fn build(msg: &Message, domain: &str) -> Result<String, Gs1Error> {
    let key = msg
        .elements
        .iter()
        .find_map(|e| ai::lookup(e.ai).filter(|d| d.dl_primary_key.is_some()))
        .ok_or_else(|| {
            Gs1Error::NotDigitalLinkable(
                "no primary key such as (01) GTIN, (00) SSCC or (414) GLN".into(),
            )
        })?;
    let path = best_path(key, msg);
    let mut uri = domain.strip_suffix('/').unwrap_or(domain).to_string();
    for ai in &path {
        uri.push('/');
        uri.push_str(ai);
        uri.push('/');
        encode_into(&mut uri, msg.get(ai).expect("present"), false);
    }
    let mut emitted: Vec<&str> = path.clone();
    let mut separator = '?';
    for fixed in [true, false] {
        for e in &msg.elements {
            let def = ai::lookup(e.ai).expect("validated");
            if def.fixed_length != fixed || emitted.contains(&e.ai) {
                continue;
            }
            if !def.dl_attribute {
                return Err(Gs1Error::NotDigitalLinkable(format!(
                    "({}) {} has no place in a Digital Link URI",
                    e.ai, def.title
                )));
            }
            uri.push(separator);
            separator = '&';
            uri.push_str(e.ai);
            uri.push('=');
            encode_into(&mut uri, &e.value, true);
            emitted.push(e.ai);
        }
    }
    Ok(uri)
}

/// The key and the qualifiers of the longest allowed sequence present in `msg`.
fn best_path(key: &'static AiDef, msg: &Message) -> Vec<&'static str> {
    let mut candidates: Vec<Vec<&'static str>> = vec![vec![key.ai]];
    for seq in key.dl_primary_key.unwrap_or(&[]) {
        // Every ordered subset of the sequence, as the engine enumerates them.
        for mask in 1u32..(1 << seq.len()) {
            let mut c = vec![key.ai];
            c.extend(
                seq.iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, q)| *q),
            );
            candidates.push(c);
        }
    }
    candidates.sort_by_key(|c| c.join(" "));
    let mut best = vec![key.ai];
    for c in candidates {
        if c.len() > best.len() && c[1..].iter().all(|q| msg.get(q).is_some()) {
            best = c;
        }
    }
    best
}

/// Percent-encodes all but the URI unreserved characters (a space in the query as `+`).
fn encode_into(out: &mut String, v: &str, query: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if b == b' ' && query {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// Reverses percent-encoding of one value (`+` is a space in the query). A `%` not followed
/// by two hex digits stays a literal `%`, as GS1's engine reads it.
fn decode(def: &AiDef, v: &str, query: bool) -> Result<String, Gs1Error> {
    let b = v.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let pair = (b[i] == b'%' && i + 2 < b.len())
            .then(|| Some(hex(b[i + 1])? << 4 | hex(b[i + 2])?))
            .flatten();
        match pair {
            Some(0) => {
                return Err(bad(format!(
                    "({}) decodes to a NUL character (%00)",
                    def.ai
                )));
            }
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(if query && b[i] == b'+' { b' ' } else { b[i] });
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        bad(format!(
            "({}) {v:?} decodes to bytes that are not text",
            def.ai
        ))
    })
}
