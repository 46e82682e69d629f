//! A `lotline server` process and a PostgreSQL database of its own, for the benches that
//! measure the sync.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_lotline");

/// Starts `lotline server` on a free loopback port; the process and its base URL.
pub fn serve(db: &str) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--db", db, "server", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        // Its request log (a line a request) would bury the figures.
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    (child, url)
}

/// Runs `sql` in database `db` as the test role `scripts/setup-system` makes.
pub fn pg(sql: &str, db: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (c, conn) = tokio_postgres::connect(
            &format!("host=127.0.0.1 user=lotline_test password=lotline_test dbname={db}"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 (run scripts/setup-system)");
        tokio::spawn(conn);
        c.batch_execute(sql).await.unwrap();
    });
}

/// A new PostgreSQL database: its name and URL (drop it with [`drop_pg`]).
pub fn fresh_pg() -> (String, String) {
    let name = format!("lotline_bench_{:x}", rand::random::<u32>());
    pg(&format!("CREATE DATABASE {name}"), "postgres");
    let url = format!("postgres://lotline_test:lotline_test@127.0.0.1:5432/{name}");
    (name, url)
}

pub fn drop_pg(name: &str) {
    pg(&format!("DROP DATABASE {name} WITH (FORCE)"), "postgres");
}
