//! One label, several barcodes. A GS1 logistic label splits its data over symbols (`(00)`
//! SSCC; `(02)` content + `(37)` count; `(17)` expiry + `(10)` lot) and a handheld scanner reads
//! them one at a time, in any order. Each symbol alone breaks the association rules ("(37)
//! needs (02)", "(02) needs (00)"); together they are one valid message. [`LabelAssembly`]
//! puts the barcodes of one label together: it keeps the partial data until the rules hold
//! and the station has what it needs, then hands over one message; it gives up on a partial
//! label after a time or when the next barcode cannot belong to it.
//!
//! Pure: the clock is an argument, nothing is read or written.

use std::time::{Duration, Instant};

use crate::gs1::{self, Element, Gs1Error, Message};

/// How long a partial label waits for its other barcodes, unless the station sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// What makes a label complete for the station's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enough {
    /// A lot: GTIN and batch (receiving, which records both).
    Lot,
    /// A pallet (its SSCC names what is on it) or a lot: dispatch, production input, lookup.
    PalletOrLot,
}

/// Something a partial label still lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lacking {
    Gtin,
    Batch,
    /// An association rule: `ai` needs `needs` (e.g. "(00)") with it.
    Partner {
        ai: &'static str,
        needs: String,
    },
}

/// A label of which some barcodes were read: what it has and what it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialLabel {
    pub elements: Vec<Element>,
    pub lacking: Vec<Lacking>,
}

impl PartialLabel {
    /// The pallet's SSCC, when that barcode was read.
    pub fn sscc(&self) -> Option<&str> {
        value(&self.elements, "00")
    }
}

/// Why a partial label was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GaveUp {
    /// Its other barcodes did not come in time.
    TimedOut(PartialLabel),
    /// The next barcode names another item (another SSCC, GTIN, lot…): a new label.
    OtherLabel(PartialLabel),
}

/// What one barcode did to the label being put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The label is complete: one message with the data of all its barcodes.
    Complete(Message),
    /// More barcodes of this label are needed.
    Partial(PartialLabel),
    /// A barcode of the pallet label just dealt with (see [`LabelAssembly::finish`]): it adds
    /// nothing, and must not count as a second pallet.
    SameLabel { sscc: String },
}

/// The label being put together at one station mode, and the pallet label dealt with last.
#[derive(Debug)]
pub struct LabelAssembly {
    timeout: Duration,
    pending: Option<(Vec<Element>, Instant)>,
    done: Option<Done>,
    gave_up: Option<GaveUp>,
    /// The last [`Step::Complete`] came from one barcode alone (a 2D symbol carrying the
    /// whole label, or a one-barcode case label).
    whole_in_one: bool,
}

/// The pallet label dealt with last: all it is known to carry, and the keys of the barcodes
/// already read. A barcode is one of its others only if it agrees with it and brings keys not
/// read yet: the same (02)+(37) barcode read again starts the next pallet of the same product
/// and count, it is not a leftover of this one. Except after a label read whole from one
/// symbol (a GS1 DataMatrix beside the GS1-128s): its linear barcodes repeat what was read.
#[derive(Debug)]
struct Done {
    label: Vec<Element>,
    read: Vec<&'static str>,
    repeats: bool,
    at: Instant,
}

impl Default for LabelAssembly {
    fn default() -> Self {
        LabelAssembly::new(DEFAULT_TIMEOUT)
    }
}

impl LabelAssembly {
    pub fn new(timeout: Duration) -> LabelAssembly {
        LabelAssembly {
            timeout,
            pending: None,
            done: None,
            gave_up: None,
            whole_in_one: false,
        }
    }

    /// Adds one barcode's data (parsed without the association rules, which apply to the
    /// whole label). A partial label given up on the way is kept for [`Self::take_gave_up`].
    pub fn add(&mut self, scan: Message, now: Instant, enough: Enough) -> Step {
        self.expire(now);
        if let Some(done) = &mut self.done {
            let leftover = scan.elements.iter().all(|e| {
                agrees(&done.label, e) == Some(true)
                    && (done.repeats || !done.read.contains(&key(e.ai)))
            });
            if leftover && let Some(sscc) = value(&done.label, "00") {
                let sscc = sscc.to_string();
                done.read.extend(scan.elements.iter().map(|e| key(e.ai)));
                return Step::SameLabel { sscc };
            }
            self.done = None;
        }
        let (mut elements, since) = self.pending.take().unwrap_or((Vec::new(), now));
        let conflicts = scan
            .elements
            .iter()
            .any(|e| agrees(&elements, e) == Some(false));
        let mut merged = elements.clone();
        merged.extend(
            scan.elements
                .iter()
                .filter(|e| agrees(&elements, e).is_none())
                .cloned(),
        );
        let exclusive = matches!(
            gs1::check_exclusions(&merged),
            Err(Gs1Error::Exclusive { .. })
        );
        let since = if (conflicts || exclusive) && !elements.is_empty() {
            self.gave_up = Some(GaveUp::OtherLabel(partial(std::mem::take(&mut elements))));
            merged = scan.elements.clone();
            now
        } else {
            since
        };
        let lacking = lacking(&merged, enough);
        if lacking.is_empty() {
            self.whole_in_one = merged.len() == scan.elements.len();
            return Step::Complete(Message {
                symbology: scan.symbology,
                elements: merged,
                ignored: scan.ignored,
            });
        }
        let shown = PartialLabel {
            elements: merged.clone(),
            lacking,
        };
        self.pending = Some((merged, since));
        Step::Partial(shown)
    }

    /// The label was dealt with (recorded, or refused as a whole) after the barcodes that
    /// gave `read`. When it is a pallet's (it has an SSCC), its other barcodes read within the
    /// time are recognised as the same label ([`Step::SameLabel`]); `known` is what the
    /// station knows of the pallet besides (its GTIN, lot, count and expiry).
    pub fn finish(&mut self, read: &[Element], known: Vec<Element>, now: Instant) {
        self.pending = None;
        // Read whole from one barcode: that barcode alone completed it and the station knows
        // nothing of the pallet it did not carry (an SSCC alone is not the whole label).
        let whole = std::mem::take(&mut self.whole_in_one)
            && known.iter().all(|e| agrees(read, e).is_some());
        self.done = value(read, "00").is_some().then(|| {
            let mut label = read.to_vec();
            label.extend(known.into_iter().filter(|e| agrees(read, e).is_none()));
            Done {
                label,
                read: read.iter().map(|e| key(e.ai)).collect(),
                repeats: whole,
                at: now,
            }
        });
    }

    /// Gives up a partial label that waited longer than the time; for a front end's timer.
    pub fn expire(&mut self, now: Instant) -> Option<&GaveUp> {
        if let Some(done) = &self.done
            && now.duration_since(done.at) > self.timeout
        {
            self.done = None;
        }
        if let Some((elements, since)) = &self.pending
            && now.duration_since(*since) > self.timeout
        {
            self.gave_up = Some(GaveUp::TimedOut(partial(elements.clone())));
            self.pending = None;
            return self.gave_up.as_ref();
        }
        None
    }

    /// The partial label given up since the last call, if any.
    pub fn take_gave_up(&mut self) -> Option<GaveUp> {
        self.gave_up.take()
    }

    /// The label waiting for more barcodes, if any.
    pub fn pending(&self) -> Option<PartialLabel> {
        self.pending.as_ref().map(|(e, _)| partial(e.clone()))
    }

    /// Forgets the partial label (the worker starts over).
    pub fn clear(&mut self) {
        self.pending = None;
        self.done = None;
    }
}

/// The value of an AI among elements.
fn value<'a>(elements: &'a [Element], ai: &str) -> Option<&'a str> {
    elements
        .iter()
        .find(|e| e.ai == ai)
        .map(|e| e.value.as_str())
}

/// The key an element fills: (01) and (02) both name the GTIN a label is about, (30) and
/// (37) its count; two barcodes of one label never disagree on either.
fn key(ai: &str) -> &str {
    match ai {
        "02" => "01",
        "37" => "30",
        other => other,
    }
}

/// Whether `e` agrees with `elements`: `Some(true)` the same value is there, `Some(false)`
/// another value fills its key (another item), `None` its key is not there yet. Counts agree
/// by number ((37) may carry leading zeros).
fn agrees(elements: &[Element], e: &Element) -> Option<bool> {
    elements
        .iter()
        .find(|o| key(o.ai) == key(e.ai))
        .map(|o| match key(e.ai) {
            "30" => o.value.parse::<u64>().ok() == e.value.parse::<u64>().ok(),
            _ => o.value == e.value,
        })
}

fn partial(elements: Vec<Element>) -> PartialLabel {
    let lacking = lacking(&elements, Enough::Lot);
    PartialLabel { elements, lacking }
}

/// What the label still lacks: the association rules over all its barcodes, then what the
/// mode needs.
fn lacking(elements: &[Element], enough: Enough) -> Vec<Lacking> {
    let mut lacking = Vec::new();
    if let Err(Gs1Error::MissingPartner { ai, needs }) = gs1::check_associations(elements) {
        lacking.push(Lacking::Partner { ai, needs });
    }
    let has = |ai: &str| elements.iter().any(|e| key(e.ai) == ai);
    if enough == Enough::PalletOrLot && has("00") {
        return lacking;
    }
    if !has("01") {
        lacking.push(Lacking::Gtin);
    }
    if !has("10") {
        lacking.push(Lacking::Batch);
    }
    lacking
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSCC: &str = "(00)095011015300000010";
    const CONTENT: &str = "(02)09501101530003(37)40";
    const LOT: &str = "(17)271231(10)B1";

    fn scan(text: &str) -> Message {
        let opts = gs1::ParseOptions {
            skip_requisites: true,
            ..Default::default()
        };
        gs1::parse(text, &opts).unwrap()
    }

    /// The three barcodes of a logistic label, in every order: partial, partial, then one
    /// complete message with all of their data.
    #[test]
    fn the_three_barcodes_of_a_logistic_label_make_one_message_in_any_order() {
        let orders = [
            [SSCC, CONTENT, LOT],
            [SSCC, LOT, CONTENT],
            [CONTENT, SSCC, LOT],
            [CONTENT, LOT, SSCC],
            [LOT, SSCC, CONTENT],
            [LOT, CONTENT, SSCC],
        ];
        for order in orders {
            let mut a = LabelAssembly::default();
            let t = Instant::now();
            assert!(matches!(
                a.add(scan(order[0]), t, Enough::Lot),
                Step::Partial(_)
            ));
            assert!(matches!(
                a.add(scan(order[1]), t, Enough::Lot),
                Step::Partial(_)
            ));
            match a.add(scan(order[2]), t, Enough::Lot) {
                Step::Complete(m) => {
                    assert_eq!(m.sscc(), Some("095011015300000010"), "{order:?}");
                    assert_eq!(m.gtin(), Some("09501101530003"));
                    assert_eq!((m.batch(), m.quantity()), (Some("B1"), Some(40)));
                    assert!(m.expiry().is_some());
                }
                other => panic!("{order:?}: {other:?}"),
            }
            assert!(a.pending().is_none());
        }
    }

    #[test]
    fn a_partial_label_says_what_it_lacks() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        match a.add(scan(SSCC), t, Enough::Lot) {
            Step::Partial(p) => {
                assert_eq!(p.lacking, vec![Lacking::Gtin, Lacking::Batch]);
                assert_eq!(p.sscc(), Some("095011015300000010"));
            }
            other => panic!("{other:?}"),
        }
        match a.add(scan(LOT), t, Enough::Lot) {
            // (10) needs a GTIN: the rule and the station say the same thing.
            Step::Partial(p) => assert!(p.lacking.contains(&Lacking::Gtin), "{p:?}"),
            other => panic!("{other:?}"),
        }
    }

    /// For dispatch and lookups the SSCC alone names the pallet; the (02) barcode alone still
    /// waits for it.
    #[test]
    fn an_sscc_alone_is_enough_where_the_pallet_is_known() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        assert!(matches!(
            a.add(scan(SSCC), t, Enough::PalletOrLot),
            Step::Complete(_)
        ));
        match a.add(scan(CONTENT), t, Enough::PalletOrLot) {
            Step::Partial(p) => assert!(
                p.lacking
                    .iter()
                    .any(|l| matches!(l, Lacking::Partner { needs, .. } if needs.contains("(00)"))),
                "{p:?}"
            ),
            other => panic!("{other:?}"),
        }
    }

    /// A single-symbol case label is complete at once, and the next identical case is a new
    /// label (two cases of a lot are two receipts), not a repeat.
    #[test]
    fn a_case_label_is_complete_alone_and_every_case_counts() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        let case = "(01)09501101530003(17)271231(10)B1(30)12";
        for _ in 0..2 {
            match a.add(scan(case), t, Enough::Lot) {
                Step::Complete(m) => a.finish(&m.elements, Vec::new(), t),
                other => panic!("{other:?}"),
            }
        }
    }

    /// After a pallet label is dealt with, its other barcodes are recognised; a barcode of
    /// another pallet is not.
    #[test]
    fn the_rest_of_a_finished_pallet_label_is_recognised() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        let Step::Complete(m) = a.add(scan(SSCC), t, Enough::PalletOrLot) else {
            panic!()
        };
        // The station knows what is on the pallet and says so.
        let known = scan(&format!("{CONTENT}{LOT}")).elements;
        a.finish(&m.elements, known.clone(), t);
        for rest in [CONTENT, LOT] {
            assert_eq!(
                a.add(scan(rest), t, Enough::PalletOrLot),
                Step::SameLabel {
                    sscc: "095011015300000010".into()
                }
            );
        }
        // Read again, the same content barcode is the next pallet's (same product and count).
        assert!(matches!(
            a.add(scan(CONTENT), t, Enough::PalletOrLot),
            Step::Partial(_)
        ));
        a.finish(&m.elements, known, t);
        let other = "(02)09501101530003(37)41";
        assert!(matches!(
            a.add(scan(other), t, Enough::PalletOrLot),
            Step::Partial(_)
        ));
    }

    #[test]
    fn a_barcode_of_another_label_gives_up_the_partial_one() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        a.add(scan(SSCC), t, Enough::Lot);
        let next = "(00)095011015300000027";
        assert!(matches!(
            a.add(scan(next), t, Enough::Lot),
            Step::Partial(_)
        ));
        match a.take_gave_up() {
            Some(GaveUp::OtherLabel(p)) => assert_eq!(p.sscc(), Some("095011015300000010")),
            other => panic!("{other:?}"),
        }
        assert_eq!(a.pending().unwrap().sscc(), Some("095011015300000027"));
    }

    #[test]
    fn a_partial_label_is_given_up_after_the_time() {
        let mut a = LabelAssembly::new(Duration::from_secs(5));
        let t = Instant::now();
        a.add(scan(SSCC), t, Enough::Lot);
        assert!(a.expire(t + Duration::from_secs(4)).is_none());
        assert!(matches!(
            a.expire(t + Duration::from_secs(6)),
            Some(GaveUp::TimedOut(_))
        ));
        assert!(a.pending().is_none());
        // Late barcodes start a new label rather than finishing the old one.
        let late = t + Duration::from_secs(7);
        assert!(
            matches!(a.add(scan(CONTENT), late, Enough::Lot), Step::Partial(p) if p.sscc().is_none())
        );
    }

    /// A label read whole from one symbol (the GS1 DataMatrix beside the GS1-128s): its linear
    /// barcodes read after it repeat it and are recognised, not started as a new label.
    #[test]
    fn the_linear_barcodes_after_a_whole_2d_symbol_are_the_same_label() {
        let mut a = LabelAssembly::default();
        let t = Instant::now();
        let whole = scan(&format!("{SSCC}{CONTENT}{LOT}"));
        let Step::Complete(m) = a.add(whole, t, Enough::Lot) else {
            panic!()
        };
        a.finish(&m.elements, Vec::new(), t);
        for rest in [CONTENT, LOT, SSCC] {
            assert!(
                matches!(a.add(scan(rest), t, Enough::Lot), Step::SameLabel { .. }),
                "{rest}"
            );
        }
    }
}
