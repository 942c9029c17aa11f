//! Rule data tables (`rules/*.toml`), embedded in the binary and parsed once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// A framework's handler signature: one parameter of `type` from `import`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FrameworkHandler {
    pub name: String,
    pub import: String,
    /// `*Context` or `Context`: the type's name in its package, `*` for a pointer.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The only result the handler must have, if any (`error`).
    #[serde(default)]
    pub returns: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandlerTable {
    framework: Vec<FrameworkHandler>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricTable {
    pub prometheus_import: String,
    pub promauto_import: String,
    pub constructors: Vec<String>,
    /// go-kit's Prometheus adapter and its constructors that declare a metric from opts.
    pub gokit_import: String,
    pub gokit_constructors: Vec<String>,
    /// Functions of the Prometheus package that register metrics of the library's own with
    /// the default registry when they are called.
    pub library_functions: Vec<String>,
    /// The metrics each call of a `library_functions` function exposes.
    pub library_metrics: Vec<LibraryMetric>,
}

/// A metric that a function of client_golang declares and registers itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryMetric {
    pub name: String,
    /// The constructor the library builds it with (its type).
    pub constructor: String,
    pub labels: Vec<String>,
    pub const_labels: Vec<String>,
}

/// Import paths that make code network or storage code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleshootingTable {
    pub network_imports: Vec<String>,
    pub storage_imports: Vec<String>,
    /// Import path → functions that compute values and do no I/O (`*`: all of them).
    pub pure_functions: BTreeMap<String, Vec<String>>,
    /// Import path → types that are values, not clients, servers or stores.
    pub value_types: BTreeMap<String, Vec<String>>,
    /// Import path → methods of its clients that answer locally, without a request (an
    /// informer's cache, a connection's own address).
    pub local_methods: BTreeMap<String, Vec<String>>,
    /// Import path → the methods of its client type, where a type of the repository may embed
    /// it beside other types (which of them a promoted method comes from).
    pub client_methods: BTreeMap<String, Vec<String>>,
    /// Import path → functions that read or write persistent files.
    pub file_functions: BTreeMap<String, Vec<String>>,
    /// Methods of an opened file that write or sync it.
    pub file_methods: Vec<String>,
    /// Call names that only log, trace or count.
    pub observability_calls: Vec<String>,
    /// Packages whose calls only log, trace, count or build errors.
    pub observability_packages: Vec<String>,
    /// Packages whose `Marshal`, `NewEncoder` and the like turn a value into bytes to store.
    pub encoding_packages: Vec<String>,
    /// Fields whose assignment configures a client, server, transport or pool.
    pub config_fields: Vec<String>,
    /// Words of type names that are clients, servers, connections or stores.
    pub client_type_words: Vec<String>,
    /// Suffixes of the type names of request and response messages (`WatchResponse`).
    pub message_type_suffixes: Vec<String>,
    /// Folders of tests, examples and tools: changes there never count.
    pub non_service_dirs: Vec<String>,
    /// Endings of the names of such folders (`raftexample`).
    pub non_service_dir_endings: Vec<String>,
    /// Beginnings of the names of such folders (`testutils`, `testcluster`).
    pub non_service_dir_beginnings: Vec<String>,
    /// Code-generation markers in comments whose change alters what a cluster grants or
    /// serves.
    pub markers: Vec<GeneratorMarker>,
}

/// A comment marker a code generator reads (`// +kubebuilder:rbac:...`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorMarker {
    /// The marker's name, `+kubebuilder:rbac`: a comment that starts with it, followed by
    /// `:`, `=`, a space or nothing.
    pub marker: String,
    /// `network` or `storage`.
    pub area: String,
    /// What the marker decides, for the message: "the Kubernetes API permissions the
    /// controller is granted".
    pub decides: String,
}

/// Metric naming conventions (`rules/metric-units.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTable {
    pub base_units: Vec<String>,
    pub prefixes: Vec<String>,
    /// Unit → base unit.
    pub non_base_units: BTreeMap<String, String>,
    /// Abbreviation → base unit.
    pub abbreviations: BTreeMap<String, String>,
    /// Label name → why it explodes cardinality.
    pub high_cardinality_labels: BTreeMap<String, String>,
}

/// All built-in rule data.
#[derive(Debug)]
pub struct RuleData {
    pub frameworks: Vec<FrameworkHandler>,
    pub metrics: MetricTable,
    pub troubleshooting: TroubleshootingTable,
    pub units: UnitTable,
}

const HANDLERS_TOML: &str = include_str!("../rules/handlers.toml");
const METRICS_TOML: &str = include_str!("../rules/metrics.toml");
const TROUBLESHOOTING_TOML: &str = include_str!("../rules/troubleshooting.toml");
const UNITS_TOML: &str = include_str!("../rules/metric-units.toml");

impl RuleData {
    fn parse() -> Result<RuleData, toml::de::Error> {
        let handlers: HandlerTable = toml::from_str(HANDLERS_TOML)?;
        Ok(RuleData {
            frameworks: handlers.framework,
            metrics: toml::from_str(METRICS_TOML)?,
            troubleshooting: toml::from_str(TROUBLESHOOTING_TOML)?,
            units: toml::from_str(UNITS_TOML)?,
        })
    }

    /// The built-in tables. They are part of the binary and covered by a test, so a parse
    /// failure here is a build defect, not bad input.
    pub fn builtin() -> &'static RuleData {
        static DATA: OnceLock<RuleData> = OnceLock::new();
        DATA.get_or_init(|| RuleData::parse().expect("embedded rule data tables parse"))
    }
}

#[cfg(test)]
mod tests {
    use super::RuleData;

    #[test]
    fn embedded_tables_parse() {
        let data = RuleData::parse().expect("tables parse");
        assert!(data.frameworks.iter().any(|f| f.name == "gin"));
        assert!(data
            .metrics
            .constructors
            .iter()
            .any(|c| c == "NewCounterVec"));
        assert_eq!(data.units.abbreviations["ms"], "seconds");
        assert!(data
            .troubleshooting
            .storage_imports
            .iter()
            .any(|c| c == "database/sql"));
    }
}
