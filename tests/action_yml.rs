//! Static security checks of `action.yml` and of the workflow `init` prints (and README shows):
//! no `${{ }}` expression inside a `run:` script (expressions go through `env:`), `shell: bash`
//! on every run step, every `uses:` pinned to a full commit SHA with a version comment.

use std::path::Path;

/// A step of a `steps:` list: its lines, with the indentation of its `- `.
struct Step<'a> {
    first_line: usize,
    lines: Vec<&'a str>,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The steps of every `steps:` list in `yaml` (block style, as these files are written).
fn steps(yaml: &str) -> Vec<Step<'_>> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("steps:") {
            let list_indent = indent(lines[i]);
            i += 1;
            while i < lines.len() {
                let line = lines[i];
                if line.trim().is_empty() || line.trim_start().starts_with('#') {
                    i += 1;
                    continue;
                }
                if indent(line) < list_indent
                    || (indent(line) == list_indent && !line.trim_start().starts_with("- "))
                {
                    break;
                }
                // A new step: "- " at the list's indentation.
                let dash = indent(line);
                let mut step = Step {
                    first_line: i + 1,
                    lines: vec![line],
                };
                i += 1;
                while i < lines.len() {
                    let next = lines[i];
                    if !next.trim().is_empty() && indent(next) <= dash {
                        break;
                    }
                    step.lines.push(next);
                    i += 1;
                }
                out.push(step);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The value of `key` in a step (the text after `key:` on its line, plus, for a block scalar,
/// the more-indented lines that follow).
fn value(step: &Step<'_>, key: &str) -> Option<String> {
    for (n, line) in step.lines.iter().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let Some(rest) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) else {
            continue;
        };
        let key_indent = indent(line) + (line.trim_start().len() - trimmed.len());
        let mut text = rest.trim().to_string();
        if text.starts_with('|') || text.starts_with('>') || text.is_empty() {
            for more in &step.lines[n + 1..] {
                if !more.trim().is_empty() && indent(more) <= key_indent {
                    break;
                }
                text.push('\n');
                text.push_str(more);
            }
        }
        return Some(text);
    }
    None
}

/// Every violation in `yaml`; `allow_unpinned` names `uses:` prefixes exempt from pinning.
fn violations(yaml: &str, allow_unpinned: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let all = steps(yaml);
    if all.is_empty() {
        out.push("no steps found".to_string());
    }
    for step in &all {
        let at = step.first_line;
        if let Some(script) = value(step, "run") {
            if script.contains("${{") {
                out.push(format!("step at line {at}: `${{{{` inside a run: script"));
            }
            if value(step, "shell").as_deref() != Some("bash") {
                out.push(format!("step at line {at}: run step without `shell: bash`"));
            }
        }
        if let Some(uses) = value(step, "uses") {
            let (target, comment) = match uses.split_once(" #") {
                Some((t, c)) => (t.trim(), c.trim()),
                None => (uses.trim(), ""),
            };
            if target.starts_with("./") || allow_unpinned.iter().any(|p| target.starts_with(p)) {
                continue;
            }
            let pinned = target
                .rsplit_once('@')
                .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()));
            if !pinned {
                out.push(format!(
                    "step at line {at}: `{target}` is not pinned to a commit SHA"
                ));
            } else if !comment.starts_with('v') {
                out.push(format!(
                    "step at line {at}: `{target}` has no version comment"
                ));
            }
        }
    }
    out
}

#[test]
fn action_yml_is_safe() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let yaml = std::fs::read_to_string(path).unwrap();
    let found = steps(&yaml);
    assert!(
        found.len() >= 4,
        "expected the action's steps, got {}",
        found.len()
    );
    assert!(found.iter().any(|s| value(s, "uses").is_some()));
    assert_eq!(violations(&yaml, &[]), Vec::<String>::new());
    // Nothing is written to GITHUB_ENV or GITHUB_PATH.
    assert!(!yaml.contains("GITHUB_ENV") && !yaml.contains("GITHUB_PATH"));
}

#[test]
fn the_printed_workflow_is_safe() {
    // Built from a release, the action is pinned to the release's commit: nothing is exempt.
    let pinned = sre_policy::init::workflow_snippet_at(Some(&"a".repeat(40)));
    assert_eq!(violations(&pinned, &[]), Vec::<String>::new());
    // Otherwise only the action itself is referenced by tag (its SHA is the user's to pin; the
    // snippet says how).
    let workflow = sre_policy::init::workflow_snippet_at(None);
    let own = format!(
        "{}@",
        sre_policy::init::REPO_URL.trim_start_matches("https://github.com/")
    );
    assert_eq!(violations(&workflow, &[&own]), Vec::<String>::new());
    assert!(
        violations(&workflow, &[]).len() == 1,
        "the tag form is the exception"
    );
    let expected = if sre_policy::init::RELEASE_COMMIT.is_empty() {
        workflow
    } else {
        pinned.replace(&"a".repeat(40), sre_policy::init::RELEASE_COMMIT)
    };
    assert_eq!(sre_policy::init::workflow_snippet(), expected);
}

#[test]
fn readme_shows_the_printed_snippets() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    // README shows the pinned form with a placeholder (a release's commit SHA cannot be
    // written into that release), which the workflow linters accept as written.
    let readme_workflow =
        sre_policy::init::workflow_snippet_at(Some(sre_policy::init::PLACEHOLDER_COMMIT));
    assert_eq!(violations(&readme_workflow, &[]), Vec::<String>::new());
    for snippet in [
        readme_workflow,
        sre_policy::init::precommit_snippet(),
        sre_policy::init::makefile_snippet(),
    ] {
        assert!(readme.contains(&snippet), "README.md lacks:\n{snippet}");
    }
}

#[test]
fn the_checker_catches_violations() {
    let bad = "runs:\n  using: composite\n  steps:\n    - run: |\n        echo \"${{ github.head_ref }}\"\n      shell: bash\n    - run: echo hi\n    - uses: actions/cache@v4\n    - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830\n    - name: x\n      env:\n        A: ${{ inputs.a }}\n      shell: bash\n      run: >-\n        echo $A\n";
    let found = violations(bad, &[]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("inside a run"), "{found:#?}");
    assert!(found[1].contains("shell: bash"), "{found:#?}");
    assert!(found[2].contains("not pinned"), "{found:#?}");
    assert!(found[3].contains("version comment"), "{found:#?}");
}

#[test]
fn action_builds_in_its_own_folder_and_verifies_what_it_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let yaml = std::fs::read_to_string(path).unwrap();
    let all = steps(&yaml);
    let script = |id: &str| {
        all.iter()
            .find(|s| value(s, "id").as_deref() == Some(id))
            .and_then(|s| value(s, "run"))
            .unwrap_or_else(|| panic!("no run step with id {id}"))
    };
    let build = script("build");
    let cd = build
        .find("cd \"$GITHUB_ACTION_PATH\"")
        .expect("cd into the action");
    let cargo = build.find("cargo install").expect("cargo install");
    assert!(cd < cargo, "cargo must run in the action's folder");
    assert!(build.contains("RUSTUP_TOOLCHAIN=stable"), "{build}");
    assert!(
        build.contains(".sha256"),
        "a cached build is checked: {build}"
    );
    let release = script("release");
    assert!(release.contains("sha256sums.txt") && release.contains("checksum mismatch"));
    let check = script("check");
    assert!(check.contains("sarif=\"$RUNNER_TEMP/"), "{check}");
    assert!(check.contains("rm -f -- \"$sarif\""), "{check}");
}

#[test]
fn the_wheel_hook_mirror_pins_this_version() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/pre-commit");
    let pyproject: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("pyproject.toml")).unwrap()).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(pyproject["project"]["version"].as_str(), Some(version));
    let dependencies = pyproject["project"]["dependencies"].as_array().unwrap();
    assert_eq!(
        dependencies
            .iter()
            .filter_map(|d| d.as_str())
            .collect::<Vec<_>>(),
        vec![format!("sre-policy=={version}")]
    );
}

#[test]
fn release_workflow_is_pinned_and_least_privileged() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    let yaml = std::fs::read_to_string(path).unwrap();
    assert!(steps(&yaml).len() >= 10);
    assert_eq!(violations(&yaml, &[]), Vec::<String>::new());
    assert!(
        yaml.contains("\npermissions: {}\n"),
        "no default permissions"
    );
    // Write access only where it is used, each once.
    assert_eq!(yaml.matches("contents: write").count(), 1);
    assert_eq!(yaml.matches("id-token: write").count(), 1);
    assert!(
        !yaml.contains("secrets."),
        "trusted publishing needs no secret"
    );
}
