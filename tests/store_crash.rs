//! Crash test: a child process records scans in a loop and is killed with SIGKILL at random
//! moments; every scan it reported as recorded must be in the store, and the file must stay
//! sound (integrity check, hash chain).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use lotline::store::Store;

const KILLS: u32 = 25;

#[test]
fn scans_reported_as_recorded_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut reported: Vec<String> = Vec::new();
    // Deterministic spread of kill points without a clock: after 1..=40 reported scans.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for run in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lotline"))
            .arg("--db")
            .arg(&db)
            .args(["dev", "record-loop", "--prefix", &format!("K{run}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let wait_for = 1 + state % 40;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..wait_for {
            match lines.next() {
                Some(Ok(id)) => reported.push(id),
                other => panic!("child stopped early in run {run}: {other:?}"),
            }
        }
        // SIGKILL while the child is in the middle of its next scan.
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever the pipe still held was also committed before it was printed.
        reported.extend(lines.map_while(Result::ok));
    }

    let store = Store::open(&db).unwrap();
    let stored: HashSet<String> = store
        .conn()
        .prepare("SELECT id FROM events")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let missing: Vec<&String> = reported.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(missing.is_empty(), "reported but lost: {missing:?}");
    assert!(reported.len() as u32 >= KILLS);
    let report = store.verify().unwrap();
    assert_eq!(report.integrity_check, "ok");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Every stored event has its outbox row: the sync never misses a committed scan.
    let outbox: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox as usize, stored.len());
}
