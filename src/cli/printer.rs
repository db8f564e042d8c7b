//! The printer: the one owner of standard output and standard error.

use std::io::{self, BufWriter, IsTerminal, Write};

use clap::ValueEnum;

/// Environment variable that turns colour off (<https://no-color.org>).
const NO_COLOR: &str = "NO_COLOR";
/// Width used when standard output is not a terminal.
const DEFAULT_WIDTH: usize = 100;

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Writes results to standard output and problems with the run to standard error.
pub struct Printer {
    out: BufWriter<Stdout>,
    color: bool,
    width: usize,
}

impl Printer {
    /// A printer for this process's standard streams.
    pub fn new(color: ColorChoice) -> Self {
        let stdout = io::stdout();
        let is_terminal = stdout.is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && std::env::var_os(NO_COLOR).is_none(),
        };
        Self {
            out: BufWriter::new(Stdout {
                inner: stdout,
                closed: false,
            }),
            color,
            width: DEFAULT_WIDTH,
        }
    }

    /// Whether output is coloured.
    pub fn color(&self) -> bool {
        self.color
    }

    /// The width to wrap text at.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Standard output.
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Reports a problem with the run (not with the data) on standard error.
    pub fn error(&mut self, message: &str) {
        // Flush first so the message lands after what was already printed.
        let _ = self.out.flush();
        let mut stderr = io::stderr().lock();
        let _ = writeln!(stderr, "finetune: {message}");
    }

    /// Tells something that is not a problem on standard error, keeping standard output for a
    /// machine-readable report.
    pub fn note(&mut self, message: &str) {
        let _ = self.out.flush();
        let mut stderr = io::stderr().lock();
        let _ = writeln!(stderr, "{message}");
    }

    /// Flushes standard output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Standard output that goes quiet when its reader closes the pipe: the rest of the output is
/// dropped, and the command still runs to the end so its exit code says what it found.
struct Stdout {
    inner: io::Stdout,
    closed: bool,
}

impl Stdout {
    /// `result` of a write of `written` bytes, with a closed pipe taken as the end of output.
    fn quiet_when_closed<T>(&mut self, result: io::Result<T>, written: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(written)
            }
            result => result,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.quiet_when_closed(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.quiet_when_closed(result, ())
    }
}
