//! The adapter between the Slint properties and the mode controllers: forms read from the
//! properties, view states copied into them. No decisions here: what to show was decided by
//! the controllers and [`super::present`].

use slint::{Model, ModelRc, SharedString, VecModel};

use super::controllers::{
    DispatchForm, DispatchView, ExpiryBoard, LookupView, NewProductForm, ProduceForm, ProduceView,
    ProductForm, ProductsView, ReceiveForm, ReceiveView, StatusForm,
};
use super::present::{self, Shown, ShownLine, SyncSetup, Verdict};
use super::{Feedback, KeyValue, Line, ProductRow, Tone, Ui};
use crate::workflow::SyncState;

pub fn receive_form(ui: &Ui) -> ReceiveForm {
    ReceiveForm {
        location: ui.get_recv_location().to_string(),
        supplier: ui.get_recv_supplier().to_string(),
        typed_count: ui.get_recv_typed_count().to_string(),
        unit_cost: ui.get_recv_unit_cost().to_string(),
    }
}

pub fn dispatch_form(ui: &Ui) -> DispatchForm {
    DispatchForm {
        customer: ui.get_disp_customer().to_string(),
        shipment: ui.get_disp_shipment().to_string(),
        strict_fefo: ui.get_disp_strict_fefo(),
        typed_count: ui.get_disp_typed_count().to_string(),
    }
}

pub fn produce_form(ui: &Ui) -> ProduceForm {
    ProduceForm {
        product: ui.get_prod_product().to_string(),
        quantity: ui.get_prod_quantity().to_string(),
        expiry: ui.get_prod_expiry().to_string(),
    }
}

pub fn status_form(ui: &Ui) -> StatusForm {
    StatusForm {
        person: ui.get_look_person().to_string(),
        pin: ui.get_look_pin().to_string(),
        reason: ui.get_look_reason().to_string(),
        include_derived: ui.get_look_include_derived(),
    }
}

/// The template chosen in Produce.
pub fn chosen_template(ui: &Ui) -> String {
    let index = ui.get_prod_template_index().max(0) as usize;
    ui.get_prod_templates()
        .row_data(index)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "case-batch".into())
}

/// The Settings form as (label, value) pairs.
pub fn settings_form(ui: &Ui) -> Vec<(String, String)> {
    ui.get_settings()
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

pub fn show_receive(ui: &Ui, v: ReceiveView) {
    show(ui, &v.shown);
    if let Some(r) = v.received {
        ui.set_recv_product(r.product.into());
        ui.set_recv_gtin(r.gtin.into());
        ui.set_recv_batch(r.batch.into());
        ui.set_recv_expiry(r.expiry.into());
        ui.set_recv_quantity(r.quantity.into());
        ui.set_recv_status(r.status.into());
    }
    ui.set_recv_count(v.count as i32);
    if v.clear_typed_count {
        ui.set_recv_typed_count(SharedString::new());
    }
    // The PIN is never kept on screen after a try; the rest of the new-product form stays
    // until the product is registered.
    ui.set_recv_new_pin(SharedString::new());
    if let Some(gtin) = v.new_gtin {
        // Another product (or the panel closed): nothing typed for the last one carries over.
        if gtin != ui.get_recv_new_gtin().as_str() {
            ui.set_recv_new_name(SharedString::new());
            ui.set_recv_new_person(SharedString::new());
            ui.set_recv_new_released(false);
        }
        ui.set_recv_new_gtin(gtin.into());
    }
}

/// What the supervisor typed to register a new product in Receive.
pub fn new_product_form(ui: &Ui) -> NewProductForm {
    NewProductForm {
        name: ui.get_recv_new_name().to_string(),
        released: ui.get_recv_new_released(),
        person: ui.get_recv_new_person().to_string(),
        pin: ui.get_recv_new_pin().to_string(),
    }
}

pub fn show_dispatch(ui: &Ui, v: DispatchView) {
    show(ui, &v.shown);
    if v.clear_typed_count {
        ui.set_disp_typed_count("".into());
    }
    if v.clear_undo_reason {
        ui.set_disp_undo_reason("".into());
    }
    if v.new_shipment {
        ui.set_disp_lines(ModelRc::new(VecModel::<Line>::default()));
        ui.set_disp_shipment("".into());
        ui.set_disp_undo_reason("".into());
    }
    if let Some(line) = v.line {
        push_line(&ui.get_disp_lines(), line);
    }
    ui.set_disp_shipped(v.shipped as i32);
    ui.set_disp_refused(v.refused as i32);
}

pub fn show_produce(ui: &Ui, v: ProduceView) {
    show(ui, &v.shown);
    if let Some(batch) = v.started {
        ui.set_prod_batch(batch.into());
        ui.set_prod_inputs(ModelRc::new(VecModel::<Line>::default()));
    }
    if let Some(line) = v.input {
        push_line(&ui.get_prod_inputs(), line);
    }
}

pub fn show_lookup(ui: &Ui, v: LookupView) {
    show(ui, &v.shown);
    match v.lot {
        Some(Some(lot)) => {
            ui.set_look_found(true);
            ui.set_look_confirm(SharedString::new());
            ui.set_look_query(lot.query.into());
            ui.set_look_status(lot.status.into());
            ui.set_look_facts(kv_model(lot.facts));
            ui.set_look_stock(kv_model(lot.stock));
            ui.set_look_history(lines_model(lot.history));
            ui.set_look_up(lines_model(lot.up));
            ui.set_look_down(lines_model(lot.down));
        }
        Some(None) => ui.set_look_found(false),
        None => {}
    }
    if v.clear_pin {
        // The id goes with the PIN: the next supervisor's PIN is never tried as the last one's.
        ui.set_look_pin(SharedString::new());
        ui.set_look_person(SharedString::new());
    }
    if v.clear_reason {
        ui.set_look_reason(SharedString::new());
    }
}

/// The history of the lot shown, fetched from the server after it was shown.
pub fn show_lookup_history(ui: &Ui, history: Vec<ShownLine>) {
    ui.set_look_history(lines_model(history));
}

/// What the supervisor typed in the Products form.
pub fn product_form(ui: &Ui) -> ProductForm {
    ProductForm {
        gtin: ui.get_pm_gtin().to_string(),
        name: ui.get_pm_name().to_string(),
        released: ui.get_pm_released(),
        expired_hold: ui.get_pm_expired_hold(),
        min_shelf_life: ui.get_pm_min_shelf_life().to_string(),
        short_hold: ui.get_pm_short_hold(),
        person: ui.get_pm_person().to_string(),
        pin: ui.get_pm_pin().to_string(),
    }
}

pub fn show_products(ui: &Ui, v: ProductsView) {
    if let Some(shown) = &v.shown {
        show(ui, shown);
    }
    if let Some(rows) = v.rows {
        let (lines, rows): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .map(|r| {
                let f = r.form;
                (
                    r.line,
                    ProductRow {
                        gtin: f.gtin.into(),
                        name: f.name.into(),
                        released: f.released,
                        expired_hold: f.expired_hold,
                        min_shelf_life: f.min_shelf_life.into(),
                        short_hold: f.short_hold,
                    },
                )
            })
            .unzip();
        ui.set_pm_lines(lines_model(lines));
        ui.set_pm_rows(ModelRc::new(VecModel::from(rows)));
    }
    // The PIN is never kept on screen after a try; the id goes with it once saved.
    ui.set_pm_pin(SharedString::new());
    if v.saved {
        ui.set_pm_person(SharedString::new());
    }
}

pub fn show_expiry(ui: &Ui, board: ExpiryBoard) {
    ui.set_exp_lines(lines_model(board.lines));
    ui.set_exp_keys(ModelRc::new(VecModel::from(
        board
            .keys
            .into_iter()
            .map(SharedString::from)
            .collect::<Vec<_>>(),
    )));
}

/// Sets the banner.
pub fn show(ui: &Ui, shown: &Shown) {
    ui.set_feedback(Feedback {
        tone: tone(Some(shown.verdict)),
        headline: shown.headline.clone().into(),
        message: shown.message.clone().into(),
    });
}

/// The neutral banner of a mode just entered.
pub fn show_idle(ui: &Ui, hint: &str) {
    ui.set_feedback(Feedback {
        tone: Tone::Idle,
        headline: "Ready".into(),
        message: hint.into(),
    });
}

/// The status bar's sync part: online or not, why, and the backlog.
pub fn show_sync(ui: &Ui, setup: SyncSetup<'_>, state: Result<SyncState, String>, live: bool) {
    match state {
        Ok(state) => set_sync(ui, present::sync_shown(setup, &state, live), state.backlog),
        Err(message) => {
            ui.set_online(false);
            ui.set_sync_text("sync state unknown".into());
            ui.set_sync_problem(message.into());
        }
    }
}

pub fn set_sync(ui: &Ui, shown: present::SyncShown, backlog: u64) {
    ui.set_online(shown.online);
    ui.set_local_only(shown.local_only);
    ui.set_sync_text(shown.text.into());
    ui.set_sync_problem(shown.problem.unwrap_or_default().into());
    ui.set_backlog(backlog.min(i32::MAX as u64) as i32);
}

fn tone(verdict: Option<Verdict>) -> Tone {
    match verdict {
        None => Tone::Idle,
        Some(Verdict::Ok) => Tone::Ok,
        Some(Verdict::Warn) => Tone::Warn,
        Some(Verdict::Refused) => Tone::Refused,
        Some(Verdict::Invalid) => Tone::Invalid,
        Some(Verdict::Pending) => Tone::Busy,
    }
}

fn line(l: ShownLine) -> Line {
    Line {
        text: l.text.into(),
        tone: tone(l.verdict),
        indent: l.indent,
    }
}

/// Newest first, so the last scan is at the top where the eye is.
fn push_line(model: &ModelRc<Line>, l: ShownLine) {
    if let Some(vec) = model.as_any().downcast_ref::<VecModel<Line>>() {
        vec.insert(0, line(l));
    }
}

pub fn lines_model(lines: Vec<ShownLine>) -> ModelRc<Line> {
    ModelRc::new(VecModel::from(
        lines.into_iter().map(line).collect::<Vec<_>>(),
    ))
}

pub fn kv_model(pairs: Vec<(String, String)>) -> ModelRc<KeyValue> {
    ModelRc::new(VecModel::from(
        pairs
            .into_iter()
            .map(|(k, v)| KeyValue {
                secret: super::settings::is_secret(&k),
                key: k.into(),
                value: v.into(),
            })
            .collect::<Vec<_>>(),
    ))
}
