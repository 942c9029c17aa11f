//! CODEOWNERS: which team owns a file, for `check --fix` (handler-oncall).
//!
//! GitHub's rules: the file is `.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS` (the
//! first found); the last matching pattern wins; patterns follow gitignore syntax (a leading
//! `/` anchors at the root, a pattern without an inner `/` matches at any depth, a folder
//! matches everything under it).

use std::path::Path;

use globset::{Glob, GlobMatcher};

/// The parsed CODEOWNERS file.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<(GlobMatcher, Vec<String>)>,
}

const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

impl CodeOwners {
    /// Reads the repository's CODEOWNERS, if it has one. Unreadable or odd lines are skipped:
    /// CODEOWNERS only ever adds a fix, it never fails a check.
    pub fn load(root: &Path) -> CodeOwners {
        LOCATIONS
            .iter()
            .find_map(|rel| std::fs::read_to_string(root.join(rel)).ok())
            .map(|text| CodeOwners::parse(&text))
            .unwrap_or_default()
    }

    pub fn parse(text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<String> = words.map(str::to_string).collect();
            if let Some(matcher) = glob_for(pattern) {
                rules.push((matcher, owners));
            }
        }
        CodeOwners { rules }
    }

    /// The owners of repo-relative `path` (the last matching rule's).
    pub fn owners(&self, path: &str) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|(matcher, _)| matcher.is_match(path))
            .map(|(_, owners)| owners.as_slice())
            .unwrap_or(&[])
    }

    /// The one team `path` belongs to: its owners (`@org/team` or `@team`) name exactly one
    /// team, one of `teams` when that list is set. `None` when none or several do.
    pub fn team_for(&self, path: &str, teams: &[String]) -> Option<String> {
        let mut found: Vec<String> = self
            .owners(path)
            .iter()
            .filter_map(|owner| owner.strip_prefix('@'))
            .map(|owner| owner.rsplit('/').next().unwrap_or(owner).to_string())
            .filter(|slug| teams.is_empty() || teams.contains(slug))
            .collect();
        found.sort();
        found.dedup();
        match found.as_slice() {
            [team] => Some(team.clone()),
            _ => None,
        }
    }
}

/// A gitignore-style CODEOWNERS pattern as a glob over repo-relative paths.
fn glob_for(pattern: &str) -> Option<GlobMatcher> {
    let anchored = pattern.starts_with('/');
    let body = pattern.trim_start_matches('/');
    let is_dir = body.ends_with('/');
    let body = body.trim_end_matches('/');
    if body.is_empty() {
        return None;
    }
    let inner_slash = body.contains('/');
    let base = if anchored || inner_slash {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    // A pattern names files, or folders whose whole contents it then covers.
    let glob = if is_dir {
        format!("{base}/**")
    } else {
        format!("{{{base},{base}/**}}")
    };
    Glob::new(&glob).ok().map(|g| g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::CodeOwners;

    #[test]
    fn last_match_wins_and_maps_to_one_team() {
        let owners = CodeOwners::parse(
            "# owners\n* @acme/platform\n/internal/billing/ @acme/payments\n*.md @docs-writer\n\
             internal/auth/** @acme/identity @acme/payments\n",
        );
        let teams = vec!["payments".to_string(), "identity".to_string()];
        assert_eq!(
            owners
                .team_for("internal/billing/api/h.go", &teams)
                .as_deref(),
            Some("payments")
        );
        assert_eq!(
            owners.team_for("cmd/main.go", &teams),
            None,
            "platform is not a configured team"
        );
        assert_eq!(
            owners.team_for("cmd/main.go", &[]).as_deref(),
            Some("platform")
        );
        assert_eq!(
            owners.team_for("internal/auth/h.go", &teams),
            None,
            "two teams"
        );
        assert_eq!(owners.owners("a/README.md"), ["@docs-writer"]);
    }
}
