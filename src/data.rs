//! Rule data tables (`rules/*.toml`), embedded in the binary and parsed once.

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
}

/// Import paths that make code network or storage code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleshootingTable {
    pub network_imports: Vec<String>,
    pub storage_imports: Vec<String>,
}

/// All built-in rule data.
#[derive(Debug)]
pub struct RuleData {
    pub frameworks: Vec<FrameworkHandler>,
    pub metrics: MetricTable,
    pub troubleshooting: TroubleshootingTable,
}

const HANDLERS_TOML: &str = include_str!("../rules/handlers.toml");
const METRICS_TOML: &str = include_str!("../rules/metrics.toml");
const TROUBLESHOOTING_TOML: &str = include_str!("../rules/troubleshooting.toml");

impl RuleData {
    fn parse() -> Result<RuleData, toml::de::Error> {
        let handlers: HandlerTable = toml::from_str(HANDLERS_TOML)?;
        Ok(RuleData {
            frameworks: handlers.framework,
            metrics: toml::from_str(METRICS_TOML)?,
            troubleshooting: toml::from_str(TROUBLESHOOTING_TOML)?,
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
    }
}
