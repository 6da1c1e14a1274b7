# syntax=docker/dockerfile:1
#
# The CLA workforce server as a container image: `cla serve` (never the demo, which would print
# sign-in links into a production log), as a non-root user, its local state in the volume
# /var/lib/cla, healthy once /readyz answers.
#
#   docker build -t cla-workforce .
#   docker run -p 8080:8080 -e CLA_JWT_SECRET=... -v cla-data:/var/lib/cla cla-workforce
#
# Not built in this repository's CI (it has no container engine); see ops/README.md.

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake clang \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p cla-gateway --bin cla \
 && cp target/release/cla /usr/local/bin/cla

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/cla --shell /usr/sbin/nologin cla \
 && mkdir -p /var/lib/cla \
 && chown cla:cla /var/lib/cla \
 && chmod 0700 /var/lib/cla
COPY --from=build /usr/local/bin/cla /usr/local/bin/cla
USER cla
ENV CLA_LISTEN=0.0.0.0:8080 \
    CLA_DATA_DIR=/var/lib/cla \
    CLA_LOG_FORMAT=json \
    CLA_HEALTH_ADDRESS=127.0.0.1:8080
VOLUME ["/var/lib/cla"]
EXPOSE 8080
# Ready: the store answers and the read models have caught up (a first start rebuilds them).
HEALTHCHECK --interval=15s --timeout=3s --start-period=300s --retries=3 \
  CMD curl --fail --silent --show-error "http://${CLA_HEALTH_ADDRESS}/readyz" > /dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/cla"]
CMD ["serve"]
