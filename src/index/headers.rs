//! The package clause and the imports of a Go file, read from its first lines without a parse:
//! enough to complete the import graph with files no rule needed parsed.

/// The package name and the import paths of a Go file's header.
pub fn header(src: &[u8]) -> (Option<String>, Vec<String>) {
    let text = String::from_utf8_lossy(src);
    let mut package = None;
    let mut imports = Vec::new();
    let mut in_block = false;
    let mut in_comment = false;
    for line in text.lines() {
        let line = line.trim();
        if in_comment {
            in_comment = !line.contains("*/");
            continue;
        }
        if line.starts_with("/*") && !line.contains("*/") {
            in_comment = true;
            continue;
        }
        if line.starts_with("func ") || line.starts_with("type ") || line.starts_with("var ") {
            break;
        }
        if package.is_none() {
            if let Some(rest) = line.strip_prefix("package ") {
                package = rest.split_whitespace().next().map(str::to_string);
            }
            continue;
        }
        let spec = if in_block {
            if line.starts_with(')') {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("import") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = !rest.contains(')');
                rest.trim_start_matches('(')
            } else {
                rest
            }
        } else {
            continue;
        };
        if spec.starts_with("//") {
            continue;
        }
        if let Some(path) = spec.split('"').nth(1) {
            imports.push(path.to_string());
        }
    }
    (package, imports)
}

#[cfg(test)]
mod tests {
    use super::header;

    #[test]
    fn reads_package_and_imports() {
        let src = b"// Copyright\n/* a\nb */\npackage main\n\nimport \"fmt\"\nimport (\n\t_ \"example.com/a\" // x\n\t// \"no\"\n\tb \"example.com/b\"\n)\n\nfunc main() {}\nimport \"late\"\n";
        let (package, imports) = header(src);
        assert_eq!(package.as_deref(), Some("main"));
        assert_eq!(imports, ["fmt", "example.com/a", "example.com/b"]);
    }
}
