//! CODEOWNERS: which team owns a file, for `check --fix` (handler-oncall).
//!
//! GitHub's rules: the file is `.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS` (the
//! first found); the last matching pattern wins, and a pattern without owners leaves the
//! path unowned. Patterns follow gitignore syntax with GitHub's exceptions: a `/` at the
//! start or in the middle anchors at the root, otherwise the pattern matches at any depth;
//! `*` and `?` stay within one folder, `**` crosses folders; a trailing `/` matches everything
//! under that folder; a pattern that names a folder covers everything under it, except that a
//! trailing `/*` covers only the folder's direct files (`docs/*` owns `docs/a.md`, not
//! `docs/x/b.md`); `!` negation and `[ ]` ranges are not supported (a `!` line is skipped,
//! brackets are literal). Paths are case-sensitive.

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// The parsed CODEOWNERS file.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<(GlobSet, Vec<String>)>,
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
            if let Some(matcher) = globs_for(pattern) {
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

    /// Whether the repository has no CODEOWNERS (or none with a usable line).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The one team `path` belongs to, or `None` (see [`CodeOwners::team_or_reason`]).
    pub fn team_for(&self, path: &str, teams: &[String]) -> Option<String> {
        self.team_or_reason(path, teams).ok()
    }

    /// The one team `path` belongs to, or why there is none. A team is a GitHub team owner,
    /// `@org/team` (its slug is the team's name), one of `teams` when that list is set. A user
    /// owner (`@alice`) or an e-mail address is a person, not a team: it counts only when
    /// `teams` names it.
    pub fn team_or_reason(&self, path: &str, teams: &[String]) -> Result<String, String> {
        let owners = self.owners(path);
        if owners.is_empty() {
            return Err("no CODEOWNERS line owns the file".to_string());
        }
        let configured = |name: &str| teams.iter().any(|t| t == name);
        let mut found: Vec<String> = Vec::new();
        let mut people = Vec::new();
        let mut unlisted = Vec::new();
        for owner in owners {
            match owner.strip_prefix('@').and_then(|o| o.split_once('/')) {
                Some((_, slug)) if teams.is_empty() || configured(slug) => {
                    found.push(slug.to_string())
                }
                Some((_, slug)) => unlisted.push(slug.to_string()),
                None => {
                    let name = owner.strip_prefix('@').unwrap_or(owner);
                    if configured(name) {
                        found.push(name.to_string());
                    } else {
                        people.push(owner.as_str());
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        match found.as_slice() {
            [team] => Ok(team.clone()),
            [] if !unlisted.is_empty() => Err(format!(
                "CODEOWNERS names {}, not in `teams`",
                unlisted.join(", ")
            )),
            [] => Err(format!(
                "CODEOWNERS names {}: a person, not a team (add the name to `teams` to use it)",
                people.join(", ")
            )),
            several => Err(format!(
                "CODEOWNERS names several teams ({}): pick one by hand",
                several.join(", ")
            )),
        }
    }
}

/// A CODEOWNERS pattern as globs over repo-relative paths; `None` for a pattern GitHub does
/// not support or that matches nothing.
fn globs_for(pattern: &str) -> Option<GlobSet> {
    if pattern.starts_with('!') {
        return None;
    }
    let folder = pattern.ends_with('/');
    let body = pattern.trim_end_matches('/');
    let anchored = body.contains('/');
    let direct_files_only = body.ends_with("/*");
    let body = body.trim_start_matches('/');
    if body.is_empty() {
        return None;
    }
    // gitignore has no `{a,b}`, and GitHub reads `[ ]` literally.
    let body: String = body
        .chars()
        .map(|c| match c {
            '[' | ']' | '{' | '}' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect();
    let base = if anchored { body } else { format!("**/{body}") };
    let globs = if folder {
        vec![format!("{base}/**")]
    } else if direct_files_only {
        vec![base]
    } else {
        vec![format!("{base}/**"), base]
    };
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        set.add(
            GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .ok()?,
        );
    }
    set.build().ok()
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

    #[test]
    fn people_are_never_teams_unless_configured() {
        let owners = CodeOwners::parse(
            "/api/ @alice
/ops/ alice@example.com @acme/sre
/web/ @bob @carol
/x/ @acme/a @acme/b
",
        );
        let reason = owners.team_or_reason("api/h.go", &[]).unwrap_err();
        assert!(reason.contains("@alice: a person, not a team"), "{reason}");
        assert_eq!(
            owners
                .team_for("api/h.go", &["alice".to_string()])
                .as_deref(),
            Some("alice"),
            "a configured name counts"
        );
        assert_eq!(owners.team_for("ops/h.go", &[]).as_deref(), Some("sre"));
        assert!(owners
            .team_or_reason("x/h.go", &[])
            .unwrap_err()
            .contains("several teams (a, b)"));
        assert!(owners
            .team_or_reason("x/h.go", &["c".to_string()])
            .unwrap_err()
            .contains("a, b, not in `teams`"));
        assert!(owners
            .team_or_reason("y/h.go", &[])
            .unwrap_err()
            .contains("no CODEOWNERS line"));
        assert!(owners
            .team_or_reason("web/h.go", &[])
            .unwrap_err()
            .contains("@bob, @carol"));
    }

    /// The owners of `path` under a CODEOWNERS of `text`.
    fn owners_of(text: &str, path: &str) -> Vec<String> {
        CodeOwners::parse(text).owners(path).to_vec()
    }

    // Each example of GitHub's "About code owners" page, with the paths its comment names.

    #[test]
    fn doc_example_default_owners_for_everything() {
        let text = "*       @global-owner1 @global-owner2\n";
        for path in ["README.md", "a/b/c.go", ".github/workflows/ci.yml"] {
            assert_eq!(
                owners_of(text, path),
                ["@global-owner1", "@global-owner2"],
                "{path}"
            );
        }
    }

    #[test]
    fn doc_example_later_match_takes_precedence() {
        let text =
            "* @global-owner1 @global-owner2\n*.js    @js-owner #This is an inline comment.\n";
        assert_eq!(owners_of(text, "web/src/app.js"), ["@js-owner"]);
        assert_eq!(owners_of(text, "app.js"), ["@js-owner"]);
        assert_eq!(
            owners_of(text, "main.go"),
            ["@global-owner1", "@global-owner2"]
        );
    }

    #[test]
    fn doc_example_email_and_team_owners() {
        let text = "*.go docs@example.com\n*.txt @octo-org/octocats\n";
        assert_eq!(owners_of(text, "cmd/main.go"), ["docs@example.com"]);
        assert_eq!(owners_of(text, "notes/todo.txt"), ["@octo-org/octocats"]);
        assert_eq!(
            CodeOwners::parse(text)
                .team_for("notes/todo.txt", &[])
                .as_deref(),
            Some("octocats")
        );
        assert_eq!(CodeOwners::parse(text).team_for("cmd/main.go", &[]), None);
    }

    #[test]
    fn doc_example_root_folder_and_its_subfolders() {
        let text = "/build/logs/ @doctocat\n";
        assert_eq!(owners_of(text, "build/logs/a.log"), ["@doctocat"]);
        assert_eq!(owners_of(text, "build/logs/2024/b.log"), ["@doctocat"]);
        assert!(owners_of(text, "src/build/logs/a.log").is_empty());
        assert!(owners_of(text, "build/a.log").is_empty());
    }

    #[test]
    fn doc_example_trailing_star_matches_direct_files_only() {
        let text = "docs/*  docs@example.com\n";
        assert_eq!(
            owners_of(text, "docs/getting-started.md"),
            ["docs@example.com"]
        );
        assert!(owners_of(text, "docs/build-app/troubleshooting.md").is_empty());
        assert!(
            owners_of(text, "src/docs/a.md").is_empty(),
            "a middle `/` anchors"
        );
    }

    #[test]
    fn doc_example_folder_anywhere() {
        let text = "apps/ @octocat\n";
        assert_eq!(owners_of(text, "apps/a.go"), ["@octocat"]);
        assert_eq!(owners_of(text, "services/apps/x/a.go"), ["@octocat"]);
        assert!(owners_of(text, "apps.go").is_empty());
        assert!(owners_of(text, "myapps/a.go").is_empty());
    }

    #[test]
    fn doc_example_root_docs_folder() {
        let text = "/docs/ @doctocat\n/scripts/ @doctocat @octocat\n";
        assert_eq!(owners_of(text, "docs/a.md"), ["@doctocat"]);
        assert_eq!(owners_of(text, "docs/deep/er/a.md"), ["@doctocat"]);
        assert!(owners_of(text, "pkg/docs/a.md").is_empty());
        assert_eq!(
            owners_of(text, "scripts/ci/run.sh"),
            ["@doctocat", "@octocat"]
        );
    }

    #[test]
    fn doc_example_double_star_folder_at_any_depth() {
        let text = "**/logs @octocat\n";
        for path in [
            "build/logs/a.log",
            "scripts/logs/a.log",
            "deeply/nested/logs/a.log",
            "logs/a.log",
        ] {
            assert_eq!(owners_of(text, path), ["@octocat"], "{path}");
        }
        assert!(owners_of(text, "build/catalogs/a.log").is_empty());
    }

    #[test]
    fn doc_example_subfolder_without_owners_or_with_its_own() {
        let unowned = "/apps/ @octocat\n/apps/github\n";
        assert_eq!(owners_of(unowned, "apps/web/a.go"), ["@octocat"]);
        assert!(owners_of(unowned, "apps/github/a.go").is_empty());
        assert!(owners_of(unowned, "apps/github/deep/a.go").is_empty());
        let owned = "/apps/ @octocat\n/apps/github @doctocat\n";
        assert_eq!(owners_of(owned, "apps/github/deep/a.go"), ["@doctocat"]);
        assert_eq!(owners_of(owned, "apps/a.go"), ["@octocat"]);
    }

    #[test]
    fn star_does_not_cross_folders() {
        let text = "/api/* @acme/api\napi/**/admin/ @acme/admin\n";
        assert_eq!(owners_of(text, "api/x.go"), ["@acme/api"]);
        assert!(owners_of(text, "api/v1/x.go").is_empty());
        assert_eq!(owners_of(text, "api/admin/x.go"), ["@acme/admin"]);
        assert_eq!(owners_of(text, "api/v1/v2/admin/y/x.go"), ["@acme/admin"]);
        let text = "internal/*/handlers @acme/web\n/cmd/*.go @acme/cli\n";
        assert_eq!(
            owners_of(text, "internal/billing/handlers/h.go"),
            ["@acme/web"]
        );
        assert!(owners_of(text, "internal/a/b/handlers/h.go").is_empty());
        assert_eq!(owners_of(text, "cmd/main.go"), ["@acme/cli"]);
        assert!(owners_of(text, "cmd/tool/main.go").is_empty());
        let text = "docs/** @acme/docs\n";
        assert_eq!(owners_of(text, "docs/a/b.md"), ["@acme/docs"]);
        assert!(owners_of(text, "x/docs/a.md").is_empty());
        assert_eq!(owners_of("** @acme/all\n", "a/b/c.go"), ["@acme/all"]);
        let text = "/* @acme/root\n";
        assert_eq!(owners_of(text, "main.go"), ["@acme/root"]);
        assert!(owners_of(text, "cmd/main.go").is_empty());
    }

    #[test]
    fn unsupported_syntax_is_not_guessed_at() {
        let text = "* @acme/all\n!api/ @acme/none\n[ab].go @acme/literal\n";
        assert_eq!(
            owners_of(text, "api/x.go"),
            ["@acme/all"],
            "`!` lines are skipped"
        );
        assert_eq!(owners_of(text, "a.go"), ["@acme/all"], "`[ ]` is no range");
        assert_eq!(owners_of(text, "[ab].go"), ["@acme/literal"]);
        assert!(owners_of("/ @x\n", "a.go").is_empty());
        assert!(owners_of("*.GO @x\n", "a.go").is_empty(), "case-sensitive");
    }
}
