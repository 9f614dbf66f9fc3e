# Build: the workspace in release mode against Debian's libpq.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY domain domain
COPY persistence persistence
COPY api api
COPY tests tests
COPY migrations migrations
RUN cargo build --release --locked -p selvbetjening

# Run: the binary, libpq, CA certificates; no shell tools needed.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/selvbetjening --create-home selvbetjening
COPY --from=build /src/target/release/selvbetjening /usr/local/bin/selvbetjening
USER selvbetjening
WORKDIR /var/lib/selvbetjening
ENV BIND_ADDR=0.0.0.0:8080 \
    DATA_DIR=/var/lib/selvbetjening/data \
    MAILBOX_DIR=/var/lib/selvbetjening/data/mailbox \
    LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["selvbetjening"]
CMD ["serve"]
