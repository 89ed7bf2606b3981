//! The operating-system [`Host`] of the native command line: files and stdin, today's
//! date from the system clock, and a second thread for [`Host::join`]. Shared by the
//! example CLI (`examples/driftguard.rs`) and the diff benchmark (`benches/diff.rs`),
//! so that the benchmark's end-to-end row runs exactly what the command runs.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use driftguard_core::cli::Host;

/// The host of the native command line.
pub struct Os;

impl Host for Os {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            return Ok(bytes);
        }
        std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
    }

    /// `a` on a second thread while this one runs `b`: `diff` snapshots its two
    /// documents side by side. Where no thread can be started, `a` runs here after `b`.
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        // Shared with the second thread, and still here if that thread never starts.
        let a = std::sync::Mutex::new(a);
        let run_a = || (a.lock().unwrap_or_else(std::sync::PoisonError::into_inner))();
        std::thread::scope(|scope| {
            let second = std::thread::Builder::new()
                .name("snapshot".into())
                .spawn_scoped(scope, run_a);
            b();
            match second {
                Ok(handle) => {
                    if let Err(panic) = handle.join() {
                        std::panic::resume_unwind(panic);
                    }
                }
                Err(_) => run_a(),
            }
        });
    }

    /// Leaves the memory to the operating system: the command line's process exits as
    /// soon as the command returns (freeing the snapshots of a large API one allocation
    /// at a time would take longer than the exit).
    fn dispose(&self, garbage: Box<dyn std::any::Any + Send>) {
        std::mem::forget(garbage);
    }

    fn today(&self) -> Option<String> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).ok()?);
        Some(format!("{y:04}-{m:02}-{d:02}"))
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
