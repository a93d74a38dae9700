# syntax=docker/dockerfile:1
# EmbedRt as a container: the NativeAOT binaries from tools/publish.sh on a chiselled (distroless) base.
#   docker build -t embedrt .                    # server image (default target): no shell, no package manager, non-root
#   docker build --target batch -t embedrt-batch .   # same binaries with /bin/sh, for batch jobs that pipe files
# On x86-64 the image holds the x86-64-v2/v3/v4 flavours; /app/embedrt starts the one the node's CPU takes.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble-aot AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN case "${TARGETARCH:-amd64}" in arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac \
    && tools/publish.sh "$rid" \
    && mkdir -p /out && cp "artifacts/publish/$rid/"* /out/

# Batch image: runtime dependencies of NativeAOT binaries plus a shell, for `embedrt embed --shard` jobs.
FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}-noble AS batch
COPY --from=build /out/ /app/
ENV PATH="/app:${PATH}" HF_HOME=/data/huggingface
USER app
ENTRYPOINT ["/app/embedrt"]

# Server image (default): glibc, OpenSSL and CA certificates only; runs as the non-root user "app".
FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}-noble-chiseled AS server
COPY --from=build /out/ /app/
ENV HF_HOME=/data/huggingface
USER app
EXPOSE 3000
ENTRYPOINT ["/app/embedrt"]
CMD ["serve", "--model", "BAAI/bge-small-zh-v1.5", "--hostname", "0.0.0.0", "--port", "3000"]
