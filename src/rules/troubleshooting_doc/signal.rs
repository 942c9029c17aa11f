//! What makes a changed line count: shared by the classifier and the settings signal.

/// Network or storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Network,
    Storage,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Network => "network",
            Area::Storage => "storage",
        }
    }
}

/// Why a line counts: its area and a phrase a reviewer reads after "it".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub area: Area,
    pub what: String,
}
