//! Text from the repository (file names, team names, config keys) cannot inject Markdown into
//! the step summary, nor forge a workflow command in human or narratable output.
#![cfg(unix)]

mod robustness_common;

use robustness_common::*;

/// GitHub's flavour: tables, strikethrough, autolinks; raw HTML kept, as GitHub keeps much.
fn render_gfm(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

const HANDLER: &str = "package x\n\nimport \"net/http\"\n\n// @oncall-team <b>bold</b>\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

#[test]
fn file_and_team_names_cannot_inject_markdown_into_the_step_summary() {
    let dir = tree_with_good_file();
    std::fs::write(
        dir.path().join(".sre-policy.toml"),
        "teams = [\"payments\"]\n",
    )
    .unwrap();
    for name in [
        "<img src=x onerror=alert(1)>.go",
        "~~gone~~.go",
        "www.evil.example.go",
        "[click](https:evil.example).go",
        "a\\|<i>b` | `x.go",
    ] {
        std::fs::write(dir.path().join(name), HANDLER).unwrap();
    }
    // Listed as not checked: a list item of its own.
    std::os::unix::fs::symlink("good.go", dir.path().join("# Heading.go")).unwrap();
    let summary = dir.path().join("summary.md");
    let run = sre_policy_env(
        dir.path(),
        &["check", ".", "--format", "github"],
        &[
            ("GITHUB_ACTIONS", "true"),
            // Not a pull request run, even when the tests themselves run in one.
            ("GITHUB_EVENT_PATH", ""),
            ("GITHUB_BASE_REF", ""),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    run.assert_source_level();
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let html = render_gfm(&markdown);
    for injected in ["<img", "<b>", "<i>", "<del>", "<a ", "<h1>"] {
        assert!(
            !html.contains(injected),
            "`{injected}` in {html}\nfrom {markdown}"
        );
    }
    assert_eq!(html.matches("<h2>").count(), 1, "{html}");
    let ours = html.matches("<h3>Notes").count() + html.matches("<h3>Not checked").count();
    assert_eq!(html.matches("<h3>").count(), ours, "{html}");
    // Every name is still shown, as code.
    for shown in [
        "<code>&lt;img src=x onerror=alert(1)&gt;.go:6</code>",
        "<code>~~gone~~.go:6</code>",
        "<code>www.evil.example.go:6</code>",
        "<code># Heading.go</code>",
        // (One cell: the pipes and backticks stay inside the code span.)
        "&lt;i&gt;b` | `x.go:6</code></td>",
    ] {
        assert!(html.contains(shown), "`{shown}` not in {html}");
    }
}

#[test]
fn a_config_key_cannot_forge_a_workflow_command() {
    let dir = tree_with_good_file();
    for config in [
        "\"a\\n::error file=x.go,line=1::forged\" = 1\n",
        "[rules]\n\"a\\n  ::error::forged\" = \"error\"\n",
    ] {
        std::fs::write(dir.path().join(".sre-policy.toml"), config).unwrap();
        for graphics in [None, Some("1")] {
            let env: Vec<(&str, &str)> = graphics.map(|g| ("NO_GRAPHICS", g)).into_iter().collect();
            let run = sre_policy_env(dir.path(), &["check", "."], &env);
            run.assert_tool_error(&["forged"]);
            for line in run.stderr.lines().chain(run.stdout.lines()) {
                assert!(
                    !line.trim_start().starts_with("::"),
                    "forged command {line:?} in {}",
                    run.stderr
                );
            }
        }
    }
}

#[test]
fn human_output_never_starts_a_line_with_a_command() {
    let dir = tree_with_good_file();
    std::fs::write(dir.path().join("::error file=a.go::forged.go"), HANDLER).unwrap();
    std::fs::write(
        dir.path().join(".sre-policy.toml"),
        "teams = [\"payments\"]\n",
    )
    .unwrap();
    for graphics in [None, Some("1")] {
        let env: Vec<(&str, &str)> = graphics.map(|g| ("NO_GRAPHICS", g)).into_iter().collect();
        let run = sre_policy_env(dir.path(), &["check", ".", "--format", "human"], &env);
        run.assert_source_level();
        assert!(run.stdout.contains("forged.go"), "{}", run.stdout);
        for line in run.stdout.lines() {
            assert!(
                !line.trim_start().starts_with("::"),
                "{line:?} in {}",
                run.stdout
            );
        }
    }
}
