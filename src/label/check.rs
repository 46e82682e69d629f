//! `label check`: proves a template prints any valid data. Lays it out with the worst case
//! of every placeholder (the longest value of its AI, in the characters that make symbols
//! and text widest) and holds its symbols to the symbol specification of its application.
//! Pure: no I/O beyond what loading the template did.

use super::template::{Element, LabelData, Template, ai_fields, placeholders};
use super::{LabelError, Layout, font, lay_out, spec};
use crate::gs1::{self, ai::Cset};

/// What a check proved: each worst-case data set it laid out, and the layouts.
#[derive(Debug, Clone)]
pub struct Checked {
    pub data: Vec<LabelData>,
    pub layouts: Vec<Layout>,
}

/// Lays out `t` with each worst-case data set and checks its symbols against its
/// application's symbol specification. The first problem is the error, naming the template,
/// the element and the field.
pub fn check(t: &Template) -> Result<Checked, LabelError> {
    let data = worst_cases(t);
    let mut layouts = Vec::with_capacity(data.len());
    for d in &data {
        let layout = lay_out(t, d)?;
        let names: Vec<String> = symbol_names(&layout);
        if let Some(problem) = spec::violations(&layout, t.application, &names)
            .into_iter()
            .next()
        {
            return Err(LabelError::Template {
                template: t.name.clone(),
                problem: format!("with worst-case data: {problem}"),
            });
        }
        layouts.push(layout);
    }
    Ok(Checked { data, layouts })
}

fn symbol_names(layout: &Layout) -> Vec<String> {
    layout
        .items
        .iter()
        .filter_map(|i| match i {
            super::Item::Barcode(b) => Some(format!(
                "the {} symbol {:?}",
                b.symbol.symbology,
                b.data.replace(gs1::GS, "<GS>")
            )),
            _ => None,
        })
        .collect()
}

/// The worst-case data sets of a template: every placeholder that is a GS1 AI's whole value
/// at the AI's longest, alphanumeric ones in each of the characters that are widest somewhere
/// (in a text face the template shows it in, in Code 128 and in a Digital Link URI); the
/// others from `[worst_case]`, else the sample.
pub fn worst_cases(t: &Template) -> Vec<LabelData> {
    let mut ais: Vec<(String, &'static gs1::AiDef)> = Vec::new();
    for el in &t.elements {
        if let Element::Barcode { data, .. } = el {
            for (ai, name) in ai_fields(data) {
                if let Some(def) = gs1::lookup(ai)
                    && !ais.iter().any(|(n, _)| n == name)
                {
                    ais.push((name.to_string(), def));
                }
            }
        }
    }
    let mut widest: Vec<u8> = vec![b'W', b'%'];
    for el in &t.elements {
        if let Element::Text {
            text,
            face: Some(face),
            ..
        } = el
            && placeholders(text).is_ok_and(|p| p.iter().any(|k| ais.iter().any(|(n, _)| n == k)))
        {
            let c = widest_char(face);
            if !widest.contains(&c) {
                widest.push(c);
            }
        }
    }
    widest
        .into_iter()
        .map(|c| {
            let mut data = t.sample.clone();
            data.extend(t.worst_case.clone());
            for (name, def) in &ais {
                if t.worst_case.contains_key(name) {
                    continue;
                }
                if let Some(v) = longest_value(def, c) {
                    data.insert(name.clone(), v);
                }
            }
            data
        })
        .collect()
}

/// The CSET 82 character a face sets widest.
fn widest_char(face: &font::Face) -> u8 {
    (b'!'..=b'z')
        .filter(|&b| Cset::Cset82.allows(b))
        .max_by(|&a, &b| {
            let w = |c: u8| face.text_width_mm(&(c as char).to_string(), 10.0);
            w(a).total_cmp(&w(b))
        })
        .unwrap_or(b'W')
}

/// A valid value of `def` at its longest, `c` in its alphanumeric parts; None where the AI
/// needs a value this cannot make (the sample value stays).
fn longest_value(def: &gs1::AiDef, c: u8) -> Option<String> {
    use gs1::ai::Linter;
    let mut value = String::new();
    for comp in def.components {
        let n = comp.max as usize;
        let part = if comp
            .linters
            .iter()
            .any(|l| matches!(l, Linter::Yymmdd | Linter::Yymmd0))
        {
            "291231".to_string()
        } else if comp.linters.contains(&Linter::Csum) {
            let body = "9".repeat(n - 1);
            let check = gs1::check_digit(&body).ok()?;
            format!("{body}{check}")
        } else if comp.cset == Cset::Numeric {
            "9".repeat(n)
        } else {
            let ch = if comp.cset.allows(c) { c } else { b'W' };
            (ch as char).to_string().repeat(n)
        };
        value.push_str(&part);
    }
    let opts = gs1::ParseOptions {
        skip_requisites: true,
        ..Default::default()
    };
    gs1::parse(&format!("({}){value}", def.ai), &opts)
        .is_ok()
        .then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_values_are_valid_and_longest() {
        let v = |ai: &str, c: u8| longest_value(gs1::lookup(ai).unwrap(), c).unwrap();
        assert_eq!(v("10", b'W'), "W".repeat(20));
        assert_eq!(v("37", b'W'), "99999999");
        assert_eq!(v("17", b'W').len(), 6);
        assert_eq!(v("00", b'W').len(), 18);
        assert_eq!(v("02", b'%').len(), 14);
    }
}
