//! Products (a supervisor's view): the products the store knows, with how their lots arrive
//! and their receiving rules; a supervisor adds or changes one with the same proof as
//! Receive's New product panel ([`super::register_product`]). A change is recorded as the
//! product registered again (`product_registered`), as `lotline product add` records one.

use crate::domain::LotStatus;
use crate::domain::arrival::{ReceivingRules, WhenExpired, WhenShort};
use crate::store::Product;
use crate::ui::present::{self, Shown, ShownLine, Verdict};
use crate::workflow::Station;

/// The product form: what the supervisor typed and ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductForm {
    pub gtin: String,
    pub name: String,
    /// Its lots arrive released (else quarantined until checked).
    pub released: bool,
    /// An expired lot is received on hold (else refused).
    pub expired_hold: bool,
    /// "Min shelf life (days)": blank or 0 for none.
    pub min_shelf_life: String,
    /// A lot with less than that is received on hold (else with a warning).
    pub short_hold: bool,
    /// The supervisor's id (blank: the station's supervisor PIN).
    pub person: String,
    pub pin: String,
}

/// One product as the form shows it when the supervisor taps its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub form: ProductForm,
    pub line: ShownLine,
}

impl ProductRow {
    fn of(p: &Product) -> ProductRow {
        ProductRow {
            form: ProductForm {
                gtin: p.gtin.clone(),
                name: p.name.clone(),
                released: p.receive_as == LotStatus::Released,
                expired_hold: p.receiving.expired == WhenExpired::Hold,
                min_shelf_life: p
                    .receiving
                    .min_shelf_life_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                short_hold: p.receiving.short_shelf_life == WhenShort::Hold,
                person: String::new(),
                pin: String::new(),
            },
            line: ShownLine::plain(present::product_text(p)),
        }
    }
}

/// What the Products view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductsView {
    /// The banner, when something was tried.
    pub shown: Option<Shown>,
    /// Every product, by name; `None` when the list could not be read (the banner says why).
    pub rows: Option<Vec<ProductRow>>,
    /// The product was saved: the form's proof (id and PIN) is cleared, the rest stays.
    pub saved: bool,
}

/// The Products view (it keeps nothing: the store is the list).
#[derive(Debug, Default)]
pub struct ProductsController;

impl ProductsController {
    /// Every product the store knows.
    pub fn list(&self, station: &Station) -> ProductsView {
        match station.products() {
            Ok(products) => ProductsView {
                shown: None,
                rows: Some(products.iter().map(ProductRow::of).collect()),
                saved: false,
            },
            Err(e) => ProductsView {
                shown: Some(Shown::refused(present::error_text(&e))),
                rows: None,
                saved: false,
            },
        }
    }

    /// Adds or changes the form's product, with the supervisor's proof; the list after it.
    pub fn save(
        &self,
        station: &mut Station,
        gate: &mut crate::pin_gate::PinGate,
        configured_hash: Option<&str>,
        form: &ProductForm,
    ) -> ProductsView {
        let refused = |message: String| ProductsView {
            shown: Some(Shown::refused(message)),
            rows: None,
            saved: false,
        };
        if form.gtin.trim().is_empty() {
            return refused("type the product's GTIN; nothing was registered".into());
        }
        let Ok(min_days) = super::whole_number(&form.min_shelf_life) else {
            return refused(
                "Min shelf life: type a whole number of days, or leave it empty; nothing was registered"
                    .into(),
            );
        };
        let Ok(min_days) = min_days.map(u32::try_from).transpose() else {
            return refused("Min shelf life: too many days; nothing was registered".into());
        };
        let receive_as = if form.released {
            LotStatus::Released
        } else {
            LotStatus::Quarantined
        };
        let known = station.product(form.gtin.trim()).ok().flatten().is_some();
        let decision = super::ProductDecision {
            gtin: form.gtin.trim(),
            name: form.name.trim(),
            receive_as,
            receiving: Some(ReceivingRules {
                expired: if form.expired_hold {
                    WhenExpired::Hold
                } else {
                    WhenExpired::Refuse
                },
                min_shelf_life_days: min_days.filter(|d| *d > 0),
                short_shelf_life: if form.short_hold {
                    WhenShort::Hold
                } else {
                    WhenShort::Warn
                },
            }),
        };
        if let Err(message) = super::register_product(
            station,
            gate,
            configured_hash,
            &form.person,
            &form.pin,
            &decision,
        ) {
            return refused(message);
        }
        let mut view = self.list(station);
        view.saved = true;
        view.shown.get_or_insert_with(|| {
            Shown::new(
                Verdict::Ok,
                if known {
                    "PRODUCT CHANGED"
                } else {
                    "PRODUCT REGISTERED"
                },
                format!(
                    "{} ({}): its lots arrive {}",
                    decision.name,
                    decision.gtin,
                    present::status_text(receive_as.name())
                ),
            )
        });
        view
    }
}

/// A first run: the store has no products and no events (a station already in use never
/// sees the set-up guide). A store that cannot say is not a first run.
pub fn first_run(station: &Station) -> bool {
    let no_events = station.store().event_count().is_ok_and(|n| n == 0);
    no_events && station.products().is_ok_and(|p| p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{TOMATOES, station};

    fn form(gtin: &str, name: &str, pin: &str) -> ProductForm {
        ProductForm {
            gtin: gtin.into(),
            name: name.into(),
            pin: pin.into(),
            ..ProductForm::default()
        }
    }

    /// The list shows every product with how its lots arrive and its rules; a supervisor adds
    /// one and changes one (the same event kind as the CLI's), bad input and a wrong PIN record
    /// nothing.
    #[test]
    fn a_supervisor_adds_and_changes_products_with_the_station_pin() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let c = ProductsController;
        let mut gate = crate::pin_gate::PinGate::default();
        let phc = crate::pin::hash("4711").unwrap();
        let listed = c.list(&s).rows.unwrap();
        let names: Vec<_> = listed.iter().map(|r| r.form.name.as_str()).collect();
        assert_eq!(names, ["Tomato sauce", "Tomatoes"], "by name");
        let tomatoes = &listed[1];
        assert_eq!(tomatoes.form.gtin, TOMATOES);
        assert!(tomatoes.form.released);
        assert_eq!(
            tomatoes.line.text,
            format!("Tomatoes  {TOMATOES}  ·  arrive released · expired refused")
        );

        let flour = "09506000134352";
        let before = s.store().event_count().unwrap();
        for (f, says) in [
            (form("", "Flour", "4711"), "GTIN"),
            (form("123", "Flour", "4711"), "GTIN"),
            (form(flour, " ", "4711"), "name"),
            (
                ProductForm {
                    min_shelf_life: "ten".into(),
                    ..form(flour, "Flour", "4711")
                },
                "Min shelf life",
            ),
            (form(flour, "Flour", "1111"), "wrong supervisor PIN"),
        ] {
            let v = c.save(&mut s, &mut gate, Some(&phc), &f);
            let shown = v.shown.unwrap();
            assert_eq!(shown.verdict, Verdict::Refused, "{f:?}");
            assert!(shown.message.contains(says), "{says}: {}", shown.message);
            assert!(!v.saved);
        }
        assert_eq!(s.store().event_count().unwrap(), before, "nothing recorded");

        let v = c.save(
            &mut s,
            &mut gate,
            Some(&phc),
            &ProductForm {
                released: true,
                min_shelf_life: "30".into(),
                short_hold: true,
                ..form(flour, "Flour T55", "4711")
            },
        );
        assert_eq!(v.shown.unwrap().headline, "PRODUCT REGISTERED");
        assert!(v.saved);
        let rows = v.rows.unwrap();
        let row = rows.iter().find(|r| r.form.gtin == flour).unwrap();
        assert!(row.line.text.contains("released"), "{}", row.line.text);
        assert!(row.line.text.contains("30 days"), "{}", row.line.text);
        let p = s.store().product(flour).unwrap().unwrap();
        assert_eq!(p.receive_as, LotStatus::Released);
        assert_eq!(p.receiving.min_shelf_life_days, Some(30));
        assert_eq!(p.receiving.short_shelf_life, WhenShort::Hold);

        // A change: tapped, edited, saved again; recorded as the product registered again.
        let mut edit = row.form.clone();
        edit.name = "Flour T65".into();
        edit.released = false;
        edit.expired_hold = true;
        edit.min_shelf_life = String::new();
        edit.pin = "4711".into();
        let v = c.save(&mut s, &mut gate, Some(&phc), &edit);
        assert_eq!(v.shown.unwrap().headline, "PRODUCT CHANGED");
        let p = s.store().product(flour).unwrap().unwrap();
        assert_eq!(p.name, "Flour T65");
        assert_eq!(p.receive_as, LotStatus::Quarantined);
        assert_eq!(p.receiving.expired, WhenExpired::Hold);
        assert_eq!(p.receiving.min_shelf_life_days, None);
        let last = s.store().events().unwrap().pop().unwrap();
        assert_eq!(last.event.name(), "product_registered");
    }

    /// Where people have accounts, a supervisor's own id and PIN sign the change (a server
    /// takes a product released on arrival only so); the station PIN and a worker's id
    /// change nothing.
    #[test]
    fn where_people_have_accounts_a_supervisor_signs_the_change() {
        use crate::domain::person::PersonRole;
        use crate::workflow::testing::{enrol, signed_by};
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut gate = crate::pin_gate::PinGate::default();
        let phc = crate::pin::hash("4711").unwrap();
        enrol(&mut s, "sup", PersonRole::Supervisor, "135790");
        enrol(&mut s, "wendy", PersonRole::Worker, "246802");
        let change = |person: &str, pin: &str| ProductForm {
            person: person.into(),
            released: true,
            ..form(TOMATOES, "Tomatoes 1 kg", pin)
        };
        let before = s.store().event_count().unwrap();
        for (person, pin, says) in [
            ("", "4711", "supervisor id"),
            ("wendy", "246802", "only a supervisor"),
        ] {
            let v = ProductsController.save(&mut s, &mut gate, Some(&phc), &change(person, pin));
            let shown = v.shown.unwrap();
            assert!(shown.message.contains(says), "{}", shown.message);
        }
        assert_eq!(s.store().event_count().unwrap(), before, "nothing recorded");

        // Wendy is signed in at the station; the supervisor's change is theirs, then Wendy
        // acts again.
        let wendy = s.unlock(&mut gate, "wendy", "246802").unwrap();
        s.act_as(Some(wendy));
        let v = ProductsController.save(&mut s, &mut gate, Some(&phc), &change("sup", "135790"));
        assert_eq!(s.acting_as().map(|w| w.person.as_str()), Some("wendy"));
        assert_eq!(v.shown.unwrap().headline, "PRODUCT CHANGED");
        let e = s.store().events().unwrap().pop().unwrap();
        assert_eq!(
            (e.event.name(), e.actor.as_str()),
            ("product_registered", "sup")
        );
        let sup = s.store().person("sup").unwrap().unwrap();
        assert!(signed_by(&s, &e, &sup.credential.public_key));
    }

    #[test]
    fn only_an_empty_store_is_a_first_run() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("empty.db");
        let who = crate::workflow::Identity {
            station: "dock-1".into(),
            actor: "test".into(),
        };
        let mut empty = Station::open(&db, who).unwrap();
        assert!(first_run(&empty));
        empty
            .register_product(TOMATOES, "Tomatoes", LotStatus::Released)
            .unwrap();
        assert!(!first_run(&empty));
        assert!(!first_run(&station(&dir)));
    }
}
