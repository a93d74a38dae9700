#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests and the Dockerfile (no cluster, no registry): Kubernetes OpenAPI
# schemas through the npm package kubernetes-models, the Dockerfile through dockerfile-utils, and `kubectl kustomize`
# when kubectl is installed. Installs its npm packages into deploy/validate/node_modules on first use.
set -euo pipefail
cd "$(dirname "$0")/validate"
[ -d node_modules/kubernetes-models ] || npm install --no-audit --no-fund --silent >&2
node validate.mjs
if command -v kubectl >/dev/null; then
  kubectl kustomize ../kubernetes >/dev/null && echo "kubectl kustomize: ok"
fi
