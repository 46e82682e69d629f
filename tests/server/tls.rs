//! The transport: HTTPS with a private CA made here (rcgen), a station refusing a server it
//! cannot trust or one that does not speak TLS, and a server refusing plain HTTP off loopback.

use std::path::{Path, PathBuf};

use super::common::*;
use super::{Backend, PASSATA, scan};

/// A private CA and a server certificate it signed (for `localhost` and `127.0.0.1`), as PEM
/// files in `dir`; and a second CA that signed nothing the server has.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub other_ca: PathBuf,
}

fn ca(name: &str) -> (rcgen::CertificateParams, rcgen::KeyPair, String) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    (params, key, pem)
}

impl Pki {
    pub fn new(dir: &Path) -> Pki {
        let (ca_params, ca_key, ca_pem) = ca("Lotline test CA");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "lotline server");
        let key = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        let (_, _, other_pem) = ca("Someone else's CA");
        let pki = Pki {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            other_ca: dir.join("other-ca.pem"),
        };
        std::fs::write(&pki.ca, ca_pem).unwrap();
        std::fs::write(&pki.cert, cert.pem()).unwrap();
        std::fs::write(&pki.key, key.serialize_pem()).unwrap();
        std::fs::write(&pki.other_ca, other_pem).unwrap();
        pki
    }

    /// A server on `db` speaking HTTPS with this certificate.
    pub fn server(&self, db: &str) -> Server {
        Server::start_with(
            db,
            0,
            &[
                "--tls-cert",
                self.cert.to_str().unwrap(),
                "--tls-key",
                self.key.to_str().unwrap(),
            ],
        )
    }
}

/// A station that trusts `ca` through its config file (`[sync] ca_cert`).
pub fn trusting(dir: &Path, name: &str, ca: &Path) -> Station {
    let station = Station::new(dir, name);
    let mut config = std::fs::read_to_string(&station.config).unwrap();
    config.push_str(&format!("[sync]\nca_cert = {:?}\n", ca.to_str().unwrap()));
    std::fs::write(&station.config, config).unwrap();
    station
}

/// Records `n` receipts at `station` (after registering the product; its lots arrive
/// quarantined, which needs no supervisor's signature at the server).
pub fn receive(station: &Station, prefix: &str, n: usize) {
    station.ok(&[
        "product",
        "add",
        PASSATA,
        "--name",
        "Passata",
        "--receive-as",
        "quarantined",
        "--json",
    ]);
    for i in 0..n {
        station.ok(&[
            "receive",
            &scan(PASSATA, &format!("{prefix}{i}")),
            "--qty",
            "10",
            "--location",
            "DOCK",
            "--json",
        ]);
    }
}

fn failed(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "the sync should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Two stations sync through an HTTPS server whose certificate a private CA signed: one
/// trusting the CA by `--ca-cert`, the other by `[sync] ca_cert` in its config.
fn sync_works_over_tls(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let db = backend.url();
    let ta = token(&db, "A", "station", None);
    let tb = token(&db, "B", "station", None);
    let server = pki.server(&db);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let a = Station::new(dir.path(), "A");
    let b = trusting(dir.path(), "B", &pki.ca);
    receive(&a, "TA", 3);
    receive(&b, "TB", 2);

    let ca = pki.ca.to_str().unwrap();
    let out = a.sync_with(&server.url, &ta, &["--ca-cert", ca]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = b.sync_ok(&server.url, &tb);
    assert_eq!(r["pushed"], 3, "{r}");
    assert_eq!(r["pulled"], 4, "{r}");
    let out = a.sync_with(&server.url, &ta, &["--ca-cert", ca]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(a.event_ids(), b.event_ids());
    assert_eq!(a.store().outbox_len().unwrap(), 0);
    assert_eq!(b.store().outbox_len().unwrap(), 0);
}

#[test]
fn sync_works_over_tls_with_a_private_ca_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sync_works_over_tls(Backend::sqlite(dir.path()));
}

#[test]
fn sync_works_over_tls_with_a_private_ca_on_postgres() {
    sync_works_over_tls(Backend::postgres());
}

/// A station trusting another CA sends nothing (not even its token) and says why; its events
/// stay in its outbox. So does one whose URL is plain http:// while it trusts a CA.
#[test]
fn a_server_the_station_cannot_trust_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let backend = Backend::sqlite(dir.path());
    let db = backend.url();
    let ta = token(&db, "A", "station", None);
    let server = pki.server(&db);
    let a = trusting(dir.path(), "A", &pki.other_ca);
    receive(&a, "W", 2);

    let err = failed(&a.sync(&server.url, &ta));
    assert!(err.contains("could not prove who it is"), "{err}");
    assert!(err.contains("ca_cert"), "{err}");
    assert_eq!(a.store().outbox_len().unwrap(), 3);

    let plain = server.url.replace("https://", "http://");
    let err = failed(&a.sync(&plain, &ta));
    assert!(err.contains("is not https://"), "{err}");
    assert!(server.log.lock().unwrap().matches("/sync/").count() == 0);
    assert_eq!(a.store().outbox_len().unwrap(), 3);
}

/// A station expecting HTTPS refuses a server that answers in plain HTTP (a fake or a
/// misconfigured one): nothing pushed.
#[test]
fn a_plain_http_server_is_refused_when_https_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let backend = Backend::sqlite(dir.path());
    let db = backend.url();
    let ta = token(&db, "A", "station", None);
    let server = Server::start(&db);
    assert!(server.url.starts_with("http://"), "{}", server.url);
    let a = trusting(dir.path(), "A", &pki.ca);
    receive(&a, "P", 1);
    let https = server.url.replace("http://", "https://");
    let err = failed(&a.sync(&https, &ta));
    assert!(err.contains("does not answer over TLS"), "{err}");
    assert!(err.contains("--tls-cert"), "{err}");
    assert_eq!(a.store().outbox_len().unwrap(), 2);
}

/// Plain HTTP off loopback is refused with what to do, unless asked for by name.
#[test]
fn the_server_refuses_plain_http_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::sqlite(dir.path());
    let out = crate::support::lotline()
        .args(["--db", &backend.url(), "server", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tls-cert"), "{err}");
    assert!(err.contains("--insecure-http"), "{err}");
    let out = crate::support::lotline()
        .args(["server", "--listen", "0.0.0.0:0", "--tls-cert", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--tls-cert needs --tls-key");
}
