"""openapi.yaml is generated from the app: this fails when the two drift apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from factdesk.core.settings import Settings
from service.app import create_app
from service.openapi import openapi_yaml
from tests.conftest import REPO_ROOT


def test_openapi_yaml_matches_the_app() -> None:
    committed = (REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == openapi_yaml(create_app(Settings())), (
        "openapi.yaml is out of date: run `factdesk openapi`"
    )


def test_errors_are_declared_as_problem_json() -> None:
    spec = yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    verify = spec["paths"]["/v1/verify"]["post"]
    for status in ("413", "422", "503"):
        assert list(verify["responses"][status]["content"]) == ["application/problem+json"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    example = verify["requestBody"]["content"]["application/json"]["schema"]
    assert example["$ref"].endswith("/VerifyRequest")
    assert spec["components"]["schemas"]["VerifyRequest"]["examples"]


def test_the_200_example_is_a_real_answer_over_the_sample_corpus() -> None:
    from index.corpus import load_corpus
    from service.verification.schemas import VERIFY_EXAMPLE, VerifyResponse
    from tests.conftest import SAMPLE_CORPUS

    example = VerifyResponse.model_validate(VERIFY_EXAMPLE)
    documents = {d.id: d for d in load_corpus(SAMPLE_CORPUS)}
    assert example.citations
    for citation in example.citations:
        document = documents[citation.document_id]
        assert document.text[citation.start : citation.end] == citation.text
        assert (citation.title, citation.publisher, citation.url) == (
            document.title, document.publisher, document.url
        )  # fmt: skip


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_ref_in_openapi_yaml_resolves() -> None:
    """Before: the document POST/PUT body named #/components/schemas/DocumentIn, which was not
    there, so its JSON body was undocumented and never fuzzed."""
    document = yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    refs = sorted(set(_refs(document)))
    assert refs
    for ref in refs:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict), f"{ref} does not resolve"
            assert part in node, f"{ref} does not resolve"
            node = node[part]
    body = document["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    assert "text" in body["application/json"]["schema"]["properties"]
