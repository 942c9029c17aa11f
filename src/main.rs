use std::process::ExitCode;

use clap::Parser;
use sre_policy::cli::Cli;

/// musl's allocator makes threads that allocate wait on one another, and a check is mostly
/// small allocations on every core (the parser's and the facts'): the static build runs twice
/// as fast with mimalloc. The GNU build keeps the system allocator, which is as fast here and
/// holds half the memory.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    #[cfg(target_env = "musl")]
    parser_allocator::install();
    let cli = Cli::parse();
    // A bug must end in a clear message and exit 2, never panic text or a backtrace.
    sre_policy::guard::install_quiet_hook();
    match sre_policy::guard::catch(|| sre_policy::run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            // The message may quote the config (a key holding a newline and `::error`).
            let text = format!("{error:?}\n");
            eprint!(
                "{}",
                sre_policy::report::human::defuse_workflow_commands(&text)
            );
            ExitCode::from(2)
        }
        Err(message) => {
            eprintln!("sre-policy: internal error (please report it): {message}");
            ExitCode::from(2)
        }
    }
}

/// The Go parser is C: its allocations go to the same allocator as the rest of the process.
#[cfg(target_env = "musl")]
mod parser_allocator {
    use std::ffi::c_void;

    use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc, mi_zalloc};

    /// The parser takes a null pointer for memory it can use: out of memory, the process
    /// stops here, as the parser's own allocator stops it.
    fn or_abort(pointer: *mut c_void, size: usize) -> *mut c_void {
        if pointer.is_null() && size > 0 {
            eprintln!("sre-policy: out of memory (allocating {size} bytes for the Go parser)");
            std::process::abort();
        }
        pointer
    }

    unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
        // SAFETY: any size may be asked of mi_malloc.
        or_abort(unsafe { mi_malloc(size) }, size)
    }

    unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
        let Some(bytes) = count.checked_mul(size) else {
            return or_abort(std::ptr::null_mut(), usize::MAX);
        };
        // SAFETY: any size may be asked of mi_zalloc.
        or_abort(unsafe { mi_zalloc(bytes) }, bytes)
    }

    unsafe extern "C" fn realloc(pointer: *mut c_void, size: usize) -> *mut c_void {
        // SAFETY: the parser passes null or a pointer this allocator gave it.
        or_abort(unsafe { mi_realloc(pointer, size) }, size)
    }

    unsafe extern "C" fn free(pointer: *mut c_void) {
        // SAFETY: the parser passes null or a pointer this allocator gave it.
        unsafe { mi_free(pointer) }
    }

    /// Called first thing in `main`, on the only thread, before any parser exists.
    pub fn install() {
        let allocator = tree_sitter::Allocator {
            malloc,
            calloc,
            realloc,
            free,
        };
        // SAFETY: the four functions are mimalloc's; none returns null for a non-zero size;
        // mimalloc aligns as malloc does; nothing has used the parser yet and no other thread
        // runs.
        unsafe { tree_sitter::set_allocator(Some(allocator)) }
    }
}
