//! Partial and treeless clones (`git clone --filter=blob:none` or `tree:0`, what
//! `actions/checkout` makes with `filter:`). git fetches a missing object from the promisor
//! remote when a command needs it; libgit2 cannot, and would report the object missing. So
//! before the change is read, the `git` command fetches, in one request per kind, the trees
//! of both sides and the blobs the check may read, the way git's own lazy fetch does
//! (`fetch --filter=blob:none --stdin` with the objects' ids). Full clones never get here.

use std::io::Write;
use std::process::{Command, Stdio};

use super::*;

impl Repo {
    /// The promisor remote of a partial clone (`extensions.partialClone`, or a remote with
    /// `promisor = true`), `None` for a full clone.
    fn promisor_remote(&self) -> Option<String> {
        let config = self.repo.config().ok()?.snapshot().ok()?;
        if let Ok(remote) = config.get_string("extensions.partialclone") {
            return Some(remote);
        }
        let entries = config.entries(Some(r"remote\..*\.promisor")).ok()?;
        let mut found = None;
        entries
            .for_each(|entry| {
                if found.is_none() && entry.value().is_some_and(|v| v == "true") {
                    found = entry
                        .name()
                        .and_then(|n| n.strip_prefix("remote."))
                        .and_then(|n| n.strip_suffix(".promisor"))
                        .map(str::to_string);
                }
            })
            .ok()?;
        found
    }

    /// In a partial clone, fetches the objects that reading the change of `req` needs: the
    /// trees of both sides, and the blobs of both sides whose path `want_path` accepts. A
    /// full clone returns at once.
    pub fn fetch_missing_objects(
        &self,
        req: &ChangeRequest,
        want_path: &dyn Fn(&str) -> bool,
    ) -> Result<()> {
        let Some(remote) = self.promisor_remote() else {
            return Ok(());
        };
        let plan = self.plan(req)?;
        let mut commits: Vec<&Commit<'_>> = plan.old.iter().collect();
        if let NewSide::Commit(head) = &plan.new {
            commits.push(head);
        }
        // The index's blobs are present: git fetched them when it wrote the index.
        let mut blobs = Vec::new();
        for commit in &commits {
            let listing = match self.git_no_fetch(&["ls-tree", "-r", "-z", "--full-tree"], commit) {
                Ok(listing) => listing,
                Err(_) => {
                    // Trees are missing too (a treeless clone): fetching the root tree
                    // brings every tree below it.
                    self.fetch_objects(&remote, &[commit.tree_id().to_string()])?;
                    self.git_no_fetch(&["ls-tree", "-r", "-z", "--full-tree"], commit)?
                }
            };
            // `<mode> SP <type> SP <oid> TAB <path>` entries, NUL-terminated.
            for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
                let text = String::from_utf8_lossy(entry);
                let Some((meta, path)) = text.split_once('\t') else {
                    continue;
                };
                let mut fields = meta.split(' ');
                let (Some(_mode), Some("blob"), Some(oid)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                if want_path(path) {
                    blobs.push(oid.to_string());
                }
            }
        }
        blobs.sort();
        blobs.dedup();
        let missing = self.missing_objects(&blobs)?;
        if !missing.is_empty() {
            self.fetch_objects(&remote, &missing)?;
        }
        Ok(())
    }

    /// `git ARGS COMMIT` without lazy fetching (so a missing object is an error, not one
    /// round trip per object); stdout.
    fn git_no_fetch(&self, args: &[&str], commit: &Commit<'_>) -> Result<Vec<u8>> {
        let output = self
            .git_command()
            .args(args)
            .arg(commit.id().to_string())
            .env("GIT_NO_LAZY_FETCH", "1")
            .stderr(Stdio::piped())
            .output()
            .map_err(git_not_run)?;
        if !output.status.success() {
            return Err(partial_clone_error(&format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(output.stdout)
    }

    /// Which of `oids` the object database does not have.
    fn missing_objects(&self, oids: &[String]) -> Result<Vec<String>> {
        let odb = self
            .repo
            .odb()
            .map_err(|e| errors::from_git(e, "opening the object database"))?;
        Ok(oids
            .iter()
            .filter(|oid| Oid::from_str(oid).is_ok_and(|id| !odb.exists(id)))
            .cloned()
            .collect())
    }

    /// Fetches `oids` (and what they reach, without blobs) from the promisor `remote`, as
    /// git's lazy fetch does.
    fn fetch_objects(&self, remote: &str, oids: &[String]) -> Result<()> {
        let mut child = self
            .git_command()
            .args([
                "-c",
                "fetch.negotiationAlgorithm=noop",
                "fetch",
                remote,
                "--no-tags",
                "--no-write-fetch-head",
                "--recurse-submodules=no",
                "--filter=blob:none",
                "--stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(git_not_run)?;
        if let Some(mut stdin) = child.stdin.take() {
            let list = oids.join("\n") + "\n";
            stdin
                .write_all(list.as_bytes())
                .map_err(|e| partial_clone_error(&format!("writing to `git fetch`: {e}")))?;
        }
        let output = child.wait_with_output().map_err(git_not_run)?;
        if !output.status.success() {
            return Err(partial_clone_error(&format!(
                "fetching {} missing objects from the promisor remote `{remote}` failed: {}",
                oids.len(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }

    /// The `git` command for this repository, never prompting for credentials.
    fn git_command(&self) -> Command {
        let mut command = Command::new("git");
        command
            .arg("--git-dir")
            .arg(self.repo.path())
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        command
    }
}

fn git_not_run(err: std::io::Error) -> Report {
    partial_clone_error(&format!("could not run the `git` command: {err}"))
}

fn partial_clone_error(detail: &str) -> Report {
    miette!(
        code = code::PARTIAL_CLONE,
        help = "this is a partial clone: its missing objects are fetched with the `git` command \
                from the promisor remote. Make `git` available on PATH with access to the \
                remote, or clone without `--filter` (in `actions/checkout`, drop `filter:`)",
        "{detail}"
    )
}
