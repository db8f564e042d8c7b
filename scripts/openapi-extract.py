#!/usr/bin/env python3
"""Extracts what the contract tests need from an official OpenAPI description.

Usage: scripts/openapi-extract.py openai|together SPEC.yaml OUT.json

Writes the operations finetune calls on that provider (request and response schemas) and every component schema
they reach, as JSON. OpenAPI 3.0 idioms that JSON Schema 2020-12 reads differently are rewritten:
`nullable: true` adds `null` to the type, and a boolean `exclusiveMinimum`/`exclusiveMaximum`
becomes the number it qualifies. Descriptions and examples are dropped.
"""
import json
import sys

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


def main():
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
