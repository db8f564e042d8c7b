#!/usr/bin/env python3
"""Extracts what the tests need from an official OpenAPI description.

Usage: scripts/openapi-extract.py openai|together SPEC.yaml OUT.json
       scripts/openapi-extract.py --mock openai|azure|together SPEC.yaml OUT.json

The first form writes, for the contract tests, the operations finetune calls on that provider
(request and response schemas) and every component schema they reach, as JSON. OpenAPI 3.0
idioms that JSON Schema 2020-12 reads differently are rewritten: `nullable: true` adds `null` to
the type, and a boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the number it qualifies.
Descriptions and examples are dropped.

The second form writes an OpenAPI description that a mock server (Prism) serves for the tests
against an independent implementation: the same operations, verbatim, with every component they
reach (schemas, responses, parameters, security schemes), and nothing else changed but two
things. Prism ignores the path of `servers` (it serves `paths` at its root), so that path is
moved in front of every path: the full URLs stay those of the provider, and the client's base
URL ends in the same path as the real one (`/v1`). And `azure` is OpenAI's description as Azure
OpenAI's v1 API serves it: OpenAI's paths under `https://RESOURCE.openai.azure.com/openai/v1`,
the key in an `api-key` header, and no dated `api-version` (only the optional `v1` or `preview`
that Azure's own description of the v1 API gives every operation; see
https://learn.microsoft.com/azure/ai-services/openai/api-version-lifecycle).
"""
import json
import sys
import urllib.parse

import yaml

OPENAI_OPERATIONS = [
    ("get", "/files"),
    ("post", "/files"),
    ("get", "/files/{file_id}"),
    ("delete", "/files/{file_id}"),
    ("get", "/files/{file_id}/content"),
    ("post", "/uploads"),
    ("post", "/uploads/{upload_id}/parts"),
    ("post", "/uploads/{upload_id}/complete"),
    ("post", "/uploads/{upload_id}/cancel"),
    ("post", "/fine_tuning/jobs"),
    ("get", "/fine_tuning/jobs"),
    ("get", "/fine_tuning/jobs/{fine_tuning_job_id}"),
    ("post", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel"),
    ("post", "/fine_tuning/jobs/{fine_tuning_job_id}/pause"),
    ("post", "/fine_tuning/jobs/{fine_tuning_job_id}/resume"),
    ("get", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints"),
    ("get", "/fine_tuning/jobs/{fine_tuning_job_id}/events"),
    ("post", "/chat/completions"),
]
TOGETHER_OPERATIONS = [
    ("get", "/files"),
    ("post", "/files/upload"),
    ("get", "/files/{id}"),
    ("delete", "/files/{id}"),
    ("get", "/files/{id}/content"),
    ("post", "/fine-tunes"),
    ("get", "/fine-tunes"),
    ("post", "/fine-tunes/estimate-price"),
    ("get", "/fine-tunes/{id}"),
    ("get", "/fine-tunes/{id}/events"),
    ("get", "/fine-tunes/{id}/checkpoints"),
    ("post", "/fine-tunes/{id}/cancel"),
    ("get", "/fine-tunes/{id}/metrics"),
    ("get", "/fine-tunes/models/supported"),
    ("get", "/fine-tunes/models/limits"),
    ("post", "/chat/completions"),
]
# Per provider: the operations finetune calls, and the schema of an error answer.
PROVIDERS = {
    "openai": (OPENAI_OPERATIONS, "ErrorResponse"),
    "together": (TOGETHER_OPERATIONS, "ErrorData"),
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DROP = {"description", "example", "examples", "x-oaiMeta", "x-oaiTypeLabel", "title",
        "x-stainless-const", "deprecated", "x-oaiExpandable", "format"}


def clean(node):
    if isinstance(node, list):
        return [clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: clean(value) for key, value in node.items() if key not in DROP}
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True:
            out[bound] = out.pop(limit)
        elif out.get(bound) is False:
            del out[bound]
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "enum" in out:
            out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


# Azure OpenAI's v1 API: OpenAI's paths under the resource's `/openai/v1`, the key in `api-key`.
AZURE_SERVER = {
    "url": "https://{resource}.openai.azure.com/openai/v1",
    "variables": {"resource": {"default": "RESOURCE", "description": "The Azure OpenAI resource"}},
}
AZURE_SECURITY_SCHEME = ("ApiKeyAuth", {"type": "apiKey", "in": "header", "name": "api-key"})
# The v1 API takes no dated `api-version`: Azure's own description of it
# (Azure/azure-rest-api-specs, specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.yaml)
# gives every operation this optional parameter, `AzureAIFoundryModelsApiVersion`.
AZURE_API_VERSION_PARAMETER = {
    "name": "api-version",
    "in": "query",
    "required": False,
    "description": "The explicit Azure AI Foundry Models API version to use for this request.\n"
    "`v1` if not otherwise specified.",
    "schema": {"type": "string", "enum": ["v1", "preview"], "default": "v1"},
}


def component_refs(node, found):
    """Adds to `found` every `(kind, name)` of `#/components/KIND/NAME` that `node` refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            kind, name = ref[len("#/components/"):].split("/", 1)
            found.add((kind, name))
        for value in node.values():
            component_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            component_refs(value, found)


def mock_description(provider, spec):
    """The description a mock server serves for `provider`, cut from its official `spec`."""
    base = "openai" if provider == "azure" else provider
    wanted_operations, _ = PROVIDERS[base]
    server = dict(AZURE_SERVER if provider == "azure" else spec["servers"][0])
    url = urllib.parse.urlsplit(server["url"])
    server["url"] = f"{url.scheme}://{url.netloc}"
    prefix = url.path.rstrip("/")
    paths = {}
    for method, path in wanted_operations:
        item = spec["paths"][path]
        out = paths.setdefault(prefix + path, {k: v for k, v in item.items() if k not in METHODS})
        operation = item[method]
        if provider == "azure":
            parameters = operation.get("parameters", []) + [AZURE_API_VERSION_PARAMETER]
            operation = dict(operation, parameters=parameters)
        out[method] = operation
    security = spec["security"]
    schemes = spec["components"]["securitySchemes"]
    if provider == "azure":
        name, scheme = AZURE_SECURITY_SCHEME
        security = [{name: []}]
        schemes = {name: scheme}
    found = set()
    component_refs(paths, found)
    done = set()
    while found - done:
        kind, name = sorted(found - done)[0]
        done.add((kind, name))
        component_refs(spec["components"][kind][name], found)
    components = {}
    for kind, name in sorted(done):
        components.setdefault(kind, {})[name] = spec["components"][kind][name]
    components["securitySchemes"] = {
        name: schemes[name] for requirement in security for name in requirement
    }
    info = dict(spec["info"])
    if provider == "azure":
        info["title"] = f"{info['title']} as Azure OpenAI's v1 API serves it"
    source = (
        f"cut from {spec['info']['title']} {spec['info']['version']} (MIT licence, see "
        f"LICENSE-{base}) by scripts/openapi-extract.py --mock {provider}: the operations "
        f"finetune calls; the server's path {prefix or '/'} moved into the paths for Prism"
    )
    if provider == "azure":
        source += "; Azure's api-key header and the v1 API's api-version parameter"
    return {
        "openapi": spec["openapi"],
        "info": info,
        "x-finetune-source": source,
        "servers": [server],
        "security": security,
        "paths": paths,
        "components": components,
    }


def main():
    if sys.argv[1] == "--mock":
        provider, spec_path, out_path = sys.argv[2], sys.argv[3], sys.argv[4]
        spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
        text = json.dumps(mock_description(provider, spec), indent=1, ensure_ascii=False)
        open(out_path, "w", encoding="utf-8").write(text + "\n")
        return
    provider, spec_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    wanted_operations, error_schema = PROVIDERS[provider]
    spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    operations = {}
    wanted = {error_schema}
    for method, path in wanted_operations:
        op = spec["paths"][path][method]
        entry = {"responses": {}}
        body = op.get("requestBody", {}).get("content", {})
        for content_type, media in body.items():
            entry["request"] = {"content_type": content_type, "schema": clean(media["schema"])}
        for status, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if content:
                entry["responses"][status] = clean(content["schema"])
        refs(entry, wanted)
        operations[f"{method.upper()} {path}"] = entry
    done = {}
    while wanted - done.keys():
        name = (wanted - done.keys()).pop()
        done[name] = clean(schemas[name])
        refs(done[name], wanted)
    info = spec["info"]
    out = {
        "source": f"{info['title']} {info['version']} (MIT licence, see LICENSE-{provider})",
        "error_schema": error_schema,
        "operations": operations,
        "components": {"schemas": dict(sorted(done.items()))},
    }
    text = json.dumps(out, indent=1, sort_keys=False, ensure_ascii=False)
    open(out_path, "w", encoding="utf-8").write(text + "\n")


if __name__ == "__main__":
    main()
