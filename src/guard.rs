//! Containing panics: a bug met while checking one file becomes an internal error for that
//! file (exit 2 at the end), never panic text or a backtrace on stderr.
//!
//! [`install_quiet_hook`] (called by `main`) replaces the panic hook with one that stays silent
//! on a thread that is inside [`catch`] and only records where the panic happened; anywhere
//! else it defers to the previous hook. [`catch`] runs a closure under `catch_unwind` and
//! turns a panic into its message and location.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`catch`] calls are active on this thread.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
    /// Where the last guarded panic on this thread happened, as the hook saw it.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Installs the quiet panic hook once per process. Panics outside [`catch`] still reach the
/// previous hook (the default one prints them).
pub fn install_quiet_hook() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it comes back as `Err(message)` (with the source location when
/// the quiet hook is installed) instead of unwinding further.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        match LOCATION.with(|slot| slot.borrow_mut().take()) {
            Some(location) => format!("{message} at {location}"),
            None => message,
        }
    })
}

/// Test hook, honoured only in debug builds (`cfg!(debug_assertions)`): when the variable
/// `SRE_POLICY_TEST_PANIC_ON` names this file (its repository-relative path or its file
/// name), checking it panics. The robustness tests use it to prove that a bug met in one
/// file is contained to that file and reported. Release builds never read the variable.
pub fn test_panic_point(rel: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(target) = std::env::var_os("SRE_POLICY_TEST_PANIC_ON") else {
        return;
    };
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if target == rel || target == name {
        panic!("test panic requested by SRE_POLICY_TEST_PANIC_ON for {rel}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        install_quiet_hook();
        let caught = catch(|| -> u8 { panic!("boom {}", 7) });
        let message = caught.unwrap_err();
        assert!(message.starts_with("boom 7"), "{message}");
        assert!(message.contains("guard.rs"), "{message}");
        assert_eq!(catch(|| 5), Ok(5));
        assert_eq!(GUARDED.with(Cell::get), 0);
    }
}
