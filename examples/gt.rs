use std::time::Instant;
fn main() {
    let p = std::path::Path::new("/tmp/big");
    let repo = sre_policy::git::Repo::discover_required(p).unwrap();
    let req = sre_policy::git::ChangeRequest { base: Some("main~1".into()), head: Some("HEAD".into()), staged: false };
    let t = Instant::now();
    let cs = repo.change_set(&req, &|p| p.ends_with(".go")).unwrap();
    println!("change_set {:?} files {}", t.elapsed(), cs.files.len());
}
