# sre-policy as a container image for GitLab CI, Jenkins and local use: a static (musl) binary
# on Alpine with git (diff mode reads the repository's history), run as a non-root user.
#
#   docker build -t sre-policy .
#   docker run --rm -v "$PWD:/src" -w /src sre-policy check --base origin/main
FROM rust:1-alpine AS build
# libgit2 and tree-sitter are C code compiled by their crates.
RUN apk add --no-cache build-base
WORKDIR /build
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
COPY benches ./benches
COPY grammar ./grammar
# Without .git in the context, --version names the package version alone.
RUN cargo build --release --locked --bin sre-policy \
 && strip target/release/sre-policy

FROM alpine:3
RUN apk add --no-cache git \
 && adduser -D -u 10001 sre-policy \
 # CI runners mount the checkout owned by another user; the image exists to read it.
 && git config --system --add safe.directory '*'
COPY --from=build /build/target/release/sre-policy /usr/local/bin/sre-policy
USER 10001
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/sre-policy"]
CMD ["check"]
