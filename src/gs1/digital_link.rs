//! GS1 Digital Link URIs: `https://domain[/prefix]/01/{gtin}[/22/…][/10/…][/21/…][?17=…&…]`.

use super::ai::{self, AiDef};
use super::parse::validate_value;
use super::{Element, Gs1Error, Message, generate};

/// Parses a Digital Link URI. Query parameters that are not GS1 attributes are ignored and
/// listed in [`Message::ignored`].
pub(super) fn parse(uri: &str) -> Result<Message, Gs1Error> {
    let bad = |why: String| Gs1Error::DigitalLink(why);
    let after_scheme = uri
        .split_once("://")
        .map(|(_, r)| r)
        .ok_or_else(|| bad("no scheme".into()))?;
    let after_scheme = after_scheme.split('#').next().unwrap_or("");
    let (path_part, query) = after_scheme.split_once('?').unwrap_or((after_scheme, ""));
    let path = path_part.split_once('/').map(|(_, p)| p).unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // The primary key is the first AI segment from which the rest of the path is AI/value pairs
    // (a resolver may put its own prefix segments first).
    let start = (0..segments.len())
        .find(|&i| {
            (segments.len() - i).is_multiple_of(2)
                && ai::lookup(segments[i]).is_some_and(|d| d.dl_primary_key.is_some())
                && segments[i..].chunks(2).all(|p| ai::lookup(p[0]).is_some())
        })
        .ok_or_else(|| {
            bad(format!(
                "no primary key (such as /01/ GTIN or /00/ SSCC) in the path {path:?}"
            ))
        })?;
    let mut elements = Vec::new();
    let key = ai::lookup(segments[start]).expect("checked");
    for pair in segments[start..].chunks(2) {
        let def = ai::lookup(pair[0]).expect("checked");
        let mut value = decode(pair[1])?;
        if def.ai == "01" && value.len() < 14 {
            value = generate::normalize_gtin(&value)?;
        }
        validate_value(def, &value, 1)?;
        elements.push(Element { ai: def.ai, value });
    }
    check_qualifier_order(key, &elements[1..])?;
    let mut ignored = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = param.split_once('=').unwrap_or((param, ""));
        match ai::lookup(k) {
            Some(def) if def.dl_attribute && def.dl_primary_key.is_none() => {
                let value = decode(v)?;
                validate_value(def, &value, 1)?;
                elements.push(Element { ai: def.ai, value });
            }
            Some(def) => {
                return Err(bad(format!(
                    "({}) {} cannot be a query attribute",
                    def.ai, def.title
                )));
            }
            None => ignored.push(param.to_string()),
        }
    }
    Ok(Message {
        symbology: None,
        elements,
        ignored,
    })
}

fn check_qualifier_order(key: &AiDef, qualifiers: &[Element]) -> Result<(), Gs1Error> {
    if qualifiers.is_empty() {
        return Ok(());
    }
    let sequences = key.dl_primary_key.unwrap_or(&[]);
    let fits = |seq: &[&str]| {
        let mut rest = seq.iter();
        qualifiers.iter().all(|q| rest.by_ref().any(|s| *s == q.ai))
    };
    if sequences.iter().any(|seq| fits(seq)) {
        return Ok(());
    }
    let allowed = sequences
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|a| format!("/{a}")).collect::<String>())
        .collect::<Vec<_>>()
        .join(" or ");
    Err(Gs1Error::DigitalLink(format!(
        "qualifiers {} after /{}/ are not allowed in that order (allowed: {})",
        qualifiers
            .iter()
            .map(|q| format!("/{}", q.ai))
            .collect::<String>(),
        key.ai,
        if allowed.is_empty() {
            "none".to_string()
        } else {
            allowed
        }
    )))
}

/// Builds the URI: primary key, the qualifiers of one allowed sequence in order, then the
/// other elements as query attributes.
pub(super) fn build(msg: &Message, domain: &str) -> Result<String, Gs1Error> {
    let (key_index, key) = msg
        .elements
        .iter()
        .enumerate()
        .find_map(|(i, e)| {
            ai::lookup(e.ai)
                .filter(|d| d.dl_primary_key.is_some())
                .map(|d| (i, d))
        })
        .ok_or_else(|| {
            Gs1Error::NotDigitalLinkable(
                "no primary key such as (01) GTIN, (00) SSCC or (414) GLN".into(),
            )
        })?;
    let sequences = key.dl_primary_key.unwrap_or(&[]);
    let best = sequences
        .iter()
        .max_by_key(|seq| seq.iter().filter(|q| msg.get(q).is_some()).count())
        .copied()
        .unwrap_or(&[]);
    let mut uri = domain.trim_end_matches('/').to_string();
    uri.push('/');
    uri.push_str(key.ai);
    uri.push('/');
    uri.push_str(&encode(&msg.elements[key_index].value));
    let mut used = vec![key_index];
    for q in best {
        if let Some(i) = msg.elements.iter().position(|e| e.ai == *q) {
            uri.push_str(&format!("/{q}/{}", encode(&msg.elements[i].value)));
            used.push(i);
        }
    }
    let mut query = Vec::new();
    for (i, e) in msg.elements.iter().enumerate() {
        if used.contains(&i) {
            continue;
        }
        let def = ai::lookup(e.ai).expect("validated");
        if !def.dl_attribute || def.dl_primary_key.is_some() {
            return Err(Gs1Error::NotDigitalLinkable(format!(
                "({}) {} has no place in a Digital Link URI",
                e.ai, def.title
            )));
        }
        query.push(format!("{}={}", e.ai, encode(&e.value)));
    }
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    Ok(uri)
}

/// Percent-encodes all but the URI unreserved characters.
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(v: &str) -> Result<String, Gs1Error> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = v
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return Err(Gs1Error::DigitalLink(format!(
                    "bad percent-encoding in {v:?}"
                )));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| Gs1Error::DigitalLink(format!("{v:?} does not decode to text")))
}
