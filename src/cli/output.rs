//! Where a command's results go: one locked, buffered stdout per run. A reader that goes away
//! (`lotline label list | head -1`) is a normal end, not a failure: `println!` would panic on
//! the closed pipe, this returns the `BrokenPipe` error that [`super::main`] ends quietly on.

use std::io::{self, BufWriter, StdoutLock, Write};

use serde::Serialize;

/// A command's standard output. Data only: messages for people go to stderr. Stdout is
/// locked at the first write, so a command that never writes here leaves it to other threads.
#[derive(Default)]
pub struct Out {
    w: Option<BufWriter<StdoutLock<'static>>>,
}

impl Out {
    pub fn stdout() -> Out {
        Out::default()
    }

    fn writer(&mut self) -> &mut BufWriter<StdoutLock<'static>> {
        self.w
            .get_or_insert_with(|| BufWriter::new(io::stdout().lock()))
    }

    /// One JSON value on a line of its own.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let w = self.writer();
        serde_json::to_writer(&mut *w, value)?;
        w.write_all(b"\n")
    }

    /// One line of text.
    pub fn line(&mut self, text: impl std::fmt::Display) -> io::Result<()> {
        writeln!(self.writer(), "{text}")
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.w {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// Whether an error (anywhere in its chain) is the reader of stdout having gone away.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
