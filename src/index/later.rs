//! Function bodies parsed when a rule first reads them.
//!
//! A change's neighbours and the packages it calls into are parsed for what they declare: a
//! rule that follows a call into one of their functions asks for that body here, and only
//! then is it parsed. Guessing the bodies up front from the names a change calls (three calls
//! deep, by name alone) parsed most of a big package for the one or two functions followed.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::{Bodies, ParsedFile};
use crate::go::parse::{declarations_left_out, GoParser};
use crate::go::Facts;

/// The facts of a file with the bodies a rule asked for: the index's own when its parse kept
/// them, or those of a later parse.
pub enum FileFacts<'a> {
    Indexed(&'a Facts),
    Later(Arc<Facts>),
}

impl std::ops::Deref for FileFacts<'_> {
    type Target = Facts;

    fn deref(&self) -> &Facts {
        match self {
            FileFacts::Indexed(facts) => facts,
            FileFacts::Later(facts) => facts,
        }
    }
}

/// The later parses of one index.
#[derive(Default)]
pub struct LaterBodies {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    parser: Option<GoParser>,
    /// By file (index into the index's files): the bodies of the latest parse, and its facts.
    latest: HashMap<usize, (BTreeSet<String>, Arc<Facts>)>,
    /// Every later parse's facts, kept for the index's life: a rule may key what it
    /// remembers by the address of the facts it was handed.
    kept: Vec<Arc<Facts>>,
}

impl std::fmt::Debug for LaterBodies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LaterBodies")
    }
}

impl LaterBodies {
    /// The facts of `file` (the index's file `at`) with the bodies of the functions named
    /// `names` that it declares parsed; `None` when they cannot be.
    pub fn facts<'a>(
        &self,
        file: &'a ParsedFile,
        at: usize,
        names: &[&str],
    ) -> Option<FileFacts<'a>> {
        let Bodies::Of(parsed) = &file.bodies else {
            return Some(FileFacts::Indexed(&file.facts));
        };
        // A name the file does not declare has no body here to parse.
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| !parsed.contains(*name))
            .filter(|name| file.facts.funcs.iter().any(|f| f.name() == Some(*name)))
            .collect();
        if missing.is_empty() {
            return Some(FileFacts::Indexed(&file.facts));
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut wanted = parsed.clone();
        if let Some((bodies, facts)) = state.latest.get(&at) {
            if missing.iter().all(|name| bodies.contains(*name)) {
                return Some(FileFacts::Later(facts.clone()));
            }
            wanted.extend(bodies.iter().cloned());
        }
        wanted.extend(missing.iter().map(|name| name.to_string()));
        let left_out = declarations_left_out(&file.src, &wanted);
        if state.parser.is_none() {
            state.parser = GoParser::new().ok();
        }
        let parser = state.parser.as_mut()?;
        let parsed = crate::guard::catch(|| {
            parser.parse_leaving_out(&file.src, &left_out, file.tree.as_ref())
        });
        match parsed {
            Ok(Ok(parsed)) => {
                let facts = Arc::new(parsed.facts);
                state.kept.push(facts.clone());
                state.latest.insert(at, (wanted, facts.clone()));
                Some(FileFacts::Later(facts))
            }
            Ok(Err(_)) => None,
            // A parser that panicked is not used again.
            Err(_) => {
                state.parser = None;
                None
            }
        }
    }
}
