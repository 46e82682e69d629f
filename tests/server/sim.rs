//! A simulated station for load: it makes realistic events (receipts of new lots and
//! dispatches from them), links them into its own chain as a station does (`protocol::Link`),
//! and pushes them with the station's own sync client (`sync::HttpTransport`), to one of
//! several server instances. Shared by the server tests (`tests/server/instances.rs`) and the load
//! bench (`benches/sync_load.rs`, which includes this file).

#![allow(dead_code)] // each includer uses part of it

use std::time::Duration;

use lotline::domain::{EventKind, LotStatus};
use lotline::protocol::{Link, PushRequest, PushResponse, WireEvent};
use lotline::sync::{HttpTransport, SyncError, Transport};

/// The product the simulated stations receive and ship.
pub const SIM_GTIN: &str = "09501101530003";

pub struct SimStation {
    pub name: String,
    /// One client per server instance, as a station behind a load balancer may reach any.
    transports: Vec<HttpTransport>,
    /// The last link of the station's chain (the server's `server_chains` head once pushed).
    pub head: String,
    /// Lots received so far.
    lots: u64,
    /// Every event id pushed and acknowledged, with its position.
    pub acked: Vec<(String, i64)>,
}

impl SimStation {
    /// A station `name` with its `token`, able to push to each of `servers` (base URLs).
    pub fn new(name: &str, token: &str, servers: &[String]) -> SimStation {
        SimStation {
            name: name.to_string(),
            transports: servers
                .iter()
                .map(|s| HttpTransport::new(s, token, Duration::from_secs(30), None))
                .collect(),
            head: lotline::domain::chain::GENESIS.to_string(),
            lots: 0,
            acked: Vec::new(),
        }
    }

    fn event(&self, event: EventKind) -> WireEvent {
        WireEvent {
            id: uuid::Uuid::now_v7().to_string(),
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            station: self.name.clone(),
            actor: format!("worker-{}", self.name),
            event,
            signature: None,
            link: None,
        }
    }

    /// The next `n` events, linked after the station's chain: a receipt of a new lot (as it
    /// arrives, quarantined), and every other event a dispatch of 3 from the last lot.
    pub fn next_batch(&mut self, n: usize) -> PushRequest {
        let mut events = Vec::with_capacity(n);
        let mut prev = self.head.clone();
        for i in 0..n {
            let kind = if i % 2 == 1 {
                EventKind::LotDispatched {
                    gtin: SIM_GTIN.into(),
                    batch: self.batch(),
                    quantity: 3,
                    customer: "Northwind".into(),
                    shipment: None,
                    from: vec![("DOCK-1".into(), 3)],
                    sscc: None,
                    unit_price: None,
                }
            } else {
                self.lots += 1;
                EventKind::LotReceived {
                    gtin: SIM_GTIN.into(),
                    batch: self.batch(),
                    expiry: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
                    quantity: 10,
                    location: "DOCK-1".into(),
                    status: LotStatus::Quarantined,
                    supplier: Some("Farm".into()),
                    sscc: None,
                    po: None,
                    unit_cost: None,
                }
            };
            let mut w = self.event(kind);
            let link = Link::after(&prev, &w);
            prev = link.hash.clone();
            w.link = Some(link);
            events.push(w);
        }
        PushRequest { events, backlog: 0 }
    }

    /// The batch number of the station's last lot (at most 20 characters, as AI (10) allows).
    fn batch(&self) -> String {
        format!("{}-{}", self.name, self.lots)
    }

    /// Pushes `req` (from [`Self::next_batch`]) to server instance `via`; on success the
    /// station's chain moves on and the acknowledgements are kept. A refused push (429 busy,
    /// …) can be sent again as it is.
    pub fn push(&mut self, via: usize, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let resp = self.transports[via % self.transports.len()].push(req)?;
        if let Some(last) = req.events.last().and_then(|e| e.link.as_ref()) {
            self.head = last.hash.clone();
        }
        self.acked
            .extend(resp.acked.iter().map(|a| (a.id.clone(), a.pos)));
        Ok(resp)
    }
}
