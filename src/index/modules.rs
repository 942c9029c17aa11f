//! The repository's own Go modules: module path → folder, from `go.mod` files (the root one,
//! and those of the `use` folders of `go.work`), so an import path can be mapped to the folder
//! of a package of the repository.

/// The modules of the repository, longest module path first.
#[derive(Debug, Clone, Default)]
pub struct Modules {
    /// (module path, repo-relative folder).
    modules: Vec<(String, String)>,
}

impl Modules {
    /// Builds the map from `go.mod` texts, each with the repo-relative folder it is in.
    pub fn new(go_mods: &[(String, String)]) -> Modules {
        let mut modules: Vec<(String, String)> = go_mods
            .iter()
            .filter_map(|(dir, text)| Some((module_path(text)?, dir.clone())))
            .collect();
        // The longest module path first: a nested module owns its own folders.
        modules.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        modules.dedup();
        Modules { modules }
    }

    /// The repo-relative folder of the package imported as `import_path`, when it belongs to
    /// one of the repository's modules.
    pub fn folder_of(&self, import_path: &str) -> Option<String> {
        self.modules.iter().find_map(|(module, dir)| {
            let rest = if import_path == module {
                ""
            } else {
                import_path
                    .strip_prefix(module.as_str())?
                    .strip_prefix('/')?
            };
            Some(match (dir.as_str(), rest) {
                ("", rest) => rest.to_string(),
                (dir, "") => dir.to_string(),
                (dir, rest) => format!("{dir}/{rest}"),
            })
        })
    }

    /// The import path of the repository's package in folder `dir`, when a module holds it.
    pub fn import_path_of(&self, dir: &str) -> Option<String> {
        self.modules
            .iter()
            .filter_map(|(module, root)| {
                let rest = if root.is_empty() {
                    dir
                } else if dir == root {
                    ""
                } else {
                    dir.strip_prefix(root.as_str())?.strip_prefix('/')?
                };
                Some((root.len(), module, rest))
            })
            .max_by_key(|(depth, _, _)| *depth)
            .map(|(_, module, rest)| {
                if rest.is_empty() {
                    module.clone()
                } else {
                    format!("{module}/{rest}")
                }
            })
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

/// The module path of a `go.mod` text: its `module` directive.
pub fn module_path(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let path = line.strip_prefix("module")?;
        if !path.starts_with([' ', '\t', '"']) {
            return None;
        }
        let path = path.trim().trim_matches('"');
        (!path.is_empty()).then(|| path.to_string())
    })
}

/// The folders a `go.work` text uses (repo-relative to the `go.work` folder `dir`).
pub fn work_folders(dir: &str, text: &str) -> Vec<String> {
    let mut folders = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let entry = entry.trim_matches('"');
        if entry.is_empty() || entry.starts_with("..") || entry.starts_with('/') {
            continue;
        }
        let entry = entry.trim_start_matches("./").trim_end_matches('/');
        folders.push(match (dir, entry) {
            (_, "." | "") => dir.to_string(),
            ("", entry) => entry.to_string(),
            (dir, entry) => format!("{dir}/{entry}"),
        });
    }
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_import_paths_to_folders() {
        let modules = Modules::new(&[
            (
                "".to_string(),
                "module github.com/acme/shop\n\ngo 1.22\n".to_string(),
            ),
            (
                "tools/gen".to_string(),
                "// generator\nmodule \"github.com/acme/shop/tools/gen\"\n".to_string(),
            ),
        ]);
        assert_eq!(
            modules
                .folder_of("github.com/acme/shop/internal/store")
                .as_deref(),
            Some("internal/store")
        );
        assert_eq!(
            modules.folder_of("github.com/acme/shop").as_deref(),
            Some("")
        );
        assert_eq!(
            modules
                .folder_of("github.com/acme/shop/tools/gen/x")
                .as_deref(),
            Some("tools/gen/x")
        );
        assert_eq!(modules.folder_of("github.com/acme/shopping"), None);
        assert_eq!(modules.folder_of("net/http"), None);
        // And back: the nested module owns its folders.
        for (dir, path) in [
            ("internal/store", "github.com/acme/shop/internal/store"),
            ("", "github.com/acme/shop"),
            ("tools/gen", "github.com/acme/shop/tools/gen"),
            ("tools/gen/x", "github.com/acme/shop/tools/gen/x"),
            ("tools/generator", "github.com/acme/shop/tools/generator"),
        ] {
            assert_eq!(modules.import_path_of(dir).as_deref(), Some(path), "{dir}");
        }
        assert_eq!(Modules::default().import_path_of("x"), None);
    }

    #[test]
    fn reads_go_work_use_folders() {
        let text = "go 1.22\n\nuse (\n\t./api\n\t./tools/gen // generator\n\t.\n)\nuse ./single\n";
        assert_eq!(work_folders("", text), ["api", "tools/gen", "", "single"]);
    }
}
