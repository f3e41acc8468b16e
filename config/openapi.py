"""The error answers every API operation can give, written into the OpenAPI schema.

drf-spectacular documents what a view declares; DRF itself adds answers no view declares:
400 for input it cannot accept (a body or filter that does not validate, malformed JSON, a NUL
character anywhere), 401 and 403 from authentication and permissions, 404 for an unknown object
or page number, 415 for a body in a format it does not parse, and 429 from the rate limits.
Clients, and the schema-driven fuzzer, rely on the schema listing them all.
"""

ERROR_DETAIL = "ErrorDetail"
VALIDATION_ERRORS = "ValidationErrors"
METHODS = {"get", "put", "post", "patch", "delete"}

COMPONENTS = {
    ERROR_DETAIL: {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "Why the request was refused, in the caller's language.",
    },
    VALIDATION_ERRORS: {
        "anyOf": [{"type": "object"}, {"type": "array"}],
        "description": "Messages by field name (lists of strings, nested for nested input), "
        "by position for lists, or `detail` when the body could not be read.",
    },
}

DESCRIPTIONS = {
    "400": "The input was not accepted; nothing was changed.",
    "401": "Not signed in: send `Authorization: Token …`.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object visible to the caller, or no such page.",
    "415": "The body is in a format the API does not read.",
    "429": "Too many requests; `Retry-After` says how many seconds to wait.",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _widen_400(response: dict) -> None:
    """A declared 400 keeps its own shape and gains DRF's generic one (malformed JSON, ...)."""
    for media in (response.get("content") or {}).values():
        schema = media.get("schema")
        if schema and schema != _ref(VALIDATION_ERRORS) and "anyOf" not in schema:
            media["schema"] = {"anyOf": [schema, _ref(VALIDATION_ERRORS)]}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            has_body = "requestBody" in operation
            has_path = any(p.get("in") == "path" for p in parameters)
            pages = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
            secured = any(requirement for requirement in operation.get("security", []))
            # 400 everywhere: a NUL character in the URL is refused before routing (see
            # config.middleware), besides bodies and filters that do not validate.
            wanted = {"400": VALIDATION_ERRORS, "429": ERROR_DETAIL}
            if secured:
                wanted["401"] = wanted["403"] = ERROR_DETAIL
            if has_path or pages:
                wanted["404"] = ERROR_DETAIL
            if has_body:
                wanted["415"] = ERROR_DETAIL
            for code, component in wanted.items():
                if code in responses:
                    continue
                responses[code] = _json(_ref(component), DESCRIPTIONS[code])
            if "400" in responses:
                _widen_400(responses["400"])
    return result
