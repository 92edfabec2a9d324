"""Check a real response against the OpenAPI document: its status is declared, its body matches that schema.

drf-spectacular writes OpenAPI 3.0 (``nullable``, ``$ref`` into components); this turns one response schema
into plain JSON Schema for ``jsonschema``. An object that lists its properties is closed: a key the schema
does not declare fails, so a schema that names only ``id`` cannot pass for a body with twenty keys.
"""

import jsonschema
from drf_spectacular.generators import SchemaGenerator


def openapi_document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _plain(node, components: dict):
    if isinstance(node, list):
        return [_plain(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _plain(components[node["$ref"].rsplit("/", 1)[-1]], components)
    plain = {key: _plain(value, components) for key, value in node.items() if key != "nullable"}
    if "properties" in plain and "additionalProperties" not in plain:
        plain["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [plain, {"type": "null"}]}
    return plain


def response_problems(document: dict, method: str, path: str, response) -> list[str]:
    """What is wrong with ``response`` to ``method path`` (the schema's templated path), as readable lines."""
    label = f"{method.upper()} {path} -> {response.status_code}"
    declared = document["paths"][path][method.lower()]["responses"]
    if str(response.status_code) not in declared:
        return [f"{label}: status not declared (declared: {sorted(declared)})"]
    content = declared[str(response.status_code)].get("content", {}).get("application/json")
    if content is None:
        return [f"{label}: no JSON body declared"]
    schema = _plain(content["schema"], document["components"]["schemas"])
    errors = jsonschema.Draft7Validator(schema).iter_errors(response.json())
    return [f"{label}: {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors]
